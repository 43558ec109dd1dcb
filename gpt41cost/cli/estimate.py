"""`gpt41cost estimate`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated

import typer

from ..errors import BatchRejected, CheckFailed
from ..numbers import EPOCHS, REQUESTS
from . import app
from .common import (
    AsOfOpt,
    AsOpt,
    CalibrateOpt,
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
    handles_errors,
    load_catalog_opt,
    share,
    show,
    warn,
)
from .progress import Progress

HELP_EPILOG = """\
\b
Examples:
  gpt41cost estimate samples/support --requests-per-day 20000
  gpt41cost estimate samples/contract/question.txt --output-tokens 800 --cache-hit-rate 0.9
  gpt41cost estimate --input-tokens 100000 --output-tokens 2000 --model gpt-4.1 --batch
  cat prompt.txt | gpt41cost estimate - --format json | jq '.models[].per_request_usd'
"""


PathsOpt = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PATH",
        help="Prompt files, directories (recursive) or '-' for stdin; each file is one request.",
        show_default=False,
    ),
]
InputTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--input-tokens",
        parser=count("--input-tokens"),
        metavar="N",
        help="Price one request of N input tokens instead of files.",
        show_default=False,
    ),
]
OutputTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--output-tokens",
        parser=count("--output-tokens"),
        metavar="N",
        help="Expected output tokens per request [default: 500].",
        show_default=False,
    ),
]
CachedTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--cached-tokens",
        parser=count("--cached-tokens"),
        metavar="N",
        help="Cached input tokens per request, taken as given.",
        show_default=False,
    ),
]
CacheHitRateOpt = Annotated[
    Decimal | None,
    typer.Option(
        "--cache-hit-rate",
        parser=share("--cache-hit-rate"),
        metavar="F",
        help="Share of each request's input served from the prompt cache (0-1), "
        "with OpenAI's 1,024-token minimum and 128-token steps.",
        show_default=False,
    ),
]
BatchOpt = Annotated[bool, typer.Option("--batch", help="Price at Batch API rates (50% off).")]
PriorityOpt = Annotated[bool, typer.Option("--priority", help="Price at priority processing rates.")]
RequestsPerDayOpt = Annotated[
    int | None,
    typer.Option(
        "--requests-per-day",
        parser=count("--requests-per-day", REQUESTS),
        metavar="N",
        help="Traffic, for monthly cost (a month is 30 days).",
        show_default=False,
    ),
]
RequestsPerMonthOpt = Annotated[
    int | None,
    typer.Option(
        "--requests-per-month",
        parser=count("--requests-per-month", REQUESTS),
        metavar="N",
        help="Traffic, for monthly cost.",
        show_default=False,
    ),
]
CacheOpt = Annotated[
    str | None,
    typer.Option(
        "--cache",
        metavar="auto|none",
        help="Prompt-cache detection from prefixes shared across the "
        "run [default: auto for request files, none for plain text].",
        show_default=False,
    ),
]
CacheWarmOpt = Annotated[
    bool,
    typer.Option(
        "--cache-warm/--cache-cold",
        help="With --cache auto: does the first request of the run already hit a warm cache?",
    ),
]
EpochsOpt = Annotated[
    int,
    typer.Option(
        "--epochs",
        parser=count("--epochs", EPOCHS),
        metavar="N",
        help="Fine-tuning epochs, for training cost of fine-tuning data.",
    ),
]
PerInputOpt = Annotated[
    bool,
    typer.Option("--per-input", help="Also list every input with its tokens and cost per model."),
]


@app.command("estimate", epilog=HELP_EPILOG)
@handles_errors
def estimate_cmd(
    paths: PathsOpt = None,
    input_tokens: InputTokensOpt = None,
    output_tokens: OutputTokensOpt = None,
    cached_tokens: CachedTokensOpt = None,
    cache_hit_rate: CacheHitRateOpt = None,
    batch: BatchOpt = False,
    priority: PriorityOpt = False,
    requests_per_day: RequestsPerDayOpt = None,
    requests_per_month: RequestsPerMonthOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    encoding: EncodingOpt = "utf-8",
    read_as: AsOpt = None,
    cache: CacheOpt = None,
    cache_warm: CacheWarmOpt = False,
    image_size: ImageSizeOpt = None,
    epochs: EpochsOpt = 3,
    skip_bad: SkipBadOpt = False,
    per_input: PerInputOpt = False,
    calibrate_from: CalibrateOpt = None,
    models: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    table: TableOpt = None,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Estimate what requests cost on gpt-4.1, gpt-4.1-mini and gpt-4.1-nano, per request and per month.

    Every file is one request's prompt, token-counted exactly (o200k_base, offline).
    The report shows each assumption it rests on.
    """
    from ..api import estimate

    with Progress(None, "Reading inputs", unit="B") as bar, _preflight_shown(fmt, table):
        result = estimate(
            paths, input_tokens=input_tokens, output_tokens=output_tokens, cached_tokens=cached_tokens,
            cache_hit_rate=cache_hit_rate, cache=cache, cache_warm=cache_warm, batch=batch, priority=priority,
            requests_per_day=requests_per_day, requests_per_month=requests_per_month, models=models,
            catalog=load_catalog_opt(pricing, as_of), include=include or (), exclude=exclude or (), encoding=encoding,
            read_as=read_as, image_size=image_size, epochs=epochs, skip_bad=skip_bad, per_input=per_input,
            calibrate_from=calibrate_from, on_progress=bar.advance, on_total=bar.set_total, on_warning=warn,
        )  # fmt: skip
    show(result, fmt, table)
    c = result.rejected
    if c is not None:
        raise CheckFailed(c.rejection)


@contextmanager
def _preflight_shown(fmt: Format, table: str | None) -> Iterator[None]:
    """A batch input with no request left to price still shows its pre-flight, then fails."""
    try:
        yield
    except BatchRejected as exc:
        show(exc.result, fmt, table)
        raise
