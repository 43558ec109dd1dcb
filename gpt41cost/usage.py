"""What traffic really cost: usage records -> totals -> exact prices (docs/accounting.md §2, §8, §10).

The pure core of ``gpt41cost usage``. Readers (:mod:`gpt41cost.readers.usage`) turn files into
:class:`UsageRecord` values (or add their tokens straight into an :class:`Accumulator` on the fast
path); :func:`summarize` prices the totals against the catalog and returns a frozen
:class:`UsageResult`; :func:`calibrate` turns the same totals into the observed per-request
figures that ``estimate`` and ``plan`` can use instead of guesses.

Rules, each in one place:

- Cached tokens are part of the input count, never added to it (§2, §7).
- ``batch`` records and Batch output lines bill at batch prices; ``service_tier: "priority"`` (or
  ``"fast"``) at priority prices, except a fine-tuned model's, at its standard fine-tuned prices
  (OpenAI publishes no priority prices for fine-tuned models); ``ft:`` models at fine-tuned prices;
  every other tier (default, auto, scale, flex, which this family does not offer) at standard
  prices, the assumptions say how many requests named flex or a fine-tuned priority; snapshots
  and aliases resolve through the catalog (§2, §8).
- A record the catalog cannot price (another model family, a new snapshot, no model at all) is
  never $0 in silence: it is listed in :attr:`UsageResult.unpriced` with its tokens and requests.
- Days are UTC calendar days of the record's own timestamp (``created``, ``created_at``, a
  Usage API bucket's ``start_time``; for a response with neither ``created`` nor ``created_at``,
  a log's own time key on the record or its wrapper,
  :data:`TIME_KEYS`: an ISO 8601 time without a zone is taken as UTC).
- Each record is priced at the prices in force on its own day (the catalog's dated entries); a
  record without a timestamp at those of the run's date, and the result says how many. Records of
  a model dated when it served none, on or after its shutdown or before its release, are listed (a
  proxy's log, a wrong clock, a mislabelled model) and priced at the last, or the first, prices in force.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import TypeGuard, TypeVar

import msgspec
from msgspec import Struct

from .catalog import Catalog, ResolvedModel, rates_for
from .cost import BATCH_CACHED_AT_INPUT_RATE, TokenUsage, cached_tokens_for_rate, cost_of
from .errors import Skipped, UnknownModelError, UsageError, quoted, source_name
from .lifecycle import NOT_YET_RELEASED, SHUT_DOWN, UNSERVED, Lifecycle
from .measure import PRIORITY_TIERS, priority_excludes
from .numbers import NumberError, parse_share
from .report import counted, n_requests

#: 2: ``as_of``, ``catalog_as_of``, ``undated_requests`` and ``after_shutdown`` (issue #13).
SCHEMA_VERSION = 3
SECONDS_PER_DAY = 86_400
#: Input + output tokens of one response under which :attr:`Accumulator.peak_pair` may keep an
#: upper bound instead of the exact largest sum (no model has a smaller context window: each of
#: the catalog's is 1,047,576; a catalog's model with a smaller one is judged as before, see
#: :func:`over_limits`)
PAIR_FLOOR = 128_000
#: How many skipped-record messages are kept with their file and line (the rest are only counted).
MAX_SKIP_EXAMPLES = 20

#: Why a record was skipped; the keys appear in JSON under ``skipped``.
SKIP_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "not_json": "not JSON",
        "no_usage": "no usage object",
        "bad_tokens": "bad token counts",
        "bad_record": "malformed record",
        "empty_file": "empty file",
        "truncated": "cut-off file",
        "bad_file": "unreadable file",
        "unreadable_dir": "unreadable directory",
        "bad_link": "broken link or link loop",
    }
)

#: Service tiers. Undocumented how "scale" or "auto" bill: anything but priority (or "fast", its
#: name since 2026-07-30; the one list is measure.PRIORITY_TIERS) is priced at standard rates.
#: Flex is not offered for this family (docs/accounting.md §2): priced at standard too, and counted.
FLEX_TIER = "flex"

#: (model as given, batch, service_tier, UTC day number, project_id, user_id, api_key_id)
GroupKey = tuple[str | None, bool, str | None, int | None, str | None, str | None, str | None]


class UsageRecord(Struct, frozen=True):
    """Tokens of one request (``per_request``) or of an aggregate row (Usage API, CSV export).

    ``cached_input_tokens`` is part of ``input_tokens``. ``day`` is days since 1970-01-01 UTC.
    """

    model: str | None
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    requests: int = 1
    batch: bool = False
    service_tier: str | None = None
    day: int | None = None
    project_id: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    per_request: bool = True
    #: the response's ``id``: a second record with the same id is a duplicate, not counted
    response_id: str | None = None

    @property
    def key(self) -> GroupKey:
        return (
            self.model,
            self.batch,
            self.service_tier,
            self.day,
            self.project_id,
            self.user_id,
            self.api_key_id,
        )


#: Keys under which a log written by the user's own code may hold a record's time, read (in this
#: order, the first with a string or number) only when the response has neither ``created`` nor
#: ``created_at``: on the response itself, else on the wrapper that holds it (the nearest first).
#: ``timestamp``: Langfuse, structlog, python-json-logger, most loggers; ``@timestamp``: Elastic
#: Common Schema, Logstash; ``time``: Go's slog, zerolog, pino, bunyan; ``ts``: zap;
#: ``startTime``: LiteLLM spend logs, Langfuse observations; ``start_time``: LangSmith runs.
#: A value: an ISO 8601 time (with ``Z`` or an offset: its UTC day; without a zone: taken as UTC)
#: or a Unix time in seconds or milliseconds, read as ``created`` is.
TIME_KEYS = ("timestamp", "@timestamp", "time", "ts", "startTime", "start_time")
#: The time keys of a row that keeps a request's counts at its top (a LiteLLM spend-log row, a
#: Helicone request row): TIME_KEYS, then ``request_created_at``, Helicone's name for a request's
#: time (its query language's column, docs.helicone.ai/features/hql).
ROW_TIME_KEYS = (*TIME_KEYS, "request_created_at")


class Skip(Struct, frozen=True):
    """A record that was not counted: where it was and why."""

    source: str
    line: int | None
    reason: str  # a key of SKIP_REASONS
    detail: str

    def message(self) -> str:
        name = source_name(self.source)
        where = name if self.line is None else f"{name}:{self.line}"
        return f"{where}: {self.detail}"


#: Width of a prompt-size band in calibration: the prompt cache's step.
BAND_TOKENS = 128
#: A prompt takes the cache of the log's nearest band up to this many bands away (256 tokens).
NEAR_BANDS = 2
#: A request's (input band, cached tokens) is one int in :attr:`Accumulator.bands`,
#: ``band | cached << BAND_SHIFT``, while its band is under ``2 ** BAND_SHIFT`` (input tokens
#: under 2**39); a larger band is the tuple ``(band, cached)``. One int key is counted in about
#: half the instructions of a tuple (no tuple built, hashed and compared per request).
BAND_SHIFT = 32
BAND_MASK = (1 << BAND_SHIFT) - 1
#: Input tokens from which a band no longer fits an int key.
BAND_LIMIT = BAND_TOKENS << BAND_SHIFT
BandKey = int | tuple[int, int]
_K = TypeVar("_K")


def band_key(inp: int, cached: int) -> BandKey:
    """The key of :attr:`Accumulator.bands` of a request of ``inp`` input tokens, ``cached`` of them cached."""
    band = inp // BAND_TOKENS
    return band | cached << BAND_SHIFT if inp < BAND_LIMIT else (band, cached)


def band_of(key: BandKey) -> tuple[int, int]:
    """(input band, cached tokens) of a key of :attr:`Accumulator.bands`."""
    return (key & BAND_MASK, key >> BAND_SHIFT) if isinstance(key, int) else key


def add_counts(
    held: dict[str | None, dict[_K, int]], got: dict[str | None, dict[_K, int]], sign: int = 1, *, adopt: bool = False
) -> None:
    """Add (``sign`` 1) or take back (-1) the counts of the per-model histograms ``got`` (model ->
    {key: count}, as :attr:`Accumulator.hist` and :attr:`Accumulator.bands`) to or from ``held``.
    ``adopt``: a model new to ``held`` takes ``got``'s dict itself when added (``got`` is not used
    after)."""
    for model, counts in got.items():
        mine = held.get(model)
        if mine is None:
            if adopt and sign == 1:
                held[model] = counts
                continue
            mine = held[model] = {}
        for k, n in counts.items():
            mine[k] = mine.get(k, 0) + sign * n


def add_sums(held: dict[GroupKey, list[int]], key: GroupKey, sums: list[int]) -> None:
    """Add ``sums`` ([requests, input, cached, output]) to ``held``'s of ``key`` (``sums`` itself
    when it has none)."""
    g = held.get(key)
    if g is None:
        held[key] = sums
    else:
        for j in range(4):
            g[j] += sums[j]


class Accumulator:
    """Running totals per :data:`GroupKey`, plus per-model histograms of output tokens per request.

    Memory is bounded by the number of distinct groups and distinct output-token counts, never by
    the number of records, so a 10 GB log sums in the same memory as a 10 KB one.
    """

    __slots__ = (
        "bad",
        "bands",
        "count_bands",
        "duplicates",
        "failed_batch",
        "groups",
        "hist",
        "long_priority",
        "long_rows_maybe",
        "long_rows_over",
        "long_threshold",
        "not_usage",
        "peak",
        "peak_pair",
        "proxy_cache_hits",
        "records",
        "uncached_rows",
        "unchecked",
        "ungrouped",
        "ungrouped_rows",
    )

    def __init__(self, *, count_bands: bool = True, long_threshold: int | None = None) -> None:
        #: key -> [requests, input_tokens, cached_input_tokens, output_tokens]
        self.groups: dict[GroupKey, list[int]] = {}
        #: the catalog's long-context threshold (input tokens), which priority prices exclude
        #: (:data:`~gpt41cost.measure.priority_excludes`); None: the requests over it are not told apart
        self.long_threshold = long_threshold
        #: key (of a priority tier, not batch) -> the part of its group (as :attr:`groups`) that
        #: per-request records with an input over :attr:`long_threshold` make: priced at standard
        self.long_priority: dict[GroupKey, list[int]] = {}
        #: [rows, requests] of the sum rows (Usage API results, CSV export rows) of more than one
        #: request each, at a priority tier and not batch, whose total input is over
        #: ``requests`` x :attr:`long_threshold`: at least one of their requests is over the threshold,
        #: but which is unknown, so the row stays at priority prices
        self.long_rows_over = [0, 0]
        #: the same for those whose total input is over :attr:`long_threshold` but not over
        #: ``requests`` x it: some of their requests may be over it
        self.long_rows_maybe = [0, 0]
        #: model as given -> {output tokens of one request: number of requests}
        self.hist: dict[str | None, dict[int, int]] = {}
        #: model as given -> {(input band, cached tokens) of one request, as :func:`band_key`: number
        #: of requests}; a band is :data:`BAND_TOKENS` input tokens wide (calibration keeps the cache
        #: by prompt size)
        self.bands: dict[str | None, dict[BandKey, int]] = {}
        #: count :attr:`bands` (False: left empty; what the ``usage`` command reads with, as none of
        #: its reports shows them). Carried by the totals of each read, not switched at module
        #: level: reads in several threads, or in forked workers, each count as their own asks.
        self.count_bands = count_bands
        #: model as given -> the most input tokens of one request of it
        self.peak: dict[str | None, int] = {}
        #: model as given -> (the largest input + output of one of its responses, that response's
        #: input): exact when over :data:`PAIR_FLOOR`; at most it, an upper bound, when not (the
        #: readers' fast path looks at each row only in a group whose largest input and largest
        #: output add up to more). What tells a response over its model's context window.
        self.peak_pair: dict[str | None, tuple[int, int]] = {}
        self.records = 0
        #: records not counted: the first MAX_SKIP_EXAMPLES kept, all counted per reason
        self.bad: Skipped[Skip] = Skipped(MAX_SKIP_EXAMPLES)
        #: failed or expired Batch requests, by error code: counted apart, never priced
        self.failed_batch: dict[str, int] = {}
        #: records not counted because a record with the same response id was counted before
        self.duplicates = 0
        #: records counted whose id could not be remembered (past the reader's limit of ids)
        self.unchecked = 0
        #: records passed over as holding no usage by design, neither counted nor bad: streamed
        #: Chat Completions chunks before the last, Responses stream events before the final one
        self.not_usage = 0
        #: LiteLLM spend-log rows its proxy answered from its own cache (cache_hit true): they
        #: never reached OpenAI, so they are neither billed nor priced
        self.proxy_cache_hits = 0
        #: model as given -> records counted with none cached because the record keeps no
        #: cached-token count (a LiteLLM spend-log row with no usage object in its metadata, a
        #: Langfuse observation without usageDetails): the cost of those priced is an upper bound
        self.uncached_rows: dict[str | None, int] = {}
        #: Usage API results (and CSV export rows) not grouped by batch or service tier (``batch`` or
        #: ``service_tier`` null or empty: docs/accounting.md §10): priced at standard, though they
        #: may hold Batch or priority requests
        self.ungrouped = 0
        #: the CSV export rows of :attr:`ungrouped` (an empty ``batch`` cell or no such column, or an
        #: empty ``service_tier`` on a row not Batch)
        self.ungrouped_rows = 0

    @property
    def skip_counts(self) -> dict[str, int]:
        """Skipped records per reason (a key of :data:`SKIP_REASONS`)."""
        return self.bad.by_reason

    @property
    def skips(self) -> list[Skip]:
        """The first skipped records, in the order they were met."""
        return self.bad.first

    def add(self, r: UsageRecord) -> None:
        self.add_tokens(r.key, r.requests, r.input_tokens, r.cached_input_tokens, r.output_tokens, r.per_request)

    def add_tokens(
        self, key: GroupKey, requests: int, inp: int, cached: int, out: int, per_request: bool = True
    ) -> None:
        """Add already-validated counts (the readers' fast path calls this directly)."""
        self.records += 1
        g = self.groups.get(key)
        if g is None:
            self.groups[key] = [requests, inp, cached, out]
        else:
            g[0] += requests
            g[1] += inp
            g[2] += cached
            g[3] += out
        if key[2] in PRIORITY_TIERS and not key[1] and self.long_threshold is not None:
            if per_request or requests == 1:  # a sum row of one request is that request
                if priority_excludes(inp, self.long_threshold):
                    add_sums(self.long_priority, key, [requests, inp, cached, out])
            elif priority_excludes(inp, self.long_threshold):  # which of its requests is unknown
                certain = priority_excludes(inp, requests * self.long_threshold)
                some = self.long_rows_over if certain else self.long_rows_maybe
                some[0] += 1
                some[1] += requests
        if per_request:
            h = self.hist.get(key[0])
            if h is None:
                h = self.hist[key[0]] = {}
            h[out] = h.get(out, 0) + 1
            if inp > self.peak.get(key[0], -1):
                self.peak[key[0]] = inp
            was = self.peak_pair.get(key[0])
            if was is None or inp + out > was[0]:
                self.peak_pair[key[0]] = (inp + out, inp)
            if self.count_bands:
                b = self.bands.get(key[0])
                if b is None:
                    b = self.bands[key[0]] = {}
                k = band_key(inp, cached)
                b[k] = b.get(k, 0) + 1

    def skip(self, s: Skip) -> None:
        self.bad.append(s, s.reason)

    def fail_batch(self, code: str) -> None:
        self.failed_batch[code] = self.failed_batch.get(code, 0) + 1

    @property
    def skipped(self) -> int:
        return self.bad.count

    def merge(self, other: Accumulator, *, spent: bool = False) -> None:
        """Add ``other``'s totals to these. ``spent``: ``other`` is dropped after, so its groups
        are taken over, not copied (the larger of the two dicts is kept and the smaller added to
        it): a Usage API page, whose every result is a group, is then never held twice."""
        self.records += other.records
        groups = other.groups
        if spent:
            if len(groups) > len(self.groups):
                self.groups, groups = groups, self.groups
            other.groups = {}
        for key, sums in groups.items():
            add_sums(self.groups, key, list(sums))
        for key, sums in other.long_priority.items():
            add_sums(self.long_priority, key, list(sums))
        add_counts(self.hist, other.hist)
        for model, top in other.peak.items():
            if top > self.peak.get(model, -1):
                self.peak[model] = top
        for model, pair in other.peak_pair.items():
            was = self.peak_pair.get(model)
            if was is None or pair[0] > was[0]:
                self.peak_pair[model] = pair
        if self.count_bands:
            add_counts(self.bands, other.bands)
        self.bad += other.bad
        for code, count in other.failed_batch.items():
            self.failed_batch[code] = self.failed_batch.get(code, 0) + count
        self.duplicates += other.duplicates
        self.unchecked += other.unchecked
        self.not_usage += other.not_usage
        self.proxy_cache_hits += other.proxy_cache_hits
        for model, rows in other.uncached_rows.items():
            self.uncached_rows[model] = self.uncached_rows.get(model, 0) + rows
        self.ungrouped += other.ungrouped
        self.ungrouped_rows += other.ungrouped_rows
        for mine, theirs in zip(
            (self.long_rows_over, self.long_rows_maybe), (other.long_rows_over, other.long_rows_maybe), strict=True
        ):
            mine[0] += theirs[0]
            mine[1] += theirs[1]


# --------------------------------------------------------------------------- results


class Line(Struct, frozen=True):
    """One row of a breakdown. Tokens count all traffic in the row; ``cost_usd`` only the priced
    part, and None when no request of the row is priced (its cost is unknown, not $0; the
    totals line is the sum of the priced part, 0 when nothing is priced)."""

    key: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced_requests: int = 0
    #: this row's part of the total priced cost, 0..1; None when nothing was priced, in the run or the row
    cost_share: Decimal | None = None

    @property
    def cache_hit_rate(self) -> Decimal | None:
        """Cached input tokens / input tokens (token-weighted), 0..1."""
        return _ratio(self.cached_input_tokens, self.input_tokens)


class DayModel(Struct, frozen=True):
    """One model's part of one UTC day: the rows of a day sum to that day's line of ``by_day``.
    ``line.key`` is the model as priced (its label), or as the records name it when not priced."""

    day: str
    line: Line


class UnpricedModel(Struct, frozen=True):
    """Traffic the catalog does not price, with the reason; never counted as $0 in silence."""

    model: str | None  # as the records name it; None when they name no model
    reason: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int


class WhatIf(Struct, frozen=True):
    scenario: str
    cost_usd: Decimal
    delta_usd: Decimal  # scenario minus actual; negative is a saving
    note: str = ""


@dataclass(frozen=True)
class ModelCalibration:
    """Observed per-request figures for one base model.

    ``output_tokens_mean`` and ``cache_hit_rate`` use every record (aggregates included);
    the percentiles only per-request records (``distribution_requests`` of them): Usage API
    pages and CSV exports carry sums, not one figure per request, so from them alone the
    percentiles are None. Percentiles are nearest-rank: the smallest observed count that at
    least p% of requests do not exceed.
    """

    model: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    output_tokens_mean: Decimal
    output_tokens_p50: Decimal | None
    output_tokens_p95: Decimal | None
    cache_hit_rate: Decimal | None  # cached / input tokens, 0..1
    distribution_requests: int
    input_tokens_mean: Decimal
    #: per-request records by prompt size: input band (:data:`BAND_TOKENS` wide) -> (requests, cached tokens)
    bands: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def cached_for(self, input_tokens: int, min_tokens: int, step: int) -> int | None:
        """Cached tokens for a prompt of ``input_tokens``: the mean cached tokens of the log's
        requests of that size (its band, else the nearest band within :data:`NEAR_BANDS`); for a
        size the log has no request near, the log's hit rate in OpenAI's steps; 0 under
        ``min_tokens``. None without per-request records."""
        if not self.bands:
            return None
        if input_tokens < min_tokens:
            return 0
        band = input_tokens // BAND_TOKENS
        near = min(self.bands, key=lambda b: (abs(b - band), b))
        if abs(near - band) <= NEAR_BANDS:
            n, cached = self.bands[near]
            return min(input_tokens, int((Decimal(cached) / n).to_integral_value()))
        return cached_tokens_for_rate(input_tokens, self.cache_hit_rate or Decimal(0), min_tokens, step)


@dataclass(frozen=True)
class Calibration:
    """Observed figures per base model (``gpt-4.1``, ...); fine-tuned traffic counts for its base."""

    models: Mapping[str, ModelCalibration]
    sources: tuple[str, ...] = ()

    def for_model(self, resolved: ResolvedModel) -> ModelCalibration | None:
        return self.models.get(resolved.spec.name)


class AfterShutdown(Struct, frozen=True):
    """Requests of a model dated on or after its shutdown: worth a look, priced all the same."""

    model: str
    requests: int
    first_day: str
    last_day: str
    shutdown_on: str


class BeforeRelease(Struct, frozen=True):
    """Requests of a model dated before its release: worth a look, priced all the same (at its first prices)."""

    model: str
    requests: int
    first_day: str
    last_day: str
    released_on: str


class OverLimits(Struct, frozen=True):
    """A model's responses that report more tokens than it serves in one request (what ``price()``
    refuses): input and output over its context window, output over its maximum output. Worth a
    look (a mislabelled model, a broken log), priced all the same. Of the window, the largest
    input + output of one response is known, not how many are over it (the reader keeps each
    model's largest sum only, :attr:`Accumulator.peak_pair`)."""

    model: str
    #: the input tokens of the response with the most input + output tokens, when that is over the
    #: context window (0: none over it)
    largest_input_tokens: int
    context_window: int
    #: responses whose output is over the model's maximum output
    requests_over_max_output: int
    max_output_tokens: int


class NamedSnapshot(Struct, frozen=True):
    """A snapshot the records name whose lifecycle is its own, not its alias's (its requests are
    priced in ``counted_under``'s row: alias and snapshot share prices)."""

    model: str
    counted_under: str
    requests: int
    lifecycle: Lifecycle


class UsageResult(Struct, frozen=True):
    sources: tuple[str, ...]
    records: int
    totals: Line
    models: tuple[Line, ...]
    unpriced: tuple[UnpricedModel, ...]
    by_day: tuple[Line, ...]
    by_mode: tuple[Line, ...]
    by_project: tuple[Line, ...]
    by_user: tuple[Line, ...]
    by_api_key: tuple[Line, ...]
    what_if: tuple[WhatIf, ...]
    calibration: Calibration
    skipped: Mapping[str, int]
    skip_examples: tuple[Skip, ...]
    failed_batch: Mapping[str, int]
    assumptions: tuple[tuple[str, str], ...] = ()
    #: records not counted: the same response id was read before (a log and its .gz copy)
    duplicates: int = 0
    #: LiteLLM spend-log rows answered from the proxy's own cache: not billed, not priced
    proxy_cache_hits: int = 0
    #: priced records that keep no cached-token count (LiteLLM spend-log rows, Langfuse usage): priced
    #: with none cached
    uncached_rows: int = 0
    #: priced requests of a priority tier whose input is over :attr:`long_context_threshold`:
    #: priced at standard rates, as priority prices exclude long context (docs/accounting.md §2)
    priority_long_context: int = 0
    #: the catalog's long-context threshold (input tokens) the run was priced with
    long_context_threshold: int | None = None
    #: records counted without a duplicate check (more distinct ids than the reader remembers)
    unchecked: int = 0
    #: Usage API results not grouped by batch or service tier: priced at standard (an assumption says so)
    ungrouped_results: int = 0
    #: the run's date: records without a day of their own are priced at its prices
    run_date: _dt.date | None = None
    catalog_as_of: str = ""
    #: requests with no timestamp (priced at the run's date)
    undated_requests: int = 0
    #: models used on or after their shutdown: (label, requests, first day, last day, shutdown date)
    after_shutdown: tuple[AfterShutdown, ...] = ()
    #: models used before their release: (label, requests, first day, last day, release date)
    before_release: tuple[BeforeRelease, ...] = ()
    #: models whose responses report more tokens than they serve in one request
    over_limits: tuple[OverLimits, ...] = ()
    #: each priced model's lifecycle (by label), for its status on the run's date
    lifecycles: Mapping[str, Lifecycle] = msgspec.field(default_factory=dict)
    #: each day's traffic by model (days in order, then the costliest model first)
    by_day_model: tuple[DayModel, ...] = ()
    #: snapshots the records name that the catalog dates apart from their alias (priced in its row)
    snapshots: tuple[NamedSnapshot, ...] = ()

    @property
    def total_usd(self) -> Decimal:
        return self.totals.cost_usd or Decimal(0)  # the sum of the priced part: never None


# --------------------------------------------------------------------------- pricing


def _ratio(a: int, b: int) -> Decimal | None:
    return None if b == 0 else Decimal(a) / Decimal(b)


def _plain_pct(share: Decimal) -> str:
    return format((share * 100).normalize(), "f")


def day_label(day: int | None) -> str:
    """UTC date of a day number, or ``unknown`` for records without a timestamp."""
    if day is None:
        return "unknown"
    return date_of(day).isoformat()


#: Unix times read as seconds: 2000-01-01 to 2100-01-01 UTC. A time 1,000 times those is in
#: milliseconds (many logs write JavaScript's Date.now()) and read as such; any other is refused.
FIRST_SECOND = 946_684_800
LAST_SECOND = 4_102_444_800


def day_of(timestamp: int | float) -> int:
    """Days since 1970-01-01 UTC of a Unix timestamp in seconds, or in milliseconds; a
    ValueError (one line) for a time that is neither from 2000 to 2099, NaN or infinite."""
    t = timestamp
    if not FIRST_SECOND <= t < LAST_SECOND:
        if FIRST_SECOND * 1000 <= t < LAST_SECOND * 1000:
            t = t / 1000
        else:
            raise ValueError(
                f"time {quoted(timestamp)} is not a Unix time from 2000 to 2099, in seconds or milliseconds"
            )
    return int(t // SECONDS_PER_DAY)


def mode_of(batch: bool, service_tier: str | None) -> str:
    """Processing mode a record bills at: batch wins, then the priority tier (``priority``, or
    ``fast``, the name OpenAI gave it on 2026-07-30), else standard."""
    if batch:
        return "batch"
    if service_tier in PRIORITY_TIERS:
        return "priority"
    return "standard"


#: A part of a group of an :class:`Accumulator` as every report prices it (:func:`priced_parts`):
#: (key, resolved, mode, long, fine-tuned priority, requests, input, cached, output). A plain
#: tuple: a NamedTuple made summarize about 5% slower on 120,000 groups.
PricedPart = tuple[GroupKey, ResolvedModel | str, str, bool, bool, int, int, int, int]


def priced_parts(acc: Accumulator, resolve: Resolver) -> Iterator[PricedPart]:
    """Each group of ``acc`` as (key, its model as ``resolve`` resolves it (a str: why it is not
    priced), the processing mode it is priced at, long, fine-tuned priority, requests, input,
    cached, output). The mode: :func:`mode_of` its key's, by :func:`priced_mode` for its model
    (fine-tuned priority: a fine-tuned model's priority requests, at standard); of a part not
    priced, :func:`mode_of` its key's. The requests of a priority tier over the long-context
    threshold (``acc.long_priority``) are a part of their own at standard rates (``long``: priority
    prices exclude long context, docs/accounting.md §2). Summaries, reconciliations and forecasts
    price the same parts."""
    long_priority = acc.long_priority
    for key, (n, i, c, o) in acc.groups.items():
        resolved = resolve(key[0])
        asked = mode_of(key[1], key[2])
        mode = asked if isinstance(resolved, str) else priced_mode(resolved, asked)
        long = long_priority.get(key) if long_priority else None
        if long is None:
            yield key, resolved, mode, False, mode != asked, n, i, c, o
            continue
        ln, li, lc, lo = long
        if n > ln:
            yield key, resolved, mode, False, mode != asked, n - ln, i - li, c - lc, o - lo
        yield key, resolved, "standard", True, False, ln, li, lc, lo


def names_model(model: object) -> TypeGuard[str]:
    """Whether a record's ``model`` names one: a string with more than spaces in it. An empty or
    blank name names no model, as a missing one does: the readers take a record with one for a bad
    record, whatever its kind (a response, a LiteLLM row, a Usage API result, a CSV export row),
    as which prices apply is unknown; a Usage API result with none (null: not grouped by model) is
    priced as no model (:class:`Resolver`)."""
    return isinstance(model, str) and bool(model.strip())


class Resolver:
    """Resolve each distinct model name once; remember why a name cannot be priced."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.cache: dict[str | None, ResolvedModel | str] = {}

    def __call__(self, model: str | None) -> ResolvedModel | str:
        hit = self.cache.get(model)
        if hit is None:
            hit = self.cache[model] = self._resolve(model)
        return hit

    def _resolve(self, model: str | None) -> ResolvedModel | str:
        if not names_model(model):
            return "the records name no model (fetch the Usage API grouped by model)"
        try:
            return self.catalog.resolve(model)
        except UnknownModelError:
            return provider_reason(model) or "not in the pricing catalog"


#: LiteLLM's names of the providers that are OpenAI's own API (:func:`openai_provider`).
OPENAI_PROVIDERS = frozenset({"openai", "text-completion-openai"})


def openai_provider(provider: str) -> bool:
    """Whether a provider's name (a LiteLLM spend-log row's ``custom_llm_provider``, or the prefix
    of a model, as a router deployment's ``openai/gpt-4.1``) names OpenAI's own API, one of
    :data:`OPENAI_PROVIDERS`: compared stripped and in lower case (``OpenAI``, `` openai ``)."""
    return provider.strip().lower() in OPENAI_PROVIDERS


def provider_reason(model: str) -> str | None:
    """Why a model named with another provider's prefix (``azure/my-deployment``, as LiteLLM and
    other routers name a deployment; not one of :data:`OPENAI_PROVIDERS`) is not priced: that
    provider bills it, at its own prices, not OpenAI (an Azure deployment's name is the user's own,
    and Azure's prices are not this catalog's). None for a name without such a prefix."""
    provider, slash, _ = model.partition("/")
    name = provider.strip()
    if not slash or not name or openai_provider(name):
        return None
    if name.lower().startswith("azure"):  # in any case, as OpenAI's names are compared
        return "an Azure OpenAI deployment: billed by Microsoft Azure, not at OpenAI's prices"
    return f"served by another provider ({name}): billed by it, not at OpenAI's prices"


EPOCH = _dt.date(1970, 1, 1)


def date_of(day: int) -> _dt.date:
    """The date of a day number (days since :data:`EPOCH`, UTC), held to the calendar's range
    (an absurd timestamp still prices)."""
    try:
        return EPOCH + _dt.timedelta(days=day)
    except OverflowError:
        return _dt.date.max if day > 0 else _dt.date.min


class PricesOnDay:
    """A resolved model with the prices in force on a day number (None: the run's date), each
    model and day worked out once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.cache: dict[tuple[str, int], object] = {}

    def __call__(self, model: ResolvedModel, day: int | None) -> ResolvedModel:
        spec = model.spec
        if day is None or not spec.price_entries:
            return model  # the catalog's prices are those of the run's date
        key = (spec.name, day)
        prices = self.cache.get(key)
        if prices is None:
            prices = self.cache[key] = spec.prices_on(date_of(day))
        if prices == spec.prices:
            return model
        return replace(model, spec=replace(spec, prices=prices))  # type: ignore[arg-type]


def priced_mode(resolved: ResolvedModel, mode: str) -> str:
    """The processing mode a group of ``resolved`` is priced at, given the mode its key bills at
    (:func:`mode_of`): a fine-tuned model's priority at standard, as OpenAI publishes no priority
    prices for fine-tuned models (docs/accounting.md §2, as estimate, limits and plan price it); any
    other, as given (flex, which this family does not offer, bills at standard already:
    :func:`mode_of`). :func:`priced_parts` applies it to usage, reconciliation to a bill's line item."""
    return "standard" if mode == "priority" and resolved.fine_tuned else mode


class _Row(Struct):
    requests: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)
    unpriced_requests: int = 0

    def add(self, n: int, i: int, c: int, o: int, cost: Decimal | None) -> None:
        self.requests += n
        self.input_tokens += i
        self.cached_input_tokens += c
        self.output_tokens += o
        if cost is None:
            self.unpriced_requests += n
        else:
            self.cost += cost

    def line(self, key: str, total: Decimal | None = None, *, sum_of_priced: bool = False) -> Line:
        """The row as a :class:`Line`: its cost None when none of its requests is priced, unless
        it is ``sum_of_priced`` (the totals: the priced part, 0 when nothing is priced)."""
        unknown = 0 < self.requests == self.unpriced_requests and not sum_of_priced
        cost = None if unknown else self.cost
        share = None if not total or cost is None else cost / total
        return Line(
            key,
            self.requests,
            self.input_tokens,
            self.cached_input_tokens,
            self.output_tokens,
            cost,
            self.unpriced_requests,
            share,
        )


def _lines(rows: Mapping[str, _Row], total: Decimal, *, by_cost: bool) -> tuple[Line, ...]:
    items = sorted(rows.items(), key=lambda kv: (-kv[1].cost, kv[0])) if by_cost else sorted(rows.items())
    return tuple(row.line(key, total) for key, row in items)


def ungrouped_words(results: int, rows: int = 0) -> str:
    """The assumption a run with ``results`` Usage API results and CSV export rows not grouped by
    batch or service tier rests on (``rows`` of them CSV export rows)."""
    said = []
    if results > rows:
        said.append(f"{counted(results - rows, 'Usage API result')} not grouped by batch or service_tier (null there)")
    if rows:
        said.append(
            f"{counted(rows, 'CSV export row')} with an empty batch cell (or no batch column), or an empty "
            "service_tier on a row that is not Batch"
        )
    one = results == 1  # results counts the rows too: one result or row alone, or more
    return (
        " and ".join(said) + f" {'is' if one else 'are'} priced at standard prices, though "
        f"{'it' if one else 'each'} may hold Batch (half price) or priority requests: fetch the usage with "
        "group_by=batch and group_by=service_tier (usage --from-api asks for both)"
        + (", or export it with both columns filled" if rows else "")
    )


def standard_tier_words(flex: int, fine_tuned_priority: int) -> str:
    """The tiers priced at standard though the records name another (docs/accounting.md §2), with
    how many requests of the run were, where any: the assumption their cost rests on."""
    here = [
        (flex, "flex (OpenAI does not offer it for the GPT-4.1 family)"),
        (fine_tuned_priority, "a fine-tuned model's priority (OpenAI publishes no priority prices for it)"),
    ]
    return "".join(f"; {what} at standard prices" + (f" ({n_requests(n)} here)" if n else "") for n, what in here)


def long_rows_words(over: Sequence[int], maybe: Sequence[int], threshold: int) -> str:
    """What the service-tier assumption adds for priority sum rows of several requests each with
    more input than the long-context threshold (``over``: [rows, requests] whose input is over
    requests x threshold; ``maybe``: the others over threshold), "" when there are none."""
    said = []
    if over[0]:
        said.append(
            f"{over[0]:,} of them ({over[1]:,} requests) with more input than their requests x {threshold:,}: "
            "at least one request in each is over it"
        )
    if maybe[0]:
        said.append(
            f"{maybe[0]:,} of them ({maybe[1]:,} requests) with more than {threshold:,} input tokens in all: "
            "some of their requests may be over it"
        )
    if not said:
        return ""
    rows = over[0] + maybe[0]
    return (
        f"; {counted(rows, 'priority row')} of several requests each (Usage API results, CSV rows) "
        f"{'does' if rows == 1 else 'do'} not say which request is over {threshold:,}, so "
        f"{'is' if rows == 1 else 'are'} priced at priority prices, an upper bound: " + "; ".join(said)
    )


def parse_what_if(specs: Sequence[str]) -> Decimal | None:
    """``--what-if batch=0.3``: the share (0..1) of non-batch traffic that could wait for Batch.
    Each scenario once: a key given twice is refused (once every spec is read: a bad one is named first)."""
    share: Decimal | None = None
    given: list[str] = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        if name.strip() != "batch" or not sep:
            raise UsageError(f"--what-if {quoted(spec)}: use batch=SHARE, e.g. --what-if batch=0.3")
        try:
            share = parse_share(value)
        except NumberError as exc:
            raise UsageError(f"--what-if {quoted(spec)}: {exc}") from None
        given.append(spec.strip())
    if len(given) > 1:
        raise UsageError(f"--what-if batch: given twice ({given[0]}, then {given[1]}); give each scenario once")
    return share


def summarize(
    acc: Accumulator,
    catalog: Catalog,
    *,
    sources: Sequence[str] = (),
    batch_share: Decimal | None = None,
) -> UsageResult:
    """Price the accumulated usage: totals, breakdowns, unpriced traffic, what-ifs, calibration."""
    resolve = Resolver(catalog)
    on_day = PricesOnDay(catalog)
    undated = 0
    lifecycles: dict[str, Lifecycle] = {}
    # (label, NOT_YET_RELEASED or SHUT_DOWN) -> requests, first day, last day, release or shutdown date
    unserved: dict[tuple[str, str], tuple[int, int, int, _dt.date]] = {}
    snapshots: dict[str, NamedSnapshot] = {}  # a snapshot dated apart from its alias, by name
    total = _Row()
    models: dict[str, _Row] = {}
    unpriced: dict[tuple[str | None, str], _Row] = {}
    days: dict[str, _Row] = {}
    day_models: dict[tuple[str, str], _Row] = {}
    modes: dict[str, _Row] = {}
    projects: dict[str, _Row] = {}
    users: dict[str, _Row] = {}
    keys: dict[str, _Row] = {}
    on_model: dict[str, Decimal] = {name: Decimal(0) for name in catalog.models}
    batch_saving = Decimal(0)
    waitable = _Row()

    long_context = 0  # requests at priority over the long-context threshold, priced at standard
    flex = fine_tuned_priority = 0  # requests priced at standard, a tier they did not name

    for key, resolved, mode, long, ft_priority, n, i, c, o in priced_parts(acc, resolve):
        model, _batch, tier, day, project, user, api_key = key
        cost: Decimal | None = None
        if isinstance(resolved, str):
            unpriced.setdefault((model, resolved), _Row()).add(n, i, c, o, None)
        else:
            flex += n if tier == FLEX_TIER and mode == "standard" else 0
            fine_tuned_priority += n if ft_priority else 0
            long_context += n if long else 0
            if day is None:
                undated += n
            else:
                life = resolved.lifecycle
                status = life.status(date_of(day))  # a request dated when the model served none
                if status in UNSERVED:
                    edge = life.released_on if status == NOT_YET_RELEASED else life.shutdown_on
                    assert edge is not None
                    whose = (resolved.label if resolved.dated_apart else resolved.family, status)
                    was = unserved.get(whose)
                    unserved[whose] = (
                        (n, day, day, edge) if was is None else (was[0] + n, min(was[1], day), max(was[2], day), edge)
                    )
            dated = on_day(resolved, day)  # the prices in force on the record's own day
            usage = TokenUsage(i, c, o)
            cost = cost_of(usage, rates_for(dated, mode)).total_usd
            models.setdefault(resolved.family, _Row()).add(n, i, c, o, cost)
            if resolved.dated_apart:  # marked in the report: its lifecycle is not its row's
                was_s = snapshots.get(resolved.requested)
                snapshots[resolved.requested] = NamedSnapshot(
                    resolved.requested, resolved.family, n + (was_s.requests if was_s else 0), resolved.lifecycle
                )
            # the status shown is the row's: the model's own (an alias), or an ft: model's base snapshot
            lifecycles[resolved.family] = resolved.lifecycle if resolved.fine_tuned else resolved.spec.lifecycle
            for name in catalog.models:
                other = on_day(ResolvedModel(name, catalog.models[name], resolved.fine_tuned), day)
                on_model[name] += cost_of(usage, rates_for(other, mode)).total_usd
            if mode != "batch":
                waitable.add(n, i, c, o, cost)
                batch_saving += cost_of(usage, rates_for(dated, "batch")).total_usd - cost
        total.add(n, i, c, o, cost)
        days.setdefault(day_label(day), _Row()).add(n, i, c, o, cost)
        label = (model or "(none)") if isinstance(resolved, str) else resolved.family
        day_models.setdefault((day_label(day), label), _Row()).add(n, i, c, o, cost)
        modes.setdefault(mode, _Row()).add(n, i, c, o, cost)
        if project is not None:
            projects.setdefault(project, _Row()).add(n, i, c, o, cost)
        if user is not None:
            users.setdefault(user, _Row()).add(n, i, c, o, cost)
        if api_key is not None:
            keys.setdefault(api_key, _Row()).add(n, i, c, o, cost)

    grand = total.cost
    what_if: list[WhatIf] = []
    if total.requests > total.unpriced_requests:
        for name, cost_on in on_model.items():
            life = catalog.models[name].lifecycle
            gone = life.status(catalog.day) == SHUT_DOWN  # a price of the past, no longer an option
            what_if.append(
                WhatIf(
                    f"all priced traffic on {name}" + (f" (shut down {life.shutdown_on})" if gone else ""),
                    cost_on,
                    cost_on - grand,
                    "same tokens and processing modes; fine-tuned traffic at that model's fine-tuned prices"
                    + (f"; shut down since {life.shutdown_on}: what the traffic would have cost" if gone else ""),
                )
            )
        if batch_share is not None:
            delta = batch_share * batch_saving
            what_if.append(
                WhatIf(
                    f"{_plain_pct(batch_share)}% of non-batch traffic through the Batch API",
                    grand + delta,
                    delta,
                    "Batch halves input and output, but has no cached rate: cached tokens bill at the "
                    "batch input rate (inference), so heavily cached traffic saves less",
                )
            )

    assumptions = [
        ("cached input tokens", "part of the input count, billed at the cached rate"),
        ("batch cached tokens", BATCH_CACHED_AT_INPUT_RATE),
        (
            "service tiers",
            "priority (or fast, its name since 2026-07-30) bills at priority prices, a request over "
            f"{catalog.long_context_threshold:,} input tokens at standard prices (priority prices exclude long "
            "context: inferred; told apart in records of one request each)"
            + long_rows_words(acc.long_rows_over, acc.long_rows_maybe, catalog.long_context_threshold)
            + "; default, auto, scale or none at standard prices"
            + standard_tier_words(flex, fine_tuned_priority),
        ),
        (
            "days",
            "UTC calendar days of each record's own timestamp (created, created_at, bucket start; else the "
            f"record's or its wrapper's {', '.join(TIME_KEYS[:-1])} or {TIME_KEYS[-1]}, and a row's "
            f"{ROW_TIME_KEYS[-1]} after those: an ISO 8601 time without a zone taken as UTC)",
        ),
        (
            "prices",
            f"those in force on each record's own day; records without a timestamp at those of the run's "
            f"date ({catalog.day})",
        ),
        (
            "tool calls",
            "tokens only: built-in tool calls (web search, file search, code interpreter and the like) and "
            "other per-call fees are not in these figures; the catalog has no per-call prices",
        ),
    ]
    if acc.ungrouped:
        assumptions.append(("processing mode of Usage API results", ungrouped_words(acc.ungrouped, acc.ungrouped_rows)))
    unpriced_list = tuple(
        UnpricedModel(model, reason, r.requests, r.input_tokens, r.cached_input_tokens, r.output_tokens)
        for (model, reason), r in sorted(unpriced.items(), key=lambda kv: (-kv[1].requests, str(kv[0])))
    )
    return UsageResult(
        sources=tuple(sources),
        records=acc.records,
        totals=total.line("total", grand, sum_of_priced=True),
        models=_lines(models, grand, by_cost=True),
        unpriced=unpriced_list,
        by_day=_lines(days, grand, by_cost=False),
        by_day_model=tuple(
            DayModel(day, row.line(label, grand))
            for (day, label), row in sorted(day_models.items(), key=lambda kv: (kv[0][0], -kv[1].cost, kv[0][1]))
        ),
        by_mode=_lines(modes, grand, by_cost=True),
        by_project=_lines(projects, grand, by_cost=True),
        by_user=_lines(users, grand, by_cost=True),
        by_api_key=_lines(keys, grand, by_cost=True),
        what_if=tuple(what_if),
        calibration=calibrate(acc, catalog, sources=sources),
        skipped=MappingProxyType(dict(acc.skip_counts)),
        skip_examples=tuple(acc.skips),
        failed_batch=MappingProxyType(dict(acc.failed_batch)),
        assumptions=tuple(assumptions),
        duplicates=acc.duplicates,
        proxy_cache_hits=acc.proxy_cache_hits,
        # a record not priced (another provider's, a model the catalog lacks) bounds no cost
        uncached_rows=sum(n for model, n in acc.uncached_rows.items() if not isinstance(resolve(model), str)),
        priority_long_context=long_context,
        long_context_threshold=catalog.long_context_threshold,
        unchecked=acc.unchecked,
        ungrouped_results=acc.ungrouped,
        run_date=catalog.day,
        catalog_as_of=catalog.as_of,
        undated_requests=undated,
        lifecycles=MappingProxyType(lifecycles),
        snapshots=tuple(s for _, s in sorted(snapshots.items())),
        after_shutdown=tuple(
            AfterShutdown(label, n, day_label(first), day_label(last), shutdown.isoformat())
            for (label, status), (n, first, last, shutdown) in sorted(unserved.items())
            if status == SHUT_DOWN
        ),
        over_limits=over_limits(acc, resolve),
        before_release=tuple(
            BeforeRelease(label, n, day_label(first), day_label(last), released.isoformat())
            for (label, status), (n, first, last, released) in sorted(unserved.items())
            if status == NOT_YET_RELEASED
        ),
    )


def over_limits(acc: Accumulator, resolve: Resolver) -> tuple[OverLimits, ...]:
    """The priced models whose responses report more tokens than they serve in one request: the
    largest input + output of one response (:attr:`Accumulator.peak_pair`) over the context window
    (its input is the one named), outputs over the maximum output; the rule of ``price()``, per
    response. (A window under :data:`PAIR_FLOOR`, which no catalog model has, where the sum kept is
    an upper bound: over when the largest input with the fewest output tokens of a response is.)"""
    found: dict[str, tuple[int, OverLimits]] = {}  # a family's entry, with the sum its input is of
    for model, top in acc.peak.items():
        resolved = resolve(model)
        if isinstance(resolved, str):
            continue
        spec = resolved.spec
        outs = acc.hist.get(model) or {0: 0}
        over = sum(n for out, n in outs.items() if out > spec.max_output_tokens)
        both, top = acc.peak_pair.get(model, (0, top))
        window = spec.context_window
        if both <= window or (both <= PAIR_FLOOR and acc.peak[model] + min(outs) <= window):
            top = 0
        if not top and not over:
            continue
        was = found.get(resolved.family)
        if was is not None:  # names of one family (an alias, its snapshots): the response with the largest sum
            kept_sum, kept = was
            if kept.largest_input_tokens and (not top or kept_sum >= both):
                top, both = kept.largest_input_tokens, kept_sum
            over += kept.requests_over_max_output
        entry = OverLimits(resolved.family, top, spec.context_window, over, spec.max_output_tokens)
        found[resolved.family] = (both, entry)
    return tuple(found[name][1] for name in sorted(found))


# --------------------------------------------------------------------------- calibration


def percentile(hist: Mapping[int, int], p: int) -> int | None:
    """Nearest-rank percentile of a histogram {value: count}: the smallest value v such that at
    least p% of the observations are <= v. None for an empty histogram."""
    n = sum(hist.values())
    if n == 0:
        return None
    rank = max(1, -(-p * n // 100))  # ceil(p * n / 100), at least the first observation
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: rank <= n")


def calibrate(acc: Accumulator, catalog: Catalog, *, sources: Sequence[str] = ()) -> Calibration:
    """Observed output tokens per request and cache hit rate per base model (priced models only)."""
    resolve = Resolver(catalog)
    sums: dict[str, list[int]] = {}
    hists: dict[str, dict[int, int]] = {}
    bands: dict[str, dict[int, list[int]]] = {}  # base model -> band -> [requests, cached tokens]
    for model, held in acc.bands.items():
        resolved = resolve(model)
        if isinstance(resolved, str):
            continue
        mine_b = bands.setdefault(resolved.spec.name, {})
        for bk, count in held.items():
            if type(bk) is int:  # band_of, inline: about 17,000 keys on a 1,000,000-line log
                band, cached = bk & BAND_MASK, bk >> BAND_SHIFT
            else:
                band, cached = band_of(bk)
            row = mine_b.get(band)
            if row is None:
                mine_b[band] = [count, count * cached]
            else:
                row[0] += count
                row[1] += count * cached
    for key, (n, i, c, o) in acc.groups.items():
        resolved = resolve(key[0])
        if isinstance(resolved, str):
            continue
        s = sums.setdefault(resolved.spec.name, [0, 0, 0, 0])
        s[0] += n
        s[1] += i
        s[2] += c
        s[3] += o
    for model, h in acc.hist.items():
        resolved = resolve(model)
        if isinstance(resolved, str):
            continue
        mine = hists.get(resolved.spec.name)
        if mine is None:  # the first name of this model: a copy (in C)
            hists[resolved.spec.name] = dict(h)
            continue
        for value, count in h.items():
            mine[value] = mine.get(value, 0) + count
    out: dict[str, ModelCalibration] = {}
    for name in catalog.models:
        if name not in sums or sums[name][0] == 0:
            continue
        n, i, c, o = sums[name]
        h = hists.get(name, {})
        p50, p95 = percentile(h, 50), percentile(h, 95)
        out[name] = ModelCalibration(
            model=name,
            requests=n,
            input_tokens=i,
            cached_input_tokens=c,
            output_tokens=o,
            output_tokens_mean=Decimal(o) / Decimal(n),
            output_tokens_p50=None if p50 is None else Decimal(p50),
            output_tokens_p95=None if p95 is None else Decimal(p95),
            cache_hit_rate=_ratio(c, i),
            distribution_requests=sum(h.values()),
            input_tokens_mean=Decimal(i) / Decimal(n),
            bands=MappingProxyType({b: (r[0], r[1]) for b, r in sorted(bands.get(name, {}).items())}),
        )
    return Calibration(MappingProxyType(out), tuple(sources))


__all__ = [
    "Accumulator",
    "Calibration",
    "Line",
    "ModelCalibration",
    "PricesOnDay",
    "Resolver",
    "Skip",
    "UnpricedModel",
    "UsageRecord",
    "UsageResult",
    "WhatIf",
    "calibrate",
    "percentile",
    "summarize",
]
