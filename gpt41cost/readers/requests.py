"""Request-shaped files: Chat / Responses request bodies, Batch API input, fine-tuning data,
JSONL prompt sets and image files, read into :class:`~gpt41cost.measure.Measured` records.

Which inputs are read as which kind is decided in :mod:`gpt41cost.readers.inputs` (the
extension first); :func:`detect_kind` tells a data file's kind from its content:

==========  =================================================================================
kind        content
==========  =================================================================================
chat        one JSON object with ``messages``, or one JSON array of messages
responses   one JSON object with ``input`` (and optional ``instructions``)
batch       JSONL whose lines are ``{"custom_id", "method", "url", "body"}``
finetune    JSONL of ``{"messages": [...]}`` lines (optionally ``tools``), no ``custom_id``, the
            first with an assistant message (without one it is no training example; a later
            line without one is a bad line)
prompts     JSONL whose lines are JSON strings, ``{"prompt": "..."}`` objects, message arrays or
            request bodies (``messages`` with no assistant message: told from the content, a
            later line ending with one, as a fine-tuning example, is a bad line; ``input``); or
            one JSON array of strings or
            ``{"prompt": "..."}`` objects
image       a PNG, JPEG, GIF or WebP file (by its magic bytes)
==========  =================================================================================

JSONL files are streamed line by line (a file is never held in memory whole). A bad line
raises :class:`InputError` naming the file and line; with an ``on_error`` callback the
error is handed to it instead and reading goes on with the next line.
"""

from __future__ import annotations

import io
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import IO, Any, BinaryIO

import orjson

from .. import images as img
from ..batch import body_for_other_url
from ..cache import PrefixHashes
from ..catalog import Catalog
from ..errors import Gpt41CostError, InputError, ParameterError, Uncountable, slot, source_name
from ..measure import KINDS, Measured
from ..requests import (
    PartialImage,
    RequestCount,
    RequestError,
    ToolMemo,
    UncountableRequest,
    count_chat,
    count_messages,
    count_request,
    count_responses,
    refuse_empty_messages,
)
from ..tokens import MAX_RUN_CHARS
from .files import BOM, regular_size
from .repeats import TooDeep, first_repeat, twice_at
from .text import READING_FLAGS, Advice

#: Bytes a caller should pass to :func:`detect_kind` (see :func:`read_head`).
HEAD_BYTES = 64 * 1024
#: How far :func:`read_head` reads to find the end of a long first JSONL line.
FIRST_LINE_LIMIT = 64 * 1024 * 1024
#: The endpoints a Batch API input line may name (docs/accounting.md §8).
BATCH_URLS = ("/v1/chat/completions", "/v1/responses")
BATCH_METHOD = "POST"
#: Token ids kept in the encode memo before it is cleared (bounds memory; ~4 bytes each, and
#: the texts they are of).
MEMO_TOKENS = 250_000

#: How often (in bytes read) a JSONL reader reports progress.
PROGRESS_BYTES = 1 << 20
#: Receives each bad line's error when reading should go on (``--skip-bad``).
OnError = Callable[[InputError], None]


class Skippable(Advice):
    """A bad input ``--skip-bad`` skips, whose message says to pass it (``slot('skip_bad')``: the API's
    ``skip_bad=True``, the CLI's ``--skip-bad``). Skipped, it is recorded as ``skipped`` says,
    without that advice: the user passed it, and being told to pass it reads as if it were not
    taken."""


def as_skipped(exc: InputError) -> InputError:
    """``exc`` as a skipped input's record (:meth:`Advice.skipped`, or itself)."""
    return exc.skipped() if isinstance(exc, Advice) else exc


class BadDocument(Skippable):
    """A data file (one JSON document) that cannot be counted: it does not parse, gives a key
    twice, or holds a request OpenAI rejects (or gpt41cost will not count); ``--skip-bad`` skips
    the file, as it skips a bad line of a JSONL file."""


_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_REQUEST_KINDS = tuple(k for k in KINDS if k != "text")

#: How a file read as ``image`` is counted (an inference, stated in the README).
IMAGE_FILE_RULE = (
    "an image file counts as one user message holding the image at detail auto: "
    "the image's tokens plus the chat overhead (3 per message + 'user' + 3 reply priming)"
)
#: How a fine-tuning example is counted.
FINETUNE_RULE = (
    "a fine-tuning example counts as a chat request of its messages and tools (reply priming included); "
    "its input_tokens and training_tokens are that count"
)
#: How JSON lines of ``messages`` are told apart (:func:`has_assistant`), shown by ``rules``.
CONVERSATION_RULE = (
    "JSON lines of messages are fine-tuning examples when the first holds an assistant message (OpenAI's check "
    "of fine-tuning data calls an example without one a format error); lines without one (an evals samples "
    "file) are chat requests' inputs, each counted as its messages (a conversation ending with the user's message "
    "too); a later line that disagrees with the first (an example without an assistant message, or a line ending "
    "with one, as an example does, among chat requests) is a bad line, and --as says which the file is"
)


