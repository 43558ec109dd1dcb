"""Session 15, fixB15: ``$`` escaped in Markdown (item 2) and JSON's max_peak_rpm a rate like peak_rpm
(item 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from .conftest import DATA, ROOT

FIXTURE = str(DATA / "pricing-fixture.yaml")
SUPPORT = str(ROOT / "samples" / "support")
WORKLOADS = sorted(str(p) for p in (ROOT / "samples" / "workloads").glob("*.yaml"))
LIMITS = ["limits", SUPPORT, "--output-tokens", "300", "--requests-per-day", "1000"]


# --------------------------------------------------------------------------- item 2: $ in Markdown

#: A ``$`` that Markdown reads as a math delimiter: one not escaped by an odd run of backslashes.
_BARE_DOLLAR = re.compile(r"(?<!\\)(?:\\\\)*\$")


def test_md_escape_escapes_dollars() -> None:
    from gpt41cost.report import md_escape

    assert md_escape("$0.40 input, $1.60 output") == "\\$0.40 input, \\$1.60 output"
    assert md_escape("$0.40", cell=True) == "\\$0.40"
    assert md_escape("\\$") == "\\\\\\$"  # a backslash before it stays a backslash


@given(st.text(alphabet=st.sampled_from("$\\ a0_|*"), max_size=20))
@example("$0.40 ... $1.60")
@settings(max_examples=200)
def test_md_escape_leaves_no_math_delimiter(text: str) -> None:
    from gpt41cost.report import md_escape

    for s in (md_escape(text), md_escape(text, cell=True)):
        assert all(_odd_backslashes_before(s, m.end() - 1) for m in re.finditer(r"\$", s)), s


def _odd_backslashes_before(s: str, i: int) -> bool:
    n = 0
    while i - n - 1 >= 0 and s[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _rendered_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return "\n".join(
        "".join(c.content for c in tok.children or [] if c.type == "text") for tok in md.parse(markdown)
        if tok.type == "inline"
    )  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", SUPPORT], id="estimate"),
        pytest.param(LIMITS, id="limits"),
        pytest.param(["plan", WORKLOADS[0]], id="plan"),
        pytest.param(["pricing"], id="pricing"),
    ],
)
def test_markdown_figures_carry_no_math_delimiter(cli, args) -> None:  # type: ignore[no-untyped-def]
    """estimate samples/support -f markdown had '| $0.007328 | $0.058620 |' and notes with two
    prices a line ('$0.003664 a request, $0.000733 a request'): math in GitHub's Markdown."""
    r = cli(*args, "-f", "markdown")
    assert r.exit_code in (0, 1), r.stderr
    assert "\\$" in r.stdout and not [m.start() for m in re.finditer(r"\$", r.stdout)
                                      if not _odd_backslashes_before(r.stdout, m.start())]  # fmt: skip
    text = _rendered_text(r.stdout)
    assert "$" in text and "\\$" not in text  # rendered, \$ reads $


def test_markdown_escapes_dollars_in_input_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = tmp_path / "w.yaml"
    w.write_text(
        'name: "between $0.40 and $1.60"\nmodel: gpt-4.1-mini\ninput_tokens: 100\noutput_tokens: 10\n'
        "traffic: {requests_per_day: 10}\ntier: 1\n",
        encoding="utf-8",
    )
    r = cli("plan", w, "-f", "markdown")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("## Plan between \\$0.40 and \\$1.60: ")
    assert _rendered_text(r.stdout).startswith("Plan between $0.40 and $1.60: ")


# --------------------------------------------------------------------------- item 4: max_peak_rpm a rate


@pytest.mark.parametrize("per_day", [1000, 1188, 54321])
def test_limits_json_max_peak_rpm_is_a_rate_at_the_peaks_precision(cli, per_day: int) -> None:  # type: ignore[no-untyped-def]
    """limits ... --requests-per-day 1000 -m gpt-4.1 -f json: tier 1 fits at up to 2.4802 RPM (CSV)
    beside a peak of 2.0833, and JSON read max_peak_rpm 2 (an int, floored): under the peak."""
    doc = cli.json("limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", per_day,
                   "-m", "gpt-4.1")  # fmt: skip
    peak = doc["inputs"]["peak_rpm"]
    tiers = doc["models"][0]["tiers"]
    assert all(isinstance(t["max_peak_rpm"], float) for t in tiers)
    assert all(t["max_peak_rpm"] >= peak for t in tiers if t["fits"])
    if per_day == 1000:
        assert (peak, tiers[0]["max_peak_rpm"]) == (2.0833, 2.4802)
    csv = cli("limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", per_day,
              "-m", "gpt-4.1", "-f", "csv", expect=0).stdout.splitlines()  # fmt: skip
    col = csv[0].split(",").index("max peak RPM")
    assert [float(row.split(",")[col]) for row in csv[1:6]] == [t["max_peak_rpm"] for t in tiers]


@pytest.mark.parametrize("workload", WORKLOADS, ids=[Path(w).stem for w in WORKLOADS])
def test_plan_json_max_peak_rpm_is_a_rate_at_the_peaks_precision(cli, workload: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", workload, "-f", "json")
    doc = r.json()
    peak = doc["inputs"]["peak_rpm"]
    assert all(isinstance(t["max_peak_rpm"], float) for t in doc["tiers"]), doc["tiers"]
    assert all(t["max_peak_rpm"] >= peak for t in doc["tiers"] if t["fits"])
    assert any(t["max_peak_rpm"] != int(t["max_peak_rpm"]) for t in doc["tiers"])  # not floored
