"""Counting the input tokens of Chat Completions and Responses API requests (docs/accounting.md §4, §5).

Pure: takes a parsed request body and a token counter, returns a :class:`RequestCount`.
Never reads files; images are measured by an injected :data:`ImageTokens` callable, so
this module needs no file access and tests can inject any rule.

What is documented and what is inferred (each rule is named where it is applied):

- Messages [CB]: 3 tokens per message, plus the tokens of every string value in it
  (role, content, name), 1 more per message with a ``name``, 3 for the reply priming.
  Checked by OpenAI for gpt-4o; for gpt-4.1 it is an inference (same encoding).
- Tool definitions, tool calls, tool results and tool_choice: rendered and counted as the API
  does, by rules inferred from API-measured counts (:mod:`gpt41cost.tooldefs`, with evidence).
- Everything else here is our inference and says so in :data:`INFERENCES`.

The token stream for cache detection puts the tools first and then the messages in order,
as OpenAI caches a prompt (§7). It is not OpenAI's exact rendering, but it is
deterministic, has exactly one entry per counted token, and two requests whose tools and
leading messages are equal share a stream prefix as long as those parts.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, TypeVar

import orjson

from . import tooldefs
from .errors import InputError, Uncountable, quoted

if TYPE_CHECKING:
    from .cache import PrefixHashes

#: Counts the o200k_base tokens of a text (tokens.count_tokens).
Count = Callable[[str], int]
#: Encodes a text to o200k_base token ids (``len(encode(s)) == count(s)``).
Encode = Callable[[str], Sequence[int]]


class PartialImage(NamedTuple):
    """An image counted on some models only: ``tokens`` on those, ``why`` not on the others (a
    remote image at detail low: 85 tokens on gpt-4.1 whatever its size, sized on mini and nano)."""

    tokens: Mapping[str, int]
    why: str


#: Measures one image content part (Chat ``image_url`` or Responses ``input_image``): the
#: tokens on each base model, the reason it cannot be counted (a remote URL without
#: --image-size), or a :class:`PartialImage` (counted on some models only). May raise
#: InputError for a bad image (the reader's adapter names the line).
ImageTokens = Callable[[Mapping[str, Any]], "Mapping[str, int] | PartialImage | str"]

# The cookbook's constants for chat messages [CB] (docs/accounting.md §4).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

#: Rules this module applies that OpenAI does not document (for the README and reports). The
#: rules for tools, tool calls and tool_choice are :data:`gpt41cost.tooldefs.RULES`.
INFERENCES: Mapping[str, str] = {
    "messages": "Chat message overhead (3 per message, +1 per name, +3 reply priming) was checked by "
    "OpenAI for gpt-4o; gpt-4.1 uses the same o200k_base encoding and is assumed to count the same.",
    "content_parts": "Content given as a list of parts counts the sum of its text parts' tokens; "
    "no separator between parts is counted.",
    "responses_instructions": "Responses API 'instructions' count as one system message placed first.",
    "responses_priming": "Responses API requests count the same 3-token reply priming as Chat requests.",
}
#: The note on a request whose tools or tool calls were counted (the rules, with their evidence,
#: are in `gpt41cost rules`).
TOOLS_NOTE = (
    "Tool definitions, tool calls and tool_choice are counted as the API renders them (rules inferred "
    "from API-measured counts; see `gpt41cost rules`)."
)
# Pseudo-token ids for the cache stream: above o200k_base's ids (< 200,019), below 2**32.
_MSG_START = 200_100
_MSG_SEP = 200_101
_MSG_END = 200_102
_NAME_MARK = 200_103
_PRIME = 200_104
_TOOLS_END = 200_108
_CALL_MARK = 200_109
_RESULT_MARK = 200_110
_CHOICE_MARK = 200_111
_PAD_MARK = 200_112
_IMAGE_BASE = 300_000
_IMAGE_SPAN = 2**32 - _IMAGE_BASE


#: What a JSON object may be: a dict is tested first because ``isinstance`` against the
#: ``Mapping`` ABC alone goes through abc's Python-level hook, ~10x the cost of a dict check,
#: and it is made for every message of every request.
_MAPPING = (dict, Mapping)


class RequestError(InputError):
    """A request body that is not a valid request; the reader adds the file and line."""


class UncountableRequest(RequestError, Uncountable):
    """A request gpt41cost will not count (its own limit: :class:`~gpt41cost.errors.Uncountable`)."""


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _bounded(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """``fn``, refusing a request nested too deep for Python to walk (about 1,000 levels: a tool
    schema, a chain of ``$ref``, tool call arguments, a refusal) or whose tool schemas expand
    past :data:`~gpt41cost.tooldefs.MAX_NODES`: an :class:`UncountableRequest`, never a
    ``RecursionError`` or a render without end."""

    @wraps(fn)
    def counted(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            raise UncountableRequest(
                "nested too deep to count (a tool schema, $ref chain, tool call arguments or content about "
                "1,000 levels deep)"
            ) from None
        except tooldefs.SchemaTooLarge as exc:
            raise UncountableRequest(str(exc)) from None

    return counted


class RequestCount(NamedTuple):
    """The input side of one request.

    ``input_tokens`` maps each base model name to the request's input tokens on it (they
    differ only when the request holds images). ``streams`` maps each base model name to
    the request's token stream in caching order (None unless an ``encode`` was given);
    models whose streams are equal share one object. Streams are joined only when asked
    for: most requests of a large file are under the cache minimum and never need one.

    A named tuple, not a frozen dataclass: one is made per request of a large file, and a frozen
    dataclass's ``__init__`` (a call of ``object.__setattr__`` per field) cost ~1 µs more.
    """

    model: str | None
    input_tokens: Mapping[str, int]
    max_output_tokens: int | None
    uncounted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    segments: tuple[str | Sequence[int] | _Image, ...] | None = None  # the stream, in pieces
    has_images: bool = False
    encode: Encode | None = None  # turns the text pieces of ``segments`` into token ids
    #: How many leading ``segments`` are the tools and first message, which many requests of a
    #: file share (their hashes are then made once, :class:`~gpt41cost.cache.PrefixHashes`).
    head: int = 0
    choices: int = 1  # a Chat request's ``n``: the completions generated (and billed), each within the cap
    #: the request asks for extended prompt-cache retention (``prompt_cache_retention: "24h"``)
    extended_cache: bool = False
    #: a Responses body's ``n`` as written (JSON), which OpenAI refuses (:data:`RESPONSES_NO_N`); None without one
    responses_n: str | None = None

    @property
    def streams(self) -> dict[str, Sequence[int]] | None:
        if self.segments is None:
            return None
        models = tuple(self.input_tokens)
        encode = self.encode or _no_text
        if not self.has_images:
            shared = _concat(self.segments, None, encode)
            return dict.fromkeys(models, shared)
        return {m: _concat(self.segments, m, encode) for m in models}

    def cache_hashes(
        self, step: int, prefixes: PrefixHashes | None = None
    ) -> tuple[dict[str, tuple[int, ...]], dict[str, int]] | None:
        """Per model, the chained hashes of each full ``step``-token block of its stream and the
        prompt's own hash (of every token, :func:`~gpt41cost.cache.prompt_hashes`); ``prefixes``
        remembers the hashes of the leading segments (``head``) seen before."""
        if self.segments is None:
            return None
        if prefixes is not None and self.head and not self.has_images:
            encode = self.encode or _no_text
            head = _concat(self.segments[: self.head], None, encode)
            rest = _concat(self.segments[self.head :], None, encode)
            blocks, own = prefixes.prompt_hashes(head, rest, step)
            return dict.fromkeys(self.input_tokens, blocks), dict.fromkeys(self.input_tokens, own)
        streams = self.streams
        if streams is None:
            return None
        from .cache import prompt_hashes

        done: dict[int, tuple[tuple[int, ...], int]] = {}
        out: dict[str, tuple[int, ...]] = {}
        owns: dict[str, int] = {}
        for name, stream in streams.items():
            key = id(stream)
            if key not in done:
                done[key] = prompt_hashes(stream, step)
            out[name], owns[name] = done[key]
        return out, owns


@dataclass(frozen=True)
class _Image:
    mark: int
    tokens: Mapping[str, int]


class _Acc:
    """Accumulates tokens common to all models, image tokens per model, and the stream."""

    __slots__ = (
        "common",
        "count",
        "encode",
        "has_images",
        "head",
        "images",
        "models",
        "notes",
        "per_model",
        "segments",
        "uncounted",
    )

    def __init__(self, models: Sequence[str], count: Count, encode: Encode | None, images: ImageTokens | None):
        self.models = tuple(models)
        self.count = count
        self.encode = encode
        self.images = images
        self.common = 0
        self.per_model: dict[str, int] | None = None  # image tokens, once a request has an image
        self.segments: list[str | Sequence[int] | _Image] | None = [] if encode is not None else None
        self.uncounted: list[str] = []
        self.notes: list[str] = []
        self.has_images = False
        self.head = 0

    def const(self, n: int, mark: int) -> None:
        if n <= 0:
            return
        self.common += n
        if self.segments is not None:
            self.segments.append(_run(mark, n))

    def text(self, s: str) -> None:
        if not s:
            return
        # Count now; the token ids are made only if the stream is asked for (a request that
        # can be cached): most requests of a large file never need them.
        self.common += self.count(s)
        if self.segments is not None:
            self.segments.append(s)

    def image(self, part: Mapping[str, Any], where: str) -> None:
        if self.images is None:
            self.uncounted.append(f"{where}: image not counted (no image rule given)")
            return
        got = self.images(part)
        if isinstance(got, str):
            self.uncounted.append(f"{where}: image not counted: {got}")
            return
        if isinstance(got, PartialImage):  # its tokens on the models it names, none on the others
            missing = ", ".join(m for m in self.models if m not in got.tokens)
            self.uncounted.append(f"{where}: image not counted on {missing}: {got.why}")
            got = got.tokens
        tokens = {m: int(got.get(m, 0)) for m in self.models}
        if self.per_model is None:
            self.per_model = dict.fromkeys(self.models, 0)
        for m in self.models:
            self.per_model[m] += tokens[m]
        if self.segments is not None:
            digest = hashlib.blake2b(_image_key(part).encode(), digest_size=8).digest()
            mark = _IMAGE_BASE + int.from_bytes(digest, "little") % _IMAGE_SPAN
            self.segments.append(_Image(mark, tokens))
            self.has_images = True

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def result(
        self,
        model: str | None,
        max_output: int | None,
        choices: int = 1,
        extended_cache: bool = False,
        responses_n: str | None = None,
    ) -> RequestCount:
        per_model = self.per_model
        if per_model is None:
            totals = dict.fromkeys(self.models, self.common)
        else:
            totals = {m: self.common + per_model[m] for m in self.models}
        segments = self.segments
        return RequestCount(  # by position: one is made per request of a large file
            model,
            totals,
            max_output,
            tuple(self.uncounted) if self.uncounted else (),
            tuple(self.notes) if self.notes else (),
            None if segments is None else tuple(segments),
            self.has_images,
            self.encode,
            self.head,
            choices,
            extended_cache,
            responses_n,
        )


@lru_cache(maxsize=256)
def _run(mark: int, n: int) -> array[int]:
    """``n`` copies of a pseudo-token (shared: segments are only ever read)."""
    return array("I", [mark]) * n


class ToolMemo:
    """Remembers how tool lists already seen were counted: batch files repeat the same tools.

    Use one memo with one ``count``/``encode`` pair (a reader makes one per file). Holds at
    most ``max_entries`` tool lists, then starts again.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._done: dict[bytes, tuple[int, list[str | Sequence[int] | _Image], tuple[str, ...]]] = {}

    def apply(self, acc: _Acc, functions: Sequence[Mapping[str, Any]]) -> None:
        if not functions:
            return
        done = self.counted(functions, acc.count, acc.encode)
        if done is None:  # not plain JSON data: count without the memo
            _tools(acc, functions)
            return
        common, segments, notes = done
        acc.common += common
        if acc.segments is not None:
            acc.segments.extend(segments)
        for n in notes:
            acc.note(n)

    def counted(
        self, functions: Sequence[Mapping[str, Any]], count: Count, encode: Encode | None
    ) -> tuple[int, list[str | Sequence[int] | _Image], tuple[str, ...]] | None:
        """``(tokens, stream segments, notes)`` of a non-empty function list; None if it is
        not plain JSON data (then it cannot be a memo key)."""
        try:
            key = orjson.dumps(functions)
        except TypeError:
            return None
        done = self._done.get(key)
        if done is None:
            sub = _Acc((), count, encode, None)
            _tools(sub, functions)
            if len(self._done) >= self.max_entries:
                self._done.clear()
            # the notes as a tuple: every record counted with these tools shares it
            done = self._done[key] = (sub.common, sub.segments or [], tuple(sub.notes))
        return done


