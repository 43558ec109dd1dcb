"""One result, every format.

Each command's core result is turned into a :class:`Report`: a JSON document (the contract)
plus the tables and notes people read. ``render`` turns the same Report into a rich table,
JSON, CSV or Markdown, so the formats cannot drift apart: they read one object.

- ``table``: every table, then assumptions and notes (rich, for terminals).
- ``markdown``: the same tables and notes as GitHub-flavoured Markdown.
- ``csv``: the first (primary) table, one header row; other tables follow, each after a
  blank line, with its title as a one-cell row.
- ``json``: ``Report.data``, with Decimals as exact strings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

FORMATS = ("table", "json", "csv", "markdown")


@dataclass(frozen=True)
class Usd:
    """A money cell: ``$`` and places by size for people, the exact decimal in CSV."""

    value: Decimal | None


@dataclass(frozen=True)
class Pct:
    """A percentage cell: ``12.5%`` for people, the exact decimal in CSV."""

    value: Decimal | None
    places: int = 1


Cell = str | int | Decimal | Usd | Pct | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]  # Cell values
    #: columns (by name) to right-align in table/markdown output
    numeric: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Report:
    title: str
    data: dict[str, Any]
    tables: Sequence[Table] = ()
    assumptions: Sequence[tuple[str, str]] = ()
    notes: Sequence[str] = ()
    footer: str = ""


# --------------------------------------------------------------------------- text from inputs

# Characters a terminal acts on or that reorder what is shown: C0 (ESC, CR, newline, tab, BEL),
# DEL, C1 (CSI 0x9b), and the bidirectional marks, embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _ESCAPES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def printable(text: str) -> str:
    """Text from an input (a model name, a project id, a file name) made safe to show: every
    control character shown escaped (ESC as ``\\x1b``, a newline as ``\\n``, U+202E as
    ``\\u202e``), so it can neither drive the terminal nor forge a line. Idempotent."""
    return _CONTROL.sub(_escape, text)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def csv_safe(text: str) -> str:
    """A CSV cell that came from an input: printable, and a leading ``= + - @`` defused with a
    ``'`` as OWASP recommends; a number (``-5``, ``-0.5%``) or a lone ``-`` stays as it is."""
    text = printable(text)
    if len(text) > 1 and text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


# C1 controls and bidi marks are valid raw inside JSON strings; written as \u escapes they read
# back as the same text and cannot act on a terminal.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


# --------------------------------------------------------------------------- formatting helpers


def usd(value: Decimal | None, places: int = 6) -> str:
    """Money for people: $ and a fixed number of places (banker's rounding only at display)."""
    if value is None:
        return "-"
    q = Decimal(1).scaleb(-places)
    rounded = value.quantize(q, rounding=ROUND_HALF_EVEN)
    return f"${rounded:,.{places}f}"


def usd_auto(value: Decimal | None) -> str:
    """Money with places chosen by size: cents for large sums, more for per-request figures."""
    if value is None:
        return "-"
    a = abs(value)
    places = 2 if a >= 100 else 4 if a >= 1 else 6
    return usd(value, places)


def pct(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,}%"


def money_str(value: Decimal | None, places: int = 10) -> str | None:
    """Money for JSON: an exact decimal string; values that do not terminate are rounded to 1e-10."""
    if value is None:
        return None
    if value == value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):
        return _plain(value)
    return _plain(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def _plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


# --------------------------------------------------------------------------- rendering


def plain(value: Any) -> Any:
    """JSON's values for a report's data: Decimals as exact strings, tuples and sets as lists.

    What ``--format json`` prints is ``json.dumps(plain(report.data))``, and what a result's
    ``to_dict()`` returns is ``plain(report.data)``: one conversion, so the two cannot differ.
    """
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return money_str(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _key(key: Any) -> str:
    """A dict key as JSON writes it (tier 1 is ``"1"``)."""
    if isinstance(key, str):
        return key
    return json.dumps(key)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        text = json.dumps(plain(report.data), indent=2, ensure_ascii=False)
        return _JSON_RAW.sub(_json_escape, text) + "\n"
    if fmt == "csv":
        return _csv(report)
    if fmt == "markdown":
        return _markdown(report)
    return _rich_text(report)


def _cell(v: Cell) -> str:
    if v is None:
        return "-"
    if isinstance(v, Usd):
        return usd_auto(v.value)
    if isinstance(v, Pct):
        return pct(v.value, v.places)
    if isinstance(v, Decimal):
        return f"{v:,}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return printable(str(v))


def _csv_cell(v: Cell) -> str:
    if isinstance(v, (Usd, Pct)):
        v = v.value
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return money_str(v) or ""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return csv_safe(str(v))


def _csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, t in enumerate(report.tables):
        if i:
            buf.write("\n")
            w.writerow([csv_safe(t.title)])
        w.writerow([csv_safe(c) for c in t.columns])
        for row in t.rows:
            w.writerow([_csv_cell(c) for c in row])
    return buf.getvalue()


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _markdown(report: Report) -> str:
    out: list[str] = [f"## {report.title}", ""]
    for t in report.tables:
        out += [f"**{t.title}**", ""]
        out.append("| " + " | ".join(_md_escape(c) for c in t.columns) + " |")
        out.append("|" + "|".join("---:" if c in t.numeric else "---" for c in t.columns) + "|")
        for row in t.rows:
            out.append("| " + " | ".join(_md_escape(_cell(c)) for c in row) + " |")
        out.append("")
    if report.assumptions:
        out += ["**Assumptions**", ""]
        out += [f"- {name}: {value}" for name, value in report.assumptions]
        out.append("")
    if report.notes:
        out += ["**Notes**", ""]
        out += [f"- {n}" for n in report.notes]
        out.append("")
    if report.footer:
        out += [report.footer, ""]
    return "\n".join(printable(line) for line in out)


def _display_width(text: str) -> int:
    """Terminal columns: wide (East Asian) characters take two, combining marks none."""
    import unicodedata

    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def _text_table(t: Table) -> list[str]:
    """A plain table in the style of rich's SIMPLE_HEAD box, without importing rich (start-up time)."""
    cells = [[_cell(c) for c in row] for row in t.rows]
    widths = [_display_width(printable(c)) for c in t.columns]
    for row in cells:
        widths = [max(w, _display_width(c)) for w, c in zip(widths, row, strict=True)]
    right = [c in t.numeric for c in t.columns]

    def line(values: Sequence[str]) -> str:
        return " " + "   ".join(_pad(printable(v), w, r) for v, w, r in zip(values, widths, right, strict=True)) + " "

    rule = " " + "─" * (sum(widths) + 3 * (len(widths) - 1)) + " "
    return [t.title, "", line(t.columns), rule, *(line(row) for row in cells), ""]


def _rich_text(report: Report) -> str:
    """The people format: titled tables, then assumptions and notes."""
    out = [report.title]
    for t in report.tables:
        out += _text_table(t)
    if report.assumptions:
        out.append("Assumptions:")
        out += [f"  {name}: {value}" for name, value in report.assumptions]
    if report.notes:
        out.append("Notes:")
        out += [f"  - {n}" for n in report.notes]
    if report.footer:
        out.append(report.footer)
    return "\n".join(printable(line).rstrip() for line in out) + "\n"
