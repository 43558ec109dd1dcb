"""Review 20b, finding 4: with tools, a request's first system message is counted with one more
line feed (tooldefs.SYSTEM_PAD). Given as a list of text parts, the line feed was counted as a
piece of its own (+1 token) instead of after the text, so the reviewer's request
(/tmp/review20b/cases/26) counted 71 tokens as a string and 72 as parts when the text ended in
'.' or a line feed. The parts' text is joined as the API joins it (no separator) and the line
feed follows it: both spellings count alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import gpt41cost

SCREENSHOT_TOOL = {
    "type": "function",
    "function": {
        "name": "screenshot",
        "description": "Take a screenshot",
        "parameters": {"type": "object", "properties": {}},
    },
}


def _body(system: Any) -> dict[str, Any]:
    """The reviewer's request (cases/26): a tool, a call and its result, with ``system``."""
    return {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "Take a screenshot and tell me what you see."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "screenshot", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "Screenshot attached."}]},
        ],
        "tools": [SCREENSHOT_TOOL],
    }


def _parts(*texts: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": t} for t in texts]


TEXTS = [
    pytest.param("You are a helpful assistant.", id="ends-in-a-dot"),
    pytest.param("You are a helpful assistant.\n", id="ends-in-a-line-feed"),
    pytest.param("You are a helpful assistant", id="ends-in-a-letter"),
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_system_message_as_parts_counts_as_the_string(text: str, tmp_path: Path) -> None:
    as_string = gpt41cost.count_request(_body(text))
    as_parts = gpt41cost.count_request(_body(_parts(text)))
    assert as_string.input_tokens == as_parts.input_tokens == 71
    for name, system in (("str", text), ("parts", _parts(text))):
        path = tmp_path / f"sys_{name}.json"
        path.write_text(json.dumps(_body(system)), encoding="utf-8")
        doc = gpt41cost.estimate([str(path)], models="gpt-4.1", as_of="2026-12-06").to_dict()
        assert doc["models"][0]["input_tokens_total"] == 71


def test_the_line_feed_follows_the_joined_text() -> None:
    """Two parts: the line feed goes after the last one's text ('.' + line feed is one token)."""
    tools = {"tools": [SCREENSHOT_TOOL]}
    split = gpt41cost.count_request({"messages": [{"role": "system", "content": _parts("Be ", "brief.")}], **tools})
    plain = gpt41cost.count_request({"messages": [{"role": "system", "content": _parts("Be ", "brief.")}]})
    # the tools' text and constant (9, 4 fewer with a system message), and no token for the line feed
    rendered = gpt41cost.count_tokens(gpt41cost.tooldefs.render([SCREENSHOT_TOOL["function"]]))
    assert split.input_tokens - plain.input_tokens == rendered + 9 - 4


def test_a_system_message_without_text_still_gains_its_line_feed() -> None:
    tools = {"tools": [SCREENSHOT_TOOL]}
    empty = gpt41cost.count_request({"messages": [{"role": "system", "content": []}], **tools})
    plain = gpt41cost.count_request({"messages": [{"role": "system", "content": []}]})
    rendered = gpt41cost.count_tokens(gpt41cost.tooldefs.render([SCREENSHOT_TOOL["function"]]))
    assert empty.input_tokens - plain.input_tokens == rendered + 9 - 4 + 1