def _image_key(part: Mapping[str, Any]) -> str:
    """What identifies an image part for the cache stream: its URL or file id, detail and size."""
    inner = part.get("image_url")
    holder: Mapping[str, Any] = inner if isinstance(inner, _MAPPING) else {}
    url = holder.get("url") if isinstance(inner, _MAPPING) else inner
    fields = (url, part.get("file_id"), holder.get("detail", part.get("detail")))
    size = (holder.get("width", part.get("width")), holder.get("height", part.get("height")))
    return "\0".join(str(f) for f in (*fields, *size))


def _concat(segments: Iterable[str | Sequence[int] | _Image], model: str | None, encode: Encode) -> array[int]:
    out: array[int] = array("I")
    for seg in segments:
        if isinstance(seg, str):
            out.extend(encode(seg))
        elif isinstance(seg, _Image):
            if model is not None and seg.tokens[model]:
                out.extend(array("I", [seg.mark]) * seg.tokens[model])
        else:
            out.extend(seg)
    return out


def _no_text(text: str) -> Sequence[int]:
    raise ValueError("a stream with text pieces needs an encode function")


# --------------------------------------------------------------------------- public entry points


def count_request(
    body: Mapping[str, Any],
    *,
    models: Sequence[str],
    count: Count,
    encode: Encode | None = None,
    images: ImageTokens | None = None,
    tool_memo: ToolMemo | None = None,
) -> RequestCount:
    """Count a request body, Chat (``messages``) or Responses (``input``), by its shape."""
    if not isinstance(body, _MAPPING):
        raise RequestError("the request is not a JSON object")
    if "messages" in body:
        return count_chat(body, models=models, count=count, encode=encode, images=images, tool_memo=tool_memo)
    if "input" in body:
        return count_responses(body, models=models, count=count, encode=encode, images=images, tool_memo=tool_memo)
    raise RequestError("the request has neither 'messages' (Chat Completions) nor 'input' (Responses API)")