@dataclass
class BatchFacts:
    """What the batch pre-flight needs, gathered while a Batch input file is streamed.

    Line numbers are 1-based physical lines of the file. Blank lines are skipped and not
    counted in ``lines``.
    """

    source: str = ""
    lines: int = 0  # non-blank lines (requests OpenAI would see)
    file_bytes: int = 0  # size of the file in bytes (summed from the lines read if not a regular file)
    requests: int = 0  # lines that were measured
    models: dict[str, int] = field(default_factory=dict)  # model as written -> lines naming it
    model_first_line: dict[str, int] = field(default_factory=dict)  # model as written -> first line
    urls: dict[str, int] = field(default_factory=dict)  # url as written -> lines naming it
    missing_ids: list[int] = field(default_factory=list)  # lines without a string custom_id
    # of those, the lines that give one, each with its value as JSON text (101, null, ["x"], "")
    id_values: dict[int, str] = field(default_factory=dict)
    # (line, method, url), each as written (JSON text if not a string)
    bad_method_url: list[tuple[int, str, str]] = field(default_factory=list)
    # (line, url) of each line whose body is written for the other endpoint (batch.body_for_other_url)
    body_for_other_url: list[tuple[int, str]] = field(default_factory=list)
    non_json_lines: list[int] = field(default_factory=list)  # lines that are not valid JSON
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # every rejected line: (line, message)
    #: lines gpt41cost will not count (its own limit or rule, errors.Uncountable: a run too long
    #: to tokenize, a key given twice), not OpenAI's rejections
    uncountable: list[tuple[int, str]] = field(default_factory=list)
    #: (custom_id, line, first line it was used on) for each repeat, by line.
    duplicate_ids: list[tuple[str, int, int]] = field(default_factory=list)
    # custom_id -> the line it was first used on (a batch holds at most 50,000 requests)
    _first_line: dict[str, int] = field(default_factory=dict, repr=False)

    def merge(self, part: BatchFacts) -> None:
        """Take in the facts of the next part of the file (read apart, its lines numbered as
        in the whole file), as if one pass had read both."""
        self.source = part.source or self.source
        self.lines += part.lines
        self.requests += part.requests
        for model, n in part.models.items():
            self.models[model] = self.models.get(model, 0) + n
        for model, line in part.model_first_line.items():
            self.model_first_line.setdefault(model, line)
        for url, n in part.urls.items():
            self.urls[url] = self.urls.get(url, 0) + n
        self.missing_ids += part.missing_ids
        self.id_values.update(part.id_values)
        self.bad_method_url += part.bad_method_url
        self.body_for_other_url += part.body_for_other_url
        self.non_json_lines += part.non_json_lines
        self.bad_lines += part.bad_lines
        self.uncountable += part.uncountable
        first = self._first_line
        repeats = [(cid, line, first.get(cid, seen)) for cid, line, seen in part.duplicate_ids]
        for cid, line in part._first_line.items():
            seen = first.setdefault(cid, line)
            if seen != line:
                repeats.append((cid, line, seen))
        self.duplicate_ids += sorted(repeats, key=lambda d: d[1])

    def see_custom_id(self, custom_id: object, line: int, given: bool = True) -> None:
        """Note the line's ``custom_id``; ``given``: the line has the key (its value may be null)."""
        if not isinstance(custom_id, str) or not custom_id:
            self.missing_ids.append(line)
            if given:
                self.id_values[line] = _as_text(custom_id)
            return
        first = self._first_line.setdefault(custom_id, line)
        if first != line:
            self.duplicate_ids.append((custom_id, line, first))


# --------------------------------------------------------------------------- detection


def read_head(source: str, size: int = HEAD_BYTES, limit: int = FIRST_LINE_LIMIT) -> bytes:
    """The first bytes of ``source`` for :func:`detect_kind`: ``size`` of them, or more when
    the file starts with JSON whose first line is longer, up to where a second line starts
    (at most ``limit`` bytes), so a JSONL file with long lines is told from one JSON object.
    """
    with _open(source) as fh:
        return read_head_from(fh, size, limit)


def read_head_from(fh: IO[bytes], size: int = HEAD_BYTES, limit: int = FIRST_LINE_LIMIT) -> bytes:
    """:func:`read_head` of an open stream (a gzip file, say)."""
    head = bytearray(fh.read(size))
    while bytes(head[:64]).lstrip(BOM + b" \t\r\n")[:1] in (b"{", b"[") and len(head) < limit:
        nl = head.find(b"\n")
        if nl >= 0 and head[nl:].strip():
            break
        more = fh.read(size)
        if not more:
            break
        head += more
    return bytes(head)


def detect_kind(source: str, head: bytes) -> str | None:
    """The kind of request file ``head`` (the file's first bytes) starts, or None for plain text.

    ``source`` is only used in messages. Pass at least :data:`HEAD_BYTES` bytes (or the
    whole file if shorter): a pretty-printed JSON object is classified by its top-level keys
    as far as the head shows them.
    """
    del source
    if head.startswith(_IMAGE_MAGICS) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text[0] not in '{["':
        return None
    scan = _scan_first(text)
    if text[0] == '"':
        return "prompts"
    if text[0] == "[":
        if scan.more:
            return "prompts"
        # a bare messages array opens with a message; an array of request bodies, of messages
        # arrays or of prompts is told from all of it (a prompts list, or text)
        first = text[1:].lstrip(" \t\r\n")
        return "chat" if first[:1] == "{" and "role" in _scan_first(first).keys else None
    keys = scan.keys
    if "custom_id" in keys or {"method", "url", "body"} <= keys:
        return "batch"
    if "messages" in keys:
        if not scan.more:
            return "chat"
        return "finetune" if _trains(text[: scan.end]) else "prompts"
    if "input" in keys:
        return "prompts" if scan.more else "responses"  # JSON lines of inputs: prompts, as for messages
    return None


def _key(raw: str) -> str:
    """A key as JSON means it: ``\\u006dessages`` is ``messages`` (as every parser reads it)."""
    if "\\" not in raw:
        return raw
    try:
        return str(orjson.loads(f'"{raw}"'))
    except orjson.JSONDecodeError:
        return raw


@dataclass(frozen=True)
class _Scan:
    keys: frozenset[str]  # top-level keys of the first value, if it is an object
    more: bool  # another JSON value follows the first on a later line (JSONL)
    end: int | None = None  # where the first value ends, when the text shows it


#: What :func:`_scan_first` looks at, found by the regex engine: a string's opening quote (its
#: end is found by :func:`_string_end`), a run of opening or of closing brackets, a comma. What
#: lies between them (numbers, colons, spaces) does not matter.
_TOKEN = re.compile(r'"|[{\[]+|[}\]]+|,')


