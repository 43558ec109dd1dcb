"""Does the estimate match the invoice? Usage at catalog prices against what OpenAI billed.

Per UTC day and per line item: the cost computed from the usage at catalog prices, the billed
amount, the difference (billed - computed) and the ratio (billed / computed); a total; and for
every row whose difference is over the tolerance (default 1%) a note naming the likely causes.

Line items. The Costs API names a line item ``<model snapshot>, <piece>[, <qualifier>...]``,
e.g. ``gpt-4.1-2025-04-14, input``, ``gpt-4.1-2025-04-14, cached input``,
``gpt-4.1-mini-2025-04-14, output``, sometimes with a ``<tier> | `` prefix; tools and other
services have names of their own (``web search tool calls``). Not documented by OpenAI; this is
the one place that reads them (rule: :data:`LINE_ITEM_RULE`). The computed side is split the
same way: uncached input, cached input and output of each model in each processing mode.
A line item whose model the catalog does not know, or that is not a token line, is *unknown*:
billed, with nothing computed to set against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .catalog import Catalog, Rates, ResolvedModel, rates_for
from .cost import TokenUsage, cost_of
from .errors import UnknownModelError
from .measure import PRIORITY_TIERS
from .numbers import parse_tolerance  # where it lives since a usage run checks --tolerance without this module
from .report import counted, dates, n_requests, usd_cents
from .usage import Accumulator, PricesOnDay, Resolver, UsageResult, day_label, mode_of, priced_mode, priced_parts

if TYPE_CHECKING:  # the costs reader is imported by read_and_reconcile, when costs are given
    from .readers.costs import BilledItem

DEFAULT_TOLERANCE = Decimal("0.01")
LINE_ITEM_RULE = (
    "a Costs API line item is '<model>, <piece>[, <qualifier>]' with piece input, cached input or output, "
    "'batch' among the qualifiers for Batch and a '<tier> |' prefix for priority (not documented by OpenAI); "
    "cached input where no cached rate is published (Batch) is in the input line item, billed at the input rate"
)
PIECES = ("input", "cached input", "output")

_CAUSES_OVER = (
    "billed more than the catalog prices give: a service tier not in the catalog (scale, or priority the "
    "usage does not record), a price rise after the catalog's as-of date, or records missing from the usage"
)
_CAUSES_UNDER = (
    "billed less than the catalog prices give: credits or discounts, a price cut the catalog does not have "
    "yet, Batch traffic the usage records as standard, or usage counted twice"
)


@dataclass(frozen=True)
class ReconRow:
    """One day or line item. ``difference_usd`` is billed - computed; ``ratio`` billed / computed.
    ``compared`` is False for a day of usage outside the days the costs cover: nothing to set it
    against, so neither a difference nor a ratio (None)."""

    key: str
    computed_usd: Decimal | None
    billed_usd: Decimal | None
    over: bool
    notes: tuple[str, ...] = ()
    compared: bool = True

    @property
    def difference_usd(self) -> Decimal | None:
        if not self.compared:
            return None
        return (self.billed_usd or Decimal(0)) - (self.computed_usd or Decimal(0))

    @property
    def ratio(self) -> Decimal | None:
        if not self.computed_usd or not self.compared:
            return None
        return (self.billed_usd or Decimal(0)) / self.computed_usd


@dataclass(frozen=True)
class ReconTotal(ReconRow):
    """The sum over the days compared (those the costs cover, and usage without a day): both sides
    are sums, 0 where nothing was computed or billed."""

    computed_usd: Decimal
    billed_usd: Decimal

    @property
    def difference_usd(self) -> Decimal:
        return self.billed_usd - self.computed_usd


@dataclass(frozen=True)
class Reconciliation:
    tolerance: Decimal
    by_day: tuple[ReconRow, ...]
    by_line_item: tuple[ReconRow, ...]
    total: ReconTotal
    line_items_billed: bool  # False when the costs were not grouped by line item
    notes: tuple[str, ...]
    assumptions: tuple[tuple[str, str], ...]

    @property
    def flagged(self) -> tuple[ReconRow, ...]:
        return tuple(r for r in (*self.by_day, *self.by_line_item) if r.over)

    @property
    def compared(self) -> bool:
        """Was any day set against a bill? Not when the costs cover none of the usage's days (an
        empty Costs API page, an export of other days): then no figure says the bill matches."""
        return any(r.compared and r.key != "unknown" for r in self.by_day)


@dataclass(frozen=True)
class LineItem:
    """A parsed line item: model label (``gpt-4.1``, ``ft:gpt-4.1``), piece, processing mode."""

    model: str
    piece: str
    mode: str

    @property
    def key(self) -> str:
        text = f"{self.model}, {self.piece}"
        if self.mode == "batch":
            return f"{text}, batch"
        if self.mode == "priority":
            return f"priority | {text}"
        return text


_PREFIX = re.compile(r"^\s*([A-Za-z_-]+)\s*\|\s*")


def _label(resolved: ResolvedModel) -> str:
    return f"ft:{resolved.spec.name}" if resolved.fine_tuned else resolved.spec.name


def billed_piece(piece: str, rates: Rates) -> str:
    """The piece of a line item the tokens of ``piece`` are billed in at ``rates``: cached input
    where no cached rate is published (Batch: docs/accounting.md §2, billed at the input rate, as
    :func:`~gpt41cost.cost.cost_of` prices it) in the input line item, as the Costs API's exports
    name Batch (``<model>, input, batch``, with no cached one); any other, its own. The one place
    that says so, for the computed side and the bill's names alike."""
    return "input" if piece == "cached input" and rates.cached_input is None else piece