@_bounded
def count_chat(
    body: Mapping[str, Any],
    *,
    models: Sequence[str],
    count: Count,
    encode: Encode | None = None,
    images: ImageTokens | None = None,
    tool_memo: ToolMemo | None = None,
) -> RequestCount:
    """Count a Chat Completions request body: tools (and legacy functions), then messages."""
    acc = _Acc(models, count, encode, images)
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise RequestError("'messages' must be a list of messages")
    tools, legacy = body.get("tools"), body.get("functions")
    if tools is None and legacy is None:  # most requests: no definitions, so no choice of one either
        _chat_messages(acc, messages)
    else:
        functions = _function_list(tools, "tools", acc)
        functions += _function_list(legacy, "functions", acc)
        _memo_tools(acc, functions, tool_memo, bool(functions) and _has_system(messages))
        _chat_messages(acc, messages, pad_system=bool(functions))
        _chat_tool_choice(acc, body, functions)
    choices = _request_extras(acc, body)
    return acc.result(_model(body), _max_output(body, CHAT_MAX_KEYS), choices, _extended_cache(body))


#: Where a Chat body gives its output cap, in the order they are looked for.
CHAT_MAX_KEYS = ("max_completion_tokens", "max_tokens")


def count_messages(
    messages: Sequence[Any],
    *,
    models: Sequence[str],
    count: Count,
    encode: Encode | None = None,
    images: ImageTokens | None = None,
    tools: Sequence[Any] | None = None,
    tool_memo: ToolMemo | None = None,
) -> RequestCount:
    """Count a bare list of chat messages (with optional tool definitions)."""
    body: dict[str, Any] = {"messages": list(messages)}
    if tools is not None:
        body["tools"] = list(tools)
    return count_chat(body, models=models, count=count, encode=encode, images=images, tool_memo=tool_memo)


