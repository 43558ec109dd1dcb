"""Rate-limit headroom per usage tier (docs/accounting.md §8, §9). Pure: values in, frozen results out.

The rules, each a named value here and an assumption in every report:

- TPM is charged at admission: a request's input tokens plus its output reservation
  (``max_tokens``, else the expected output). Cached tokens still count.
- A request with more than ``catalog.long_context_threshold`` input tokens draws on the
  long-context pool (its own RPM, TPM and batch queue) instead of the standard one. Each
  request kind (one per prompt file) is routed on its own; kinds are equally likely.
- Traffic counts every request of the workload; the requests of a Batch file, and
  ``batch_share`` of the others, go through the Batch API: they are priced at Batch rates and
  use the batch queue instead of RPM, TPM and RPD (docs/accounting.md §8, "Batch files").
  A request whose body asks for priority processing, and ``priority_share`` of the others, is sent
  at priority: priced at priority rates (a fine-tuned model has none, and priority prices exclude
  an input over the long-context threshold: standard), counted against the same RPM, TPM and
  RPD (docs/accounting.md §2, "Priority processing").
- Use % = used / limit x 100 (exact Decimal). Headroom % = 100 - the largest use %.
  A tier fits when every use % is at most 100 - ``min_headroom_pct``, no single request
  is larger than its pool's TPM (OpenAI rejects it outright), and the projected monthly
  spend is within the tier's monthly usage cap. No daily volume: no spend, no cap check.
- A month is 30 days. The batch queue holds a day's batch requests at once (they are
  enqueued together and finish within the 24 h window).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from .catalog import TIERS, Catalog, PoolLimits, ResolvedModel
from .cost import TokenUsage, price
from .errors import ParameterError, slot
from .measure import priority_excludes
from .report import pct as pct_text
from .report import places_apart, usd, usd_cents

#: Peak minute over the day's average minute, when only requests per day are given.
DEFAULT_PEAK_FACTOR = Decimal(3)
MINUTES_PER_DAY = 1440
#: A month, for monthly spend against budgets and the tiers' monthly usage caps.
DAYS_PER_MONTH = 30
#: The Batch API's completion window (docs/accounting.md §8).
BATCH_WINDOW_HOURS = 24
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def _plain(d: Decimal) -> str:
    """A figure in a message: 50,000 or 34.72."""
    return f"{d.normalize():,f}"


#: Use keys, in report order, with their labels.
USE_LABELS = {
    "rpm": "RPM",
    "tpm": "TPM",
    "rpd": "RPD",
    "long_context_rpm": "long-context RPM",
    "long_context_tpm": "long-context TPM",
    "batch_queue": "batch queue",
    "long_context_batch_queue": "long-context batch queue",
}

ASSUMPTIONS = (
    (
        "TPM at admission",
        "input tokens + output reservation (max_tokens, else the expected output) per request",
    ),
    (
        "long-context routing",
        "each prompt's requests are routed on their own input tokens; prompts equally likely",
    ),
    ("month", f"{DAYS_PER_MONTH} days"),
    ("batch queue", "a day's batch requests are enqueued at once and complete within the 24 h window"),
)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RequestProfile:
    """The requests of a workload: one entry per request kind (prompt file), equally likely.

    ``cached_tokens[i]`` is the cached part of ``input_tokens[i]`` (spend only: cached tokens
    still count toward TPM). ``output_tokens`` is the expected output per request (spend);
    ``reserve_tokens`` is what OpenAI reserves for the output at admission (TPM);
    ``reserves``, when given, is the reservation of each kind instead (a request file's own
    ``max_tokens``); ``outputs``, when given, the expected output of each kind instead (its own
    ``max_tokens`` where lower: :func:`gpt41cost.measure.expected_output`). ``batch``, when
    given, says of each kind whether it is a Batch file's request: one sent through the Batch API
    whatever the workload's batch share. ``choices``, when given, the choices of each kind (a Chat
    request's ``n``), which its reserve and output count; ``output_whole``: ``output_tokens`` is a
    whole request's, all its choices together (:data:`gpt41cost.measure.CALIBRATED_WHOLE`).
    """

    input_tokens: tuple[int, ...]
    cached_tokens: tuple[int, ...]
    output_tokens: int
    reserve_tokens: int
    reserves: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()
    batch: tuple[bool, ...] = ()
    choices: tuple[int, ...] = ()
    output_whole: bool = False
    #: when given, whether each kind's body asks for priority processing (service_tier priority)
    priority: tuple[bool, ...] = ()

    def asks_priority(self, kind: int) -> bool:
        """Whether requests of ``kind`` ask for priority processing in their bodies."""
        return bool(self.priority) and self.priority[kind]

    def reserve_of(self, kind: int) -> int:
        return self.reserves[kind] if self.reserves else self.reserve_tokens

    def output_of(self, kind: int) -> int:
        return self.outputs[kind] if self.outputs else self.output_tokens

    def choices_of(self, kind: int) -> int:
        return self.choices[kind] if self.choices else 1

    def __post_init__(self) -> None:
        if not self.input_tokens:  # files that hold no request: the readers and api refuse them first
            raise ParameterError(
                f"nothing to assess: give prompt files that hold requests, or {slot('input_tokens')} N"
            )
        # The rest are invariants of how the profile is built, not checks of input: every entry
        # comes from the same requests (workload.profile_from_measured, given_size_profile), counts
        # and caps are validated where they are read (numbers' ranges, the readers' n of 1 to
        # 128), and cached tokens are clamped to each input (cost.cached_tokens_for_rate,
        # ModelCalibration.cached_for, min(cached_tokens, input)).
        kinds = len(self.input_tokens)
        assert len(self.cached_tokens) == kinds, "cached_tokens: one entry per request kind"
        assert min(self.input_tokens) >= 0 and self.output_tokens >= 0 and self.reserve_tokens >= 0, "counts >= 0"
        assert all(0 <= c <= i for c, i in zip(self.cached_tokens, self.input_tokens, strict=True)), "cached <= input"
        assert not self.reserves or (len(self.reserves) == kinds and min(self.reserves) >= 0), "reserves"
        assert not self.outputs or (len(self.outputs) == kinds and min(self.outputs) >= 0), "outputs"
        assert not self.batch or len(self.batch) == kinds, "batch: one entry per request kind"
        assert not self.choices or (len(self.choices) == kinds and min(self.choices) >= 1), "choices"
        assert not self.priority or len(self.priority) == kinds, "priority: one entry per request kind"

    @classmethod
    def uniform(cls, input_tokens: int, output_tokens: int, reserve_tokens: int, cached: int = 0) -> RequestProfile:
        return cls((input_tokens,), (cached,), output_tokens, reserve_tokens)

    @property
    def kinds(self) -> int:
        return len(self.input_tokens)

    @property
    def mean_input_tokens(self) -> Decimal:
        return Decimal(sum(self.input_tokens)) / self.kinds

    @property
    def max_input_tokens(self) -> int:
        return max(self.input_tokens)

    def is_batch(self, kind: int) -> bool:
        """Whether requests of ``kind`` are a Batch file's (always sent through the Batch API)."""
        return bool(self.batch) and self.batch[kind]

    @property
    def batch_kinds(self) -> int:
        """How many request kinds are a Batch file's."""
        return sum(self.batch)

    def online(self) -> RequestProfile:
        """The same requests with none taken for a Batch file's (what-ifs that move every request)."""
        return replace(self, batch=())