def parse_line_item(text: str, catalog: Catalog) -> LineItem | None:
    """The line item's model, piece and mode; None for anything else (a tool, another model)."""
    mode = "standard"
    m = _PREFIX.match(text)
    if m:
        tier = m.group(1).lower()
        if tier in PRIORITY_TIERS:
            mode = "priority"
        elif tier not in ("default", "standard"):
            return None  # flex, scale: no catalog price for this family
        text = text[m.end() :]
    head, _, rest = text.partition(",")
    quals = [q.strip().lower() for q in rest.split(",") if q.strip()]
    if not quals:
        return None
    piece_text = quals[0]
    if piece_text in ("cached input", "cached input tokens", "input cached"):
        piece = "cached input"
    elif piece_text in ("input", "input tokens", "uncached input"):
        piece = "input"
    elif piece_text in ("output", "output tokens"):
        piece = "output"
    else:
        return None
    if any("batch" in q for q in quals[1:]):
        mode = "batch" if mode == "standard" else mode
    name = head.strip()
    if name.startswith("ft-"):
        name = "ft:" + name[3:]
    try:
        resolved = catalog.resolve(name)
    except UnknownModelError:
        return None
    if piece == "cached input":
        piece = billed_piece(piece, rates_for(resolved, priced_mode(resolved, mode)))
    return LineItem(_label(resolved), piece, mode)


@dataclass(frozen=True)
class Computed:
    """The usage at catalog prices, split as the bill is: per UTC day, and per line-item key on
    each day (``per_day_item[day][key]``)."""

    per_day_item: dict[str, dict[str, Decimal]]
    #: service tiers the records name on each day, other than default and priority
    odd_tiers: dict[str, set[str]]

    @property
    def per_day(self) -> dict[str, Decimal]:
        """Each day's cost: its line items summed (a cost's total is its three lines' sum)."""
        return {day: sum(items.values(), Decimal(0)) for day, items in self.per_day_item.items()}


def computed_costs(acc: Accumulator, catalog: Catalog) -> Computed:
    """Price every group of the usage at the catalog prices in force on its own day (the day's
    dated entries; the run date's prices for records without a day), split into line items."""
    per_day_item: dict[str, dict[str, Decimal]] = {}
    odd_tiers: dict[str, set[str]] = {}
    resolve = Resolver(catalog)
    on_day = PricesOnDay(catalog)  # the prices in force on a group's own day, as summarize prices it
    for key, resolved, mode, _long, _ft, _n, i, c, o in priced_parts(acc, resolve):  # as summarize prices them
        batch, tier, day = key[1], key[2], key[3]
        # a tier priced as standard: scale, auto, ...
        if mode_of(batch, tier) == "standard" and tier not in (None, "default"):
            odd_tiers.setdefault(day_label(day), set()).add(tier)
        if isinstance(resolved, str):
            continue  # not priced: listed under Not priced by summarize, left out here too
        rates = rates_for(on_day(resolved, day), mode)
        cost = cost_of(TokenUsage(i, c, o), rates)
        label = _label(resolved)
        d = day_label(day)
        per_item = per_day_item.setdefault(d, {})
        for piece, usd in (
            ("input", cost.uncached_input_usd),
            ("cached input", cost.cached_input_usd),
            ("output", cost.output_usd),
        ):
            k = LineItem(label, billed_piece(piece, rates), mode).key
            per_item[k] = per_item.get(k, Decimal(0)) + usd
    return Computed(per_day_item, odd_tiers)


