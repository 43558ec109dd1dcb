"""Session 15, fixH15: every default-ignorable character shown escaped, and its width none (item 1)."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

# --------------------------------------------------------------------------- item 1: default ignorables

#: /tmp/review15b/hostile/vs.jsonl: gpt-4.1, then gpt-4.1 with U+FE0F, U+034F, U+3164, U+200B after it.
VS_LOG = "".join(
    json.dumps(
        {"id": f"h{i}", "created": 1796601600, "model": m, "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}
    )
    + "\n"
    for i, m in enumerate(["gpt-4.1", "gpt-4.1\ufe0f", "gpt-4.1\u034f", "gpt-4.1\u3164", "gpt-4.1\u200b"])
)


def test_every_default_ignorable_code_point_is_escaped() -> None:
    """The written-out list holds every Default_Ignorable_Code_Point of the ``regex`` package's Unicode
    (its data is DerivedCoreProperties.txt); 54ebef0's held only Cf (U+FE0F, U+034F, U+3164 were raw)."""
    import regex

    from gpt41cost.report import display_width, printable

    # every code point in one string (made from their UTF-32 code units), the property's runs in it
    every = array("I", range(0x110000)).tobytes().decode(f"utf-32-{sys.byteorder[0]}e", "surrogatepass")
    chars = list("".join(regex.findall(r"\p{Default_Ignorable_Code_Point}+", every)))
    assert len(chars) > 4000  # the property, not an empty class
    assert not [hex(ord(c)) for c in chars if printable(c) == c or not printable(c).isascii()]
    assert not [hex(ord(c)) for c in chars if display_width(c)]


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\ufe0f", "\\ufe0f"), ("\u034f", "\\u034f"), ("\u3164", "\\u3164"), ("\U000e0100", "\\U000e0100")],
)
def test_printable_shows_default_ignorables(char: str, shown: str) -> None:
    from gpt41cost.report import printable

    assert printable(f"gpt-4.1{char}") == f"gpt-4.1{shown}"


def test_a_hangul_filler_takes_no_column() -> None:
    from gpt41cost.report import display_width

    assert display_width("a\u3164b") == 2  # was 4: U+3164 is East Asian wide
    assert display_width("\u115f\uffa0") == 0


