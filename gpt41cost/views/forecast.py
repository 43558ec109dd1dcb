"""The forecast (``usage --forecast``) as tables, notes and JSON, added to the usage report."""

from __future__ import annotations

from typing import Any

from ..forecast import Crossing, Forecast
from ..report import Cell, Pct, Shown, Table, Usd, money_str, usd_cents, usd_given
from .usage import mean_shown, ratio_str, snake

_NUMERIC = frozenset({"value", "requests", "RPD", "tokens", "tokens/min (day avg)", "TPM", "of RPD", "of TPM"})


def _crossing_text(c: Crossing, f: Forecast) -> str:
    if c.status == "crossed":
        return f"crossed on {c.on}"
    if c.status == "projected":
        if c.on is not None and f.run_date is not None and c.on <= f.run_date and f.through < f.run_date:
            # a day already past: what the rate gives after the last records, not a day to come
            return f"at the run rate, would have crossed on {c.on} (no records after {f.through})"
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
        f"The records end on {f.through}, {days} day(s) before {what}: the forecast runs from {f.through}, "
        "as if the days since were still to come (their records missing, or no traffic); "
        f"give their records for a forecast as of {last}."
    )


def forecast_tables(f: Forecast) -> list[Table]:
    month_start = f.daily[0][0]
    rows: list[list[Cell]] = [
        [f"spent so far ({month_start} to {f.through})", Usd(f.spent_usd)],
        [
            f"run rate per day (mean of {f.rate_days} days, {f.rate_from} to {f.rate_to})",
            Shown(f"{usd_cents(f.run_rate_usd)}/day", f.run_rate_usd),
        ],
    ]
    if f.rest_of_run_date_usd is not None:
        so_far = f.daily[-1][1]
        rows.append(
            [
                f"rest of {f.through} (not over: the rate less its {usd_cents(so_far)} so far)",
                Usd(f.rest_of_run_date_usd),
            ]
        )
    rows += [
        [f"days left (to {f.month_end})", f.days_left],
        ["projected month-end", Usd(f.projected_usd)],
        [f"projected low (the rate's lowest day, {usd_cents(f.day_low_usd)}, every day left)", Usd(f.low_usd)],
        [f"projected high (the rate's highest day, {usd_cents(f.day_high_usd)}, every day left)", Usd(f.high_usd)],
    ]
    for c in f.crossings:
        rows.append(
            [f"{c.what} {usd_given(c.limit_usd)}", Shown(_crossing_text(c, f), None if c.on is None else str(c.on))]
        )
    tables = [Table(f"Forecast for {f.month}", ("figure", "value"), rows, name="forecast")]
    if f.peaks:
        title = "Peak day per model (online requests)" + (f" vs tier {f.tier}" if f.tier is not None else "")
        tables.append(
            Table(
                title,
                ("model", "day", "requests", "RPD", "of RPD", "tokens", "tokens/min (day avg)", "TPM", "of TPM"),
                [
                    [
                        p.model,
                        p.day.isoformat(),
                        p.requests,
                        p.rpd if p.rpd is not None else Shown("none" if f.tier is not None else "-", None),
                        _pct(p.rpd_share),
                        p.tokens,
                        mean_shown(p.tokens_per_minute),
                        p.tpm,
                        _pct(p.tpm_share),
                    ]
                    for p in f.peaks
                ],
                numeric=_NUMERIC,
                name="peak-days",
            )
        )
    return tables


def _pct(share: Any) -> Pct:
    return Pct(None if share is None else share * 100)


def forecast_notes(f: Forecast) -> list[str]:
    parts = [
        f"Forecast: {usd_cents(f.projected_usd)} by {f.month_end} ({usd_cents(f.low_usd)} - {usd_cents(f.high_usd)}) "
        f"at {usd_cents(f.run_rate_usd)}/day, the mean of the last {f.rate_days} "
        + ("complete days" if f.run_date_left_out else "days")
    ]
    parts += [f"{c.what} {usd_given(c.limit_usd)}: {_crossing_text(c, f)}" for c in f.crossings]
    notes = ["; ".join(parts) + "."]
    gap = _gap_note(f)
    if gap is not None:
        notes.append(gap)
    over = [p for p in f.peaks if p.over]
    if over:
        notes.append(
            "Over the tier's limits on the peak day: "
            + ", ".join(f"{p.model} on {p.day} ({p.requests:,} requests)" for p in over)
            + "."
        )
    return notes


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
                "requests": p.requests,
                "tokens": p.tokens,
                "rpd": p.rpd,
                "rpd_share": ratio_str(p.rpd_share),
                "tokens_per_minute_day_avg": ratio_str(p.tokens_per_minute, 1),
                "tpm": p.tpm,
                "tpm_share": ratio_str(p.tpm_share),
            }
            for p in f.peaks
        ],
        "daily": [{"day": d.isoformat(), "cost_usd": money_str(v)} for d, v in f.daily],
        "assumptions": {snake(k): v for k, v in f.assumptions},
    }
