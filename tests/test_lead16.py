"""Small mends of session 16 (the lead's)."""

from __future__ import annotations

import pytest

from gpt41cost.readers.inputs import unrendered_note
from gpt41cost.views.limits import unrendered_notes


def test_the_unrendered_note_counts_with_separators_as_its_list_of_names_does():
    assert unrendered_note(1_010).startswith("1,010 inputs look like unrendered templates")  # was "1010 input(s)"
    (many,) = unrendered_notes([f"t{i}.txt" for i in range(1_010)])
    assert many.startswith("1,010 inputs look like") and many.endswith(" and 1,005 more")


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


@pytest.mark.parametrize("size", [0, 1, 4_999, 5_000, 5_001, 12_345])
@pytest.mark.parametrize("kind", ["file", "stream"])
def test_a_bounded_read_gives_all_to_the_limit_and_refuses_past_it(tmp_path, monkeypatch, size, kind):
    """read_limited reads a regular file in a call of its size and a stream in growing pieces (no
    buffer of the limit set aside per file): all of it up to the limit, one byte more refused."""
    import io

    from gpt41cost.errors import InputError
    from gpt41cost.readers import files

    monkeypatch.setattr(files, "FIRST_READ", 1_000)  # several pieces of a stream under the limit
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with open(path, "rb") if kind == "file" else io.BytesIO(data) as fh:
        if size <= 5_000:
            assert files.read_limited(fh, "f.bin", limit=5_000) == data
        else:
            with pytest.raises(InputError, match=r"^f\.bin: over 0 MiB read whole"):
                files.read_limited(fh, "f.bin", limit=5_000)


def test_a_bounded_read_reads_a_file_that_grew_after_its_size_was_taken(tmp_path, monkeypatch):
    """The size is a hint: a file longer than it is read on to its end (or the limit)."""
    import os

    from gpt41cost.readers import files

    path = tmp_path / "grows.txt"
    path.write_bytes(b"a" * 100)
    monkeypatch.setattr(files, "regular_size", lambda fh: 10)
    with open(path, "rb") as fh:
        assert files.read_limited(fh, "grows.txt", limit=1_000) == b"a" * 100
    assert os.path.getsize(path) == 100


def test_a_chart_shows_a_share_just_past_its_line_past_it(cli):
    """limits' chart of use per tier read 'TPM % ... 80.0%' for 80.002% of tier 1's TPM against its
    '80.0%' line (the table says 80.002% since 2843957; fixP16's finding): the terminal bars, the
    page's bars, its figure table and its words all show the places that set it apart."""
    from decimal import Decimal

    from gpt41cost.report import chart_value, places_apart

    assert places_apart(Decimal("80.0021"), Decimal(80)) == 3
    assert places_apart(Decimal("79.99"), Decimal(80)) == 2
    assert places_apart(Decimal(80), Decimal(80)) == 1
    assert chart_value(Decimal("80.0021"), "pct", Decimal(80)) == "80.002%"
    assert chart_value(Decimal("80.0021"), "pct") == "80.0%"  # no line: one place
    args = ["limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "10473"]
    args += ["-m", "gpt-4.1", "--min-headroom", "20"]
    table = cli(*args, env={"COLUMNS": "160"}, expect=0).stdout
    (bar,) = [line for line in table.splitlines() if line.startswith(" tier 1 ") and "TPM %" in line]
    assert bar.endswith("80.002%"), bar
    page = cli(*args, "-f", "html", expect=0).stdout
    assert page.count("80.002%") == 4  # the table, the bar's figure, the chart's words, its data table
