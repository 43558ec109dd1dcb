"""The HTML format: one self-contained page (no scripts, fonts, styles or images from elsewhere).

Charts are inline SVG drawn here: horizontal bars per category, one or more series, grouped
or stacked, with an optional reference line (a limit, a budget). A small renderer of our own
keeps the page self-contained and the install light (a charting library would add a
dependency of several MB, or JavaScript in the page, for a few bar charts). Every chart has
a text alternative (``<title>``/``<desc>``, ``role="img"``) and a table of its figures; the
report's own tables, assumptions and notes follow. Colours follow the reader's light or dark
scheme; print uses the light one.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape as _html_escape

from .report import (
    Chart,
    Report,
    chart_line,
    chart_total,
    chart_value,
    display,
    label_lines,
    people_view,
    printable,
    shown_tables,
)


def escape(text: str) -> str:
    """Text as read for the page: control characters shown escaped (as in every format), then HTML-escaped."""
    return _html_escape(display(text))


def escape_shown(text: str) -> str:
    """Text already shown (:func:`display`, a table cell of ``people_view``) for the page."""
    return _html_escape(printable(text))


#: Series colours, readable on light and dark backgrounds (Okabe-Ito, colour-blind safe).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

_CSS = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #5a5a5a; --grid: #d0d0d0;
  --pass: #1a7f37; --fail: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #16181c; --muted: #a8a8a8; --grid: #3a3d44; --pass: #4ac26b; --fail: #ff7b72; }
}
@media print { :root { --fg: #000; --bg: #fff; --muted: #444; --grid: #bbb; } figure, table { break-inside: avoid; } }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 1.5rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.headline { font-weight: 600; padding: .5rem .75rem; border-left: .3rem solid var(--muted); }
.headline.pass { border-color: var(--pass); } .headline.fail { border-color: var(--fail); }
figure { margin: 1.5rem 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
.desc { color: var(--muted); margin: 0 0 .5rem; }
svg { max-width: 100%; height: auto; } svg text { fill: var(--fg); font-size: 12px; }
svg .grid { stroke: var(--grid); } svg .ref { stroke: var(--fail); stroke-dasharray: 4 3; stroke-width: 1.5; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--grid); text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
"""


