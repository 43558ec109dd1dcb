"""Session 18, fix18d, 4: a usage log given to estimate (Chat Completions or Responses API
responses, a Batch output file) is refused in one line that names the file and the command that
reads it, unless --as says how to read it. Before: a JSONL of responses was counted silently as
one 842-token prompt (exit 0), a Batch output file was a pre-flight of 3 errors a line (exit 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

USAGE = Path(__file__).parents[1] / "samples" / "usage"


@pytest.mark.parametrize(
    ("name", "what"),
    [
        pytest.param("chat-completions.jsonl", "Chat Completions responses", id="chat"),
        pytest.param("responses.jsonl", "Responses API responses", id="responses"),
        pytest.param("batch_output.jsonl", "Batch output lines", id="batch-output"),
    ],
)
@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_a_usage_log_is_refused_naming_the_usage_command(cli, tmp_path: Path, name: str, what: str, command) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / name
    shutil.copy(USAGE / name, p)
    extra = ["--max-tokens", "100", "--peak-rpm", "10"] if command == "limits" else []
    r = cli([command, str(p), *extra, "-m", "gpt-4.1"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {p}: holds {what} (usage records: what OpenAI billed), not requests; "
        f"run gpt41cost usage {p} to price them, or pass --as text={name} to count the file as a prompt\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "choices": [], "usage": {}}, indent=2),
            id="one-pretty-response",
        ),
        pytest.param(
            json.dumps({"id": "b1", "custom_id": "r1", "response": None, "error": {"code": "x"}}), id="error-line"
        ),
    ],
)
@pytest.mark.parametrize("name", ["log.json", "log.txt", "log"])
def test_by_extension_or_by_content(cli, tmp_path: Path, text: str, name: str) -> None:
    p = tmp_path / name
    p.write_text(text + "\n")
    r = cli(["estimate", str(p)])
    assert (r.exit_code, r.stdout) == (3, "")
    assert f"run gpt41cost usage {p} to price them" in r.stderr and r.stderr.count("\n") == 1


def test_as_reads_it_as_told(cli, tmp_path: Path) -> None:
    p = tmp_path / "chat-completions.jsonl"
    shutil.copy(USAGE / "chat-completions.jsonl", p)
    r = cli(["estimate", str(p), "--as", "text", "-m", "gpt-4.1", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["inputs"][0]["read_as"] == "text"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            {
                "custom_id": "r1",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]},
            },
            id="batch-input",
        ),
        pytest.param(
            {"messages": [{"role": "user", "content": "usage"}], "object": "response", "usage": 1}, id="messages"
        ),
    ],
)
def test_requests_are_still_requests(cli, tmp_path: Path, line) -> None:  # type: ignore[no-untyped-def]
    """A Batch input line (custom_id with a body) and a request are not usage records."""
    p = tmp_path / "reqs.jsonl"
    p.write_text(json.dumps(line) + "\n")
    r = cli(["estimate", str(p), "-m", "gpt-4.1", "-f", "json"])
    assert "gpt41cost usage" not in r.stderr


#: A response whose first line is over the 64 KiB head (a long answer logged whole).
LONG = {
    "id": "chatcmpl-long",
    "object": "chat.completion",
    "created": 1764547200,
    "model": "gpt-4.1-2025-04-14",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "word " * 20_000}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 100, "completion_tokens": 20_000, "total_tokens": 20_100},
}


@pytest.mark.parametrize("name", ["log.jsonl", "log.txt", "log", "-"])
def test_a_first_line_over_the_head_is_still_a_usage_log(cli, tmp_path: Path, name: str) -> None:
    """A log whose first record is over 64 KiB: a .txt, a file with no extension and stdin were
    counted silently as one prompt (exit 0); the .jsonl was refused already."""
    text = "".join(json.dumps({**LONG, "id": f"chatcmpl-{i}"}) + "\n" for i in range(2))
    assert len(text.split("\n")[0]) > 64 * 1024
    if name == "-":
        r = cli(["estimate", "-", "-m", "gpt-4.1"], input=text)
        shown = "stdin"
    else:
        p = tmp_path / name
        p.write_text(text)
        r = cli(["estimate", str(p), "-m", "gpt-4.1"])
        shown = str(p)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith(f"gpt41cost: error: {shown}: holds Chat Completions responses (usage records")