@dataclass(frozen=True)
class Traffic:
    """Requests of the whole workload: at the peak minute, and per day (None: not given)."""

    peak_rpm: Decimal
    requests_per_day: Decimal | None = None
    peak_source: str = "given"

    def __post_init__(self) -> None:
        if self.peak_rpm <= 0:  # {name}: the flag on the command line, the parameter in the API
            raise ParameterError(f"{slot('peak_rpm')}: peak requests per minute must be more than 0")
        if self.requests_per_day is not None and self.requests_per_day < 0:
            raise ParameterError(f"{slot('requests_per_day')}: cannot be negative; give 0 or more requests")
        average = None if self.requests_per_day is None else self.requests_per_day / MINUTES_PER_DAY
        if average is not None and self.peak_rpm < average:  # as from_daily divides: a factor of 1 is the average
            # the peak minute is the busiest: below the day's average minute, every limit would be understated
            assert self.requests_per_day is not None
            least = average.quantize(Decimal("0.01"), ROUND_CEILING)
            raise ParameterError(
                f"{slot('peak_rpm')} {_plain(self.peak_rpm)} is below the day's average minute "
                f"({slot('requests_per_day')} {_plain(self.requests_per_day)} / {MINUTES_PER_DAY} = "
                f"{average.quantize(Decimal('0.01')):,f} requests/min); give a {slot('peak_rpm')} of at least "
                f"{_plain(least)}, or leave it out to take the peak from {slot('peak_factor')} (default 3)",
            )

    @classmethod
    def from_daily(cls, requests_per_day: Decimal, peak_factor: Decimal = DEFAULT_PEAK_FACTOR) -> Traffic:
        """Peak RPM = requests per day / 1440 x the peak factor."""
        if requests_per_day <= 0:
            raise ParameterError(f"{slot('requests_per_day')}: requests per day must be more than 0")
        if peak_factor < 1:
            raise ParameterError(
                f"{slot('peak_factor')}: the peak minute over the day's average minute must be 1 or more; "
                "give 1 for a flat day",
            )
        return cls(
            requests_per_day * peak_factor / MINUTES_PER_DAY,
            requests_per_day,
            f"requests/day x {peak_factor} / 1440",
        )

    def scaled(self, k: Decimal) -> Traffic:
        rpd = None if self.requests_per_day is None else self.requests_per_day * k
        return Traffic(self.peak_rpm * k, rpd, self.peak_source)


def over_window(input_tokens: int, output_tokens: int, window: int) -> bool:
    """The rule of the context window: a request whose input plus its output (one choice's cap,
    else the output reserved for it) is over the model's context window cannot be served (OpenAI
    refuses it; docs/accounting.md §1, §11)."""
    return input_tokens + output_tokens > window


class OverWindow(ParameterError):
    """A given input size plus its output over a model's context window (:func:`check_window`).

    The message names ``slot('input_tokens')`` and the output (``slot('max_tokens')`` or
    ``slot('output_tokens')``), for each caller to spell: the API's parameters, the CLI's flags, a
    workload's keys (:meth:`problem`, after its key path)."""

    def __init__(self, model: ResolvedModel, input_tokens: int, output_tokens: int, output: str) -> None:
        window = model.spec.context_window
        problem = (
            f"{input_tokens:,} input plus {output_tokens:,} output is over {model.label}'s {window:,}-token context "
            f"window; give {slot('input_tokens')} and {slot(output)} that sum to {window:,} or less"
        )
        self.problem_template = problem
        super().__init__(f"{slot('input_tokens')}: " + problem)

    def problem(self, spell: Callable[[str], str]) -> str:
        """What is wrong and what to do, without the leading name (a workload's key path goes there)."""
        return ParameterError(self.problem_template).named(spell)


