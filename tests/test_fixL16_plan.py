"""Session 16, fixL16: the plan's figures as the notes give them (the budget cell, a use just over
its ceiling)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import gpt41cost

ROOT = Path(__file__).parent.parent

# --------------------------------------------------------------------------- cosmetics (item 7)


def _plan(**over: object) -> gpt41cost.Plan:
    doc = {"name": "t", "model": "gpt-4.1", "input_tokens": 1000, "output_tokens": 200,
           "traffic": {"requests_per_day": 1000}, "tier": 1, **over}  # fmt: skip
    return gpt41cost.plan(doc, as_of="2026-06-01")


def test_budget_cell_shows_cents_as_the_notes_do() -> None:
    """The table read '$15.0000 (...% used)' where the note said '$15.00'."""
    text = _plan(budget_usd_per_month=15).render("table")
    assert "$15.00 (" in text and "$15.0000" not in text
    assert "$15.00 budget" in text  # the verdict's note, in the same places


def test_an_over_limit_use_reads_over_its_ceiling() -> None:
    """80.04% of TPM at 20% headroom read 'TPM at 80.0% ... (at most 80.0% ...)'."""
    got = _plan(traffic={"requests_per_day": 1000, "peak_rpm": "20.01"}, min_headroom_pct=20)
    reasons = got.verdict.reasons
    assert "tier 1: gpt-4.1: TPM at 80.04% of 30,000 (at most 80.00% for 20.00% headroom)" in reasons
    # a use well over its ceiling keeps one place
    got = _plan(traffic={"requests_per_day": 1000, "peak_rpm": 30}, min_headroom_pct=20)
    assert "tier 1: gpt-4.1: TPM at 120.0% of 30,000 (at most 80.0% for 20.0% headroom)" in got.verdict.reasons


# --------------------------------------------------------------------------- dated prices within the horizon (item 6)

MINI = '      standard: [{from: "2025-04-14", input: "0.40", cached_input: "0.10", output: "1.60"}]\n'


def _dated_catalog(tmp_path: Path, day: str, factor: str) -> str:
    """The shipped catalog with gpt-4.1-mini's standard prices times ``factor`` from ``day``."""
    rates = {
        k: Decimal(v) * Decimal(factor) for k, v in (("input", "0.40"), ("cached_input", "0.10"), ("output", "1.60"))
    }
    entry = ", ".join(f'{k}: "{v}"' for k, v in rates.items())
    text = (ROOT / "pricing.yaml").read_text()
    assert text.count(MINI) == 1
    dated = (
        "      standard:\n"
        '        - {from: "2025-04-14", input: "0.40", cached_input: "0.10", output: "1.60"}\n'
        f'        - {{from: "{day}", {entry}}}\n'
    )
    path = tmp_path / "dated.yaml"
    path.write_text(text.replace(MINI, dated))
    return str(path)


# 1,000 requests a day of 1,000 input and 100 output tokens on gpt-4.1-mini: $0.56 a day at
# $0.40/$1.60 per 1M ($16.80 a 30-day month), $0.42 at 0.75 of it ($12.60)
MINI_WORKLOAD = {"name": "t", "model": "gpt-4.1-mini", "input_tokens": 1000, "output_tokens": 100,
                 "traffic": {"requests_per_day": 1000}, "tier": 3, "budget_usd_per_month": 15,
                 "horizon_months": 1}  # fmt: skip


def test_a_price_cut_within_the_horizon_is_noted_and_the_budget_priced_day_by_day(tmp_path: Path) -> None:
    """The review's case: $16.80 against $15 failed with the catalog cutting the price 5 days
    later, and nothing said so. The 30 days from 2026-12-05 cost 5 x $0.56 + 25 x $0.42 = $13.30."""
    got = gpt41cost.plan(MINI_WORKLOAD, catalog=_dated_catalog(tmp_path, "2026-12-10", "0.75"), as_of="2026-12-05")
    assert got.assessment.monthly_spend_usd == Decimal("16.80")  # the month shown: the run date's prices
    assert got.verdict.passed, got.verdict.reasons
    notes = got.to_dict()["notes"]
    assert (
        "prices change within the horizon: gpt-4.1-mini from 2026-12-10: a month costs $12.60 at the prices "
        "from then ($16.80 at the run date's)"
    ) in notes
    assert (
        "budget checked against the most expensive 30 days starting within the horizon, each day at its own "
        "prices: $13.30 (2026-12-05 to 2027-01-03)"
    ) in notes


def test_a_price_rise_within_the_horizon_fails_the_budget(tmp_path: Path) -> None:
    """A rise within the horizon was not seen: the run date's $16.80 passed an $18 budget that the
    30 days from 2026-12-20 (a start within the horizon, to 2027-01-05) overrun: 30 x $0.70 (the
    prices from 2026-12-20) = $21.00. (fixN16: it was the 30 days ending within the horizon, from
    2026-12-06, 14 x $0.56 + 16 x $0.70 = $19.04.)"""
    cat = _dated_catalog(tmp_path, "2026-12-20", "1.25")
    got = gpt41cost.plan({**MINI_WORKLOAD, "budget_usd_per_month": 18}, catalog=cat, as_of="2026-12-05")
    assert got.assessment.monthly_spend_usd == Decimal("16.80")
    assert got.verdict.reasons == (
        "over budget: the 30 days 2026-12-20 to 2027-01-18 cost $21.00, each day at its own prices, "
        "above the $18.00 budget by $3.00",
    )


def test_a_price_change_past_the_horizon_changes_nothing(tmp_path: Path) -> None:
    cat = _dated_catalog(tmp_path, "2027-03-01", "0.75")
    got = gpt41cost.plan(MINI_WORKLOAD, catalog=cat, as_of="2026-12-05")
    assert got.verdict.reasons == ("over budget: projected $16.80/month is above the $15.00 budget by $1.80",)
    assert not [n for n in got.to_dict()["notes"] if "prices change" in n or "budget checked" in n]


def test_the_cli_gate_follows_the_dated_prices(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wl = tmp_path / "m.yaml"
    wl.write_text(
        "name: t\nmodel: gpt-4.1-mini\ninput_tokens: 1000\noutput_tokens: 100\ntraffic: {requests_per_day: 1000}\n"
        "tier: 3\nbudget_usd_per_month: 15\nhorizon_months: 1\n"
    )
    cat = _dated_catalog(tmp_path, "2026-12-10", "0.75")
    r = cli("plan", str(wl), "--check", "--pricing", cat, "--as-of", "2026-12-05")
    assert r.exit_code == 0, r.stderr
    assert "budget checked against the most expensive 30 days starting within the horizon" in r.stdout
