"""Counting Chat and Responses requests (docs/accounting.md §4, §5): gpt41cost.requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import tooldefs
from gpt41cost.cache import prompt_hashes
from gpt41cost.requests import (
    RequestCount,
    RequestError,
    count_chat,
    count_messages,
    count_request,
    count_responses,
    tool_tokens,
)
from gpt41cost.tokens import count_tokens, get_encoding

MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
c = count_tokens


def encode(text: str) -> list[int]:
    return list(get_encoding().encode_ordinary(text))


def chat(body: Mapping[str, Any], **kw: Any) -> RequestCount:
    return count_chat(body, models=MODELS, count=count_tokens, encode=encode, **kw)


def msgs(messages: list[Any], **kw: Any) -> RequestCount:
    return count_messages(messages, models=MODELS, count=count_tokens, encode=encode, **kw)


def resp(body: Mapping[str, Any], **kw: Any) -> RequestCount:
    return count_responses(body, models=MODELS, count=count_tokens, encode=encode, **kw)


def one(rc: RequestCount) -> int:
    values = set(rc.input_tokens.values())
    assert len(values) == 1, rc.input_tokens
    return values.pop()


# The cookbook's examples (openai-cookbook examples/How_to_count_tokens_with_tiktoken.ipynb):
# OpenAI's API reported 124 prompt tokens for gpt-4o / gpt-4o-mini (o200k_base) on these
# messages (129 was the figure for the cl100k_base models), and 101 for the tools example.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for "
        "increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {
                    "type": "string",
                    "description": "The unit of temperature to return",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location"],
        },
    },
}
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def test_cookbook_messages_count_124() -> None:
    assert one(msgs(COOKBOOK_MESSAGES)) == 124


def test_cookbook_tools_example_counts_101() -> None:
    assert one(msgs(WEATHER_MESSAGES, tools=[WEATHER_TOOL])) == 101


WEATHER_RENDERED = """namespace functions {

// Get the current weather in a given location
type get_current_weather = (_: {
// The city and state, e.g. San Francisco, CA
location: string,
// The unit of temperature to return
unit?: "celsius" | "fahrenheit",
}) => any;

} // namespace functions"""


def test_cookbook_tools_alone_by_hand() -> None:
    # the namespace text + 9, or + 5 with a system message (whose first one gains a line feed)
    assert tool_tokens([WEATHER_TOOL["function"]], count_tokens) == c(WEATHER_RENDERED) + 9  # type: ignore[list-item]
    with_system = tool_tokens([WEATHER_TOOL["function"]], count_tokens, with_system=True)  # type: ignore[list-item]
    assert with_system == c(WEATHER_RENDERED) + 5


def test_one_message_by_hand() -> None:
    assert one(msgs([{"role": "user", "content": "hello"}])) == 3 + c("user") + c("hello") + 3


def test_no_messages_is_reply_priming_only() -> None:
    assert one(msgs([])) == 3


def test_name_costs_its_tokens_plus_one() -> None:
    base = one(msgs([{"role": "user", "content": "hi there"}]))
    named = one(msgs([{"role": "user", "name": "alice_smith", "content": "hi there"}]))
    assert named - base == c("alice_smith") + 1


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([{"type": "text", "text": "What is in this picture, exactly?"}], id="one-text-part"),
        pytest.param(["What is in this picture, exactly?"], id="bare-string-part"),
    ],
)
def test_string_and_parts_content_count_the_same(parts: list[Any]) -> None:
    text = "What is in this picture, exactly?"
    as_string = msgs([{"role": "user", "content": text}])
    as_parts = msgs([{"role": "user", "content": parts}])
    assert as_string.input_tokens == as_parts.input_tokens
    assert as_string.streams == as_parts.streams


def test_several_text_parts_sum() -> None:
    rc = msgs([{"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": " second"}]}])
    assert one(rc) == 3 + c("user") + c("first") + c(" second") + 3
    assert any("parts" in n for n in rc.notes)


