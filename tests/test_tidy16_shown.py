"""Every cell shown is shown once (display, in people_view), and safe: the table and Markdown
formats do not run printable on it again (session 16, item 6)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import report as rp
from gpt41cost.report import Pct, Report, Shown, Table, Usd, people_view, render

#: What must never reach the output raw: ESC, CSI (C1), DEL, a bidi override and isolate, the
#: zero-width space and joiner, a tag character, the line separator, BEL, CR, a newline, a tab.
HOSTILE = "\x1b\x9b\x7f\u202e\u2066\u200b\u200d\U000e0041\u2028\x07\r\n\t"
RAW = re.compile(f"[{rp._CONTROLS}]")  # the class display escapes


def _hostile_report(text: str) -> Report:
    rows = [[text, Shown(text, text), Usd(Decimal("1.5")), Pct(Decimal("12.34")), 7, None]]
    footer = [["total", "", Usd(Decimal(2)), "", 8, ""]]
    columns = ("name " + text, "shown", "usd", "pct", "n", "none")
    table = Table("title " + text, columns, rows, numeric=frozenset({"usd", "pct", "n"}), footer_rows=footer)
    return Report("r", {}, [table])


# 50 examples (150 before), its three explicit ones kept. Mutants of report.py, 5 seeded runs, at
# 150 -> at 50: a Shown cell, or a text cell, not shown through display 5/5 -> 5/5; display leaving
# C1 controls, or the invisible characters, raw 5/5 -> 5/5; each 5/5 at 25 as at 50.
@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.sampled_from([*HOSTILE, "\\", "u", "2", "0", "e", "x", "1", "b", "a", " "]), max_size=12))
@example("\x1b[31mred")
@example("a\u202ecod.txt")
@example("gpt-4.1\\u200b")
def test_people_view_cells_are_shown_already(text: str):
    """Every cell people_view gives is display's (or a figure's) text: nothing in it for printable
    to escape, which is why the table and Markdown formats do not run it again per cell."""
    for row in people_view(_hostile_report(text).tables[0])[1]:
        for cell in row:
            assert rp.printable(cell) == cell and not RAW.search(cell)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
@pytest.mark.parametrize("encoding", [None, "ascii"])
def test_every_cell_shown_is_escaped(fmt: str, encoding: str | None):
    text = "x" + HOSTILE + "y\\u200b"
    out = render(_hostile_report(text), fmt, encoding=encoding)
    assert not RAW.search(out.replace("\n", ""))  # no control, bidi or invisible character but line ends
    for escaped in (r"\x1b", r"\x9b", r"\x7f", r"\u202e", r"\u2066", r"\u200b", r"\u200d", r"\U000e0041",
                    r"\u2028", r"\x07", r"\r", r"\n", r"\t"):  # fmt: skip
        assert escaped in out, escaped
    assert r"y\\u200b" in out or r"y\\\\u200b" in out  # the text "\u200b": its backslash doubled