@_bounded
def count_responses(
    body: Mapping[str, Any],
    *,
    models: Sequence[str],
    count: Count,
    encode: Encode | None = None,
    images: ImageTokens | None = None,
    tool_memo: ToolMemo | None = None,
) -> RequestCount:
    """Count a Responses API request body: tools, then instructions, then the input items."""
    acc = _Acc(models, count, encode, images)
    functions = _function_list(body.get("tools"), "tools", acc)
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise RequestError("'instructions' must be a string")
    items = body.get("input")
    if not isinstance(items, str | list):
        raise RequestError("'input' must be a string or a list of items")
    with_system = isinstance(instructions, str) or (
        isinstance(items, list) and any(isinstance(it, _MAPPING) and it.get("role") == "system" for it in items)
    )
    _memo_tools(acc, functions, tool_memo, with_system)
    pad = bool(functions)
    if isinstance(instructions, str):
        acc.note(INFERENCES["responses_instructions"])
        _message_frame(acc, "system", None, lambda: _text_padded(acc, instructions, pad))
        pad = False
    if isinstance(items, str):
        _message_frame(acc, "user", None, lambda: acc.text(items))
    else:
        _responses_items(acc, items, pad)
    _tool_choice(acc, body.get("tool_choice") if functions else None, "tool_choice")
    if body.get("previous_response_id"):
        acc.uncounted.append(
            "previous_response_id: the earlier conversation is billed as input too, but it is not in this request"
        )
    if body.get("conversation"):
        acc.uncounted.append(
            "conversation: the conversation's earlier items are billed as input too, but they are not in this request"
        )
    if body.get("prompt"):
        acc.uncounted.append("prompt: a stored prompt template's tokens are not in this request")
    if "n" in body:  # a Chat parameter: one response a request here (RESPONSES_NO_N)
        acc.uncounted.append(responses_n(body["n"]))
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, _MAPPING) else None
    if isinstance(fmt, _MAPPING) and fmt.get("type") == "json_schema":
        acc.uncounted.append("text.format json_schema: OpenAI documents no token rule for schemas")
    acc.const(REPLY_PRIMING, _PRIME)
    acc.note(INFERENCES["responses_priming"])
    n = _as_json(body["n"]) if "n" in body else None
    return acc.result(_model(body), _max_output(body, ("max_output_tokens",)), 1, _extended_cache(body), n)


# --------------------------------------------------------------------------- messages


def _model(body: Mapping[str, Any]) -> str | None:
    model = body.get("model")
    if model is None:
        return None
    if not isinstance(model, str):
        raise RequestError("'model' must be a string")
    return model


def chat_output_cap(body: Mapping[str, Any]) -> int | None:
    """A Chat body's ``max_completion_tokens`` or ``max_tokens``; RequestError if not a count."""
    return _max_output(body, CHAT_MAX_KEYS)


