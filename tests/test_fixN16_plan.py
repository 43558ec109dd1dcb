"""Session 16, fixN16: review 16b's plan/API findings. The 30 days the budget is checked against
start within the horizon (R1); only a change of what the workload pays is a price change (R5); a
spend, use or headroom just past its limit reads past it (R6); the 30 days checked and the price
changes as JSON data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost

ROOT = Path(__file__).parent.parent

GPT41 = '      standard: [{from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"}]\n'
GPT41_BATCH = '      batch: [{from: "2025-04-14", input: "1.00", output: "4.00"}]\n'


def _catalog(tmp_path: Path, line: str, entry: str, name: str = "dated.yaml") -> str:
    """The shipped catalog with ``entry`` (a dated entry) added to gpt-4.1's price ``line``."""
    text = (ROOT / "pricing.yaml").read_text()
    assert text.count(line) == 1
    path = tmp_path / name
    path.write_text(text.replace(line, line.replace("}]\n", "}, " + entry + "]\n")))
    return str(path)


def _rise(tmp_path: Path, day: str) -> str:
    """gpt-4.1's standard prices ten times over from ``day``."""
    return _catalog(tmp_path, GPT41, f'{{from: "{day}", input: "20.00", cached_input: "5.00", output: "80.00"}}')


# 1,000 requests a day of 1,000 input and 100 output tokens on gpt-4.1: 1,000 x (1,000 x $2 + 100 x
# $8) / 1M = $2.80 a day, $84.00 a 30-day month; $28.00 a day at ten times the prices. Run date
# 2026-12-07, horizon 1 month: to 2027-01-07, its last day.
W1 = {"name": "t", "model": "gpt-4.1", "input_tokens": 1000, "output_tokens": 100,
      "traffic": {"requests_per_day": 1000}, "tier": 3, "horizon_months": 1,
      "budget_usd_per_month": 120}  # fmt: skip
DAY = "2026-12-07"


def test_the_30_days_checked_start_within_the_horizon(tmp_path: Path) -> None:
    """R1: a tenfold rise from 2027-01-06 passed at '$109.20 (2026-12-08 to 2027-01-06)', the 30
    days ending within the horizon; the 30 days starting 2027-01-06 cost 30 x $28 = $840."""
    got = gpt41cost.plan(W1, catalog=_rise(tmp_path, "2027-01-06"), as_of=DAY)
    assert not got.verdict.passed
    assert got.verdict.reasons == (
        "over budget: the 30 days 2027-01-06 to 2027-02-04 cost $840.00, each day at its own prices, "
        "above the $120.00 budget by $720.00",
    )
    assert got.to_dict()["budget_checked"] == {"start": "2027-01-06", "end": "2027-02-04", "usd": "840"}
    assert "$120.00 (700.0% used by the 30 days checked)" in got.render("table")  # 840 / 120


@pytest.mark.parametrize(
    ("day", "usd", "start"),
    [
        # the 30 days from 2027-01-07, the horizon's last day, run to 2027-02-05: 29 x $2.80 + $28
        ("2027-02-05", "109.2", "2027-01-07"),
        ("2027-02-06", None, None),  # past the last 30 days starting within the horizon
    ],
)
def test_a_change_anywhere_in_the_last_month_counts(tmp_path: Path, day: str, usd: str | None, start: str) -> None:
    cat = _rise(tmp_path, day)
    got = gpt41cost.plan({**W1, "budget_usd_per_month": 100}, catalog=cat, as_of=DAY).to_dict()
    if usd is None:
        assert got["budget_checked"] is None and got["price_changes"] == []
        assert got["verdict"]["pass"]
    else:
        assert got["budget_checked"] == {"start": start, "end": day, "usd": usd}
        assert got["price_changes"] == [{"day": day, "models": ["gpt-4.1"], "monthly_usd": "840"}]
        assert not got["verdict"]["pass"]
        # a budget exactly the 30 days' cost is kept
        assert gpt41cost.plan({**W1, "budget_usd_per_month": usd}, catalog=cat, as_of=DAY).verdict.passed


