"""The quick path for plain Chat bodies (count_plain_chat) against the general counter.

count_plain_chat exists for speed on large Batch files; it must give count_chat's tokens,
notes and token stream for every body it accepts, and decline (None) everything else, so
the general counter reports what is wrong. The reader must produce the same records with
and without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt41cost.catalog import Catalog
from gpt41cost.readers import requests as reader
from gpt41cost.requests import RequestError, ToolMemo, chat_output_cap, count_chat, count_plain_chat
from gpt41cost.tokens import count_tokens, get_encoding

MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")


def encode(text: str) -> list[int]:
    return list(get_encoding().encode_ordinary(text))


_piece = st.sampled_from([*"ab .,\n😀é<|>{}", "hello", " world", "<|endoftext|>"])
_text = st.lists(_piece, max_size=12).map("".join)
_value = st.one_of(_text, st.none(), st.integers(-2, 3), st.lists(_text, max_size=2))
_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", ""]), "content": _text}),
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant"]), "content": _text, "name": st.one_of(_text, st.none())}
    ),
    st.dictionaries(st.sampled_from(["role", "content", "name", "tool_calls", "refusal"]), _value, max_size=4),
    _text,
    st.none(),
)
_prop = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer"])},
    optional={"description": _text, "enum": st.lists(st.one_of(_text, st.integers()), max_size=2)},
)
_function = st.fixed_dictionaries(
    {"name": _text},
    optional={
        "description": st.one_of(_text, st.none()),
        "parameters": st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(_text, _prop, max_size=2)}
        ),
    },
)
_tool = st.one_of(
    st.builds(lambda fn: {"type": "function", "function": fn}, _function),
    st.builds(lambda fn: {"function": fn}, _function),
    st.just({"type": "web_search"}),
    st.just({"type": "function", "function": {"description": "no name"}}),
)
_plain_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", ""]), "content": _text}),
    st.fixed_dictionaries({"role": st.just("user"), "content": _text, "name": st.one_of(_text, st.none())}),
)
_plain_body = st.fixed_dictionaries(
    {"messages": st.lists(_plain_message, max_size=5)},
    optional={
        "model": st.just("gpt-4.1"),
        "tools": st.lists(st.builds(lambda fn: {"type": "function", "function": fn}, _function), max_size=3),
        "max_tokens": st.integers(0, 5000),
    },
)
_any_body = st.fixed_dictionaries(
    {"messages": st.one_of(st.lists(_message, max_size=5), _text)},
    optional={
        "model": st.sampled_from(["gpt-4.1-mini", "gpt-4.1"]),
        "tools": st.one_of(st.lists(_tool, max_size=3), _text),
        "max_tokens": st.one_of(st.integers(-1, 5000), _text),
        "max_completion_tokens": st.integers(0, 100),
        "temperature": st.floats(0, 1),
        "n": st.integers(1, 3),
        "functions": st.lists(st.builds(dict, _function), max_size=1),
        "response_format": st.just({"type": "json_schema", "json_schema": {}}),
    },
)


_body = st.one_of(_plain_body, _any_body)


def _general(body: dict[str, Any]) -> Any:
    try:
        return count_chat(body, models=MODELS, count=count_tokens, encode=encode, tool_memo=ToolMemo())
    except RequestError as exc:
        return exc.message


@settings(max_examples=400, deadline=None)
@given(_body)
def test_law_plain_path_equals_count_chat_or_declines(body: dict[str, Any]) -> None:
    general = _general(body)
    plain = count_plain_chat(body, count_tokens, ToolMemo(), encode)
    if plain is None:
        return
    try:  # the caller takes the output cap (and the model) from the body itself
        cap = chat_output_cap(body)
    except RequestError as exc:
        assert general == exc.message
        return
    assert not isinstance(general, str), f"plain path accepted a body count_chat refuses: {general}"
    assert general.uncounted == ()
    assert dict(general.input_tokens) == dict.fromkeys(MODELS, plain.tokens)
    assert general.notes == plain.notes
    assert general.segments == plain.segments(body)
    assert general.max_output_tokens == cap
    head, rest = plain.stream(body, encode)
    assert list(head + rest) == list(general.streams["gpt-4.1"])


def test_plain_bodies_are_taken_and_others_declined() -> None:
    memo = ToolMemo()
    plain = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi", "name": "x"}], "max_tokens": 5}
    assert count_plain_chat(plain, count_tokens, memo) is not None
    tools = {"type": "function", "function": {"name": "f", "description": "d"}}
    assert count_plain_chat({**plain, "tools": [tools]}, count_tokens, memo) is not None
    for other in (
        {**plain, "n": 2},
        {**plain, "functions": []},
        {**plain, "tools": [{"type": "web_search"}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        {"messages": [{"role": "assistant", "content": None, "tool_calls": []}]},
        {"messages": [{"role": "user"}]},
        {"messages": "hi"},
    ):
        assert count_plain_chat(other, count_tokens, memo) is None, other


def test_stream_head_is_the_tools_and_first_message() -> None:
    tool = {"type": "function", "function": {"name": "f", "description": "Find."}}
    first = {"role": "system", "content": "Be brief.", "name": "policy"}
    a = {"messages": [first, {"role": "user", "content": "one"}], "tools": [tool]}
    b = {"messages": [first, {"role": "user", "content": "two"}, {"role": "assistant", "content": ""}], "tools": [tool]}
    memo = ToolMemo()
    plain_a, plain_b = count_plain_chat(a, count_tokens, memo, encode), count_plain_chat(b, count_tokens, memo, encode)
    assert plain_a is not None and plain_b is not None
    (head_a, rest_a), (head_b, rest_b) = plain_a.stream(a, encode), plain_b.stream(b, encode)
    alone = count_plain_chat({"messages": [first], "tools": [tool]}, count_tokens, memo, encode)
    assert alone is not None
    head, rest = alone.stream({"messages": [first], "tools": [tool]}, encode)
    assert head_a == head_b == head and len(rest) == 3  # the rest of a lone message: the reply priming
    assert rest_a != rest_b


def _lines() -> list[str]:
    long = "You answer questions about our product line. " * 150  # > 1,024 tokens: cache blocks
    tool = {"type": "function", "function": {"name": "lookup", "description": "Find an order.", "parameters": {}}}
    bodies: list[Any] = [
        {"model": "gpt-4.1-mini", "messages": [{"role": "system", "content": long}, {"role": "user", "content": "a"}]},
        {"model": "gpt-4.1-mini", "messages": [{"role": "system", "content": long}, {"role": "user", "content": "b"}]},
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "x", "name": "n"}], "tools": [tool]},
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": [{"type": "text", "text": long}]}]},
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": -1},
        {"model": "gpt-4.1", "messages": [{"role": "user"}]},
        {"model": 4, "messages": [{"role": "user", "content": "hi"}]},
        {"model": "gpt-4.1-mino", "messages": [{"role": "user", "content": "hi"}]},
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "n": 3, "max_completion_tokens": 9},
    ]
    return [
        json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": b})
        for i, b in enumerate(bodies)
    ]


def _read(path: Path, catalog: Catalog) -> tuple[list[Any], list[str], reader.BatchFacts]:
    errors: list[str] = []
    facts = reader.BatchFacts()
    got = list(
        reader.read_requests(str(path), "batch", catalog, facts=facts, on_error=lambda e: errors.append(e.message))
    )
    return got, errors, facts


def test_reader_gives_the_same_records_with_and_without_the_plain_path(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(_lines()) + "\n")
    quick = _read(path, catalog)
    monkeypatch.setattr(reader, "count_plain_chat", lambda *a, **k: None)
    general = _read(path, catalog)
    assert quick == general
    records, errors, _ = quick
    assert len(records) == 5 and len(errors) == 4  # max_tokens -1, no content, model 4, unknown model
    assert records[0].cache_blocks is not None and records[1].cache_blocks == records[0].cache_blocks
    assert records[0].cache_blocks["gpt-4.1"]  # the long system prompt's blocks
