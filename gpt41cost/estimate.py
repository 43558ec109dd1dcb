"""The estimate core: a run's totals + named assumptions -> cost per model.

Pure: takes the :class:`~gpt41cost.measure.Totals` of the measured requests, the catalog and
an :class:`Assumptions`, returns an :class:`EstimateResult`. Never prints or reads files.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .cache import RETENTION_MINUTES, RunCache, extended_note
from .catalog import FT_PREFIX, Catalog, ResolvedModel
from .cost import Cost, TokenUsage, cached_tokens_for_rate, price, training_cost
from .errors import ParameterError, slot
from .lifecycle import ACTIVE, ALWAYS_ACTIVE, NOT_YET_RELEASED, SHUT_DOWN, Lifecycle, active_first, snapshot_notes
from .measure import (
    PRIORITY_TIERS,
    Group,
    InputFile,
    Measured,
    Misfit,
    Totals,
    capped_below,
    choices_note,
    output_sum,
    worst_output,
)
from .report import n_requests
from .usage import ModelCalibration, percentile

#: Output tokens per request when neither --output-tokens nor a calibration gives them.
DEFAULT_OUTPUT_TOKENS = 500
#: A month, for monthly figures.
DAYS_PER_MONTH = 30
MINUTES_PER_DAY = 1440
#: Fine-tuning epochs when --epochs is not given (OpenAI's default is "auto"; 3 is a common outcome).
DEFAULT_EPOCHS = 3
BASELINE_MODEL = "gpt-4.1"
CACHE_MODES = ("none", "fixed", "rate", "auto")
#: The processing rule (``gpt41cost rules``; docs/accounting.md §8, "Batch files"): gpt41cost's
#: policy on what a Batch file is for.
BATCH_FILES_RULE = (
    "a Batch file's requests go through the Batch API: Batch rates, and the batch queue (enqueued input "
    "tokens per model) instead of the online RPM, TPM and RPD; every other input is an online request at "
    "standard rates; --batch prices every input at Batch rates, --priority every online one at priority rates (the "
    "Batch API has no priority processing: on Batch files alone it is refused); a run mixing both sums each "
    "input's cost at its own rates, and its monthly figures keep the sample's mix (estimate, limits and plan alike)"
)


@dataclass(frozen=True)
class Assumptions:
    """Every assumption an estimate rests on; reports show each one."""

    output_tokens: int = DEFAULT_OUTPUT_TOKENS
    output_source: str = "default"
    #: the output tokens are a whole request's, all its choices together (from --calibrate-from:
    #: :data:`gpt41cost.measure.CALIBRATED_WHOLE`), not one choice's
    output_whole: bool = False
    cache_mode: str = "none"  # none | fixed | rate | auto
    cached_tokens: int | None = None  # with cache_mode "fixed"
    cache_hit_rate: Decimal | None = None  # with cache_mode "rate"
    cache_warm: bool = False  # with cache_mode "auto": does the first request already hit?
    #: standard | batch | priority: how every input but a Batch file is processed; a Batch file's
    #: requests go through the Batch API whatever the flags, as it has no priority processing
    #: (:meth:`mode_of`; docs/accounting.md, "Batch files")
    mode: str = "standard"
    requests_per_month: int | None = None
    traffic_source: str = ""
    epochs: int = DEFAULT_EPOCHS
    #: Per base model overrides (from --calibrate-from): output tokens and cache hit rate.
    output_by_model: Mapping[str, int] = field(default_factory=dict)
    hit_rate_by_model: Mapping[str, Decimal] = field(default_factory=dict)
    #: Per base model (from --calibrate-from): the log's cached tokens by prompt size, which win over the hit rate.
    cache_by_model: Mapping[str, ModelCalibration] = field(default_factory=dict)

    def mode_of(self, kind: str) -> str:
        """The processing mode of an input read as ``kind``."""
        return "batch" if kind == "batch" else self.mode

    @property
    def honours_bodies(self) -> bool:
        """Whether a request body's ``service_tier`` decides its rates: unless a flag (--batch,
        --priority) sets one mode for every input."""
        return self.mode == "standard"

    def sent_at(self, kind: str, asks_priority: bool) -> str:
        """The processing mode a request of an input read as ``kind`` is sent at: its input's mode,
        or priority for an online request whose body asks for it (``asks_priority``) unless a flag
        sets one mode for every input. Before the exceptions of :meth:`modes_of` (a request over
        the long-context threshold, a fine-tuned model: at standard rates there)."""
        mode = self.mode_of(kind)
        return "priority" if mode == "standard" and kind != "batch" and asks_priority else mode

    def modes_of(self, kind: str, cls: tuple[bool, tuple[bool, ...]], bases: Sequence[str]) -> tuple[str, ...]:
        """The rates each base model prices a group of requests at (docs/accounting.md §2,
        "Priority processing"): its input's mode; an online request whose body asks for priority
        processing at priority, unless a flag sets one mode for every input; and a request at
        priority whose input on a model is over the long-context threshold at standard there
        (:data:`LONG_CONTEXT_PRIORITY`)."""
        mode = self.sent_at(kind, cls[0])
        if mode != "priority":
            return (mode,) * len(bases)
        longs = cls[1] or (False,) * len(bases)
        return tuple("standard" if long else "priority" for long in longs)

    def output_for(self, base: str) -> int:
        return self.output_by_model.get(base, self.output_tokens)

    def hit_rate_for(self, base: str) -> Decimal:
        return self.hit_rate_by_model.get(base, self.cache_hit_rate or Decimal(0))

    def __post_init__(self) -> None:
        if self.output_tokens < 0:
            raise ParameterError(f"{slot('output_tokens')}: must be 0 or more")
        if self.cache_mode not in CACHE_MODES:
            raise ParameterError(f"{slot('cache')}: use one of " + ", ".join(CACHE_MODES))
        if self.cached_tokens is not None and self.cached_tokens < 0:
            raise ParameterError(f"{slot('cached_tokens')}: must be 0 or more")
        if self.cache_hit_rate is not None and not (0 <= self.cache_hit_rate <= 1):
            raise ParameterError(f"{slot('cache_hit_rate')}: must be between 0 and 1 (e.g. 0.5)")
        if self.requests_per_month is not None and self.requests_per_month < 0:
            raise ParameterError(f"{slot('requests_per_day')}/{slot('requests_per_month')}: must be 0 or more")
        if self.epochs < 1:
            raise ParameterError(f"{slot('epochs')}: must be 1 or more")


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
    #: the same requests through the Batch API (no cached rate: cached tokens at the batch input rate)
    batch_cost: Cost
    per_request_usd: Decimal  # mean
    monthly_usd: Decimal | None
    monthly_without_cache_usd: Decimal | None
    saving_vs_baseline_pct: Decimal | None
    worst_case_usd: Decimal | None  # with each request's own output cap, where given
    worst_case_requests: int  # how many requests had a cap
    #: requests whose own cap is below the output assumption: each is expected to produce its cap
    output_capped_requests: int
    misfits: tuple[Misfit, ...]
    context_window: int
    max_output_tokens: int
    training_tokens: int | None = None  # fine-tuning data: tokens x epochs
    training_usd: Decimal | None = None
    lifecycle: Lifecycle = ALWAYS_ACTIVE  # of the name reported (a snapshot may differ from its alias)
    status: str = ACTIVE  # on the run's date: active, deprecated or shut_down
    #: with the cache detected and traffic given: mean cached tokens a request gets in the month's steady state
    monthly_cached_tokens: Decimal | None = None
    monthly_batch_usd: Decimal | None = None
    #: with no prompt cache assumed (cache mode none): the same requests priced as ``--cache auto``
    #: would detect the cache (a what-if; the figures above stay uncached)
    if_cached: CacheWhatIf | None = None


@dataclass(frozen=True)
class CacheWhatIf:
    """A model's figures with the prompt cache as ``--cache auto`` detects it, for a run that
    assumes none: computed by the same code as a ``--cache auto`` run of the same requests."""

    usage: TokenUsage  # all requests once, with the detected cached tokens
    cost: Cost
    per_request_usd: Decimal
    monthly_usd: Decimal | None
    monthly_cached_tokens: Decimal | None  # mean per request in the month's steady state


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
    #: standard, batch or priority: the mode its requests are sent at (priority for a request whose
    #: body asks for it), or "mixed" when some of its requests ask for priority and some do not
    processing: str = "standard"
    #: its requests per processing mode, in order of first use (one entry unless "mixed")
    requests_by_processing: tuple[tuple[str, int], ...] = ()


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

    @property
    def modes(self) -> dict[str, int]:
        """Requests per processing mode (standard, batch, priority), in order of first use: a Batch
        file's requests go through the Batch API, the other inputs' are online requests, at priority
        where their body asks for it (:meth:`Assumptions.sent_at`)."""
        out: dict[str, int] = {}
        for i in self.inputs:
            for mode, n in i.requests_by_processing or ((i.processing, i.requests),):
                if n:
                    out[mode] = out.get(mode, 0) + n
        if not out and self.models:
            out[self.assumptions.mode] = self.models[0].requests
        return out

    @property
    def processing(self) -> str:
        """The run's processing mode: standard, batch or priority, or "mixed" when its requests are
        sent in more than one (a Batch file's through the Batch API and the other inputs' online, or
        some requests' bodies asking for priority and some not)."""
        modes = list(self.modes) or [self.assumptions.mode]
        return modes[0] if len(modes) == 1 else "mixed"


def input_stats(counts: Mapping[int, int]) -> Stats:
    """Mean, nearest-rank p50 and p95, and max of the sizes counted in ``counts`` (size -> how
    many requests): a large file has many requests but few distinct sizes."""
    n = sum(counts.values())
    if not n:
        return Stats(mean=Decimal(0), p50=0, p95=0, max=0)
    total = sum(v * c for v, c in counts.items())
    return Stats(
        mean=Decimal(total) / Decimal(n),
        p50=percentile(counts, 50) or 0,
        p95=percentile(counts, 95) or 0,
        max=max(v for v, c in counts.items() if c),
    )


def monthly_requests(per_day: int | None, per_month: int | None) -> tuple[int | None, str]:
    """Requests per month from either flag; a month is DAYS_PER_MONTH days."""
    if per_day is not None and per_month is not None:
        raise ParameterError(f"give {slot('requests_per_day')} or {slot('requests_per_month')}, not both")
    if per_day is not None:
        if per_day < 0:
            raise ParameterError(f"{slot('requests_per_day')}: must be 0 or more")
        return per_day * DAYS_PER_MONTH, f"{per_day:,} requests/day = {per_day * DAYS_PER_MONTH:,} requests/month"
    if per_month is not None:
        if per_month < 0:
            raise ParameterError(f"{slot('requests_per_month')}: must be 0 or more")
        return per_month, f"{per_month:,} requests/month"
    return None, ""


def models_to_report(
    catalog: Catalog, names: Sequence[str], totals: Totals, fine_tuned: bool = False
) -> list[ResolvedModel]:
    """--model names if given; else the requests' own models, then the other base models.

    ``fine_tuned``: the inputs are fine-tuning data, so each base model is reported as the
    fine-tuned model it would train (fine-tuned inference prices, plus training cost), a base
    name given with --model too (``gpt-4.1-mini`` is the ``ft:gpt-4.1-mini`` the data trains).
    """
    if names and fine_tuned:
        out = [catalog.resolve(n if n.strip().startswith(FT_PREFIX) else f"{FT_PREFIX}{n.strip()}") for n in names]
    elif names:
        out = [catalog.resolve(n) for n in names]
    elif fine_tuned:
        out = [catalog.resolve(f"{FT_PREFIX}{base}") for base in catalog.models]
    else:
        own = [catalog.resolve(name) for name in totals.named if name]  # in order of first use
        out = []
        for m in own:
            if all(m.label != o.label for o in out):
                out.append(m)
        for base in catalog.models:  # the other models: one row a model, however its requests named it
            if all(o.family != base for o in out):
                out.append(catalog.resolve(base))
    seen: set[str] = set()
    unique = []
    for m in out:
        if m.label not in seen:
            seen.add(m.label)
            unique.append(m)
    return unique


def _cached_sum(a: Assumptions, catalog: Catalog, base: str, sizes: Mapping[int, int], auto: int | None) -> int:
    """Cached input tokens of all the requests together (each request's, summed)."""
    if a.cache_mode == "fixed":
        n = a.cached_tokens or 0
        return sum(min(n, i) * c for i, c in sizes.items())
    if a.cache_mode == "rate" and base in a.cache_by_model:
        cal, low = a.cache_by_model[base], catalog.cache_min_tokens
        return sum((cal.cached_for(i, low, catalog.cache_step_tokens) or 0) * c for i, c in sizes.items())
    if a.cache_mode == "rate":
        rate = a.hit_rate_for(base)
        step, low = catalog.cache_step_tokens, catalog.cache_min_tokens
        return sum(cached_tokens_for_rate(i, rate, low, step) * c for i, c in sizes.items())
    if a.cache_mode == "auto" and auto is not None:
        return auto
    return 0


def estimate(
    totals: Totals,
    catalog: Catalog,
    assumptions: Assumptions,
    models: Sequence[ResolvedModel],
    inputs: Sequence[InputFile] | None = None,
    empty_inputs: Sequence[str] = (),
    cache_what_if: bool = False,
) -> EstimateResult:
    """Price the run's requests on every model. With ``cache_mode`` "auto" the cached tokens are
    the ones ``totals.cache`` found (cold or warm, as ``cache_warm`` says). ``cache_what_if``,
    with ``cache_mode`` "none" and ``totals.cache`` fed every request's blocks: each model also
    carries ``if_cached``, its figures as the same run with ``cache_mode`` "auto" has them.

    ``inputs``: the inputs the requests came from (their spans of the run), for per-input
    figures; without them each run of requests from one source is an input. ``empty_inputs``:
    files skipped for being empty, listed in the result.
    """
    if not totals.requests:
        raise ParameterError(f"nothing to estimate: give prompt files, a directory, '-' or {slot('input_tokens')} N")
    a = assumptions
    if any(totals.output_tokens[base] != a.output_for(base) for base in totals.bases):
        raise ValueError("the totals were kept for other output tokens than the assumptions give")
    auto: Mapping[str, int] = {}
    steady: Mapping[str, int] = {}
    if a.cache_mode == "auto" and totals.cache is not None:
        auto, steady = _detected(totals.cache, totals.requests, a)
    run = _run(totals, a)  # the groups' sizes and caps merged once, for every model
    results = [_estimate_model(run, catalog, a, m, auto.get(m.spec.name), steady.get(m.spec.name)) for m in models]
    if cache_what_if and a.cache_mode == "none" and totals.cache is not None:
        results = _with_what_if(results, run, catalog, a, models)
    baseline = next((r for r in results if r.model == BASELINE_MODEL), None)
    if baseline is not None and baseline.per_request_usd > 0:
        base_usd = baseline.per_request_usd
        results = [replace(r, saving_vs_baseline_pct=(base_usd - r.per_request_usd) / base_usd * 100) for r in results]
    day = catalog.day
    results = active_first(results, lambda r: r.lifecycle, day)
    notes = lifecycle_notes(results, models, catalog, totals.examples > 0)
    if totals.multi:
        notes.append(choices_note(totals.multi, a.output_whole))
    if totals.extended_cache:
        notes.append(extended_note(totals.extended_cache))
    notes += tier_notes(totals, a, catalog.long_context_threshold, models)
    kind_of = dict(totals.kinds)
    spans = list(inputs) if inputs is not None else _source_spans(totals, kind_of)
    return EstimateResult(
        assumptions=a,
        models=tuple(results),
        sources=tuple(dict.fromkeys(source for source, _ in totals.kinds)),
        kinds=tuple(dict.fromkeys(totals.kinds)),
        catalog_as_of=catalog.as_of,
        catalog_path=catalog.path,
        uncounted=tuple(totals.uncounted),
        notes=tuple(notes),
        run_date=day,
        inputs=_per_input(totals, catalog, a, models, spans),
        empty_inputs=tuple(empty_inputs),
    )


#: The long-context rule for priority processing (``gpt41cost rules``; docs/accounting.md §2), per
#: request: the threshold is the catalog's long_context_threshold.
#: How a prompt given as text alone is counted (README "Token counting"): the text's tokens, the way
#: ttok and tokencost count a string; the message a request wraps it in is not counted.
PROMPT_TEXT = (
    'a text file, prompt string or {{"prompt"}} line counts its text alone; sent as one message, a request bills '
    "{frame} tokens more ({per_message} a message, 1 its role, {priming} reply priming; docs/accounting.md §4)"
)


LONG_CONTEXT_PRIORITY = (
    "a request sent at priority processing whose input is over {threshold:,} tokens is priced at standard rates, "
    "in estimate, limits, plan and the Python API's price(), and so is a usage record of one such request "
    "(service_tier priority or fast) in usage: OpenAI's priority prices for the GPT-4.1 family exclude long context, "
    "'Requests estimated at >128K prompt tokens' (openai.com/api-priority-processing); Azure's page says such "
    "requests are downgraded to standard processing and charged at the standard rate, OpenAI's says nothing of "
    "the charge (inference: standard, as for a request OpenAI downgrades for its ramp rate limit); '128K' read as "
    "{threshold:,} tokens, the long-context pool's threshold (inference: it could be 131,072)"
)
#: The rule for a request body's ``service_tier`` (``gpt41cost rules``; docs/accounting.md §2).
REQUEST_SERVICE_TIER = (
    "a Chat or Responses request whose body says service_tier priority (or fast, its name since 2026-07-30) is "
    "priced at priority rates, in estimate, limits and plan, unless --batch or --priority sets the online requests' "
    "rates; default, auto (the project's default tier: standard unless the project is set to priority), scale "
    "and none at standard rates; flex, which OpenAI does not offer for this family, at standard rates with a note; "
    "a Batch file's line at Batch rates whatever it says (the Batch API documents no service tier); a fine-tuned "
    "model's at standard rates (no priority prices); usage prices a record by the service_tier it names the same way"
)


def tier_notes(totals: Totals, a: Assumptions, threshold: int, models: Sequence[ResolvedModel]) -> list[str]:
    """What the request bodies' ``service_tier`` made of the run: how many ask for priority
    processing (and were priced so), or another tier; and the requests at priority over the
    long-context threshold, priced at standard (docs/accounting.md §2, "Priority processing")."""
    notes: list[str] = []
    asked: dict[str, int] = {}
    batch_asked: dict[str, int] = {}
    for (kind, tier), n in totals.tiers_asked.items():
        into = batch_asked if kind == "batch" else asked
        into[tier] = into.get(tier, 0) + n
    prio = sum(n for tier, n in asked.items() if tier in PRIORITY_TIERS)
    kind_of = dict(totals.kinds)
    bases = [m.spec.name for m in models]
    if prio and a.honours_bodies:
        hint = priority_hint(totals, kind_of, bases, threshold, any(m.fine_tuned for m in models))
        notes.append(priority_asked_note(prio, totals.requests, hint))
    elif asked and not a.honours_bodies:
        notes.append(
            f"--{a.mode} sets every request's rates: the service_tier of {n_requests(sum(asked.values()))} is not read"
        )
    flex = asked.get("flex", 0)
    if flex and a.honours_bodies:
        notes.append(
            f"{n_requests(flex)} ask{'s' if flex == 1 else ''} for flex processing (service_tier flex), which "
            "OpenAI does not offer for the GPT-4.1 family: priced at standard rates (OpenAI may refuse it)"
        )
    auto = asked.get("auto", 0)
    if auto and a.honours_bodies:
        notes.append(
            f"{n_requests(auto)} ask{'s' if auto == 1 else ''} for service_tier auto, the project's default "
            "tier: priced at standard rates, the default unless the project is set to priority (OpenAI: "
            "'Unless otherwise configured, the Project will use default')"
        )
    if batch_asked:
        n = sum(batch_asked.values())
        notes.append(
            f"{n_requests(n)} of Batch files give a service_tier ({', '.join(sorted(batch_asked))}): priced as "
            "Batch requests are (inferred: OpenAI names priority processing for the Responses and Chat "
            "Completions endpoints, and the Batch API documents no service tier)"
        )
    long = 0
    for g in totals.groups:
        if a.sent_at(kind_of.get(g.source, ""), g.cls[0]) == "priority" and any(
            g.cls[1][totals.bases.index(b)] for b in bases if g.cls[1]
        ):
            long += g.requests
    if long:
        notes.append(long_priority_note(n_requests(long), long != 1, threshold))
    return notes


def priority_hint(
    totals: Totals, kind_of: Mapping[str, str], bases: Sequence[str], threshold: int, fine_tuned: bool
) -> str:
    """What ``--priority`` would make of the run, for the note on the requests whose body asks for
    priority (docs/accounting.md §2 and §8): every online request at priority rates, but those over
    the long-context threshold on a model at standard there; a Batch file's requests stay at Batch
    rates; with a fine-tuned model among the models it is refused."""
    if fine_tuned:
        return "--priority (every online request at priority rates) is refused with a fine-tuned model among the models"
    online = [g for g in totals.groups if kind_of.get(g.source, "") != "batch"]
    long = any(g.cls[1][totals.bases.index(b)] for g in online if g.cls[1] for b in bases)
    batch = len(online) < len(totals.groups)
    return (
        "--priority prices every online request at priority"
        + (f" (any over {threshold:,} input tokens at standard)" if long else "")
        + ("; a Batch file's requests stay at Batch rates (the Batch API has no priority processing)" if batch else "")
    )


def priority_asked_note(asked: int, total: int, hint: str | None = None) -> str:
    """The note on the requests whose body asks for priority processing, in estimate, limits and
    plan alike (docs/accounting.md §2, "A request body's service_tier"); ``hint``: the command's
    own way to price the requests at priority (:func:`priority_hint`), if it has one."""
    return (
        f"{n_requests(asked)} of {total:,} ask{'s' if asked == 1 else ''} for priority processing "
        "(service_tier priority or fast in the body): priced at priority rates (a fine-tuned model's at "
        "standard: it has no priority prices)" + ("" if hint is None else f"; {hint}")
    )


def long_priority_note(how_many: str, plural: bool, threshold: int, where: str = "") -> str:
    """The note on the requests at priority over the long-context threshold, priced at standard
    rates, in estimate, limits, plan and usage alike (docs/accounting.md §2, "Priority and long
    context"): ``how_many`` says how many (``2 requests``, ``15,000 requests a month``, ``50% of
    requests``); ``where``: where the report counts them, after the rates."""
    return (
        f"{how_many} at priority {'are' if plural else 'is'} over {threshold:,} input tokens: priced "
        f"at standard rates{where} (OpenAI's priority prices exclude long context, 'Requests estimated at >128K prompt "
        f"tokens'; '128K' read as {threshold:,}, inferred)"
    )


def _source_spans(totals: Totals, kind_of: Mapping[str, str]) -> list[InputFile]:
    """Each run of requests from one source as an input (its groups, one per request class, are
    consecutive in the totals)."""
    runs: list[tuple[str, int]] = []
    for g in totals.groups:
        if not runs or runs[-1][0] != g.source:
            runs.append((g.source, g.start))
    stops = [start for _, start in runs[1:]] + [totals.requests]
    return [
        InputFile(src, kind_of.get(src, ""), "", start, stop) for (src, start), stop in zip(runs, stops, strict=True)
    ]


def _detected(cache: RunCache, requests: int, a: Assumptions) -> tuple[Mapping[str, int], Mapping[str, int]]:
    """The cached input tokens ``cache`` found, per model: the run's (cold or warm) and, with
    traffic given, the month's steady state (empty without)."""
    steady: Mapping[str, int] = {}
    if a.requests_per_month is not None:
        steady = steady_cached(cache, requests, Decimal(a.requests_per_month))
    return cache.totals(warm=a.cache_warm), steady


def _with_what_if(
    results: Sequence[ModelEstimate], run: _Run, catalog: Catalog, a: Assumptions, models: Sequence[ResolvedModel]
) -> list[ModelEstimate]:
    """``results`` with each model's ``if_cached``: the ``--cache auto`` figures (same code path)."""
    totals = run.totals
    assert totals.cache is not None
    auto_a = replace(a, cache_mode="auto")
    auto, steady = _detected(totals.cache, totals.requests, auto_a)
    out = []
    for r, m in zip(results, models, strict=True):
        c = _estimate_model(run, catalog, auto_a, m, auto.get(m.spec.name), steady.get(m.spec.name))
        what_if = CacheWhatIf(c.usage, c.cost, c.per_request_usd, c.monthly_usd, c.monthly_cached_tokens)
        out.append(replace(r, if_cached=what_if))
    return out


def _per_input(
    totals: Totals, catalog: Catalog, a: Assumptions, models: Sequence[ResolvedModel], spans: Sequence[InputFile]
) -> tuple[InputEstimate, ...]:
    """Each input's tokens and cost on each model (all its requests once): the sum of its groups
    (one per request class), each priced at its own rates."""
    warm: Mapping[str, Mapping[int, int]] = {}
    if a.cache_mode == "auto" and a.cache_warm and totals.cache is not None:
        warm = totals.cache.warm_totals()
    starts = [g.start for g in totals.groups]
    order = sorted(range(len(starts)), key=starts.__getitem__)
    sorted_starts = [starts[k] for k in order]
    out = []
    for span in spans:
        # the groups starting in this input's span, in order (a search, not a scan per input)
        mine = order[bisect_left(sorted_starts, span.start) : bisect_left(sorted_starts, span.stop)]
        sent: dict[str, int] = {}
        for tag in mine:
            group = totals.groups[tag]
            if group.requests:
                mode = a.sent_at(span.read_as, group.cls[0])
                sent[mode] = sent.get(mode, 0) + group.requests
        figures = []
        for m in models:
            base = m.spec.name
            at = totals.bases.index(base)
            usage = TokenUsage(0, 0, 0)
            cost = Decimal(0)
            for tag in mine:
                group = totals.groups[tag]
                auto = warm[base].get(tag, 0) if warm else group.cold[base] if totals.cache is not None else None
                sizes = group.sizes[base]
                in_sum = sum(i * c for i, c in sizes.items())
                cached = _cached_sum(a, catalog, base, sizes, auto)
                out_sum = output_sum(a.output_for(base), group.requests, group.caps, group.more, a.output_whole)
                g_usage = TokenUsage(in_sum, cached, out_sum)
                mode = _rates_mode(a.modes_of(span.read_as, group.cls, totals.bases)[at], m, a)
                usage += g_usage
                cost += price(g_usage, m, mode).total_usd
            figures.append(
                InputModelFigures(m.label, usage.input_tokens, usage.cached_input_tokens, usage.output_tokens, cost)
            )
        requests = span.stop - span.start
        processing = next(iter(sent)) if len(sent) == 1 else "mixed" if sent else a.mode_of(span.read_as)
        out.append(
            InputEstimate(
                span.source, span.read_as, span.reason, requests, tuple(figures), processing, tuple(sent.items())
            )
        )
    return tuple(out)


def lifecycle_notes(
    results: Sequence[ModelEstimate], models: Sequence[ResolvedModel], catalog: Catalog, training: bool
) -> list[str]:
    """What the run's date means for these models: the requests' own model shut down or going,
    snapshots dated apart from their alias, and fine-tuning against the training cut-offs."""
    day = catalog.day
    notes: list[str] = []
    unreleased: dict[date | None, list[str]] = {}
    for r in results:
        if r.status == NOT_YET_RELEASED:
            unreleased.setdefault(r.lifecycle.released_on, []).append(r.model)
    for released, names in unreleased.items():
        notes.append(
            f"{', '.join(names)} not yet released on {day} (available from {released}): no request could be "
            "made then; the figures are at the first prices, for comparison only"
        )
    for r in results:
        if r.requested and r.status not in (ACTIVE, NOT_YET_RELEASED):
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


def per_minute(requests_per_month: Decimal) -> Decimal:
    """The month's mean request rate per minute."""
    return requests_per_month / (DAYS_PER_MONTH * MINUTES_PER_DAY)


def steady_cached(cache: RunCache, requests: int, requests_per_month: Decimal) -> dict[str, int]:
    """Cached input tokens of the sample's requests, summed per model, in the month's steady state
    (:data:`gpt41cost.cache.CACHE_STEADY_MONTH`): every model carrying the whole traffic."""
    rate = per_minute(requests_per_month)
    got = cache.steady(dict.fromkeys(cache.models, rate), requests, Decimal(RETENTION_MINUTES))
    return {name: int(v.to_integral_value()) for name, v in got.items()}


class _Part(NamedTuple):
    """The requests of a run priced in one processing mode (a Batch file's go through the Batch
    API, the other inputs' are online requests): per base model by input size, by output cap,
    and the indexes of their groups in the run's totals; the requests with more than one choice,
    by cap and choices (:attr:`gpt41cost.measure.Group.more`)."""

    modes: tuple[str, ...]  # per base model, in the totals' order of bases
    requests: int
    sizes: Mapping[str, Counter[int]]
    caps: Counter[int]
    tags: tuple[int, ...]
    more: Counter[tuple[int | None, int]]


class _Run(NamedTuple):
    """A run's totals with what :class:`Totals` merges from its groups when asked (each base
    model's requests by input size, the capped requests by cap), merged once for all models;
    and its parts, one per processing mode (one part when every input is priced alike)."""

    totals: Totals
    sizes: Mapping[str, Counter[int]]
    caps: Counter[int]
    parts: tuple[_Part, ...]
    #: with more than one part and the cache detected: each model's warm cached tokens per group
    warm: Mapping[str, Mapping[int, int]]


def _run(totals: Totals, a: Assumptions) -> _Run:
    sizes, caps = totals.sizes, totals.caps
    kind_of = dict(totals.kinds)
    tags: dict[tuple[str, ...], list[int]] = {}
    for k, g in enumerate(totals.groups):
        tags.setdefault(a.modes_of(kind_of.get(g.source, ""), g.cls, totals.bases), []).append(k)
    if len(tags) <= 1:
        modes = next(iter(tags), (a.mode,) * len(totals.bases))
        whole = _Part(modes, totals.requests, sizes, caps, tuple(range(len(totals.groups))), totals.more)
        return _Run(totals, sizes, caps, (whole,), {})
    parts = []
    for modes, ks in tags.items():
        part = Group("", 0, totals.bases)  # the part's groups together
        for k in ks:
            part.merge(totals.groups[k])
        parts.append(_Part(modes, part.requests, part.sizes, part.caps, tuple(ks), part.more))
    warm = totals.cache.warm_totals() if totals.cache is not None and a.cache_warm else {}  # read only when warm
    return _Run(totals, sizes, caps, tuple(parts), warm)


def whole_tokens(values: Sequence[Decimal], total: int) -> list[int]:
    """``values`` as whole tokens that sum to ``total`` (their rounded sum): each rounded down,
    then one more to the largest remainders first (estimate's parts, plan's requests)."""
    out = [int(v) for v in values]
    order = sorted(range(len(values)), key=lambda k: values[k] - out[k], reverse=True)
    for k in order[: max(0, total - sum(out))]:
        out[k] += 1
    return out


def _part_cached(
    run: _Run, a: Assumptions, base: str, auto: int | None, steady: int | None
) -> tuple[list[int | None], list[int | None]]:
    """Each part's cached tokens (found in the run, and in the month's steady state) on ``base``.

    One part: the run's own. Several: each figure is its groups' own, summed: the run's cold (or
    warm) cached tokens per group, and the steady state's (every request at its share of the
    traffic, :meth:`gpt41cost.cache.RunCache.steady_totals`: the sum of each request's own
    expected cached tokens), in whole tokens that sum to the run's."""
    parts = run.parts
    if len(parts) == 1:
        return [auto], [steady]
    warm = run.warm.get(base, {})
    autos: list[int | None] = [None] * len(parts)
    if auto is not None:
        groups = run.totals.groups
        autos = [
            sum(warm.get(k, 0) for k in p.tags) if a.cache_warm else sum(groups[k].cold[base] for k in p.tags)
            for p in parts
        ]
    steadies: list[int | None] = [None] * len(parts)
    if steady is not None:
        cache = run.totals.cache
        assert cache is not None and a.requests_per_month is not None
        rate = per_minute(Decimal(a.requests_per_month))
        per_tag = cache.steady_totals({base: rate}, run.totals.requests, Decimal(RETENTION_MINUTES))[base]
        values = [sum((per_tag.get(k, Decimal(0)) for k in p.tags), Decimal(0)) for p in parts]
        steadies = list(whole_tokens(values, steady))
    return autos, steadies


def _rates_mode(mode: str, m: ResolvedModel, a: Assumptions) -> str:
    """``mode`` on model ``m``: a request whose own body asks for priority is priced at standard on
    a fine-tuned model, which OpenAI publishes no priority prices for (--priority refuses it)."""
    if mode == "priority" and m.fine_tuned and a.honours_bodies:
        return "standard"
    return mode


def _estimate_model(
    run: _Run, catalog: Catalog, a: Assumptions, m: ResolvedModel, auto: int | None, steady: int | None = None
) -> ModelEstimate:
    t = run.totals
    base = m.spec.name
    sizes = run.sizes[base]
    # Cost is linear in each token count and exact (Decimal, no rounding), so pricing the
    # summed tokens once equals summing every request's price; a run whose parts are priced
    # in different modes (a Batch file's requests at Batch rates, the rest online) sums each
    # part's price.
    # Each request's expected output is the assumption, or its own cap where lower, times its
    # choices (output_sum); the worst case has every capped choice produce its whole cap.
    out = a.output_for(base)
    n, caps = t.requests, run.caps
    autos, steadies = _part_cached(run, a, base, auto, steady)
    usage = month_usage = TokenUsage(0, 0, 0)
    zero = Cost(Decimal(0), Decimal(0), Decimal(0))
    total = no_cache = month = zero
    worst = Decimal(0)
    at = t.bases.index(base)
    for part, p_auto, p_steady in zip(run.parts, autos, steadies, strict=True):
        mode = _rates_mode(part.modes[at], m, a)
        p_sizes = part.sizes[base]
        cached = _cached_sum(a, catalog, base, p_sizes, p_auto)
        in_sum = sum(i * c for i, c in p_sizes.items())
        out_sum = output_sum(out, part.requests, part.caps, part.more, a.output_whole)
        worst_out = worst_output(out, part.requests, part.caps, part.more, m.spec.max_output_tokens, a.output_whole)
        p_usage = TokenUsage(in_sum, cached, out_sum)
        usage += p_usage
        total += price(p_usage, m, mode)
        no_cache += price(TokenUsage(in_sum, 0, out_sum), m, mode)
        worst += price(TokenUsage(in_sum, cached, worst_out), m, mode).total_usd
        # with the cache detected, the month is priced in its steady state, not as the sample ran
        p_month = p_usage if p_steady is None else TokenUsage(in_sum, min(p_steady, in_sum), out_sum)
        month_usage += p_month
        month += price(p_month, m, mode)
    capped = caps.total()
    per_request = total.total_usd / n
    batch = price(usage, m, "batch")
    monthly = monthly_nc = monthly_batch = None
    if a.requests_per_month is not None:
        # each request of the sample stands for an equal share of the month's traffic, in its own mode
        monthly = month.total_usd * a.requests_per_month / n
        monthly_nc = no_cache.total_usd * a.requests_per_month / n
        monthly_batch = price(month_usage, m, "batch").total_usd * a.requests_per_month / n
    training_tokens = training_usd = None
    if t.examples:
        training_tokens = t.training_sum * a.epochs
        training_usd = training_cost(training_tokens, m)
    return ModelEstimate(
        model=m.label,
        base_model=base,
        fine_tuned=m.fine_tuned,
        requested=m.requested in {name.strip() for name in t.named if name},
        requests=n,
        input_stats=input_stats(sizes),
        usage=usage,
        cost=total,
        cost_without_cache=no_cache,
        per_request_usd=per_request,
        monthly_usd=monthly,
        monthly_without_cache_usd=monthly_nc,
        monthly_cached_tokens=None if steady is None else Decimal(steady) / n,
        batch_cost=batch,
        monthly_batch_usd=monthly_batch,
        saving_vs_baseline_pct=None,
        worst_case_usd=worst if capped else None,
        worst_case_requests=capped,
        output_capped_requests=capped_below(out, caps, run.totals.more, a.output_whole),
        misfits=tuple(t.misfits[base]),
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