def test_a_price_line_the_workload_does_not_use_is_no_change(tmp_path: Path) -> None:
    """R5: a Batch cut from 2026-12-20 (0.9 of $1/$4) was noted for a plan with no batch share
    ('a month costs $84.00 ... ($84.00 at the run date's)'), and the budget row switched to 'by
    the 30 days checked'."""
    cat = _catalog(tmp_path, GPT41_BATCH, '{from: "2026-12-20", input: "0.90", output: "3.60"}')
    got = gpt41cost.plan(W1, catalog=cat, as_of=DAY)
    data = got.to_dict()
    assert not [n for n in data["notes"] if "prices change" in n or "budget checked" in n]
    assert (data["price_changes"], data["budget_checked"]) == ([], None)
    assert "$120.00 (70.0% used)" in got.render("table")  # 84 / 120
    # with half the requests through the Batch API the cut is what they pay: 500 x $2.80 + 500 x
    # $1.40 = $2.10 a day, $63.00 a month; from 2026-12-20 500 x $1.26: $60.90
    half = gpt41cost.plan({**W1, "batch_share": 0.5}, catalog=cat, as_of=DAY).to_dict()
    assert half["price_changes"] == [{"day": "2026-12-20", "models": ["gpt-4.1"], "monthly_usd": "60.9"}]
    assert (
        "prices change within the horizon: gpt-4.1 from 2026-12-20: a month costs $60.90 at the prices from then "
        "($63.00 at the run date's)"
    ) in half["notes"]
    # the most expensive 30 days are the first, before the cut: 13 x $2.10 + 17 x $2.03 = $61.81
    assert half["budget_checked"] == {"start": DAY, "end": "2027-01-05", "usd": "61.81"}


def test_a_spend_just_over_the_budget_reads_over_it() -> None:
    """R6: $84.00 a month against $83.996 read '$84.00 (100.0% used)' and 'above the $84.00 budget
    by $0.00' beside its FAIL."""
    got = gpt41cost.plan({**W1, "budget_usd_per_month": "83.996"}, as_of=DAY)
    assert got.verdict.reasons == ("over budget: projected $84.000/month is above the $83.996 budget by $0.004",)
    text = got.render("table")
    assert "$83.996 (100.005% used)" in text  # 84 / 83.996 = 100.00476...%
    assert "against the budget of $83.996" in got.render("html")
    assert gpt41cost.plan({**W1, "budget_usd_per_month": 84}, as_of=DAY).verdict.passed  # exactly the budget
    # a budget cents tell apart, as before
    assert "$120.00 (70.0% used)" in gpt41cost.plan(W1, as_of=DAY).render("table")


def test_a_use_just_over_its_ceiling_reads_over_it_beside_its_no() -> None:
    """R6: 10,473 requests a day of 1,100 tokens at 3 x the mean: 10,473 x 1,100 x 3 / 1,440 =
    24,000.625 TPM, 80.002% of tier 1's 30,000, read '80.0% ... 20.0% ... NO' at 20% headroom."""
    w = {**W1, "traffic": {"requests_per_day": 10473}, "tier": 1, "min_headroom_pct": 20}
    del w["budget_usd_per_month"]
    got = gpt41cost.plan(w, as_of=DAY)
    (row,) = [r for r in got.render("table").splitlines() if r.startswith(" gpt-4.1 ") and r.endswith("NO")]
    assert row.split()[2:] == ["80.002%", "19.998%", "NO"]
    (tier1,) = [r for r in got.render("table").splitlines() if r.split()[:1] == ["1"]]
    assert tier1.split()[1] == "19.998%"
    # well under: one place, as before
    ok = gpt41cost.plan({**w, "traffic": {"requests_per_day": 5000}}, as_of=DAY).render("table")
    assert [r for r in ok.splitlines() if r.startswith(" gpt-4.1 ")][-1].split()[2:] == ["38.2%", "61.8%", "yes"]


def test_the_json_carries_the_30_days_checked_and_the_changes(cli) -> None:  # type: ignore[no-untyped-def]
    """The JSON contract's run (tools/json_contract.py): support-bot.yaml with gpt-4.1-mini cut to
    0.75 from 2027-01-01, on 2026-12-06: $5,782.32 a month, $4,637.9025 from the cut; the first 30
    days are the dearest: (26 x 5,782.32 + 4 x 4,637.9025) / 30 = $5,629.731."""
    args = ("samples/workloads/support-bot.yaml", "--pricing", "tests/data/fixN16/pricing-dated.yaml")
    r = cli("plan", str(ROOT / args[0]), *args[1:2], str(ROOT / args[2]), "--as-of", "2026-12-06", "-f", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["budget_checked"] == {"start": "2026-12-06", "end": "2027-01-04", "usd": "5629.731"}
    assert doc["price_changes"] == [{"day": "2027-01-01", "models": ["gpt-4.1-mini"], "monthly_usd": "4637.9025"}]
    got = gpt41cost.plan(ROOT / args[0], catalog=str(ROOT / args[2]), as_of="2026-12-06").to_dict()
    got["workload"]["file"] = doc["workload"]["file"]
    assert json.loads(json.dumps(got, default=str)) == doc
    assert Decimal(doc["total_monthly_cost_usd"]["total"]) == Decimal("5782.32")
