"""Review 20b, finding 5: a byte order mark at the start of a prompt file (as Windows editors save
"UTF-8 with BOM") was counted as a token; the JSON readers drop it already."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.tokens import count_tokens

from .conftest import Cli

EST = ["estimate", "-m", "gpt-4.1-mini"]


BOM = "\ufeff"
PROMPT = "Classify the sentiment of this review:\r\nI love it\r\n"


@pytest.mark.parametrize("name", ["p.txt", "p.md", "p", "-"])
def test_a_byte_order_mark_at_the_start_is_not_counted(cli: Cli, tmp_path: Path, name: str) -> None:
    data = (BOM + PROMPT).encode("utf-8")
    if name == "-":
        d = cli.json(*EST, "-", input=data)
    else:
        (tmp_path / name).write_bytes(data)
        d = cli.json(*EST, tmp_path / name)
    assert d["models"][0]["input_tokens_total"] == count_tokens(PROMPT) == 12


def test_a_byte_order_mark_elsewhere_is_text(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_bytes(("x" + BOM + PROMPT).encode("utf-8"))
    d = cli.json(*EST, tmp_path / "p.txt")
    assert d["models"][0]["input_tokens_total"] == count_tokens("x" + BOM + PROMPT)


def test_a_byte_order_mark_alone_is_an_empty_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "bom.txt").write_bytes(BOM.encode("utf-8") + b"\r\n")
    (tmp_path / "d" / "p.txt").write_text(PROMPT, encoding="utf-8")
    run = cli(*EST, tmp_path / "d", "-f", "json", expect=0)
    assert f"skipped 1 empty file: {tmp_path / 'd' / 'bom.txt'}" in run.stderr
    run = cli(*EST, tmp_path / "d" / "bom.txt", expect=3)
    assert run.stderr == f"gpt41cost: error: {tmp_path / 'd' / 'bom.txt'}: empty file; a prompt needs some text\n"