def _as_json(value: Any) -> str:
    """A value of a request as its JSON text (``true``, ``"2"``, ``2.0``; not Python's ``True``),
    cut at 40 characters."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _extended_cache(body: Mapping[str, Any]) -> bool:
    """Whether a Chat or Responses body asks for extended prompt-cache retention
    (``prompt_cache_retention: "24h"``; the other value, ``in_memory``, is the short lifetime)."""
    return body.get("prompt_cache_retention") == "24h"


def _max_output(body: Mapping[str, Any], keys: Sequence[str]) -> int | None:
    for key in keys:
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RequestError(f"'{key}' must be a whole number of tokens, got {_as_json(value)}")
        return value
    return None


def _request_extras(acc: _Acc, body: Mapping[str, Any]) -> int:
    """Count what a Chat body adds after its messages (the reply priming); return its choices (``n``)."""
    fmt = body.get("response_format")
    if fmt is not None and isinstance(fmt, _MAPPING) and fmt.get("type") == "json_schema":
        acc.uncounted.append("response_format json_schema: OpenAI documents no token rule for schemas")
    acc.common += REPLY_PRIMING  # acc.const(REPLY_PRIMING, _PRIME), once a request
    if acc.segments is not None:
        acc.segments.append(_RUN_PRIME)
    n = body.get("n")
    if n is None or (n == 1 and type(n) is int):
        return 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CHOICES:
        raise RequestError(f"'n' must be a whole number of choices from 1 to {MAX_CHOICES}, got {_as_json(n)}")
    acc.note(CHOICES_NOTE.format(n=n))
    return n


#: The rule for ``n`` in a Responses body (``gpt41cost rules``): documented that Responses has no
#: ``n`` (OpenAI's migration guide), the refusal inferred.
RESPONSES_NO_N = (
    "the Responses API has no n: a request makes one response (OpenAI's migration guide: Chat Completions can "
    "return n choices, Responses removed the parameter), so a Responses body's n is priced as 1 choice and "
    "listed as not counted, naming the file and the field, and a Batch file's line with n is a pre-flight error "
    "(responses_n) (inference: OpenAI refuses the unknown parameter with a 400, so the request as written costs "
    "nothing until n is removed)"
)
#: The uncounted entry of a Responses body with ``n`` (every report lists it with the file), and
#: what to do: remove n, and for n choices (an integer over 1) send n requests.
RESPONSES_N = (
    "n={n}: the Responses API has no n (one response a request; OpenAI refuses the parameter, inferred): "
    "priced as 1 choice; {todo}"
)


def responses_n(n: Any) -> str:
    """The uncounted entry of a Responses body's ``n`` (:data:`RESPONSES_N`): "send n requests"
    only where ``n`` asks for several choices (an integer over 1; not 1, null, true or text)."""
    many = isinstance(n, int) and not isinstance(n, bool) and n > 1
    return RESPONSES_N.format(n=_as_json(n), todo=f"remove n, or send {n:,} requests" if many else "remove n")


#: OpenAI's range for a Chat request's ``n`` (the API reference: minimum 1, maximum 128).
MAX_CHOICES = 128
#: The note on a request asking for more than one choice (``count_request``'s notes).
CHOICES_NOTE = "n={n}: output is billed for each of the {n} choices, each within max_tokens; input once"
#: Why a request is refused though it could be counted (the readers and ``gpt41cost.count_request`` alike).
EMPTY_MESSAGES = "'messages' is empty: OpenAI rejects a request without messages"


def refuse_empty_messages(body: Any, how: str = "auto") -> None:
    """RequestError for a Chat request OpenAI rejects though it could be counted: an empty
    ``messages`` list (counted, it would be a 3-token request). ``how``: "messages" when ``body``
    is itself the message list, "responses" when it is a Responses body (never refused here)."""
    if how == "messages":
        empty = body == []
    else:
        empty = how != "responses" and isinstance(body, _MAPPING) and body.get("messages") == []
    if empty:
        raise RequestError(EMPTY_MESSAGES)


def _message_frame(acc: _Acc, role: str, name: str | None, body: Callable[[], None]) -> None:
    """3 tokens + role (+ name + 1) around whatever ``body`` adds, in stream order."""
    acc.const(1, _MSG_START)
    acc.text(role)
    if name is not None:
        acc.const(TOKENS_PER_NAME, _NAME_MARK)
        acc.text(name)
    acc.const(1, _MSG_SEP)
    body()
    acc.const(TOKENS_PER_MESSAGE - 2, _MSG_END)


_PLAIN_KEYS = frozenset({"role", "content", "name"})
_RUN_START = _run(_MSG_START, 1)
_RUN_NAME = _run(_NAME_MARK, TOKENS_PER_NAME)
_RUN_SEP = _run(_MSG_SEP, 1)
_RUN_END = _run(_MSG_END, TOKENS_PER_MESSAGE - 2)
_RUN_PRIME = _run(_PRIME, REPLY_PRIMING)


#: Message keys that are never counted: ids (the API does not count them) and the call lists,
#: which are counted by their own rules.
_CHAT_SKIP = frozenset({"role", "name", "content", "tool_calls", "function_call", "tool_call_id"})
_RESULT_ROLES = ("tool", "function")


def _chat_messages(acc: _Acc, messages: Sequence[Any], *, pad_system: bool = False) -> None:
    """Count the messages; ``pad_system``: the request has tools, so its first system message
    is counted with one more line feed (:mod:`gpt41cost.tooldefs`)."""
    call_names: dict[str, str] = {}  # tool_call_id -> function name, for the results
    count = acc.count
    segments = acc.segments
    for i, msg in enumerate(messages, 1):
        if type(msg) is dict and (len(msg) == 2 or _PLAIN_KEYS.issuperset(msg)):
            # two keys: role and content when both are strings (checked next), or not plain
            role, content = msg.get("role"), msg.get("content")
            name = msg.get("name") if len(msg) > 2 else None
            if (
                type(role) is str
                and type(content) is str
                and (name is None or type(name) is str)
                and role not in _RESULT_ROLES
            ):
                # The common case, inlined (large batch files): exactly what _message_frame +
                # fill add, in the same order: start, role, [name mark, name], separator,
                # content, [the first system message's pad, with tools: _pad], end. Anything
                # else takes the general path below.
                n = TOKENS_PER_MESSAGE + (count(role) if role else 0) + (count(content) if content else 0)
                if name is not None:
                    n += TOKENS_PER_NAME + (count(name) if name else 0)
                pad = 0
                if pad_system and role == "system":
                    pad_system = False
                    pad = _pad_tokens(count, content)
                    if pad > 0:
                        n += pad
                acc.common += n
                if segments is not None:
                    if name is None and role and content and pad <= 0:  # most messages: one extend
                        segments += (_RUN_START, role, _RUN_SEP, content, _RUN_END)
                    else:
                        segments.append(_RUN_START)
                        if role:
                            segments.append(role)
                        if name is not None:
                            segments.append(_RUN_NAME)
                            if name:
                                segments.append(name)
                        segments.append(_RUN_SEP)
                        if content:
                            segments.append(content)
                        if pad > 0:
                            segments.append(_run(_PAD_MARK, pad))
                        segments.append(_RUN_END)
                    if i == 1:
                        acc.head = len(segments)
                continue
        if not isinstance(msg, _MAPPING):
            raise RequestError(f"message {i} is not a JSON object")
        role = msg.get("role")
        if not isinstance(role, str):
            raise RequestError(f"message {i} has no role")
        calls = _message_calls(msg, i) if role == "assistant" else []
        content = msg.get("content")
        if content is None and not calls:
            raise RequestError(f"message {i} has no content")
        name = msg.get("name")
        if name is not None and not isinstance(name, str):
            raise RequestError(f"message {i}: 'name' must be a string")
        pad = pad_system and role == "system"
        if pad:
            pad_system = False
        where = f"message {i}"

        def fill(msg: Mapping[str, Any] = msg, where: str = where, pad: bool = pad) -> None:
            content = msg.get("content")
            _content(acc, content, where)
            if pad:
                _pad(acc, content)
            for key, value in msg.items():
                if key not in _CHAT_SKIP:
                    _strings(acc, value)

        if role == "tool":
            call_id = msg.get("tool_call_id")
            _result_message(acc, call_names.get(call_id) if isinstance(call_id, str) else None, content, where)
        elif role == "function":
            _result_message(acc, name, content, where)
        elif calls:
            if content:
                _message_frame(acc, role, name, fill)  # text beside the calls: a message of its own
            _call_message(acc, [(n, a) for _, n, a in calls])
            call_names.update((cid, n) for cid, n, _ in calls if cid is not None)
        else:
            _message_frame(acc, role, name, fill)
        if i == 1 and acc.segments is not None:
            acc.head = len(acc.segments)


def _message_calls(msg: Mapping[str, Any], i: int) -> list[tuple[str | None, str, str]]:
    """(id, function name, arguments) of an assistant message's tool_calls or function_call."""
    out: list[tuple[str | None, str, str]] = []
    tool_calls = msg.get("tool_calls")
    if tool_calls:
        if not isinstance(tool_calls, list):
            raise RequestError(f"message {i}: 'tool_calls' must be a list")
        for j, call in enumerate(tool_calls, 1):
            fn = call.get("function") if isinstance(call, _MAPPING) else None
            if not isinstance(fn, _MAPPING) or not isinstance(fn.get("name"), str):
                raise RequestError(f"message {i}: tool call {j} needs a 'function' with a 'name'")
            args, call_id = fn.get("arguments"), call.get("id")
            cid = call_id if isinstance(call_id, str) else None
            out.append((cid, fn["name"], args if isinstance(args, str) else ""))
    legacy = msg.get("function_call")
    if legacy:
        if not isinstance(legacy, _MAPPING) or not isinstance(legacy.get("name"), str):
            raise RequestError(f"message {i}: 'function_call' needs a 'name'")
        args = legacy.get("arguments")
        out.append((None, legacy["name"], args if isinstance(args, str) else ""))
    return out


