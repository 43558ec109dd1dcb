"""Where will we end the month? Spend so far, run rate, month-end projection, crossing dates.

From the priced daily series of ``gpt41cost usage`` (UTC days). Rules, each stated in reports:

- The month is that of the last day with usage on or before the run date (``--as-of``, default
  today); days after it are left out. A month whose last day has passed is simply its total.
  Records without a timestamp are on no day: left out of it all, and the run rate's assumption
  says how many, with their spend (the run's total holds them). Records that start after the
  month's first day: the days before count as none in the spend so far, which that assumption says.
- Run rate: the mean daily traffic (tokens by kind: input, cached input and output, per model as
  the records name it and processing mode) over the last :data:`RUN_RATE_DAYS` calendar days
  ending on the last complete day with usage (a day without records in that window counts as
  none; fewer days when the records start later). It may reach into the previous month. The run
  date's own day is taken as not over (the default run date is today): when the records reach
  it, it is left out of the window (unless it is their only day), and the rest of it is projected
  per model as a day of the rate's traffic less the traffic logged that day so far, at the prices
  the rest of the day pays (none if more: a model's day past its rate is not set against the
  other models' rest). In dollars the rate is shown at its own days' prices (its mean spend) and,
  when prices move, at those of the first day projected.
- Projection: spend so far + the rest of the run date + each day left, the run rate's traffic at
  that day's prices (docs/accounting.md §1, dated prices: a record pays its own day's prices, and
  so does a day projected). On a day a model of the traffic is shut down, its traffic is priced at
  the substitute the catalog names still served that day (the substitute chain every report
  follows), else left out (no substitute in the catalog, or a fine-tuned model): never at a model
  not served; so is the rest of the run date, the model's day less its own traffic so far, both at
  the substitute's prices (none if more), and a model left out adds none of it. A
  warning names the model, its shutdown, the days, what the days priced at a substitute cost and
  what the days left out would add at its own prices. The range takes the traffic
  of the window's day that gives the lowest (the highest) month-end in the rate's place: the
  spread the month has shown, not a statistical interval.
- Crossing: the day the month's cumulative spend passed a limit (``--budget``, the tier's monthly
  usage cap with ``--tier``), or the day it will at the run rate (day by day, each at its prices),
  or none this month. When the records end before the run date, a day at the run rate may fall
  before the run date: it is what the rate gives after the last records (which may be missing
  since), not a day to come (the run date itself is: it is not over).
- Peak day per model, online (non-Batch) requests only: the day with the most tokens (input +
  output) for their per-minute average against the tier's TPM, the day with the most requests
  against its RPD; a tie goes to the earliest finished day (the run date, not over, wins only
  outright). Batch requests use the batch queue, not RPD/TPM. A day's average per minute hides its
  busiest minute: ``plan`` and ``limits`` check the minute peak with a peak factor.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from decimal import Decimal

from .catalog import Catalog, ResolvedModel, rates_for
from .cost import TokenUsage, cost_of
from .errors import InputParameterError, ParameterError, slot
from .numbers import check_budget  # where it lives since a usage run checks --budget without this module
from .report import counted, dates, n_requests
from .usage import (
    EPOCH,
    Accumulator,
    PricesOnDay,
    Resolver,
    UsageResult,
    date_of,
    priced_parts,
)

RUN_RATE_DAYS = 7
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Crossing:
    """When the month's spend passes ``limit_usd``: ``status`` is crossed, projected or not this month."""

    what: str
    limit_usd: Decimal
    status: str
    on: _dt.date | None


@dataclass(frozen=True)
class PeakDay:
    """A model's busiest days of the month (online requests), against its tier's limits: ``day``
    the one with the most tokens (for TPM), ``requests_day`` the one with the most requests (for
    RPD); a tie goes to a finished day, then the earliest (the run date, not over, only outright)."""

    model: str
    day: _dt.date  # the most tokens (input + output)
    tokens: int  # on ``day``
    requests_day: _dt.date  # the most requests
    requests: int  # on ``requests_day``
    rpd: int | None  # the tier's requests per day; None: no daily limit published
    tpm: int | None  # None without --tier

    @property
    def tokens_per_minute(self) -> Decimal:
        """The day's tokens per minute on average."""
        return Decimal(self.tokens) / MINUTES_PER_DAY

    @property
    def rpd_share(self) -> Decimal | None:
        return None if not self.rpd else Decimal(self.requests) / self.rpd

    @property
    def tpm_share(self) -> Decimal | None:
        return None if not self.tpm else self.tokens_per_minute / self.tpm

    @property
    def over(self) -> bool:
        return any(s is not None and s > 1 for s in (self.rpd_share, self.tpm_share))


