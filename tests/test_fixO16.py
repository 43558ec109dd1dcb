"""Review 16b's forecast defects in 6bbbe4b: a shutdown on (or before) the run date hid the rest of
that day from the warning and JSON; "at its own prices it would add" counted days priced at the
substitute; a chain of substitutes was named without the shutdown that moves the traffic on; JSON
lacked the days of the range. Prices are the shipped catalog's with each model's standard line
written in (tests/test_fixJ16.py): gpt-4.1 $2/M input, gpt-4.1-mini $0.40/M, gpt-4.1-nano $0.10/M;
gpt-4.1-nano shut down on 2026-10-23 (substitute gpt-4.1-mini), gpt-4.1-2025-04-14 and
gpt-4.1-mini shut down on 2027-01-14 (OpenAI's gpt-6-luna, outside the catalog).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from gpt41cost.catalog import load_catalog
from gpt41cost.forecast import forecast
from gpt41cost.usage import Accumulator, UsageRecord, summarize
from gpt41cost.views.forecast import forecast_json, forecast_notes, forecast_tables

from .test_fixJ16 import SNAP, _catalog_file, _day, _dec, _family_shut_down, _forecast, _page

NANO_FT = "ft:gpt-4.1-nano-2025-04-14:acme::x1"


def _jan14(tmp_path: Path) -> Path:
    """review16b's b.json: gpt-4.1-2025-04-14 5M input tokens ($10) a day 01-01..13, 1M ($2) so far
    on 01-14, the day it shuts down."""
    days = [(dt.date(2027, 1, i), 5_000_000) for i in range(1, 14)]
    return _page(tmp_path / "b.json", [*days, (dt.date(2027, 1, 14), 1_000_000)])


def test_a_shutdown_on_the_run_date_covers_the_rest_of_it(cli, tmp_path: Path) -> None:
    """review16b R2. Spent 13 x $10 + $2 = $132. The rest of 01-14 is left out with the 17 days after
    it: at its own prices $10 - $2 = $8, and 17 x $10 = $170: $178 (was first_day 01-15, 17 days,
    $170: the rest of the run date dropped unnamed). The projection counts none of it: $132."""
    cat = _catalog_file(tmp_path)
    r = cli("usage", _jan14(tmp_path), "--pricing", cat, "--forecast", "--as-of", "2027-01-14", "-f", "json")
    assert r.exit_code == 0, r.stderr
    f = json.loads(r.stdout)["forecast"]
    assert (f["projected_usd"], f["rest_of_run_date_usd"], f["run_rate_start_usd_per_day"]) == ("132", "0", "0")
    (s,) = f["shutdowns"]
    assert (s["first_day"], s["days"]) == ("2027-01-14", 18)  # was 2027-01-15, 17
    assert (s["first_day"], s["last_day"], s["days"], s["rest_of_run_date"], s["days_left_out"]) == (
        "2027-01-14",
        "2027-01-31",
        18,
        True,
        18,
    )
    assert (s["projected_usd"], s["left_out_at_own_prices_usd"], s["substituted_at_own_prices_usd"]) == (
        "0",
        "178",
        "0",
    )
    warning = (
        f"gpt41cost: warning: Forecast: {SNAP} shut down on 2027-01-14: its traffic on the rest of 2027-01-14 (the "
        "run date, not over) and the 17 days after it to 2027-01-31 is left out (no substitute in this catalog: "
        "OpenAI recommends gpt-6-luna, outside it); at its own prices it would add $178.00."
    )
    assert warning in r.stderr.splitlines()
    table = cli("usage", _jan14(tmp_path), "--pricing", cat, "--forecast", "--as-of", "2027-01-14", expect=0)
    assert f"{SNAP} shut down from 2027-01-14 (the rest of 2027-01-14 and 17 days left)" in table.stdout


def test_the_rest_of_a_run_date_after_the_shutdown_is_in_the_substitutes_part(tmp_path: Path) -> None:
    """review16b R2, the run date after the shutdown: gpt-4.1-nano 0.5M tokens a day 10-01..24, 0.25M
    so far on 10-25 (usage prices them at nano's own $0.10/M: $0.05 a day, $0.025). Spent 24 x 0.05
    + 0.025 = $1.225. At gpt-4.1-mini's $0.40/M a day is $0.20: the rest of 10-25 is the 0.25M tokens
    left of its day, at the same $0.40/M: $0.10 (review 16c: was $0.20 - $0.025 = $0.175, the spend
    so far at nano's prices taken off a day at mini's), and 10-26..31 6 x $0.20 = $1.20: $2.525 in
    all, and the shutdown's part $0.10 + $1.20 = $1.30 from 10-25, 7 days (was $1.20 from 10-26, 6
    days: the rest of the run date, priced at the substitute, in no shutdown's figures). At nano's
    own prices: $0.05 - $0.025 + 6 x $0.05 = $0.325."""
    days = [(dt.date(2026, 10, i), 500_000) for i in range(1, 25)] + [(dt.date(2026, 10, 25), 250_000)]
    cat = load_catalog(_catalog_file(tmp_path)).on(dt.date(2026, 10, 25))
    acc = Accumulator()
    for d, tokens in days:
        acc.add(UsageRecord("gpt-4.1-nano", tokens, 0, 0, requests=10, day=_day(d), per_request=False))
    f = forecast(summarize(acc, cat), acc, cat, run_date=dt.date(2026, 10, 25))
    assert (f.spent_usd, f.rest_of_run_date_usd, f.projected_usd) == (
        Decimal("1.225"),
        Decimal("0.1"),
        Decimal("2.525"),
    )
    (s,) = f.shutdowns
    assert (s.first_day, s.days, s.usd) == (dt.date(2026, 10, 25), 7, Decimal("1.3"))  # was 10-26, 6, $1.20
    assert (s.first_day, s.days, s.rest_of_run_date, s.left_out_days) == (dt.date(2026, 10, 25), 7, True, 0)
    assert (s.usd, s.substituted_own_usd, s.left_out_own_usd) == (Decimal("1.3"), Decimal("0.325"), Decimal(0))
    assert [(sp.first_day, sp.last_day, sp.served_by) for sp in s.spans] == [
        (dt.date(2026, 10, 25), dt.date(2026, 10, 31), "gpt-4.1-mini")
    ]
    assert f.projected_usd == f.spent_usd + s.usd  # its traffic is all the projection has
    (note,) = [n for n in forecast_notes(f) if "shut down on" in n]
    assert "its traffic on the rest of 2026-10-25 (the run date, not over) and the 6 days after it" in note
    assert "is priced at gpt-4.1-mini's prices (the substitute in this catalog): $1.30" in note


def test_a_left_out_models_spend_so_far_is_not_set_against_the_others_rest(tmp_path: Path) -> None:
    """Fine-tuned nano (0.5M a day at its $0.20/M fine-tuned price, $0.10) and nano at priority
    (0.5M a day at $0.20/M, $0.10), 10-01..24; on 10-25, the run date, the fine-tuned model has run
    its 0.5M ($0.10) and priority 0.1M ($0.02). From 10-23 the fine-tuned traffic is left out and the
    priority traffic is at gpt-4.1-mini's priority $0.70/M: $0.35 a day. The rest of 10-25 is
    priority's 0.5M - 0.1M = 0.4M tokens at $0.70/M, $0.28 (was $0.23: the left-out model's $0.10 so
    far taken off it; then $0.35 - $0.02 = $0.33, review 16c: the $0.02 so far at nano's priority
    prices taken off a day at mini's); 10-26..31 6 x $0.35 = $2.10. Spent 24 x $0.20 + $0.12 =
    $4.92; month-end 4.92 + 0.28 + 2.10 = $7.30 (was $7.25, then $7.35). The fine-tuned model's days
    at its own prices: the rest of 10-25 $0.10 - $0.10 = $0, and 6 x $0.10 = $0.60."""
    cat = load_catalog(_catalog_file(tmp_path)).on(dt.date(2026, 10, 25))
    acc = Accumulator()
    for i in range(1, 26):
        day = _day(dt.date(2026, 10, i))
        priority = 100_000 if i == 25 else 500_000
        acc.add(UsageRecord(NANO_FT, 500_000, 0, 0, requests=10, day=day, per_request=False))
        acc.add(
            UsageRecord(
                "gpt-4.1-nano", priority, 0, 0, requests=10, day=day, per_request=False, service_tier="priority"
            )
        )
    f = forecast(summarize(acc, cat), acc, cat, run_date=dt.date(2026, 10, 25))
    assert (f.spent_usd, f.rest_of_run_date_usd, f.projected_usd) == (Decimal("4.92"), Decimal("0.28"), Decimal("7.3"))
    got = {
        s.model: (s.first_day, s.left_out_days, s.usd, s.left_out_own_usd, s.substituted_own_usd) for s in f.shutdowns
    }
    assert got == {
        # at mini's priority prices $0.28 + $2.10 = $2.38 (was $2.43); at nano's own priority prices:
        # the rest 0.4M x $0.20/M = $0.08, and 6 x $0.10 = $0.60
        "gpt-4.1-nano": (dt.date(2026, 10, 25), 0, Decimal("2.38"), Decimal(0), Decimal("0.68")),
        NANO_FT: (dt.date(2026, 10, 25), 7, Decimal(0), Decimal("0.6"), Decimal(0)),
    }
    labels = [str(r[0]) for r in forecast_tables(f)[0].rows]
    assert (
        "rest of 2026-10-25 (not over: per model, a day of the rate's traffic less the day's so far, at the prices "
        "the rest pays, not the $0.10 of the traffic left out that day)"
    ) in labels


def test_own_prices_of_the_left_out_days_only(cli, tmp_path: Path) -> None:
    """review16b R3 (f.json): gpt-4.1-nano 1M tokens a day 01-01..10 (at its own $0.10/M: $0.10),
    as of 01-10. Its substitute gpt-4.1-mini ($0.40/M) serves it to 01-13 and shuts down on 01-14
    itself: the rest of 01-10 is 1M - 1M = none of its traffic, $0 (review 16c: was $0.40 - $0.10 =
    $0.30, the $0.10 so far at its own prices taken off a day at gpt-4.1-mini's), and 01-11..13 3 x
    $0.40 = $1.20 at gpt-4.1-mini's prices; 01-14..31 left out, 18 x 1M x $0.10/M = $1.80 at its own
    prices (was $2.10, the three substituted days' $0.30 with them). The substituted days at its own
    prices: $0 + 3 x $0.10 = $0.30. Month-end: 10 x $0.10 + $1.20 = $2.20 (was $2.50)."""
    page = _page(tmp_path / "f.json", [(dt.date(2027, 1, i), 1_000_000) for i in range(1, 11)], model="gpt-4.1-nano")
    cat = _catalog_file(tmp_path)
    r = cli("usage", page, "--pricing", cat, "--forecast", "--as-of", "2027-01-10", "-f", "json")
    assert r.exit_code == 0, r.stderr
    warning = (
        "gpt41cost: warning: Forecast: gpt-4.1-nano shut down on 2026-10-23: its traffic on the rest of 2027-01-10 "
        "(the run date, not over) and the 21 days after it to 2027-01-31 is left out on 18 of them, 2027-01-14 "
        "to 2027-01-31 (its substitute gpt-4.1-mini shuts down on 2027-01-14 too; OpenAI recommends "
        "gpt-5.6-luna, outside this catalog): at its own prices they would add $1.80; the other 4, the rest of "
        "2027-01-10 to 2027-01-13, are priced at gpt-4.1-mini's prices (the substitute in this catalog): $1.20."
    )
    assert warning in r.stderr.splitlines()
    f = json.loads(r.stdout)["forecast"]
    assert f["projected_usd"] == "2.2"
    (s,) = f["shutdowns"]
    assert (s["days"], s["days_left_out"], s["rest_of_run_date"]) == (22, 18, True)
    assert (s["projected_usd"], s["left_out_at_own_prices_usd"], s["substituted_at_own_prices_usd"]) == (
        "1.2",
        "1.8",
        "0.3",
    )
    assert [(sp["first_day"], sp["last_day"], sp["substitute"], sp["passed_over"]) for sp in s["spans"]] == [
        ("2027-01-10", "2027-01-13", "gpt-4.1-mini", []),
        ("2027-01-14", "2027-01-31", None, [{"model": "gpt-4.1-mini", "shutdown_on": "2027-01-14"}]),
    ]


def _chain_catalog(tmp_path: Path) -> Path:
    """review16b's chain.yaml: gpt-4.1-mini (no inferred dates) shuts down on 2026-10-28 with gpt-4.1
    as its substitute, so gpt-4.1-nano's traffic goes to gpt-4.1-mini, then on to gpt-4.1."""
    return _family_shut_down(tmp_path, "gpt-4.1-mini", "gpt-4.1-nano", substitute="gpt-4.1")


def test_a_chain_of_substitutes_names_each_one_passed_over_with_its_date(tmp_path: Path) -> None:
    """docs/accounting.md §1, substitute chain: reports name each model passed over with its shutdown
    date. gpt-4.1-nano 0.5M tokens ($0.05) a day 10-01..15: spent $0.75; 10-16..22 7 x $0.05 = $0.35;
    10-23..27 at gpt-4.1-mini, 5 x 0.5M x $0.40/M = $1.00; 10-28..31 at gpt-4.1, 4 x 0.5M x $2/M =
    $4.00: $6.10. The warning said 'gpt-4.1-mini then gpt-4.1's prices', without the day or why."""
    cat = load_catalog(_chain_catalog(tmp_path)).on(dt.date(2026, 10, 15))
    acc = Accumulator()
    for i in range(1, 16):
        acc.add(
            UsageRecord("gpt-4.1-nano", 500_000, 0, 0, requests=10, day=_day(dt.date(2026, 10, i)), per_request=False)
        )
    f = forecast(summarize(acc, cat), acc, cat, run_date=dt.date(2026, 10, 15))
    assert f.projected_usd == Decimal("6.1")
    (note,) = [n for n in forecast_notes(f) if "shuts down on" in n]
    assert note.endswith(
        "is priced at gpt-4.1-mini's prices (2026-10-23 to 2026-10-27), then gpt-4.1's (2026-10-28 to "
        "2026-10-31: gpt-4.1-mini shuts down on 2026-10-28 too): $5.00."
    )
    (s,) = f.shutdowns
    assert (s.usd, s.substitutes, s.substituted_own_usd) == (Decimal(5), ("gpt-4.1-mini", "gpt-4.1"), Decimal("0.45"))


def test_json_names_the_days_of_the_range(tmp_path: Path) -> None:
    """The table names the days whose traffic gives the low and the high ('2026-12-08's traffic');
    JSON had only the dollars. review16's month as of 12-15 at flat $2/M: the window 12-08..14 ran 10M
    a day, every day alike: the earliest, 12-08, is both."""
    f = _forecast(_catalog_file(tmp_path), [*_dec()[:9], (dt.date(2026, 12, 10), 4_000_000), *_dec()[10:]],
                  dt.date(2026, 12, 15))  # fmt: skip
    doc = forecast_json(f)
    # the window 12-08..14: 10M a day but 4M on 12-10, the lowest
    assert (doc["projected_low_day"], doc["projected_high_day"]) == ("2026-12-10", "2026-12-08")
    rows = " ".join(str(r[0]) for r in forecast_tables(f)[0].rows)
    assert "the rate's lowest day, $8.00," in rows  # 4M x $2/M


def test_json_peak_requests_come_with_their_own_day(cli, tmp_path: Path) -> None:
    """README's JSON contract: since 6bbbe4b `day` is the day with the most tokens and `requests` the
    count of `requests_day`. 12-03 ran 300 requests of 5M tokens, 12-08..14 100 of 10M each: `day`
    12-08 with 10,000,000 tokens, `requests_day` 12-03 with 300."""
    page = _page(tmp_path / "p.json", _dec())
    doc = json.loads(page.read_text())
    for bucket in doc["data"]:
        if bucket["start_time"] == int(dt.datetime(2026, 12, 3, tzinfo=dt.UTC).timestamp()):
            bucket["results"][0]["num_model_requests"] = 300
    page.write_text(json.dumps(doc))
    r = cli("usage", page, "--pricing", _catalog_file(tmp_path), "--forecast", "--as-of", "2026-12-15", "-f", "json")
    (p,) = json.loads(r.stdout)["forecast"]["peak_days"]
    assert (p["day"], p["tokens"], p["requests_day"], p["requests"]) == ("2026-12-08", 10_000_000, "2026-12-03", 300)