def check_window(
    models: Sequence[ResolvedModel], input_tokens: int, output_tokens: int, output: str = "max_tokens"
) -> None:
    """The one check of a given input size against the context window (:func:`over_window`) on
    each of ``models``: an :class:`OverWindow` names ``slot('input_tokens')`` and ``slot(output)`` (the
    parameter that gave ``output_tokens``: ``max_tokens``, else ``output_tokens``)."""
    for m in models:
        if over_window(input_tokens, output_tokens, m.spec.context_window):
            raise OverWindow(m, input_tokens, output_tokens, output)


#: Why the Batch API share and the priority share sum to at most 1.
SHARES_RULE = "a request sent through the Batch API is not sent at priority"
#: The parameters' message for a priority share out of its range or over 1 with the Batch share.
_PRIORITY_SHARE = (
    f"{slot('priority_share')}: must be between 0 and 1, and with {slot('batch_share')} at most 1 ({SHARES_RULE})"
)


class SharesOverOne(ParameterError):
    """``batch_share`` and ``priority_share`` summing to more than 1 (:func:`check_shares`).

    :meth:`named` is the parameters' message (the API's names, the CLI's flags); :meth:`given`
    states the shares given, as a workload file's key check does."""

    def __init__(self, batch_share: Decimal, priority_share: Decimal) -> None:
        super().__init__(_PRIORITY_SHARE)
        self.batch_share = batch_share
        self.priority_share = priority_share

    def given(self, spell: Callable[[str], str]) -> str:
        """The problem with the shares given, ``batch_share`` spelled by ``spell`` (the message
        follows the name of the priority share, which the caller gives)."""
        return (
            f"{self.priority_share} with {spell('batch_share')} {self.batch_share} is more than 1: {SHARES_RULE}; "
            "give shares that sum to 1 or less"
        )


def check_shares(batch_share: Decimal, priority_share: Decimal) -> None:
    """The one check of the processing shares: each from 0 to 1, together at most 1 (:data:`SHARES_RULE`).
    A :class:`ParameterError` names ``slot('batch_share')`` and ``slot('priority_share')``, for each caller to
    spell: the API's parameters, the CLI's flags, a workload's keys (:class:`SharesOverOne`)."""
    if not ZERO <= batch_share <= 1:
        raise ParameterError(f"{slot('batch_share')}: must be between 0 and 1 (or 0% and 100%)")
    if not ZERO <= priority_share <= 1:
        raise ParameterError(_PRIORITY_SHARE)
    if batch_share + priority_share > 1:
        raise SharesOverOne(batch_share, priority_share)


@dataclass(frozen=True)
class Demand:
    """One workload: models with their share of the traffic (summing to 1), traffic, requests."""

    models: tuple[tuple[ResolvedModel, Decimal], ...]
    traffic: Traffic
    profile: RequestProfile
    batch_share: Decimal = ZERO
    min_headroom_pct: Decimal = ZERO
    #: each model's requests, in the order of ``models`` (they differ in image tokens and cache);
    #: empty: ``profile`` for every model
    profiles: tuple[RequestProfile, ...] = ()
    #: share of the requests sent at priority processing (online, never through the Batch API)
    priority_share: Decimal = ZERO

    def __post_init__(self) -> None:
        # The models and their shares are invariants, not checks of input: api.limits assesses
        # each model of the catalog (or of --model) alone, at a share of 1, and a workload's mix
        # is validated where it is read (workload._mix: at least one model, each share in (0, 1],
        # summing to 1 within the same 1e-9), its profiles built one per model.
        assert self.models, "a demand has a model"
        assert not self.profiles or len(self.profiles) == len(self.models), "one request profile per model, or none"
        assert all(0 < s <= 1 for _, s in self.models), "each share in (0, 1]"
        assert abs(sum((s for _, s in self.models), ZERO) - 1) <= Decimal("1e-9"), "the shares sum to 1"
        check_shares(self.batch_share, self.priority_share)
        if not ZERO <= self.min_headroom_pct < HUNDRED:
            raise ParameterError(f"{slot('min_headroom')}: must be at least 0 and below 100 (percent)")

    def scaled(self, k: Decimal) -> Demand:
        return replace(self, traffic=self.traffic.scaled(k))

    def profile_of(self, k: int) -> RequestProfile:
        """The requests of the ``k``-th model."""
        return self.profiles[k] if self.profiles else self.profile

    def at_priority(self, p: RequestProfile, kind: int) -> Decimal:
        """The share of an online request kind's requests sent at priority processing: all those
        not sent through the Batch API when its body asks for it, else the priority share."""
        return (1 - self.batch_share) if p.asks_priority(kind) else self.priority_share

    @property
    def spend_projected(self) -> bool:
        return self.traffic.requests_per_day is not None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Use:
    """One limit in use: ``used`` (requests/min, tokens/min, requests/day or queued tokens) of ``limit``."""

    key: str
    used: Decimal
    limit: int
    pct: Decimal

    @property
    def label(self) -> str:
        return USE_LABELS[self.key]


@dataclass(frozen=True)
class ModelTier:
    """One model at one tier: its uses, headroom, and why it does not fit (empty when it does)."""

    model: str
    tier: int
    uses: tuple[Use, ...]
    headroom_pct: Decimal
    fits: bool
    reasons: tuple[str, ...]
    oversize: bool  # a single request is larger than its pool's TPM

    def use(self, key: str) -> Use | None:
        return next((u for u in self.uses if u.key == key), None)