def test_tool_calls_and_tool_messages_count_name_and_arguments_not_ids() -> None:
    call = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ],
    }
    result = {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"}
    rc = msgs([call, result])
    expected = (
        (3 + c("assistant") + 6 + c("get_weather") + c('{"city":"Paris"}'))
        + (3 + c("get_weather") + c("18C and sunny"))
        + 3
    )
    assert one(rc) == expected
    longer_ids = [{**call, "tool_calls": [{**call["tool_calls"][0], "id": "call_" + "x" * 40}]}]  # type: ignore[dict-item]
    assert one(msgs([*longer_ids, {**result, "tool_call_id": "call_" + "x" * 40}])) == expected
    assert any("tool" in n for n in rc.notes)


def test_text_beside_a_tool_call_is_its_own_message() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    alone = one(msgs([{"role": "assistant", "content": None, "tool_calls": [call]}]))
    both = one(msgs([{"role": "assistant", "content": "Let me look.", "tool_calls": [call]}]))
    assert both - alone == 3 + c("assistant") + c("Let me look.")


def test_parallel_tool_calls_are_one_multi_tool_use_message() -> None:
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": "get_weather", "arguments": f'{{"city": "{city}"}}'}}
        for i, city in enumerate(("Paris", "Rome"))
    ]
    rc = msgs([{"role": "assistant", "content": None, "tool_calls": calls}])
    text = (
        '{"tool_uses":[{"recipient_name":"functions.get_weather","parameters":{"city":"Paris"}},'
        '{"recipient_name":"functions.get_weather","parameters":{"city":"Rome"}}]}'
    )
    assert tooldefs.parallel_text([("get_weather", '{"city": "Paris"}'), ("get_weather", '{"city": "Rome"}')]) == text
    assert one(rc) == 20 + c(text) + 3


def test_a_result_that_answers_no_call_counts_without_a_name() -> None:
    rc = msgs([{"role": "tool", "tool_call_id": "nope", "content": "x"}])
    assert one(rc) == 3 + c("x") + 3
    assert any("answers no earlier call" in n for n in rc.notes)


def test_bad_tool_calls_are_errors() -> None:
    with pytest.raises(RequestError, match="tool call 1 needs a 'function'"):
        msgs([{"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]}])
    with pytest.raises(RequestError, match="'tool_calls' must be a list"):
        msgs([{"role": "assistant", "content": None, "tool_calls": {"id": "c"}}])


def test_legacy_function_call_message() -> None:
    m = {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}
    assert one(msgs([m])) == 3 + c("assistant") + 6 + c("f") + c("{}") + 3
    result = {"role": "function", "name": "f", "content": "ok"}
    assert one(msgs([m, result])) == 3 + c("assistant") + 6 + c("f") + c("{}") + (3 + c("f") + c("ok")) + 3


def test_unsupported_parts_are_uncounted_with_a_reason() -> None:
    rc = msgs(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "listen"},
                    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                    {"type": "file", "file": {"file_id": "file-abc"}},
                    {"type": "mystery"},
                ],
            }
        ]
    )
    assert one(rc) == 3 + c("user") + c("listen") + 3
    assert len(rc.uncounted) == 3
    assert "audio" in rc.uncounted[0] and "message 1 part 2" in rc.uncounted[0]
    assert "file" in rc.uncounted[1]
    assert "'mystery'" in rc.uncounted[2]


# --------------------------------------------------------------------------- images


def fake_images(part: Mapping[str, Any]) -> Mapping[str, int] | str:
    url = part["image_url"]["url"] if isinstance(part.get("image_url"), Mapping) else part.get("image_url")
    if isinstance(url, str) and url.startswith("https://"):
        return "remote image: size unknown offline; pass --image-size WxH"
    return {"gpt-4.1": 765, "gpt-4.1-mini": 1659, "gpt-4.1-nano": 2519}


