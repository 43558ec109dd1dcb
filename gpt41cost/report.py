"""One result, every format.

Each command's core result is turned into a :class:`Report`: a JSON document (the contract)
plus the tables and notes people read. ``render`` turns the same Report into a rich table,
JSON, CSV or Markdown, so the formats cannot drift apart: they read one object.

- ``table``: every table, each followed by its compact bar charts (:mod:`gpt41cost.bars`), then
  assumptions and notes (for terminals).
- ``markdown``: the same tables and notes as GitHub-flavoured Markdown.
- ``csv``: ONE table with one header row and raw values (no currency signs, separators or
  percent signs; empty for none): the first (primary) table, or the one ``--table NAME`` picks.
- ``json``: ``Report.data``: money (a Decimal under a key naming ``usd``) as an exact decimal
  string, every other Decimal as a number (see :func:`typed`).
- ``html``: one self-contained page with inline SVG charts (:mod:`gpt41cost.html`).

Notes that change what a figure means are also ``Report.warnings``: the CLI writes them to
stderr in every format, so a CSV pipeline cannot miss them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

FORMATS = ("table", "json", "csv", "markdown", "html")


@dataclass(frozen=True)
class Usd:
    """A money cell: ``$`` and places by size for people, the exact decimal in CSV. ``signed``:
    a difference, shown ``+$0.1000``, ``-$0.1000``, ``$0.0000`` at its column's places."""

    value: Decimal | None
    signed: bool = False


@dataclass(frozen=True)
class Pct:
    """A percentage cell: ``12.5%`` for people, the exact decimal in CSV."""

    value: Decimal | None
    places: int = 1


@dataclass(frozen=True)
class Shown:
    """A cell people read as ``text`` and machines as ``raw`` (a number, a plain name, or None)."""

    text: str
    raw: str | int | Decimal | Usd | Pct | None


Cell = str | int | Decimal | Usd | Pct | Shown | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]  # Cell values
    #: columns (by name) to right-align in table/markdown output; in CSV they hold numbers only
    numeric: frozenset[str] = frozenset()
    #: the name ``--table NAME`` picks it by (CSV); the first table is the default
    name: str = ""
    #: columns written in CSV only (e.g. the plain model's decoration, the verdict)
    csv_only: frozenset[str] = frozenset()
    #: rows people read under the table (totals, budget lines) that are not records: not in CSV
    footer_rows: Sequence[Sequence[Any]] = ()
    #: columns a narrow terminal may leave out, the first named first (CSV and JSON keep them)
    secondary: Sequence[str] = ()
    #: False: a table for machines only (``--format csv --table NAME``), not printed in the
    #: table, Markdown or HTML formats (where a chart, or other tables, show its figures)
    people: bool = True
    #: False: a table for people only, not a CSV table (``--table``): its rows are in a machine-only
    #: table under a name that does not change with the inputs (a title naming a file would)
    csv: bool = True
    #: (column, CSV header) pairs: a column whose cells people read with their unit (``2.1 days``)
    #: and CSV holds as numbers in one unit, named in its CSV header (``online minutes``)
    csv_names: Sequence[tuple[str, str]] = ()
    #: the places every money column shows (a reconciliation's, where computed - billed =
    #: difference on screen); None: each column its own (:func:`money_places`)
    places: int | None = None


@dataclass(frozen=True)
class Chart:
    """A chart of the HTML report: bars per category, one or more series (stacked or grouped).

    ``table`` names the Report table holding the same figures (every chart has its data table).
    ``unit`` is ``usd``, ``pct`` or ``count``; ``line`` is a reference value drawn across
    (a limit, a budget) with its label.
    """

    title: str
    description: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[Decimal | int | None]]]
    unit: str = "usd"
    stacked: bool = False
    line: tuple[str, Decimal | int] | None = None
    table: str = ""
    #: how many series the table format draws as compact bars under ``table`` (0: none; a
    #: stacked chart draws them all); see :mod:`gpt41cost.bars`
    terminal: int = 0


@dataclass(frozen=True)
class Report:
    title: str
    data: dict[str, Any]
    tables: Sequence[Table] = ()
    assumptions: Sequence[tuple[str, str]] = ()
    notes: Sequence[str] = ()
    footer: str = ""
    #: notes that change what a figure means (a part not counted, an unpriced or shut-down model)
    warnings: Sequence[str] = ()
    charts: Sequence[Chart] = ()
    #: one line people read first in HTML (e.g. a plan's verdict)
    headline: str = ""
    #: notes only the HTML report carries, after ``notes``: the basis of its charts' what-if
    #: series (the table format names the what-if in one note line)
    chart_notes: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", typed(self.data))


