"""Where will we end the month? Spend so far, run rate, month-end projection, crossing dates.

From the priced daily series of ``gpt41cost usage`` (UTC days). Rules, each stated in reports:

- The month is that of the last day with usage on or before the run date (``--as-of``, default
  today); days after it are left out. A month whose last day has passed is simply its total.
- Run rate: the mean daily spend over the last :data:`RUN_RATE_DAYS` calendar days ending on the
  last complete day with usage (a day without records in that window counts as $0; fewer days
  when the records start later). It may reach into the previous month. The run date's own day is
  taken as not over (the default run date is today): when the records reach it, it is left out of
  the window (unless it is their only day), and the rest of it is projected as the rate less
  what it has spent so far (none if more).
- Projection: spend so far + the rest of the run date + run rate x days left. The range takes
  the lowest and the highest day of the same window as the rate in its place: the spread the
  month has shown, not a statistical interval.
- Crossing: the day the month's cumulative spend passed a limit (``--budget``, the tier's monthly
  usage cap with ``--tier``), or the day it will at the run rate, or none this month. When the
  records end before the run date, a day at the run rate may fall before the run date: it is
  what the rate gives after the last records (which may be missing since), not a day to come.
- Peak day per model: the day with the most online (non-Batch) requests, its requests against
  the tier's RPD and its tokens (input + output) per minute on average against the tier's TPM.
  Batch requests use the batch queue, not RPD/TPM. A day's average per minute hides its busiest
  minute: ``plan`` and ``limits`` check the minute peak with a peak factor.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from .catalog import Catalog
from .errors import InputParameterError, ParameterError, UnknownModelError
from .numbers import check_budget  # where it lives since a usage run checks --budget without this module
from .usage import EPOCH, Accumulator, UsageResult, date_of

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
    """A model's busiest day of the month (online requests), against its tier's limits."""

    model: str
    day: _dt.date
    requests: int
    tokens: int
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
class Forecast:
    month: str  # YYYY-MM
    through: _dt.date  # the last day with usage
    month_end: _dt.date
    spent_usd: Decimal
    run_rate_usd: Decimal  # per day
    rate_from: _dt.date
    rate_days: int
    day_low_usd: Decimal
    day_high_usd: Decimal
    projected_usd: Decimal
    low_usd: Decimal
    high_usd: Decimal
    crossings: tuple[Crossing, ...]
    peaks: tuple[PeakDay, ...]
    tier: int | None
    daily: tuple[tuple[_dt.date, Decimal], ...]  # the month's days so far, with spend
    run_date: _dt.date | None = None  # the run's date (``--as-of``); after ``through``: no records since
    #: the run date's day, not over, when the records reach it: the rest of it at the run rate (the rate
    #: less its spend so far, none if more); None when the records end before the run date
    rest_of_run_date_usd: Decimal | None = None

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
        rate = f"mean daily spend over the {self.rate_days} day(s) {self.rate_from} to {self.rate_to}"
        if self.rest_of_run_date_usd is not None:
            if self.run_date_left_out:
                rate += f", complete days: the run date {self.through} is not over and is left out"
            else:
                rate += ", the run date's part of a day alone (no complete day before it)"
        rest = (
            ""
            if self.rest_of_run_date_usd is None
            else f", and for the rest of the run date {self.through} less its spend so far (none if more)"
        )
        return (
            ("run rate", rate + " (days without records count as $0)"),
            ("forecast range", f"the lowest and highest day of the same days, for every day left{rest}"),
            ("peak day", "online requests only (Batch uses its queue); tokens per minute are the day's average"),
        )


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
    rate: Decimal,
    through: _dt.date,
    month_end: _dt.date,
    rest: Decimal,
) -> Crossing:
    running = Decimal(0)
    for day, usd in f_daily:
        running += usd
        if running >= limit:
            return Crossing(what, limit, "crossed", day)
    if spent + rest >= limit:  # the rest of the run date, not over
        return Crossing(what, limit, "projected", through)
    if rate > 0:
        days = int(((limit - spent - rest) / rate).to_integral_value(rounding=ROUND_CEILING))
        on = through + _dt.timedelta(days=days)
        if on <= month_end:
            return Crossing(what, limit, "projected", on)
    return Crossing(what, limit, "not this month", None)


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
    if not series:
        why = f"no usage with a date on or before {run_date}; nothing to project from"
        raise InputParameterError("{forecast}: " + why, "forecast")
    if tier is not None and tier not in catalog.tiers:
        why = f"{tier}: not a usage tier; tiers are {', '.join(map(str, catalog.tiers))}"
        raise ParameterError("{tier} " + why, "tier")
    through = max(series)
    first_day = min(series)
    month_start = through.replace(day=1)
    month_end = _month_end(through)
    # the run date's day is not over (today's, by default): out of the rate's window, unless it is all there is
    partial = through == run_date
    rate_to = through - _dt.timedelta(days=1) if partial and first_day < through else through
    rate_from = max(rate_to - _dt.timedelta(days=RUN_RATE_DAYS - 1), first_day)
    window = [series.get(rate_from + _dt.timedelta(days=i), Decimal(0)) for i in range((rate_to - rate_from).days + 1)]
    rate, low, high = sum(window, Decimal(0)) / len(window), min(window), max(window)
    month_days = [(month_start + _dt.timedelta(days=i)) for i in range((through - month_start).days + 1)]
    daily = [(d, series.get(d, Decimal(0))) for d in month_days]
    spent = sum((usd for _, usd in daily), Decimal(0))
    left = (month_end - through).days
    so_far = series[through]

    def rest(day_usd: Decimal) -> Decimal:
        """The rest of the run date, when the records reach it: a day at ``day_usd`` less its spend so far."""
        return max(day_usd - so_far, Decimal(0)) if partial else Decimal(0)

    at_rate = rest(rate)
    crossings = []
    limits = [("budget", budget)] if budget is not None else []
    if tier is not None:
        limits.append((f"tier {tier} monthly usage cap", catalog.tiers[tier].monthly_usage_cap_usd))
    for what, limit in limits:
        crossings.append(_crossing(what, limit, daily, spent, rate, through, month_end, at_rate))
    return Forecast(
        month=f"{through:%Y-%m}",
        through=through,
        month_end=month_end,
        spent_usd=spent,
        run_rate_usd=rate,
        rate_from=rate_from,
        rate_days=len(window),
        day_low_usd=low,
        day_high_usd=high,
        projected_usd=spent + at_rate + rate * left,
        low_usd=spent + rest(low) + low * left,
        high_usd=spent + rest(high) + high * left,
        crossings=tuple(crossings),
        peaks=_peaks(acc, catalog, month_start, through, tier),
        tier=tier,
        daily=tuple(daily),
        run_date=run_date,
        rest_of_run_date_usd=at_rate if partial else None,
    )


def _peaks(acc: Accumulator, catalog: Catalog, start: _dt.date, end: _dt.date, tier: int | None) -> tuple[PeakDay, ...]:
    lo, hi = (start - EPOCH).days, (end - EPOCH).days
    per: dict[str, dict[int, list[int]]] = {}
    names: dict[str | None, str | None] = {}
    for (model, batch, _tier, day, *_), (n, i, _c, o) in acc.groups.items():
        if batch or day is None or not lo <= day <= hi:
            continue
        if model not in names:
            try:
                names[model] = None if not model else catalog.resolve(model).spec.name
            except UnknownModelError:
                names[model] = None
        base = names[model]
        if base is None:
            continue
        row = per.setdefault(base, {}).setdefault(day, [0, 0])
        row[0] += n
        row[1] += i + o
    out = []
    for base in sorted(per):
        day, (n, tokens) = max(per[base].items(), key=lambda kv: (kv[1][0], kv[0]))
        limits = catalog.models[base].limits[tier].standard if tier is not None else None
        out.append(
            PeakDay(
                base,
                date_of(day),
                n,
                tokens,
                None if limits is None else limits.rpd,
                None if limits is None else limits.tpm,
            )
        )
    return tuple(out)


__all__ = ["RUN_RATE_DAYS", "Crossing", "Forecast", "PeakDay", "check_budget", "forecast"]
