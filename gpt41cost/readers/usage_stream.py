"""A usage JSON document (not JSONL) read as a stream, in memory that does not grow with it.

A Usage API page, a saved series of pages, or a pretty-printed array of responses can be a
gigabyte; parsed whole, such a document took four to five times its size in memory (a 1 GB
array of Chat Completions responses: 4.7 GB). Here it is walked as the events of a streaming
parser (ijson, its yajl2 C backend), and only what one record needs is ever built: each response
of a list, each result of a bucket. The lists that hold the records (the document's own list, a
page's ``data``, a bucket's ``results``) are never built; their items are counted as they end.
Nor is the value of a key no rule reads (:data:`READ_KEYS`: a response's choices, its output
text); a value a rule reads (a record's ``usage``, a Batch line's ``error``) is built whole, so
one hostile record holding a huge one still grows with it. A document written on one line is
read from that line, which the caller holds (``usage._read_json``), or, a line longer than
``usage.FIRST_LINE_BYTES``, from its start read so far and the rest of the stream.

The rules are :func:`~gpt41cost.readers.usage.consume`'s, and give the same figures and the same
bad records:

- a key given twice is seen as it comes (the parser reports every key), so no second parse;
- what decides how a list is read (a page's ``"object": "page"``, a bucket's ``start_time``) may
  come after the list, and a page with ``"data"`` twice or a bucket with a bad ``start_time`` is
  refused whole: so the records of such a list are held apart, in totals of their own
  (:class:`_Scope`: memory in proportion to the groups they fall in, never to the records, but
  for one id hash per record while de-duplicating, up to ``MAX_IDS``), and
  added only when the object that holds the list ends and is read as the list's page or bucket;
- the whole document is such a part: a document that turns out not to be JSON half-way counts
  nothing, as before;
- what orjson reads, this reads alike: bytes that are not UTF-8 as U+FFFD, a number too large
  for a double as ``inf``, an integer past 64 bits as a float; nesting past 1,024 levels (orjson's
  limit) is not JSON.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any, Protocol

import ijson

from ..errors import quoted
from ..usage import Accumulator, GroupKey, Skip, UsageRecord
from .repeats import LoneSurrogate, Obj
from .usage import (
    ENVELOPE_KEYS,
    RESULT_KEYS,
    Sink,
    _Bad,
    _BatchFailed,
    _day,
    _is_bucket,
    _is_page,
    _MoreValues,
    _StrictStop,
    add_result,
    bucket_day,
    consume,
    consume_record,
    count_apart,
    data_where,
    item_where,
    page_refusal,
)


class Readable(Protocol):
    """What the document is read from: a file, stdin, or a stream over one."""

    def read(self, size: int = -1, /) -> bytes: ...


#: Bytes read from the document at a time.
READ_BYTES = 1 << 16
#: The deepest nesting read (orjson's limit: a document nested deeper is not JSON to it either).
MAX_DEPTH = 1024
#: The longest stretch of a document read with no value or key ending in it: one string (or number)
#: longer than this is refused. yajl reads a token cut across the blocks it is given again from its
#: start at each block, so while no value ends each read asks for as many bytes as are open already
#: (READ_BYTES, then doubling): linear time (a 30 MB string: 2.4 CPU s in 64 KiB blocks, 0.2 so).
#: A real record's longest string (a 1M-token prompt: about 4 MB) is well under it.
TOKEN_BYTES = 32 << 20

# What a frame of the walk is: an object or list built whole (a part of one record), an object
# read as one value of the document (a page, a bucket or a record), a list whose items are such
# values (the document's own list, a page's data), a bucket's list of results.
_OBJECT, _VALUE, _LIST, _ITEMS, _DATA, _RESULTS = range(6)
_DONE = object()  # what a value frame hands its list: nothing, it counted itself


class _Scope:
    """Records of one part of the document, held apart until the part is known to count: totals
    of their own and the response ids met in them; :meth:`commit` adds them to the part around it
    (at the top, to the reader's totals), and a part refused is simply dropped."""

    __slots__ = ("acc", "day_known", "ids", "line", "parent", "sink")

    def __init__(self, sink: Sink, parent: _Scope | None = None, line: int | None = None) -> None:
        self.acc = Accumulator(long_threshold=sink.acc.long_threshold)
        self.line: int | None = parent.line if parent is not None else line  # the line bad records name
        self.ids: set[int] = set()
        self.parent = parent
        self.sink = sink
        self.day_known = True  # results: False while their bucket's start_time is still to come

    def _first(self, response_id: str) -> bool:
        """As :meth:`_Seen.first`, with the ids of the parts still held counted in."""
        seen = self.sink.seen
        if seen is None:
            return True
        h = hash(response_id)
        held = 0
        scope: _Scope | None = self
        while scope is not None:
            if h in scope.ids:
                self.acc.duplicates += 1
                return False
            held += len(scope.ids)
            scope = scope.parent
        if h in seen.hashes or h in seen.prior:
            self.acc.duplicates += 1
            return False
        if len(seen.hashes) + held < seen.limit:
            self.ids.add(h)
        else:
            self.acc.unchecked += 1
        return True

    def add(self, r: UsageRecord) -> None:
        if r.response_id and not self._first(r.response_id):
            return
        self.acc.add(r)

    def bad(self, exc: Exception, where: str = "") -> None:
        if isinstance(exc, _BatchFailed):
            if exc.line_id and not self._first(exc.line_id):
                return
            self.acc.fail_batch(exc.code)
        elif isinstance(exc, _Bad):
            self.acc.skip(Skip(self.sink.source, self.line, exc.reason, exc.detail))
        else:
            count_apart(exc, self.acc, self.add)

    def commit(self, day: int | None = None) -> None:
        """Add this part to the one around it; ``day``: its results' day, when it came after them."""
        if not self.day_known:
            _set_day(self.acc, day)
        if self.parent is not None:
            self.parent.acc.merge(self.acc, spent=True)
            self.parent.ids |= self.ids
            return
        sink = self.sink
        if sink.strict and self.acc.bad.first:
            raise _StrictStop(self.acc.bad.first[0])
        sink.acc.merge(self.acc, spent=True)
        if sink.seen is not None:
            sink.seen.hashes |= self.ids


def _set_day(acc: Accumulator, day: int | None) -> None:
    """Put the Usage API results in ``acc`` (counted before their bucket's start_time came) on ``day``."""

    def on_day(groups: dict[GroupKey, list[int]]) -> dict[GroupKey, list[int]]:
        return {(k[0], k[1], k[2], day, k[4], k[5], k[6]): g for k, g in groups.items()}

    acc.groups = on_day(acc.groups)
    acc.long_priority = on_day(acc.long_priority)


class _Frame:
    __slots__ = ("again", "key", "kind", "n", "objects", "scope", "streams", "value", "where", "whole")

    def __init__(self, kind: int, value: Any, scope: _Scope, where: str = "") -> None:
        self.kind = kind
        self.value = value
        self.scope = scope
        self.where = where
        self.key = ""
        self.n = 0
        self.again: set[str] | None = None  # keys met more than once
        self.objects: dict[str, int] | None = None  # for those: how many times an object was the value
        self.streams: dict[str, _Scope] | None = None  # a value frame's lists read as they came
        self.whole = False  # built whole, every key: a value a message shows (RENDERED_KEYS)


#: A high surrogate's escape not followed by a low one's (``\\ud800x``): an escape unless its
#: backslash is itself escaped (``"\\\\ud800"``: a backslash, then ``ud800``).
_LONE_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")
_PAIR_BYTES = 12  # the escapes of a surrogate pair: what is kept of a chunk to be read with the next
_HALF = f"not valid JSON: {LoneSurrogate()}"  # in the words of repeats.LoneSurrogate


class _Utf8:
    """The document's bytes with what is not UTF-8 read as U+FFFD (as orjson's parse here reads
    it, :func:`~gpt41cost.readers.usage.loads`); ASCII chunks pass as they are. A string escaping
    a lone high surrogate (``"\\ud800"``) is refused as orjson refuses it (yajl reads it as ``?``)."""

    def __init__(self, first: bytes, stream: Readable) -> None:
        self.first = first
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.read_to = self.read_from = 0  # bytes of the document handed out: all, before the last read
        self.tail = b""  # the end of the bytes handed out, not yet scanned for a lone high surrogate
        self.mark = 0  # read_to when the parser last ended a value or key (:func:`_walk` sets it)

    def _lone_high(self, data: bytes) -> None:
        """Raise :class:`_Bad` if ``data`` (the next bytes; none: the end) completes the escape of a
        lone high surrogate; keep its last bytes (an escape cut off, or a pair's first half) for the next."""
        text = self.tail + data if self.tail else data
        if not data:
            end = len(text)
        else:
            end = len(text) - _PAIR_BYTES  # what follows an escape before it is all here
            if end <= 0:
                self.tail = text
                return
            if text[end - 1] == 0x5C:  # the scan resumes at a backslash pair's start, not inside one
                run = end - len(text[:end].rstrip(b"\\"))
                end -= run & 1
            self.tail = text[end:]
        pos = 0
        while (m := _LONE_HIGH.search(text, pos)) is not None and (at := m.start()) < end:
            i = at  # the backslashes before it (``text`` starts at none's second half): even, it escapes
            while i and text[i - 1] == 0x5C:
                i -= 1
            if not (at - i) & 1:
                raise _Bad("bad_file", _HALF)
            pos = at + 1

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if size > 0:  # no value ended in the last ``waiting`` bytes: read as many again, not past the bound
            waiting = self.read_to - self.mark
            size = max(size, min(waiting, TOKEN_BYTES + 1 - waiting))
        data, self.first = (self.first, b"") if self.first else (self.stream.read(size), b"")
        self.read_from = self.read_to
        self.read_to += len(data)
        if self.read_to - self.mark > TOKEN_BYTES and data:
            mib = TOKEN_BYTES >> 20
            raise _Bad(
                "bad_file",
                f"no value ends in the {mib} MiB after byte {self.mark:,}: a string that long is no usage record",
            )
        self._lone_high(data)
        if data.isascii() and not self.decoder.getstate()[0]:
            return data
        return self.decoder.decode(data, final=not data).encode()


def _one_line(exc: Exception, source: _Utf8) -> str:
    """yajl's message (three lines: what, the text around it, a pointer) as one line, with where:
    the text around it and the bytes it is among (the parser reads them a block at a time)."""
    text = str(exc)
    if text.startswith(("b'", 'b"')):  # yajl's message as bytes
        text = text[2:-1].replace("\\n", "\n")
    what, _, rest = text.partition("\n")
    what, near = " ".join(what.split()), " ".join(rest.partition("\n")[0].split())
    if what.endswith("premature EOF"):
        return f"the document ends before it is complete (cut off?) at byte {source.read_from:,}"
    where = f" near {quoted(near[:60])}" if near else ""
    return f"{what.rstrip('.')}{where}, in bytes {source.read_from:,}-{source.read_to:,}"


def read_document(first: bytes, stream: Readable, sink: Sink, line: int | None = None) -> None:
    """Count the usage records of the JSON document that starts with ``first`` (its first line,
    already read) and goes on in ``stream``; ``line``: the line its bad records name (a document
    written on one line). Raises :class:`_Bad` (``bad_file``) when it is not JSON, and counts
    nothing of it then."""
    root = _Scope(sink, line=line)
    source = _Utf8(first, stream)
    doc = _Frame(_ITEMS, None, root)  # stands for the document: never handed a value
    try:
        _walk(ijson.basic_parse(source, use_float=False, buf_size=READ_BYTES), doc, source)
    except ijson.JSONError as exc:
        # a whole JSON value, then more: the values of a JSONL file (or JSON text after the document)
        bad = _MoreValues if doc.n else _Bad
        raise bad("bad_file", f"not valid JSON: {_one_line(exc, source)}") from None
    except UnicodeDecodeError:  # yajl's text for a lone low surrogate ("\udfff"), which orjson refuses too
        raise _Bad("bad_file", _HALF) from None
    root.commit()


#: Every key whose value :func:`~gpt41cost.readers.usage.consume` reads, at any depth (it reads
#: only these, by name, with ``.get`` and ``in``). The value of any other key is never built: the
#: object holds None for it (the key is there, as ``in`` and a truth test see it), which spares
#: building the bulk of a response (its choices, messages, output text, tools).
READ_KEYS = frozenset(
    (
        *ENVELOPE_KEYS,
        *RESULT_KEYS,
        "api_key_id", "batch", "cached_tokens", "code", "completion_tokens", "created", "created_at",
        "custom_id", "data", "error", "has_more", "id", "input_tokens_details", "prompt_tokens",
        "prompt_tokens_details", "results", "start_time", "status_code", "usage",
        # a LiteLLM spend-log row's metadata, where its cached tokens are (readers.usage._spend_log_cached)
        "metadata", "usage_object", "additional_usage_values",
        # a Langfuse observation's counts by usage type (readers.usage._langfuse_counts)
        "usageDetails",
    )
)  # fmt: skip


#: The keys whose whole value a bad record's words may show (a Batch line's ``status_code`` or
#: error ``code``, a token count that is not a number): built whole, nothing in them left out.
RENDERED_KEYS = frozenset(
    (
        "status_code", "code", "prompt_tokens", "completion_tokens", "input_tokens", "output_tokens",
        "cached_tokens", "num_model_requests", "input_cached_tokens",
    )
)  # fmt: skip


def _walk(events: Iterator[tuple[str, Any]], top: _Frame, source: _Utf8) -> None:
    """Count the document's values as ``events`` come; ``top``: the document's frame (its ``n``:
    the values of the document that ended)."""
    root = top.scope
    stack: list[_Frame] = []
    skip = 0  # depth inside a value that is not read (READ_KEYS)
    for event, v in events:
        source.mark = source.read_to
        if skip:
            if event == "start_map" or event == "start_array":
                skip += 1
                if len(stack) + skip > MAX_DEPTH:
                    raise _Bad("bad_file", f"not valid JSON: nested deeper than {MAX_DEPTH:,} levels")
            elif event == "end_map" or event == "end_array":
                skip -= 1
                if not skip:
                    _set(top, None)
            continue
        if event == "map_key":
            top.key = v
            continue
        kind = top.kind
        if event == "start_map" or event == "start_array":
            if len(stack) >= MAX_DEPTH:  # this one would be the 1,025th level
                raise _Bad("bad_file", f"not valid JSON: nested deeper than {MAX_DEPTH:,} levels")
            if kind <= _VALUE and not top.whole and top.key not in READ_KEYS:  # a value no rule reads
                skip = 1
                continue
            is_map = event == "start_map"
            if kind in (_ITEMS, _DATA):  # a value of the document
                where = _where(top) if stack else ""
                frame = _Frame(_VALUE, Obj(), top.scope, where) if is_map else _Frame(_ITEMS, None, top.scope, where)
            elif kind == _VALUE and not is_map and (top.key == "data" or top.key == "results"):
                frame = _held(top)
            else:
                frame = _Frame(_OBJECT, Obj(), root) if is_map else _Frame(_LIST, [], root)
                frame.whole = top.whole or (kind <= _VALUE and top.key in RENDERED_KEYS)
            stack.append(top)
            top = frame
            continue
        if event == "end_map" or event == "end_array":
            frame, top = top, stack.pop()
            if kind <= _VALUE:
                obj = frame.value
                if frame.again is not None:
                    obj.again = frozenset(frame.again)
                    obj.objects = frozenset(k for k, n in frame.objects.items() if n > 1)  # type: ignore[union-attr]
                if kind == _OBJECT:
                    v = obj
                else:
                    _value_ends(frame, obj)
                    v = _DONE
            elif kind == _LIST:
                v = frame.value
            elif kind == _ITEMS:
                v = _DONE
            else:  # a page's data or a bucket's results: the object holds them as [] already
                continue
            kind = top.kind
        elif event == "number" and (type(v) is not int or not -(1 << 63) <= v < 1 << 64):
            v = float(v)  # as orjson reads it: a float unless an integer in 64 bits
        # hand the value that ended to the frame that holds it
        if kind <= _VALUE:
            if top.key in top.value:
                _set(top, v)
            else:
                top.value[top.key] = v
        elif kind == _LIST:
            top.value.append(v)
        elif kind == _RESULTS:
            if top.value is not _DONE:
                add_result(v, top.value, top.scope.add, top.scope.bad, top.where, top.n)
            top.n += 1
        else:  # _ITEMS, _DATA: a scalar is a bad record; an object or list counted itself
            if v is not _DONE:
                consume(v, top.scope.add, top.scope.bad, _where(top) if stack else "")
            top.n += 1


def _where(frame: _Frame) -> str:
    """Where the next item of the list ``frame`` (the document's items, or a page's data) is."""
    return item_where(frame.where, frame.n) if frame.kind == _ITEMS else data_where(frame.where, frame.n)


def _held(top: _Frame) -> _Frame:
    """The frame for the list under ``top.key`` ("data" or "results") of the value ``top``: its
    items read as they come, their records held apart until ``top`` ends."""
    scope = _Scope(top.scope.sink, top.scope)
    if top.streams is None:
        top.streams = {}
    top.streams[top.key] = scope
    if top.key == "data":
        frame = _Frame(_DATA, None, scope, top.where)
    else:
        frame = _Frame(_RESULTS, None, scope, top.where)
        if "start_time" not in top.value:
            scope.day_known = False  # the day is put on them when it comes
        else:
            try:
                frame.value = _day(top.value["start_time"])
            except _Bad:  # the bucket is refused for it (if a bucket): its results unread
                frame.value = _DONE
    _set(top, [])  # the list as the object holds it: empty (no rule reads a list it holds)
    return frame


def _set(frame: _Frame, v: Any) -> None:
    """``frame.value[frame.key] = v``, noting a key met before (the last value is kept, as every
    parser keeps it, in the place of the first)."""
    obj, key = frame.value, frame.key
    if key in obj:
        if frame.again is None:
            frame.again, frame.objects = set(), {}
        if key not in frame.again:
            frame.again.add(key)
            frame.objects[key] = isinstance(obj[key], dict)  # type: ignore[index]
        frame.objects[key] += isinstance(v, dict)  # type: ignore[index]
    obj[key] = v


def _value_ends(frame: _Frame, obj: dict[str, Any]) -> None:
    """An object read as a value of the document ended: count it as consume would, with the
    lists it held read as they came (their parts added now, if it is their page or bucket)."""
    scope, where, streams = frame.scope, frame.where, frame.streams
    if streams is None:
        consume(obj, scope.add, scope.bad, where)
    elif _is_page(obj):
        refusal = page_refusal(obj, where)
        if refusal is not None:
            scope.bad(refusal, where)
        else:
            streams["data"].commit()
    elif _is_bucket(obj):
        try:
            day = bucket_day(obj, where)
        except _Bad as exc:
            scope.bad(exc, where)
            return
        results = streams.get("results")
        if results is not None and isinstance(obj.get("results"), list):
            results.commit(day)
    else:
        consume_record(obj, scope.add, scope.bad, where)
