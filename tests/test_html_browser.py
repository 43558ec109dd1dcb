"""The HTML reports in a real browser (issue #16): each command's page loads in headless
Chromium with no console errors, every chart has its SVG and its data table in the DOM the
browser rendered, and a screenshot of it is not blank.

Skipped ONLY when no Chromium is installed and none could be installed: `.ci/run` installs
Debian's `chromium-headless-shell` package when it is missing (CI runs as root with Debian's
registry), which `tools/browser.find` takes before a full `chromium`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_reports import CHARTS, HTML_RUNS, _Page
from tools import browser

BINARY = browser.find()
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="no browser: Chromium is not installed and could not be installed here "
    "(`apt-get install chromium-headless-shell`; .ci/run installs it when missing)",
)


#: What the tests add to the browser's flags: the renderer runs in the browser's own process
#: (the same engine, DOM, console and screenshots; the pages are local files of our own), where a
#: session started a browser, a GPU, a utility and a renderer process each: this file 4.15, 3.45,
#: 3.32 -> 3.09, 2.63, 2.96 CPU s, the whole process tree (perf stat, alternating runs).
TEST_FLAGS = ("--single-process",)
#: The window the tests' pages load in and are shot at (tools/browser's default, 1000 x 1400, is
#: the README screenshots'): the report's title, its first chart and that chart's bars in view,
#: for about a third of the pixels to lay out, paint, encode and read back. Five loads and shots
#: 0.73 -> 0.52 CPU s of Chromium, and 0.097 -> 0.032 s of this process reading the PNGs (median
#: of 4, one session).
VIEW = {"width": 800, "height": 600}


@pytest.fixture(scope="module")
def chromium() -> Iterator[browser.Session]:
    """One browser for the module's pages (each loads in a tab of its own): starting Chromium is
    most of the cost of loading one of them."""
    assert BINARY is not None
    with browser.Session(BINARY, flags=TEST_FLAGS) as session:
        yield session


def _page(cli, tmp_path: Path, command: str) -> Path:  # type: ignore[no-untyped-def]

    r = cli([command, *HTML_RUNS[command], "-f", "html"])
    assert r.exit_code in (0, 1), r.stderr
    page = tmp_path / f"{command}.html"
    page.write_text(r.stdout, encoding="utf-8")
    return page


@pytest.mark.parametrize("command", list(HTML_RUNS))
def test_report_loads_in_chromium_with_charts_and_a_screenshot(cli, chromium, tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    page = _page(cli, tmp_path, command)
    png = tmp_path / f"{command}.png"
    loaded = chromium.load(page, png, **VIEW)  # one load: the DOM, the console and the screenshot
    assert loaded.console == []
    dom = _Page()
    dom.feed(loaded.dom)
    assert len(dom.figures) == len(CHARTS[command])
    assert all(f == {"svg": 1, "table": 1, "title": 1, "desc": 1} for f in dom.figures), dom.figures
    for title in CHARTS[command]:
        assert f">{title}</figcaption>" in loaded.dom
    if command == "estimate":
        _the_cached_variant_and_the_savings_chart(loaded.dom)
    assert browser.distinct_colours(png) > 20


def _the_cached_variant_and_the_savings_chart(page: str) -> None:
    """`gpt41cost estimate samples/support --requests-per-day 20000 -f html` (issue #16's done-when):
    plain text assumes no prompt cache, so the cached variant and the savings chart are the
    what-if, with --cache auto's figures."""
    import html

    from gpt41cost.views.estimate import WHAT_IF_LABEL

    assert HTML_RUNS["estimate"] == ["samples/support", "--requests-per-day", "20000"]
    dom = html.unescape(page)
    label = html.unescape(WHAT_IF_LABEL)
    for chart in ("Cost per request by model", "Cost per month by model"):
        data = dom.split(f"<caption>Data: {chart}</caption>")[1].split("</table>")[0]
        assert f">{label}</th>" in data
    savings = dom.split("<caption>Data: Prompt-cache savings (what-if)</caption>")[1].split("</table>")[0]
    assert f">{label}</th>" in savings
    month = dom.split("<caption>Data: Cost per month by model</caption>")[1].split("</table>")[0]
    assert "$3,129.30" in month and "$4,396.50" in month  # --cache auto's month beside the run's own
    assert "What-if series (" in dom


def test_the_console_check_sees_an_error_and_the_blank_check_a_blank_page(chromium, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One page logs an error and fails to load an image (a load apiece cost 0.15 CPU s): the
    console check sees both; the blank page after it logs nothing of the page before."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><p>x</p><img src="missing.png"><script>console.error("boom")</script></body></html>'
    )
    console = chromium.load(bad, **VIEW).console
    assert any("boom" in m for m in console), console
    assert any("Failed to load resource" in m for m in console), console
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    png = tmp_path / "blank.png"
    assert chromium.load(blank, png, **VIEW).console == []
    assert browser.distinct_colours(png) <= 20
