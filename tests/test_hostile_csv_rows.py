"""CSV rows whose cells do not line up with the header (#18): never priced in silence.

A value holding an unquoted comma (``Acme, Inc`` as a project) adds a cell and shifts every cell
after it, so the row's figures come from the wrong columns; the usage CSV reader read the first
cells of such a row and priced it without a word. A row with fewer cells (cut short, or split by
an unquoted line break) is as unclear. Either is a bad record naming the file, the line the row
starts on and both counts: skipped and counted, ``--strict`` stops on it (exit 3, nothing on
stdout). The cost export read by ``--billed`` refuses it with one line, as it refuses every bad
row. Blank rows are passed over; a header naming a column twice is a bad file
(tests/test_hostile_repeats.py), named at the line the header is on.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpt41cost.errors import ExitCode, InputError
from gpt41cost.readers.costs import read_billed
from gpt41cost.readers.usage import read_usage

from .conftest import DATA

USAGE = DATA / "usage"
HEADER, *ROWS = list(csv.reader(io.StringIO((USAGE / "usage-export.csv").read_text())))
WIDTH = len(HEADER)
PROJECT = HEADER.index("project_id")
FIXTURE_CATALOG = DATA / "pricing-fixture.yaml"

#: Rows with nothing in them: passed over wherever they are.
BLANK_ROWS = ["", "   ", ",,,", " , ", "," * (WIDTH - 1), "," * (WIDTH + 3)]


def _write(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def export_with_a_row_astray(draw: st.DrawFn) -> tuple[str, str, int, int]:
    """(the export with one row astray, the same export without that row, the line the row
    starts on, its cell count)."""
    good = [list(draw(st.sampled_from(ROWS))) for _ in range(draw(st.integers(1, 5)))]
    for row in good:  # values a careful export quotes: a comma, a line break
        row[PROJECT] = draw(st.sampled_from([row[PROJECT], "Acme, Inc", "team\nb", 'say "hi", then']))
    cells = list(draw(st.sampled_from(ROWS)))
    how = draw(st.sampled_from(["comma", "trailing", "cut", "dropped"]))
    if how == "comma":  # a value with an unquoted comma: one cell more, the rest shifted
        i = draw(st.integers(0, WIDTH - 1))
        k = draw(st.integers(0, len(cells[i])))
        cells[i : i + 1] = [cells[i][:k], cells[i][k:]]
    elif how == "trailing":
        cells.append(draw(st.sampled_from(["", "0", "gpt-4.1"])))
    elif how == "cut":
        del cells[draw(st.integers(1, WIDTH - 1)) :]
    else:
        del cells[draw(st.integers(0, WIDTH - 1))]
    at = draw(st.integers(0, len(good)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lead = "".join(draw(st.lists(st.sampled_from(["\n", "  \n"]), max_size=2)))
    blanks = draw(st.lists(st.tuples(st.integers(0, len(good)), st.sampled_from(BLANK_ROWS)), max_size=3))

    def text(bad: bool) -> tuple[str, int]:
        parts, line = [lead, _write([HEADER])], 0
        for n, row in enumerate([*good, []]):
            parts += [blank + "\n" for where, blank in blanks if where == n]
            if n == at and bad:
                line = "".join(parts).count("\n") + 1
                parts.append(",".join(cells) + "\n")  # unquoted, as the broken export wrote it
            if row:
                parts.append(_write([row]))
        return "".join(parts).replace("\n", newline).replace("team" + newline + "b", "team\nb"), line

    with_bad, line = text(True)
    return with_bad, text(False)[0], line, len(cells)


# 20 examples (60 before): mutants of the CSV reader's row loop (a row of blank cells taken for a
# record, a row cut short let through) fail 10 seeded runs in 10 at 20 (5 in 5 at 60).
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(export_with_a_row_astray())
def test_a_row_with_more_or_fewer_cells_than_the_header_is_a_bad_record(
    tmp_path: Path, case: tuple[str, str, int, int]
) -> None:
    with_bad, without, line, cells = case
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(with_bad.encode())
    good.write_bytes(without.encode())
    acc, expected = read_usage([str(bad)], jobs=1), read_usage([str(good)], jobs=1)
    assert expected.skip_counts == {} and expected.records > 0
    assert (acc.records, acc.groups) == (expected.records, expected.groups)  # the rest counted, as without it
    assert acc.skip_counts == {"bad_record": 1}
    (skip,) = acc.skips
    assert skip.message().startswith(f"{bad}:{line}: row has {cells} cells, the header has {WIDTH} (")
    with pytest.raises(InputError) as err:
        read_usage([str(bad)], strict=True, jobs=1)
    assert err.value.message.startswith(skip.message())


_HEADER = "start_time,model,project_id,input_tokens,output_tokens,num_model_requests"


@pytest.mark.parametrize(
    ("rows", "line", "detail"),
    [
        pytest.param(  # priced both rows before: the extra cell was never looked at
            ["1744588800,gpt-4.1,proj_a,1000,10,3,extra", "1744588800,gpt-4.1,proj_a,1000,10,3"],
            2,
            "row has 7 cells, the header has 6 (a value holding an unquoted comma shifts the cells after it); "
            "which column each cell is in is unclear: quote that value",
            id="extra-cell",
        ),
        pytest.param(  # priced as 12 input tokens, 1,000 output and 10 requests before
            ["1744588800,gpt-4.1,proj_a,1000,10,3", "1744588800,gpt-4.1,Acme 2026,12,1000,10,3"],
            3,
            "row has 7 cells, the header has 6 (a value holding an unquoted comma shifts the cells after it); "
            "which column each cell is in is unclear: quote that value",
            id="shifted",
        ),
        pytest.param(
            ["", "1744588800,gpt-4.1,proj_a,1000,10", "1744588800,gpt-4.1,proj_a,1000,10,3"],
            3,
            "row has 5 cells, the header has 6 (the row is cut short, or a value holding an unquoted line break "
            "splits it); which column each cell is in is unclear: fix the row",
            id="fewer",
        ),
        pytest.param(  # a quoted line break is one cell; the bad row is named where it starts
            ['1744588800,gpt-4.1,"proj\na",1000,10,3', ",,,,,,,,", "1744588800,gpt-4.1,proj_a,1000,10,3,"],
            5,
            "row has 7 cells, the header has 6 (a value holding an unquoted comma shifts the cells after it); "
            "which column each cell is in is unclear: quote that value",
            id="after-a-quoted-line-break",
        ),
    ],
)
def test_a_row_astray_on_the_command_line(cli, tmp_path: Path, rows: list[str], line: int, detail: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text("\n".join(["", _HEADER, *rows]) + "\n")  # a blank line before the header too
    line += 1
    r = cli("usage", path, "--pricing", FIXTURE_CATALOG, "--format", "json")
    assert r.exit_code == 0
    assert r.stderr.splitlines()[0] == f"gpt41cost: warning: {path}:{line}: {detail}"
    assert '"requests": 3,' in r.stdout  # the good row alone
    r = cli("usage", path, "--pricing", FIXTURE_CATALOG, "--strict")
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr == f"gpt41cost: error: {path}:{line}: {detail} (--strict stops at the first bad record)\n"


def test_blank_rows_are_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("\n".join(["", _HEADER, *BLANK_ROWS, "1744588800,gpt-4.1,proj_a,1000,10,3", *BLANK_ROWS]) + "\n")
    acc = read_usage([str(path)], strict=True, jobs=1)
    assert (acc.records, acc.skip_counts) == (1, {})


def test_a_header_problem_names_the_line_the_header_is_on(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"\n \n{_HEADER},Input_Tokens\n1744588800,gpt-4.1,proj_a,1000,10,3,1000\n")
    with pytest.raises(InputError, match=r"export\.csv:3: the header names the column input_tokens twice"):
        read_usage([str(path)], strict=True, jobs=1)


_COSTS = "start_time,amount_value,amount_currency,line_item"


@pytest.mark.parametrize(
    ("rows", "line", "cells"),
    [
        pytest.param(["1764979200,1.50,usd"], 2, 3, id="amount-missing"),  # a day with nothing billed before
        pytest.param(["1764979200,1,50,usd,gpt-4.1, input"], 2, 6, id="unquoted-comma"),  # "1" billed before
        pytest.param(['1764979200,1.50,usd,"gpt-4.1,\ninput"', "", "1764979200,1.50,usd,x,"], 5, 5, id="after-blank"),
    ],
)
def test_a_cost_export_row_astray_is_one_line(cli, tmp_path: Path, rows: list[str], line: int, cells: int) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("\n".join([_COSTS, *rows]) + "\n")
    with pytest.raises(InputError, match=f"costs.csv:{line}: row has {cells} cells, the header has 4 "):
        read_billed([str(path)])
    r = cli("usage", USAGE / "usage-export.csv", "--billed", path, "--pricing", FIXTURE_CATALOG)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and f"{path}:{line}: row has {cells} cells" in r.stderr


def test_a_cost_export_reads_blank_rows_and_quoted_commas(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("\n".join([_COSTS, "", ",,,", '1764979200,1.50,usd,"gpt-4.1, input"', " , , , "]) + "\n")
    (item,) = read_billed([str(path)])
    assert (item.amount_usd, item.line_item) == (Decimal("1.50"), "gpt-4.1, input")
