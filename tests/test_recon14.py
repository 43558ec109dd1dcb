"""A reconciliation note shows its difference with the places the amount needs (review 14, item 14):
a flagged day whose difference is a tenth of a cent read '5.0% (+$0.00)' beside a difference column
of +$0.001107, and a $0.025 unknown line item read '$0.02'."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gpt41cost.readers.costs import BilledItem
from gpt41cost.reconcile import _usd, reconcile
from gpt41cost.usage import Accumulator, UsageRecord, summarize

DAY = 20_000  # 2024-10-04


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.00110658", "$0.0011"),
        ("0.025", "$0.025"),
        ("0.01", "$0.01"),
        ("0.5", "$0.50"),
        ("1234.567", "$1,234.57"),
        ("0.000004", "$0.000004"),
    ],
)
def test_note_money_keeps_the_digits_that_matter(amount, shown):
    assert _usd(Decimal(amount)) == shown


def test_flagged_day_note_names_a_sub_cent_difference(catalog):
    # gpt-4.1-mini: 50,000 input at $0.40/M = $0.02; billed 5% more: $0.021, a difference of $0.001
    acc = Accumulator()
    acc.add(UsageRecord("gpt-4.1-mini-2025-04-14", 50_000, 0, 0, requests=1, day=DAY, per_request=False))
    result = summarize(acc, catalog)
    billed = [
        BilledItem(DAY, "gpt-4.1-mini-2025-04-14, input", None, Decimal("0.021")),
        BilledItem(DAY, "web search tool calls", None, Decimal("0.025")),
    ]
    rec = reconcile(acc, result, billed, catalog)
    (day,) = rec.by_day
    assert day.difference_usd == Decimal("0.026")
    assert day.notes[0].startswith("130.0% (+$0.026): billed more")
    assert "web search tool calls $0.025" in day.notes[1]
    item = next(r for r in rec.by_line_item if r.key.endswith("input"))
    assert item.notes[0].startswith("5.0% (+$0.001): billed more")