@dataclass(frozen=True)
class Span:
    """Days in a row on which a shut-down model's traffic is taken alike: priced at ``served_by``'s
    prices (a substitute of the catalog), or left out (``served_by`` None); ``passed`` are the
    substitutes of its chain shut down by then, each with its shutdown date."""

    first_day: _dt.date
    last_day: _dt.date
    served_by: str | None
    passed: tuple[tuple[str, _dt.date], ...] = ()

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True)
class Shutdown:
    """A model of the run rate's traffic that is shut down on days projected (from its
    ``shutdown_on``): there its traffic is priced at the substitute the catalog names still served
    (``substitutes``, the chain on each day), or left out (``left_out_days``) when there is none.
    The days run from ``first_day``, the run date when it is one of them (``rest_of_run_date``: only
    the rest of it, its day less the model's traffic so far at the same prices, counts), to ``last_day``."""

    model: str
    shutdown_on: _dt.date
    inferred: bool  # the date is inferred (an alias dated as its snapshot)
    first_day: _dt.date
    last_day: _dt.date
    days: int  # the rest of the run date, when among them, counted as one
    substitutes: tuple[str, ...]
    left_out_days: int
    replacement: str | None  # OpenAI's, outside the catalog
    fine_tuned: bool
    usd: Decimal  # what the projection counts for its traffic on those days (the substitutes' prices)
    #: the left-out days at its own prices, as if it were still served: what they would add
    left_out_own_usd: Decimal
    #: the days priced at a substitute, at its own prices instead (``usd`` less this: the substitute's cost)
    substituted_own_usd: Decimal
    rest_of_run_date: bool = False
    spans: tuple[Span, ...] = ()

    @property
    def substituted_days(self) -> int:
        return self.days - self.left_out_days


