"""Review 16's forecast defects: dated prices in the days projected, models shut down on days left,
crossed and projected crossings told apart in CSV, the peak day by tokens, the run date's wording.

Every month here is gpt-4.1 (or gpt-4.1-nano) standard input only, as a Usage API export gives it;
the catalog is the shipped one with the prices each test needs written in (its lifecycle dates are
OpenAI's: gpt-4.1-nano shut down on 2026-10-23, substitute gpt-4.1-mini; gpt-4.1-2025-04-14 shuts
down on 2027-01-14, OpenAI's replacement gpt-6-luna outside the catalog).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.catalog import load_catalog
from gpt41cost.forecast import forecast
from gpt41cost.usage import Accumulator, UsageRecord, summarize
from gpt41cost.views.forecast import forecast_notes, forecast_tables

from .conftest import ROOT

SHIPPED = ROOT / "gpt41cost" / "pricing.yaml"
EPOCH = dt.date(1970, 1, 1)
SNAP = "gpt-4.1-2025-04-14"
#: gpt-4.1 standard input $2/M, $1/M from 2026-12-10, $0.50/M from 2026-12-20 (review16/cut.yaml)
CUT = (
    '[{from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"},\n'
    '          {from: "2026-12-10", input: "1.00", cached_input: "0.25", output: "4.00"},\n'
    '          {from: "2026-12-20", input: "0.50", cached_input: "0.125", output: "2.00"}]'
)
FLAT = {
    "gpt-4.1": '[{from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"}]',
    "gpt-4.1-mini": '[{from: "2025-04-14", input: "0.40", cached_input: "0.10", output: "1.60"}]',
    "gpt-4.1-nano": '[{from: "2025-04-14", input: "0.10", cached_input: "0.025", output: "0.40"}]',
}


def _catalog_file(tmp_path: Path, gpt41: str = FLAT["gpt-4.1"]) -> Path:
    """The shipped catalog with each model's standard prices as given (they must not move with it)."""
    text = SHIPPED.read_text(encoding="utf-8")
    for model, line in {**FLAT, "gpt-4.1": gpt41}.items():
        at = text.index(f"\n  {model}:\n")
        head, sep, rest = text[at:].partition("      standard: ")
        assert sep, model
        end = rest.index("]") + 1
        text = text[:at] + head + sep + line + rest[end:]
    path = tmp_path / "pricing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _family_shut_down(tmp_path: Path, family: str, next_family: str, substitute: str) -> Path:
    """:func:`_catalog_file` with ``family`` (its dates no longer inferred from its snapshot) shut
    down on 2026-10-28, ``substitute`` named (``next_family``: the entry after it in the catalog)."""
    path = _catalog_file(tmp_path)
    text = path.read_text(encoding="utf-8")
    old = (
        f"      basis: inferred\n      snapshots:\n        {family}-2025-04-14:\n"
        '          deprecated_on: "2026-10-14"\n          shutdown_on: "2027-01-14"\n'
        "          replacement: gpt-6-luna\n          source: https://developers.openai.com/api/docs/deprecations\n"
    )
    new = (
        f'      deprecated_on: "2026-04-22"\n      shutdown_on: "2026-10-28"\n      substitute: {substitute}\n'
        "      source: https://developers.openai.com/api/docs/deprecations\n"
    )
    at = text.index(f"\n  {family}:\n")
    assert text.index(old, at) < text.index(f"\n  {next_family}:\n")
    path.write_text(text[:at] + text[at:].replace(old, new, 1), encoding="utf-8")
    return path


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _page(path: Path, days: list[tuple[dt.date, int]], model: str = SNAP, requests: int = 100) -> Path:
    """A Usage API page: ``tokens`` input tokens of ``model`` on each day (review16/mkmonth.py)."""
    data = []
    for d, tokens in days:
        start = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())
        data.append(
            {
                "object": "bucket",
                "start_time": start,
                "end_time": start + 86_400,
                "results": [
                    {
                        "object": "organization.usage.completions.result",
                        "input_tokens": tokens,
                        "output_tokens": 0,
                        "input_cached_tokens": 0,
                        "num_model_requests": requests,
                        "project_id": None,
                        "user_id": None,
                        "api_key_id": None,
                        "model": model,
                        "batch": False,
                        "service_tier": "default",
                    }
                ],
            }
        )
    path.write_text(json.dumps({"object": "page", "data": data, "has_more": False, "next_page": None}))
    return path


