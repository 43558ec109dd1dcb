"""`gpt41cost verify`: the only command that calls the API for counts (opt-in by running it)."""

from __future__ import annotations

from . import app
from . import options as opt
from .common import emit_report, handles_errors, openai_client

#: The environment variable the API key is read from (and only from there).
KEY_VARIABLE = "OPENAI_API_KEY"

HELP = """\
Check gpt41cost's counts against OpenAI's: POST /v1/responses/input_tokens per request.

Needs OPENAI_API_KEY. Each request is sent as a Responses body (Chat bodies converted);
the README says exactly what is sent. Nothing else in gpt41cost uses the network.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost verify samples/requests/chat-support.json
  gpt41cost verify samples/requests/responses-contract.json --model gpt-4.1-mini --format json
"""


@app.command("verify", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def verify(
    paths: opt.VerifyPaths,
    model: opt.VerifyModel = None,
    concurrency: opt.Concurrency = 4,
    strict: opt.VerifyStrict = False,
    base_url: opt.BaseUrl = None,
    timeout: opt.Timeout = 30.0,
    retries: opt.Retries = 4,
    backoff: opt.Backoff = 1.0,
    fmt: opt.Format = opt.Formats.table,
    table: opt.Table = None,
) -> None:
    from ..errors import CheckFailed
    from ..verify import read_requests
    from ..verify import verify as run
    from ..views.verify import verify_report

    requests = list(read_requests(paths))
    with openai_client(KEY_VARIABLE, base_url, timeout, retries, backoff, connections=concurrency) as client:
        result = run(requests, client.post_json, model=model, concurrency=concurrency)
    emit_report(verify_report(result), fmt, table)
    n, differ = len(result.rows), result.compared - result.exact
    if strict and result.exact < n:
        failed = [f"{differ} of {n} counts differ from the API's"] if differ else []
        failed += [f"{result.refused} of {n} refused by the API"] if result.refused else []
        failed += [f"{result.bad_answers} of {n} answered with no count of tokens"] if result.bad_answers else []
        raise CheckFailed("; ".join(failed))
