"""`gpt41cost estimate`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

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
    ReadOpts,
    SkipBadOpt,
    count,
    emit,
    handles_errors,
    load_catalog_opt,
    read_inputs,
    share,
)

if TYPE_CHECKING:
    from ..batch import BatchCheck
    from ..catalog import Catalog, ResolvedModel
    from ..estimate import Assumptions
    from ..readers.inputs import Gathered
    from ..usage import Calibration

HELP_EPILOG = """\
\b
Examples:
  gpt41cost estimate samples/support --requests-per-day 20000
  gpt41cost estimate samples/contract/question.txt --output-tokens 800 --cache-hit-rate 0.9
  gpt41cost estimate --input-tokens 100000 --output-tokens 2000 --model gpt-4.1 --batch
  cat prompt.txt | gpt41cost estimate - --format json | jq '.models[].per_request_usd'
"""


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
            parser=count("--input-tokens"),
            metavar="N",
            help="Price one request of N input tokens instead of files.",
            show_default=False,
        ),
    ] = None,
    output_tokens: Annotated[
        int | None,
        typer.Option(
            "--output-tokens",
            parser=count("--output-tokens"),
            metavar="N",
            help="Expected output tokens per request [default: 500].",
            show_default=False,
        ),
    ] = None,
    cached_tokens: Annotated[
        int | None,
        typer.Option(
            "--cached-tokens",
            parser=count("--cached-tokens"),
            metavar="N",
            help="Cached input tokens per request, taken as given.",
            show_default=False,
        ),
    ] = None,
    cache_hit_rate: Annotated[
        Decimal | None,
        typer.Option(
            "--cache-hit-rate",
            parser=share("--cache-hit-rate"),
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
            parser=count("--requests-per-day", REQUESTS),
            metavar="N",
            help="Traffic, for monthly cost (a month is 30 days).",
            show_default=False,
        ),
    ] = None,
    requests_per_month: Annotated[
        int | None,
        typer.Option(
            "--requests-per-month",
            parser=count("--requests-per-month", REQUESTS),
            metavar="N",
            help="Traffic, for monthly cost.",
            show_default=False,
        ),
    ] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    encoding: EncodingOpt = "utf-8",
    read_as: AsOpt = None,
    cache: Annotated[
        str | None,
        typer.Option(
            "--cache",
            metavar="auto|none",
            help="Prompt-cache detection from prefixes shared across the "
            "run [default: auto for request files, none for plain text].",
            show_default=False,
        ),
    ] = None,
    cache_warm: Annotated[
        bool,
        typer.Option(
            "--cache-warm/--cache-cold",
            help="With --cache auto: does the first request of the run already hit a warm cache?",
        ),
    ] = False,
    image_size: ImageSizeOpt = None,
    epochs: Annotated[
        int,
        typer.Option(
            "--epochs",
            parser=count("--epochs", EPOCHS),
            metavar="N",
            help="Fine-tuning epochs, for training cost of fine-tuning data.",
        ),
    ] = 3,
    skip_bad: SkipBadOpt = False,
    per_input: Annotated[
        bool,
        typer.Option("--per-input", help="Also list every input with its tokens and cost per model."),
    ] = False,
    calibrate_from: CalibrateOpt = None,
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Estimate what requests cost on gpt-4.1, gpt-4.1-mini and gpt-4.1-nano, per request and per month.

    Every file is one request's prompt, token-counted exactly (o200k_base, offline).
    The report shows each assumption it rests on.
    """
    from dataclasses import replace

    from ..cache import run_cache
    from ..errors import CheckFailed, UsageError
    from ..estimate import Assumptions, estimate, models_to_report, monthly_requests, text_measure
    from ..measure import InputFile, Totals
    from ..report import render
    from ..views.estimate import estimate_report

    rate = cache_hit_rate
    if cached_tokens is not None and rate is not None:
        raise UsageError("give --cached-tokens or --cache-hit-rate, not both")
    if cache not in (None, "auto", "none"):
        raise UsageError(f"--cache: {cache!r} is not auto or none")
    if cache is not None and (cached_tokens is not None or rate is not None):
        raise UsageError("--cache goes without --cached-tokens and --cache-hit-rate, which fix the cached tokens")
    if batch and priority:
        raise UsageError("give --batch or --priority, not both")
    if paths and input_tokens is not None:
        raise UsageError("give prompt files or --input-tokens, not both")
    if not paths and input_tokens is None:
        raise UsageError("nothing to estimate: give prompt files, a directory, '-' or --input-tokens N")
    per_month, traffic = monthly_requests(requests_per_day, requests_per_month)
    catalog = load_catalog_opt(pricing, as_of)
    chosen = [catalog.resolve(m) for m in model or []]  # fail fast on unknown names
    calibration = _load_calibration(calibrate_from, catalog) if calibrate_from else None
    # The output assumption is known before reading (the totals find misfits with it); the cache
    # mode and processing mode are settled once the kinds of input are known.
    assumptions = Assumptions(
        output_tokens=output_tokens if output_tokens is not None else Assumptions.output_tokens,
        output_source="flag" if output_tokens is not None else "default",
        cached_tokens=cached_tokens,
        cache_hit_rate=rate,
        cache_warm=cache_warm,
        requests_per_month=per_month,
        traffic_source=traffic,
        epochs=epochs,
    )
    if calibration is not None and output_tokens is None:
        assumptions = _calibrated_output(assumptions, calibration)
    outputs = {base: assumptions.output_for(base) for base in catalog.models}

    checks: list[BatchCheck] = []
    inputs: list[InputFile] | None = None
    empty: list[str] = []
    if input_tokens is not None:
        totals = Totals(catalog, outputs)
        totals.add(text_measure("--input-tokens", input_tokens, catalog, kind="tokens"))
        inputs = [InputFile("--input-tokens", "tokens", "--input-tokens", 0, 1)]
    else:
        # Cache detection runs as the files are read: the totals keep the prefixes, not the requests.
        detect = cache != "none" and cached_tokens is None and rate is None
        totals = Totals(catalog, outputs, run_cache(catalog) if detect else None)
        opts = ReadOpts(read_as, include, exclude, encoding, image_size, skip_bad)
        got = read_inputs(paths or [], catalog, opts, text_blocks=cache == "auto", totals=totals)
        inputs = got.inputs
        empty = got.empty
        checks = _preflight(got, catalog, chosen)
    kinds = totals.kind_set()
    cache_mode = (
        "fixed"
        if cached_tokens is not None
        else "rate"
        if rate is not None
        else cache or ("auto" if kinds - {"text", "tokens"} else "none")
    )
    mode, mode_source = _mode(batch, priority, kinds)
    assumptions = replace(assumptions, cache_mode=cache_mode, mode=mode)
    if calibration is not None:
        assumptions = _calibrated_cache(assumptions, calibration)
    models = chosen or models_to_report(catalog, [], totals, fine_tuned="finetune" in kinds)
    result = estimate(totals, catalog, assumptions, models, inputs=inputs, empty_inputs=empty)
    extra = [("processing", mode_source)] if mode_source else []
    if cache_mode == "auto":
        from ..cache import cache_assumptions

        extra += list(cache_assumptions(cache_warm))
    emit(render(estimate_report(result, checks, extra, per_input=per_input), fmt.value))
    rejected = [c for c in checks if c.rejected]
    if rejected:
        c = rejected[0]
        raise CheckFailed(
            f"{c.source}: OpenAI would reject this batch ({len(c.errors)} error(s); first: {c.errors[0].message})"
        )


