"""The forecast: one test of the run date left out of the rate's window, one figure for the rest
of the run date at the rate (session 16, item 3)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost

ROOT = Path(__file__).parent.parent
BILL = ROOT / "samples" / "bill-2026-11"


@pytest.mark.parametrize(
    ("day", "left_out"),
    [
        pytest.param("2026-11-20", True, id="records-reach-the-run-date"),
        pytest.param("2026-12-06", False, id="month-over"),
    ],
)
def test_the_run_date_left_out_is_said_alike_in_the_assumption_and_the_note(day: str, left_out: bool):
    got = gpt41cost.usage([str(BILL / "completions")], forecast=True, budget=Decimal(5000), as_of=day)
    f = got.forecast
    assert f is not None and f.run_date_left_out is left_out
    assert (f.rate_to < f.through) is left_out
    assert ("complete days: the run date" in dict(f.assumptions)["run rate"]) is left_out
    (note,) = [n for n in got.report().notes if n.startswith("Forecast: ")]
    assert ("the mean of the last 7 complete days" in note) is left_out
    if left_out:  # the rest of the run date at the rate, once, in the projection and the table's row
        assert f.rest_of_run_date_usd is not None
        assert f.projected_usd == f.spent_usd + f.rest_of_run_date_usd + f.run_rate_usd * f.days_left