def _dec(start: int = 1) -> list[tuple[dt.date, int]]:
    """review16's month/dec.json: 5M tokens a day on 12-01..07, 10M on 12-08..14, 2.5M so far on 12-15."""
    days = [(dt.date(2026, 12, i), 5_000_000) for i in range(start, 8)]
    days += [(dt.date(2026, 12, i), 10_000_000) for i in range(8, 15)]
    return [*days, (dt.date(2026, 12, 15), 2_500_000)]


def _forecast(catalog_path: Path, days: list[tuple[dt.date, int]], run_date: dt.date, model: str = SNAP, **kw):
    cat = load_catalog(catalog_path).on(run_date)
    acc = Accumulator()
    for d, tokens in days:
        acc.add(UsageRecord(model, tokens, 0, 0, requests=100, day=_day(d), per_request=False))
    return forecast(summarize(acc, cat), acc, cat, run_date=run_date, **kw)


# -- 1: each day projected pays its own day's prices ----------------------------------------------


def test_a_price_cut_in_the_days_left_is_paid_from_its_day(tmp_path: Path) -> None:
    """review16 D1. Spent: 7 x 5M x $2/M = $70, 12-08..09 2 x 10M x $2/M = $40, 12-10..14
    5 x 10M x $1/M = $50, 12-15 2.5M x $1/M = $2.50: $162.50. The window 12-08..14 ran 10M tokens a
    day: at 12-15's $1/M a day is $10, less its $2.50 so far: $7.50 for the rest of 12-15; 12-16..19
    4 x $10 = $40; 12-20..31 12 x 10M x $0.50/M = $60. Month-end 162.50 + 7.50 + 40 + 60 = $270.00
    (was $378.57: 162.50 + the window's $12.857/day at its own prices x 16 days and the rest).
    Budget $200: 170 on 12-15, 180, 190, 200 on 12-18."""
    f = _forecast(_catalog_file(tmp_path, CUT), _dec(), dt.date(2026, 12, 15), budget=Decimal(200))
    assert f.spent_usd == Decimal("162.5") and f.rest_of_run_date_usd == Decimal("7.5")
    assert f.projected_usd == Decimal(270)
    assert (f.low_usd, f.high_usd) == (Decimal(270), Decimal(270))  # every window day ran 10M tokens
    assert f.run_rate_usd == Decimal(90) / 7  # (2 x $20 + 5 x $10) / 7 at the window's own prices
    assert (f.start, f.start_rate_usd) == (dt.date(2026, 12, 15), Decimal(10))
    assert f.price_changes == ((dt.date(2026, 12, 20), "gpt-4.1"),)
    assert [(c.status, c.on) for c in f.crossings] == [("projected", dt.date(2026, 12, 18))]


def test_the_price_cut_on_the_cli_names_the_prices_of_each_figure(cli, tmp_path: Path) -> None:
    page = _page(tmp_path / "dec.json", _dec())
    cat = _catalog_file(tmp_path, CUT)
    r = cli("usage", page, "--pricing", cat, "--forecast", "--budget", "200", "--as-of", "2026-12-15", expect=0)
    out = " ".join(r.stdout.split())
    assert "projected month-end (each day left at its own prices) $270.00" in out
    assert "run rate per day (mean of 7 days, 2026-12-08 to 2026-12-14, at those days' prices) $12.86/day" in out
    assert "run rate at 2026-12-15's prices (the same traffic, the first day projected) $10.00/day" in out
    assert "gpt-4.1 prices change 2026-12-20" in out
    assert "Forecast: $270.00 by 2026-12-31" in out and "$378.57" not in out
    doc = cli.json("usage", page, "--pricing", cat, "--forecast", "--as-of", "2026-12-15")["forecast"]
    assert (doc["projected_usd"], doc["run_rate_start_usd_per_day"], doc["run_rate_start"]) == (
        "270",
        "10",
        "2026-12-15",
    )
    assert doc["price_changes"] == [{"day": "2026-12-20", "model": "gpt-4.1"}]


