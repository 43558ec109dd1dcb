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
    assert (
        "plan --check holds the budget against the most expensive 30 days starting on a day from the run's date to "
        "the horizon's last day, each day at its own prices, when what a routed model's share pays changes in them "
        "(a price line the workload does not use is no change"
    ) in rule.text  # as since 2671ce5 (review16b's R1 and R5)


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


def test_a_flag_that_is_no_number_gets_one_hint_its_own():
    """--tolerance and --budget added their own hint after the number reader's ("give e.g. 0.8 or
    80%; use a share such as 0.01 or 1%"): one hint, the flag's own examples; a number out of
    range keeps the flag's hint, which the reader does not give."""
    import pytest

    from gpt41cost.errors import ParameterError
    from gpt41cost.numbers import check_budget, parse_tolerance

    with pytest.raises(ParameterError) as exc:
        parse_tolerance("abc")
    assert str(exc.value) == "tolerance 'abc': 'abc' is not a number; give e.g. 0.01 or 1% (a share)"
    with pytest.raises(ParameterError) as exc:
        parse_tolerance("5")
    assert str(exc.value).endswith("got 5; use a share such as 0.01 or 1%")
    with pytest.raises(ParameterError) as exc:
        check_budget("abc")
    assert str(exc.value) == "budget 'abc': 'abc' is not a number; give e.g. 5000 or $5,000 (US dollars)"
    with pytest.raises(ParameterError) as exc:
        check_budget("-5")
    flag = exc.value.named(lambda p: "--" + p)
    assert flag == "--budget '-5': must be more than 0, got -5; give US dollars, e.g. --budget 5000"


def test_the_cli_says_one_hint(cli):
    run = cli("usage", "samples/bill-2026-11/completions", "--billed", "samples/bill", "--tolerance", "abc", expect=2)
    assert run.stderr == "gpt41cost: error: --tolerance 'abc': 'abc' is not a number; give e.g. 0.01 or 1% (a share)\n"
    assert run.stdout == ""


def test_the_request_service_tier_rule_names_usage_records_too(shipped_catalog):
    """usage prices flex and a fine-tuned model's priority records at standard since 340c8e1, as
    docs/accounting.md §2 says; the rule named estimate, limits and plan only."""
    from gpt41cost.rules import all_rules

    (rule,) = [r for r in all_rules(shipped_catalog) if r.name == "request service tier"]
    assert rule.text.endswith("usage prices a record by the service_tier it names the same way")


def test_the_forecast_after_shutdown_rule_names_the_rest_of_the_run_date(shipped_catalog):
    """A shutdown on or before the run date covers the rest of that day since d9c7e15 (docs §11)."""
    from gpt41cost.rules import all_rules

    (rule,) = [r for r in all_rules(shipped_catalog) if r.name == "forecast after shutdown"]
    assert "on days it is shut down (the rest of the run date included)" in rule.text
