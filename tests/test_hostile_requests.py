"""Hostile request files (#18): requests OpenAI rejects are bad requests, never priced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EMPTY_CHAT = {"model": "gpt-4.1", "messages": []}
HELLO = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}


def _batch_line(custom_id: str, body: dict[str, object]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        pytest.param("c.json", json.dumps(EMPTY_CHAT), "c.json: ", id="chat"),
        pytest.param("p.jsonl", '[{"role": "user", "content": "hi"}]\n[]\n', "p.jsonl: line 2: ", id="prompts-list"),
        pytest.param("f.jsonl", json.dumps({"messages": []}) + "\n", "f.jsonl: line 1: ", id="finetune"),
    ],
)
def test_empty_messages_is_a_bad_request(cli, tmp_path: Path, name: str, content: str, where: str) -> None:
    """OpenAI rejects a Chat request without messages; it is not a 3-token request."""
    path = tmp_path / name
    path.write_text(content)
    args = ["--as", "finetune"] if name.startswith("f") else []
    r = cli(["estimate", str(path), *args])
    assert r.exit_code == 3, (r.stdout, r.stderr)
    assert r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"gpt41cost: error: {path.parent}/{where}'messages' is empty: OpenAI rejects a request")


def test_empty_messages_line_is_skipped_with_skip_bad(cli, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('[]\n[{"role": "user", "content": "hi"}]\n')
    r = cli(["estimate", str(path), "--skip-bad", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert "p.jsonl: line 1: 'messages' is empty" in r.stderr
    assert json.loads(r.stdout)["inputs"][0]["requests"] == 1


def test_empty_messages_in_a_batch_is_a_preflight_finding(cli, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(_batch_line("a", HELLO) + "\n" + _batch_line("b", EMPTY_CHAT) + "\n")
    r = cli(["estimate", str(path), "-f", "json"])
    assert r.exit_code == 1, r.stderr
    (check,) = json.loads(r.stdout)["batch_preflight"]
    assert check["rejected"] is True
    assert [(f["code"], f["line"]) for f in check["findings"]] == [("bad_request", 2)]
    assert "'messages' is empty" in check["findings"][0]["message"]
    assert "OpenAI would reject this batch" in r.stderr


@pytest.mark.parametrize("skip_bad", [[], ["--skip-bad"]], ids=["plain", "skip-bad"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_batch_with_no_usable_line_shows_its_preflight(cli, tmp_path: Path, fmt: str, skip_bad: list[str]) -> None:
    """Every line bad leaves nothing to price, but the pre-flight still says why (exit 1), not
    "nothing to estimate"."""
    path = tmp_path / "b.jsonl"
    path.write_text(_batch_line("a", EMPTY_CHAT) + "\n" + json.dumps({"custom_id": "b"}) + "\n")
    r = cli(["estimate", str(path), "-f", fmt, *skip_bad])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "nothing to estimate" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(f"gpt41cost: error: {path}: OpenAI would reject this batch")
    if fmt == "json":
        (check,) = json.loads(r.stdout)["batch_preflight"]
        assert {(f["code"], f["line"]) for f in check["findings"]} >= {("bad_request", 1), ("bad_request", 2)}
    else:
        assert "bad_request" in r.stdout and "'messages' is empty" in r.stdout and "no 'body' object" in r.stdout
