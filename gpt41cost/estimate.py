"""The estimate core: measured requests + named assumptions -> cost per model.

Pure: takes :class:`~gpt41cost.measure.Measured` records, the catalog and an
:class:`Assumptions`, returns an :class:`EstimateResult`. Never prints or reads files.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .catalog import Catalog, ResolvedModel
from .cost import Cost, TokenUsage, cached_tokens_for_rate, price, training_cost
from .errors import UsageError
from .lifecycle import ACTIVE, ALWAYS_ACTIVE, SHUT_DOWN, Lifecycle, active_first, snapshot_notes
from .measure import (
    InputFile,
    Measured,
    MeasuredTable,
    cap_column,
    cap_summary,
    input_column,
    model_counts,
    training_summary,
)

#: Output tokens per request when neither --output-tokens nor a calibration gives them.
DEFAULT_OUTPUT_TOKENS = 500
#: A month, for monthly figures.
DAYS_PER_MONTH = 30
#: Fine-tuning epochs when --epochs is not given (OpenAI's default is "auto"; 3 is a common outcome).
DEFAULT_EPOCHS = 3
BASELINE_MODEL = "gpt-4.1"
CACHE_MODES = ("none", "fixed", "rate", "auto")


@dataclass(frozen=True)
class Assumptions:
    """Every assumption an estimate rests on; reports show each one."""

    output_tokens: int = DEFAULT_OUTPUT_TOKENS
    output_source: str = "default"
    cache_mode: str = "none"  # none | fixed | rate | auto
    cached_tokens: int | None = None  # with cache_mode "fixed"
    cache_hit_rate: Decimal | None = None  # with cache_mode "rate"
    cache_warm: bool = False  # with cache_mode "auto": does the first request already hit?
    mode: str = "standard"  # standard | batch | priority
    requests_per_month: int | None = None
    traffic_source: str = ""
    epochs: int = DEFAULT_EPOCHS
    #: Per base model overrides (from --calibrate-from): output tokens and cache hit rate.
    output_by_model: Mapping[str, int] = field(default_factory=dict)
    hit_rate_by_model: Mapping[str, Decimal] = field(default_factory=dict)

    def output_for(self, base: str) -> int:
        return self.output_by_model.get(base, self.output_tokens)

    def hit_rate_for(self, base: str) -> Decimal:
        return self.hit_rate_by_model.get(base, self.cache_hit_rate or Decimal(0))

    def __post_init__(self) -> None:
        if self.output_tokens < 0:
            raise UsageError("--output-tokens: must be 0 or more")
        if self.cache_mode not in CACHE_MODES:
            raise UsageError(f"--cache: use one of {', '.join(CACHE_MODES)}")
        if self.cached_tokens is not None and self.cached_tokens < 0:
            raise UsageError("--cached-tokens: must be 0 or more")
        if self.cache_hit_rate is not None and not (0 <= self.cache_hit_rate <= 1):
            raise UsageError("--cache-hit-rate: must be between 0 and 1 (e.g. 0.5)")
        if self.requests_per_month is not None and self.requests_per_month < 0:
            raise UsageError("--requests-per-day/--requests-per-month: must be 0 or more")
        if self.epochs < 1:
            raise UsageError("--epochs: must be 1 or more")


@dataclass(frozen=True)
class Misfit:
    """A request that does not fit the model: over the context window or over max output."""

    where: str
    input_tokens: int
    output_tokens: int
    problem: str


@dataclass(frozen=True)
class Stats:
    """Input tokens across requests. Percentiles are nearest-rank."""

    mean: Decimal
    p50: int
    p95: int
    max: int


@dataclass(frozen=True)
class ModelEstimate:
    model: str  # the label: base name, or the ft: name as given
    base_model: str
    fine_tuned: bool
    requested: bool  # named by the requests themselves
    requests: int
    input_stats: Stats
    usage: TokenUsage  # totals over all requests, once
    cost: Cost  # total cost of all requests, once
    cost_without_cache: Cost
    per_request_usd: Decimal  # mean
    monthly_usd: Decimal | None
    monthly_without_cache_usd: Decimal | None
    saving_vs_baseline_pct: Decimal | None
    worst_case_usd: Decimal | None  # with each request's own output cap, where given
    worst_case_requests: int  # how many requests had a cap
    misfits: tuple[Misfit, ...]
    context_window: int
    max_output_tokens: int
    training_tokens: int | None = None  # fine-tuning data: tokens x epochs
    training_usd: Decimal | None = None
    lifecycle: Lifecycle = ALWAYS_ACTIVE  # of the name reported (a snapshot may differ from its alias)
    status: str = ACTIVE  # on the run's date: active, deprecated or shut_down


@dataclass(frozen=True)
class InputModelFigures:
    """One input's requests on one model: tokens (all requests once) and their cost."""

    model: str
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    total_usd: Decimal