@dataclass(frozen=True)
class TierFit:
    """The whole workload at one tier: every model, plus the tier's monthly usage cap."""

    tier: int
    models: tuple[ModelTier, ...]
    monthly_cap_usd: Decimal
    monthly_spend_usd: Decimal | None
    headroom_pct: Decimal
    fits: bool
    max_peak_rpm: Decimal | None  # the workload's peak RPM at which this tier still fits (None: no limit binds)
    reasons: tuple[str, ...]

    @property
    def cap_used_pct(self) -> Decimal | None:
        if self.monthly_spend_usd is None:
            return None
        return self.monthly_spend_usd * HUNDRED / self.monthly_cap_usd if self.monthly_cap_usd else None

    @property
    def cap_fits(self) -> bool:
        return self.monthly_spend_usd is None or self.monthly_spend_usd <= self.monthly_cap_usd

    def model(self, name: str) -> ModelTier:
        return next(m for m in self.models if m.model == name)


@dataclass(frozen=True)
class ModelCost:
    """Monthly cost of one model's share (None when no daily volume is given): ``standard_usd`` of
    the requests sent online, ``batch_usd`` of those sent through the Batch API (a Batch file's, and
    the batch share of the others); ``per_request_standard_usd`` and ``per_request_batch_usd`` are the
    mean price of a request of each (every request's in that mode when the part has none)."""

    model: str
    share: Decimal
    requests_per_day: Decimal | None
    peak_rpm: Decimal
    standard_usd: Decimal | None
    batch_usd: Decimal | None
    per_request_standard_usd: Decimal
    per_request_batch_usd: Decimal
    #: the part of ``standard_usd`` sent at priority processing (the priority share), at its rates
    priority_usd: Decimal | None = None

    @property
    def total_usd(self) -> Decimal | None:
        if self.standard_usd is None or self.batch_usd is None:
            return None
        return self.standard_usd + self.batch_usd


@dataclass(frozen=True)
class Assessment:
    demand: Demand
    long_context_threshold: int
    costs: tuple[ModelCost, ...]
    tiers: tuple[TierFit, ...]

    @property
    def lowest_tier(self) -> int | None:
        """The lowest tier where the whole workload fits (rate limits and monthly cap)."""
        return next((t.tier for t in self.tiers if t.fits), None)

    def model_lowest_tier(self, name: str) -> int | None:
        """The lowest tier where one model's share fits its rate limits (the cap is workload-wide)."""
        return next((t.tier for t in self.tiers if t.model(name).fits), None)

    def tier(self, n: int) -> TierFit:
        return next(t for t in self.tiers if t.tier == n)

    @property
    def monthly_spend_usd(self) -> Decimal | None:
        totals = [c.total_usd for c in self.costs]
        if any(t is None for t in totals):
            return None
        return sum((t for t in totals if t is not None), ZERO)

    @property
    def long_context_share(self) -> Decimal:
        """The share of the workload's requests whose input is over the long-context threshold:
        each model's share of the traffic times the share of its own request kinds (equally likely)
        over it; the models' inputs differ in image tokens, so one may cross where another does not."""
        d, threshold = self.demand, self.long_context_threshold
        total = ZERO
        for k, (_, share) in enumerate(d.models):
            p = d.profile_of(k)
            total += share * sum(1 for i in p.input_tokens if i > threshold) / p.kinds
        return total


# --------------------------------------------------------------------------- core


@dataclass(frozen=True)
class _Pool:
    """Request kinds routed to one pool: how many, and their summed tokens; of them, the kinds
    that are a Batch file's (all their requests go through the Batch API; the other kinds' go
    as the workload's batch share says)."""

    kinds: int  # request kinds in this pool
    admit_tokens: int  # sum over its kinds of input + reservation
    input_tokens: int  # sum over its kinds of input
    largest_admit: int  # the largest input + reservation of one request that can be sent online
    largest_input: int  # the largest input of one request
    file_kinds: int = 0  # kinds that are a Batch file's requests
    file_admit: int = 0  # their input + reservation
    file_input: int = 0  # their input
    largest_file_input: int = 0  # the largest input of one of them

    @property
    def online_kinds(self) -> int:
        """Kinds whose requests can be sent online (not a Batch file's)."""
        return self.kinds - self.file_kinds


def _pools(profile: RequestProfile, threshold: int) -> tuple[_Pool, _Pool]:
    rows = [(i, profile.reserve_of(k), profile.is_batch(k)) for k, i in enumerate(profile.input_tokens)]

    def pool(xs: list[tuple[int, int, bool]]) -> _Pool:
        return _Pool(
            len(xs),
            sum(i + r for i, r, _ in xs),
            sum(i for i, _, _ in xs),
            max((i + r for i, r, b in xs if not b), default=0),
            max((i for i, _, _ in xs), default=0),
            sum(1 for _, _, b in xs if b),
            sum(i + r for i, r, b in xs if b),
            sum(i for i, _, b in xs if b),
            max((i for i, _, b in xs if b), default=0),
        )

    return pool([x for x in rows if x[0] <= threshold]), pool([x for x in rows if x[0] > threshold])


def pct(used: Decimal, limit: int) -> Decimal:
    """used / limit x 100, exact where the quotient terminates."""
    return used * HUNDRED / limit


