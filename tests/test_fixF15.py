"""Session 15, fixF15: one context-window check for limits and the workload loader, limits listing a
file's requests over the window as estimate does (item 1); invisible characters made visible in
every format, and their width (item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DATA

FIXTURE = str(DATA / "pricing-fixture.yaml")


# --------------------------------------------------------------------------- item 1: the context window


def test_limits_refuses_a_given_size_over_the_context_window(cli) -> None:  # type: ignore[no-untyped-def]
    """limits --input-tokens 1040000 --max-tokens 10000 said tier 4 fits a request OpenAI refuses."""
    r = cli("limits", "--input-tokens", "1040000", "--max-tokens", "10000", "--peak-rpm", "1", "-m", "gpt-4.1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "gpt41cost: error: --input-tokens: 1,040,000 input plus 10,000 output is over gpt-4.1's 1,047,576-token "
        "context window; give --input-tokens and --max-tokens that sum to 1,047,576 or less\n"
    )
    # without --max-tokens the expected output is the reservation, and is named
    r = cli("limits", "--input-tokens", "1040000", "--output-tokens", "10000", "--peak-rpm", "1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert "give --input-tokens and --output-tokens that sum to 1,047,576 or less\n" in r.stderr
    assert r.stderr.count("\n") == 1
    # exactly the window fits
    ok = cli.json("limits", "--input-tokens", "1037576", "--max-tokens", "10000", "--peak-rpm", "1", "-m", "gpt-4.1")
    assert ok["models"][0]["lowest_tier"] == 4


def test_the_api_names_its_parameters() -> None:
    import gpt41cost
    from gpt41cost.errors import ParameterError

    with pytest.raises(ParameterError) as exc:
        gpt41cost.limits(input_tokens=1_040_000, max_tokens=10_000, peak_rpm=1, models="gpt-4.1")
    assert str(exc.value) == (
        "input_tokens: 1,040,000 input plus 10,000 output is over gpt-4.1's 1,047,576-token context window; "
        "give input_tokens and max_tokens that sum to 1,047,576 or less"
    )


def test_the_workload_message_is_unchanged(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = tmp_path / "overctx.yaml"
    w.write_text(
        "model: gpt-4.1\ninput_tokens: 1040000\noutput_tokens: 10000\n"
        "traffic: {requests_per_day: 10, peak_rpm: 1}\ntier: 5\nhorizon_months: 1\n"
    )
    r = cli("plan", w)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {w}:2: input_tokens: 1,040,000 input plus 10,000 output is over gpt-4.1's "
        "1,047,576-token context window; give input_tokens and output_tokens that sum to 1,047,576 or less\n"
    )


def test_check_window_is_the_one_check(monkeypatch, catalog) -> None:  # type: ignore[no-untyped-def]
    import importlib

    limits_mod = importlib.import_module("gpt41cost.limits")  # gpt41cost.limits is the API's function
    workload_mod = importlib.import_module("gpt41cost.workload")
    from gpt41cost.errors import ParameterError
    from gpt41cost.limits import OverWindow, check_window

    gpt41 = catalog.resolve("gpt-4.1")
    check_window([gpt41], 1_037_576, 10_000)  # exactly the window
    with pytest.raises(OverWindow) as exc:
        check_window([gpt41], 1_037_577, 10_000, "output_tokens")
    assert isinstance(exc.value, ParameterError)
    assert exc.value.named(lambda p: "--" + p.replace("_", "-")).startswith("--input-tokens: 1,037,577 input plus")
    assert exc.value.problem(str).endswith("give input_tokens and output_tokens that sum to 1,047,576 or less")

    calls: list[tuple[int, int, str]] = []

    def spy(models, input_tokens, output_tokens, output="max_tokens"):  # type: ignore[no-untyped-def]
        calls.append((input_tokens, output_tokens, output))
        check_window(models, input_tokens, output_tokens, output)

    monkeypatch.setattr(workload_mod, "check_window", spy)
    monkeypatch.setattr(limits_mod, "check_window", spy)
    data = {"model": "gpt-4.1", "input_tokens": 1000, "max_tokens": 100, "traffic": {"requests_per_day": 10},
            "tier": 2}  # fmt: skip
    workload_mod.workload_from_dict(data, catalog, "w.yaml")
    assert calls == [(1000, 100, "max_tokens")]
    from gpt41cost import limits

    limits(input_tokens=2000, output_tokens=300, peak_rpm=5, models="gpt-4.1", catalog=FIXTURE)
    assert calls[-1] == (2000, 300, "output_tokens")


def _small_window(tmp_path: Path, window: int = 40_000) -> str:
    """The fixture catalog with a context window of ``window`` tokens (a request over it is quick to write)."""
    text = Path(FIXTURE).read_text().replace("context_window: 1047576", f"context_window: {window}")
    path = tmp_path / "pricing.yaml"
    path.write_text(text)
    return str(path)


# --------------------------------------------------------------------------- item 2: invisible characters

#: A usage log whose first model is gpt-4.1 and a zero-width space: another, unpriced model that looks like gpt-4.1.
ZW_LOG = (
    '{"id": "zw1", "created": 1796601600, "model": "gpt-4.1\\u200b", "usage": {"prompt_tokens": 100000, '
    '"completion_tokens": 1000}}\n'
    '{"id": "zw2", "created": 1796601600, "model": "gpt-4.1", "usage": {"prompt_tokens": 1000, '
    '"completion_tokens": 100}}\n'
)


def _columns(text: str) -> int:
    """The columns a terminal gives ``text`` (wcwidth's rule: format characters and marks none, wide two)."""
    import unicodedata

    return sum(
        0 if unicodedata.category(c) in ("Cf", "Mn", "Me") else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        pytest.param("\u200b", "\\u200b", id="zero-width-space"),
        pytest.param("\u200c", "\\u200c", id="zwnj"),
        pytest.param("\u200d", "\\u200d", id="zwj"),
        pytest.param("\u2060", "\\u2060", id="word-joiner"),
        pytest.param("\ufeff", "\\ufeff", id="bom"),
        pytest.param("\u00ad", "\\xad", id="soft-hyphen"),
        pytest.param("\U000e0041", "\\U000e0041", id="tag-A"),
        pytest.param("\u2028", "\\u2028", id="line-separator"),
        pytest.param("\u202e", "\\u202e", id="bidi-override-as-before"),
    ],
)
def test_printable_shows_invisible_characters(char: str, shown: str) -> None:
    from gpt41cost.report import printable

    assert printable(f"gpt-4.1{char}") == f"gpt-4.1{shown}"
    assert printable(printable(f"gpt-4.1{char}")) == f"gpt-4.1{shown}"