def _string_end(text: str, at: int) -> int:
    """Where the closing quote of the string whose text starts at ``at`` is, or -1 if ``text``
    ends inside it. ``str.find`` jumps to each quote, so the work grows with the quotes in the
    string, not with its length or its escapes (``\\u00a0`` a million times is one look); a
    quote is the string's end unless an odd run of backslashes comes before it."""
    while True:
        quote = text.find('"', at)
        if quote <= at or text[quote - 1] != "\\":
            return quote
        before = text[at:quote]  # the run of backslashes cannot reach back past the previous quote
        if (len(before) - len(before.rstrip("\\"))) % 2 == 0:
            return quote
        at = quote + 1


def _scan_first(text: str) -> _Scan:
    """Top-level keys of the first JSON value in ``text``, tolerating bad or cut-off JSON."""
    keys: set[str] = set()
    depth = 0
    top = text[0]
    want_key = False
    end: int | None = None
    at = 0
    while (m := _TOKEN.search(text, at)) is not None:
        start, stop = m.span()
        ch = text[start]
        if ch == '"':
            close = _string_end(text, stop)
            if close < 0:  # cut off inside a string
                break
            stop = close + 1
            if depth == 1 and want_key:
                keys.add(_key(text[start + 1 : stop - 1]))
                want_key = False
            elif depth == 0:
                end = stop
                break
        elif ch in "{[":
            if depth == 0:
                want_key = ch == "{"
            depth += stop - start
        elif ch in "}]":
            if stop - start >= depth:  # the first value ends at the depth-th of them
                end = start + max(depth, 1)
                break
            depth -= stop - start
        elif depth == 1:  # a comma
            want_key = top == "{"
        at = stop
    more = False
    if end is not None:
        rest = text[end:]
        nl = rest.find("\n")
        more = nl >= 0 and bool(rest[nl:].strip()) and not rest[:nl].strip()
    return _Scan(frozenset(keys), more, end)


def has_assistant(value: Any) -> bool:
    """Does ``value`` (a JSONL line) hold a ``messages`` list with an assistant message? A
    fine-tuning example must (openai/openai-cookbook, ``examples/Chat_finetuning_data_prep.ipynb``,
    counts each example without one as ``example_missing_assistant_message``, a format error); a
    conversation without one is a Chat request's input."""
    messages = value.get("messages") if isinstance(value, dict) else None
    return isinstance(messages, list) and any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)


def ends_answered(value: Any) -> bool:
    """Does ``value`` (a JSONL line) look like a fine-tuning example: a ``messages`` list whose
    last message is the assistant's (the answer it trains on)? A conversation whose last message
    is the user's (or a tool's) is a Chat request's input, whatever answers it holds before."""
    messages = value.get("messages") if isinstance(value, dict) else None
    return (
        isinstance(messages, list)
        and bool(messages)
        and isinstance(messages[-1], dict)
        and messages[-1].get("role") == "assistant"
    )