def _uses(
    demand: Demand, share: Decimal, limits: PoolLimits, lc_limits: PoolLimits, std: _Pool, lc: _Pool
) -> list[Use]:
    n = std.kinds + lc.kinds
    online = 1 - demand.batch_share
    peak = demand.traffic.peak_rpm * share * online
    rpd = demand.traffic.requests_per_day
    uses: list[Use] = []

    def add(key: str, used: Decimal, limit: int) -> None:
        uses.append(Use(key, used, limit, pct(used, limit)))

    # Online requests draw on RPM, TPM and RPD; the Batch API's (a Batch file's, and the batch
    # share of the others) on the batch queue alone (docs/accounting.md §8, §9).
    for pool, lim, prefix in ((std, limits, ""), (lc, lc_limits, "long_context_")):
        if pool.kinds == 0:
            continue
        if online > 0 and pool.online_kinds:
            add(f"{prefix}rpm", peak * pool.online_kinds / n, lim.rpm)
            add(f"{prefix}tpm", peak * (pool.admit_tokens - pool.file_admit) / n, lim.tpm)
        if rpd is not None and (demand.batch_share > 0 or pool.file_kinds):
            queued = ZERO
            if demand.batch_share > 0:
                queued = rpd * share * demand.batch_share * (pool.input_tokens - pool.file_input) / n
            if pool.file_kinds:
                queued += rpd * share * pool.file_input / n
            add(f"{prefix}batch_queue", queued, lim.batch_queue)
    # RPD is a per-model limit: every online request counts, whichever pool it uses.
    online_kinds = std.online_kinds + lc.online_kinds
    if limits.rpd is not None and rpd is not None and online > 0 and online_kinds:
        daily = rpd * share * online
        add("rpd", daily if online_kinds == n else daily * online_kinds / n, limits.rpd)
    order = list(USE_LABELS)
    uses.sort(key=lambda u: order.index(u.key))
    return uses


def _model_tier(demand: Demand, model: ResolvedModel, share: Decimal, tier: int, std: _Pool, lc: _Pool) -> ModelTier:
    tl = model.spec.limits[tier]
    uses = _uses(demand, share, tl.standard, tl.long_context, std, lc)
    ceiling = HUNDRED - demand.min_headroom_pct
    reasons: list[str] = []
    name = model.label
    oversize = False
    online = demand.batch_share < 1
    for pool, lim, what in ((std, tl.standard, "TPM"), (lc, tl.long_context, "long-context TPM")):
        if online and pool.kinds and pool.largest_admit > lim.tpm:
            oversize = True
            reasons.append(
                f"tier {tier}: {name}: one request ({pool.largest_admit:,} tokens with its output "
                f"reservation) is larger than the {what} limit of {lim.tpm:,}; OpenAI rejects it"
            )
    for pool, lim, what in (
        (std, tl.standard, "batch queue"),
        (lc, tl.long_context, "long-context batch queue"),
    ):
        largest = pool.largest_input if demand.batch_share > 0 else pool.largest_file_input
        if pool.kinds and largest > lim.batch_queue:
            oversize = True
            reasons.append(
                f"tier {tier}: {name}: one request ({largest:,} input tokens) is larger than the "
                f"{what} limit of {lim.batch_queue:,} tokens"
            )
    for u in uses:
        if u.pct > ceiling:
            places = places_apart(u.pct, ceiling)  # 80.04% over 80%: never "at 80.0% (at most 80.0%)"
            need = (
                f" (at most {pct_text(ceiling, places)} for {pct_text(demand.min_headroom_pct, places)} headroom)"
                if (demand.min_headroom_pct)
                else ""
            )
            reasons.append(f"tier {tier}: {name}: {u.label} at {pct_text(u.pct, places)} of {u.limit:,}{need}")
    headroom = HUNDRED - max((u.pct for u in uses), default=ZERO)
    return ModelTier(name, tier, tuple(uses), headroom, not reasons, tuple(reasons), oversize)


def priority_rates_mode(model: ResolvedModel, input_tokens: int, threshold: int) -> str:
    """The rates a request sent at priority processing is billed at (docs/accounting.md §2,
    "Priority processing"): priority, except on a fine-tuned model, which OpenAI publishes no
    priority prices for, and for an input over the long-context threshold, which priority prices
    exclude (estimate.LONG_CONTEXT_PRIORITY): standard."""
    return "standard" if model.fine_tuned or priority_excludes(input_tokens, threshold) else "priority"


def priority_text(demand: Demand, threshold: int, source: str = "priority_share") -> str | None:
    """The requests sent at priority processing as an assumption line (docs/accounting.md §2,
    "Priority processing"), None when none is. ``source``: what gave the priority share, as the
    report names it (limits' flag ``--priority-share``, the workload's key ``priority_share``)."""
    p = demand.profile
    asked = sum(p.priority)
    if not demand.priority_share and not asked:
        return None
    parts = []
    if asked:
        parts.append(
            f"{asked:,} of the {p.kinds:,} requests measured ask for it in their bodies (service_tier priority)"
        )
    if demand.priority_share:
        pct = f"{(demand.priority_share * HUNDRED).normalize():f}%"
        whom = "of the others" if asked or p.batch_kinds else "of requests"
        parts.append(f"{pct} {whom} ({source})")
    text = (
        "sent at priority processing: " + "; ".join(parts) + ": priced at priority rates (in the standard column: "
        "sent online), counted against the same RPM, TPM and RPD (OpenAI: the rate limit is shared between "
        f"Standard and Priority processing); a request over {threshold:,} input tokens at standard rates (priority "
        "prices exclude long context)"
    )
    if any(m.fine_tuned for m, _ in demand.models):
        text += "; a fine-tuned model has no priority prices: standard rates"
    return text