def _text_padded(acc: _Acc, content: Any, pad: bool, where: str = "instructions") -> None:
    _content(acc, content, where)
    if pad:
        _pad(acc, content)


def _pad_tokens(count: Count, content: str) -> int:
    """The tokens the line feed of a request with tools adds to a system message's text."""
    return count(content + tooldefs.SYSTEM_PAD) - count(content)


def _pad(acc: _Acc, content: Any) -> None:
    """The line feed a request with tools adds to its first system message: after its text, a
    list of parts' text joined as the API joins it (no separator), so both spellings count alike."""
    text = content if isinstance(content, str) else _joined_text(content)
    acc.const(_pad_tokens(acc.count, text), _PAD_MARK)


def _joined_text(content: Any) -> str:
    """The text of a list of content parts, joined with no separator (``content_parts``)."""
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, _MAPPING) and part.get("type") in _TEXT_PARTS and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "".join(texts)


def _content(acc: _Acc, content: Any, where: str) -> None:
    if content is None:
        return
    if isinstance(content, str):
        acc.text(content)
        return
    if not isinstance(content, list):
        raise RequestError(f"{where}: 'content' must be a string or a list of parts")
    if len(content) > 1:
        acc.note(INFERENCES["content_parts"])
    for j, part in enumerate(content, 1):
        _part(acc, part, f"{where} part {j}")