def test_flat_prices_keep_the_old_figures_and_words(tmp_path: Path) -> None:
    """No price moves: the projection is the rate x days, as before. 12-01..07 $10, 12-08..14 $20,
    12-15 $5 at $2/M: spent 70 + 140 + 5 = $215; rate $20; rest of 12-15 $15; 16 days x $20:
    215 + 15 + 320 = $550."""
    f = _forecast(_catalog_file(tmp_path), _dec(), dt.date(2026, 12, 15))
    assert (f.projected_usd, f.run_rate_usd, f.start_rate_usd) == (Decimal(550), Decimal(20), Decimal(20))
    assert not f.prices_move and f.price_changes == () and f.shutdowns == ()
    labels = [str(r[0]) for r in forecast_tables(f)[0].rows]
    assert "projected month-end" in labels and "run rate at" not in " ".join(labels)


# -- 2: a model shut down on days left -----------------------------------------------------------


def test_days_after_a_shutdown_without_substitute_are_left_out(cli, tmp_path: Path) -> None:
    """review16 D2: gpt-4.1-2025-04-14, 5M tokens ($10) a day 01-01..10, shuts down on 2027-01-14 with
    no substitute in the catalog. Spent $100; the rest of 01-10 $0 (its $10 is the rate); 01-11..13
    3 x $10 = $30; 01-14..31 (18 days, shut down from its date on) left out: $130 (was $310, the 18
    days at $10 on a model not served), and $180 said as what they would add at its own prices.
    The budget of $250 is not crossed this month (was 01-25)."""
    page = _page(tmp_path / "jan.json", [(dt.date(2027, 1, i), 5_000_000) for i in range(1, 11)])
    cat = _catalog_file(tmp_path)
    r = cli("usage", page, "--pricing", cat, "--forecast", "--budget", "250", "--as-of", "2027-01-10", "-f", "json")
    assert r.exit_code == 0, r.stderr
    f = json.loads(r.stdout)["forecast"]
    assert (f["projected_usd"], f["crossings"][0]["status"]) == ("130", "not this month")
    assert f["shutdowns"] == [
        {
            "model": SNAP,
            "shutdown_on": "2027-01-14",
            "basis": "documented",
            "first_day": "2027-01-14",
            "last_day": "2027-01-31",
            "days": 18,
            "rest_of_run_date": False,
            "substitutes": [],
            "days_left_out": 18,
            "projected_usd": "0",
            "left_out_at_own_prices_usd": "180",
            "substituted_at_own_prices_usd": "0",
            "spans": [
                {"first_day": "2027-01-14", "last_day": "2027-01-31", "days": 18, "substitute": None, "passed_over": []}
            ],
        }
    ]
    warning = (
        f"gpt41cost: warning: Forecast: {SNAP} shuts down on 2027-01-14: its traffic on the 18 days left from "
        "2027-01-14 to 2027-01-31 is left out (no substitute in this catalog: OpenAI recommends gpt-6-luna, "
        "outside it); at its own prices it would add $180.00."
    )
    assert warning in r.stderr.splitlines()
    assert warning.removeprefix("gpt41cost: warning: ") in json.loads(r.stdout)["notes"]