@dataclass(frozen=True)
class Forecast:
    month: str  # YYYY-MM
    through: _dt.date  # the last day with usage
    month_end: _dt.date
    spent_usd: Decimal
    run_rate_usd: Decimal  # per day: the window's mean spend, at its own days' prices
    rate_from: _dt.date
    rate_days: int
    day_low_usd: Decimal  # the low day's traffic at the prices of ``start`` (the high day's below)
    day_high_usd: Decimal
    projected_usd: Decimal
    low_usd: Decimal
    high_usd: Decimal
    crossings: tuple[Crossing, ...]
    peaks: tuple[PeakDay, ...]
    tier: int | None
    daily: tuple[tuple[_dt.date, Decimal], ...]  # the month's days so far, with spend
    run_date: _dt.date | None = None  # the run's date (``--as-of``); after ``through``: no records since
    #: the run date's day, not over, when the records reach it: the rest of it at the run rate (per
    #: model, the rate's traffic less the day's so far, at the prices the rest pays, none if more);
    #: None when the records end before the run date
    rest_of_run_date_usd: Decimal | None = None
    #: the run rate's traffic at the prices of ``start``, the first day projected (the run date when
    #: the records reach it): what a day costs from there until a price changes
    start_rate_usd: Decimal | None = None
    start: _dt.date | None = None
    #: the window's days whose traffic gives the low and the high projection
    low_day: _dt.date | None = None
    high_day: _dt.date | None = None
    #: days after ``start`` on which the price of a projected model's traffic changes, with the model
    price_changes: tuple[tuple[_dt.date, str], ...] = ()
    #: models of the traffic shut down on days projected (the rest of the run date among them)
    shutdowns: tuple[Shutdown, ...] = ()
    #: of the run date's spend so far, that of models left out on it: not set against the rest of the day
    run_date_left_out_usd: Decimal = Decimal(0)
    #: requests without a timestamp (priced at the run date's prices), on no day: left out of the
    #: forecast, with their priced spend
    undated_requests: int = 0
    undated_usd: Decimal = Decimal(0)
    #: the first day with usage (dated, on or before the run date): after the month's first day, the
    #: days before it count as none in the spend so far (the records may start later than the traffic)
    records_from: _dt.date | None = None

    @property
    def prices_move(self) -> bool:
        """Whether the days projected pay other prices than the run rate's days did: a price change
        since the window or ahead, or a model shut down on days left."""
        if self.start_rate_usd is None:  # nothing left to project
            return False
        return self.start_rate_usd != self.run_rate_usd or bool(self.price_changes) or bool(self.shutdowns)

    @property
    def days_left(self) -> int:
        """Whole days after ``through`` to the month's end (the rest of the run date not among them)."""
        return (self.month_end - self.through).days

    @property
    def rate_to(self) -> _dt.date:
        """The last day of the run rate's window."""
        return self.rate_from + _dt.timedelta(days=self.rate_days - 1)

    @property
    def run_date_left_out(self) -> bool:
        """Whether the run date, not over, is left out of the run rate's window (the records reach
        it, and have complete days before it)."""
        return self.rest_of_run_date_usd is not None and self.rate_to < self.through

    @property
    def assumptions(self) -> tuple[tuple[str, str], ...]:
        rate = (
            f"mean daily traffic (tokens by kind, per model and processing mode) over the "
            f"{counted(self.rate_days, 'day')} {dates(self.rate_from, self.rate_to)}"
        )
        if self.rest_of_run_date_usd is not None:
            if self.run_date_left_out:
                rate += f", complete days: the run date {self.through} is not over and is left out"
            else:
                rate += ", the run date's part of a day alone (no complete day before it)"
        rest = (
            ""
            if self.rest_of_run_date_usd is None
            else f", and for the rest of the run date {self.through} less the day's traffic so far, per model "
            "(none if more)"
        )
        start = self.through.replace(day=1)
        late = (
            ""
            if self.records_from is None or self.records_from <= start
            else f"; the records start on {self.records_from}: the month's days before it ({start} to "
            f"{self.records_from - _dt.timedelta(days=1)}) count as none in the spend so far (no traffic then, or "
            "records missing: a log kept for fewer days, a later --since)"
        )
        are = "is" if self.undated_requests == 1 else "are"
        undated = (
            ""
            if not self.undated_requests
            else f"; {n_requests(self.undated_requests)} without a timestamp (${_plain_usd(self.undated_usd)} at the "
            f"run date's prices) {are} on no day: left out of the spend so far, the rate and the projection"
        )
        return (
            (
                "run rate",
                rate
                + " (days without records count as none); in dollars, its mean spend at those days' own prices"
                + late
                + undated,
            ),
            (
                "projected prices",
                "each day left pays its own day's prices for the run rate's traffic (a record pays its own "
                "day's prices); a model shut down on a day left (or on the run date, for the rest of it): its "
                "traffic at the substitute this catalog names still served that day, else left out, its spend "
                "so far on the run date not set against the rest of the others' (a warning names the model, its "
                "shutdown and the days)",
            ),
            (
                "forecast range",
                f"the traffic of the day of the same days that gives the lowest (highest) month-end, "
                f"for every day left{rest}",
            ),
            (
                "peak day",
                "online requests only (Batch uses its queue): the day with the most tokens against TPM, the day "
                "with the most requests against RPD, a tie to the earliest finished day; tokens per minute are the "
                "day's average",
            ),
        )


