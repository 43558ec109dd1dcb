"""Reconciliation (``usage --billed``) as tables, notes and JSON, added to the usage report."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..reconcile import Reconciliation, ReconRow
from ..report import MONEY_PLACES, Cell, Shown, Table, Usd, counted, money_str, pct
from .usage import ratio_str, snake

_NUMERIC = frozenset({"computed", "billed", "difference", "ratio"})
_COLUMNS = ("computed", "billed", "difference", "ratio", "over", "note")


def _places(rows: Sequence[ReconRow]) -> int:
    """One number of places for every money column of a reconciliation table (a column of its
    own places showed computed $0.95624 beside billed $0.9562 and a difference of $0.00000):
    enough to show every computed and billed figure exactly, so each difference is exact too and
    computed - billed = difference on screen; cents at least; at most JSON's places
    (:data:`~gpt41cost.report.MONEY_PLACES`), past which only a figure of more places is rounded."""
    amounts = [v for r in rows for v in (r.computed_usd, r.billed_usd) if v]
    exact = max((-int(v.normalize().as_tuple().exponent) for v in amounts), default=0)
    return min(MONEY_PLACES, max(2, exact))


def _row(r: ReconRow) -> list[Cell]:
    ratio = r.ratio
    return [
        r.key,
        Usd(r.computed_usd),
        Usd(r.billed_usd),
        Usd(r.difference_usd, signed=True),
        # a percentage for people, the ratio itself in CSV: JSON's "ratio", under the same name
        Shown(pct(ratio * 100), ratio_str(ratio)) if ratio is not None else None,
        "OVER" if r.over else "",
        "; ".join(r.notes),
    ]


def reconcile_tables(rec: Reconciliation) -> list[Table]:
    tables = [
        Table(
            "Reconciliation by day (UTC): usage at catalog prices vs billed",
            ("day", *_COLUMNS),
            [_row(r) for r in rec.by_day],
            numeric=_NUMERIC,
            name="reconciliation",
            footer_rows=[_row(rec.total)],
            places=_places([*rec.by_day, rec.total]),
        )
    ]
    if rec.by_line_item:
        tables.append(
            Table(
                "Reconciliation by line item",
                ("line item", *_COLUMNS),
                [_row(r) for r in rec.by_line_item],
                numeric=_NUMERIC,
                name="reconciliation-by-line-item",
                places=_places(rec.by_line_item),
            )
        )
    return tables


def reconcile_notes(rec: Reconciliation) -> list[str]:
    flagged = rec.flagged
    pct = (rec.tolerance * 100).normalize()
    head = (
        f"Reconciliation: {counted(len(flagged), 'row')} {'differs' if len(flagged) == 1 else 'differ'} by more "
        f"than {pct:f}%"
        if flagged
        else f"Reconciliation: every day and line item within {pct:f}%"
    )
    if not rec.compared:
        return ["Reconciliation: nothing compared: the costs cover none of the usage's days.", *rec.notes]
    return [f"{head}; billed / computed over the days compared: {_ratio_text(rec.total)}.", *rec.notes]


def _ratio_text(r: ReconRow) -> str:
    ratio = r.ratio
    return "-" if ratio is None else f"{ratio.quantize(Decimal('0.0001'))}"


def _row_json(r: ReconRow, key_name: str) -> dict[str, Any]:
    return {
        key_name: r.key,
        "computed_usd": money_str(r.computed_usd),
        "billed_usd": money_str(r.billed_usd),
        "difference_usd": money_str(r.difference_usd),
        "ratio": ratio_str(r.ratio),
        "over_tolerance": r.over,
        "notes": list(r.notes),
    }


def reconcile_json(rec: Reconciliation) -> dict[str, Any]:
    return {
        "tolerance": ratio_str(rec.tolerance),
        "by_day": [_row_json(r, "day") for r in rec.by_day],
        "by_line_item": [_row_json(r, "line_item") for r in rec.by_line_item],
        "total": _row_json(rec.total, "key"),
        "flagged": len(rec.flagged),
        "notes": list(rec.notes),
        "assumptions": {snake(k): v for k, v in rec.assumptions},
    }