def test_days_after_a_shutdown_are_priced_at_the_substitute(tmp_path: Path) -> None:
    """review16 D2, month/oct_nano.json: gpt-4.1-nano 0.5M tokens a day 10-01..15 at $0.10/M, $0.05 a
    day; it shuts down on 10-23, substitute gpt-4.1-mini at $0.40/M. Spent 15 x $0.05 = $0.75; rest
    of 10-15 $0; 10-16..22 7 x $0.05 = $0.35; 10-23..31 9 x 0.5M x $0.40/M = 9 x $0.20 = $1.80:
    $2.90 (was 0.75 + 16 x 0.05 = $1.55, nine days at nano's prices after it shut down)."""
    days = [(dt.date(2026, 10, i), 500_000) for i in range(1, 16)]
    f = _forecast(_catalog_file(tmp_path), days, dt.date(2026, 10, 15), model="gpt-4.1-nano")
    assert f.projected_usd == Decimal("2.9")
    (s,) = f.shutdowns
    assert (s.model, s.shutdown_on, s.first_day, s.last_day, s.days) == (
        "gpt-4.1-nano",
        dt.date(2026, 10, 23),
        dt.date(2026, 10, 23),
        dt.date(2026, 10, 31),
        9,
    )
    assert (s.substitutes, s.left_out_days, s.usd, s.substituted_own_usd, s.left_out_own_usd) == (
        ("gpt-4.1-mini",),
        0,
        Decimal("1.8"),
        Decimal("0.45"),
        Decimal(0),
    )
    (note,) = [n for n in forecast_notes(f) if "shuts down" in n]
    assert "is priced at gpt-4.1-mini's prices (the substitute in this catalog): $1.80" in note


def test_a_fine_tuned_model_is_left_out_and_priority_moves_at_priority(tmp_path: Path) -> None:
    """Fine-tuned nano (0.5M input tokens a day at its $0.20/M fine-tuned price: $0.10) and nano at
    priority (0.5M at $0.20/M: $0.10), 10-01..15: spent 15 x $0.20 = $3.00; 10-16..22 7 x $0.20 =
    $1.40; from 10-23 the fine-tuned traffic is left out (no substitute for its training; $0.10 x 9
    = $0.90 at its own prices) and the priority traffic moves to gpt-4.1-mini's priority $0.70/M:
    9 x $0.35 = $3.15. Month-end 3.00 + 1.40 + 3.15 = $7.55."""
    cat = load_catalog(_catalog_file(tmp_path)).on(dt.date(2026, 10, 15))
    acc = Accumulator()
    ft = "ft:gpt-4.1-nano-2025-04-14:acme::x1"
    for i in range(1, 16):
        day = _day(dt.date(2026, 10, i))
        acc.add(UsageRecord(ft, 500_000, 0, 0, requests=10, day=day, per_request=False))
        acc.add(
            UsageRecord("gpt-4.1-nano", 500_000, 0, 0, requests=10, day=day, per_request=False, service_tier="priority")
        )
    f = forecast(summarize(acc, cat), acc, cat, run_date=dt.date(2026, 10, 15))
    assert f.projected_usd == Decimal("7.55")
    got = {
        s.model: (s.substitutes, s.left_out_days, s.usd, s.left_out_own_usd, s.substituted_own_usd) for s in f.shutdowns
    }
    assert got == {
        ft: ((), 9, Decimal(0), Decimal("0.9"), Decimal(0)),
        "gpt-4.1-nano": (("gpt-4.1-mini",), 0, Decimal("3.15"), Decimal(0), Decimal("0.9")),
    }
    notes = " ".join(forecast_notes(f))
    assert "left out (a fine-tuned model has no substitute: its training does not carry over)" in notes


# -- 3: crossed and projected crossings told apart in CSV ----------------------------------------


def test_forecast_csv_says_crossed_projected_or_not_this_month(cli, tmp_path: Path) -> None:
    """Flat $2/M: $215 spent by 12-15; the tier 1 cap $100 was crossed on 12-09 (7 x $10 + $20 + $20 =
    $110 >= $100 on the 9th); a $400 budget will be on 12-24 (215 + the rest of 12-15, 15 = 230, then
    $20 a day: 390 on 12-23, 410 on 12-24); $4,000 not this month (550 at the month's end). Before,
    the crossed and the projected day were both bare dates and "not this month" an empty cell."""
    page = _page(tmp_path / "dec.json", _dec())
    cat = _catalog_file(tmp_path)
    rows = {}
    for budget in ("400", "4000"):
        r = cli(
            "usage", page, "--pricing", cat, "--forecast", "--budget", budget, "--tier", "1", "--as-of", "2026-12-15",
            "-f", "csv", "--table", "forecast", expect=0,
        )  # fmt: skip
        got = list(csv.reader(io.StringIO(r.stdout)))
        assert got[0] == ["figure", "value", "status"]
        rows.update({row[0]: row[1:] for row in got[1:]})
    assert rows["budget $400"] == ["2026-12-24", "projected"]
    assert rows["budget $4,000"] == ["", "not this month"]
    assert rows["tier 1 monthly usage cap $100"] == ["2026-12-09", "crossed"]
    assert rows["days left (to 2026-12-31)"] == ["16", ""]


