"""Review 16c's findings. D1: the rest of the run date took the day's spend so far, at a shut-down
model's own prices, off a day of its traffic at its substitute's prices (dollars less dollars at
other prices); it is now the rate's traffic less the day's traffic so far, both at the prices the
rest of the day pays, per model, none if more. Prices as tests/test_fixJ16.py writes them into the
shipped catalog: gpt-4.1 $2/M input, gpt-4.1-mini $0.40/M, gpt-4.1-nano $0.10/M; gpt-4.1-nano shut
down on 2026-10-23 (substitute gpt-4.1-mini), gpt-4.1-mini on 2027-01-14 (none in the catalog).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import gpt41cost
from gpt41cost.catalog import load_catalog
from gpt41cost.forecast import forecast
from gpt41cost.usage import Accumulator, UsageRecord, summarize
from gpt41cost.views.forecast import forecast_tables

from .test_fixJ16 import _catalog_file, _day, _family_shut_down, _forecast, _page

# -- D1: the rest of the run date, traffic less traffic at the prices the rest pays ----------------


def test_a_full_day_logged_on_the_run_date_leaves_no_rest_at_the_substitute(cli, tmp_path: Path) -> None:
    """review16c F5: gpt-4.1-nano 1M input tokens a day 01-01..10 ($0.10 a day at its own prices),
    as of 01-10 with the day's 1M logged. The rest of 01-10 is 1M - 1M = none of its traffic: $0
    (was $0.40 at gpt-4.1-mini less the $0.10 spent at nano's prices, $0.30). 01-11..13 at
    gpt-4.1-mini, 3 x $0.40 = $1.20; 01-14..31 left out (gpt-4.1-mini shut down too). Month-end
    10 x $0.10 + $1.20 = $2.20 (was $2.50); the shutdown's part $1.20 (was $1.50)."""
    page = _page(tmp_path / "f5.json", [(dt.date(2027, 1, i), 1_000_000) for i in range(1, 11)], model="gpt-4.1-nano")
    r = cli("usage", page, "--pricing", _catalog_file(tmp_path), "--forecast", "--as-of", "2027-01-10", "-f", "json")
    assert r.exit_code == 0, r.stderr
    f = json.loads(r.stdout)["forecast"]
    assert (f["spent_usd"], f["rest_of_run_date_usd"], f["projected_usd"]) == ("1", "0", "2.2")
    assert (f["projected_low_usd"], f["projected_high_usd"]) == ("2.2", "2.2")
    (s,) = f["shutdowns"]
    assert (s["projected_usd"], s["substituted_at_own_prices_usd"], s["left_out_at_own_prices_usd"]) == (
        "1.2",
        "0.3",  # at nano's own prices: the rest 1M - 1M, $0, and 3 x $0.10
        "1.8",
    )


def test_half_a_day_logged_leaves_half_a_day_at_the_substitutes_prices(tmp_path: Path) -> None:
    """review16c F3: the same with 0.5M logged on 01-10 ($0.05 at nano's prices). The rest of 01-10
    is 0.5M x $0.40/M = $0.20 (was $0.40 - $0.05 = $0.35). Spent 9 x $0.10 + $0.05 = $0.95;
    month-end 0.95 + 0.20 + 3 x $0.40 = $2.35 (was $2.50). At nano's own prices the substituted
    days are 0.5M x $0.10/M + 3 x $0.10 = $0.35."""
    days = [(dt.date(2027, 1, i), 1_000_000) for i in range(1, 10)] + [(dt.date(2027, 1, 10), 500_000)]
    f = _forecast(_catalog_file(tmp_path), days, dt.date(2027, 1, 10), model="gpt-4.1-nano")
    assert (f.spent_usd, f.rest_of_run_date_usd, f.projected_usd) == (Decimal("0.95"), Decimal("0.2"), Decimal("2.35"))
    (s,) = f.shutdowns
    assert (s.usd, s.substituted_own_usd, s.left_out_own_usd) == (Decimal("1.4"), Decimal("0.35"), Decimal("1.8"))
    assert f.projected_usd == f.spent_usd + s.usd
    labels = [str(r[0]) for r in forecast_tables(f)[0].rows]
    # $0.40 less $0.05 is not $0.20: the label says what was taken off, not dollars at other prices
    assert (
        "rest of 2027-01-10 (not over: per model, a day of the rate's traffic less the day's so far, at the prices "
        "the rest pays)"
    ) in labels


def _cheaper_substitute(tmp_path: Path) -> Path:
    """gpt-4.1 (no inferred dates) shuts down on 2026-10-28, substitute gpt-4.1-mini: one cheaper than
    the model."""
    return _family_shut_down(tmp_path, "gpt-4.1", "gpt-4.1-mini", substitute="gpt-4.1-mini")


def test_a_cheaper_substitute_no_longer_clamps_the_rest_to_nothing(tmp_path: Path) -> None:
    """gpt-4.1 1M tokens a day 10-01..28 ($2 a day), 0.5M so far on 10-29 ($1 at its own prices); it
    shut down on 10-28, substitute gpt-4.1-mini at $0.40/M. The rest of 10-29 is 0.5M x $0.40/M =
    $0.20 (was max($0.40 - $1.00, 0) = $0: the month understated). Spent 28 x $2 + $1 = $57;
    10-30..31 2 x $0.40 = $0.80; month-end $58.00 (was $57.80)."""
    days = [(dt.date(2026, 10, i), 1_000_000) for i in range(1, 29)] + [(dt.date(2026, 10, 29), 500_000)]
    f = _forecast(_cheaper_substitute(tmp_path), days, dt.date(2026, 10, 29), model="gpt-4.1")
    assert (f.spent_usd, f.rest_of_run_date_usd, f.projected_usd) == (Decimal(57), Decimal("0.2"), Decimal(58))
    (s,) = f.shutdowns
    # at its own $2/M: the rest 0.5M, $1, and 2 x $2
    assert (s.first_day, s.usd, s.substituted_own_usd) == (dt.date(2026, 10, 29), Decimal(1), Decimal(5))


def test_a_model_past_its_rate_takes_nothing_off_anothers_rest(tmp_path: Path) -> None:
    """No price moves. gpt-4.1 1M tokens a day ($2) and gpt-4.1-mini 10M ($4), 12-01..07: the rate is
    $6 a day. On 12-08, the run date, gpt-4.1 has run 3M ($6, past its day) and gpt-4.1-mini 2M
    ($0.80). The rest is gpt-4.1's none and gpt-4.1-mini's (10M - 2M) x $0.40/M = $3.20 (was
    max($6 - $6.80, 0) = $0: gpt-4.1's busy morning took gpt-4.1-mini's afternoon off). Spent
    7 x $6 + $6.80 = $48.80; 12-09..31 23 x $6 = $138; month-end $190.00 (was $186.80)."""
    run = dt.date(2026, 12, 8)
    cat = load_catalog(_catalog_file(tmp_path)).on(run)
    acc = Accumulator()
    for i in range(1, 9):
        day = _day(dt.date(2026, 12, i))
        acc.add(UsageRecord("gpt-4.1", 3_000_000 if i == 8 else 1_000_000, 0, 0, requests=10, day=day,
                            per_request=False))  # fmt: skip
        acc.add(UsageRecord("gpt-4.1-mini", 2_000_000 if i == 8 else 10_000_000, 0, 0, requests=10, day=day,
                            per_request=False))  # fmt: skip
    f = forecast(summarize(acc, cat), acc, cat, run_date=run)
    assert (f.spent_usd, f.run_rate_usd, f.rest_of_run_date_usd) == (Decimal("48.8"), Decimal(6), Decimal("3.2"))
    assert f.projected_usd == Decimal(190)
    labels = [str(r[0]) for r in forecast_tables(f)[0].rows]
    assert any(label.startswith("rest of 2026-12-08 (not over: per model, ") for label in labels)
    assert not any("less its $6.80 so far" in label for label in labels)  # $6 less $6.80 is not $3.20


# -- D2: a max peak RPM just under a fractional peak reads under it ----------------------------------

#: review16c rpm.yaml: gpt-4.1, 900 in + 100 out, peak 24.00048 RPM: 24.00048 x 1,000 = 24,000.48 TPM,
#: 80.0016% of tier 1's 30,000; at 20% headroom tier 1 carries 24,000 / 1,000 = 24 RPM at most
RPM = {"name": "t", "model": "gpt-4.1", "input_tokens": 900, "output_tokens": 100,
       "traffic": {"peak_rpm": "24.00048"}, "tier": 1, "min_headroom_pct": 20, "horizon_months": 0}  # fmt: skip
LIMITS = ["-m", "gpt-4.1", "--input-tokens", "900", "--output-tokens", "100", "--peak-rpm", "24.00048",
          "--min-headroom", "20", "--as-of", "2026-12-07"]  # fmt: skip


def _row(text: str, first: list[str]) -> list[str]:
    (row,) = [r.split() for r in text.splitlines() if r.split()[: len(first)] == first]
    return row


def test_plan_max_peak_rpm_under_the_peak_reads_under_it() -> None:
    """review16c D2: tier 1 read '1 19.998% 24 ... NO' and the assumption 'peak requests/min: 24':
    a peak of 24 against a max of 24. The max and the peak take the places that set them apart:
    24 and 24.0005 (24.00048 half-even at 4 places); a tier well apart keeps 2 places."""
    got = gpt41cost.plan(RPM, as_of="2026-12-07")
    assert not got.verdict.passed
    text = got.render("table")
    tier1 = _row(text, ["1"])
    assert (tier1[1], tier1[2], tier1[-1]) == ("19.998%", "24", "NO")
    assert _row(text, ["2"])[2] == "360"
    assert "peak requests/min: 24.0005 (traffic.peak_rpm)" in text  # was 24
    assert _row(text, ["total"])[3] == "24.0005"  # the peak RPM column
    assert _row(text, ["gpt-4.1", "deprecated,"])[-4] == "24.0005"
    # JSON keeps its 4 places: 24 and 24.0005 already read apart there
    tier = got.to_dict()["tiers"][0]
    assert (tier["max_peak_rpm"], got.to_dict()["inputs"]["peak_rpm"]) == (24, 24.0005)


def test_plan_a_peak_well_apart_keeps_two_places() -> None:
    text = gpt41cost.plan({**RPM, "traffic": {"peak_rpm": "20.5"}}, as_of="2026-12-07").render("table")
    assert "peak requests/min: 20.5 (traffic.peak_rpm)" in text
    assert _row(text, ["1"])[2] == "24" and _row(text, ["1"])[-1] == "yes"


def test_limits_every_tier_max_peak_rpm_under_the_peak_reads_under_it(cli) -> None:  # type: ignore[no-untyped-def]
    """limits' per-tier table had the same '24 ... NO' beside a peak shown as 24."""
    text = cli("limits", LIMITS, expect=0).stdout
    tier1 = _row(text, ["gpt-4.1", "1"])
    assert (tier1[4], tier1[5], tier1[-1]) == ("19.998%", "24", "NO")
    assert "peak requests/min: 24.0005 (--peak-rpm)" in text  # was 24
    assert "24.0005" in _row(text, ["gpt-4.1", "deprecated,"])  # the lowest-tier table's peak RPM