def image_msg(url: str, detail: str = "high") -> dict[str, Any]:
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": "Describe it."},
            {"type": "image_url", "image_url": {"url": url, "detail": detail}},
        ],
    }


def test_image_tokens_differ_per_model_and_fill_the_stream() -> None:
    rc = msgs([image_msg("data:image/png;base64,AAAA")], images=fake_images)
    text = 3 + c("user") + c("Describe it.") + 3
    assert rc.input_tokens == {"gpt-4.1": text + 765, "gpt-4.1-mini": text + 1659, "gpt-4.1-nano": text + 2519}
    assert rc.streams is not None
    assert {m: len(s) for m, s in rc.streams.items()} == dict(rc.input_tokens)


def test_same_image_same_stream_other_image_differs() -> None:
    a = msgs([image_msg("file:///a.png")], images=fake_images).streams
    a2 = msgs([image_msg("file:///a.png")], images=fake_images).streams
    b = msgs([image_msg("file:///b.png")], images=fake_images).streams
    assert a is not None and a2 is not None and b is not None
    assert list(a["gpt-4.1"]) == list(a2["gpt-4.1"])
    assert list(a["gpt-4.1"]) != list(b["gpt-4.1"])


def test_remote_image_without_size_is_uncounted_never_zero_silently() -> None:
    rc = msgs([image_msg("https://example.com/cat.png")], images=fake_images)
    assert one(rc) == 3 + c("user") + c("Describe it.") + 3
    assert rc.uncounted == (
        "message 1 part 2: image not counted: remote image: size unknown offline; pass --image-size WxH",
    )


def test_image_without_image_rule_is_uncounted() -> None:
    rc = msgs([image_msg("file:///a.png")])
    assert rc.uncounted and "image not counted" in rc.uncounted[0]


# --------------------------------------------------------------------------- tools


def fn(**kw: Any) -> dict[str, Any]:
    return {"type": "function", "function": kw}


def ns(*lines: str) -> str:
    """The namespace text around one function's lines."""
    return "\n".join(["namespace functions {", "", *lines, "", "} // namespace functions"])


def props(name: str, *lines: str) -> list[str]:
    return [f"type {name} = (_: {{", *lines, "}) => any;"]