@dataclass(frozen=True)
class InputEstimate:
    """One input (a file, stdin): what it was read as and why, its requests, and its share of
    each model's cost. The inputs' figures sum to the models' totals."""

    source: str
    read_as: str
    reason: str
    requests: int
    models: tuple[InputModelFigures, ...]


@dataclass(frozen=True)
class EstimateResult:
    assumptions: Assumptions
    models: tuple[ModelEstimate, ...]
    sources: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]  # (source, kind read as)
    catalog_as_of: str
    catalog_path: str
    uncounted: tuple[tuple[str, str], ...] = ()  # (where, what)
    notes: tuple[str, ...] = field(default=())
    run_date: date | None = None  # prices in force and model status are those of this date
    inputs: tuple[InputEstimate, ...] = ()
    empty_inputs: tuple[str, ...] = ()  # files found in a directory and skipped for being empty


def percentile(sorted_values: Sequence[int], p: int) -> int:
    """Nearest-rank percentile of an ascending list (p in 1..100)."""
    if not sorted_values:
        return 0
    k = max(1, math.ceil(p * len(sorted_values) / 100))
    return sorted_values[k - 1]


def input_stats(values: Iterable[int]) -> Stats:
    """Mean, nearest-rank p50 and p95, and max, from the counts of each distinct value (a
    large file has many requests but few distinct sizes: no sorted copy of them all)."""
    counts = sorted(Counter(values).items())
    n = sum(c for _, c in counts)
    if not n:
        return Stats(mean=Decimal(0), p50=0, p95=0, max=0)
    total = sum(v * c for v, c in counts)
    ranks = {p: max(1, math.ceil(p * n / 100)) for p in (50, 95)}
    at: dict[int, int] = {}
    seen = 0
    for v, c in counts:
        seen += c
        for p, k in ranks.items():
            if p not in at and seen >= k:
                at[p] = v
    return Stats(mean=Decimal(total) / Decimal(n), p50=at[50], p95=at[95], max=counts[-1][0])


def monthly_requests(per_day: int | None, per_month: int | None) -> tuple[int | None, str]:
    """Requests per month from either flag; a month is DAYS_PER_MONTH days."""
    if per_day is not None and per_month is not None:
        raise UsageError("give --requests-per-day or --requests-per-month, not both")
    if per_day is not None:
        if per_day < 0:
            raise UsageError("--requests-per-day: must be 0 or more")
        return per_day * DAYS_PER_MONTH, f"{per_day:,} requests/day = {per_day * DAYS_PER_MONTH:,} requests/month"
    if per_month is not None:
        if per_month < 0:
            raise UsageError("--requests-per-month: must be 0 or more")
        return per_month, f"{per_month:,} requests/month"
    return None, ""


def models_to_report(
    catalog: Catalog, names: Sequence[str], requests: Sequence[Measured], fine_tuned: bool = False
) -> list[ResolvedModel]:
    """--model names if given; else the requests' own models, then the other base models.

    ``fine_tuned``: the inputs are fine-tuning data, so each base model is reported as the
    fine-tuned model it would train (fine-tuned inference prices, plus training cost).
    """
    if names:
        out = [catalog.resolve(n) for n in names]
    elif fine_tuned:
        out = [catalog.resolve(f"ft:{base}") for base in catalog.models]
    else:
        own = [catalog.resolve(name) for name in model_counts(requests) if name]  # in order of first use
        out = []
        for m in own:
            if all(m.label != o.label for o in out):
                out.append(m)
        for base in catalog.models:
            if all(o.label != base for o in out):
                out.append(catalog.resolve(base))
    seen: set[str] = set()
    unique = []
    for m in out:
        if m.label not in seen:
            seen.add(m.label)
            unique.append(m)
    return unique