#: The content part types that hold text (their ``text``).
_TEXT_PARTS = ("text", "input_text", "output_text")


def _part(acc: _Acc, part: Any, where: str) -> None:
    if isinstance(part, str):  # some clients send bare strings as parts
        acc.text(part)
        return
    if not isinstance(part, _MAPPING):
        raise RequestError(f"{where} is not a JSON object")
    kind = part.get("type")
    if kind in _TEXT_PARTS:
        text = part.get("text")
        if not isinstance(text, str):
            raise RequestError(f"{where}: a {kind} part needs a 'text' string")
        acc.text(text)
    elif kind == "refusal":
        _strings(acc, part.get("refusal"))
    elif kind in ("image_url", "input_image"):
        acc.image(part, where)
    elif kind in ("input_audio", "audio"):
        acc.uncounted.append(f"{where}: audio input is not supported by GPT-4.1; not counted")
    elif kind in ("file", "input_file"):
        acc.uncounted.append(f"{where}: file inputs (PDF) have no offline token rule; not counted")
    else:
        acc.uncounted.append(f"{where}: content part of type {quoted(kind)} not counted")


def _strings(acc: _Acc, value: Any, skip: frozenset[str] = frozenset({"type"})) -> None:
    """Add the tokens of every string in ``value`` (recursively), except under ``skip`` keys."""
    if isinstance(value, str):
        acc.text(value)
    elif isinstance(value, _MAPPING):
        for key, item in value.items():
            if key not in skip:
                _strings(acc, item, skip)
    elif isinstance(value, list):
        for item in value:
            _strings(acc, item, skip)


def _responses_items(acc: _Acc, items: Sequence[Any], pad_system: bool) -> None:
    """The input items in order; consecutive function_call items are one assistant turn."""
    call_names: dict[str, str] = {}
    pending: list[tuple[str, str]] = []
    for i, item in enumerate(items, 1):
        if isinstance(item, _MAPPING) and item.get("type") == "function_call":
            name, args, call_id = item.get("name"), item.get("arguments"), item.get("call_id")
            if not isinstance(name, str):
                raise RequestError(f"input item {i}: a function_call needs a 'name'")
            pending.append((name, args if isinstance(args, str) else ""))
            if isinstance(call_id, str):
                call_names[call_id] = name
            continue
        if pending:
            _call_message(acc, pending)
            pending = []
        pad = pad_system and isinstance(item, _MAPPING) and item.get("role") == "system"
        if pad:
            pad_system = False
        _responses_item(acc, item, i, call_names, pad)
    if pending:
        _call_message(acc, pending)


def _responses_item(acc: _Acc, item: Any, i: int, call_names: Mapping[str, str], pad: bool) -> None:
    where = f"input item {i}"
    if isinstance(item, str):  # tolerated: a bare string as a user message
        _message_frame(acc, "user", None, lambda: acc.text(item))
        return
    if not isinstance(item, _MAPPING):
        raise RequestError(f"{where} is not a JSON object")
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role")
        if not isinstance(role, str):
            raise RequestError(f"{where} has no role")
        content = item.get("content")
        if content is None:
            raise RequestError(f"{where} has no content")
        _message_frame(acc, role, None, lambda: _text_padded(acc, content, pad, where))
    elif kind == "function_call_output":
        call_id = item.get("call_id")
        _result_message(acc, call_names.get(call_id) if isinstance(call_id, str) else None, item.get("output"), where)
    elif kind in ("custom_tool_call", "custom_tool_call_output"):
        acc.uncounted.append(f"{where}: {kind} (a custom tool) has no measured rule; not counted")
    elif kind == "item_reference":
        acc.uncounted.append(f"{where}: item_reference points at a stored item; not counted")
    else:
        acc.uncounted.append(f"{where}: item of type {quoted(kind)} not counted")


# --------------------------------------------------------------------------- tools


