"""`gpt41cost limits`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from ..numbers import PEAK_FACTOR, PERCENT, REQUESTS, TIER, TOKENS
from . import app
from .common import (
    AsOfOpt,
    AsOpt,
    EncodingOpt,
    ExcludeOpt,
    Format,
    FormatOpt,
    ImageSizeOpt,
    IncludeOpt,
    ModelOpt,
    PricingOpt,
    SkipBadOpt,
    TableOpt,
    count,
    decimal,
    handles_errors,
    load_catalog_opt,
    share,
    show,
    warn,
)
from .progress import Progress

PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Prompt files, request files (chat, Responses, Batch, ...) or directories, as estimate reads them "
        "(or use --input-tokens).",
        show_default=False,
    ),
]


InputTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--input-tokens", parser=count("--input-tokens", TOKENS.at_least(1)), help="Input tokens per request."
    ),
]
MaxTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--max-tokens",
        parser=count("--max-tokens", TOKENS.at_least(1)),
        help="Output reservation per request (max_tokens).",
    ),
]
OutputTokensOpt = Annotated[
    int | None,
    typer.Option("--output-tokens", parser=count("--output-tokens"), help="Expected output tokens per request."),
]
PeakRpmOpt = Annotated[
    Decimal | None,
    typer.Option("--peak-rpm", parser=decimal("--peak-rpm", REQUESTS), help="Requests in the peak minute."),
]
RequestsPerDayOpt = Annotated[
    Decimal | None,
    typer.Option("--requests-per-day", parser=decimal("--requests-per-day", REQUESTS), help="Requests per day."),
]
PeakFactorOpt = Annotated[
    Decimal | None,
    typer.Option(
        "--peak-factor",
        parser=decimal("--peak-factor", PEAK_FACTOR),
        help="Peak minute over the day's average minute, with --requests-per-day only. Default 3.",
    ),
]
TierOpt = Annotated[
    int | None, typer.Option("--tier", parser=count("--tier", TIER), help="Report this usage tier only (1-5).")
]
MinHeadroomOpt = Annotated[
    Decimal,
    typer.Option(
        "--min-headroom",
        parser=decimal("--min-headroom", PERCENT),
        help="Required headroom in % of every limit.",
        metavar="PCT",
    ),
]
BatchShareOpt = Annotated[
    Decimal,
    typer.Option(
        "--batch-share", parser=share("--batch-share"), help="Share of requests sent through the Batch API (0-1)."
    ),
]
CacheHitRateOpt = Annotated[
    Decimal | None,
    typer.Option(
        "--cache-hit-rate",
        parser=share("--cache-hit-rate"),
        help="Share of input served from the prompt cache (0-1).",
    ),
]
BacklogOpt = Annotated[
    int | None,
    typer.Option(
        "--backlog",
        parser=count("--backlog", REQUESTS.at_least(1)),
        help="Also show how long N queued requests take to drain.",
    ),
]


@app.command("limits")
@handles_errors
def limits(
    paths: PathsArg = None,
    input_tokens: InputTokensOpt = None,
    max_tokens: MaxTokensOpt = None,
    output_tokens: OutputTokensOpt = None,
    peak_rpm: PeakRpmOpt = None,
    requests_per_day: RequestsPerDayOpt = None,
    peak_factor: PeakFactorOpt = None,
    tier: TierOpt = None,
    min_headroom: MinHeadroomOpt = Decimal(0),
    batch_share: BatchShareOpt = Decimal(0),
    cache_hit_rate: CacheHitRateOpt = None,
    backlog: BacklogOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    encoding: EncodingOpt = "utf-8",
    read_as: AsOpt = None,
    image_size: ImageSizeOpt = None,
    skip_bad: SkipBadOpt = False,
    models: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    table: TableOpt = None,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Rate-limit headroom per usage tier, and the lowest tier that fits.

    TPM counts input plus the output reservation (--max-tokens, else --output-tokens), as
    OpenAI charges it when a request is admitted. Requests over 128k input tokens use the
    long-context pool. A tier fits when every limit's use is at most 100 - --min-headroom %,
    and, given --requests-per-day, when the projected monthly spend is within the tier's
    monthly usage cap.

    Examples:

      gpt41cost limits -m gpt-4.1 --peak-rpm 300 --input-tokens 1000 --max-tokens 500

      gpt41cost limits prompts/ --requests-per-day 200000 --output-tokens 300 --min-headroom 20

      gpt41cost limits --input-tokens 2000 --output-tokens 400 --peak-rpm 50 --backlog 1000000 --tier 3

      gpt41cost limits --input-tokens 1000 --max-tokens 500 --peak-rpm 300 -f json | jq '.models[].lowest_tier'
    """
    from ..api import limits

    with Progress(None, "Reading inputs", unit="B") as bar:
        result = limits(
            paths, input_tokens=input_tokens, max_tokens=max_tokens, output_tokens=output_tokens, peak_rpm=peak_rpm,
            requests_per_day=requests_per_day, peak_factor=peak_factor, tier=tier, min_headroom=min_headroom,
            batch_share=batch_share, cache_hit_rate=cache_hit_rate, backlog=backlog, models=models,
            catalog=load_catalog_opt(pricing, as_of), include=include or (), exclude=exclude or (),
            encoding=encoding, read_as=read_as, image_size=image_size, skip_bad=skip_bad,
            on_progress=bar.advance, on_total=bar.set_total, on_warning=warn,
        )  # fmt: skip
    show(result, fmt, table)
