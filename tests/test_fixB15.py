"""Session 15, fixB15: ``$`` escaped in Markdown (item 2)."""

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