def test_usage_tells_the_look_alike_models_apart(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """usage hostile/vs.jsonl printed 'not priced: gpt-4.1' for U+FE0F and U+034F, like the priced row."""
    log = tmp_path / "vs.jsonl"
    log.write_text(VS_LOG)
    r = cli("usage", log)
    assert r.exit_code == 0
    for shown in ("\\ufe0f", "\\u034f", "\\u3164", "\\u200b"):
        assert f"gpt41cost: warning: not priced: gpt-4.1{shown}: 1 request " in r.stderr
        assert f"\n gpt-4.1{shown}  " in r.stdout
    assert not set(r.stdout + r.stderr) & set("\ufe0f\u034f\u3164\u200b")
    lines = r.stdout.splitlines()
    at = lines.index(" model           requests   input tokens   cached input   output tokens   why")
    end = lines[at].index("requests") + len("requests")
    assert [line[end - 1] for line in lines[at + 2 : at + 6]] == ["1"] * 4  # each count under "requests"
    for fmt in ("markdown", "html", "json"):
        assert not set(cli("usage", log, "-f", fmt).stdout) & set("\ufe0f\u034f\u3164\u200b"), fmt


# --------------------------------------------------------------------------- item 2: unambiguous escapes

_ESC = re.compile(r"(\\+)(n|r|t|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")


def _read_back(shown: str) -> str:
    """README's rule read backwards: in a run of backslashes before an escape's text, each pair is
    one backslash and an odd one left opens the escape; any other backslash is itself."""

    def one(m: re.Match[str]) -> str:
        run, form = m.group(1), m.group(2)
        if len(run) % 2 == 0:
            return "\\" * (len(run) // 2) + form
        ch = {"n": "\n", "r": "\r", "t": "\t"}.get(form) or chr(int(form[1:], 16))
        return "\\" * (len(run) // 2) + ch

    return _ESC.sub(one, shown)


# 40 examples (hypothesis' 100), with a text of each escape's form after a backslash, and of a
# backslash before a real control, as examples. Mutants of report._escaper and _ESCAPE_FORM, 5
# seeded runs, at 100 -> at 40: no backslash run doubled 5/5 -> 5/5, runs doubled only before a
# control 5/5 -> 5/5, \x.. not read as an escape 0/5 -> 5/5, \t not read as one 5/5 -> 5/5; each
# 5/5 at 20 as at 40.
@settings(max_examples=20)
@given(st.text(alphabet=st.sampled_from("\\ab\u200dxu0ntU\x1b\ufe0f\u202e2d")))
@example("a\\u200db")  # the text of an escape, after a backslash
@example("\\x1b\\t\\n\\U000e0041")
@example("\\\u200d")  # a backslash before a real joiner
def test_display_reads_back_as_the_text(text: str) -> None:
    """Two texts are never shown alike (display is one-to-one): it reads back as the text."""
    from gpt41cost.report import display

    assert _read_back(display(text)) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\u200db.txt", "a\\u200db.txt"),
        ("a\\u200db.txt", "a\\\\u200db.txt"),  # was a\u200db.txt, as the real joiner
        ("C:\\Users\\me\\notes.txt", "C:\\Users\\me\\\\notes.txt"),  # \n reads as an escape
        ("C:\\Users\\me\\x.txt", "C:\\Users\\me\\x.txt"),  # \x. does not
        ("\\\\server\\share\\a.txt", "\\\\server\\share\\a.txt"),
        ("\\\u200d", "\\\\\\u200d"),
    ],
)
def test_display_doubles_only_a_backslash_that_reads_as_an_escape(text: str, shown: str) -> None:
    from gpt41cost.report import display, printable

    assert display(text) == shown
    assert printable(display(text)) == shown  # the last guard leaves it


def _ambig(tmp_path: Path) -> tuple[Path, Path]:
    real, literal = tmp_path / "a\u200db.txt", tmp_path / "a\\u200db.txt"
    real.write_text("hi\n")
    literal.write_text("hello hi\n")
    return real, literal


def test_a_real_joiner_and_its_escape_text_are_shown_apart(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """/tmp/review15b/ambig: estimate --per-input showed both files as a\\u200db.txt."""
    files = _ambig(tmp_path)
    out = cli("estimate", *files, "-m", "gpt-4.1", "--per-input").stdout
    assert "/a\\u200db.txt " in out and "/a\\\\u200db.txt " in out
    md = cli("estimate", *files, "-m", "gpt-4.1", "--per-input", "-f", "markdown").stdout
    assert "/a\\\\u200db.txt |" in md and "/a\\\\\\\\u200db.txt |" in md  # Markdown escapes each backslash
    html = cli("estimate", *files, "-m", "gpt-4.1", "--per-input", "-f", "html").stdout
    assert "/a\\u200db.txt<" in html and "/a\\\\u200db.txt<" in html
    data = cli.json("estimate", *files, "-m", "gpt-4.1", "--per-input")
    assert {Path(i["source"]).name for i in data["inputs"]} >= {"a\u200db.txt", "a\\u200db.txt"}  # JSON exact


def test_csv_keeps_a_name_but_for_what_misleads_a_spreadsheet(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """/tmp/review15b/emoji: the CSV cell was 👨\\u200d👩\\u200d👧 family.txt, not the file's name."""
    family, override = tmp_path / "👨\u200d👩\u200d👧 family.txt", tmp_path / "ab\u202ecod.txt"
    family.write_text("one two\n")
    override.write_text("one\n")
    rows = list(
        csv.reader(
            io.StringIO(
                cli(
                    "estimate", family, override, "-m", "gpt-4.1", "--per-input", "-f", "csv", "--table", "inputs"
                ).stdout
            )
        )
    )
    names = {Path(r[0]).name for r in rows[1:]}
    assert names == {"👨\u200d👩\u200d👧 family.txt", "ab\\u202ecod.txt"}


# --------------------------------------------------------------------------- item 3: one cache-hit figure


def test_the_cache_hit_chart_rounds_once_as_the_table(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """500,000 of 4,784,002 input tokens cached is 10.4515%: the HTML chart said 10.4% (rounded to
    10.45 first), the tables 10.5%."""
    log = tmp_path / "c.jsonl"
    rec = {
        "id": "c1",
        "created": 1796601600,
        "model": "gpt-4.1",
        "usage": {
            "prompt_tokens": 4_784_002,
            "completion_tokens": 10,
            "prompt_tokens_details": {"cached_tokens": 500_000},
        },
    }
    other = {
        "id": "c2",
        "created": 1796601600,
        "model": "gpt-4.1-mini",
        "usage": {"prompt_tokens": 10, "completion_tokens": 1},
    }
    log.write_text(json.dumps(rec) + "\n" + json.dumps(other) + "\n")
    html = cli("usage", log, "-f", "html").stdout
    assert "Cached share by model" in html
    assert "10.5%" in html and "10.4%" not in html


# --------------------------------------------------------------------------- item 4: the backlog's units

BACKLOG = ("limits", "--input-tokens", "2000", "--output-tokens", "400", "--peak-rpm", "50", "--backlog", "1000000")


def test_the_backlog_table_does_not_call_days_minutes(cli) -> None:  # type: ignore[no-untyped-def]
    """limits --backlog: columns 'online minutes', 'Batch API minutes' showed 2.1 days, 40.0 days."""
    out = cli(*BACKLOG, "--tier", "3", "-m", "gpt-4.1").stdout
    assert " model     tier   online time   limited by   Batch API time   24 h waves" in out
    assert " gpt-4.1      3      2.1 days   TPM               40.0 days           40" in out
    md = cli(*BACKLOG, "--tier", "3", "-m", "gpt-4.1", "-f", "markdown").stdout
    assert "| model | tier | online time | limited by | Batch API time | 24 h waves |" in md
    html = cli(*BACKLOG, "--tier", "3", "-m", "gpt-4.1", "-f", "html").stdout
    assert ">online time<" in html and "minutes" not in html.split("Backlog of")[-1]
    # CSV: numbers in minutes, the unit in the header; JSON keys name theirs
    rows = list(
        csv.reader(io.StringIO(cli(*BACKLOG, "--tier", "3", "-m", "gpt-4.1", "-f", "csv", "--table", "backlog").stdout))
    )
    assert rows == [
        ["model", "tier", "online minutes", "limited by", "Batch API minutes", "24 h waves"],
        ["gpt-4.1", "3", "3000", "TPM", "57600", "40"],
    ]
    help_rows = list(csv.reader(io.StringIO(cli(*BACKLOG, "-f", "csv", "--table", "help").stdout)))
    assert [r[3] for r in help_rows if r[0] == "backlog"] == ["tier; online minutes; Batch API minutes; 24 h waves"]
    drain = cli.json(*BACKLOG, "--tier", "3", "-m", "gpt-4.1")["models"][0]["backlog"][0]
    assert (drain["online_minutes"], drain["batch_hours"]) == (3000, 960)


# --------------------------------------------------------------------------- item 5: the what-if table's places


def test_the_what_if_change_column_has_one_precision(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The change column showed +$0.000000 (all on gpt-4.1, for a gpt-4.1 log) beside -$9.0400
    (each figure at its own places)."""
    log = tmp_path / "g41.jsonl"
    rec = {
        "created": 1796601600,
        "model": "gpt-4.1",
        "usage": {"prompt_tokens": 5_000_000, "completion_tokens": 10_000},
    }
    log.write_text("".join(json.dumps({"id": f"r{i}", **rec}) + "\n" for i in range(2)))
    out = cli("usage", log, "--what-if", "batch=0.5").stdout
    lines = out.split("\nWhat if\n\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    changes = [line.split()[-1] for line in lines]
    assert changes[0] == "$0.00" and changes[-1] == "-$5.04", changes  # were +$0.000000 and -$5.0400
    assert len({len(c.split(".")[1]) for c in changes}) == 1, changes
    costs = [line.split()[-2] for line in lines]
    assert len({len(c.split(".")[1]) for c in costs}) == 1, costs


# --------------------------------------------------------------------------- item 6: --what-if given twice


def test_a_second_what_if_of_the_same_key_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    """--what-if batch=0.3 --what-if batch=0.5 priced 50% and said nothing of the 30%."""
    r = cli("usage", "samples/usage/batch_output.jsonl", "--what-if", "batch=0.3", "--what-if", " batch = 0.5")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "gpt41cost: error: --what-if batch: given twice (batch=0.3, then batch = 0.5); give each scenario once\n"
    )
    assert cli("usage", "samples/usage/batch_output.jsonl", "--what-if", "batch=0.3").exit_code == 0