@pytest.mark.parametrize(
    ("tool", "rendered"),
    [
        pytest.param(fn(name="ping"), ns("type ping = () => any;"), id="name-only"),
        pytest.param(
            fn(name="ping", description="Ping it."), ns("// Ping it.", "type ping = () => any;"), id="description"
        ),
        pytest.param(
            fn(name="f", parameters={"type": "object", "properties": {}}), ns("type f = () => any;"), id="no-properties"
        ),
        pytest.param(
            fn(name="f", parameters={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}),
            ns(*props("f", "q: string,")),
            id="required-property",
        ),
        pytest.param(
            fn(name="f", parameters={"properties": {"n": {"type": "integer", "enum": [1, 2.5]}}}),
            ns(*props("f", "n?: 1 | 2.5,")),
            id="enum-of-numbers",
        ),
        pytest.param(
            fn(name="f", parameters={"properties": {"x": {"type": ["string", "null"], "description": "X."}}}),
            ns(*props("f", "// X.", "x?: string | null,")),
            id="type-list",
        ),
        pytest.param(
            fn(
                name="f",
                parameters={
                    "properties": {
                        "addr": {
                            "type": "object",
                            "description": "Address",
                            "properties": {
                                "city": {"type": "string", "description": "City"},
                                "geo": {
                                    "type": "object",
                                    "properties": {"lat": {"type": "number", "description": "Latitude"}},
                                },
                            },
                        }
                    }
                },
            ),
            # descriptions two levels down are not rendered (measured, cl100k)
            ns(*props("f", "// Address", "addr?: {", "  city?: string,", "  geo?: {", "    lat?: number,", "},", "},")),
            id="nested-objects",
        ),
        pytest.param(
            fn(
                name="f",
                strict=True,
                parameters={
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]},
                        },
                        "tags": {"type": "array"},
                    },
                },
            ),
            ns(*props("f", "items?: {", "  sku: string,", "}[],", "tags?: any[],")),
            id="arrays-strict",
        ),
        pytest.param(
            fn(
                name="f",
                parameters={
                    "properties": {
                        "v": {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "number"}, {"type": "null"}]},
                        "w": {"oneOf": [{"type": "boolean"}, {"type": "string"}]},
                    }
                },
            ),
            ns(*props("f", 'v?: "a" | number | null,', "w?: boolean | string,")),
            id="any-of-one-of",
        ),
        pytest.param(
            fn(
                name="f",
                parameters={
                    "$defs": {"Pt": {"type": "object", "properties": {"x": {"type": "number"}}}},
                    "properties": {"p": {"$ref": "#/$defs/Pt"}, "loop": {"$ref": "#/$defs/Nope"}},
                },
            ),
            ns(*props("f", "p?: {", "  x?: number,", "},", "loop?: any,")),
            id="defs-and-refs",
        ),
        pytest.param(
            fn(name="f", parameters={"properties": {"u": {"type": "string", "enum": ["c", "f"], "default": "c"}}}),
            ns(*props("f", 'u?: "c" | "f", // default: "c"')),
            id="default",
        ),
        pytest.param(
            fn(name="f", parameters={"properties": {"weird": True, "list": {"type": "array", "items": True}}}),
            ns(*props("f", "weird?: any,", "list?: any[],")),
            id="odd-schemas-do-not-crash",
        ),
    ],
)
def test_tool_rendering(tool: dict[str, Any], rendered: str) -> None:
    assert tooldefs.render([tool["function"]]) == rendered
    with_tool = one(msgs([], tools=[tool]))
    assert with_tool - 3 == c(rendered) + 9


def test_tools_with_a_system_message_cost_4_fewer_and_pad_it() -> None:
    system = {"role": "system", "content": "Be brief"}
    plain = one(msgs([system]))
    with_tool = one(msgs([system], tools=[WEATHER_TOOL]))
    assert with_tool - plain == c(WEATHER_RENDERED) + 9 - 4 + (c("Be brief\n") - c("Be brief"))


def test_self_referencing_defs_render_any() -> None:
    schema = {"$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}}, "properties": {}}
    schema["properties"] = {"head": {"$ref": "#/$defs/N"}}
    assert "next?: any," in tooldefs.render([{"name": "f", "parameters": schema}])


@pytest.mark.parametrize(
    ("choice", "extra"),
    [
        pytest.param("auto", 0, id="auto"),
        pytest.param("none", 1, id="none"),
        pytest.param("required", 1, id="required"),
        pytest.param({"type": "function", "function": {"name": "get_current_weather"}}, 7 + 3, id="named"),
    ],
)
def test_tool_choice(choice: Any, extra: int) -> None:
    base = one(chat({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}))
    assert c("get_current_weather") == 3
    assert one(chat({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL], "tool_choice": choice})) == base + extra


def test_legacy_function_call_choice() -> None:
    body = {"messages": WEATHER_MESSAGES, "functions": [WEATHER_TOOL["function"]]}
    base = one(chat(body))
    assert one(chat({**body, "function_call": "none"})) == base + 1
    assert one(chat({**body, "function_call": {"name": "get_current_weather"}})) == base + 4 + 3
    assert base == one(chat({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}))


