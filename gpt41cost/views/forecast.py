"""The forecast (``usage --forecast``) as tables, notes and JSON, added to the usage report."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from ..forecast import Crossing, Forecast, Shutdown, Span
from ..report import Cell, Pct, Shown, Table, Usd, counted, dates, money_str, usd_cents, usd_given
from .usage import mean_shown, ratio_str, snake

_NUMERIC = frozenset({"value", "requests", "RPD", "tokens", "tokens/min (day avg)", "TPM", "of RPD", "of TPM"})


def _crossing_text(c: Crossing, f: Forecast) -> str:
    if c.status == "crossed":
        return f"crossed on {c.on}"
    if c.status == "projected":
        if c.on is not None and f.run_date is not None and f.through < f.run_date:
            # a day already past: what the rate gives after the last records, not a day to come;
            # the run date itself is not over (today's, by default): it crosses then
            if c.on < f.run_date:
                return f"at the run rate, would have crossed on {c.on} (no records after {f.through})"
            if c.on == f.run_date:
                return f"at the run rate, crosses on {c.on}, the run date (no records after {f.through})"
        return f"at the run rate, crosses on {c.on}"
    return "not this month at the run rate"


def _gap_note(f: Forecast) -> str | None:
    """Records that end before the run date (or the month's end, if that came first)."""
    if f.run_date is None or f.run_date <= f.through:
        return None
    if f.run_date <= f.month_end:
        last, what = f.run_date, f"the run date ({f.run_date})"
    else:
        last, what = f.month_end, f"the month's end ({f.month_end}; the run date is {f.run_date})"
    days = (last - f.through).days
    if days <= 0:
        return None
    return (
        f"The records end on {f.through}, {counted(days, 'day')} before {what}: the forecast runs from {f.through}, "
        "as if the days since were still to come (their records missing, or no traffic); "
        f"give their records for a forecast as of {last}."
    )


def _span_days(sp: Span, s: Shutdown) -> str:
    """A span's days in words: the rest of the run date marked as such."""
    first = f"the rest of {sp.first_day}" if s.rest_of_run_date and sp.first_day == s.first_day else f"{sp.first_day}"
    return first if sp.days == 1 else f"{first} to {sp.last_day}"


def _passed(sp: Span, run: _dt.date) -> str:
    """The substitutes of the chain shut down by the span's days, each with its date, or ''."""
    return ", ".join(f"{name} {'shut down' if on <= run else 'shuts down'} on {on}" for name, on in sp.passed)


def _served_words(s: Shutdown, run: _dt.date) -> str:
    """The substitutes' prices, each with its days when there are more than one, and each model of
    the chain passed over with its shutdown date (docs/accounting.md §1, substitute chain)."""
    subs = [sp for sp in s.spans if sp.served_by is not None]
    parts = []
    for k, sp in enumerate(subs):
        note = "the substitute in this catalog" if len(subs) == 1 else _span_days(sp, s)
        if sp.passed:
            note += f": {_passed(sp, run)} too"
        parts.append(f"{sp.served_by}'s prices ({note})" if k == 0 else f"then {sp.served_by}'s ({note})")
    return ", ".join(parts)


def _why_left_out(s: Shutdown, run: _dt.date) -> str:
    if s.fine_tuned:
        return "a fine-tuned model has no substitute: its training does not carry over"
    sp = next(sp for sp in s.spans if sp.served_by is None)
    if sp.passed:
        what = f"OpenAI recommends {s.replacement}, outside this catalog" if s.replacement else "no other is served"
        return f"its substitute {_passed(sp, run)} too; {what}"
    if s.replacement:
        return f"no substitute in this catalog: OpenAI recommends {s.replacement}, outside it"
    return "no substitute in this catalog"


def _shutdown_words(s: Shutdown, run: _dt.date) -> tuple[str, str]:
    """How the projection takes a model shut down on days projected: (in short, in full) at its
    substitute's prices, or its traffic left out (a fine-tuned model, or none in the catalog), or
    some days each; the left-out days with what they would add at its own prices."""
    if not s.left_out_days:
        short = f"at {_served_words(s, run)}: {usd_cents(s.usd)}"
        return short, f"is priced {short}"
    why = _why_left_out(s, run)
    if not s.substituted_days:
        short = f"left out ({why})"
        return short, f"is left out ({why}); at its own prices it would add {usd_cents(s.left_out_own_usd)}"
    left = ", ".join(_span_days(sp, s) for sp in s.spans if sp.served_by is None)
    other = ", ".join(_span_days(sp, s) for sp in s.spans if sp.served_by is not None)
    short = (
        f"left out on {s.left_out_days} of them ({why}); the other {s.substituted_days} at "
        f"{_served_words(s, run)}: {usd_cents(s.usd)}"
    )
    full = (
        f"is left out on {s.left_out_days} of them, {left} ({why}): at its own prices they would add "
        f"{usd_cents(s.left_out_own_usd)}; the other {s.substituted_days}, {other}, are priced at "
        f"{_served_words(s, run)}: {usd_cents(s.usd)}"
    )
    return short, full


def _days_words(s: Shutdown) -> str:
    """The days projected a shutdown covers: the rest of the run date, when among them, and the days after."""
    if not s.rest_of_run_date:
        span = f"from {s.first_day} to {s.last_day}" if s.days > 1 else f"({s.first_day})"
        return f"the {counted(s.days, 'day')} left {span}"
    rest = f"the rest of {s.first_day} (the run date, not over)"
    return rest if s.days == 1 else f"{rest} and the {counted(s.days - 1, 'day')} after it to {s.last_day}"


def shutdown_note(s: Shutdown, f: Forecast) -> str:
    """The warning for a model of the projected traffic shut down on days projected."""
    run = f.run_date or f.through
    verb = "shut down on" if s.shutdown_on <= run else "shuts down on"
    inferred = " (inferred from its snapshot)" if s.inferred else ""
    return (
        f"Forecast: {s.model} {verb} {s.shutdown_on}{inferred}: its traffic on {_days_words(s)} "
        f"{_shutdown_words(s, run)[1]}."
    )


def forecast_tables(f: Forecast) -> list[Table]:
    month_start = f.daily[0][0]
    moved = f.prices_move
    at_own = ", at those days' prices" if moved else ""
    # a row: figure, value, and the status CSV adds (a crossing's: crossed or projected)
    rows: list[list[Cell]] = []

    def row(figure: str, value: Cell, status: str | None = None) -> None:
        rows.append([figure, value, status])

    row(f"spent so far ({dates(month_start, f.through)})", Usd(f.spent_usd))
    row(
        f"run rate per day (mean of {counted(f.rate_days, 'day')}, {dates(f.rate_from, f.rate_to)}{at_own})",
        Shown(f"{usd_cents(f.run_rate_usd)}/day", f.run_rate_usd),
    )
    if moved and f.start_rate_usd is not None:
        row(
            f"run rate at {f.start}'s prices (the same traffic, the first day projected)",
            Shown(f"{usd_cents(f.start_rate_usd)}/day", f.start_rate_usd),
        )
    if f.rest_of_run_date_usd is not None:
        so_far = f.daily[-1][1] - f.run_date_left_out_usd
        left = (
            f", not the {usd_cents(f.run_date_left_out_usd)} of the traffic left out that day"
            if f.run_date_left_out_usd
            else ""
        )
        rate = "a day at its prices" if moved else "the rate"
        whole = f.start_rate_usd if f.start_rate_usd is not None else f.run_rate_usd
        if f.rest_of_run_date_usd == max(whole - so_far, Decimal(0)):
            how = f"{rate} less its {usd_cents(so_far)} so far{left}"
        else:
            # the rest is the traffic less the traffic, per model: a model shut down paid its own prices so
            # far and its substitute's for the rest; one past its rate takes nothing off the others'
            how = f"per model, a day of the rate's traffic less the day's so far, at the prices the rest pays{left}"
        row(f"rest of {f.through} (not over: {how})", Usd(f.rest_of_run_date_usd))
    row(f"days left (to {f.month_end})", f.days_left)
    for day, model in f.price_changes:
        row(f"{model} prices change", Shown(day.isoformat(), day.isoformat()))
    for s in f.shutdowns:
        left = counted(s.days, "day")
        if s.rest_of_run_date:  # the run date's rest, and the whole days after it if any
            left = f"the rest of {s.first_day}" + (f" and {counted(s.days - 1, 'day')}" if s.days > 1 else "")
        row(
            f"{s.model} shut down from {s.shutdown_on} ({left} left)",
            Shown(_shutdown_words(s, f.run_date or f.through)[0], s.usd),
        )
    row("projected month-end" + (" (each day left at its own prices)" if moved else ""), Usd(f.projected_usd))
    for end, most, its_day, day_usd, usd in (
        ("low", "lowest", f.low_day, f.day_low_usd, f.low_usd),
        ("high", "highest", f.high_day, f.day_high_usd, f.high_usd),
    ):
        # when prices move, the day's traffic is shown at the first day projected's prices
        which = (
            f"{its_day}'s traffic, the rate's {most} day: {usd_cents(day_usd)} at {f.start}'s prices,"
            if moved
            else f"the rate's {most} day, {usd_cents(day_usd)},"
        )
        row(f"projected {end} ({which} every day left)", Usd(usd))
    for c in f.crossings:
        # CSV: a crossing's value is its day (empty when none); its status tells crossed from projected
        row(
            f"{c.what} {usd_given(c.limit_usd)}",
            Shown(_crossing_text(c, f), None if c.on is None else str(c.on)),
            c.status,
        )
    tables = [
        Table(
            f"Forecast for {f.month}",
            ("figure", "value", "status"),
            rows,
            name="forecast",
            csv_only=frozenset({"status"}),
        )
    ]
    if f.peaks:
        title = "Peak day per model (online requests)" + (f" vs tier {f.tier}" if f.tier is not None else "")
        tables.append(
            Table(
                title,
                (
                    "model",
                    "day (tokens)",
                    "tokens",
                    "tokens/min (day avg)",
                    "TPM",
                    "of TPM",
                    "day (requests)",
                    "requests",
                    "RPD",
                    "of RPD",
                ),
                [
                    [
                        p.model,
                        p.day.isoformat(),
                        p.tokens,
                        _per_minute(p.tokens_per_minute),
                        p.tpm,
                        _pct(p.tpm_share),
                        p.requests_day.isoformat(),
                        p.requests,
                        p.rpd if p.rpd is not None else Shown("none" if f.tier is not None else "-", None),
                        _pct(p.rpd_share),
                    ]
                    for p in f.peaks
                ],
                numeric=_NUMERIC,
                name="peak-days",
            )
        )
    return tables


def _per_minute(value: Decimal) -> Shown:
    """Tokens a minute (a day's mean): one place for people, the places of the other ratios for
    machines (CSV, as JSON has it)."""
    shown = mean_shown(value)
    assert shown is not None
    return Shown(shown.text, ratio_str(value))


def _pct(share: Any) -> Pct:
    return Pct(None if share is None else share * 100)


def forecast_notes(f: Forecast) -> list[str]:
    days = "complete day" if f.run_date_left_out else "day"
    span = f"({usd_cents(f.low_usd)} - {usd_cents(f.high_usd)})"
    head = f"Forecast: {usd_cents(f.projected_usd)} by {f.month_end} {span} "
    if f.prices_move and f.start_rate_usd is not None:
        changes = ", ".join(f"{model} on {day}" for day, model in f.price_changes)
        head += (
            f"at the traffic of the last {counted(f.rate_days, days)} "
            f"({usd_cents(f.run_rate_usd)}/day at their prices, "
            f"{usd_cents(f.start_rate_usd)}/day at {f.start}'s), each day left at its own prices"
            + (f" (prices change: {changes})" if changes else "")
        )
    else:
        head += f"at {usd_cents(f.run_rate_usd)}/day, the mean of the last {counted(f.rate_days, days)}"
    parts = [head]
    parts += [f"{c.what} {usd_given(c.limit_usd)}: {_crossing_text(c, f)}" for c in f.crossings]
    notes = ["; ".join(parts) + "."]
    notes += forecast_warnings(f)
    gap = _gap_note(f)
    if gap is not None:
        notes.append(gap)
    over = [p for p in f.peaks if p.over]
    if over:
        said = []
        for p in over:
            if p.rpd_share is not None and p.rpd_share > 1:
                said.append(f"{p.model} on {p.requests_day} ({counted(p.requests, 'request')}, {p.rpd:,} RPD)")
            if p.tpm_share is not None and p.tpm_share > 1:
                said.append(f"{p.model} on {p.day} ({p.tokens:,} tokens, {p.tpm:,} TPM on average)")
        notes.append("Over the tier's limits on the peak day: " + ", ".join(said) + ".")
    return notes


def forecast_warnings(f: Forecast) -> list[str]:
    """The notes that change what the projection means (on stderr too): models shut down on days left."""
    return [shutdown_note(s, f) for s in f.shutdowns]


def forecast_json(f: Forecast) -> dict[str, Any]:
    return {
        "month": f.month,
        "through": f.through.isoformat(),
        "month_end": f.month_end.isoformat(),
        "days_left": f.days_left,
        "spent_usd": money_str(f.spent_usd),
        "run_rate_usd_per_day": money_str(f.run_rate_usd),
        "run_rate_from": f.rate_from.isoformat(),
        "run_rate_days": f.rate_days,
        "rest_of_run_date_usd": None if f.rest_of_run_date_usd is None else money_str(f.rest_of_run_date_usd),
        "projected_usd": money_str(f.projected_usd),
        "projected_low_usd": money_str(f.low_usd),
        "projected_high_usd": money_str(f.high_usd),
        "projected_low_day": None if f.low_day is None else f.low_day.isoformat(),
        "projected_high_day": None if f.high_day is None else f.high_day.isoformat(),
        "run_rate_start_usd_per_day": None if f.start_rate_usd is None else money_str(f.start_rate_usd),
        "run_rate_start": None if f.start is None else f.start.isoformat(),
        "price_changes": [{"day": d.isoformat(), "model": m} for d, m in f.price_changes],
        "shutdowns": [
            {
                "model": s.model,
                "shutdown_on": s.shutdown_on.isoformat(),
                "basis": "inferred" if s.inferred else "documented",
                "first_day": s.first_day.isoformat(),
                "last_day": s.last_day.isoformat(),
                "days": s.days,
                "rest_of_run_date": s.rest_of_run_date,
                "substitutes": list(s.substitutes),
                "days_left_out": s.left_out_days,
                "projected_usd": money_str(s.usd),
                "left_out_at_own_prices_usd": money_str(s.left_out_own_usd),
                "substituted_at_own_prices_usd": money_str(s.substituted_own_usd),
                "spans": [
                    {
                        "first_day": sp.first_day.isoformat(),
                        "last_day": sp.last_day.isoformat(),
                        "days": sp.days,
                        "substitute": sp.served_by,
                        "passed_over": [{"model": n, "shutdown_on": on.isoformat()} for n, on in sp.passed],
                    }
                    for sp in s.spans
                ],
            }
            for s in f.shutdowns
        ],
        "crossings": [
            {
                "what": c.what,
                "limit_usd": money_str(c.limit_usd),
                "status": c.status,
                "on": None if c.on is None else c.on.isoformat(),
            }
            for c in f.crossings
        ],
        "peak_days": [
            {
                "model": p.model,
                "day": p.day.isoformat(),
                "tokens": p.tokens,
                "requests_day": p.requests_day.isoformat(),
                "requests": p.requests,
                "rpd": p.rpd,
                "rpd_share": ratio_str(p.rpd_share),
                "tokens_per_minute_day_avg": ratio_str(p.tokens_per_minute),
                "tpm": p.tpm,
                "tpm_share": ratio_str(p.tpm_share),
            }
            for p in f.peaks
        ],
        "daily": [{"day": d.isoformat(), "cost_usd": money_str(v)} for d, v in f.daily],
        "assumptions": {snake(k): v for k, v in f.assumptions},
    }
