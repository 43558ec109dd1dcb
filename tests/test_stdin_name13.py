"""Every reader's messages name standard input ``stdin`` (review 13, item 4): the line readers said
``-`` (``-: line 2: ...``, ``-:2: not JSON``) where the text reader said ``stdin: empty file``.
The data keep ``-`` (JSON ``inputs[].source``, usage ``sources``), as it is given."""

from __future__ import annotations

import json

import pytest

from .conftest import Cli

CHAT = '{"messages": [{"role": "user", "content": "hi"}]}'
BATCH_OK = json.dumps(
    {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
     "body": {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}}
)  # fmt: skip
BATCH_BAD = json.dumps(
    {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4.1"}}
)
RECORD = '{"model": "gpt-4.1", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}'
EST = ["estimate", "-", "-m", "gpt-4.1"]
CASES = [
    ("chat", [*EST, "--as", "chat"], f"{CHAT}\nnot json\n", "stdin: line 2 is not valid JSON"),
    ("prompts", EST, '{"prompt": "hi"}\n{"prompt": ""}\n', "stdin: line 2: an empty prompt"),
    ("batch", EST, f"{BATCH_OK}\n{BATCH_BAD}\n", "stdin: the batch fails the pre-flight"),
    ("usage", ["usage", "-", "--strict"], f"{RECORD}\nnope\n", "stdin:2: not JSON"),
    ("usage-none", ["usage", "-"], "a,b\n1,2\n", "stdin: no usage records found; first problem: stdin:1:"),
    ("text", EST, "", "stdin: empty file"),
]


@pytest.mark.parametrize(("args", "given", "said"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_reader_names_stdin_so(cli: Cli, args: list[str], given: str, said: str) -> None:
    r = cli(*args, input=given, expect=(1, 3))
    assert r.stderr.startswith(f"gpt41cost: error: {said}"), r.stderr


def test_the_data_keep_the_dash(cli: Cli) -> None:
    doc = cli.json("estimate", "-", "-m", "gpt-4.1", input="Hello")
    assert doc["inputs"][0]["source"] == "-"
