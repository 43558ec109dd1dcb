"""`gpt41cost estimate`."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from . import app
from .common import Format, FormatOpt, ModelOpt, PricingOpt, emit, handles_errors, load_catalog_opt
from .progress import Progress

HELP_EPILOG = """\
\b
Examples:
  gpt41cost estimate samples/support --requests-per-day 20000
  gpt41cost estimate samples/contract/question.txt --output-tokens 800 --cache-hit-rate 0.9
  gpt41cost estimate --input-tokens 100000 --output-tokens 2000 --model gpt-4.1 --batch
  cat prompt.txt | gpt41cost estimate - --format json | jq '.models[].per_request_usd'
"""


def _nonneg(name: str, value: int | None) -> None:
    from ..errors import UsageError

    if value is not None and value < 0:
        raise UsageError(f"{name}: must be 0 or more, got {value}")


def _rate(value: str | None) -> Decimal | None:
    from ..errors import UsageError

    if value is None:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise UsageError(f"--cache-hit-rate: {value!r} is not a number; give a fraction such as 0.5") from None
    if not d.is_finite() or not 0 <= d <= 1:
        raise UsageError(f"--cache-hit-rate: {value} is outside 0 to 1; give a fraction such as 0.5")
    return d


@app.command("estimate", epilog=HELP_EPILOG)
@handles_errors
def estimate_cmd(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Prompt files, directories (recursive) or '-' for stdin; each file is one request.",
            show_default=False,
        ),
    ] = None,
    input_tokens: Annotated[
        int | None,
        typer.Option(
            "--input-tokens",
            metavar="N",
            help="Price one request of N input tokens instead of files.",
            show_default=False,
        ),
    ] = None,
    output_tokens: Annotated[
        int | None,
        typer.Option(
            "--output-tokens",
            metavar="N",
            help="Expected output tokens per request [default: 500].",
            show_default=False,
        ),
    ] = None,
    cached_tokens: Annotated[
        int | None,
        typer.Option(
            "--cached-tokens", metavar="N", help="Cached input tokens per request, taken as given.", show_default=False
        ),
    ] = None,
    cache_hit_rate: Annotated[
        str | None,
        typer.Option(
            "--cache-hit-rate",
            metavar="F",
            help="Share of each request's input served from the prompt cache (0-1), "
            "with OpenAI's 1,024-token minimum and 128-token steps.",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[bool, typer.Option("--batch", help="Price at Batch API rates (50% off).")] = False,
    priority: Annotated[bool, typer.Option("--priority", help="Price at priority processing rates.")] = False,
    requests_per_day: Annotated[
        int | None,
        typer.Option(
            "--requests-per-day",
            metavar="N",
            help="Traffic, for monthly cost (a month is 30 days).",
            show_default=False,
        ),
    ] = None,
    requests_per_month: Annotated[
        int | None,
        typer.Option("--requests-per-month", metavar="N", help="Traffic, for monthly cost.", show_default=False),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include", metavar="GLOB", help="Glob of files to take from directories (repeatable).", show_default=False
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", metavar="GLOB", help="Glob of files to skip in directories (repeatable).", show_default=False
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option("--encoding", metavar="NAME", help="Text encoding of prompt files.")
    ] = "utf-8",
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    pricing: PricingOpt = None,
) -> None:
    """Estimate what requests cost on gpt-4.1, gpt-4.1-mini and gpt-4.1-nano, per request and per month.

    Every file is one request's prompt, token-counted exactly (o200k_base, offline).
    The report shows each assumption it rests on.
    """
    from ..errors import UsageError
    from ..estimate import Assumptions, estimate, models_to_report, monthly_requests, text_measure
    from ..readers.text import check_encoding, expand_paths, read_prompt
    from ..report import render
    from ..views.estimate import estimate_report

    _nonneg("--input-tokens", input_tokens)
    _nonneg("--output-tokens", output_tokens)
    _nonneg("--cached-tokens", cached_tokens)
    rate = _rate(cache_hit_rate)
    if cached_tokens is not None and rate is not None:
        raise UsageError("give --cached-tokens or --cache-hit-rate, not both")
    if batch and priority:
        raise UsageError("give --batch or --priority, not both")
    if paths and input_tokens is not None:
        raise UsageError("give prompt files or --input-tokens, not both")
    if not paths and input_tokens is None:
        raise UsageError("nothing to estimate: give prompt files, a directory, '-' or --input-tokens N")
    per_month, traffic = monthly_requests(requests_per_day, requests_per_month)
    assumptions = Assumptions(
        output_tokens=output_tokens if output_tokens is not None else Assumptions.output_tokens,
        output_source="flag" if output_tokens is not None else "default",
        cache_mode="fixed" if cached_tokens is not None else "rate" if rate is not None else "none",
        cached_tokens=cached_tokens,
        cache_hit_rate=rate,
        mode="batch" if batch else "priority" if priority else "standard",
        requests_per_month=per_month,
        traffic_source=traffic,
    )
    catalog = load_catalog_opt(pricing)
    chosen = [catalog.resolve(m) for m in model or []]  # fail fast on unknown names

    if input_tokens is not None:
        measured = [text_measure("--input-tokens", input_tokens, catalog, kind="tokens")]
    else:
        from ..tokens import count_tokens

        enc = check_encoding(encoding)
        files = expand_paths(paths or [], include or [], exclude or [])
        sizes = [os.path.getsize(f) if f != "-" else 0 for f in files]
        measured = []
        with Progress(sum(sizes) or None, "Counting tokens", unit="B") as bar:
            for f, size in zip(files, sizes, strict=True):
                prompt = read_prompt(f, enc)
                measured.append(text_measure(prompt.source, count_tokens(prompt.text), catalog))
                bar.advance(size)
    models = chosen or models_to_report(catalog, [], measured)
    result = estimate(measured, catalog, assumptions, models)
    emit(render(estimate_report(result), fmt.value))
