"""Session 15, fixH15: every default-ignorable character shown escaped, and its width none (item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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

    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    chars = [chr(c) for c in range(0x110000) if ignorable.match(chr(c))]
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
        assert f"gpt41cost: warning: not priced: gpt-4.1{shown}: 1 request(s)" in r.stderr
        assert f"\n gpt-4.1{shown}  " in r.stdout
    assert not set(r.stdout + r.stderr) & set("\ufe0f\u034f\u3164\u200b")
    lines = r.stdout.splitlines()
    at = lines.index(" model           requests   input tokens   cached input   output tokens   why")
    end = lines[at].index("requests") + len("requests")
    assert [line[end - 1] for line in lines[at + 2 : at + 6]] == ["1"] * 4  # each count under "requests"
    for fmt in ("markdown", "html", "json"):
        assert not set(cli("usage", log, "-f", fmt).stdout) & set("\ufe0f\u034f\u3164\u200b"), fmt