def test_tool_choice_without_a_name_is_an_error() -> None:
    with pytest.raises(RequestError, match="names no function"):
        chat({"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL], "tool_choice": {"type": "function"}})


def test_responses_and_chat_tool_shapes_count_the_same() -> None:
    inner = WEATHER_TOOL["function"]
    chat_shape = one(msgs([], tools=[WEATHER_TOOL]))
    flat = {"type": "function", **inner}  # type: ignore[dict-item]
    responses_shape = one(resp({"input": [], "tools": [flat]}))
    legacy = one(chat({"messages": [], "functions": [inner]}))
    assert chat_shape == responses_shape == legacy


def test_two_tools_share_one_func_end() -> None:
    a, b = fn(name="a"), fn(name="b")
    assert one(msgs([], tools=[a, b])) - 3 == 7 + c("a:") + 7 + c("b:") + 12


def test_builtin_tools_are_uncounted() -> None:
    rc = resp({"input": "hi", "tools": [{"type": "web_search_preview"}, {"type": "file_search"}]})
    assert len(rc.uncounted) == 2
    assert "web_search_preview" in rc.uncounted[0]


# --------------------------------------------------------------------------- Responses API


def test_responses_string_input_equals_items_and_chat() -> None:
    as_string = resp({"input": "What colour is the sky?"})
    as_items = resp({"input": [{"role": "user", "content": "What colour is the sky?"}]})
    as_parts = resp(
        {
            "input": [
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "What colour is the sky?"}],
                }
            ]
        }
    )
    as_chat = msgs([{"role": "user", "content": "What colour is the sky?"}])
    assert as_string.input_tokens == as_items.input_tokens == as_parts.input_tokens == as_chat.input_tokens


def test_instructions_count_as_a_system_message() -> None:
    r = resp({"instructions": "Answer in one word.", "input": "Sky colour?"})
    ch = msgs([{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": "Sky colour?"}])
    assert r.input_tokens == ch.input_tokens
    assert any("instructions" in n for n in r.notes)


def test_function_call_items() -> None:
    items = [
        {"role": "user", "content": "Weather?"},
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": "{}",
            "status": "completed",
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]
    expected = (
        (3 + c("user") + c("Weather?"))
        + (3 + c("assistant") + 6 + c("get_weather") + c("{}"))
        + (3 + c("get_weather") + c("sunny"))
        + 3
    )
    assert one(resp({"input": items})) == expected
    # the same conversation as Chat messages counts the same
    chat_msgs = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "x", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "x", "content": "sunny"},
    ]
    assert one(msgs(chat_msgs)) == expected


def test_consecutive_function_call_items_are_parallel() -> None:
    items = [
        {"type": "function_call", "call_id": "a", "name": "f", "arguments": '{"x":1}'},
        {"type": "function_call", "call_id": "b", "name": "g", "arguments": '{"y":2}'},
        {"type": "function_call_output", "call_id": "a", "output": "1"},
        {"type": "function_call_output", "call_id": "b", "output": "2"},
    ]
    text = tooldefs.parallel_text([("f", '{"x":1}'), ("g", '{"y":2}')])
    expected = 20 + c(text) + (3 + c("f") + c("1")) + (3 + c("g") + c("2")) + 3
    assert one(resp({"input": items})) == expected


def test_responses_instructions_with_tools_count_as_a_padded_system_message() -> None:
    flat = {"type": "function", **WEATHER_TOOL["function"]}  # type: ignore[dict-item]
    body = {"instructions": "Be brief", "input": "hi", "tools": [flat], "tool_choice": "none"}
    chat_body = {
        "messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "hi"}],
        "tools": [WEATHER_TOOL],
        "tool_choice": "none",
    }
    assert one(resp(body)) == one(chat(chat_body))


def test_responses_uncounted_parts() -> None:
    rc = resp(
        {
            "input": [{"type": "item_reference", "id": "msg_1"}, {"type": "reasoning", "summary": []}],
            "previous_response_id": "resp_1",
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {}}},
        }
    )
    joined = " ".join(rc.uncounted)
    assert "item_reference" in joined and "'reasoning'" in joined
    assert "previous_response_id" in joined and "json_schema" in joined