def _function_list(tools: Any, key: str, acc: _Acc) -> list[Mapping[str, Any]]:
    """The function definitions among ``tools`` (Chat, Responses or legacy ``functions`` shape)."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise RequestError(f"'{key}' must be a list")
    out: list[Mapping[str, Any]] = []
    for i, tool in enumerate(tools, 1):
        if not isinstance(tool, _MAPPING):
            raise RequestError(f"{key} {i} is not a JSON object")
        kind = tool.get("type", "function")
        if kind != "function":
            acc.uncounted.append(f"{key} {i}: built-in tool {quoted(kind)}: no documented token rule; not counted")
            continue
        fn = tool.get("function", tool)  # Chat nests it; Responses and legacy functions do not
        if not isinstance(fn, _MAPPING) or not isinstance(fn.get("name"), str):
            raise RequestError(f"{key} {i}: a function tool needs a 'name'")
        out.append(fn)
    return out


@_bounded
def tool_tokens(functions: Sequence[Mapping[str, Any]], count: Count, *, with_system: bool = False) -> int:
    """Tokens that function definitions add to a request (:mod:`gpt41cost.tooldefs`).

    Each function is ``{"name", "description"?, "parameters"?}`` (the inner object of a Chat
    tool, or a Responses function tool). ``with_system``: the request has a system message,
    so the definitions cost 4 fewer (the line feed it gains is counted with the message).
    """
    acc = _Acc((), count, None, None)
    _tools(acc, functions, with_system)
    return acc.common


def _memo_tools(acc: _Acc, functions: Sequence[Mapping[str, Any]], memo: ToolMemo | None, with_system: bool) -> None:
    if memo is None:
        _tools(acc, functions, with_system)
    else:
        memo.apply(acc, functions)
        if functions:
            acc.const(_tools_constant(with_system), _TOOLS_END)


def _tools(acc: _Acc, functions: Sequence[Mapping[str, Any]], with_system: bool | None = None) -> None:
    """The rendered definitions, plus the constant unless ``with_system`` is None (the memo adds it)."""
    if not functions:
        return
    acc.note(TOOLS_NOTE)
    acc.text(tooldefs.render(functions))
    if with_system is not None:
        acc.const(_tools_constant(with_system), _TOOLS_END)


def _tools_constant(with_system: bool) -> int:
    return tooldefs.TOOLS_OVERHEAD + (tooldefs.TOOLS_WITH_SYSTEM if with_system else 0)


def _has_system(messages: Sequence[Any]) -> bool:
    return any(isinstance(m, _MAPPING) and m.get("role") == "system" for m in messages)


def _chat_tool_choice(acc: _Acc, body: Mapping[str, Any], functions: Sequence[Mapping[str, Any]]) -> None:
    if not functions:
        return
    choice = body.get("tool_choice")
    if choice is None:
        legacy = body.get("function_call")
        if isinstance(legacy, _MAPPING):
            name = legacy.get("name")
            if isinstance(name, str):
                acc.const(tooldefs.CHOICE_NAMED_FUNCTION, _CHOICE_MARK)
                acc.text(name)
            return
        choice = legacy
    _tool_choice(acc, choice, "tool_choice")


def _tool_choice(acc: _Acc, choice: Any, key: str) -> None:
    """``auto`` (or none given) adds nothing; ``none``/``required`` and a named function do."""
    if choice is None or choice == "auto":
        return
    acc.note(TOOLS_NOTE)
    if choice == "none":
        acc.const(tooldefs.CHOICE_NONE, _CHOICE_MARK)
    elif choice == "required":
        acc.const(tooldefs.CHOICE_REQUIRED, _CHOICE_MARK)
    elif isinstance(choice, _MAPPING) and choice.get("type", "function") == "function":
        inner = choice.get("function")
        name = inner.get("name") if isinstance(inner, _MAPPING) else choice.get("name")
        if not isinstance(name, str):
            raise RequestError(f'\'{key}\' names no function: give {{"type": "function", ..."name": ...}}')
        acc.const(tooldefs.CHOICE_NAMED_TOOL, _CHOICE_MARK)
        acc.text(name)
    else:
        acc.uncounted.append(f"{key} {_json_text(choice)[:60]}: no measured rule; not counted")


def _call_message(acc: _Acc, calls: Sequence[tuple[str, str]]) -> None:
    """An assistant turn that calls one function, or several at once (multi_tool_use.parallel)."""
    acc.note(TOOLS_NOTE)
    if len(calls) == 1:
        name, arguments = calls[0]

        def fill() -> None:
            acc.text(name)
            acc.text(arguments)
            acc.const(tooldefs.CALL_OVERHEAD, _CALL_MARK)

        _message_frame(acc, "assistant", None, fill)
    else:
        acc.const(tooldefs.PARALLEL_OVERHEAD, _CALL_MARK)
        acc.text(tooldefs.parallel_text(calls))


def _result_message(acc: _Acc, name: str | None, content: Any, where: str) -> None:
    """A tool result: the overhead, the function's name (found by its call id) and the content."""
    acc.note(TOOLS_NOTE)
    acc.const(tooldefs.RESULT_OVERHEAD, _RESULT_MARK)
    if name is None:
        acc.note(f"{where}: a tool result that answers no earlier call is counted without a function name")
    else:
        acc.text(name)
    _content(acc, content, where)


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