def priority_notes(demand: Demand, threshold: int) -> list[str]:
    """The notes estimate gives on priority processing, for limits and plan (the same words:
    ``estimate.priority_asked_note``, ``estimate.long_priority_note``): how many of the requests
    measured ask for priority in their bodies, and how many of those sent at priority (a body's
    ask, the priority share of the others) are over the long-context threshold, priced at
    standard rates (:func:`priority_rates_mode`), a month's count given requests per day, else
    their share of the requests."""
    from .estimate import long_priority_note, priority_asked_note

    notes: list[str] = []
    p = demand.profile
    asked = sum(p.priority)
    if asked:
        notes.append(priority_asked_note(asked, p.kinds))
    share = ZERO  # of all requests, those sent at priority over the threshold
    for k, (_, model_share) in enumerate(demand.models):
        pk = demand.profile_of(k)
        for j, i in enumerate(pk.input_tokens):
            if pk.is_batch(j) or not priority_excludes(i, threshold):
                continue
            share += model_share * demand.at_priority(pk, j) / pk.kinds
    if share:
        rpd = demand.traffic.requests_per_day
        if rpd is not None:
            month = rpd * DAYS_PER_MONTH * share
            n = month.to_integral_value()
            how = ("" if n == month else "about ") + f"{n:,f} request{'s' if n != 1 else ''} a month"
            notes.append(long_priority_note(how, n != 1, threshold))
        else:
            notes.append(long_priority_note(f"{(share * HUNDRED).normalize():f}% of requests", True, threshold))
    return notes


def _cost(demand: Demand, model: ResolvedModel, share: Decimal, p: RequestProfile, threshold: int) -> ModelCost:
    """The month's cost of one model's share, and the mean price of a request of each part.

    Each request kind is priced once in each mode. ``standard`` covers the requests sent online
    (not a Batch file's; with a batch share, the rest of them), those sent at priority processing
    (a kind whose body asks for it, and the priority share of the others) at their rates
    (``priority_usd``, part of ``standard_usd``: :func:`priority_rates_mode`), ``batch`` the requests
    sent through the Batch API (a Batch file's, and the batch share of the others); each
    per-request price is the mean over the requests its monthly figure covers, so monthly =
    requests a month x per request. With no request in a part, its per-request price is every
    request's in that mode (a what-if)."""
    std_each: list[Decimal] = []
    bat_each: list[Decimal] = []
    bs = demand.batch_share
    online_sum = pri_sum = bat_o = files_bat = ZERO
    std_o = ZERO
    for k, (i, c) in enumerate(zip(p.input_tokens, p.cached_tokens, strict=True)):
        usage = TokenUsage(i, c, p.output_of(k))
        std = price(usage, model, "standard").total_usd
        # No cached batch rate is published: cost.price bills cached batch tokens at the batch input rate.
        bat = price(usage, model, "batch").total_usd
        std_each.append(std)
        bat_each.append(bat)
        if p.is_batch(k):
            files_bat += bat
            continue
        std_o += std
        bat_o += bat
        at_priority = demand.at_priority(p, k)
        if at_priority:
            pri = price(usage, model, priority_rates_mode(model, i, threshold)).total_usd
            pri_sum += at_priority * pri
            online_sum += (1 - bs - at_priority) * std + at_priority * pri
        else:
            online_sum += (1 - bs) * std
    files = p.batch_kinds
    others = p.kinds - files
    if others and bs < 1:
        per_std = online_sum / ((1 - bs) * others)
    else:  # none is sent online: every request at standard rates (a what-if)
        per_std = (std_o if others else sum(std_each, ZERO)) / (others or p.kinds)
    if files or (bs and others):
        per_bat = (bs * bat_o + files_bat) / (bs * others + files)
    else:
        per_bat = sum(bat_each, ZERO) / p.kinds
    rpd = demand.traffic.requests_per_day
    if rpd is None:
        return ModelCost(model.label, share, None, demand.traffic.peak_rpm * share, None, None, per_std, per_bat)
    month = rpd * share * DAYS_PER_MONTH
    # each request kind is equally likely: a kind's share of the month is 1 / kinds
    online_usd = month * online_sum / p.kinds
    batch_usd = month * (bs * bat_o + files_bat) / p.kinds
    return ModelCost(
        model.label, share, rpd * share, demand.traffic.peak_rpm * share, online_usd, batch_usd, per_std, per_bat,
        month * pri_sum / p.kinds,
    )  # fmt: skip


def assess(demand: Demand, catalog: Catalog, tiers: Sequence[int] = TIERS) -> Assessment:
    """Every model of ``demand`` at every tier in ``tiers``, the monthly cost and the cap check."""
    for t in tiers:
        if t not in TIERS:
            raise ParameterError(f"{slot('tier')}: " + str(t) + " is not a usage tier (1 to 5)")
    pools = [_pools(demand.profile_of(k), catalog.long_context_threshold) for k in range(len(demand.models))]
    threshold = catalog.long_context_threshold
    costs = tuple(_cost(demand, m, s, demand.profile_of(k), threshold) for k, (m, s) in enumerate(demand.models))
    spend = None if not demand.spend_projected else sum((c.total_usd or ZERO for c in costs), ZERO)
    fits: list[TierFit] = []
    for t in tiers:
        models = tuple(_model_tier(demand, m, s, t, *pools[k]) for k, (m, s) in enumerate(demand.models))
        cap = catalog.tiers[t].monthly_usage_cap_usd
        reasons = [r for m in models for r in m.reasons]
        if spend is not None and spend > cap:
            used, limit = usd_apart(spend, cap)
            reasons.append(f"tier {t}: projected spend {used}/month is over the tier's {limit} monthly usage cap")
        fits.append(
            TierFit(
                tier=t,
                models=models,
                monthly_cap_usd=cap,
                monthly_spend_usd=spend,
                headroom_pct=min(m.headroom_pct for m in models),
                fits=not reasons,
                max_peak_rpm=_max_peak(demand, models, spend, cap),
                reasons=tuple(reasons),
            )
        )
    return Assessment(demand, catalog.long_context_threshold, costs, tuple(fits))


