"""`gpt41cost verify`: the only command that calls the API for counts (opt-in by running it)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import app
from .common import (
    BackoffOpt,
    BaseUrlOpt,
    Format,
    FormatOpt,
    RetriesOpt,
    TableOpt,
    TimeoutOpt,
    emit_report,
    handles_errors,
)

#: The environment variable the API key is read from (and only from there).
KEY_VARIABLE = "OPENAI_API_KEY"


@app.command("verify")
@handles_errors
def verify(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Request files: .json (one request) or .jsonl (one a line, Batch lines too).",
            metavar="PATH...",
            show_default=False,
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="NAME",
            show_default=False,
            help="Ask for this model's count (default: each request's own model, else gpt-4.1).",
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=32, help="Requests to the API at once.")] = 4,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any count differs.")] = False,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = 30.0,
    retries: RetriesOpt = 4,
    backoff: BackoffOpt = 1.0,
    fmt: FormatOpt = Format.table,
    table: TableOpt = None,
) -> None:
    """Check gpt41cost's counts against OpenAI's: POST /v1/responses/input_tokens per request.

    Needs OPENAI_API_KEY. Each request is sent as a Responses body (Chat bodies converted);
    the README says exactly what is sent. Nothing else in gpt41cost uses the network.

    Examples:

      gpt41cost verify requests.jsonl

      gpt41cost verify agent-turn.json --model gpt-4.1-mini --format json
    """
    import os

    from ..errors import CheckFailed
    from ..openai_http import DEFAULT_BASE_URL, OpenAIClient
    from ..verify import read_requests
    from ..verify import verify as run
    from ..views.verify import verify_report

    requests = list(read_requests(paths))
    url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    key = os.environ.get(KEY_VARIABLE, "")
    with OpenAIClient(
        key,
        base_url=url,
        key_variable=KEY_VARIABLE,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        connections=concurrency,
    ) as client:
        result = run(requests, client.post_json, model=model, concurrency=concurrency)
    emit_report(verify_report(result), fmt, table)
    if strict and result.exact < len(result.rows):
        raise CheckFailed(
            f"{len(result.rows) - result.exact} of {len(result.rows)} counts differ from the API's (or it refused them)"
        )
