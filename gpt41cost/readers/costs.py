"""What OpenAI billed: Costs API pages and the dashboard's cost export, as :class:`BilledItem` values.

Reads, told apart by content:

- Costs API pages (``GET /v1/organization/costs``): one page, an array of pages, or JSONL with a
  page per line; results ``{"object": "organization.costs.result", "amount": {"value": 0.06,
  "currency": "usd"}, "line_item": ..., "project_id": ...}`` in daily buckets.
- The cost CSV the usage dashboard exports: ``start_time, end_time, start_time_iso,
  end_time_iso, amount_value, amount_currency, line_item, project_id, organization_id,
  organization_name`` (the columns seen in exports; not documented). A row with no amount is a
  day with nothing billed; a row with more or fewer cells than the header is refused (a value
  with an unquoted comma shifts the amount; a row cut short would read as nothing billed).

Amounts are exact decimals as written in the file (JSON numbers are read as Decimal, never as
float). Only USD is accepted. Any problem is an :class:`~gpt41cost.errors.InputError` naming
the file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import InputError, quoted
from ..usage import day_of
from . import repeats
from .files import cannot_read, open_input
from .text import expand_paths

COSTS_RESULT = "organization.costs.result"


@dataclass(frozen=True, slots=True)
class BilledItem:
    """One billed amount: a UTC day (days since 1970-01-01), a line item (None when the costs
    were not grouped by line item), a project (None unless grouped), USD."""

    day: int
    line_item: str | None
    project_id: str | None
    amount_usd: Decimal


def read_billed(paths: Sequence[str]) -> list[BilledItem]:
    """Every billed amount in the files under ``paths``. A Costs API bucket with no results (a day
    with nothing billed) gives $0 with no line item or project, so that the day counts as one the
    costs cover."""
    items: list[BilledItem] = []
    files = expand_paths(paths)
    for path in files:
        try:
            with open_input(path) as f:
                data = f.read()
        except OSError as exc:
            raise cannot_read(path, exc) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text; give Costs API pages or the dashboard's cost CSV") from None
        items += _read_text(path, text)
    return items


def _read_text(path: str, text: str) -> list[BilledItem]:
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{path}: empty file; give Costs API pages or the dashboard's cost CSV")
    if stripped[0] in "[{":
        try:
            value = repeats.loads(text, parse_float=Decimal)
        except (repeats.TooDeep, repeats.LoneSurrogate) as exc:  # JSON, but not to be read: not JSONL either
            raise InputError(f"{path}: {exc}; fix the file") from None
        except ValueError:
            return _jsonl(path, text)
        out: list[BilledItem] = []
        _unique(value, path)
        _pages(value, path, None, out)
        return out
    return _csv(path, text)


def _jsonl(path: str, text: str) -> list[BilledItem]:
    out: list[BilledItem] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = repeats.loads(line, parse_float=Decimal)
        except ValueError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.args[0].split(':')[0]}); fix or remove the line") from None
        _unique(value, f"{path}:{n}")
        _pages(value, path, n, out)
    return out


def _unique(value: Any, where: str) -> None:
    """Refuse a key given twice anywhere in a page: ``data`` twice loses a day's buckets, an
    ``amount`` twice picks one of two figures."""
    found = repeats.anywhere(value)
    if found is not None:
        raise InputError(f"{where}: {repeats.twice_at(found, 'was billed')}")


def _pages(value: Any, path: str, line: int | None, out: list[BilledItem]) -> None:
    where = path if line is None else f"{path}:{line}"
    if isinstance(value, list):
        for item in value:
            _pages(item, path, line, out)
        return
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise InputError(f"{where}: not a Costs API page (no data list); give pages of GET /v1/organization/costs")
    for b, bucket in enumerate(value["data"]):
        if not isinstance(bucket, dict) or not isinstance(bucket.get("start_time"), int):
            raise InputError(f"{where}: data[{b}] is not a bucket with a start_time")
        results = bucket.get("results")
        if not isinstance(results, list):
            raise InputError(f"{where}: data[{b}] has no results list")
        try:
            day = day_of(bucket["start_time"])
        except ValueError as exc:
            raise InputError(f"{where}: data[{b}].start_time: {exc}") from None
        if not results:
            out.append(BilledItem(day, None, None, Decimal(0)))
        for r, res in enumerate(results):
            at = f"{where}: data[{b}].results[{r}]"
            if not isinstance(res, dict):
                raise InputError(f"{at}: not an object")
            kind = res.get("object")
            if kind is not None and kind != COSTS_RESULT:
                raise InputError(f"{at}: {kind} is not a cost; give pages of GET /v1/organization/costs")
            amount = res.get("amount")
            if not isinstance(amount, dict):
                raise InputError(f"{at}: no amount object")
            out.append(
                BilledItem(
                    day,
                    _opt_str(res.get("line_item"), f"{at}.line_item"),
                    _opt_str(res.get("project_id"), f"{at}.project_id"),
                    _usd(amount.get("value"), amount.get("currency"), at),
                )
            )


def _opt_str(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise InputError(f"{where}: expected a string or null, got {type(value).__name__}")


def _usd(value: Any, currency: Any, where: str) -> Decimal:
    if isinstance(currency, str) and currency.lower() != "usd":
        raise InputError(f"{where}: amount in {quoted(currency)}; only USD amounts can be reconciled")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise InputError(f"{where}: amount.value is not a number")
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise InputError(f"{where}: amount.value {quoted(value)} is not a number") from None
    if not d.is_finite():
        raise InputError(f"{where}: amount.value {quoted(value)} is not a finite number")
    return d


#: Columns the dashboard's cost export must have.
CSV_NEEDS = ("start_time", "amount_value")
#: Every column read from it; one named twice in the header is refused.
CSV_READS = (*CSV_NEEDS, "amount_currency", "line_item", "project_id")


def _csv(path: str, text: str) -> list[BilledItem]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(rows)]  # as the usage CSV reader reads its header
    except StopIteration:
        raise InputError(f"{path}: empty file") from None
    except csv.Error as exc:
        raise InputError(f"{path}:1: not CSV ({exc})") from None
    col = {name: i for i, name in enumerate(header)}
    twice = repeats.column_twice(header, CSV_READS)
    if twice:
        raise InputError(f"{path}:1: {twice}")
    missing = [c for c in CSV_NEEDS if c not in col]
    if missing:
        raise InputError(
            f"{path}:1: not Costs API pages or a cost CSV export (no {', '.join(missing)} column); "
            "give pages of GET /v1/organization/costs or the dashboard's cost export"
        )
    out: list[BilledItem] = []
    end = 1  # the line the last row read ends on (a quoted cell may hold line breaks)
    try:
        for row in rows:
            n, end = end + 1, rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            astray = repeats.cells_astray(len(row), len(header))  # a shifted row bills the wrong amount
            if astray:
                raise InputError(f"{path}:{n}: {astray}")

            def cell(name: str, row: list[str] = row) -> str:
                i = col.get(name)
                return row[i].strip() if i is not None else ""

            at = f"{path}:{n}"
            start = cell("start_time")
            try:
                day = day_of(int(start))
            except ValueError:
                raise InputError(f"{at}: start_time {quoted(start)} is not a Unix time from 2000 to 2099") from None
            amount = cell("amount_value")
            if not amount:
                continue  # a day with nothing billed
            out.append(
                BilledItem(
                    day,
                    cell("line_item") or None,
                    cell("project_id") or None,
                    _usd(amount, cell("amount_currency") or None, at),
                )
            )
    except csv.Error as exc:
        raise InputError(f"{path}: bad CSV ({exc})") from None
    return out


__all__ = ["BilledItem", "read_billed"]