def _max_peak(demand: Demand, models: Sequence[ModelTier], spend: Decimal | None, cap: Decimal) -> Decimal | None:
    """The workload's peak RPM at which the tier still fits: every use scales with the traffic.

    Computed as peak x ceiling x limit / (used x 100) rather than from the rounded use %, so a
    tier that fits exactly at the given peak reports exactly that peak.
    """
    if any(m.oversize for m in models):
        return ZERO
    peak = demand.traffic.peak_rpm
    ceiling = HUNDRED - demand.min_headroom_pct
    candidates = [peak * ceiling * u.limit / (u.used * HUNDRED) for m in models for u in m.uses if u.used > 0]
    if spend is not None and spend > 0:
        candidates.append(peak * cap / spend)
    # Nothing in use (every request goes through Batch with no daily volume): no limit binds.
    return min(candidates, default=None)


# --------------------------------------------------------------------------- backlog drain


@dataclass(frozen=True)
class Drain:
    """How long a backlog of requests takes at one tier, online versus through the Batch API.

    Online: at the tier's full RPM and TPM (and RPD, a day at a time), no headroom kept.
    Batch: the queue holds at most ``wave_requests`` requests' input tokens at once; each
    wave completes within the 24 h window (taken as the full 24 h) and the next wave is
    enqueued right after. None: a single request is too large for the pool.
    """

    model: str
    tier: int
    backlog: int
    online_minutes: Decimal | None
    online_limited_by: str | None
    batch_waves: int | None
    batch_hours: int | None
    batch_files: int | None  # input files needed for one wave (at most batch_max_requests each)