def opens_conversation(head: bytes) -> bool:
    """Does ``head`` (a JSONL file's first bytes) open with a ``{"messages": ...}`` line? Then
    the file is fine-tuning data or chat requests, and its first line says which."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text[:1] == "{" and "messages" in _scan_first(text).keys


def _trains(first: str) -> bool:
    """Is ``first`` (the first line of a JSONL file of ``messages`` objects) a fine-tuning
    example? Yes when it holds an assistant message, or cannot be read here (as before)."""
    try:
        return has_assistant(orjson.loads(first))
    except orjson.JSONDecodeError:
        return True


# --------------------------------------------------------------------------- reading


def read_requests(
    source: str,
    kind: str,
    catalog: Catalog,
    *,
    image_size: img.ImageSize | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    step: int | None = None,
    on_error: OnError | None = None,
    facts: BatchFacts | None = None,
    stream: BinaryIO | None = None,
    on_bytes: Callable[[int], None] | None = None,
    span: tuple[int, int, int] | None = None,
    items: Sequence[Any] | None = None,
    conversations: bool = False,
) -> Iterator[Measured]:
    """Yield one :class:`Measured` per request in ``source`` read as ``kind``.

    ``image_size`` is the size to assume for remote images (``--image-size``); ``base_dir``
    is where relative image paths start (default: the file's directory); ``step`` is the
    cache block size (default: the catalog's ``cache_step_tokens``). ``on_error``, if
    given, receives the InputError of each bad JSONL line and reading continues; without
    it the first bad line raises. ``facts``, if given, is filled while a batch file is read.
    ``stream``, if given, is read instead of opening ``source`` (e.g. stdin, with ``source``
    "-" or "stdin" used in messages). ``on_bytes``, if given, hears how many bytes of a JSONL
    file have been read, about every megabyte (for a progress bar). ``span`` =
    ``(start, end, first_line)`` reads only the JSONL lines starting in bytes [start, end),
    numbering them from ``first_line`` (for reading one file on several cores). ``items``, with
    ``kind`` prompts: the items of a prompts list that is one JSON array, parsed already (the
    file is not read again). ``conversations``: ``kind`` is prompts because the file's first line
    is ``{"messages": ...}`` without an assistant message (told from the content, not forced by
    ``--as``); then a line that looks like a fine-tuning example (its last message the
    assistant's: :func:`ends_answered`) disagrees with the first line and is a bad line; a
    conversation ending with the user's message is a chat request like the first. In a
    fine-tuning file a line without any assistant message is a bad line however the kind was chosen.
    """
    if kind not in _REQUEST_KINDS:
        raise ValueError(f"read_requests reads {', '.join(_REQUEST_KINDS)}, not {kind!r}")
    ctx = _Context(
        source=source,
        catalog=catalog,
        image_size=image_size,
        base_dir=Path(base_dir) if base_dir is not None else Path(source).resolve().parent,
        step=step or catalog.cache_step_tokens,
        stream=stream,
    )
    try:
        if kind in ("chat", "responses"):
            yield _read_document(ctx, kind)
        elif kind == "image":
            yield _read_image(ctx)
        elif kind == "prompts" and items is not None:
            yield from _prompt_items(ctx, items, on_error)
        else:
            facts = facts if facts is not None else BatchFacts()
            yield from _read_jsonl(ctx, kind, on_error, facts, on_bytes, span, conversations)
    finally:
        _memo.recent.clear()


@dataclass
class _Context:
    source: str
    catalog: Catalog
    image_size: img.ImageSize | None
    base_dir: Path
    step: int
    stream: BinaryIO | None = None
    models: tuple[str, ...] = field(init=False)  # the catalog's base models, read once
    tool_memo: ToolMemo = field(default_factory=ToolMemo)
    known_models: set[str] = field(default_factory=set)  # model names that resolved already
    prefix_hashes: PrefixHashes = field(default_factory=PrefixHashes)

    line: int | None = None  # the line being counted (named in an image's error)
    tier: str | None = None  # the service_tier of the body counted last (a string), else None
    cache_min: int = field(init=False)  # the catalog's cache minimum (tokens), read once
    where: str = field(init=False)  # the source as messages name it (errors.source_name: stdin)

    def __post_init__(self) -> None:
        self.where = source_name(self.source)
        self.models = tuple(self.catalog.models)
        self.cache_min = self.catalog.cache_min_tokens
        # the same arguments for every request: made once, not per line
        self._kw: dict[str, Any] = {
            "models": self.models,
            "count": _count,
            "encode": _encode,
            "images": self._image_tokens,
            "tool_memo": self.tool_memo,
        }

    def open(self) -> AbstractContextManager[IO[bytes]]:
        return nullcontext(self.stream) if self.stream is not None else _open(self.source)

    def _image_tokens(self, part: Mapping[str, Any]) -> Mapping[str, int] | PartialImage | str:
        """An image part of the request on :attr:`line`: its tokens per model, why not counted, or
        both (:class:`PartialImage`: counted on some models only, as count_request counts each)."""
        where = self._at(self.line).removesuffix(": ")
        out: dict[str, int] = {}
        first_why: str | None = None
        for model in self.models:
            try:
                tokens, why = img.image_part_tokens(part, model, self.base_dir, self.image_size, source=where)
            except ValueError as exc:  # a catalog model with no image rule
                return str(exc)
            if tokens is None:
                first_why = first_why or why or "image size unknown"
            else:
                out[model] = tokens
        if first_why is None:
            return out
        return PartialImage(out, first_why) if out else first_why

    def count(self, body: Any, line: int | None, how: str) -> RequestCount:
        """Count one request body; ``how`` is chat, responses, messages or auto (by shape). The
        body's ``service_tier`` (a string) is kept for the request :meth:`measured` makes next."""
        self.line = line
        tier = body.get("service_tier") if isinstance(body, dict) else None
        self.tier = tier if isinstance(tier, str) else None
        kw = self._kw
        chat = how != "responses" and isinstance(body, dict)
        try:
            refuse_empty_messages(body, how)  # as gpt41cost.count_request does
            if how == "messages":
                return count_messages(body, **kw)
            if how == "chat" or (chat and how == "auto" and "messages" in body):  # as count_request would
                return count_chat(body, **kw)
            if how == "responses":
                return count_responses(body, **kw)
            return count_request(body, **kw)
        except RequestError as exc:
            kind = Uncountable if isinstance(exc, Uncountable) else InputError
            raise kind(f"{self._at(line)}{exc.message}") from None

    def _at(self, line: int | None) -> str:
        return f"{self.where}: line {line}: " if line is not None else f"{self.where}: "

    def check_model(self, model: str, line: int | None) -> None:
        """Refuse a model the catalog cannot resolve (the caller skips those already known)."""
        try:
            self.catalog.resolve(model)
        except Gpt41CostError as exc:
            raise InputError(f"{self._at(line)}{exc.message}") from None
        self.known_models.add(model)

    def measured(
        self,
        rc: RequestCount,
        kind: str,
        line: int | None,
        *,
        custom_id: str | None = None,
        training_tokens: int | None = None,
    ) -> Measured:
        model, tokens = rc.model, rc.input_tokens
        if model is not None and model not in self.known_models:
            self.check_model(model, line)
        # A request under the cache minimum on every model can neither hit nor leave a usable
        # prefix (cache detection only keeps blocks from the minimum on): no blocks.
        cached = max(tokens.values(), default=0) >= self.cache_min
        hashes = rc.cache_hashes(self.step, self.prefix_hashes) if cached else None
        return Measured(
            source=self.source,
            kind=kind,
            input_tokens=tokens,
            line=line,
            model=model,
            max_output_tokens=rc.max_output_tokens,
            custom_id=custom_id,
            uncounted=rc.uncounted,
            cache_blocks=None if hashes is None else hashes[0],
            training_tokens=training_tokens,
            choices=rc.choices,
            cache_prompts=None if hashes is None else hashes[1],
            extended_cache=rc.extended_cache,
            responses_n=rc.responses_n,
            service_tier=self.tier,
        )


def _open(source: str) -> IO[bytes]:
    from .files import open_input

    return open_input(source)


def _json_error(exc: orjson.JSONDecodeError) -> str:
    msg = exc.msg
    if msg == "unexpected end of data":
        msg += " (truncated?)"
    return f"{msg} at column {exc.colno}"


def _key_twice(text: bytes, value: Any) -> str | None:
    """Why a request ``text`` (``value``: orjson's parse of it) is refused when it gives a key twice
    (``messages``, ``max_tokens``, a message's ``content``...): JSON parsers keep the last, and
    which one OpenAI would read is unclear. None when it gives none. The caller raises it, led by
    the file (and line), as :class:`Uncountable`, as it raises a text nested too deep to check:
    gpt41cost's own rule and limit, not a rejection OpenAI documents, so a Batch line refused here
    is a bad line (exit 3, ``--skip-bad`` skips it), never a pre-flight finding. Asked of a
    request document and of each line of a JSONL file (Batch, fine-tuning, prompts)."""
    try:
        found = first_repeat(text, value)
    except TooDeep as exc:
        return str(exc)
    return None if found is None else twice_at(found, "to count")


def _read_document(ctx: _Context, kind: str) -> Measured:
    with ctx.open() as fh:
        data = fh.read().removeprefix(BOM)
    if not data.strip():
        raise InputError(f"{ctx.where}: empty file; expected a {kind} request (JSON)")
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        jsonl = exc.msg.startswith("unexpected content after")
        hint = f"; a JSONL file? pass {slot('read_as')}" if jsonl else ""
        raise BadDocument(
            f"{ctx.where}: line {exc.lineno} is not valid JSON: {_json_error(exc)}{hint}",
            values={"read_as": "batch, finetune or prompts"},
            api={"read_as": "read_as='batch', 'finetune' or 'prompts'"},
        ) from None
    try:
        twice = _key_twice(data, body)
        if twice is not None:
            raise Uncountable(f"{ctx.where}: {twice}")
        if kind == "chat":
            if isinstance(body, list):
                rc = ctx.count(body, None, "messages")
            elif isinstance(body, dict) and "messages" in body:
                rc = ctx.count(body, None, "chat")
            else:
                raise InputError(f"{ctx.where}: not a Chat Completions request: no 'messages' list")
        else:
            if not isinstance(body, dict) or "input" not in body:
                raise InputError(f"{ctx.where}: not a Responses API request: no 'input'")
            rc = ctx.count(body, None, "responses")
    except InputError as exc:
        # a key given twice, or a request OpenAI rejects (an empty 'messages' list...): as a bad Batch line is
        raise BadDocument(f"{exc.message}, or pass {slot('skip_bad')} to skip the file", skipped=exc.message) from None
    return ctx.measured(rc, kind, None)


def _read_image(ctx: _Context) -> Measured:
    if ctx.stream is not None:
        size = img.image_size_from_bytes(ctx.stream.read(), ctx.where)
    else:
        size = img.image_size_from_file(ctx.source)
    part: dict[str, Any] = {"type": "image_url", "image_url": {"url": Path(ctx.source).resolve().as_uri()}}
    tokens = {m: img.image_tokens(m, size.width, size.height, "auto") for m in ctx.models}
    why = img.refused(size, "it")  # an animated GIF: not counted, as in a request
    rc = count_messages(
        [{"role": "user", "content": [part]}],
        models=ctx.models,
        count=_count,
        encode=_encode,
        images=lambda _part: why or tokens,
    )
    if why is not None:  # the message holding the file is the reader's own: not named in the reason
        rc = rc._replace(uncounted=tuple(u.removeprefix("message 1 part 1: ") for u in rc.uncounted))
    return ctx.measured(rc, "image", None)


def _read_jsonl(
    ctx: _Context,
    kind: str,
    on_error: OnError | None,
    facts: BatchFacts,
    on_bytes: Callable[[int], None] | None = None,
    span: tuple[int, int, int] | None = None,
    conversations: bool = False,
) -> Iterator[Measured]:
    facts.source = ctx.source
    seen = 0
    pending = 0  # bytes read but not yet reported to on_bytes
    with ctx.open() as fh:
        size = regular_size(fh)
        if size is not None:
            facts.file_bytes = size  # exact even when reading stops at a bad line
        lines: Iterable[bytes] = fh if span is None else _span_lines(fh, span[0], span[1])
        if kind == "prompts" and span is None:
            items, lines = _prompt_array(ctx, fh)
            if items is not None:  # one JSON array of prompts (never empty): each item a request
                seen += len(items)
                yield from _prompt_items(ctx, items, on_error)
        for n, raw in enumerate(lines, 1 if span is None else span[2]):
            if size is None:
                facts.file_bytes += len(raw)
            if on_bytes is not None:
                pending += len(raw)
                if pending >= PROGRESS_BYTES:
                    on_bytes(pending)
                    pending = 0
            if n == 1:
                raw = raw.removeprefix(BOM)
            if raw[:1] in b" \t\n\r\x0b\x0c" and not raw.strip():  # blank (what strip() removes, only)
                continue
            seen += 1
            if kind == "batch":
                facts.lines += 1
            _memo.recent.clear()  # ids kept from the previous line
            try:
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    if kind == "batch":
                        facts.non_json_lines.append(n)
                    raise InputError(f"{ctx.where}: line {n} is not valid JSON: {_json_error(exc)}") from None
                twice = _key_twice(raw, obj)
                if twice is not None:
                    raise Uncountable(f"{ctx.where}: line {n}: {twice}")
                if kind == "batch":
                    m = _batch_line(ctx, obj, n, facts)
                    facts.requests += 1
                elif kind == "finetune":
                    m = _finetune_line(ctx, obj, n)
                else:
                    if conversations and ends_answered(obj):  # the first line has no answer: it decided the kind
                        raise Advice(
                            f"{ctx.where}: line {n}: ends with an assistant message, as a fine-tuning example does, "
                            "where the first line has none (a chat request): fine-tuning data (each example needs "
                            f"one) or chat requests? say which with {slot('read_as')} or {slot('read_as')}",
                            values={"read_as": (as_value("finetune", ctx.source), as_value("prompts", ctx.source))},
                        )
                    m = _prompt_line(ctx, obj, n)
            except InputError as exc:
                if kind == "batch":  # a pre-flight finding, unless the limit is gpt41cost's own
                    (facts.uncountable if isinstance(exc, Uncountable) else facts.bad_lines).append((n, _recorded(exc)))
                if on_error is None:
                    raise
                on_error(as_skipped(exc))
                continue
            yield m
    if not seen and span is None:
        raise InputError(f"{ctx.where}: empty file; expected {kind} JSONL (one JSON value per line)")


def _recorded(exc: InputError) -> str:
    """A Batch line's error as its pre-flight finding reads: report text, worded as the command line
    words it (a parameter the message names as its flag, :data:`~gpt41cost.readers.text.READING_FLAGS`,
    through :meth:`ParameterError.named`), as a skipped input's record is (:meth:`Advice.skipped`)."""
    return exc.named(lambda p: READING_FLAGS.get(p, p)) if isinstance(exc, ParameterError) else exc.message


def _span_lines(fh: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    """The lines of ``fh`` that start in bytes [start, end); ``start`` is a line start. The range is
    read at once (a few MB: :func:`gpt41cost.readers.pool.spans`) and cut into lines in C."""
    fh.seek(start)
    data = fh.read(max(end - start, 0))
    if data and not data.endswith(b"\n"):
        data += fh.readline()  # the last line starts in the range: all of it
    return iter(io.BytesIO(data))


def _batch_line(ctx: _Context, obj: Any, n: int, facts: BatchFacts) -> Measured:
    if not isinstance(obj, dict):
        raise InputError(f"{ctx.where}: line {n}: a batch line must be a JSON object")
    custom_id = obj.get("custom_id")
    facts.see_custom_id(custom_id, n, "custom_id" in obj)
    method, url = obj.get("method"), obj.get("url")
    if isinstance(url, str):
        facts.urls[url] = facts.urls.get(url, 0) + 1
    if method != BATCH_METHOD or url not in BATCH_URLS:
        facts.bad_method_url.append((n, _as_text(method), _as_text(url)))
    body = obj.get("body")
    if not isinstance(body, dict):
        raise InputError(f"{ctx.where}: line {n}: no 'body' object (the request)")
    if isinstance(url, str) and body_for_other_url(url, body):
        facts.body_for_other_url.append((n, url))
    model = body.get("model")
    if isinstance(model, str):
        facts.models[model] = facts.models.get(model, 0) + 1
        facts.model_first_line.setdefault(model, n)
    # The body's shape decides how it is counted; a wrong url (or one for another body) is a finding.
    rc = ctx.count(body, n, "auto")
    return ctx.measured(rc, "batch", n, custom_id=custom_id if type(custom_id) is str else None)


def _finetune_line(ctx: _Context, obj: Any, n: int) -> Measured:
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
        raise InputError(f"{ctx.where}: line {n}: a fine-tuning example needs a 'messages' list")
    # OpenAI's check rejects the file (example_missing_assistant_message); an empty list is refused below
    if obj["messages"] and not has_assistant(obj):
        raise Advice(
            f"{ctx.where}: line {n}: a fine-tuning example needs an assistant message, the answer it trains on "
            f"(OpenAI's check of fine-tuning data rejects the file); chat requests? pass {slot('read_as')}",
            values={"read_as": as_value("prompts", ctx.source)},
        )
    rc = ctx.count(obj, n, "chat")._replace(segments=None)  # training is not served from a cache
    training = max(rc.input_tokens.values(), default=0)
    return ctx.measured(rc, "finetune", n, training_tokens=training)


def as_value(kind: str, source: str) -> str:
    """The ``read_as`` value (the CLI's ``--as``) that reads ``source`` as ``kind`` (by its file
    name: a glob matches it)."""
    return kind if source in ("-", "stdin") else f"{kind}={os.path.basename(source)}"


def prompt_text(value: Any) -> str | None:
    """The text of a prompts-list entry that is one: a JSON string, or ``{"prompt": "..."}``
    (an eval set's line; its other keys are not sent). None for anything else."""
    if isinstance(value, dict):
        value = value.get("prompt")
    return value if isinstance(value, str) else None


def prompt_item(value: Any) -> bool:
    """Is ``value`` a request of a prompts file's one JSON array: a prompt's text
    (:func:`prompt_text`), a messages array, or a request body (``messages``, or ``input`` with
    the ``model`` a request names: a data set's records hold an ``input`` too, ``{"instruction",
    "input", "output"}`` or ``{"input": [0.1, 0.2], "target": 1}``, and such an array is text)?"""
    if isinstance(value, list):
        return bool(value) and all(isinstance(m, dict) and "role" in m for m in value)
    if isinstance(value, dict) and (
        isinstance(value.get("messages"), list) or ("input" in value and isinstance(value.get("model"), str))
    ):
        return True
    return prompt_text(value) is not None


def is_prompt_array(value: Any) -> bool:
    """Is ``value`` (a whole JSON document) a prompts list: a non-empty array whose every item
    is one request of a prompts file (:func:`prompt_item`): prompt strings, ``{"prompt": ...}``
    objects, request bodies (``[{"model": ..., "messages": [...]}, ...]``) or messages arrays?"""
    return isinstance(value, list) and bool(value) and all(prompt_item(v) for v in value)


def _first_array(first: bytes) -> tuple[bool, list[Any] | None]:
    """May a prompts file whose first non-blank line is ``first`` be one JSON array of prompts
    (read whole, not line by line)? When the line opens an array that is one (given back, parsed),
    or does not parse (an array over several lines, maybe)."""
    first = first.removeprefix(BOM).strip()
    if not first.startswith(b"["):
        return False, None
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        return True, None
    return (True, value) if is_prompt_array(value) else (False, None)


def may_be_prompt_array(head: bytes) -> bool:
    """:func:`_first_array` of a file's head (:func:`read_head`): such a file is not read in ranges."""
    for line in head.removeprefix(BOM).splitlines():
        if line.strip():
            return _first_array(line)[0]
    return False


def _prompt_array(ctx: _Context, fh: IO[bytes]) -> tuple[list[Any] | None, Iterable[bytes]]:
    """A prompts file that is one JSON array of prompts (:func:`is_prompt_array`), read whole:
    its items, or None and the file's lines to read as JSONL (a first line that is a JSON value
    other than such an array, or a file that is no such array, as before). The array is parsed
    once: with its first line when it is all there. A file that is one other JSON document over
    several lines (pretty-printed) is refused as that (:func:`_one_document`), not by its line 1."""
    seen: list[bytes] = []
    for raw in fh:
        seen.append(raw)
        if raw.strip():
            break
    array, value = _first_array(b"".join(seen))
    if not array:
        first = b"".join(seen).removeprefix(BOM).strip()
        if not first.startswith(b"{") or _parses(first):
            return None, chain(seen, fh)  # JSONL (a first line of messages, say)
        array = False  # an object over several lines, maybe: read whole below, as an array is
    rest = fh.read()
    if value is not None:  # the whole array on its first line
        if rest.strip(b" \t\r\n"):
            return None, chain(seen, io.BytesIO(rest))
        _refuse_twice(ctx, b"".join(seen).removeprefix(BOM), value)
        return value, ()
    data = b"".join(seen) + rest
    try:
        value = orjson.loads(data.removeprefix(BOM))
    except orjson.JSONDecodeError:
        return None, io.BytesIO(data)
    if array and is_prompt_array(value):
        _refuse_twice(ctx, data.removeprefix(BOM), value)
        return value, ()
    raise _one_document(ctx, value)


def _refuse_twice(ctx: _Context, text: bytes, value: Any) -> None:
    """A prompts list whose items give a key twice is refused as a request document that does is
    (:func:`_key_twice`): which of the two OpenAI would read is unclear."""
    twice = _key_twice(text, value)
    if twice is not None:
        said = f"{ctx.where}: {twice}"
        raise BadDocument(f"{said}, or pass {slot('skip_bad')} to skip the file", skipped=said)


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _one_document(ctx: _Context, value: Any) -> BadDocument:
    """A prompts file that is one JSON document over several lines other than a prompts list: what
    it is and how to read it (a request as its kind, anything else as one prompt)."""
    kind = line_kind(value, alone=True)
    kind = kind if kind in ("chat", "responses") else "text"
    what = {"chat": "a Chat Completions request", "responses": "a Responses API request"}.get(kind) or (
        no_prompt_item(value) or "no prompt or request"
    )
    how = "read it as one" if kind != "text" else "count it as one prompt"
    said = f"{ctx.where}: one JSON document over several lines ({what}), not JSON lines of prompts"
    return BadDocument(
        f"{said}; pass {slot('read_as')} to {how}, or {slot('skip_bad')} to skip the file",
        values={"read_as": as_value(kind, ctx.source)},
        skipped=f"{said}; pass {slot('read_as')} to {how}",
    )


#: A JSONL line of ``messages`` with no assistant message: no training example, a Chat request's input.
CONVERSATION = "conversation"
#: A JSONL line of ``messages`` with an assistant message before its last (the user's, a tool's):
#: a fine-tuning example (OpenAI's check asks for one assistant message), or a Chat request's input.
ANSWERED = "answered"


def line_kind(value: Any, *, alone: bool = False) -> str | None:
    """The request shape of one JSON value: as a line of JSON lines (batch, finetune, prompts,
    :data:`CONVERSATION`, :data:`ANSWERED`), or ``alone``, as a whole document (batch, chat,
    responses); None for no request's shape. The one rule the kinds are told by."""
    if isinstance(value, dict):
        if "custom_id" in value or {"method", "url", "body"} <= value.keys():
            return "batch"
        if isinstance(value.get("messages"), list):
            if alone:
                return "chat"
            if not has_assistant(value):
                return CONVERSATION
            return "finetune" if ends_answered(value) else ANSWERED
        if "input" in value:  # a Responses body; JSON lines of them are prompts, as in a data file
            return "responses" if alone else "prompts"
        if isinstance(value.get("prompt"), str) and not alone:  # {"prompt": "..."}: an eval set's line
            return "prompts"
        return None
    if isinstance(value, list):
        if value and all(isinstance(m, dict) and "role" in m for m in value):
            return "chat" if alone else "prompts"
        return None
    if isinstance(value, str) and not alone:
        return "prompts"
    return None


def no_prompt_item(value: Any) -> str | None:
    """Why the JSON array ``value`` is no prompts list: its first item that is no prompt or request
    (:func:`prompt_item`; None when ``value`` is no array). Said in the reason, so a list with one bad
    item is seen."""
    if not isinstance(value, list):
        return None
    for n, item in enumerate(value, 1):
        if not prompt_item(item):
            what = (
                'an object without a "prompt" string, "messages", or "input" and its "model"'
                if isinstance(item, dict)
                else "an array that is no messages array"
                if isinstance(item, list)
                else "null"
                if item is None
                else "true or false"
                if isinstance(item, bool)
                else "a number"
            )
            return f"an array whose item {n} is {what}, not a prompt or a request"
    return None


def _prompt_items(ctx: _Context, items: Iterable[Any], on_error: OnError | None = None) -> Iterator[Measured]:
    """The requests of a prompts list's items (one JSON array): each one request (``on_error``
    takes a bad item, as it takes a bad line, or it is raised)."""
    for i, item in enumerate(items, 1):
        _memo.recent.clear()  # ids kept from the previous item
        try:
            m = _prompt_line(ctx, item, None, i)
        except InputError as exc:
            if on_error is None:
                raise
            on_error(as_skipped(exc))
            continue
        yield m


def _prompt_line(ctx: _Context, obj: Any, n: int | None, item: int | None = None) -> Measured:
    """One request of a prompts file: line ``n``, or ``item`` of its one JSON array."""
    text = prompt_text(obj)
    if text is not None and (not text or text.isspace()):  # as a blank prompt file is refused
        if item is None:  # the bad line's hint follows (inputs.BAD_LINE_ADVICE)
            raise InputError(f"{ctx.where}: line {n}: an empty prompt, nothing to send")
        what = f"{ctx.where}: item {item} of the JSON array: an empty prompt, nothing to send"
        raise Skippable(f"{what}; remove it, or pass {slot('skip_bad')} to count the other items", skipped=what)
    if text is not None:  # counts as plain text, like a prompt file
        ids = _encode(text)
        tokens = dict.fromkeys(ctx.models, len(ids))
        rc = RequestCount(None, tokens, None, segments=(ids,))
        return ctx.measured(rc, "prompts", n)
    if isinstance(obj, list) or (isinstance(obj, dict) and ("messages" in obj or "input" in obj)):
        how = "messages" if isinstance(obj, list) else "auto"
        if item is None:
            return ctx.measured(ctx.count(obj, n, how), "prompts", n)
        try:
            return ctx.measured(ctx.count(obj, None, how), "prompts", None)
        except InputError as exc:  # named by the item, as a line is
            what = f"{ctx.where}: item {item} of the JSON array: {exc.message.removeprefix(f'{ctx.where}: ')}"
            raise Skippable(
                f"{what}; fix it, or pass {slot('skip_bad')} to count the other items", skipped=what
            ) from None
    raise InputError(
        f'{ctx.where}: line {n}: a prompts line must be a JSON string, a {{"prompt": "..."}} object, a list of '
        "messages or a request body (messages or input)"
    )


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


# --------------------------------------------------------------------------- token ids


#: Strings, and their characters in all, whose token counts one generation of that memo holds
#: before a new one starts (two are kept): it pays for the texts that repeat (system prompts,
#: roles, tools) and fills up with the ones that do not, so it is kept small (each reading
#: process has one).
MEMO_STRINGS = 25_000
MEMO_CHARS = 500_000


class _Memo:
    """What the reader remembers of texts it counted (each reading process has one): token
    counts, token ids of texts encoded (bounded by :data:`MEMO_TOKENS`), and the ids of the
    texts counted for the request being read (cleared after each record: when the request
    turns out long enough to be cached, its stream reuses them instead of encoding again)."""

    def __init__(self) -> None:
        self.ids: dict[str, Sequence[int]] = {}
        self.ids_tokens = 0
        self.counts = _Counts()  # this generation (the one object: :func:`_count` is its lookup)
        # The generation before: a text found there moves back to ``counts``, so the texts that
        # keep coming (a long system prompt) outlive the many that come once. When the memo was
        # simply cleared, each long prompt was encoded again after every clear (~7% of the
        # characters encoded on the benchmark Batch file).
        self.older: dict[str, int] = {}
        self.counts_chars = 0
        self.recent: dict[str, bytes | memoryview] = {}

    def remember(self, text: str, n: int) -> None:
        counts = self.counts
        if len(counts) >= MEMO_STRINGS or self.counts_chars + len(text) > MEMO_CHARS:
            self.older = dict(counts)
            counts.clear()
            self.counts_chars = 0
        counts[text] = n
        self.counts_chars += len(text)


class _Counts(dict[str, int]):
    """The memo's token counts of this generation. A text not in it is taken from the generation
    before or counted (``__missing__``, Python), so a text counted before costs one lookup in C:
    the reader asks about 9 times a Batch line (roles, contents, system prompts)."""

    def __missing__(self, text: str) -> int:
        memo = _memo
        n = memo.older.get(text)
        if n is None:
            if len(text) > MAX_RUN_CHARS:
                _refuse_long_run(text)
            raw = _raw_encoder()(text)
            memo.recent[text] = raw
            n = len(raw) // 4
        memo.remember(text, n)
        return n


_memo = _Memo()
#: Tokens of a text, remembered (batch files repeat system prompts, roles and tools).
_count: Callable[[str], int] = _memo.counts.__getitem__


def _encode(text: str) -> Sequence[int]:
    """o200k_base token ids of ``text`` as a compact array, memoised (long system prompts repeat)."""
    memo = _memo
    hit = memo.ids.get(text)
    if hit is not None:
        return hit
    raw = memo.recent.get(text)
    if raw is None and len(text) > MAX_RUN_CHARS:
        _refuse_long_run(text)
    ids: array[int] = array("I")
    ids.frombytes(raw if raw is not None else _raw_encoder()(text))
    if memo.ids_tokens + len(ids) > MEMO_TOKENS:
        memo.ids.clear()
        memo.ids_tokens = 0
    memo.ids[text] = ids
    memo.ids_tokens += len(ids)
    if text not in memo.counts:
        memo.remember(text, len(ids))
    return ids


def _refuse_long_run(text: str) -> None:
    """A string of a request with a run too long to tokenize is a request gpt41cost will not
    count: its own limit, not OpenAI's (the reader adds the file and line)."""
    from ..tokens import run_problem

    problem = run_problem(text, lines=False)
    if problem is not None:
        raise UncountableRequest(problem)


@lru_cache(maxsize=1)
def _raw_encoder() -> Callable[[str], bytes | memoryview]:
    """A function from text to its token ids as native uint32 bytes (encode_ordinary semantics)."""
    from ..tokens import get_encoding

    enc = get_encoding()
    core = enc._core_bpe
    if hasattr(core, "encode_to_tiktoken_buffer"):
        return lambda text: memoryview(core.encode_to_tiktoken_buffer(text, set())).cast("B")
    return lambda text: array("I", enc.encode_ordinary(text)).tobytes()  # older tiktoken