def typed(value: Any, money: bool = False) -> Any:
    """The JSON typing rules applied to a document: a Decimal under a key naming ``usd`` (money)
    stays a Decimal (rendered as an exact string); every other Decimal (a share, a rate, a mean)
    becomes a float, whole or not, so a key has one JSON type (counts are ints already)."""
    if isinstance(value, dict):  # values that stay as they are (most) are kept without a call
        return {k: v if type(v) in _AS_IS else typed(v, money or "usd" in str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _AS_IS else typed(v, money) for v in value]
    if isinstance(value, Decimal) and not money:
        return float(value)
    return value


#: The types :func:`typed` returns as they are, whatever the key (their subclasses go through it).
_AS_IS = frozenset({str, int, float, bool, type(None)})


# --------------------------------------------------------------------------- text from inputs

#: The invisible characters: every Default_Ignorable_Code_Point of Unicode (DerivedCoreProperties:
#: the zero-width space, joiners and word joiner U+200B-U+200D, U+2060; the bidirectional marks,
#: embeddings, overrides and isolates; the soft hyphen U+00AD; the combining grapheme joiner U+034F;
#: the variation selectors U+FE00-U+FE0F, U+E0100-U+E01EF; the Hangul fillers U+115F, U+1160,
#: U+3164, U+FFA0; the tag characters U+E0020-U+E007F; the unassigned U+E0000-U+E0FFF, ...), every
#: format character (Unicode category Cf: U+0600-U+0605, U+FFF9-U+FFFB, ...) and the line and
#: paragraph separators U+2028, U+2029 (Zl, Zp). Written out from regex 2026.12.2's Unicode data (a superset of earlier
#: versions'; tests/test_fixH15.py checks it against the ``regex`` package's
#: ``\p{Default_Ignorable_Code_Point}`` and tests/test_fixF15.py against unicodedata's Cf), so
#: importing gpt41cost scans no table. ``gpt-4.1\u200b`` and ``gpt-4.1\ufe0f`` look like ``gpt-4.1``
#: and are other names; ``\u3164`` looks like nothing.
_INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd"
    "\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# Characters a terminal acts on, that reorder what is shown or that show nothing: C0 (ESC, CR,
# newline, tab, BEL), DEL, C1 (CSI 0x9b), and the invisible ones (bidi controls among them).
_CONTROLS = f"\x00-\x1f\x7f-\x9f{_INVISIBLE}"
_CONTROL = re.compile(f"[{_CONTROLS}]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: What reads as an escape after a backslash: ``\n``, ``\r``, ``\t``, ``\x`` and 2 hex digits,
#: ``\u`` and 4, ``\U`` and 8.
_ESCAPE_FORM = r"[nrt]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}"


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    o = ord(ch)
    return _ESCAPES.get(ch) or (f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")


def _escaper(chars: str) -> Callable[[str], str]:
    """Text with the characters of the class ``chars`` escaped, unambiguously: a run of backslashes
    that comes before an escaped character or before text that reads as an escape (``\\u200d``,
    ``\\n``) is doubled, so ``a\\u200db`` (a real U+200D) and ``a\\\\u200db`` (the text
    ``a\\u200db``) differ, while a backslash before anything else (``C:\\Users\\me``,
    ``\\\\server\\share``) is shown as it is. Reading back: in a run of backslashes before an
    escape's text, each pair is one backslash, and an odd one left opens the escape."""
    control = re.compile(f"[{chars}]")
    run = re.compile(f"\\\\+(?=[{chars}]|{_ESCAPE_FORM})")

    def escaped(text: str) -> str:
        if "\\" in text:
            text = run.sub(lambda m: m.group() * 2, text)
        return control.sub(_escape, text)

    return escaped


#: Text from an input (a model name, a project id, a file name) as shown in tables, titles, notes,
#: Markdown and HTML: every control character escaped (ESC as ``\x1b``, a newline as ``\n``,
#: U+202E as ``\u202e``), so it can neither drive the terminal nor forge a line, and every invisible
#: one (U+200B as ``\u200b``, a tag character as ``\U000e0041``), so two names that differ by one
#: cannot look alike; and a backslash before an escape's text doubled (:func:`_escaper`), so no two
#: texts are shown alike (``a\\u200db`` is the text, ``a\u200db`` a real U+200D). Not idempotent
#: (``\u200b`` shown again is ``\\u200b``): applied once, to the text as read.
display = _escaper(_CONTROLS)


def printable(text: str) -> str:
    """Every control and invisible character of ``text`` escaped, its backslashes left as they
    are (ESC as ``\\x1b``, U+200B as ``\\u200b``): nothing in it can drive the terminal, forge a
    line or hide. Idempotent, and the identity on what :func:`display` returned: the last guard
    over a whole output line, and stderr's (whose messages quote names with ``repr`` too)."""
    return _CONTROL.sub(_escape, text)


def encodable(text: str, encoding: str | None) -> str:
    """``text`` as an output in ``encoding`` can carry it: what it cannot is backslash-escaped, as
    stderr shows it (``café`` is ``caf\\xe9`` in ASCII). ``None``: any character is carried."""
    if encoding is None or text.isascii():
        return text
    return text.encode(encoding, "backslashreplace").decode(encoding)


def carried(text: str, fmt: str, encoding: str | None) -> str:
    """A rendered report as an output in ``encoding`` (not UTF-8; ``None``: UTF-8) can carry it.
    JSON and HTML, read as UTF-8 whatever the locale (RFC 8259; the page declares UTF-8), become
    ASCII: JSON escapes as ``ensure_ascii`` does (``\\u00e9``), HTML as ``&#233;``. The formats
    people read keep what the encoding carries and backslash-escape the rest (:func:`encodable`)."""
    if encoding is None or text.isascii():
        return text
    if fmt == "json":
        return _NON_ASCII.sub(lambda m: json.dumps(m.group())[1:-1], text)
    if fmt == "html":
        return text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return encodable(text, encoding)


_NON_ASCII = re.compile("[^\x00-\x7f]")


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


#: What a CSV cell from an input shows escaped: the controls (C0, DEL, C1: a terminal acts on them
#: when the file is printed; a line break would split a record for line-based tools) and the
#: bidirectional controls (Bidi_Control: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and
#: line and paragraph separators, which reorder or break what a spreadsheet's cell shows. The other
#: invisible characters stay: a cell is the text itself (``👨\u200d👩\u200d👧 family.txt`` is
#: the file's name, its joiners raw), for spreadsheets and programs that compare it.
_CSV_CONTROLS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_csv_escaped = _escaper(_CSV_CONTROLS)


def csv_safe(text: str) -> str:
    """A CSV cell that came from an input: its controls and bidi controls escaped (see
    ``_CSV_CONTROLS``), and a leading ``= + - @`` defused with a ``'`` as OWASP recommends; a number
    (``-5``, ``-0.5%``) or a lone ``-`` stays as it is."""
    text = _csv_escaped(text)
    if len(text) > 1 and text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


# C1 controls and the invisible characters (bidi marks among them) are valid raw inside JSON
# strings; written as \u escapes they read back as the same text and cannot act on a terminal
# or hide in it. One beyond U+FFFF is written as its surrogate pair, as JSON escapes it.
_JSON_RAW = re.compile(f"[\x7f-\x9f{_INVISIBLE}]")


def _json_escape(m: re.Match[str]) -> str:
    return json.dumps(m.group())[1:-1]


# --------------------------------------------------------------------------- formatting helpers


def usd(value: Decimal | None, places: int = 6) -> str:
    """Money for people: $ and a fixed number of places (banker's rounding only at display); a
    negative amount (a credit) with its sign before the $ (``-$1.00``), as differences show it."""
    if value is None:
        return "-"
    q = Decimal(1).scaleb(-places)
    rounded = value.quantize(q, rounding=ROUND_HALF_EVEN)
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.{places}f}"


def usd_cents(value: Decimal | None, digits: int = 2) -> str:
    """Money in cents (``$1,234.57``, ``$0.45``), with more places (up to 6) for an amount under a
    dollar that cents would show with fewer than ``digits`` significant digits: ``$0.0036``, not
    ``$0.00``."""
    if value is None or not value or abs(value) >= 1:
        return usd(value, 2)
    return usd(value, min(6, max(2, digits - 1 - value.adjusted())))


def usd_given(value: Decimal) -> str:
    """An amount the user gave (a budget, a cap) as given: ``$0.02``, ``$1,234.56``, ``$5,000``;
    no rounding, since a label that rounds a $0.02 budget to $0 misleads."""
    return f"${value:,f}"


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


def dates(first: object, last: object) -> str:
    """A span of days as a report writes it: ``2026-12-01 to 2026-12-07``, one day alone as itself."""
    return str(first) if first == last else f"{first} to {last}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: ``1 day``, ``1,234 days`` (``noun`` singular; the
    plural adds an s, or is ``plural`` where it does not: ``1 entry``, ``2 entries``). The one way
    a report writes a count of something."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def n_requests(n: int) -> str:
    """``1 request``, ``1,234 requests``."""
    return counted(n, "request")


def first_named(names: Sequence[str], most: int = 3) -> str:
    """The first ``most`` names, and how many more: ``a, b, c and 2 more``."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most:,} more" if len(names) > most else "")


#: The places money is given exactly to in JSON (:func:`money_str`) and in reconciliation tables:
#: a value that does not terminate is rounded to 1e-10.
MONEY_PLACES = 10


def money_str(value: Decimal | None, places: int = MONEY_PLACES) -> str | None:
    """Money for JSON: an exact decimal string; values that do not terminate are rounded to 1e-10."""
    if value is None:
        return None
    if value == value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):
        return _plain(value)
    return _plain(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


#: The places JSON rounds a mean of token counts to, in every command (estimate's steady-state
#: cached tokens and limits'/plan's mean_cached_tokens are one figure and read alike).
MEAN_PLACES = 4


def rounded(value: Decimal | None, places: int) -> Decimal | None:
    """A non-money figure (a mean, a share) rounded for JSON, where it becomes a number."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


def chart_total(c: Chart, j: int) -> Decimal | None:
    """A stacked chart's total for category ``j`` (None when no series has a figure)."""
    present = [Decimal(x) for _, v in c.series if (x := v[j]) is not None]
    return sum(present, Decimal(0)) if present else None


def places_apart(value: Decimal, other: Decimal, least: int = 1, most: int = 12) -> int:
    """The places ``value`` is shown with beside ``other`` (a ceiling, a limit, a chart's line):
    ``least``, or the fewest more (up to ``most``) at which the two, rounded half-even as every
    figure is shown, read apart when they differ: a use of 80.002% beside an 80% ceiling reads
    "80.002%", never "80.0%" twice; a spend of $84 beside an $83.996 budget "$84.000". The one
    rule for percentages, rates and money shown beside what they are held against."""
    places = least
    while places < most and value != other and _at(value, places) == _at(other, places):
        places += 1
    return places


def _at(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def chart_value(value: Decimal | int | None, unit: str, beside: Decimal | int | None = None) -> str:
    """A chart's figure for people: money by size, a share with one place (or the places that set
    it apart from ``beside``, the chart's line: :func:`places_apart`), a count."""
    if value is None:
        return "-"
    if unit == "usd":
        return usd_cents(Decimal(value), digits=3)
    if unit == "pct":
        places = 1 if beside is None else places_apart(Decimal(value), Decimal(beside))
        return f"{Decimal(value):,.{places}f}%"
    return f"{value:,}" if isinstance(value, int) else f"{Decimal(value):,.1f}"


def chart_line(c: Chart) -> Decimal | int | None:
    """The figure of a chart's line that its percentages are shown apart from (None: no line)."""
    return c.line[1] if c.line is not None and c.unit == "pct" else None


#: Characters of a chart's category label on one line (HTML's label column is 200 px wide).
LABEL_CHARS = 28


def label_lines(text: str, width: int = LABEL_CHARS) -> list[str]:
    """A category label on lines of at most ``width`` characters: broken at spaces, a word longer
    than a line after ``:``, ``-``, ``/`` or ``_`` (``ft:gpt-4.1-mini-2025-04-14:org:name:id`` on
    two lines), else cut. Every character is kept: no label is shortened."""
    pieces: list[str] = []  # words, and the parts of a word too long for a line
    for word in text.split(" "):
        if len(word) <= width:
            pieces.append(word)
            continue
        parts = re.findall(r"[^:/_-]*[:/_-]|[^:/_-]+$", word)
        glued = ""
        for part in parts:
            if glued and len(glued) + len(part) > width:
                pieces.append(glued + "\u200b")  # a break inside a word: no space when joined
                glued = ""
            while len(part) > width:
                pieces.append(part[:width] + "\u200b")
                part = part[width:]
            glued += part
        pieces.append(glued)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        joined = piece if not line else line + ("" if line.endswith("\u200b") else " ") + piece
        if line and len(joined.replace("\u200b", "")) > width:
            lines.append(line)
            line = piece
        else:
            line = joined
    lines.append(line)
    return [x.replace("\u200b", "") for x in lines]


# --------------------------------------------------------------------------- rendering


def plain(value: Any) -> Any:
    """JSON's values for a report's data: Decimals as exact strings, tuples and sets as lists.

    What ``--format json`` prints is ``json.dumps(plain(report.data))``, and what a result's
    ``to_dict()`` returns is ``plain(report.data)``: one conversion, so the two cannot differ.
    """
    if isinstance(value, dict):  # values that stay as they are (most) are kept without a call
        return {k if type(k) is str else _key(k): v if type(v) in _AS_IS else plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v if type(v) in _AS_IS else plain(v) for v in value]
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


def render(
    report: Report,
    fmt: str,
    table: str | None = None,
    width: int | None = None,
    *,
    ascii: bool = False,
    encoding: str | None = None,
) -> str:
    """``report`` in ``fmt``; ``table`` names the CSV table (default: the first; ``help`` lists them);
    ``width``: the terminal's columns, which the table format fits (None: no limit); ``ascii``:
    the table format's rules and bars in ASCII (for an output that cannot encode box characters);
    ``encoding``: the output's, when it may not carry every character: text from inputs it
    cannot carry is escaped (:func:`carried`; table cells before the columns are fitted)."""
    if fmt == "json":
        text = json.dumps(plain(report.data), indent=2, ensure_ascii=False)
        text = _JSON_RAW.sub(_json_escape, text) + "\n"
    elif fmt == "csv":
        text = _csv(report, table)
    elif fmt == "markdown":
        text = _markdown(report)
    elif fmt == "html":
        from .html import render_html

        text = render_html(report)
    else:
        text = _rich_text(report, width, ascii, encoding)
    return carried(text, fmt, encoding)


def csv_tables(report: Report) -> list[Table]:
    """The tables ``--format csv --table NAME`` picks from, the default first."""
    return [t for t in report.tables if t.csv]


def table_names(report: Report) -> list[str]:
    return [t.name or _slug(t.title) for t in csv_tables(report)]


def _slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())


def pick_table(report: Report, name: str | None) -> Table:
    """The CSV table ``--table NAME`` names (default: the first)."""
    from .errors import UsageError

    tables = csv_tables(report)
    if not tables:
        raise UsageError("this report has no table to write as CSV; use --format json")
    if name is None:
        return tables[0]
    names = table_names(report)
    if name in names:
        return tables[names.index(name)]
    raise UsageError(f"--table {name}: no such table here; choose one of {', '.join(names)} (--table help lists them)")


def money_places(values: Sequence[Any]) -> int:
    """One rule per money column, the same in every row: cents when its smallest non-zero amount
    is a dollar or more (monthly sums); else four significant digits of that amount (at most 6
    places: per-request costs)."""
    amounts = [abs(v.value) for v in values if isinstance(v, Usd) and v.value]
    if not amounts or min(amounts) >= 1:
        return 2
    return max(2, min(6, 3 - min(amounts).adjusted()))  # adjusted(): floor(log10)


def _cell(v: Cell, places: int | None = None) -> str:
    if v is None:
        return "-"
    if isinstance(v, Shown):
        return display(v.text)
    if isinstance(v, Usd):
        if v.signed and v.value:
            shown = usd_auto(abs(v.value)) if places is None else usd(abs(v.value), places)
            return ("+" if v.value > 0 else "-") + shown
        return usd_auto(v.value) if places is None else usd(v.value, places)
    if isinstance(v, Pct):
        return pct(v.value, v.places)
    if isinstance(v, Decimal):
        return f"{v:,}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return display(str(v))


def _csv_cell(v: Cell) -> str:
    if isinstance(v, Shown):
        v = v.raw
    if isinstance(v, (Usd, Pct)):
        v = v.value
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return money_str(v) or ""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return csv_safe(str(v))


def _csv(report: Report, name: str | None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if name == "help":
        w.writerow(["table", "title", "default", "numeric columns"])
        for i, (slug, t) in enumerate(zip(table_names(report), csv_tables(report), strict=True)):
            named = dict(t.csv_names)
            numeric = "; ".join(named.get(c, c) for c in t.columns if c in t.numeric)
            w.writerow([slug, csv_safe(t.title), "yes" if i == 0 else "no", numeric])
        return buf.getvalue()
    t = pick_table(report, name)
    named = dict(t.csv_names)
    w.writerow([csv_safe(named.get(c, c)) for c in t.columns])
    for row in t.rows:
        w.writerow([_csv_cell(c) for c in row])
    return buf.getvalue()


def shown_tables(report: Report) -> list[Table]:
    """The tables people read (the table, Markdown and HTML formats): all but machine-only ones."""
    return [t for t in report.tables if t.people]


def people_view(t: Table) -> tuple[list[str], list[list[str]]]:
    """The columns and cells people read: CSV-only columns dropped, footer rows appended, each
    money column at one number of places (the table's ``places``, else :func:`money_places`)."""
    keep = [i for i, c in enumerate(t.columns) if c not in t.csv_only]
    cols = [t.columns[i] for i in keep]
    rows = [[row[i] for i in keep] for row in [*t.rows, *t.footer_rows]]
    places = [money_places([row[j] for row in rows]) if t.places is None else t.places for j in range(len(cols))]
    return cols, [[_cell(c, p) for c, p in zip(row, places, strict=True)] for row in rows]


#: Markdown punctuation that makes code, emphasis, strikethrough, links, table cells or math:
#: backslash-escaped, as CommonMark allows for any ASCII punctuation; but an ``_`` inside a word
#: (snake_case, a file name), which emphasises nothing in GitHub-flavoured Markdown. ``$`` opens
#: and closes math where GitHub (and many renderers) read it: ``$0.40 ... $1.60`` in one line is a
#: formula; ``\$`` is GitHub's own escape for a dollar sign, a literal ``$`` in CommonMark.
_MD_PUNCT = re.compile(r"[\\`*\[\]~|$]|(?<![^\W_])_|_(?![^\W_])")
#: What GitHub turns into a mention (@user, @org/team) or a link (an e-mail address, a bare
#: http:// or www. address): a zero-width space (U+200B, as an entity) after its ``@``, ``:`` or ``www``.
_MD_LINKISH = re.compile(r"(?i)@(?=\w)|(?<=\w):(?=//)|\bwww(?=\.)")
#: A start that would open a block in a list item or a line of its own: a heading, a list item, a
#: rule (two hyphens are enough: a list item's own "- " makes "- --" a rule of three).
_MD_BLOCK = re.compile(r"^(?:#{1,6}(?=\s|$)|[-+](?=\s|$)|(?:-[ \t]*){2,}$)|^(\d{1,9})(?=[.)](?:\s|$))")
#: A heading's optional closing sequence: a run of ``#`` after a space at the end of the line,
#: which a heading drops (``## 0 #`` reads "0").
_MD_CLOSING = re.compile(r"(?<=[ \t])#+$")


def md_escape(text: str, *, cell: bool = False) -> str:
    """``text`` as plain text in GitHub-flavoured Markdown, in a heading, a table cell or a list
    item alike: raw HTML shown, not run (``<``, ``>`` and ``&`` as entities), Markdown punctuation
    backslash-escaped, mentions and bare links broken with a zero-width space as GitHub's own
    bots do (``@&#8203;here``), a leading block marker escaped, a raw line break as a space (a
    Markdown line holds none). Reports read input text (workload and file names, notes quoting
    them) into every Markdown part, shown first (:func:`display`): a newline there is ``\\n``, as
    in the table and HTML formats, never a space another name could hold (README, "Output").
    ``cell``: a table cell, where no block starts (a lone ``-``, an unknown figure, stays as is)."""
    s = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_PUNCT.sub(r"\\\g<0>", s)
    s = _MD_LINKISH.sub(lambda m: m.group(0) + "&#8203;", s)
    # one line, no outer whitespace (four spaces open a code block in a list item; a space
    # before the closing ** of a bold title leaves it open)
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip(" \t")
    if cell:
        return s
    # an ordered list's number stays a number: its "." or ")" is what is escaped
    s = _MD_CLOSING.sub(lambda m: "\\" + m.group(0), s)
    return _MD_BLOCK.sub(lambda m: m.group(0) + "\\" if m.group(1) else "\\" + m.group(0), s)


def _markdown(report: Report) -> str:
    def e(text: str, cell: bool = False) -> str:  # text as read: shown (display), then Markdown
        return md_escape(display(text), cell=cell)

    out: list[str] = [f"## {e(report.title)}", ""]
    for t in shown_tables(report):
        cols, rows = people_view(t)
        out += [f"**{e(t.title)}**", ""]
        out.append("| " + " | ".join(e(c, cell=True) for c in cols) + " |")
        out.append("|" + "|".join("---:" if c in t.numeric else "---" for c in cols) + "|")
        for row in rows:  # people_view's cells: shown already
            out.append("| " + " | ".join(md_escape(c, cell=True) for c in row) + " |")
        out.append("")
    if report.assumptions:
        out += ["**Assumptions**", ""]
        out += [f"- {e(name)}: {e(value)}" for name, value in report.assumptions]
        out.append("")
    if report.notes:
        out += ["**Notes**", ""]
        out += [f"- {e(n)}" for n in report.notes]
        out.append("")
    if report.footer:
        out += [e(report.footer), ""]
    return "\n".join(printable(line) for line in out)


def display_width(text: str) -> int:
    """Terminal columns: wide (East Asian) characters take two; marks (Mn, Me: combining or not,
    U+FE0F too), format characters (Cf: U+200B, U+FEFF, ...) and the other invisible ones (the
    Hangul fillers U+3164, U+115F, wide by East Asian width, show nothing) none."""
    import unicodedata

    if text.isascii():
        return len(text)
    width = 0
    for ch in _INVISIBLE_RE.sub("", text):  # the invisible ones, in one pass
        if unicodedata.category(ch) in _ZERO_WIDTH:
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


_ZERO_WIDTH = frozenset({"Mn", "Me", "Cf"})


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


#: The narrowest a wrapped text column gets in a fitted table.
MIN_TEXT_WIDTH = 12


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


@dataclass(frozen=True)
class _Grid:
    """A table's columns and cells as people read them (escaped, encodable), and which columns
    are right-aligned (numbers)."""

    cols: list[str]
    cells: list[list[str]]
    right: list[bool]

    def pick(self, keep: Sequence[int]) -> _Grid:
        """The grid of the columns ``keep`` only."""
        return _Grid(
            [self.cols[j] for j in keep], [[row[j] for j in keep] for row in self.cells], [self.right[j] for j in keep]
        )


def _grid(t: Table, encoding: str | None) -> _Grid:
    cols, cells = people_view(t)
    right = [c in t.numeric for c in cols]
    cols = [encodable(display(c), encoding) for c in cols]
    cells = [[encodable(c, encoding) for c in row] for row in cells]  # people_view's: shown already
    return _Grid(cols, cells, right)


def _natural(g: _Grid, j: int, head_words: bool) -> int:
    """Column ``j``'s width unwrapped (``head_words``: its header wrapped at its words)."""
    head = g.cols[j]
    head_w = max(display_width(w) for w in head.split()) if head_words and head.strip() else display_width(head)
    return max([head_w, *(display_width(row[j]) for row in g.cells)])


def _shortest(g: _Grid, j: int, pieces: Callable[[str], list[str]], break_header: bool) -> int:
    """The narrowest column ``j`` of numbers gets with its cells cut into ``pieces`` (a number
    never breaks), its header's words kept whole unless ``break_header``."""
    words = [w for row in g.cells for w in pieces(row[j])] + ([] if break_header else g.cols[j].split())
    return max([1, *(display_width(w) for w in words)])


def _shrink(widths: list[int], order: Sequence[int], floors: Sequence[int], over: int) -> int:
    """Narrow the columns ``order`` (each down to its floor) until ``over`` columns are won."""
    for j in order:
        if over <= 0:
            break
        cut = min(over, widths[j] - floors[j])
        if cut > 0:
            widths[j] -= cut
            over -= cut
    return over


def _layout(g: _Grid, width: int | None, break_headers: bool = False) -> tuple[int, list[int]]:
    """The gap and column widths of ``g`` in ``width`` columns (None: no limit): natural widths
    3 apart; when too wide, 2 apart with headers wrapped at their words, then the widest text
    columns wrapped (down to ``MIN_TEXT_WIDTH``), then columns of numbers whose cells hold words
    (``$100.00 (not checked)``) wrapped before a parenthesis, then at their words (and, with
    ``break_headers``, inside a header's word). It may still be too wide: :func:`_text_table` then splits the columns
    into parts."""
    n = len(g.cols)
    widths = [_natural(g, j, False) for j in range(n)]
    if width is None or sum(widths) + 3 * (n - 1) + 2 <= width:
        return 3, widths
    widths = [_natural(g, j, True) for j in range(n)]
    over = sum(widths) + 2 * (n - 1) + 2 - width
    text_cols = sorted((j for j in range(n) if not g.right[j]), key=lambda j: -widths[j])
    over = _shrink(widths, text_cols, [MIN_TEXT_WIDTH] * n, over)
    numbers = [j for j in range(n) if g.right[j]]
    # numbers with words: first before a parenthesis, then at any space, then the headers' words
    for pieces, break_header in ((_BEFORE_PAREN.split, False), (str.split, False), (str.split, True)):
        if over <= 0 or (break_header and not break_headers):
            break
        floors = [_shortest(g, j, pieces, break_header) if g.right[j] else 0 for j in range(n)]
        over = _shrink(widths, sorted(numbers, key=lambda j: -widths[j]), floors, over)
    return 2, widths


_BEFORE_PAREN = re.compile(r" (?=\()")


def _fold(text: str, width: int, header: bool, number: bool = False) -> list[str]:
    """A cell on lines of at most ``width``: wrapped at spaces; a header's word longer than the
    line breaks after ``:``, ``-``, ``/`` or ``_`` (:func:`label_lines`), a cell's is cut. A
    ``number`` with words breaks before its parenthesis first (``$1,000.00`` / ``(not checked)``)."""
    if display_width(text) <= width:
        return [text]
    if header and any(display_width(w) > width for w in text.split()):
        return label_lines(text, width)
    if number:
        pieces = _BEFORE_PAREN.split(text)
        if len(pieces) > 1 and all(display_width(p) <= width for p in pieces):
            return pieces
    return _wrap(text, width)


def _grid_lines(g: _Grid, width: int | None, ascii: bool, break_headers: bool = False) -> list[str]:
    """The header, rule and rows of ``g`` laid out for ``width`` (:func:`_layout`)."""
    gap, widths = _layout(g, width, break_headers)

    def block(values: Sequence[str], header: bool = False) -> list[str]:
        wrapped = [_fold(v, w, header, r) for v, w, r in zip(values, widths, g.right, strict=True)]
        height = max(len(x) for x in wrapped)
        lines = []
        for i in range(height):
            parts = [_pad(x[i] if i < len(x) else "", w, r) for x, w, r in zip(wrapped, widths, g.right, strict=True)]
            lines.append(" " + (" " * gap).join(parts) + " ")
        return lines

    widths = [
        max(
            w,
            max(
                (
                    display_width(x)
                    for k, v in enumerate([g.cols[j], *(r[j] for r in g.cells)])
                    for x in _fold(v, w, k == 0, g.right[j])
                ),
                default=0,
            ),
        )
        for j, w in enumerate(widths)
    ]
    rule = " " + ("-" if ascii else "─") * (sum(widths) + gap * (len(widths) - 1)) + " "
    out = [*block(g.cols, header=True), rule]
    for row in g.cells:
        out += block(row)
    return out


def _fits(lines: Sequence[str], width: int) -> bool:
    return max((display_width(x) for x in lines), default=0) <= width


def _parts(g: _Grid, width: int) -> list[list[int]]:
    """The columns in groups that each fit ``width``, every group led by the first column (the
    row's name), so that every row reads across each part."""
    n = len(g.cols)
    natural = [_natural(g, j, True) for j in range(n)]
    key = natural[0] if g.right[0] else min(natural[0], max(MIN_TEXT_WIDTH, width // 3))
    parts: list[list[int]] = []
    part, used = [0], 2 + key
    for j in range(1, n):
        if len(part) > 1 and used + 2 + natural[j] > width:
            parts.append(part)
            part, used = [0], 2 + key
        part.append(j)
        used += 2 + natural[j]
    return [*parts, part]


def _text_table(t: Table, width: int | None = None, ascii: bool = False, encoding: str | None = None) -> list[str]:
    """A plain table in the style of rich's SIMPLE_HEAD box, without importing rich (start-up time).

    With ``width``, every line fits it: the columns are laid out narrower (:func:`_layout`:
    headers and text wrap; numbers never break); if that is not enough, the table's secondary
    columns are left out (first named first, said in a line under the title) when that makes it
    fit; else the columns are split into parts, each led by the first column (nothing left out)."""
    g = _grid(t, encoding)
    lines = _grid_lines(g, width, ascii)
    note = ""
    parts = [lines]
    if width is not None and not _fits(lines, width):
        shown = [c for c in t.columns if c not in t.csv_only]  # g's columns, by their names in t
        for k in range(1, len(t.secondary) + 1):
            gone = set(t.secondary[:k])
            trial = _grid_lines(g.pick([j for j, c in enumerate(shown) if c not in gone]), width, ascii)
            if _fits(trial, width):
                parts = [trial]
                note = f"(left out to fit {width} columns: {', '.join(t.secondary[:k])}; --format csv shows them)"
                break
        else:
            groups = _parts(g, width)
            parts = [_grid_lines(g.pick(cols), width, ascii, break_headers=True) for cols in groups]
            if len(groups) > 1:
                first = shown[0]
                note = f"(in {len(groups)} parts to fit {width} columns, each led by the {first} column)"
    out: list[str] = []
    for i, part in enumerate(parts):
        title = t.title if i == 0 else f"{t.title} (part {i + 1} of {len(parts)})"
        out += _lines(display(title), width)
        if i == 0 and note:
            out += _lines(display(note), width)
        out += ["", *part, ""]
    return out


def _lines(text: str, width: int | None) -> list[str]:
    """A title or note on lines of at most ``width`` (None: one line)."""
    return [text] if width is None or display_width(text) <= width else _wrap(text, width)


def _rich_text(report: Report, width: int | None = None, ascii: bool = False, encoding: str | None = None) -> str:
    """The people format: titled tables, each followed by its compact bar charts
    (:mod:`gpt41cost.bars`), then assumptions and notes (wrapped to ``width``)."""
    import textwrap

    from .bars import bar_chart

    def para(text: str, first: str, rest: str) -> list[str]:
        if width is None:
            return [first + display(text)]
        return textwrap.wrap(
            encodable(display(text), encoding),
            width,
            initial_indent=first,
            subsequent_indent=rest,
            break_on_hyphens=False,
        ) or [first]

    out = _lines(display(report.title), width)
    for t in shown_tables(report):
        out += _text_table(t, width, ascii, encoding)
        name = t.name or _slug(t.title)
        for c in report.charts:
            if c.table == name and c.terminal and len(c.categories) > 1:  # one bar compares nothing
                drawn = bar_chart(c, width, ascii, encoding)
                out += [*drawn, ""] if drawn else []
    if report.assumptions:
        out.append("Assumptions:")
        for name, value in report.assumptions:
            out += para(f"{name}: {value}", "  ", "    ")
    if report.notes:
        out.append("Notes:")
        for n in report.notes:
            out += para(n, "  - ", "    ")
    if report.footer:
        out += _lines(display(report.footer), width)
    return "\n".join(printable(line).rstrip() for line in out) + "\n"