def drain(backlog: int, model: ResolvedModel, profile: RequestProfile, catalog: Catalog, tier: int) -> Drain:
    if backlog < 1:
        raise ParameterError(f"{slot('backlog')}: must be 1 or more requests")
    profile = profile.online()  # both ways are what-ifs for every request, a Batch file's too
    std, lc = _pools(profile, catalog.long_context_threshold)
    tl = model.spec.limits[tier]
    # Online: the request rate at 100% of the tightest per-minute limit.
    one = Demand(((model, Decimal(1)),), Traffic(Decimal(1)), profile)
    uses = _uses(one, Decimal(1), tl.standard, tl.long_context, std, lc)
    too_big = any(p.kinds and p.largest_admit > lim.tpm for p, lim in ((std, tl.standard), (lc, tl.long_context)))
    online: Decimal | None = None
    limited_by: str | None = None
    if not too_big:
        tightest = max(uses, key=lambda u: u.pct)
        rate = HUNDRED / tightest.pct  # requests per minute
        limited_by = tightest.label
        rpd = tl.standard.rpd
        if rpd is not None and backlog > rpd:
            full_days = -(-backlog // rpd) - 1
            online = Decimal(full_days * MINUTES_PER_DAY) + Decimal(backlog - full_days * rpd) / rate
            limited_by = "RPD"
        else:
            online = Decimal(backlog) / rate
    # Batch: waves of queued input tokens, per pool.
    waves = 0
    files = 0
    n = profile.kinds
    for pool, lim in ((std, tl.standard), (lc, tl.long_context)):
        if not pool.kinds:
            continue
        if pool.largest_input > lim.batch_queue:
            return Drain(model.label, tier, backlog, online, limited_by, None, None, None)
        tokens_num = backlog * pool.input_tokens  # over n
        pool_waves = 1 if tokens_num == 0 else -(-tokens_num // (n * lim.batch_queue))
        waves = max(waves, pool_waves)
        pool_requests = -(-backlog * pool.kinds // n)
        per_wave = -(-pool_requests // pool_waves)
        files += -(-per_wave // catalog.batch_max_requests)
    return Drain(model.label, tier, backlog, online, limited_by, waves, waves * BATCH_WINDOW_HOURS, files)


# --------------------------------------------------------------------------- dated prices within a horizon


@dataclass(frozen=True)
class PriceChange:
    """A day within a plan's horizon (in a 30-day month starting within it) on which what a routed
    model's share costs changes (docs/accounting.md §1, dated prices), the models whose cost
    changes, and what a month of the workload costs at the prices from that day."""

    day: date
    models: tuple[str, ...]
    monthly_usd: Decimal


@dataclass(frozen=True)
class DatedMonths:
    """A workload's spend with each day at the prices in force that day, over a horizon whose
    prices change: ``run_monthly_usd`` is a month at the run date's prices (the plan's figures),
    ``changes`` each change within the horizon; ``start`` begins the most expensive 30 days starting
    within the horizon, which cost ``usd`` (what the budget is checked against)."""

    run_monthly_usd: Decimal
    changes: tuple[PriceChange, ...]
    start: date
    usd: Decimal

    @property
    def end(self) -> date:
        """The last day of the most expensive 30 days."""
        return self.start + timedelta(days=DAYS_PER_MONTH - 1)


def _monthly_by_model(demand: Demand, catalog: Catalog) -> tuple[Decimal, ...] | None:
    """A month of each routed model's share of ``demand`` at its prices in ``catalog`` (None: no
    spend projected)."""
    if not demand.spend_projected:
        return None
    threshold = catalog.long_context_threshold
    return tuple(
        _cost(demand, m, s, demand.profile_of(k), threshold).total_usd or ZERO for k, (m, s) in enumerate(demand.models)
    )


def dated_months(demand: Demand, catalog: Catalog, until: date) -> DatedMonths | None:
    """The spend of ``demand`` from the run date (``catalog.day``) with each day at its own prices,
    when the cost of a routed model's share changes in a 30-day month that starts within the
    horizon (on a day from the run date to ``until``, the horizon's last day); else None, as when
    no spend is projected: a month at the run date's prices is then every month. A from-date of a
    price line the workload does not use (Batch prices without a batch share) is no change."""
    day = catalog.day
    last_start = max(day, until)
    end = last_start + timedelta(days=DAYS_PER_MONTH)  # the day after the last day priced
    candidates = sorted({d for m, _ in demand.models for d in m.spec.price_change_days() if day < d < end})
    run = _monthly_by_model(demand, catalog)
    if not candidates or run is None:
        return None
    changes: list[PriceChange] = []
    before = run  # the prices hold between the from-dates: what each model cost the day before
    for d in candidates:
        on = catalog.on(d)
        moved = replace(demand, models=tuple((on.resolve(m.requested), s) for m, s in demand.models))
        now = _monthly_by_model(moved, on)
        assert now is not None
        models = tuple(
            dict.fromkeys(m.label for (m, _), a, b in zip(demand.models, now, before, strict=True) if a != b)
        )
        if models:
            changes.append(PriceChange(d, models, sum(now, ZERO)))
        before = now
    if not changes:
        return None
    # each day's month (the prices in force that day); the 30 days starting on each day from the
    # run date to the horizon's last day, the most expensive (the first of equals) checked
    base = sum(run, ZERO)
    monthly: list[Decimal] = []
    for i in range((end - day).days):
        d = day + timedelta(days=i)
        monthly.append(next((c.monthly_usd for c in reversed(changes) if c.day <= d), base))
    best, start = None, day
    for i in range((last_start - day).days + 1):
        total = sum(monthly[i : i + DAYS_PER_MONTH], ZERO) / DAYS_PER_MONTH
        if best is None or total > best:
            best, start = total, day + timedelta(days=i)
    assert best is not None
    return DatedMonths(base, tuple(changes), start, best)


def dated_notes(months: DatedMonths | None, budget_usd_per_month: Decimal | None) -> list[str]:
    """What a plan says of the price changes within its horizon, and of the 30 days its budget
    is checked against."""
    if months is None:
        return []
    notes = [
        f"prices change within the horizon: {', '.join(c.models)} from {c.day}: a month costs "
        f"${c.monthly_usd:,.2f} at the prices from then (${months.run_monthly_usd:,.2f} at the run date's)"
        for c in months.changes
    ]
    if budget_usd_per_month is not None:
        checked, _ = usd_apart(months.usd, budget_usd_per_month)
        notes.append(
            "budget checked against the most expensive 30 days starting within the horizon, each day at its "
            f"own prices: {checked} ({months.start} to {months.end})"
        )
    return notes


def usd_apart(value: Decimal, other: Decimal) -> tuple[str, str]:
    """``value`` and ``other`` as money in cents, or with the fewest places more (up to 12) at
    which they read apart when they differ: a spend over a budget never reads equal to it
    ("$84.000" and "$83.996", not "$84.00" twice)."""
    places = places_apart(value, other, least=2)
    if places == 2:
        return usd_cents(value), usd_cents(other)
    return usd(value, places), usd(other, places)


def usd_over(value: Decimal, limit: Decimal) -> tuple[str, str, str]:
    """``value``, ``limit`` (:func:`usd_apart`) and by how much ``value`` exceeds it, at places
    that show it (never "$0.00")."""
    a, b = usd_apart(value, limit)
    diff = value - limit
    return a, b, usd(diff, places_apart(diff, ZERO, least=max(2, len(a.rpartition(".")[2]))))


# --------------------------------------------------------------------------- the launch verdict


@dataclass(frozen=True)
class Verdict:
    """Whether a workload is within budget and fits its tier with the required headroom."""

    passed: bool
    reasons: tuple[str, ...]  # every reason it fails; empty when it passes
    #: the spend with each day at its own prices, when a price changes within the plan's horizon
    months: DatedMonths | None = None


def verdict(
    assessment: Assessment, tier: int, budget_usd_per_month: Decimal | None, months: DatedMonths | None = None
) -> Verdict:
    """The verdict on ``assessment`` at ``tier`` and the budget: checked against a month at the
    run date's prices, or, with ``months`` (prices that change within a plan's horizon), against
    its most expensive 30 days, each day at its own prices."""
    reasons: list[str] = []
    spend = assessment.monthly_spend_usd
    if budget_usd_per_month is not None and months is not None and months.usd > budget_usd_per_month:
        used, budget, by = usd_over(months.usd, budget_usd_per_month)
        reasons.append(
            f"over budget: the 30 days {months.start} to {months.end} cost {used}, each day at its "
            f"own prices, above the {budget} budget by {by}"
        )
    elif budget_usd_per_month is not None and months is None and spend is not None and spend > budget_usd_per_month:
        used, budget, by = usd_over(spend, budget_usd_per_month)
        reasons.append(f"over budget: projected {used}/month is above the {budget} budget by {by}")
    fit = assessment.tier(tier)
    if not fit.fits:
        lowest = assessment.lowest_tier
        hint = "no tier fits" if lowest is None else f"the lowest tier that fits is {lowest}"
        reasons.append(f"tier {tier} does not fit; {hint}")
        reasons += fit.reasons
    return Verdict(not reasons, tuple(reasons), months)