def _preflight(got: Gathered, catalog: Catalog, chosen: list[ResolvedModel]) -> list[BatchCheck]:
    from ..batch import preflight

    base = [m for m in chosen if not m.fine_tuned] or None
    return [preflight(facts, tally, catalog, models=base) for facts, tally in got.batches]


def _load_calibration(files: list[str], catalog: Catalog) -> Calibration:
    from ..readers.usage import load_calibration

    return load_calibration(files, catalog)


def _calibrated_output(a: Assumptions, cal: Calibration) -> Assumptions:
    """Each model's observed output tokens per request instead of the default."""
    from dataclasses import replace

    source = f"observed mean in {', '.join(cal.sources)}"
    by_model = {m: int(c.output_tokens_mean.to_integral_value()) for m, c in cal.models.items()}
    total = sum(c.requests for c in cal.models.values())
    pooled = sum((c.output_tokens_mean * c.requests for c in cal.models.values()), Decimal(0)) / total
    return replace(a, output_tokens=int(pooled.to_integral_value()), output_by_model=by_model, output_source=source)


def _calibrated_cache(a: Assumptions, cal: Calibration) -> Assumptions:
    """Each model's observed cache hit rate where nothing else gives the cached tokens."""
    from dataclasses import replace

    if a.cache_mode == "none":
        rates = {m: c.cache_hit_rate for m, c in cal.models.items() if c.cache_hit_rate is not None}
        if rates:
            a = replace(a, cache_mode="rate", cache_hit_rate=Decimal(0), hit_rate_by_model=rates)
    return a


def _mode(batch: bool, priority: bool, kinds: set[str]) -> tuple[str, str]:
    """The processing mode, and why when it was not asked for."""
    if batch:
        return "batch", ""
    if priority:
        return "priority", ""
    if "batch" in kinds:
        return "batch", "batch: the input is a Batch API file, so batch rates apply (pass --priority to compare)"
    return "standard", ""
