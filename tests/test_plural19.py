"""Session 19, plural19: every count a message writes is ``report.counted``'s, as "1 request" /
"2 requests", its verb agreeing ("1 record repeats" / "2 records repeat"); none writes "(s)".

Each message here was "N noun(s)" before ("not priced: X: 1 request(s)", "skipped 1 bad record(s)",
"1 day(s) before the run date", "1 record(s) repeat", "1 bad line(s) or file(s) skipped", ...);
each test checks the form for one and for two, through the CLI or the public API.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _some(n: int, one: str, many: str) -> str:
    """``one`` for n == 1, else ``many`` with n in it."""
    return one if n == 1 else many.format(n=n)


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_bad_files_skipped(cli, tmp_path: Path, n: int) -> None:
    (tmp_path / "ok.txt").write_text("hello\n", encoding="utf-8")
    for i in range(n):
        (tmp_path / f"bad{i}.jsonl").write_text('{"a":\n', encoding="utf-8")
    r = cli("estimate", tmp_path, "--skip-bad", "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 bad line or file", "{n} bad lines or files")
    assert f"gpt41cost: warning: {said} skipped; the others were counted\n" in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_empty_files_skipped(cli, tmp_path: Path, n: int) -> None:
    (tmp_path / "ok.txt").write_text("hello\n", encoding="utf-8")
    empty = [tmp_path / f"e{i}.txt" for i in range(n)]
    for e in empty:
        e.write_text("", encoding="utf-8")
    r = cli("estimate", tmp_path, "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 empty file", "{n} empty files")
    assert f"gpt41cost: warning: skipped {said}: {', '.join(map(str, empty))}\n" in r.stderr
    assert f"Skipped {said} found in directories (listed under Inputs)" in json.loads(r.stdout)["notes"]


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_inputs_that_look_like_templates(cli, tmp_path: Path, n: int) -> None:
    for i in range(n):
        (tmp_path / f"t{i}.txt").write_text("Hello {{ name }}\n", encoding="utf-8")
    r = cli("estimate", tmp_path, "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 input looks like an unrendered template", "{n} inputs look like unrendered templates")
    them = _some(n, "render it first to count the prompt sent", "render them first to count the prompts sent")
    assert f"gpt41cost: warning: {said} (Jinja or mustache markup: " in r.stderr
    assert f"{them} (listed under Inputs)\n" in r.stderr
