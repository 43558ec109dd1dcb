"""`gpt41cost estimate`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import BatchRejected, CheckFailed
from . import app
from . import options as opt
from .common import handles_errors, load_catalog_opt, reading, show
from .progress import Progress

HELP = """\
Estimate what requests cost on gpt-4.1, gpt-4.1-mini and gpt-4.1-nano, per request and per month.

Every file is one request's prompt, token-counted exactly (o200k_base, offline).
The report shows each assumption it rests on.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost estimate samples/support --requests-per-day 20000
  gpt41cost estimate samples/contract/question.txt --output-tokens 800 --cache-hit-rate 0.9
  gpt41cost estimate --input-tokens 100000 --output-tokens 2000 --model gpt-4.1 --batch
  cat prompt.txt | gpt41cost estimate - --format json | jq '.models[].per_request_usd'
"""


@app.command("estimate", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def estimate_cmd(
    paths: opt.EstimatePaths = None,
    input_tokens: opt.InputTokens = None,
    output_tokens: opt.OutputTokens = None,
    cached_tokens: opt.CachedTokens = None,
    cache_hit_rate: opt.CacheHitRate = None,
    batch: opt.Batch = False,
    priority: opt.Priority = False,
    requests_per_day: opt.RequestsPerDay = None,
    requests_per_month: opt.RequestsPerMonth = None,
    include: opt.Include = None,
    exclude: opt.Exclude = None,
    encoding: opt.Encoding = "utf-8",
    read_as: opt.ReadAs = None,
    cache: opt.Cache = None,
    cache_warm: opt.CacheWarm = False,
    image_size: opt.ImageSize = None,
    epochs: opt.Epochs = 3,
    skip_bad: opt.SkipBad = False,
    per_input: opt.PerInput = False,
    calibrate_from: opt.CalibrateFrom = None,
    models: opt.Models = None,
    fmt: opt.Format = opt.Formats.table,
    table: opt.Table = None,
    pricing: opt.Pricing = None,
    as_of: opt.AsOf = None,
) -> None:
    from ..api import estimate

    with Progress(None, "Reading inputs", unit="B") as bar, _preflight_shown(fmt, table):
        result = estimate(
            paths, input_tokens=input_tokens, output_tokens=output_tokens, cached_tokens=cached_tokens,
            cache_hit_rate=cache_hit_rate, cache=cache, cache_warm=cache_warm, batch=batch, priority=priority,
            requests_per_day=requests_per_day, requests_per_month=requests_per_month, models=models,
            catalog=load_catalog_opt(pricing, as_of), epochs=epochs, per_input=per_input,
            calibrate_from=calibrate_from, **reading(include, exclude, encoding, read_as, image_size, skip_bad, bar),
        )  # fmt: skip
    show(result, fmt, table)
    if result.rejected is not None:
        raise CheckFailed(result.rejected.rejection)


@contextmanager
def _preflight_shown(fmt: opt.Formats, table: str | None) -> Iterator[None]:
    """A batch input with no request left to price still shows its pre-flight, then fails."""
    try:
        yield
    except BatchRejected as exc:
        show(exc.result, fmt, table)
        raise