def _spans(days: Sequence[str]) -> str:
    """Sorted ISO days as their runs of consecutive days: ``2026-11-01 to 2026-11-03, 2026-12-02``."""
    from datetime import date, timedelta

    runs: list[list[date]] = []
    for d in map(date.fromisoformat, days):
        if runs and d - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return ", ".join(dates(a, b) for a, b in runs)


def _over(computed: Decimal | None, billed: Decimal | None, tolerance: Decimal) -> bool:
    c = computed or Decimal(0)
    b = billed or Decimal(0)
    if c == 0:
        return b != 0
    return abs(b - c) / c > tolerance


def _pct(d: Decimal) -> str:
    return f"{(d * 100).quantize(Decimal('0.1'))}%"


def _usd(d: Decimal) -> str:
    """Money in a note: cents, with more places for an amount under a dollar, as report.usd_cents
    shows it (``$0.0011``, not ``$0.00``; ``$0.025``, not ``$0.02``), without zeros past the cents
    (``$0.001``, ``$0.01``)."""
    shown = usd_cents(d)
    whole, _, places = shown.partition(".")
    return f"{whole}.{places[:2]}{places[2:].rstrip('0')}" if places else shown


def reconcile(
    acc: Accumulator,
    result: UsageResult,
    billed: Iterable[BilledItem],
    catalog: Catalog,
    *,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> Reconciliation:
    """Set the usage at catalog prices against the billed amounts, per day and per line item.

    The costs cover the days from their first to their last (a Costs API bucket with nothing
    billed included). A day of usage outside them is listed, and left out of the line items and
    the total: a cost export or a Costs API fetch that ends before the usage log does is not a
    bill for less. A day inside them with nothing billed is billed $0, and compared."""
    items = list(billed)
    computed = computed_costs(acc, catalog)
    computed_days = computed.per_day
    unpriced_days: dict[str, int] = {line.key: line.unpriced_requests for line in result.by_day}

    billed_days: dict[str, Decimal] = {}
    billed_items: dict[str, Decimal] = {}
    unknown_by_day: dict[str, dict[str, Decimal]] = {}
    unknown_items: set[str] = set()
    grouped = any(b.line_item is not None for b in items)
    for b in items:
        day = day_label(b.day)
        billed_days[day] = billed_days.get(day, Decimal(0)) + b.amount_usd
        if b.line_item is None:
            continue
        parsed = parse_line_item(b.line_item, catalog)
        key = parsed.key if parsed is not None else b.line_item
        if parsed is None:
            unknown_items.add(key)
            per = unknown_by_day.setdefault(day, {})
            per[key] = per.get(key, Decimal(0)) + b.amount_usd
        billed_items[key] = billed_items.get(key, Decimal(0)) + b.amount_usd

    billed_period = (min(billed_days), max(billed_days)) if billed_days else None
    covered = "no day" if billed_period is None else dates(*billed_period)

    def outside(day: str) -> bool:
        """A day of usage the costs do not cover (usage without a day is compared as it is)."""
        return day != "unknown" and (billed_period is None or not billed_period[0] <= day <= billed_period[1])

    day_rows: list[ReconRow] = []
    left_out: list[ReconRow] = []
    for day in sorted(set(computed_days) | set(billed_days)):
        comp = computed_days.get(day)
        bill = billed_days.get(day)
        if outside(day):
            row = ReconRow(
                day,
                comp,
                None,
                False,
                (f"outside the days the costs cover ({covered}): left out of the total and the line items",),
                compared=False,
            )
            day_rows.append(row)
            left_out.append(row)
            continue
        if not comp and not bill:
            continue  # a day the costs cover with nothing on either side (a bucket with no results)
        nothing = day != "unknown" and not bill
        if nothing:
            bill = Decimal(0)  # inside the costs' days: nothing billed is $0 billed
        over = _over(comp, bill, tolerance)
        notes: list[str] = []
        if day == "unknown":
            notes.append("usage records without a timestamp: they cannot be set against a billed day")
        elif nothing:
            notes.append(
                f"nothing billed for this day, inside the days the costs cover ({covered}): usage the bill "
                "does not have (yet), or records dated on the wrong day"
            )
        elif not comp:
            notes.append("billed, but no usage for this day: records missing from the usage")
        elif over and bill is not None:
            diff = bill - comp
            notes.append(
                f"{_pct(diff / comp)} ({'+' if diff > 0 else '-'}{_usd(abs(diff))}): "
                + (_CAUSES_OVER if diff > 0 else _CAUSES_UNDER)
            )
            tiers = computed.odd_tiers.get(day)
            if tiers:
                one = len(tiers) == 1
                notes.append(
                    f"the usage names service {'tier' if one else 'tiers'} {', '.join(sorted(tiers))} this day: "
                    f"the catalog has no price for {'it' if one else 'them'} (standard prices are used), the "
                    "likeliest cause"
                )
        unknown = unknown_by_day.get(day)
        if unknown and (over or bill is not None):
            parts = ", ".join(f"{name} {_usd(v)}" for name, v in sorted(unknown.items()))
            notes.append(f"includes line items the catalog does not price: {parts}")
        if unpriced_days.get(day):
            n = unpriced_days[day]
            notes.append(f"{n_requests(n)} of models the catalog does not price {'is' if n == 1 else 'are'} left out")
        day_rows.append(ReconRow(day, comp, bill, over and day != "unknown", tuple(notes)))

    computed_items: dict[str, Decimal] = {}
    for day, per_item in computed.per_day_item.items():
        if not outside(day):
            for key, usd in per_item.items():
                computed_items[key] = computed_items.get(key, Decimal(0)) + usd
    item_rows: list[ReconRow] = []
    if grouped:
        for key in sorted(set(computed_items) | set(billed_items)):
            comp = computed_items.get(key)
            bill = billed_items.get(key)
            if not comp and not bill:
                continue
            over = _over(comp, bill, tolerance)
            notes = []
            if key in unknown_items:
                notes.append(
                    "unknown line item: not a token line of a model the catalog prices (a tool, another "
                    "model or service); billed with nothing computed"
                )
            elif bill is None:
                notes.append("computed, but no billed line item of this name: billed under another name")
            elif comp is None:
                notes.append(
                    "billed, but nothing computed for this line item: its usage is missing from the records "
                    "given (other days, or a model's records left out)"
                )
            elif over:
                diff = bill - comp
                notes.append(
                    f"{_pct(diff / comp) if comp else 'all'} ({'+' if diff > 0 else '-'}{_usd(abs(diff))}): "
                    + (_CAUSES_OVER if diff > 0 else _CAUSES_UNDER)
                )
            item_rows.append(ReconRow(key, comp, bill, over, tuple(notes)))

    compared = [r for r in day_rows if r.compared]
    total_comp = sum((r.computed_usd or Decimal(0) for r in compared), Decimal(0))
    total_bill = sum((r.billed_usd or Decimal(0) for r in compared), Decimal(0))
    total = ReconTotal("total", total_comp, total_bill, _over(total_comp, total_bill, tolerance))

    notes_out: list[str] = []
    if billed_period is not None:
        notes_out.append(f"Billed amounts cover {covered}.")
    if left_out:
        usd = sum((r.computed_usd or Decimal(0) for r in left_out), Decimal(0))
        notes_out.append(
            f"Usage on {counted(len(left_out), 'day')} outside the days the costs cover "
            f"({_spans([r.key for r in left_out])}: "
            f"{_usd(usd)} at catalog prices) is left out of the total and the line items."
        )
    if not grouped:
        notes_out.append(
            "The costs are not grouped by line item: only days are compared "
            "(fetch with --costs, which asks for group_by=line_item)."
        )
    if result.unpriced:
        notes_out.append("Usage the catalog does not price is left out of the computed side (see Not priced).")
    return Reconciliation(
        tolerance=tolerance,
        by_day=tuple(day_rows),
        by_line_item=tuple(item_rows),
        total=total,
        line_items_billed=grouped,
        notes=tuple(notes_out),
        assumptions=(
            ("computed", "each day's usage at the catalog prices in force that day (pricing.yaml's dated entries)"),
            ("line items", LINE_ITEM_RULE),
            ("over", f"a row is flagged when |billed - computed| / computed > {_pct(tolerance)}"),
        ),
    )


def read_and_reconcile(
    acc: Accumulator,
    result: UsageResult,
    paths: Sequence[str],
    catalog: Catalog,
    *,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> Reconciliation:
    """Read Costs API pages or a cost export under ``paths`` and reconcile the usage against them."""
    from .readers.costs import read_billed

    return reconcile(acc, result, read_billed(paths), catalog, tolerance=tolerance)


__all__ = [
    "DEFAULT_TOLERANCE",
    "Computed",
    "LineItem",
    "ReconRow",
    "Reconciliation",
    "billed_piece",
    "computed_costs",
    "parse_line_item",
    "parse_tolerance",
    "read_and_reconcile",
    "reconcile",
]
