"""Compact bar charts for the table format (the terminal), drawn from a report's charts.

A chart with ``terminal`` set is drawn under the table it belongs to (``Chart.table``): one
line per category, its first ``terminal`` series side by side, each a short bar and its figure.
Bars are Unicode block characters in eighths (``█▌``); with ``ascii`` (an output encoding that
cannot write them, or ``TERM=dumb``) they are ``#`` in whole cells. A share (``unit="pct"``)
is drawn against 100% (a rate limit: a full bar is the limit, ``>`` past it); money and
counts against the largest figure. A reference line (the headroom line, a budget) is a ``│``
(``|``) where the bar does not reach it. Stacked series are told apart by their fill
(``█▒░▓``, ``#=+*``), named on a legend line. Markdown, CSV, JSON and HTML never hold these
bars: HTML draws the same charts as SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .report import Chart, Usd, chart_line, chart_total, chart_value, display, encodable, label_lines, money_places, usd

#: Widest and narrowest bar, in terminal cells.
BAR_MAX = 30
BAR_MIN = 6
#: The width bars are sized for when the output has none (piped with no $COLUMNS).
DEFAULT_WIDTH = 100

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FILLS = {False: "█▒░▓", True: "#=+*"}
_MARK = {False: "│", True: "|"}
OVER = ">"


def _num(v: Decimal | int | None) -> float:
    return 0.0 if v is None else float(v)  # drawing only: cell positions


def bar(value: float, top: float, width: int, ascii: bool, mark: float | None = None) -> str:
    """``value`` of ``top`` as ``width`` cells; past ``top`` the bar is full and ends in ``>``."""
    cells = 0.0 if top <= 0 else max(0.0, value) / top * width
    if ascii:
        text = "#" * min(width, round(cells))
    else:
        eighths = min(width * 8, round(cells * 8))
        text = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
    text = text.ljust(width)
    if value > top > 0:
        text = text[:-1] + OVER
    return _marked(text, top, width, ascii, mark)


def stacked(values: Sequence[float], top: float, width: int, ascii: bool, mark: float | None = None) -> str:
    """Segments in turn, each in its own fill, rounded so the ends fall where the sums do."""
    fills = _FILLS[ascii]
    text, total, drawn = "", 0.0, 0
    for i, v in enumerate(values):
        total += max(0.0, v)
        end = min(width, round(total / top * width)) if top > 0 else 0
        text += fills[i % len(fills)] * (end - drawn)
        drawn = end
    text = text.ljust(width)
    if total > top > 0:
        text = text[:-1] + OVER
    return _marked(text, top, width, ascii, mark)


def _marked(text: str, top: float, width: int, ascii: bool, mark: float | None) -> str:
    if mark is None or top <= 0 or not 0 <= mark <= top:
        return text
    at = min(width - 1, int(mark / top * width))
    return text if text[at] != " " else text[:at] + _MARK[ascii] + text[at + 1 :]


def _column(column: Sequence[Decimal | int | None], unit: str, beside: Decimal | int | None) -> list[str]:
    """A column of bar figures: money at one number of places down the column (as the tables show
    it); a share apart from the chart's line (``beside``)."""
    if unit != "usd":
        return [chart_value(x, unit, beside) for x in column]
    places = money_places([Usd(None if x is None else Decimal(x)) for x in column])
    return [chart_value(x, unit) if x is None else usd(Decimal(x), places) for x in column]


def bar_chart(c: Chart, width: int | None, ascii: bool = False, encoding: str | None = None) -> list[str]:
    """The chart's lines for a terminal of ``width`` columns (None: :data:`DEFAULT_WIDTH`); none
    when even its narrowest bars would not fit (the table above holds the same figures). Its
    labels are shown as the table's cells are: text as read (:func:`display`), then as an output
    in ``encoding`` can carry it (:func:`encodable`; None: any character), so the bars line up."""

    def shown(text: str) -> str:
        return encodable(display(text), encoding)

    limit = width
    width = width or DEFAULT_WIDTH
    series = list(c.series) if c.stacked else list(c.series[: c.terminal])
    n = len(c.categories)
    pct = c.unit == "pct"
    mark = None if c.line is None else _num(c.line[1])
    figures = [[chart_total(c, j)] for j in range(n)] if c.stacked else [[v[j] for _, v in series] for j in range(n)]
    beside = chart_line(c)
    columns = [_column([row[k] for row in figures], c.unit, beside) for k in range(len(figures[0]))] if figures else []
    values = [[col[j] for col in columns] for j in range(n)]
    if c.stacked:
        top = max([sum(_num(v[j]) for _, v in series) for j in range(n)] + [mark or 0.0])
    else:
        top = 100.0 if pct else max([_num(x) for _, v in series for x in v] + [mark or 0.0])
    if pct and mark == 100:
        mark = None  # the end of the bar is the limit already
    names = [] if c.stacked or len(series) == 1 else [shown(name) for name, _ in series]
    value_w = [max(len(row[k]) for row in values) for k in range(len(values[0]))] if values else []
    labels = [label_lines(shown(cat)) for cat in c.categories]
    label_w = max((len(x) for lines in labels for x in lines), default=0)
    fixed = 1 + label_w + sum(2 + w + 1 for w in value_w) + sum(len(x) + 1 for x in names)
    bar_w = max(BAR_MIN, min(BAR_MAX, (width - fixed) // max(1, len(value_w))))
    head = shown(c.title)
    if not c.stacked and len(series) < len(c.series):
        head += ": " + ", ".join(shown(name) for name, _ in series)
    out = [head]
    key = []
    if pct:
        key.append(f"a full bar is 100%, {OVER} past it")
    if mark is not None and c.line is not None:
        key.append(f"{_MARK[ascii]} {shown(c.line[0])} {chart_value(c.line[1], c.unit)}")
    if c.stacked:
        fills = _FILLS[ascii]
        key.append("  ".join(f"{fills[i % len(fills)]} {shown(name)}" for i, (name, _) in enumerate(series)))
    if key:
        out.append(" " + "; ".join(key))
    for j, lines in enumerate(labels):
        cells = []
        if c.stacked:
            drawn = stacked([_num(v[j]) for _, v in series], top, bar_w, ascii, mark)
            cells.append(f"{drawn} {values[j][0].rjust(value_w[0])}")
        else:
            for k, (_, v) in enumerate(series):
                name = f"{names[k]} " if names else ""
                drawn = bar(_num(v[j]), top, bar_w, ascii, mark)
                cells.append(f"{name}{drawn} {values[j][k].rjust(value_w[k])}")
        out.append(f" {lines[0].ljust(label_w)}  " + "  ".join(cells))
        out += [f" {x}" for x in lines[1:]]
    if limit is not None and max(len(x) for x in out) > limit:
        return []
    return out