def _cached_sum(a: Assumptions, catalog: Catalog, base: str, inputs: Sequence[int], auto: Sequence[int] | None) -> int:
    """Cached input tokens of all the requests together (each request's, summed)."""
    if a.cache_mode == "fixed":
        n = a.cached_tokens or 0
        return sum(min(n, i) for i in inputs)
    if a.cache_mode == "rate":
        rate = a.hit_rate_for(base)
        step, low = catalog.cache_step_tokens, catalog.cache_min_tokens
        return sum(cached_tokens_for_rate(i, rate, low, step) * c for i, c in Counter(inputs).items())
    if a.cache_mode == "auto" and auto is not None:
        return sum(auto)
    return 0


def estimate(
    requests: Sequence[Measured],
    catalog: Catalog,
    assumptions: Assumptions,
    models: Sequence[ResolvedModel],
    auto_cached: Mapping[str, Sequence[int]] | None = None,
    inputs: Sequence[InputFile] | None = None,
    empty_inputs: Sequence[str] = (),
) -> EstimateResult:
    """Price every request on every model; ``auto_cached`` maps base model -> cached tokens per request.

    ``inputs``: the inputs the requests came from (their spans of ``requests``), for per-input
    figures; without them each run of requests from one source is an input. ``empty_inputs``:
    files skipped for being empty, listed in the result.
    """
    if not requests:
        raise UsageError("nothing to estimate: give prompt files, a directory, '-' or --input-tokens N")
    a = assumptions
    shared = _Shared.of(requests)
    results: list[ModelEstimate] = []
    for m in models:
        results.append(_estimate_model(requests, catalog, a, m, (auto_cached or {}).get(m.spec.name), shared))
    baseline = next((r for r in results if r.model == BASELINE_MODEL), None)
    if baseline is not None and baseline.per_request_usd > 0:
        results = [
            _with_saving(r, (baseline.per_request_usd - r.per_request_usd) / baseline.per_request_usd * 100)
            for r in results
        ]
    day = catalog.day
    results = active_first(results, lambda r: r.lifecycle, day)
    notes = lifecycle_notes(results, models, catalog, shared.examples > 0)
    kinds: list[tuple[str, str]] = []
    if isinstance(requests, MeasuredTable):
        for source, kind in requests.kinds():
            if not kinds or kinds[-1][0] != source:
                kinds.append((source, kind))
        uncounted = tuple((requests[i].where, u) for i, parts in requests.uncounted() for u in parts)
    else:
        for r in requests:
            if not kinds or kinds[-1][0] != r.source:
                kinds.append((r.source, r.kind))
        uncounted = tuple((r.where, u) for r in requests for u in r.uncounted)
    spans = list(inputs) if inputs is not None else _spans(requests, kinds)
    return EstimateResult(
        assumptions=a,
        models=tuple(results),
        sources=tuple(dict.fromkeys(source for source, _ in kinds)),
        kinds=tuple(dict.fromkeys(kinds)),
        catalog_as_of=catalog.as_of,
        catalog_path=catalog.path,
        uncounted=uncounted,
        notes=tuple(notes),
        run_date=day,
        inputs=_per_input(requests, catalog, a, models, auto_cached or {}, spans),
        empty_inputs=tuple(empty_inputs),
    )


def _spans(requests: Sequence[Measured], kinds: Sequence[tuple[str, str]]) -> list[InputFile]:
    """Each run of requests from one source, when the reader did not say (library callers)."""
    if len(kinds) == 1:
        return [InputFile(kinds[0][0], kinds[0][1], "", 0, len(requests))]
    out: list[InputFile] = []
    for k, r in enumerate(requests):
        if out and out[-1].source == r.source:
            continue
        if out:
            out[-1] = InputFile(out[-1].source, out[-1].read_as, "", out[-1].start, k)
        out.append(InputFile(r.source, r.kind, "", k, len(requests)))
    return out