def render_html(report: Report) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head>",
        "<body>",
        f"<h1>{escape(report.title)}</h1>",
    ]
    if report.headline:
        kind = "pass" if report.headline.startswith("PASS") else "fail" if "FAIL" in report.headline else ""
        out.append(f'<p class="headline {kind}">{escape(report.headline)}</p>')
    if report.warnings:
        out.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in report.warnings) + "</ul>")
    if report.charts:
        out.append("<h2>Charts</h2>")
        out += [_figure(c, i) for i, c in enumerate(report.charts)]
    out.append("<h2>Tables</h2>")
    for t in shown_tables(report):
        cols, rows = people_view(t)
        out.append(_table(t.title, cols, rows, t.numeric))
    if report.assumptions:
        out.append("<h2>Assumptions</h2><dl>")
        out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.assumptions]
        out.append("</dl>")
    notes = [*report.notes, *report.chart_notes]
    if notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    if report.footer:
        out.append(f"<p>{escape(report.footer)}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _table(title: str, cols: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[str]) -> str:
    """``title`` and ``cols`` as read; ``rows`` shown already (:func:`display`)."""
    cls = [' class="n"' if c in numeric else "" for c in cols]
    head = "".join(f'<th scope="col"{k}>{escape(c)}</th>' for c, k in zip(cols, cls, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{k}>{escape_shown(v)}</td>" for v, k in zip(row, cls, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><caption>{escape(title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(c: Chart, index: int) -> str:
    cid = f"chart{index}"
    svg = _svg(c, cid)
    legend = ""
    if len(c.series) > 1:
        legend = (
            '<p class="legend" aria-hidden="true">'
            + "".join(
                f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{escape(name)}</span>'
                for i, (name, _) in enumerate(c.series)
            )
            + "</p>"
        )
    cols = ["", *(name for name, _ in c.series)]
    beside = chart_line(c)
    rows = [
        [display(cat), *(chart_value(vals[j], c.unit, beside) for _, vals in c.series)]
        for j, cat in enumerate(c.categories)
    ]
    if c.line is not None:
        rows.append([display(c.line[0]), *([chart_value(c.line[1], c.unit)] * len(c.series))])
    table = _table(f"Data: {c.title}", cols, rows, frozenset(cols[1:]))
    return (
        f'<figure aria-labelledby="{cid}-cap"><figcaption id="{cid}-cap">{escape(c.title)}</figcaption>'
        f'<p class="desc">{escape(c.description)}</p>{svg}{legend}{table}</figure>'
    )


#: Pixels between the lines of a wrapped category label.
LINE_H = 13


def _svg(c: Chart, cid: str) -> str:
    beside = chart_line(c)
    label_w, value_w, bar_area, bar_h, gap = 200, 110, 420, 16, 10
    n_series = 1 if c.stacked else len(c.series)
    labels = [label_lines(display(cat)) for cat in c.categories]
    group_hs = [max(bar_h * n_series, LINE_H * len(lines)) + gap for lines in labels]
    height = sum(group_hs) + 30
    width = label_w + bar_area + value_w

    def num(v: Decimal | int | None) -> float:
        return 0.0 if v is None else float(v)  # drawing only: pixel positions

    totals = [
        sum(num(vals[j]) for _, vals in c.series)
        if c.stacked
        else max((num(vals[j]) for _, vals in c.series), default=0)
        for j in range(len(c.categories))
    ]
    top = max([*totals, num(c.line[1]) if c.line else 0.0, 0.0]) or 1.0
    scale = bar_area / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-t {cid}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{cid}-t">{escape(c.title)}</title>',
        f'<desc id="{cid}-d">{escape(_alt_text(c))}</desc>',
        f'<line class="grid" x1="{label_w}" y1="0" x2="{label_w}" y2="{height - 24}"/>',
    ]
    y0 = 4
    for j, lines in enumerate(labels):
        ty = y0 + (group_hs[j] - gap) / 2 - LINE_H * (len(lines) - 1) / 2 + 4
        spans = "".join(
            f'<tspan x="{label_w - 6}" dy="{0 if k == 0 else LINE_H}">{escape_shown(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        parts.append(f'<text x="{label_w - 6}" y="{ty:.1f}" text-anchor="end">{spans}</text>')
        x = float(label_w)
        for i, (_, vals) in enumerate(c.series):
            w = max(0.0, num(vals[j]) * scale)
            colour = PALETTE[i % len(PALETTE)]
            if c.stacked:
                parts.append(f'<rect x="{x:.1f}" y="{y0}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
                x += w
            else:
                y = y0 + i * bar_h
                parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>')
                figure = chart_value(vals[j], c.unit, beside)
                parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 5}">{figure}</text>')
        if c.stacked:
            parts.append(
                f'<text x="{x + 4:.1f}" y="{y0 + bar_h - 4}">{chart_value(chart_total(c, j), c.unit, beside)}</text>'
            )
        y0 += group_hs[j]
    if c.line is not None:
        lx = label_w + num(c.line[1]) * scale
        parts.append(f'<line class="ref" x1="{lx:.1f}" y1="0" x2="{lx:.1f}" y2="{height - 24}"/>')
        parts.append(
            f'<text x="{lx:.1f}" y="{height - 8}" text-anchor="middle">{escape(c.line[0])} '
            f"{chart_value(c.line[1], c.unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _alt_text(c: Chart) -> str:
    """The chart in words: every category with its figures (the table below has them too)."""
    beside = chart_line(c)
    parts = []
    for j, cat in enumerate(c.categories):
        figures = ", ".join(f"{name} {chart_value(vals[j], c.unit, beside)}" for name, vals in c.series)
        parts.append(f"{cat}: {figures}")
    text = f"{c.description} " + "; ".join(parts) + "."
    if c.line is not None:
        text += f" Reference line: {c.line[0]} {chart_value(c.line[1], c.unit)}."
    return text
