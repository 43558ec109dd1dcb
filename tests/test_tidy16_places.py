"""A table's money columns at fixed places (``Table.places``): the reconciliation tables' own
precision, set on the table, not worked around with text cells (session 16, item 2)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import gpt41cost
from gpt41cost.report import Report, Table, Usd, people_view, render

ROOT = Path(__file__).parent.parent
BILL = ROOT / "samples" / "bill-2026-11"


def _money_table(places: int | None) -> Table:
    rows = [["a", Usd(Decimal("0.95624")), Usd(Decimal("-0.0001"), signed=True)], ["b", Usd(None), Usd(Decimal(3))]]
    return Table("t", ("k", "x", "d"), rows, numeric=frozenset({"x", "d"}), places=places)


def test_a_tables_places_fix_every_money_column():
    assert people_view(_money_table(None))[1] == [["a", "$0.9562", "-$0.000100"], ["b", "-", "$3.000000"]]
    assert people_view(_money_table(7))[1] == [["a", "$0.9562400", "-$0.0001000"], ["b", "-", "$3.0000000"]]
    assert render(Report("r", {}, [_money_table(7)]), "csv") == "k,x,d\na,0.95624,-0.0001\nb,,3\n"  # exact


def test_reconciliation_tables_are_money_cells_at_the_tables_places():
    rec = gpt41cost.usage([str(BILL / "completions")], billed=[str(BILL / "costs")], as_of="2026-12-06")
    tables = [t for t in rec.report().tables if t.name.startswith("reconciliation")]
    assert [t.name for t in tables] == ["reconciliation", "reconciliation-by-line-item"]
    for t in tables:
        assert t.places is not None
        cells = [c for row in [*t.rows, *t.footer_rows] for c in row[1:4]]
        assert cells and all(isinstance(c, Usd) for c in cells)  # no Shown text standing in for them
        shown = [row[1:4] for row in people_view(t)[1]]
        assert all(len(c.split(".")[-1]) == t.places for row in shown for c in row if c != "-")
