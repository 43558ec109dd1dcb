"""`gpt41cost limits`."""

from __future__ import annotations

from decimal import Decimal

from . import app
from . import options as opt
from .common import handles_errors, load_catalog_opt, reading, show
from .progress import Progress

HELP = """\
Rate-limit headroom per usage tier, and the lowest tier that fits.

TPM counts input plus the output reservation (--max-tokens, else --output-tokens), as
OpenAI charges it when a request is admitted. Requests over 128k input tokens use the
long-context pool. A tier fits when every limit's use is at most 100 - --min-headroom %,
and, given --requests-per-day, when the projected monthly spend is within the tier's
monthly usage cap.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost limits -m gpt-4.1 --peak-rpm 300 --input-tokens 1000 --max-tokens 500
  gpt41cost limits samples/support --requests-per-day 200000 --output-tokens 300 --min-headroom 20
  gpt41cost limits --input-tokens 2000 --output-tokens 400 --peak-rpm 50 --backlog 1000000 --tier 3
  gpt41cost limits --input-tokens 1000 --max-tokens 500 --peak-rpm 300 -f json | jq '.models[].lowest_tier'
"""


@app.command("limits", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def limits(
    paths: opt.LimitsPaths = None,
    input_tokens: opt.LimitsInputTokens = None,
    max_tokens: opt.MaxTokens = None,
    output_tokens: opt.LimitsOutputTokens = None,
    peak_rpm: opt.PeakRpm = None,
    requests_per_day: opt.LimitsRequestsPerDay = None,
    peak_factor: opt.PeakFactor = None,
    tier: opt.LimitsTier = None,
    min_headroom: opt.MinHeadroom = Decimal(0),
    batch_share: opt.BatchShare = Decimal(0),
    priority_share: opt.PriorityShare = Decimal(0),
    cache_hit_rate: opt.LimitsCacheHitRate = None,
    backlog: opt.Backlog = None,
    include: opt.Include = None,
    exclude: opt.Exclude = None,
    encoding: opt.Encoding = "utf-8",
    read_as: opt.ReadAs = None,
    image_size: opt.ImageSize = None,
    skip_bad: opt.SkipBad = False,
    models: opt.Models = None,
    fmt: opt.Format = opt.Formats.table,
    table: opt.Table = None,
    pricing: opt.Pricing = None,
    as_of: opt.AsOf = None,
) -> None:
    from ..api import limits

    with Progress(None, "Reading inputs", unit="B") as bar:
        result = limits(
            paths, input_tokens=input_tokens, max_tokens=max_tokens, output_tokens=output_tokens, peak_rpm=peak_rpm,
            requests_per_day=requests_per_day, peak_factor=peak_factor, tier=tier, min_headroom=min_headroom,
            batch_share=batch_share, priority_share=priority_share, cache_hit_rate=cache_hit_rate, backlog=backlog,
            models=models,
            catalog=load_catalog_opt(pricing, as_of),
            **reading(include, exclude, encoding, read_as, image_size, skip_bad, bar),
        )  # fmt: skip
    show(result, fmt, table)
