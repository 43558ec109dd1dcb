"""Compact bar charts in the table format (issue #16): drawn from the report's charts under
their table, in Unicode blocks or ASCII, never in Markdown, CSV, JSON or HTML."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.bars import bar, bar_chart, stacked
from gpt41cost.report import Chart

from .conftest import Cli
from .rendered import rendered

ROOT = Path(__file__).parent.parent
BLOCKS = set("█▏▎▍▌▋▊▉│▒░▓─")


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param((50.0, 100.0, 10, False), "█████     ", id="half"),
        pytest.param((55.0, 100.0, 10, False), "█████▌    ", id="eighths"),
        pytest.param((55.0, 100.0, 10, True), "######    ", id="ascii-whole-cells"),
        pytest.param((0.0, 100.0, 10, False), "          ", id="zero"),
        pytest.param((150.0, 100.0, 10, False), "█████████>", id="past-the-limit"),
        pytest.param((150.0, 100.0, 10, True), "#########>", id="past-the-limit-ascii"),
        pytest.param((30.0, 100.0, 10, False, 80.0), "███     │ ", id="headroom-mark"),
        pytest.param((90.0, 100.0, 10, True, 80.0), "#########|"[:9] + " ", id="mark-hidden-under-the-bar"),
        pytest.param((5.0, 0.0, 4, False), "    ", id="nothing-to-scale"),
    ],
)
def test_bar(args, want) -> None:  # type: ignore[no-untyped-def]
    assert bar(*args) == want


def test_stacked_segments_end_where_the_sums_do() -> None:
    assert stacked([30.0, 20.0], 100.0, 10, False) == "███▒▒     "
    assert stacked([30.0, 20.0], 100.0, 10, True, 80.0) == "###==   | "
    assert stacked([80.0, 40.0], 100.0, 10, True) == "########=>"


def test_a_chart_draws_its_categories_figures_and_key_within_the_width() -> None:
    c = Chart(
        "Use per tier",
        "",
        ["tier 1", "tier 2 (lowest that fits)"],
        [("RPM %", [Decimal("20.8"), Decimal("2.1")]), ("TPM %", [Decimal("128.3"), Decimal("12.8")])],
        unit="pct",
        line=("limit less headroom", Decimal(80)),
        table="tiers",
        terminal=2,
    )
    lines = bar_chart(c, 80)
    assert lines[0] == "Use per tier"
    assert lines[1] == " a full bar is 100%, > past it; │ limit less headroom 80.0%"
    assert lines[2].startswith(" tier 1                     RPM % ") and lines[2].endswith("128.3%")
    assert ">" in lines[2] and "│" in lines[3]
    assert all(len(x) <= 80 for x in lines)
    assert bar_chart(c, 50) == []  # too narrow for two bars and their figures: left out, the table has them
    one = bar_chart(Chart("Cost", "", ["a", "b"], [("x", [Decimal(2), Decimal(1)]), ("y", [1, 1])], terminal=1), 60)
    assert one[0] == "Cost: x"  # the series drawn are named when others are left out
    assert one[1:] == [" a  " + "█" * 30 + " $2.00", " b  " + "█" * 15 + " " * 15 + " $1.00"]


RUNS = {
    "estimate": (["samples/support", "--requests-per-day", "20000", "--cache", "auto"], "Cost per month by model"),
    "limits": (["samples/support", "--requests-per-day", "50000", "--max-tokens", "800"], "RPM and TPM use per tier"),
    "plan": (["samples/workloads/support-bot.yaml"], "Monthly cost by model"),
    "usage": (["samples/usage"], "Cost by model"),
}


#: The terminal of the runs below: 100 columns, no TERM or NO_COLOR from the environment running the tests.
TERMINAL = {"COLUMNS": "100", "TERM": None, "NO_COLOR": None}


@pytest.fixture
def cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(ROOT)  # the runs name samples relative to the repository root
    return cli


@pytest.mark.parametrize("command", list(RUNS))
def test_bars_are_in_the_table_format_only(cli, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    """The table run draws the bars; its report in Markdown, CSV, JSON and HTML, as the CLI
    renders them on the same terminal (tests/rendered.py), has none."""
    args, title = RUNS[command]
    table = rendered(cli, monkeypatch, command, args, env=TERMINAL, expect=(0, 1))
    assert f"{title}" in table.run.stdout and "█" in table.run.stdout
    assert (table.fmt, table.width) == ("table", 100)
    for fmt in ("markdown", "csv", "json", "html"):
        out = table.again(fmt)
        assert not BLOCKS & set(out), fmt


@pytest.mark.parametrize(
    ("env", "encoding"),
    [
        pytest.param({"TERM": "dumb"}, "utf-8", id="term-dumb"),
        pytest.param({}, "ascii", id="ascii-stdout"),
        pytest.param({}, "latin-1", id="latin-1-stdout"),
    ],
)
@pytest.mark.parametrize("command", list(RUNS))
def test_bars_and_rules_fall_back_to_ascii(cli, command, env, encoding) -> None:  # type: ignore[no-untyped-def]
    args, title = RUNS[command]
    r = cli(command, args, env={**TERMINAL, **env}, encoding=encoding, expect=(0, 1))
    assert title in r.stdout and "#" in r.stdout.split(title, 1)[1]
    assert not BLOCKS & set(r.stdout)


def test_no_color_changes_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    args, _ = RUNS["plan"]
    plain = cli("plan", args, env=TERMINAL).stdout
    assert cli("plan", args, env={**TERMINAL, "NO_COLOR": "1"}).stdout == plain


def test_a_label_the_output_cannot_carry_is_escaped_once_as_in_the_table() -> None:
    """On an ASCII terminal 'café' is 'caf\\xe9' in the table, and was 'caf\\\\xe9' in the chart under
    it: the chart's labels were made encodable, then escaped again as text read (the diff review)."""
    from gpt41cost.report import Report, Table, render

    chart = Chart("cost café", "", ["café-model", "b"], [("x", [Decimal(2), Decimal(1)])], table="t", terminal=1)
    rows = [["café-model", 2], ["b", 1]]
    report = Report("r", {}, tables=[Table("t", ["model", "x"], rows, name="t")], charts=[chart])
    text = render(report, "table", width=80, encoding="ascii", ascii=True)
    assert "caf\\xe9-model" in text and "cost caf\\xe9" in text
    assert "\\\\x" not in text