def test_count_request_picks_the_api_by_shape() -> None:
    kw: dict[str, Any] = {"models": MODELS, "count": count_tokens}
    assert count_request({"input": "hi"}, **kw).input_tokens == resp({"input": "hi"}).input_tokens
    with pytest.raises(RequestError, match="neither 'messages'"):
        count_request({"prompt": "hi"}, **kw)


# --------------------------------------------------------------------------- request fields


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"max_tokens": 100}, 100, id="max_tokens"),
        pytest.param({"max_completion_tokens": 300, "max_tokens": 100}, 300, id="max_completion_tokens-wins"),
        pytest.param({}, None, id="none"),
    ],
)
def test_chat_max_output(body: dict[str, Any], expected: int | None) -> None:
    assert chat({"messages": [], "model": "gpt-4.1", **body}).max_output_tokens == expected


def test_responses_max_output_and_model() -> None:
    rc = resp({"model": "gpt-4.1-nano", "input": "x", "max_output_tokens": 16})
    assert (rc.model, rc.max_output_tokens) == ("gpt-4.1-nano", 16)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"messages": [{"role": "system", "content": "x"}, {"role": "user"}]},
            "message 2 has no content",
            id="no-content",
        ),
        pytest.param({"messages": [{"role": "user", "content": None}]}, "message 1 has no content", id="null-content"),
        pytest.param(
            {"messages": [{"role": "assistant", "content": None}]}, "message 1 has no content", id="assistant-no-calls"
        ),
        pytest.param({"messages": [{"content": "x"}]}, "message 1 has no role", id="no-role"),
        pytest.param({"messages": ["hi"]}, "message 1 is not a JSON object", id="string-message"),
        pytest.param({"messages": "hi"}, "'messages' must be a list", id="messages-not-list"),
        pytest.param({"messages": [], "max_tokens": "100"}, "'max_tokens' must be a whole number", id="max-tokens-str"),
        pytest.param({"messages": [], "max_tokens": -1}, "'max_tokens' must be a whole number", id="max-tokens-neg"),
        pytest.param({"messages": [], "tools": {"a": 1}}, "'tools' must be a list", id="tools-not-list"),
        pytest.param({"messages": [], "tools": [{"type": "function"}]}, "needs a 'name'", id="tool-without-name"),
        pytest.param({"messages": [], "model": 41}, "'model' must be a string", id="model-not-string"),
        pytest.param(
            {"messages": [{"role": "user", "content": 5}]}, "'content' must be a string or a list", id="content-int"
        ),
    ],
)
def test_bad_chat_requests(body: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        chat(body)


def test_assistant_with_tool_calls_may_have_null_content() -> None:
    m = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}],
    }
    assert one(msgs([m])) > 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"input": 5}, "'input' must be a string or a list", id="input-int"),
        pytest.param({"input": [{"role": "user"}]}, "input item 1 has no content", id="item-no-content"),
        pytest.param({"input": [{"content": "x"}]}, "input item 1 has no role", id="item-no-role"),
        pytest.param({"input": "x", "instructions": 3}, "'instructions' must be a string", id="instructions-int"),
    ],
)
def test_bad_responses_requests(body: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        resp(body)


# --------------------------------------------------------------------------- the cache stream


def test_stream_puts_tools_first_and_shares_prefixes() -> None:
    system = {"role": "system", "content": "You are a careful assistant. " * 50}
    a = msgs([system, {"role": "user", "content": "first question"}], tools=[WEATHER_TOOL])
    b = msgs([system, {"role": "user", "content": "another one"}], tools=[WEATHER_TOOL])
    no_tools = msgs([system, {"role": "user", "content": "first question"}])
    assert a.streams is not None and b.streams is not None and no_tools.streams is not None
    sa, sb = list(a.streams["gpt-4.1"]), list(b.streams["gpt-4.1"])
    shared = next(i for i, (x, y) in enumerate(zip(sa, sb, strict=False)) if x != y)
    tools_and_system = one(msgs([system], tools=[WEATHER_TOOL])) - 3
    assert shared >= tools_and_system
    # without the tools the stream starts differently: tools come first
    assert list(no_tools.streams["gpt-4.1"])[:5] != sa[:5]


def test_no_encoder_no_stream() -> None:
    rc = count_messages([{"role": "user", "content": "x"}], models=MODELS, count=count_tokens)
    assert rc.streams is None and rc.cache_hashes(128) is None


def test_cache_blocks_per_model() -> None:
    rc = msgs([{"role": "user", "content": "word " * 600}])
    got = rc.cache_hashes(128)
    assert got is not None
    blocks, own = got
    assert set(blocks) == set(MODELS) == set(own)
    assert len(blocks["gpt-4.1"]) == one(rc) // 128
    assert rc.streams is not None
    assert (blocks["gpt-4.1"], own["gpt-4.1"]) == prompt_hashes(rc.streams["gpt-4.1"], 128)


_text = st.text(max_size=40)  # no surrogates by default
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]), "content": _text},
    optional={"name": st.from_regex(r"[a-z_]{1,12}", fullmatch=True)},
)