def _cached_each(
    a: Assumptions, catalog: Catalog, base: str, inputs: Sequence[int], auto: Sequence[int] | None
) -> Iterable[int] | None:
    """Cached input tokens of each request (what :func:`_cached_sum` sums); None when none are."""
    if a.cache_mode == "fixed":
        n = a.cached_tokens or 0
        return (min(n, i) for i in inputs)
    if a.cache_mode == "rate":
        rate = a.hit_rate_for(base)
        step, low = catalog.cache_step_tokens, catalog.cache_min_tokens
        memo: dict[int, int] = {}

        def one(i: int) -> int:
            got = memo.get(i)
            if got is None:
                got = memo[i] = cached_tokens_for_rate(i, rate, low, step)
            return got

        return map(one, inputs)
    if a.cache_mode == "auto" and auto is not None:
        return auto
    return None


def _span_sums(values: Iterable[int] | None, spans: Sequence[InputFile]) -> list[int]:
    """The sum of ``values`` over each span (spans are in order, one after the other), in one
    pass at C speed: a column may be spilled to disk, so it is read once, never indexed."""
    if values is None:
        return [0] * len(spans)
    it = iter(values)
    out = []
    at = 0
    for span in spans:
        if span.start > at:
            next(itertools.islice(it, span.start - at - 1, None), None)  # skip records of no input
        out.append(sum(itertools.islice(it, span.stop - span.start)))
        at = span.stop
    return out


def _per_input(
    requests: Sequence[Measured],
    catalog: Catalog,
    a: Assumptions,
    models: Sequence[ResolvedModel],
    auto: Mapping[str, Sequence[int]],
    spans: Sequence[InputFile],
) -> tuple[InputEstimate, ...]:
    """Each input's tokens and cost on each model (all its requests once)."""
    figures: list[list[InputModelFigures]] = [[] for _ in spans]
    for m in models:
        base = m.spec.name
        inputs = input_column(requests, base)
        in_sums = _span_sums(inputs, spans)
        cached_sums = _span_sums(_cached_each(a, catalog, base, inputs, auto.get(base)), spans)
        out = a.output_for(base)
        for k, span in enumerate(spans):
            usage = TokenUsage(in_sums[k], cached_sums[k], out * (span.stop - span.start))
            cost = price(usage, m, a.mode).total_usd
            figures[k].append(
                InputModelFigures(m.label, usage.input_tokens, usage.cached_input_tokens, usage.output_tokens, cost)
            )
    return tuple(
        InputEstimate(s.source, s.read_as, s.reason, s.stop - s.start, tuple(f))
        for s, f in zip(spans, figures, strict=True)
    )


def lifecycle_notes(
    results: Sequence[ModelEstimate], models: Sequence[ResolvedModel], catalog: Catalog, training: bool
) -> list[str]:
    """What the run's date means for these models: the requests' own model shut down or going,
    snapshots dated apart from their alias, and fine-tuning against the training cut-offs."""
    day = catalog.day
    notes: list[str] = []
    for r in results:
        if r.requested and r.status != ACTIVE:
            notes.append(f"the requests name {r.model}: {r.lifecycle.mark(day)}")
    notes += snapshot_notes(
        ((m.spec.snapshot_lifecycle, m.spec.lifecycle) for m in models if m.requested == m.spec.name), day
    )
    if training:
        state, why = catalog.fine_tuning.training(day)
        if state != "open":
            notes.append(f"fine-tuning: {why}; training costs are shown as they would be billed")
        for r in results:
            if r.fine_tuned and r.status == SHUT_DOWN:
                notes.append(f"fine-tuning {r.model}: its base model is {r.lifecycle.mark(day)}; it cannot be trained")
            elif r.fine_tuned and r.status != ACTIVE:
                notes.append(
                    f"fine-tuning {r.model}: it would serve only until its base shuts down on {r.lifecycle.shutdown_on}"
                )
    return notes


