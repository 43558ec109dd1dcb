"""Input text reaches a message one way: quoted as it is (``errors.quoted``), escaped once where it
is shown (``report.display``: the CLI's stderr, as the reports).

Before, messages quoted input text with ``repr`` (an escaping of its own) and ``cli/common.say``
escaped the line again with ``printable``, which cannot tell a real U+200D from the text ``\\u200d``:
a file named with a real joiner and one named with the six characters ``\\u200d`` read the same on
stderr, and a report note showed a ``repr``'d joiner as the text ``\\u200d``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import UnknownModelError

REAL = "\u200d"  # a zero-width joiner
TEXT = "\\u200d"  # the six characters \u200d
#: What must never reach a terminal raw: C0 (but the line's own newline), DEL, C1, the invisible and bidi controls.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _one_line(stderr: str) -> str:
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert not RAW.search(stderr), stderr
    return stderr


def test_a_file_named_with_a_joiner_and_one_named_with_its_text_read_apart(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real, text = (cli("estimate", tmp_path / f"a{c}b.txt", "-m", "gpt-4.1", expect=3) for c in (REAL, TEXT))
    assert not real.stdout and not text.stdout
    assert _one_line(real.stderr) == f"gpt41cost: error: {tmp_path}/a\\u200db.txt: no such file or directory\n"
    assert _one_line(text.stderr) == f"gpt41cost: error: {tmp_path}/a\\\\u200db.txt: no such file or directory\n"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param(f"gpt{REAL}4", "'gpt\\u200d4'", id="joiner"),
        pytest.param(f"gpt{TEXT}4", "'gpt\\\\u200d4'", id="its-text"),
        pytest.param("gpt\x1b[31m4", "'gpt\\x1b[31m4'", id="escape-sequence"),
        pytest.param("gpt\u202e4", "'gpt\\u202e4'", id="bidi-override"),
        pytest.param("gpt\\4.1", "'gpt\\4.1'", id="backslash-once"),  # repr doubled it: 'gpt\\\\4.1'
        pytest.param("it's", '"it\'s"', id="quote"),
    ],
)
def test_a_model_name_is_escaped_once(cli, name: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    run = cli("estimate", "--input-tokens", "10", "-m", name, expect=2)
    assert not run.stdout
    line = _one_line(run.stderr)
    assert line.startswith(f"gpt41cost: error: --model: unknown model {shown}: "), line


def test_a_note_shows_a_joiner_as_stderr_does(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A request's part of an unknown type is a note: on stderr and in the report, alike; before,
    the report showed the repr'd joiner as the text ``\\u200d`` (``'x\\\\u200d'``)."""
    shown = {}
    for c in (REAL, TEXT):
        path = tmp_path / ("real.json" if c == REAL else "text.json")
        part = {"type": f"x{c}", "text": "hi"}
        path.write_text(json.dumps({"messages": [{"role": "user", "content": [part]}]}), encoding="utf-8")
        run = cli("estimate", path, "-m", "gpt-4.1", expect=0)
        warned = _one_line(run.stderr)
        assert "content part of type " in warned
        kind = warned.split("content part of type ")[1].split(" not counted")[0]
        assert f"of type {kind} not counted" in run.stdout  # the report's note, word for word
        assert not RAW.search(run.stdout)
        shown[c] = kind
    assert shown == {REAL: "'x\\u200d'", TEXT: "'x\\\\u200d'"}


def test_the_api_s_message_holds_the_name_as_given() -> None:
    """The library escapes nothing: its message quotes the name as it is; a CLI or report shows it."""
    with pytest.raises(UnknownModelError) as caught:
        gpt41cost.estimate(input_tokens=10, output_tokens=1, models=[f"gpt{REAL}4"])
    assert f"unknown model 'gpt{REAL}4'" in caught.value.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param("gpt-5", "'gpt-5'", id="text"),
        pytest.param("it's", '"it\'s"', id="single-quote"),
        pytest.param(f"a{REAL}\\", f"'a{REAL}\\'", id="as-it-is"),
        pytest.param(-1, "-1", id="number"),
        pytest.param(b"RIFF", "b'RIFF'", id="bytes"),
    ],
)
def test_quoted(value: object, text: str) -> None:
    from gpt41cost.errors import quoted

    assert quoted(value) == text