# -- 4: the peak day by tokens for TPM, by requests for RPD --------------------------------------


def test_peak_day_by_tokens_not_requests_and_not_the_unfinished_run_date(tmp_path: Path) -> None:
    """review16 D4: 12-15 (the run date, not over) ran 2.5M tokens and was shown at 5.8% of tier 1's
    30,000 TPM (2,500,000 / 1,440 = 1,736.1 a minute) while 12-08..14 ran 10M a day: 10,000,000 /
    1,440 = 6,944.4 a minute, 23.1% of it, on 12-08 (the earliest of the tie). The run date ties at
    10M here too and still loses; the most requests, 300 on 12-03, are RPD's day."""
    days = [*_dec()[:-1], (dt.date(2026, 12, 15), 10_000_000)]
    cat = load_catalog(_catalog_file(tmp_path)).on(dt.date(2026, 12, 15))
    acc = Accumulator()
    for d, tokens in days:
        n = 300 if d == dt.date(2026, 12, 3) else 100
        acc.add(UsageRecord("gpt-4.1-mini", tokens, 0, 0, requests=n, day=_day(d), per_request=False))
    f = forecast(summarize(acc, cat), acc, cat, run_date=dt.date(2026, 12, 15), tier=1)
    (p,) = f.peaks
    assert (p.day, p.tokens, p.requests_day, p.requests) == (
        dt.date(2026, 12, 8),
        10_000_000,
        dt.date(2026, 12, 3),
        300,
    )
    assert p.tpm_share == Decimal(10_000_000) / 1440 / 200_000  # mini's tier 1 TPM is 200,000
    assert p.rpd_share == Decimal(300) / 10_000  # and its RPD 10,000


def test_peak_day_on_the_review_month(tmp_path: Path) -> None:
    f = _forecast(_catalog_file(tmp_path), _dec(), dt.date(2026, 12, 15), tier=1)
    (p,) = f.peaks
    assert p.day == dt.date(2026, 12, 8) and round(p.tpm_share * 100, 1) == Decimal("23.1")  # was 12-15, 5.8%


def test_the_run_date_wins_a_peak_outright(tmp_path: Path) -> None:
    days = [*_dec()[:-1], (dt.date(2026, 12, 15), 12_000_000)]
    f = _forecast(_catalog_file(tmp_path), days, dt.date(2026, 12, 15))
    assert f.peaks[0].day == dt.date(2026, 12, 15)


# -- 5: the run date is not a day already past ---------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "words"),
    [
        # records to 12-10 ($10 a day 12-01..07, $20 12-08..10: $130), the rate of 12-04..10 (4 x 10 +
        # 3 x 20) / 7 = $14.29: 12-11 144.29, 12-12 158.57, 12-13 172.86, 12-14 187.14, 12-15 201.43
        pytest.param("200", "at the run rate, crosses on 2026-12-15, the run date (no records after 2026-12-10)",
                     id="on-the-run-date"),
        pytest.param("180", "at the run rate, would have crossed on 2026-12-14 (no records after 2026-12-10)",
                     id="a-day-past"),
    ],
)  # fmt: skip
def test_a_crossing_on_the_run_date_is_not_past(tmp_path: Path, budget: str, words: str) -> None:
    f = _forecast(_catalog_file(tmp_path), _dec()[:10], dt.date(2026, 12, 15), budget=Decimal(budget))
    assert f.run_rate_usd == Decimal(100) / 7
    rows = {str(r[0]): r[1] for r in forecast_tables(f)[0].rows}
    assert rows[f"budget ${budget}"].text == words
    assert not re.search(r"would have crossed on 2026-12-15", " ".join(forecast_notes(f)))
