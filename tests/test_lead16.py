"""Small mends of session 16 (the lead's)."""

from __future__ import annotations

from gpt41cost.readers.inputs import unrendered_note
from gpt41cost.views.limits import unrendered_notes


def test_the_unrendered_note_counts_with_separators_as_its_list_of_names_does():
    assert unrendered_note(1_010).startswith("1,010 input(s) look like unrendered templates")  # was "1010 input(s)"
    (many,) = unrendered_notes([f"t{i}.txt" for i in range(1_010)])
    assert many.startswith("1,010 input(s)") and many.endswith(" and 1,005 more")


def test_the_dated_prices_rule_says_how_plan_check_prices_a_change_within_the_horizon(shipped_catalog):
    """docs/accounting.md §1 says it since 37e1b7c; `gpt41cost rules` lists the same policy."""
    from gpt41cost.rules import all_rules

    (rule,) = [r for r in all_rules(shipped_catalog) if r.name == "dated prices"]
    assert "plan --check holds the budget against the most expensive 30 days starting within the horizon" in rule.text


def test_the_budget_row_gives_the_use_the_verdict_holds_against_the_budget(tmp_path):
    """With a price cut within the horizon the plan PASSes on the 30 days checked ($13.30 of $15:
    88.67%), and its budget row said '$15.00 (112.0% used)' of the month at the run date's prices
    ($16.80), beside the PASS."""
    import gpt41cost
    from tests.test_fixL16_plan import MINI_WORKLOAD, _dated_catalog

    got = gpt41cost.plan(MINI_WORKLOAD, catalog=_dated_catalog(tmp_path, "2026-12-10", "0.75"), as_of="2026-12-05")
    assert got.verdict.passed
    assert got.to_dict()["budget_used_pct"] == 88.6667  # 13.30 * 100 / 15
    assert "$15.00 (88.7% used by the 30 days checked)" in got.render("table")
    # no price change within the horizon: the month shown, as before
    flat = gpt41cost.plan(MINI_WORKLOAD, as_of="2026-12-05")
    assert flat.to_dict()["budget_used_pct"] == 112.0  # 16.80 * 100 / 15
    assert "$15.00 (112.0% used)" in flat.render("table")