def _plain_usd(usd: Decimal) -> str:
    """Exact dollars without trailing zeros or an exponent (rounding is the views' to do)."""
    text = format(usd, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(key: str) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(key)
    except ValueError:
        return None  # "unknown": records without a timestamp


def _month_end(day: _dt.date) -> _dt.date:
    first_next = (day.replace(day=28) + _dt.timedelta(days=4)).replace(day=1)
    return first_next - _dt.timedelta(days=1)


def _crossing(
    what: str,
    limit: Decimal,
    f_daily: list[tuple[_dt.date, Decimal]],
    spent: Decimal,
    rest: Decimal | None,
    through: _dt.date,
    ahead: list[tuple[_dt.date, Decimal]],
) -> Crossing:
    """Where the month's spend passes ``limit``: on a day so far, on the run date (its ``rest``,
    not over), or on a day ``ahead`` (each with its projected spend), else not this month."""
    running = Decimal(0)
    for day, usd in f_daily:
        running += usd
        if running >= limit:
            return Crossing(what, limit, "crossed", day)
    running = spent + (rest or Decimal(0))
    if rest is not None and running >= limit:  # the rest of the run date, not over
        return Crossing(what, limit, "projected", through)
    for day, usd in ahead:
        running += usd
        if running >= limit:
            return Crossing(what, limit, "projected", day)
    return Crossing(what, limit, "not this month", None)


def _traffic(
    acc: Accumulator, resolve: Resolver, lo: int, hi: int
) -> tuple[dict[int, dict[tuple[str, str], list[int]]], dict[str, ResolvedModel]]:
    """The priced traffic of day numbers ``lo`` to ``hi``, as :func:`~gpt41cost.usage.summarize`
    prices it: day -> (model as given, processing mode) -> [input, cached, output] tokens; and each
    model as resolved, at the mode it is priced at (:func:`~gpt41cost.usage.priced_parts`). Unpriced
    traffic (a model the catalog does not price) is left out, as its spend is."""
    days: dict[int, dict[tuple[str, str], list[int]]] = {}
    models: dict[str, ResolvedModel] = {}
    for key, resolved, mode, _long, _ft, _n, i, c, o in priced_parts(acc, resolve):
        day = key[3]
        if day is None or not lo <= day <= hi or isinstance(resolved, str):
            continue
        models[resolved.requested] = resolved
        sums = days.setdefault(day, {}).setdefault((resolved.requested, mode), [0, 0, 0])
        sums[0] += i
        sums[1] += c
        sums[2] += o
    return days, models


class _Pricer:
    """Prices a day's traffic at that day's prices (docs/accounting.md §1, dated prices), a model
    shut down on the day at the substitute the catalog names still served that day (the chain
    every report follows), or not at all when there is none: each such (model, day) is noted."""

    def __init__(self, catalog: Catalog, models: dict[str, ResolvedModel]) -> None:
        self.catalog = catalog
        self.models = models
        self.on_day = PricesOnDay(catalog)
        self.served_cache: dict[tuple[str, _dt.date], tuple[ResolvedModel | None, tuple[tuple[str, _dt.date], ...]]]
        self.served_cache = {}

    def served(self, name: str, day: _dt.date) -> ResolvedModel | None:
        """What serves ``name``'s traffic on ``day``: itself, its substitute, or None (none)."""
        return self.chain(name, day)[0]

    def chain(self, name: str, day: _dt.date) -> tuple[ResolvedModel | None, tuple[tuple[str, _dt.date], ...]]:
        """:meth:`served`, with the substitutes passed over as shut down by ``day`` (each with its date)."""
        model = self.models[name]
        shutdown = model.lifecycle.shutdown_on
        if shutdown is None or day < shutdown:
            return model, ()
        key = (name, day)
        if key not in self.served_cache:
            if model.fine_tuned:  # its training does not carry over to another model: no substitute
                self.served_cache[key] = None, ()
            else:
                life = self.catalog.on(day).resolve(name).lifecycle
                sub = life.live_substitute
                self.served_cache[key] = (None if sub is None else self.catalog.resolve(sub)), life.gone
        return self.served_cache[key]

    def cost(self, traffic: dict[tuple[str, str], list[int]], day: _dt.date, per: int = 1) -> Decimal:
        """``traffic`` (tokens over ``per`` days) as one day on ``day``, at that day's prices."""
        total = Decimal(0)
        for (name, mode), (i, c, o) in traffic.items():
            model = self.served(name, day)
            if model is not None:
                total += self.at(model, (name, mode), [i, c, o], day)
        return total / per

    def rest(
        self,
        traffic: dict[tuple[str, str], list[int]],
        per: int,
        logged: dict[tuple[str, str], list[int]],
        day: _dt.date,
        *,
        own: bool = False,
    ) -> dict[str, Decimal]:
        """The rest of ``day``, not over, per model as given: a day of ``traffic`` (tokens over ``per``
        days) less the traffic ``logged`` that day so far, both at the prices the rest of the day pays
        (the substitute's for a model shut down; ``own``: the model's own instead), none if more. A
        model not served that day (no substitute) has none. The logged traffic is priced again, not
        taken as its spend: that paid the model's own prices, not its substitute's."""
        out: dict[str, Decimal] = {}
        for name in dict.fromkeys(n for n, _ in traffic):
            model = self.models[name] if own else self.served(name, day)
            if model is None:
                out[name] = Decimal(0)
                continue
            rate = sum((self.at(model, k, t, day) for k, t in traffic.items() if k[0] == name), Decimal(0))
            so_far = sum((self.at(model, k, t, day) for k, t in logged.items() if k[0] == name), Decimal(0))
            out[name] = max(rate / per - so_far, Decimal(0))
        return out

    def at(self, model: ResolvedModel, kind: tuple[str, str], tokens: list[int], day: _dt.date) -> Decimal:
        """``tokens`` of ``kind`` (model as given, mode) on ``model`` at its prices of ``day``."""
        dated = self.on_day(model, (day - EPOCH).days)
        return cost_of(TokenUsage(tokens[0], tokens[1], tokens[2]), rates_for(dated, kind[1])).total_usd


def _sum_traffic(days: list[dict[tuple[str, str], list[int]]]) -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = {}
    for traffic in days:
        for kind, tokens in traffic.items():
            sums = out.setdefault(kind, [0, 0, 0])
            for k in range(3):
                sums[k] += tokens[k]
    return out


def forecast(
    result: UsageResult,
    acc: Accumulator,
    catalog: Catalog,
    *,
    run_date: _dt.date,
    budget: Decimal | None = None,
    tier: int | None = None,
) -> Forecast:
    """Project the month of the last usage day on or before ``run_date`` to its end."""
    # priced spend per day: a day whose every request is unpriced (cost unknown, listed and warned
    # about) adds none, as the run's total does not
    series = {
        d: line.cost_usd or Decimal(0) for line in result.by_day if (d := _date(line.key)) is not None and d <= run_date
    }
    # records without a timestamp are on no day of the month: left out, and said so (their spend is
    # in the run's total, priced at the run date's prices)
    undated = [line for line in result.by_day if _date(line.key) is None]
    if not series:
        why = f"no usage with a date on or before {run_date}; nothing to project from"
        raise InputParameterError(f"{slot('forecast')}: " + why)
    if tier is not None and tier not in catalog.tiers:
        why = f"{tier}: not a usage tier; tiers are {', '.join(map(str, catalog.tiers))}"
        raise ParameterError(f"{slot('tier')} " + why)
    through = max(series)
    first_day = min(series)
    month_start = through.replace(day=1)
    month_end = _month_end(through)
    # the run date's day is not over (today's, by default): out of the rate's window, unless it is all there is
    partial = through == run_date
    rate_to = through - _dt.timedelta(days=1) if partial and first_day < through else through
    rate_from = max(rate_to - _dt.timedelta(days=RUN_RATE_DAYS - 1), first_day)
    window_days = _days(rate_from, rate_to)
    window = [series.get(d, Decimal(0)) for d in window_days]
    rate = sum(window, Decimal(0)) / len(window)
    month_days = _days(month_start, through)
    daily = [(d, series.get(d, Decimal(0))) for d in month_days]
    spent = sum((usd for _, usd in daily), Decimal(0))

    # the traffic is projected, not the dollars: each day left pays its own day's prices
    resolve = Resolver(catalog)  # one resolution of each name, as usage's: for the traffic and the peaks
    by_day, models = _traffic(acc, resolve, (rate_from - EPOCH).days, (through - EPOCH).days)
    day_traffic = [by_day.get((d - EPOCH).days, {}) for d in window_days]
    mean = _sum_traffic(day_traffic)
    pricer = _Pricer(catalog, models)
    ahead = _days(through + _dt.timedelta(days=1), month_end)
    start = through if partial else through + _dt.timedelta(days=1)  # the first day projected
    projected = partial or bool(ahead)  # else the month is over: its spend is its total
    # the run date's traffic so far: the rest of the day is the rate's traffic less it, per model, both
    # at the prices the rest pays (a substitute's, for a model shut down), not the rate less the
    # day's spend, which paid the model's own prices (review 16c)
    logged = by_day.get((through - EPOCH).days, {}) if partial else {}
    # of the run date's spend so far (usage's, at the models' own prices), that of models left out on
    # it (shut down, no substitute): said beside the rest of the day, which has none of their traffic
    left_out_so_far = sum(
        (pricer.at(models[k[0]], k, t, through) for k, t in logged.items() if pricer.served(k[0], through) is None),
        Decimal(0),
    )

    def project(traffic: dict[tuple[str, str], list[int]], per: int) -> tuple[Decimal | None, list[Decimal], Decimal]:
        """At ``traffic`` (over ``per`` days): the rest of the run date (None: the records end before
        it), each day left, and the two together (divided once: as the rate x days when prices hold)."""
        rest = sum(pricer.rest(traffic, per, logged, through).values(), Decimal(0)) if partial else None
        whole = [pricer.cost(traffic, d) for d in ahead]
        return rest, [usd / per for usd in whole], (rest or Decimal(0)) + sum(whole, Decimal(0)) / per

    rest, days, ahead_usd = project(mean, len(window))
    totals = [project(t, 1)[2] for t in day_traffic]
    # the range: the window's day whose traffic gives the least (the most), the earliest on a tie
    lo_i = min(range(len(totals)), key=lambda k: (totals[k], k))
    hi_i = max(range(len(totals)), key=lambda k: (totals[k], -k))

    crossings = []
    limits = [("budget", budget)] if budget is not None else []
    if tier is not None:
        limits.append((f"tier {tier} monthly usage cap", catalog.tiers[tier].monthly_usage_cap_usd))
    for what, limit in limits:
        crossings.append(_crossing(what, limit, daily, spent, rest, through, list(zip(ahead, days, strict=True))))
    return Forecast(
        month=f"{through:%Y-%m}",
        through=through,
        month_end=month_end,
        spent_usd=spent,
        run_rate_usd=rate,
        rate_from=rate_from,
        rate_days=len(window),
        day_low_usd=pricer.cost(day_traffic[lo_i], start if projected else through),
        day_high_usd=pricer.cost(day_traffic[hi_i], start if projected else through),
        projected_usd=spent + ahead_usd,
        low_usd=spent + totals[lo_i],
        high_usd=spent + totals[hi_i],
        crossings=tuple(crossings),
        peaks=_peaks(acc, resolve, month_start, through, tier, through if partial else None),
        tier=tier,
        daily=tuple(daily),
        run_date=run_date,
        rest_of_run_date_usd=rest,
        start_rate_usd=pricer.cost(mean, start, len(window)) if projected else None,
        start=start if projected else None,
        low_day=window_days[lo_i],
        high_day=window_days[hi_i],
        price_changes=_price_changes(pricer, mean, start, month_end),
        shutdowns=_shutdowns(pricer, mean, len(window), ahead, through if partial else None, logged),
        run_date_left_out_usd=left_out_so_far,
        undated_requests=sum(line.requests for line in undated),
        undated_usd=sum((line.cost_usd or Decimal(0) for line in undated), Decimal(0)),
        records_from=first_day,
    )


def _price_changes(
    pricer: _Pricer, traffic: dict[tuple[str, str], list[int]], start: _dt.date, end: _dt.date
) -> tuple[tuple[_dt.date, str], ...]:
    """The days after ``start`` to ``end`` on which the price of a model's projected traffic
    changes (not the day a shutdown moves it: :class:`Shutdown` says that), with the model serving it."""
    owns: dict[str, dict[tuple[str, str], list[int]]] = {}
    for kind, tokens in traffic.items():
        owns.setdefault(kind[0], {})[kind] = tokens
    names = sorted(owns)

    def priced(name: str, day: _dt.date) -> tuple[str, Decimal] | None:
        """The model serving ``name``'s traffic on ``day``, and what the traffic costs there; None: none serves it."""
        served = pricer.served(name, day)
        return None if served is None else (served.spec.name, pricer.cost(owns[name], day))

    out = []
    days = _days(start, end)
    was = {name: priced(name, start) for name in names} if len(days) > 1 else {}  # each day priced once
    for day in days[1:]:
        for name in names:
            now = priced(name, day)
            before = was[name]
            if now is not None and before is not None and now[0] == before[0] and now[1] != before[1]:
                out.append((day, now[0]))
            was[name] = now
    return tuple(dict.fromkeys(out))


def _days(first: _dt.date, last: _dt.date) -> list[_dt.date]:
    return [first + _dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _shutdowns(
    pricer: _Pricer,
    traffic: dict[tuple[str, str], list[int]],
    per: int,
    ahead: list[_dt.date],
    run_day: _dt.date | None,
    logged: dict[tuple[str, str], list[int]],
) -> tuple[Shutdown, ...]:
    """Each model of the projected traffic (over ``per`` days) shut down on some of the days
    projected: the rest of the run date (``run_day``; None when the records end before it) and the
    whole days ``ahead``. On those its traffic is priced at its substitute's prices, or left out
    when it has none; on the run date, its day less its own traffic so far (``logged``), both at
    the same prices, none if more, as the projection takes the rest of it (:meth:`_Pricer.rest`)."""
    out = []
    days = ([] if run_day is None else [run_day]) + ahead
    for name in sorted({n for n, _ in traffic}):
        model = pricer.models[name]
        life = model.lifecycle
        gone = [d for d in days if life.shutdown_on is not None and d >= life.shutdown_on]
        if not gone:
            continue
        own = {kind: tokens for kind, tokens in traffic.items() if kind[0] == name}
        # [served, own prices] x [substituted, left out]: the whole days summed, divided once
        whole = {True: [Decimal(0), Decimal(0)], False: [Decimal(0), Decimal(0)]}
        rest = {True: [Decimal(0), Decimal(0)], False: [Decimal(0), Decimal(0)]}
        spans: list[Span] = []
        for d in gone:
            served, passed = pricer.chain(name, d)
            if d == run_day:  # its rest: the day less the model's traffic so far, at each side's prices
                sums = rest[served is not None]
                sums[0] += pricer.rest(own, per, logged, d)[name]
                sums[1] += pricer.rest(own, per, logged, d, own=True)[name]
            else:
                sums = whole[served is not None]
                sums[0] += Decimal(0) if served is None else pricer.cost(own, d)
                sums[1] += sum((pricer.at(model, kind, t, d) for kind, t in own.items()), Decimal(0))
            label = None if served is None else served.label
            if spans and (spans[-1].served_by, spans[-1].passed) == (label, passed):
                spans[-1] = replace(spans[-1], last_day=d)
            else:
                spans.append(Span(d, d, label, passed))
        out.append(
            Shutdown(
                model=model.label,
                shutdown_on=life.shutdown_on,  # type: ignore[arg-type]
                inferred=life.inferred,
                first_day=gone[0],
                last_day=gone[-1],
                days=len(gone),
                substitutes=tuple(dict.fromkeys(sp.served_by for sp in spans if sp.served_by is not None)),
                left_out_days=sum(sp.days for sp in spans if sp.served_by is None),
                replacement=life.replacement,
                fine_tuned=model.fine_tuned,
                usd=rest[True][0] + whole[True][0] / per,
                left_out_own_usd=rest[False][1] + whole[False][1] / per,
                substituted_own_usd=rest[True][1] + whole[True][1] / per,
                rest_of_run_date=gone[0] == run_day,
                spans=tuple(spans),
            )
        )
    return tuple(out)


def _peaks(
    acc: Accumulator,
    resolve: Resolver,
    start: _dt.date,
    end: _dt.date,
    tier: int | None,
    unfinished: _dt.date | None,
) -> tuple[PeakDay, ...]:
    """Each model's busiest day by tokens (for TPM) and by requests (for RPD), online only: ties go
    to a finished day, then the earliest; ``unfinished`` (the run date, not over) wins only outright.
    A model ``resolve`` cannot price (a str: usage's :class:`~gpt41cost.usage.Resolver`) has none."""
    lo, hi = (start - EPOCH).days, (end - EPOCH).days
    open_day = None if unfinished is None else (unfinished - EPOCH).days
    per: dict[str, dict[int, list[int]]] = {}
    for (model, batch, _tier, day, *_), (n, i, _c, o) in acc.groups.items():
        if batch or day is None or not lo <= day <= hi:
            continue
        resolved = resolve(model)
        if isinstance(resolved, str):
            continue
        base = resolved.spec.name
        row = per.setdefault(base, {}).setdefault(day, [0, 0])
        row[0] += n
        row[1] += i + o
    out = []
    for base in sorted(per):
        days = per[base]

        def busiest(k: int, days: dict[int, list[int]] = days) -> int:
            return max(days, key=lambda d: (days[d][k], d != open_day, -d))

        t_day, r_day = busiest(1), busiest(0)
        limits = resolve.catalog.models[base].limits[tier].standard if tier is not None else None
        out.append(
            PeakDay(
                base,
                date_of(t_day),
                days[t_day][1],
                date_of(r_day),
                days[r_day][0],
                None if limits is None else limits.rpd,
                None if limits is None else limits.tpm,
            )
        )
    return tuple(out)


__all__ = ["RUN_RATE_DAYS", "Crossing", "Forecast", "PeakDay", "Shutdown", "Span", "check_budget", "forecast"]
