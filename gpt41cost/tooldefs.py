"""How the API turns tool definitions and tool calls into prompt text (docs/accounting.md §5).

OpenAI does not document this. The rules here are the ones that reproduce, exactly, every
API-measured count found in public sources (tests/data/fidelity holds each case with its
source; tests/test_fidelity.py asserts the counts). Each rule, its evidence and whether it
is inferred is in :data:`RULES`, which `gpt41cost rules` shows.

Tool definitions are rendered as TypeScript-like text and counted as ordinary text::

    namespace functions {

    // Get the current weather in a given location
    type get_current_weather = (_: {
    // The city and state, e.g. San Francisco, CA
    location: string,
    unit?: "celsius" | "fahrenheit",
    }) => any;

    } // namespace functions

This module only makes text; :mod:`gpt41cost.requests` counts it and adds the constants.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

#: Tokens added to the rendered namespace text when a request has function tools.
TOOLS_OVERHEAD = 9
#: ...less this many when the request also has a system message (the definitions join it).
TOOLS_WITH_SYSTEM = -4
#: The first system message of a request with tools is counted with one more line feed, after its
#: text (a list of parts: after their text joined with no separator, so both spellings count alike).
SYSTEM_PAD = "\n"
#: An assistant message with one tool call (or legacy function_call), beyond its message frame
#: (3 + the role "assistant") and the tokens of the function name and its arguments.
CALL_OVERHEAD = 6
#: An assistant message with several tool calls is one ``multi_tool_use.parallel`` call: this
#: many tokens plus the tokens of :func:`parallel_text`, instead of one message per call.
PARALLEL_OVERHEAD = 20
#: A tool (or legacy function) result: 3 + the function's name + the content; the role and the
#: tool_call_id are not counted.
RESULT_OVERHEAD = 3
#: tool_choice / function_call, beyond "auto" (0): "none", "required", a named function.
CHOICE_NONE = 1
CHOICE_REQUIRED = 1
CHOICE_NAMED_TOOL = 7  # plus the name's tokens: tool_choice {"type": "function", ...}
CHOICE_NAMED_FUNCTION = 4  # plus the name's tokens: legacy function_call {"name": ...}

_CB = "openai/openai-cookbook examples/How_to_count_tokens_with_tiktoken.ipynb"
_HMARR = "hmarr/openai-chat-tokens tests/token-counts.test.ts"
_WOLBY = "Wolbyworld/scratch_pad_tool_experiment doc_multiturn_poc/.claude/context_snapshot_20250804_092016.md"
_PETR = "petrbrzek/openai-chat-tokens tests/token-counts.test.ts"
_PAMELA = "pamelafox/openai-messages-token-helper tests/functions.py"

#: (name, basis, what gpt41cost does, evidence). Every one is an inference (OpenAI documents none
#: of this); an evidence that starts with "unmeasured" names a rule no measured case exercises.
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "tool definitions",
        "inference",
        "function tools (Chat tools, legacy functions, Responses function tools) are rendered as a "
        "TypeScript-like 'namespace functions { ... }' text (a '// description' line, 'type name = (_: { ... }) "
        f"=> any;', one 'key?: type,' line per property, '?' unless required) and counted, plus {TOOLS_OVERHEAD}; "
        f"{-TOOLS_WITH_SYSTEM} fewer when there is a system message, whose first one gains a line feed after its "
        "text (a list of text parts: after their joined text)",
        f"exact on o200k: {_CB} (gpt-4o and gpt-4o-mini, 101), {_WOLBY} (gpt-4o-mini, 7 requests); the same "
        f"rendering on cl100k (gpt-3.5-turbo): {_HMARR} 36 of 36 exact, {_PETR} 32 of 33, {_PAMELA} 10 of 18 "
        "(tests/test_fidelity_cl100k.py)",
    ),
    (
        "schema constructs",
        "inference",
        "string enums as '\"a\" | \"b\"', number enums as '1 | 2', integer as number, arrays as 'T[]' (any[] "
        "without items), nested objects as indented '{ ... }', anyOf as 'A | B', a property without a type as "
        "'any', a default as a trailing '// default: VALUE' (JSON); descriptions of properties nested two or "
        "more levels deep are not rendered",
        f"measured on cl100k only: enums, nested objects, arrays of objects, anyOf and nested descriptions exact "
        f"on {_HMARR}; a default on {_PETR}; a missing type on {_PAMELA}. Misses: {_PAMELA}'s nested objects with "
        "descriptions (-7 to +2), an integer enum and a string property without a description (+1 each, twice)",
    ),
    (
        "schema constructs without evidence",
        "inference",
        "oneOf and allOf are rendered like anyOf; a type list ['string', 'null'] as 'string | null'; "
        "$ref to $defs/definitions is rendered as the referenced schema (a ref cycle as 'any'); const, "
        "format, minimum/maximum, additionalProperties and strict change nothing",
        "unmeasured: no public count has them; the nearest measured construct's rule (anyOf, nested objects) "
        "is applied",
    ),
    (
        "tool calls",
        "inference",
        f"an assistant message with one tool call counts 3 + 'assistant' + {CALL_OVERHEAD} + the function name and "
        "arguments (ids and 'type' are not counted); text content beside the call counts as its own message; "
        "a legacy function_call counts the same",
        f"exact on o200k: {_WOLBY} (gpt-4o-mini, 1 to 3 earlier calls, 7 requests); on cl100k the same shape "
        f"with 3 instead of {CALL_OVERHEAD} is exact on {_HMARR} and {_PETR}",
    ),
    (
        "tool results",
        "inference",
        f"a tool message counts {RESULT_OVERHEAD} + the name of the function it answers (found by tool_call_id) + "
        "its content; the role and the tool_call_id are not counted; a legacy function message the same with its name",
        f"exact on o200k: {_WOLBY}; on cl100k: {_HMARR} (function messages), {_PETR} (tool messages)",
    ),
    (
        "parallel tool calls",
        "inference",
        f"an assistant message with several tool calls counts {PARALLEL_OVERHEAD} + the tokens of "
        '\'{"tool_uses":[{"recipient_name":"functions.NAME","parameters":ARGS},...]}\' (compact JSON); '
        "each result as above",
        f"unmeasured on o200k: 17 is exact on 4 of 5 cl100k cases of {_PETR} (gpt-3.5-turbo; +2 on the fifth), "
        "plus the 3 tokens o200k models add to a single call",
    ),
    (
        "tool_choice",
        "inference",
        f"'auto' adds 0, 'none' {CHOICE_NONE}, 'required' {CHOICE_REQUIRED}, a named function "
        f"{CHOICE_NAMED_TOOL} + the name (legacy function_call: {CHOICE_NAMED_FUNCTION} + the name)",
        f"'auto': exact on o200k ({_WOLBY}); 'none' and named: measured on cl100k only ({_HMARR}, {_PAMELA}); "
        "'required': unmeasured, counted like 'none'",
    ),
    (
        "Responses function items",
        "inference",
        "Responses function tools are rendered as Chat tools; instructions count as a first system message; "
        "consecutive function_call items count as one assistant message with those calls, and a "
        "function_call_output as a tool result of the call with its call_id",
        "unmeasured: no public Responses count with tools was found; the Chat rules above are applied to the "
        "same content",
    ),
)


# --------------------------------------------------------------------------- rendering


#: The most schema nodes one render expands, each ``$ref`` target counted every time it is used:
#: references that multiply (two to the next definition, forty deep: a trillion nodes from 3 KB)
#: are refused instead of rendered without end. Real tool lists are far below it (OpenAI's
#: Structured Outputs allow 5,000 properties in all).
MAX_NODES = 100_000


class SchemaTooLarge(ValueError):
    """Tool definitions whose schemas expand past :data:`MAX_NODES`."""

    def __init__(self) -> None:
        super().__init__(
            f"the tools' parameter schemas expand past {MAX_NODES:,} nodes ($ref used again and again?); "
            "gpt41cost will not count them"
        )


def render(functions: Sequence[Mapping[str, Any]]) -> str:
    """The namespace text of function definitions (``{"name", "description"?, "parameters"?}``).
    Raises :class:`SchemaTooLarge` past :data:`MAX_NODES`."""
    nodes = [MAX_NODES]  # nodes the render may still expand
    lines = ["namespace functions {", ""]
    for fn in functions:
        desc = fn.get("description")
        if isinstance(desc, str) and desc:
            lines.append(f"// {desc}")
        params = fn.get("parameters")
        schema: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
        defs = _defs(schema)
        props = schema.get("properties")
        if isinstance(props, Mapping) and props:
            lines.append(f"type {fn['name']} = (_: {{")
            lines.append(_properties(schema, 0, defs, (), nodes))
            lines.append("}) => any;")
        else:
            lines.append(f"type {fn['name']} = () => any;")
        lines.append("")
    lines.append("} // namespace functions")
    return "\n".join(lines)


def _defs(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    out: dict[str, Any] = {}
    for key in ("definitions", "$defs"):
        found = schema.get(key)
        if isinstance(found, Mapping):
            for name, sub in found.items():
                out[f"#/{key}/{name}"] = sub
    return out


def _properties(
    obj: Mapping[str, Any], indent: int, defs: Mapping[str, Any], seen: tuple[str, ...], nodes: list[int]
) -> str:
    props = obj.get("properties")
    if not isinstance(props, Mapping):
        return ""
    required = obj.get("required")
    req = set(required) if isinstance(required, list) else set()
    lines = []
    for name, raw in props.items():
        prop: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        desc = prop.get("description")
        if isinstance(desc, str) and desc and indent < 2:
            lines.append(f"// {desc}")
        mark = "" if name in req else "?"
        line = f"{name}{mark}: {_type(prop, indent, defs, seen, nodes)},"
        if "default" in prop:
            line += f" // default: {json.dumps(prop['default'], ensure_ascii=False)}"
        lines.append(line)
    return "\n".join(" " * indent + line for line in lines)


def _type(
    prop: Mapping[str, Any], indent: int, defs: Mapping[str, Any], seen: tuple[str, ...], nodes: list[int]
) -> str:
    nodes[0] -= 1
    if nodes[0] < 0:
        raise SchemaTooLarge
    ref = prop.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref)
        if not isinstance(target, Mapping) or ref in seen:
            return "any"
        return _type(target, indent, defs, (*seen, ref), nodes)
    for key in ("anyOf", "oneOf", "allOf"):
        options = prop.get(key)
        if isinstance(options, list) and options:
            return " | ".join(_type(o if isinstance(o, Mapping) else {}, indent, defs, seen, nodes) for o in options)
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(_type({**prop, "type": k}, indent, defs, seen, nodes) for k in kind) or "any"
    enum = prop.get("enum")
    if kind == "string":
        if isinstance(enum, list):
            return " | ".join(f'"{v}"' for v in enum)
        return "string"
    if kind in ("number", "integer"):
        if isinstance(enum, list):
            return " | ".join(_enum_number(v) for v in enum)
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    if kind == "object":
        return "\n".join(["{", _properties(prop, indent + 2, defs, seen, nodes), "}"])
    if kind == "array":
        items = prop.get("items")
        if isinstance(items, Mapping):
            return f"{_type(items, indent, defs, seen, nodes)}[]"
        return "any[]"
    return "any"


def _enum_number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def parallel_text(calls: Sequence[tuple[str, str]]) -> str:
    """The ``multi_tool_use.parallel`` arguments of several (name, arguments) calls."""
    uses = []
    for name, arguments in calls:
        try:
            params = json.loads(arguments) if arguments else {}
        except ValueError:
            params = arguments  # not JSON: kept as the string it is
        uses.append({"recipient_name": f"functions.{name}", "parameters": params})
    return json.dumps({"tool_uses": uses}, separators=(",", ":"), ensure_ascii=False)
