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
