"""`gpt41cost limits`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from ..numbers import PEAK_FACTOR, PERCENT, REQUESTS, TIER, TOKENS
from . import app
from .common import (
    AsOfOpt,
    Format,
    FormatOpt,
    ModelOpt,
    PricingOpt,
    count,
    decimal,
    emit,
    handles_errors,
    load_catalog_opt,
    share,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..catalog import Catalog
    from ..measure import Measured

PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Prompt files, request files (chat, Responses, Batch, ...) or directories, as estimate reads them "
        "(or use --input-tokens).",
        show_default=False,
    ),
]


@app.command("limits")
@handles_errors
def limits(
    paths: PathsArg = None,
    input_tokens: Annotated[
        int | None,
        typer.Option(
            "--input-tokens", parser=count("--input-tokens", TOKENS.at_least(1)), help="Input tokens per request."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            parser=count("--max-tokens", TOKENS.at_least(1)),
            help="Output reservation per request (max_tokens).",
        ),
    ] = None,
    output_tokens: Annotated[
        int | None,
        typer.Option("--output-tokens", parser=count("--output-tokens"), help="Expected output tokens per request."),
    ] = None,
    peak_rpm: Annotated[
        Decimal | None,
        typer.Option("--peak-rpm", parser=decimal("--peak-rpm", REQUESTS), help="Requests in the peak minute."),
    ] = None,
    requests_per_day: Annotated[
        Decimal | None,
        typer.Option("--requests-per-day", parser=decimal("--requests-per-day", REQUESTS), help="Requests per day."),
    ] = None,
    peak_factor: Annotated[
        Decimal | None,
        typer.Option(
            "--peak-factor",
            parser=decimal("--peak-factor", PEAK_FACTOR),
            help="Peak minute over the day's average minute, with --requests-per-day only. Default 3.",
        ),
    ] = None,
    tier: Annotated[
        int | None, typer.Option("--tier", parser=count("--tier", TIER), help="Report this usage tier only (1-5).")
    ] = None,
    min_headroom: Annotated[
        Decimal,
        typer.Option(
            "--min-headroom",
            parser=decimal("--min-headroom", PERCENT),
            help="Required headroom in % of every limit.",
            metavar="PCT",
        ),
    ] = Decimal(0),
    batch_share: Annotated[
        Decimal,
        typer.Option(
            "--batch-share", parser=share("--batch-share"), help="Share of requests sent through the Batch API (0-1)."
        ),
    ] = Decimal(0),
    cache_hit_rate: Annotated[
        Decimal | None,
        typer.Option(
            "--cache-hit-rate",
            parser=share("--cache-hit-rate"),
            help="Share of input served from the prompt cache (0-1).",
        ),
    ] = None,
    backlog: Annotated[
        int | None,
        typer.Option(
            "--backlog",
            parser=count("--backlog", REQUESTS.at_least(1)),
            help="Also show how long N queued requests take to drain.",
        ),
    ] = None,
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
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
    from ..cache import run_cache
    from ..limits import DEFAULT_PEAK_FACTOR, Demand, RequestProfile, Traffic, assess, drain
    from ..report import render
    from ..views.limits import limits_report
    from ..workload import PromptSummary, profile_from_measured

    catalog = load_catalog_opt(pricing, as_of)
    if paths and input_tokens is not None:
        raise UsageError("give prompt files or --input-tokens, not both")
    if not paths and input_tokens is None:
        raise UsageError("give prompt files (one request each) or --input-tokens N")
    rate = cache_hit_rate
    if peak_rpm is None and requests_per_day is None:  # before any file is read
        raise UsageError("give --peak-rpm N, or --requests-per-day N (peak from --peak-factor, default 3)")
    if peak_rpm is not None and peak_factor is not None:
        raise UsageError("--peak-factor only applies without --peak-rpm; drop one of them")
    if min_headroom >= 100:
        raise UsageError("--min-headroom: must be below 100")
    names = model or catalog.model_names()
    resolved = [catalog.resolve(n) for n in names]
    measured = _read(paths or [], catalog)
    own_caps = bool(measured) and all(m.max_output_tokens is not None for m in measured)
    if max_tokens is None and output_tokens is None and not own_caps:
        raise UsageError("give --max-tokens (the output reservation) or --output-tokens (the expected output)")
    reserve = max_tokens if max_tokens is not None else output_tokens
    if output_tokens is not None:
        expected, out_source = output_tokens, "--output-tokens"
    elif max_tokens is not None:
        expected, out_source = max_tokens, "--max-tokens, an upper bound"
    else:
        caps = [m.max_output_tokens or 0 for m in measured]
        expected, out_source = -(-sum(caps) // len(caps)), "the requests' own max_tokens (mean), an upper bound"
    profiles: dict[str, tuple[RequestProfile, PromptSummary | None]] = {}
    if measured:
        auto: dict[str, list[int]] = {}
        if rate is None and any(m.cache_blocks for m in measured):
            cache = run_cache(catalog)  # a warm run: every request hits what any other holds
            for m in measured:
                cache.add(m.cache_blocks, m.input_tokens)
            each = [cache.warm(m.cache_blocks, m.input_tokens) for m in measured]
            auto = {base: [c[base] for c in each] for base in catalog.models}
        for m in resolved:
            base = m.spec.name
            profiles[base] = profile_from_measured(
                measured,
                base,
                catalog,
                output_tokens=expected,
                reserve_tokens=reserve,
                cache_hit_rate=rate,
                auto_cached=auto.get(base),
            )
    else:
        assert input_tokens is not None
        from ..cost import cached_tokens_for_rate

        cached = (
            0
            if rate is None
            else cached_tokens_for_rate(input_tokens, rate, catalog.cache_min_tokens, catalog.cache_step_tokens)
        )
        uniform = RequestProfile.uniform(input_tokens, expected, reserve if reserve is not None else expected, cached)
        profiles = {m.spec.name: (uniform, None) for m in resolved}
    peak, rpd, factor = peak_rpm, requests_per_day, peak_factor
    if peak is not None:
        traffic = Traffic(peak, rpd, "--peak-rpm")
    else:
        assert rpd is not None
        traffic = Traffic.from_daily(rpd, factor if factor is not None else DEFAULT_PEAK_FACTOR)
    tiers = (tier,) if tier is not None else tuple(catalog.tiers)
    headroom, batch = min_headroom, batch_share
    assessments = [
        assess(Demand(((m, Decimal(1)),), traffic, profiles[m.spec.name][0], batch, headroom), catalog, tiers)
        for m in resolved
    ]
    drains = (
        [drain(backlog, m, profiles[m.spec.name][0], catalog, t) for m in resolved for t in tiers] if backlog else []
    )
    summary = profiles[resolved[0].spec.name][1]
    emit(render(limits_report(assessments, catalog, summary, out_source, drains), fmt.value))


def _read(paths: list[str], catalog: Catalog) -> Sequence[Measured]:
    """Every request under ``paths``, read as ``estimate`` reads them (plain text: one request a file)."""
    if not paths:
        return []
    from ..readers.inputs import gather

    records: list[Measured] = []
    gather(paths, catalog, on_request=records.append)
    return records
