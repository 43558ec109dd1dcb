"""Review 20b, finding 8: a ``.json`` holding an array of Chat request bodies (or of messages arrays)
failed with "message 1 has no role" ("is not a JSON object"), and with ``--as prompts`` with "line 1
is not valid JSON" though it is valid pretty-printed JSON. Such an array is a prompts list, each
item one request, as the same bodies written one a line in a ``.jsonl`` are; ``--as prompts`` on
another pretty-printed document says what it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli

BODIES = [
    {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "system", "content": "Classify sentiment."}, {"role": "user", "content": text}],
        "max_tokens": 3,
    }
    for text in ("I love it", "I hate it", "Meh")
]
EST = ["estimate", "-m", "gpt-4.1-mini"]


def _write(path: Path, value: Any, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(value, indent=indent), encoding="utf-8")
    return path


def _figures(d: Any) -> tuple[str, int, int, str]:
    m = d["models"][0]
    return d["inputs"][0]["read_as"], m["requests"], m["input_tokens_total"], m["total_usd"]


@pytest.fixture
def as_jsonl(cli: Cli, tmp_path: Path) -> Any:
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(b) + "\n" for b in BODIES), encoding="utf-8")
    return cli.json(*EST, path)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(BODIES, id="request-bodies"),
        pytest.param(
            [{"model": "gpt-4.1-mini", "input": b["messages"], "max_output_tokens": 3} for b in BODIES],
            id="responses-bodies",
        ),
    ],
)
@pytest.mark.parametrize("forced", [pytest.param((), id="by-content"), pytest.param(("--as", "prompts"), id="as")])
@pytest.mark.parametrize("indent", [pytest.param(2, id="pretty"), pytest.param(None, id="one-line")])
def test_an_array_of_request_bodies_is_one_request_each(
    cli: Cli, tmp_path: Path, as_jsonl: Any, value: Any, forced: tuple[str, ...], indent: int | None
) -> None:
    d = cli.json(*EST, _write(tmp_path / "requests.json", value, indent), *forced)
    assert _figures(d)[:3] == _figures(as_jsonl)[:3] == ("prompts", 3, 53)
    if "model" in value[0]:
        assert _figures(d) == _figures(as_jsonl)


def test_an_array_of_messages_arrays_is_one_request_each(cli: Cli, tmp_path: Path, as_jsonl: Any) -> None:
    d = cli.json(*EST, _write(tmp_path / "messages.json", [b["messages"] for b in BODIES]))
    assert _figures(d)[:3] == ("prompts", 3, 53)


def test_a_bare_messages_array_is_still_one_chat_request(cli: Cli, tmp_path: Path) -> None:
    d = cli.json(*EST, _write(tmp_path / "chat.json", BODIES[0]["messages"]))
    assert _figures(d)[:2] == ("chat", 1)


@pytest.mark.parametrize(
    ("item", "said"),
    [
        pytest.param({"messages": []}, "'messages' is empty", id="empty-messages"),
        pytest.param({"model": "gpt-9", "messages": BODIES[0]["messages"]}, "unknown model 'gpt-9'", id="model"),
    ],
)
def test_a_bad_request_of_the_array_is_named_by_its_item(cli: Cli, tmp_path: Path, item: Any, said: str) -> None:
    path = _write(tmp_path / "requests.json", [BODIES[0], item])
    run = cli(*EST, path, expect=3)
    assert run.stderr.startswith(f"gpt41cost: error: {path}: item 2 of the JSON array: {said}"), run.stderr
    assert run.stderr.endswith("; fix it, or pass --skip-bad to count the other items\n")
    assert _figures(cli.json(*EST, path, "--skip-bad"))[:2] == ("prompts", 1)


def test_an_array_with_an_item_of_no_request_is_text(cli: Cli, tmp_path: Path) -> None:
    d = cli.json(*EST, _write(tmp_path / "records.json", [BODIES[0], {"id": 1}]))
    assert d["inputs"][0]["read_as"] == "text"
    assert d["inputs"][0]["reason"] == (
        "extension .json, but valid JSON that is no request (an array whose item 2 is an object without a "
        '"prompt" string, "messages", or "input" and its "model", not a prompt or a request)'
    )


#: Data sets whose records hold an ``input`` and name no model: text, as before 639728d (review 20c:
#: they were refused, 'item 1 of the JSON array: ...', or read as requests of ``input`` alone).
DATA_SETS = {
    "alpaca": [{"instruction": "Translate to French.", "input": "hello", "output": "bonjour"}] * 2,
    "features": [{"input": [0.1, 0.2], "target": 1}, {"input": [0.3, 0.4], "target": 0}],
    "objects": [{"input": {"text": "x"}, "label": "a"}],
    "numbers": [{"input": 42}, {"input": None}],
}


@pytest.mark.parametrize("value", [pytest.param(v, id=k) for k, v in DATA_SETS.items()])
def test_an_array_of_data_records_with_an_input_is_text(cli: Cli, tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "data.json", value)
    d = cli.json(*EST, path)
    assert (d["inputs"][0]["read_as"], d["models"][0]["requests"]) == ("text", 1)
    assert 'an object without a "prompt" string, "messages", or "input" and its "model"' in (d["inputs"][0]["reason"])


@pytest.mark.parametrize(
    ("value", "what", "kind", "how"),
    [
        pytest.param(BODIES[0], "a Chat Completions request", "chat", "read it as one", id="chat"),
        pytest.param({"input": "hi"}, "a Responses API request", "responses", "read it as one", id="responses"),
        pytest.param({"debug": True}, "no prompt or request", "text", "count it as one prompt", id="config"),
        pytest.param(
            [1, 2],
            "an array whose item 1 is a number, not a prompt or a request",
            "text",
            "count it as one prompt",
            id="numbers",
        ),
    ],
)
def test_as_prompts_on_one_pretty_document_says_what_it_is(
    cli: Cli, tmp_path: Path, value: Any, what: str, kind: str, how: str
) -> None:
    path = _write(tmp_path / "doc.json", value)
    run = cli(*EST, path, "--as", "prompts", expect=3)
    assert run.stderr == (
        f"gpt41cost: error: {path}: one JSON document over several lines ({what}), not JSON lines of prompts; "
        f"pass --as {kind}=doc.json to {how}, or --skip-bad to skip the file\n"
    )


def test_as_prompts_on_a_cut_document_names_its_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{\n  "messages": [\n', encoding="utf-8")
    run = cli(*EST, path, "--as", "prompts", expect=3)
    assert run.stderr.startswith(f"gpt41cost: error: {path}: line 1 is not valid JSON"), run.stderr


@pytest.mark.parametrize("pretty", [pytest.param(True, id="pretty"), pytest.param(False, id="one-line")])
def test_an_item_that_gives_a_key_twice_is_refused_as_a_request_document_is(
    cli: Cli, tmp_path: Path, pretty: bool
) -> None:
    """Review 20c: an array item giving "messages" twice was counted, the last one kept, where a
    request document or a JSONL line that does is refused (which one OpenAI reads is unclear)."""
    item = json.dumps(BODIES[0]).replace('"messages":', '"messages": [{"role": "user", "content": "x"}], "messages":')
    text = f"[{item}, {json.dumps(BODIES[1])}]"
    path = tmp_path / "twice.json"
    path.write_text(text.replace("}, {", "},\n  {") if pretty else text, encoding="utf-8")
    run = cli(*EST, path, expect=3)
    assert run.stderr == (
        f'gpt41cost: error: {path}: [0]: "messages" appears twice in one object; which one to count is unclear: '
        "keep one, or pass --skip-bad to skip the file\n"
    )