def test_every_format_character_is_escaped_in_every_format() -> None:
    """The written-out list holds every Cf (and Zl, Zp) character of this Python's Unicode."""
    import unicodedata

    from gpt41cost.report import Report, Table, printable, render

    chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]
    assert not [hex(ord(c)) for c in chars if printable(c) == c or not printable(c).isascii()]
    text = "".join(chars)
    report = Report(title="t", data={"name": text}, tables=[Table("t", ["name"], [[text]])], notes=[text])
    for fmt in ("table", "markdown", "html"):
        out = render(report, fmt)
        assert not set(out) & set(chars), fmt
    # CSV keeps a cell's text but for controls and bidi controls (fixH15: a file name is its name)
    bidi = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
    assert set(render(report, "csv")) & set(chars) == set(chars) - bidi
    out = render(report, "json")
    assert not set(out) & set(chars)
    assert json.loads(out)["name"] == text  # JSON escapes read back as the same text


def test_display_width_of_marks_and_format_characters() -> None:
    from gpt41cost.report import display_width

    assert display_width("a\u200bb") == 2  # was 3
    assert display_width("\ufeff\u2060") == 0
    assert display_width("e\u0301") == 1
    assert display_width("\u2764\ufe0f") == 1  # a variation selector (Mn, combining class 0) takes none
    assert display_width("中文") == 4


def test_usage_shows_a_zero_width_model_name_escaped(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """usage /tmp/review15/hostile/zw.jsonl: 'not priced: gpt-4.1' (U+200B raw) beside the priced
    gpt-4.1, looking identical; its table row one column off; raw in Markdown, HTML and JSON."""
    log = tmp_path / "zw.jsonl"
    log.write_text(ZW_LOG)
    r = cli("usage", log)
    assert r.exit_code == 0
    assert r.stderr == "gpt41cost: warning: not priced: gpt-4.1\\u200b: 1 request (not in the pricing catalog)\n"
    assert "\u200b" not in r.stdout
    lines = r.stdout.splitlines()
    at = lines.index(" model           requests   input tokens   cached input   output tokens   why")
    row = lines[at + 2]
    assert row.startswith(" gpt-4.1\\u200b ")
    # the row's count ends in the column the header's "requests" ends in, as a terminal shows them
    head_end = lines[at].index("requests") + len("requests")
    assert _columns(row[: row.index(" 1 ") + 2]) == _columns(lines[at][:head_end])
    for fmt, shown in (("markdown", "| gpt-4.1\\\\u200b |"), ("html", ">gpt-4.1\\u200b<")):
        out = cli("usage", log, "-f", fmt).stdout
        assert "\u200b" not in out and shown in out, fmt
    csv = cli("usage", log, "-f", "csv", "--table", "unpriced").stdout
    assert csv.splitlines()[1].startswith("gpt-4.1\u200b,1,100000,")  # the name itself (fixH15)
    out = cli("usage", log, "-f", "json").stdout
    assert "\u200b" not in out and '"model": "gpt-4.1\\u200b"' in out
    assert "gpt-4.1\u200b" in [m["model"] for m in json.loads(out)["unpriced"]]
