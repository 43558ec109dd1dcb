"""`gpt41cost verify`: each request's local count against OpenAI's own input-token count.

The only network use of the counting rules, and only when asked. For each request this sends
``POST {base_url}/responses/input_tokens`` with the request as a Responses body (a Chat
Completions body is converted: :func:`to_responses_body`) and compares the ``input_tokens``
that comes back with gpt41cost's offline count of the same request.

What is sent, and nothing else: ``model``, ``input``, ``instructions``, ``tools`` (function tools
and any other tool as given), ``tool_choice``, ``parallel_tool_calls``, ``text`` (a Chat
``response_format`` becomes ``text.format``). Output caps, sampling settings, ``metadata``,
``user``, ``store`` and every other key of the request stay on this machine.

Pure: the HTTP call is injected (``post(path, body) -> parsed JSON``, e.g.
:meth:`gpt41cost.openai_http.OpenAIClient.post_json`); this module never reads the
environment or prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from . import images as img
from .errors import ApiError, InputError, quoted
from .readers import repeats
from .readers.text import find_inputs
from .requests import RequestError, count_request
from .tokens import count_tokens

#: The endpoint, relative to the API base URL (``https://api.openai.com/v1``).
ENDPOINT = "/responses/input_tokens"
DEFAULT_MODEL = "gpt-4.1"
DEFAULT_CONCURRENCY = 4
#: The keys of a Responses body that the endpoint is sent (everything else stays here).
SENT_KEYS = ("model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text")

#: POSTs a JSON body to a path under the API base URL and returns the parsed answer.
Post = Callable[[str, Any], Any]


@dataclass(frozen=True)
class VerifyRequest:
    """One request read from a file: where it is, its body, and the directory for image paths."""

    where: str  # "file" or "file:line"
    body: Mapping[str, Any]
    base_dir: Path | None = None


#: Why a request has no API count: the API refused it as invalid (HTTP 400).
REFUSED = "refused"
#: Why a request has no API count: the server answered it with an ``input_tokens`` that is no
#: count of tokens (negative, a fraction, text, true or false, null).
BAD_ANSWER = "bad_answer"


@dataclass(frozen=True)
class VerifyRow:
    where: str
    model: str
    local: int
    api: int | None  # None: not compared (``not_compared`` says why; ``explanation`` words it)
    uncounted: tuple[str, ...]
    explanation: str
    not_compared: str | None = None  # REFUSED or BAD_ANSWER when ``api`` is None

    @property
    def difference(self) -> int | None:
        """gpt41cost's count minus the API's (positive: gpt41cost counts more)."""
        return None if self.api is None else self.local - self.api


@dataclass(frozen=True)
class VerifyResult:
    rows: tuple[VerifyRow, ...]
    endpoint: str

    @property
    def exact(self) -> int:
        return sum(r.difference == 0 for r in self.rows)

    @property
    def compared(self) -> int:
        """Requests with an API count to compare (the difference figures are over these only)."""
        return sum(r.api is not None for r in self.rows)

    @property
    def refused(self) -> int:
        """Requests the API would not count (it answered 400: not a valid request)."""
        return sum(r.not_compared == REFUSED for r in self.rows)

    @property
    def bad_answers(self) -> int:
        """Requests the server answered with an ``input_tokens`` that is no count of tokens."""
        return sum(r.not_compared == BAD_ANSWER for r in self.rows)

    @property
    def worst(self) -> int | None:
        """The difference furthest from 0 over the requests compared; None when none was."""
        return max((r.difference for r in self.rows if r.difference is not None), key=abs, default=None)

    @property
    def mean_absolute_difference(self) -> float | None:
        """The mean of the differences' absolute values, in tokens per request compared; None
        when no request was compared."""
        diffs = [abs(r.difference) for r in self.rows if r.difference is not None]
        return sum(diffs) / len(diffs) if diffs else None


# --------------------------------------------------------------------------- reading


#: The files of a directory that verify reads (files named on their own are read whatever their name).
#: the JSON-lines ones of them, a request a line (as estimate reads .ndjson)
LINES_EXTENSIONS = (".jsonl", ".ndjson")
REQUEST_EXTENSIONS = (".json", *LINES_EXTENSIONS)


def read_requests(paths: Sequence[str | Path]) -> Iterator[VerifyRequest]:
    """Request bodies from ``.json`` files (one request) and ``.jsonl`` or ``.ndjson`` files (one a line:
    a request body, or a Batch input line whose ``body`` is taken). A directory is read as
    ``estimate`` reads one (:func:`~gpt41cost.readers.text.find_inputs`: its files, recursively,
    sorted, hidden ones skipped), keeping its ``.json``, ``.jsonl`` and ``.ndjson`` files, an empty one
    skipped; one holding none is an error."""
    for raw in paths:
        found = [f for f in find_inputs([str(raw)]) if not f.in_directory or Path(f.path).suffix in REQUEST_EXTENSIONS]
        if not found:
            raise InputError(
                f"{raw}: no .json, .jsonl or .ndjson file in this directory; verify sends request files "
                "(.json: one request, .jsonl or .ndjson: one a line): give them, or a directory holding them"
            )
        for entry in found:
            path = Path(entry.path)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check the path") from None
            if entry.in_directory and not data.strip():
                continue  # an empty file found in a directory holds no request (estimate skips it too)
            within = str(raw) if entry.in_directory else None
            if path.suffix in LINES_EXTENSIONS:
                for n, line in enumerate(data.splitlines(), 1):
                    if line.strip():
                        yield _request(_parse(line, f"{path}:{n}"), f"{path}:{n}", path.parent, within)
            else:
                yield _request(_parse(data, str(path)), str(path), path.parent, within)


def _parse(data: bytes, where: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc}); give request bodies as JSON") from None


def _request(obj: Any, where: str, base_dir: Path, directory: str | None = None) -> VerifyRequest:
    """``directory``: the directory given that the file was found in (the error says so)."""
    if isinstance(obj, dict) and isinstance(obj.get("body"), dict) and "custom_id" in obj:
        obj = obj["body"]  # a Batch input line
    if not isinstance(obj, dict) or not ("messages" in obj or "input" in obj):
        fix = (
            f" (verify reads every .json, .jsonl and .ndjson file in {directory}: name the request files instead)"
            if directory is not None
            else ""
        )
        raise InputError(f"{where}: not a request: expected a JSON object with 'messages' or 'input'{fix}")
    return VerifyRequest(where, obj, base_dir)


# --------------------------------------------------------------------------- converting


def to_responses_body(body: Mapping[str, Any], default_model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """The body sent to the endpoint: a Responses body's :data:`SENT_KEYS`, or a Chat body
    converted item by item (messages to input items, tool calls to function_call items, tool
    results to function_call_output items, tools and tool_choice to their Responses shapes)."""
    model = body.get("model") if isinstance(body.get("model"), str) else default_model
    if "messages" not in body:
        out = {k: body[k] for k in SENT_KEYS if k in body}
        out["model"] = model
        return out
    out = {"model": model, "input": _chat_input(body["messages"])}
    functions = [
        *(body.get("tools") or []),
        *({"type": "function", "function": f} for f in body.get("functions") or []),
    ]
    if functions:
        out["tools"] = [_tool(t) for t in functions]
    choice = body.get("tool_choice", body.get("function_call"))
    if choice is not None:
        out["tool_choice"] = _choice(choice)
    if "parallel_tool_calls" in body:
        out["parallel_tool_calls"] = body["parallel_tool_calls"]
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), Mapping):
        out["text"] = {"format": {"type": "json_schema", **fmt["json_schema"]}}
    elif isinstance(fmt, Mapping) and fmt.get("type") in ("json_object", "text"):
        out["text"] = {"format": {"type": fmt["type"]}}
    return out


def _tool(tool: Any) -> Any:
    if (
        isinstance(tool, Mapping)
        and tool.get("type", "function") == "function"
        and isinstance(tool.get("function"), Mapping)
    ):
        return {"type": "function", **tool["function"]}
    return tool


def _choice(choice: Any) -> Any:
    if isinstance(choice, Mapping):
        inner = choice.get("function")
        name = inner.get("name") if isinstance(inner, Mapping) else choice.get("name")
        if isinstance(name, str):
            return {"type": "function", "name": name}
    return choice


def _chat_input(messages: Any) -> list[Any]:
    items: list[Any] = []
    legacy_ids: dict[str, str] = {}  # legacy function name -> the call_id made for its call
    for i, msg in enumerate(messages if isinstance(messages, list) else [], 1):
        if not isinstance(msg, Mapping):
            items.append(msg)
            continue
        role, content = msg.get("role"), msg.get("content")
        if role == "tool":
            items.append({"type": "function_call_output", "call_id": msg.get("tool_call_id"), "output": _text(content)})
            continue
        if role == "function":
            call_id = legacy_ids.get(str(msg.get("name")), f"call_{i}")
            items.append({"type": "function_call_output", "call_id": call_id, "output": _text(content)})
            continue
        if content:
            items.append({"role": role, "content": _parts(content, role)})
        for call in msg.get("tool_calls") or []:
            fn = call.get("function", {}) if isinstance(call, Mapping) else {}
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.get("id"),
                    "name": fn.get("name"),
                    "arguments": fn.get("arguments", ""),
                }
            )
        legacy = msg.get("function_call")
        if isinstance(legacy, Mapping):
            call_id = legacy_ids[str(legacy.get("name"))] = f"call_{i}"
            items.append(
                {
                    "type": "function_call",
                    "call_id": call_id,
                    "name": legacy.get("name"),
                    "arguments": legacy.get("arguments", ""),
                }
            )
    return items


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return content if isinstance(content, str) else ""


def _parts(content: Any, role: Any) -> Any:
    if not isinstance(content, list):
        return content
    text_type = "output_text" if role == "assistant" else "input_text"
    out = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            out.append({"type": text_type, "text": part.get("text", "")})
        elif kind == "image_url":
            inner = part.get("image_url")
            url = inner.get("url") if isinstance(inner, Mapping) else inner
            detail = inner.get("detail", "auto") if isinstance(inner, Mapping) else "auto"
            out.append({"type": "input_image", "image_url": url, "detail": detail})
        else:
            out.append(part)
    return out


# --------------------------------------------------------------------------- counting


def base_model(name: str) -> str:
    """The GPT-4.1 base model whose counting rules apply to ``name`` (snapshots, fine-tunes)."""
    for base in ("gpt-4.1-nano", "gpt-4.1-mini"):
        if base in name:
            return base
    return "gpt-4.1"


def local_count(req: VerifyRequest, model: str) -> tuple[int, tuple[str, ...]]:
    """gpt41cost's offline count of a request on ``model``'s base, and what it left uncounted."""
    base = base_model(model)

    def image(part: Mapping[str, Any]) -> Mapping[str, int] | str:
        tokens, why = img.image_part_tokens(part, base, req.base_dir, source=req.where)
        return {base: tokens} if tokens is not None else (why or "image size unknown")

    try:
        rc = count_request(req.body, models=(base,), count=count_tokens, images=image)
    except RequestError as exc:
        raise InputError(f"{req.where}: {exc.message}") from None
    return rc.input_tokens[base], rc.uncounted


def explain(body: Mapping[str, Any], difference: int, uncounted: Sequence[str]) -> str:
    """The rule that most likely explains a difference: the least-measured rule the request uses."""
    if difference == 0:
        return "exact"
    if uncounted:
        return f"uncounted here: {uncounted[0]}"
    used = _rules_used(body)
    if not used:
        return "messages (3 per message, 1 per name, 3 reply priming): no measured case differs"
    return "; ".join(used)


def _rules_used(body: Mapping[str, Any]) -> list[str]:
    """The inferred rules a request exercises, unmeasured ones first."""
    out: list[str] = []
    text = orjson.dumps(body).decode()
    raw_messages, raw_items = body.get("messages"), body.get("input")
    messages: list[Any] = raw_messages if isinstance(raw_messages, list) else []
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    if any(isinstance(m, Mapping) and len(m.get("tool_calls") or []) > 1 for m in messages):
        out.append("parallel tool calls (unmeasured on o200k models)")
    if body.get("tool_choice") == "required":
        out.append("tool_choice 'required' (unmeasured)")
    if "input" in body and (body.get("tools") or any(isinstance(i, Mapping) and i.get("type") for i in items)):
        out.append("Responses function items (unmeasured)")
    if any(key in text for key in ('"oneOf"', '"allOf"', '"$ref"', '"type":["')):
        out.append("schema constructs without evidence (oneOf, allOf, $ref, type lists)")
    if any(key in text for key in ('"tool_calls"', '"function_call"', '"role":"tool"')):
        out.append("tool calls and results")
    if body.get("tools") or body.get("functions"):
        out.append("tool definitions")
    if '"image_url"' in text or '"input_image"' in text:
        out.append("images")
    return out


# --------------------------------------------------------------------------- the check


def verify(
    requests: Iterable[VerifyRequest],
    post: Post,
    *,
    model: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> VerifyResult:
    """Count each request here and at the endpoint, at most ``concurrency`` calls at once.

    ``model`` replaces each request's model (and is the model of requests that name none).
    Every request is read and counted locally before the first call, so a bad file costs no
    API call. A request the API refuses as invalid (400), or answers with an ``input_tokens``
    that is no count of tokens (negative, a fraction, text, a bool), is a row with no API count
    (:data:`REFUSED`, :data:`BAD_ANSWER`), left out of the difference figures; any other failed
    call (an :class:`~gpt41cost.errors.ApiError`) ends the run.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    prepared: list[tuple[VerifyRequest, str, dict[str, Any], int, tuple[str, ...]]] = []
    for req in requests:
        body_model = req.body.get("model")
        name = model or (body_model if isinstance(body_model, str) else DEFAULT_MODEL)
        sent = to_responses_body(req.body, name)
        sent["model"] = name
        local, uncounted = local_count(req, name)
        prepared.append((req, name, sent, local, uncounted))

    def ask(sent: dict[str, Any]) -> int | tuple[str, str]:
        try:
            answer = post(ENDPOINT, sent)
        except ApiError as exc:
            if exc.status == 400:  # this request is not valid for the API; the others may be
                return REFUSED, f"the API refused it: {exc.message}"
            raise
        if repeats.repeated(answer, ("input_tokens",)):  # two counts: which one is the API's?
            raise ApiError(f"POST {ENDPOINT}: {repeats.twice('input_tokens', 'to compare', 'check --base-url')}")
        if not isinstance(answer, Mapping) or "input_tokens" not in answer:
            raise ApiError(f"POST {ENDPOINT}: the answer has no 'input_tokens' count: {quoted(str(answer)[:80])}")
        tokens = answer["input_tokens"]
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
            # one answer's count is wrong, not the endpoint: this request is not compared, the others are
            shown = _json_value(tokens)
            return BAD_ANSWER, f"bad answer from the server: input_tokens is {shown}, not a count of tokens"
        return tokens

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        counts = list(pool.map(ask, [p[2] for p in prepared]))
    rows = tuple(
        VerifyRow(req.where, name, local, None, uncounted, api[1], api[0])
        if isinstance(api, tuple)
        else VerifyRow(req.where, name, local, api, uncounted, explain(req.body, local - api, uncounted))
        for (req, name, _, local, uncounted), api in zip(prepared, counts, strict=True)
    )
    return VerifyResult(rows, ENDPOINT)


def _json_value(value: Any) -> str:
    """A value of a JSON answer as the answer wrote it (``-5``, ``1.5``, ``'12'``, ``true``), in short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return quoted(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, int | float | Decimal):
        text = str(value)
        return text if len(text) <= 40 else text[:40] + "..."
    return "an object" if isinstance(value, Mapping) else "a list" if isinstance(value, list) else type(value).__name__