def _with_saving(r: ModelEstimate, saving: Decimal) -> ModelEstimate:
    from dataclasses import replace

    return replace(r, saving_vs_baseline_pct=saving)


@dataclass(frozen=True)
class _Shared:
    """What every model's estimate reads from the requests, gathered once."""

    capped: int  # requests with a cap
    cap_sum: int  # their caps, summed
    largest_cap: int
    named: frozenset[str]  # the models the requests name (stripped)
    examples: int  # fine-tuning examples (requests with training tokens)
    training_sum: int  # their training tokens (one epoch)

    @classmethod
    def of(cls, requests: Sequence[Measured]) -> _Shared:
        capped, cap_sum, largest_cap = cap_summary(requests)
        examples, training_sum = training_summary(requests)
        return cls(
            capped=capped,
            cap_sum=cap_sum,
            largest_cap=largest_cap,
            named=frozenset(m.strip() for m in model_counts(requests) if m),
            examples=examples,
            training_sum=training_sum,
        )


def _estimate_model(
    requests: Sequence[Measured],
    catalog: Catalog,
    a: Assumptions,
    m: ResolvedModel,
    auto: Sequence[int] | None,
    sh: _Shared,
) -> ModelEstimate:
    base = m.spec.name
    inputs = input_column(requests, base)
    cached_sum = _cached_sum(a, catalog, base, inputs, auto)
    # Cost is linear in each token count and exact (Decimal, no rounding), so pricing the
    # summed tokens once equals summing every request's price; per request only ints are added.
    out = a.output_for(base)
    in_sum = sum(inputs)
    capped = sh.capped
    worst_out = sh.cap_sum + out * (len(requests) - capped)
    misfits: list[Misfit] = []
    window, max_output = m.spec.context_window, m.spec.max_output_tokens
    largest_reserve = max(out, sh.largest_cap)
    if max(inputs, default=0) + largest_reserve > window or largest_reserve > max_output:
        for k, (i, cap) in enumerate(zip(inputs, cap_column(requests), strict=True)):  # who does not fit, in order
            reserved = max(out, cap or 0)
            if i + reserved > window:
                problem = f"input + output {i + reserved:,} > context window {window:,}"
                misfits.append(Misfit(requests[k].where, i, reserved, problem))
            if reserved > max_output:
                problem = f"output {reserved:,} > max output {max_output:,}"
                misfits.append(Misfit(requests[k].where, i, reserved, problem))
    n = len(requests)
    usage = TokenUsage(in_sum, cached_sum, out * n)
    total = price(usage, m, a.mode)
    no_cache = price(TokenUsage(in_sum, 0, out * n), m, a.mode)
    worst = price(TokenUsage(in_sum, cached_sum, worst_out), m, a.mode).total_usd
    per_request = total.total_usd / n
    monthly = monthly_nc = None
    if a.requests_per_month is not None:
        monthly = total.total_usd * a.requests_per_month / n
        monthly_nc = no_cache.total_usd * a.requests_per_month / n
    training_tokens = training_usd = None
    if sh.examples:
        training_tokens = sh.training_sum * a.epochs
        training_usd = training_cost(training_tokens, m)
    return ModelEstimate(
        model=m.label,
        base_model=base,
        fine_tuned=m.fine_tuned,
        requested=m.requested in sh.named,
        requests=n,
        input_stats=input_stats(inputs),
        usage=usage,
        cost=total,
        cost_without_cache=no_cache,
        per_request_usd=per_request,
        monthly_usd=monthly,
        monthly_without_cache_usd=monthly_nc,
        saving_vs_baseline_pct=None,
        worst_case_usd=worst if capped else None,
        worst_case_requests=capped,
        misfits=tuple(misfits),
        context_window=m.spec.context_window,
        max_output_tokens=m.spec.max_output_tokens,
        training_tokens=training_tokens,
        training_usd=training_usd,
        lifecycle=m.lifecycle,
        status=m.lifecycle.status(catalog.day),
    )


def text_measure(source: str, tokens: int, catalog: Catalog, kind: str = "text") -> Measured:
    """A plain prompt: the same token count on every model."""
    return Measured(source=source, kind=kind, input_tokens={name: tokens for name in catalog.models})