# 10 examples (60, then 20 before), with a named message and an empty one as an example: mutants of
# the message count (the name's token dropped, a message one token short, the stream without the
# name's run) fail 5 seeded runs in 5 at 20 as at 60; at 10 as at 20 (5 seeded runs): the name's
# token dropped, the stream without the name's run, a named message on the one-extend path 5/5 each.
@settings(max_examples=10, deadline=None)
@given(st.lists(_message, max_size=6))
@example([{"role": "user", "content": "hi", "name": "ann"}, {"role": "assistant", "content": ""}])
def test_law_stream_length_equals_tokens_and_messages_add_up(messages: list[dict[str, str]]) -> None:
    rc = msgs(messages)
    assert rc.streams is not None
    assert len(rc.streams["gpt-4.1"]) == one(rc)
    by_hand = 3 + sum(3 + sum(c(v) for v in m.values()) + (1 if "name" in m else 0) for m in messages)
    assert one(rc) == by_hand


# 20 examples (40 before), with text in white space and an empty text as examples. Mutants of
# requests._part, 5 seeded runs, 40 -> 20 (-> 20 without the examples): a text part stripped 3/5 ->
# 5/5 (1/5); an empty text part counted as a space 5/5 -> 5/5 (5/5); CRLF in a text part read as LF
# 0/5 -> 0/5 (0/5: st.text rarely draws the pair).
@settings(max_examples=20, deadline=None)
@given(_text)
@example(" two words \n")
@example("")
def test_law_string_and_text_part_are_equal(text: str) -> None:
    a = msgs([{"role": "user", "content": text}])
    b = msgs([{"role": "user", "content": [{"type": "text", "text": text}]}])
    assert a.input_tokens == b.input_tokens


_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_-", min_size=1, max_size=40)


# 20 examples (50 before), with two ids of different lengths as an example: the id counted in the
# call's arguments fails 5 seeded runs in 5 at 20 as at 50 (tool_call_id taken off _CHAT_SKIP: 0/5
# both, the tool message's keys are not read as text).
@given(first=_ids, second=_ids)
@settings(max_examples=20, deadline=None)
@example(first="a", second="call_Xq7PzR2mK9vL4tB8nW1yH6dF")
def test_law_call_ids_never_change_the_count(first: str, second: str) -> None:
    def conversation(call_id: str) -> list[dict[str, Any]]:
        call = {"id": call_id, "type": "function", "function": {"name": "lookup", "arguments": '{"q":"x"}'}}
        return [
            {"role": "user", "content": "find x"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call_id, "content": "found"},
        ]

    assert one(msgs(conversation(first))) == one(msgs(conversation(second)))
