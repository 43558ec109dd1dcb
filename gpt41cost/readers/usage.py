"""Usage files -> :class:`~gpt41cost.usage.Accumulator`, streaming, formats told apart by content.

Reads (docs/accounting.md §8, §10):

- JSONL of Chat Completions or Responses API responses, bare or inside a logging envelope that
  holds the response under ``response``, ``result``, ``completion``, ``output``, ``data`` or ``body``;
- one JSON response, or a JSON array of them;
- Batch API output files (usage under ``response.body``); failed and expired lines are counted
  apart, never priced;
- Usage API pages (``/v1/organization/usage/completions``): one page, a JSON array, or JSONL of pages;
- usage dashboard CSV exports, the current one (``num_model_requests``, ``input_tokens``, ...)
  and the older one (``n_context_tokens_total``, ``n_generated_tokens_total``, ...);
- rows of a LiteLLM proxy's spend logs (and Helicone's request rows, cached input from their
  ``prompt_cache_read_tokens``), and
  Langfuse observations (``usageDetails``, else a ``usage`` in tokens), each one request, all
  read by the full parse (:func:`_spend_log_record`, :func:`_langfuse_counts`).

Files, directories (recursively, hidden files skipped), gzip (detected by its magic bytes) and
``-`` for stdin. Bad records are skipped and counted with their file and line; ``strict`` turns the
first into an :class:`~gpt41cost.errors.InputError`.

Speed. JSONL is read in large chunks that end at a newline; a large plain file is cut into byte
ranges at newlines, one per core, each scanned by its own process (``os.pread``, no copy twice)
and the totals merged. Each line of a chunk is decoded by msgspec into typed structs of only the
fields ``usage`` reads (those of the block's kind when all its records are alike, see :func:`_add_typed`;
else :class:`_Line`), which checks the whole line's syntax and the UTF-8 of the
strings it decodes (not of those it skips: bytes that are not UTF-8 in text usage does not read
are read as U+FFFD, on the full parse too, see :func:`loads`). The records
of a chunk are then summed per (model, service tier, day) column by column with C-level
builtins. A line msgspec refuses (not JSON, a string it decodes not UTF-8, a field of another type or out of its
range) and a record the typed fields cannot price exactly as the reference would (an envelope,
a Usage API page, a failed Batch request, more cached than input tokens, a TIME_KEYS value that
is no time) get the full parse
(orjson), which is the reference.

Besides :func:`read_usage`, the units the tests hold to one another are public: the reference
(:func:`full_parse`, built on :func:`loads`, :func:`with_pairs` and :func:`consume`), the typed
path (:data:`DECODER`, :func:`decode_one`, :func:`clean`), the scans over a :class:`Sink`
(:func:`scan_lines`, :func:`scan_stream`), a process's work (:class:`Piece`) and the gzip reader
(:class:`Inflate`).
"""

from __future__ import annotations

import collections
import csv
import datetime as _dt
import gzip
import io
import itertools
import json
import math
import mmap
import os
import re
import sys
import threading
import zlib
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from itertools import compress, repeat
from operator import add, attrgetter, floordiv, is_, is_not, itemgetter, le, lshift, or_
from struct import pack
from typing import IO, Annotated, Any, BinaryIO, Generic, Literal, TypeVar

import msgspec
import orjson
from msgspec import UNSET, Meta, Struct, UnsetType
from msgspec.structs import replace
from zlib_ng import zlib_ng

from .. import readers as _package
from ..catalog import Catalog
from ..errors import STDIN, InputError, InputParameterError, Skipped, quoted, slot, source_name
from ..measure import PRIORITY_TIERS, priority_excludes
from ..numbers import LIMIT, REQUESTS, TOKENS, NumberError, parse_count
from ..report import counted
from ..usage import (
    BAND_LIMIT,
    BAND_SHIFT,
    BAND_TOKENS,
    FIRST_SECOND,
    LAST_SECOND,
    PAIR_FLOOR,
    ROW_TIME_KEYS,
    SECONDS_PER_DAY,
    TIME_KEYS,
    Accumulator,
    Calibration,
    GroupKey,
    Skip,
    UsageRecord,
    add_counts,
    add_sums,
    band_key,
    calibrate,
    day_of,
    names_model,
    openai_provider,
)
from . import repeats
from .files import BOM, BadLink, UnreadableDirectory, open_input, stdin_stream
from .pool import executor, line_cuts
from .pool import result as result_of
from .pool import stop as stop_pool
from .repeats import cells_astray, column_twice, repeated, twice
from .text import find_inputs

#: (bytes done, bytes in all (None when reading stdin), records counted so far)
ProgressFn = Callable[[int, int | None, int], None]

GZIP_MAGIC = b"\x1f\x8b"
#: A gzip stream that is cut off or corrupt (zlib-ng inflates, about 6x faster than zlib here).
_GZIP_ERRORS: tuple[type[BaseException], ...] = (EOFError, zlib.error, zlib_ng.error, gzip.BadGzipFile)  # type: ignore[assignment]
#: Bytes read at a time from a JSONL stream.
CHUNK_BYTES = 1 << 20
#: A plain JSONL file at least this big is read by several processes, each a range of it at a time.
PARALLEL_MIN_BYTES = 8 << 20
#: Bytes of a file one process reads at a time (its range) at most; the parent merges ranges in
#: order. Large, as each range's totals and ids cost the parent a merge; the last ones are smaller
#: (:func:`_ranges`), so that the processes finish together.
RANGE_BYTES = 64 << 20
#: Response ids remembered for de-duplication (as 64-bit hashes in a set: about 65 MB a million).
MAX_IDS = 1_000_000
#: Keys under which a logging envelope may hold the API response, tried in this order.
ENVELOPE_KEYS = ("response", "result", "completion", "output", "data", "body")
#: Why a record with no usage object is skipped: what is read, the wrappers' keys with it, so a log
#: whose envelope uses another key can be reshaped (built once: only skipped records say it).
NO_USAGE = (
    "no usage object (expected a Chat Completions or Responses API response, a Batch output line or a "
    f"Usage API page, bare or wrapped under one of the keys {', '.join(ENVELOPE_KEYS)}; a response under "
    "another key is not read: put it under one of those)"
)
MAX_ENVELOPE_DEPTH = 3
COMPLETIONS_RESULT = "organization.usage.completions.result"

# --------------------------------------------------------------------------- the typed decoder

#: Tokens of one request at most: README's range of a request's tokens ("Numbers", numbers.TOKENS),
#: the one bound of a token count in a usage record (:func:`_tok`). A response's count over it is
#: no request's (the largest context window is about 1M); a sum row (a Usage API result, a CSV
#: row) may hold as many per request it sums.
MAX_TOKENS = int(TOKENS.high)
#: Requests one sum row may count at most: README's range of requests (numbers.REQUESTS).
MAX_REQUESTS = int(REQUESTS.high)
#: A count of a JSON record at most, whatever its row sums: 2^64 - 1, the largest integer orjson
#: (and the document stream, alike) reads as one; a larger one comes as a float, inexact (README's
#: ranges: "Numbers", and usage's bad records).
MAX_COUNT = (1 << 64) - 1
PAST_MAX_COUNT = f"out of range, more than {MAX_COUNT:,} (2^64 - 1), the largest count read exactly"
_Num = TypeVar("_Num", int, float)
#: A token count as the reference reads it: a JSON whole number (not a float, not a bool), 0 to
#: :data:`MAX_TOKENS`; a count out of that range takes the reference parse, which refuses it.
_Count = Annotated[int, Meta(ge=0, le=MAX_TOKENS)]
#: A timestamp: a whole number within 64 bits (orjson reads a larger one as a float), or a float.
# A time from 2000 to 2099 in seconds takes the typed path; any other (milliseconds, out of range)
# fails the typed decode and the line takes the reference parse, where day_of reads or refuses it.
_Time = Annotated[int, Meta(ge=FIRST_SECOND, lt=LAST_SECOND)] | Annotated[float, Meta(ge=FIRST_SECOND, lt=LAST_SECOND)]


#: Every struct the generic decoder builds (of the kinds' decoders: the details structs; see
#: :data:`_USAGES`), appended as it is built (``__post_init__``), cleared before each decode. A key
#: repeated with an object both times builds two structs where one is kept, so a block whose count
#: is more than its records reach holds such a record (see :func:`_structs`).
_BUILT: list[Struct] = []


class _Details(Struct, gc=False):
    cached_tokens: _Count | None = None
    __post_init__ = _BUILT.append  # type: ignore[misc]  # a C method: no Python call per struct


class _Usage(Struct, gc=False):
    # absent: ABSENT (-1, which a count cannot be): min() over a column tells it at C speed
    prompt_tokens: _Count = -1
    completion_tokens: _Count = -1
    input_tokens: _Count = -1
    output_tokens: _Count = -1
    prompt_tokens_details: _Details | None = None
    input_tokens_details: _Details | None = None
    __post_init__ = _BUILT.append  # type: ignore[misc]  # a C method: no Python call per struct


class _Line(Struct, gc=False):
    """What ``usage`` reads of one JSONL record: a response (Chat Completions or Responses API),
    or a Batch output line whose ``response.body`` is one. msgspec checks the whole line's syntax
    but builds only these fields; a field of another type fails the decode (the line then takes
    the reference parse)."""

    id: str | None = None
    model: str | UnsetType = UNSET
    usage: _Usage | UnsetType | None = UNSET
    created: _Time | None = None
    created_at: _Time | None = None
    service_tier: str | None = None
    custom_id: Any = UNSET
    response: _BatchResponse | UnsetType | None = UNSET
    error: Any = UNSET
    # TIME_KEYS: a record with one of them and no created/created_at takes the reference parse
    timestamp: Any = UNSET
    at_timestamp: Any = msgspec.field(default=UNSET, name="@timestamp")
    time: Any = UNSET
    ts: Any = UNSET
    startTime: Any = UNSET  # the key's own spelling
    start_time: Any = UNSET
    __post_init__ = _BUILT.append  # type: ignore[misc]  # a C method: no Python call per struct


#: (key, attribute of :class:`_Line`) of each of TIME_KEYS, in their order.
_TIME_ATTRS = tuple(zip(TIME_KEYS, ("timestamp", "at_timestamp", "time", "ts", "startTime", "start_time"), strict=True))


def _line_time(r: _Line) -> tuple[str, Any] | None:
    """:func:`_log_time` of a typed record: the first of TIME_KEYS with a string or number."""
    for key, attr in _TIME_ATTRS:
        value = getattr(r, attr)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):  # not UNSET, not None
            return key, value
    return None


def _log_stamp(body: _Line, line: _Line) -> int | None:
    """For a response without created/created_at: the start (in seconds) of the UTC day of its
    TIME_KEYS, else of its Batch line's (``line``), as the reference reads them; None without
    one; :class:`_Bad` for a value that is no time."""
    got = _line_time(body) or (_line_time(line) if line is not body else None)
    return None if got is None else _log_day(*got) * SECONDS_PER_DAY


class _BatchResponse(Struct, gc=False):
    status_code: int | None = None
    body: _Line | UnsetType | None = UNSET
    __post_init__ = _BUILT.append  # type: ignore[misc]  # a C method: no Python call per struct


#: The typed fast path's decoder: one JSONL line into a :class:`_Line` of only the fields
#: ``usage`` reads (``decode`` for one line, ``decode_lines`` for a block).
DECODER = msgspec.json.Decoder(_Line)


def _structs(r: _Line) -> int:
    """The structs a record reaches: as many as the decoder built for it, unless one of its keys
    with an object value (``usage``, ``response``, ``body``, a ``*_tokens_details``) came twice."""
    n = 1
    u = r.usage
    if isinstance(u, _Usage):
        n += 1 + (u.prompt_tokens_details is not None) + (u.input_tokens_details is not None)
    resp = r.response
    if isinstance(resp, _BatchResponse):
        n += 1
        if isinstance(resp.body, _Line):
            n += _structs(resp.body)
    return n


#: What the typed decoders raise for a line they cannot read (RecursionError: nested past Python's
#: limit, about 1,000 levels): the line gets the full parse, which reads it or says why not.
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError)


# The usual block holds records of one kind only: Chat Completions or Responses API responses, or
# successful Batch output lines of either. Each kind has a decoder of its own, whose structs hold
# only what a clean record of that kind has, every field of it required. A record the reference
# would read otherwise fails the decode: a missing or null count, model, usage or time; a key that
# makes it another kind for the reference (``custom_id``, a Chat count in a Responses usage,
# ``created`` beside ``created_at``); a key the reference checks is not given twice (``response``,
# a line's ``usage``). Such a block then takes the generic decoder (:class:`_Line`). So a clean
# block needs no check of what kind each record is, only the structs built and cached <= input.
# A forbidden key is typed UnsetType: any JSON value there fails the decode. A key given twice
# with an object value builds a struct more: a usage struct for ``usage``, ``response`` and
# ``body`` (each holds exactly one usage, required), a details struct (:data:`_BUILT`) for the
# ``*_tokens_details``; so the records themselves, their responses and bodies need no count.


#: The usage structs of the kinds' decoders in the order they are built: when a block builds one per
#: record, each record holds one, and they are its records' usages, in order (no pass over the
#: records to fetch them).
_USAGES: list[Struct] = []


class _Cached(Struct, gc=False):
    cached_tokens: _Count = 0
    __post_init__ = _BUILT.append  # type: ignore[misc]


class _ChatUsage(Struct, gc=False):
    prompt_tokens: _Count
    completion_tokens: _Count
    prompt_tokens_details: _Cached | None = None
    input_tokens_details: UnsetType = UNSET
    __post_init__ = _USAGES.append  # type: ignore[misc]


class _RespUsage(Struct, gc=False, kw_only=True):
    input_tokens: _Count
    input_tokens_details: _Cached | None = None
    output_tokens: _Count
    prompt_tokens: UnsetType = UNSET
    completion_tokens: UnsetType = UNSET
    prompt_tokens_details: UnsetType = UNSET
    __post_init__ = _USAGES.append  # type: ignore[misc]


#: The service tiers a response names (another takes the generic decoder): as Literal values they
#: decode to one shared string each, cheap to hash and compare when the records are grouped.
_Tier = Literal["default", "priority", "fast", "flex", "scale", "auto"]


# The fields of a kind in the order the API writes its keys (``model_dump_json()``): msgspec looks a
# key up from the field after the last one found, so a key in its expected place is found first
# (about 190 instructions a line fewer on the compact and default logs than with them in another order).


#: A kind's time: any JSON number; one out of :data:`_Time`'s range sends the block to the generic
#: decoder (:func:`_add_kind`, with the bounds the grouping reads anyway, not a check per line).
_AnyTime = int | float


class _Chat(Struct, gc=False, kw_only=True):
    """What ``usage`` reads of a clean Chat Completions response."""

    id: str | None = None
    created: _AnyTime
    model: str
    usage: _ChatUsage
    service_tier: _Tier | None = None
    custom_id: UnsetType = UNSET
    response: UnsetType = UNSET


class _Resp(Struct, gc=False, kw_only=True):
    """What ``usage`` reads of a clean Responses API response."""

    id: str | None = None
    created_at: _AnyTime
    model: str
    service_tier: _Tier | None = None
    usage: _RespUsage
    custom_id: UnsetType = UNSET
    response: UnsetType = UNSET
    created: UnsetType = UNSET


#: The bodies of a block's Batch lines in the order they are built, as :data:`_USAGES` (no pass over
#: the lines to fetch them; a ``body`` key given twice builds one more, and then a usage more too).
_BODIES: list[Struct] = []


class _ChatBody(_Chat, kw_only=True):
    error: None = None  # a Batch body with an error is a failed request
    __post_init__ = _BODIES.append  # type: ignore[misc]


class _RespBody(_Resp, kw_only=True):
    error: None = None
    __post_init__ = _BODIES.append  # type: ignore[misc]


_B = TypeVar("_B", _ChatBody, _RespBody)


class _Ok(Struct, Generic[_B], gc=False):
    status_code: Literal[200]
    body: _B


class _Batch(Struct, Generic[_B], gc=False):
    custom_id: Any
    response: _Ok[_B]
    error: None = None
    usage: UnsetType = UNSET


#: The decoder of each kind, with (is a Batch line, the time field); the kind of the last block
#: that fit is tried first (:func:`_add_typed`).
_KINDS: list[tuple[msgspec.json.Decoder[Any], bool, str]] = [
    (msgspec.json.Decoder(_Chat), False, "created"),
    (msgspec.json.Decoder(_Resp), False, "created_at"),
    (msgspec.json.Decoder(_Batch[_ChatBody]), True, "created"),
    (msgspec.json.Decoder(_Batch[_RespBody]), True, "created_at"),
]
#: Blocks still to go straight to the generic decoder after one that fit no kind (a log of mixed kinds).
_untyped = [0]
#: How many blocks that is.
UNTYPED_BLOCKS = 16
_CACHED = attrgetter("cached_tokens")

#: A kind's decoder (of :data:`_KINDS`) -> (the same kind's decoder that reads ``model`` as one of
#: the names its blocks gave so far, a Literal: one shared string each, not a new one a line, whose
#: hash is kept; those names). Tried first on the kind tried first; a block with a name it lacks
#: fails it and takes the kind's own decoder, which learns the name. None: more than
#: :data:`MAX_LEARNED` names, not learned any more.
_LEARNED: dict[msgspec.json.Decoder[Any], tuple[msgspec.json.Decoder[Any] | None, frozenset[str]]] = {}
MAX_LEARNED = 32
#: The struct each kind's decoder reads, with its Batch body (None: not a Batch line).
_KIND_STRUCTS: dict[msgspec.json.Decoder[Any], tuple[type[Struct], bool]] = {
    _KINDS[0][0]: (_Chat, False),
    _KINDS[1][0]: (_Resp, False),
    _KINDS[2][0]: (_ChatBody, True),
    _KINDS[3][0]: (_RespBody, True),
}


def _learn(decoder: msgspec.json.Decoder[Any], bodies: list[Any]) -> None:
    """Add the model names of a block that ``decoder`` (a kind's own) read to those its learned
    decoder reads (:data:`_LEARNED`)."""
    old, names = _LEARNED.get(decoder, (None, frozenset[str]()))
    if names and old is None:  # too many names already
        return
    got = names.union(map(_MODEL, bodies))
    if got == names:
        return
    if len(got) > MAX_LEARNED:
        _LEARNED[decoder] = (None, got)
        return
    struct, batch = _KIND_STRUCTS[decoder]
    named = msgspec.defstruct(
        struct.__name__ + "Named",
        [("model", Literal[tuple(sorted(got))])],  # type: ignore[misc]
        bases=(struct,),
        kw_only=True,
        gc=False,
    )
    _LEARNED[decoder] = (msgspec.json.Decoder(_Batch[named] if batch else named), got)  # type: ignore[index,valid-type]


def _add_typed(sink: Sink, lines: list[bytes]) -> bool:
    """Decode a block's lines (each with its newline), each one JSON value, with the decoder of one
    kind and add its records column by column; False, adding nothing, when no kind fits all of
    them or a record is not clean (then the block takes the generic decoder). The kind tried first
    is tried with its learned model names first (:data:`_LEARNED`)."""
    named = _LEARNED.get(_KINDS[0][0])
    if named is not None and named[0] is not None:
        _BUILT.clear()
        _USAGES.clear()
        _BODIES.clear()
        try:
            recs = list(map(named[0].decode, lines))
        except _DECODE_ERRORS:
            pass
        else:
            _, batch, time_field = _KINDS[0]
            return _add_kind(sink, recs, len(_BUILT), batch, time_field)
    for i, (decoder, batch, time_field) in enumerate(_KINDS):
        _BUILT.clear()
        _USAGES.clear()
        _BODIES.clear()
        try:
            recs = list(map(decoder.decode, lines))
        except _DECODE_ERRORS:
            continue
        if i:
            _KINDS.insert(0, _KINDS.pop(i))
        _learn(decoder, _BODIES if batch else recs)
        return _add_kind(sink, recs, len(_BUILT), batch, time_field)
    _untyped[0] = UNTYPED_BLOCKS
    return False


def _add_kind(sink: Sink, recs: list[Any], built: int, batch: bool, time_field: str) -> bool:
    """Add a block of records of one kind, column by column (``built``: the details structs the
    decode built); False, adding nothing, when a record holds an object key twice or more cached
    than input tokens."""
    n = len(recs)
    if len(_USAGES) != n or (batch and len(_BODIES) != n):  # an object key twice: usage, response or body
        return False
    usages = _USAGES  # one per record, in order
    bodies = _BODIES if batch else recs  # one per record too: each holds one usage
    if time_field == "created":
        inp, out, details = list(map(_PT, usages)), list(map(_CT, usages)), list(map(_PTD, usages))
    else:
        inp, out, details = list(map(_IT, usages)), list(map(_OT, usages)), list(map(_ITD, usages))
    if all(details):  # a struct is true
        with_details = n
        cached = list(map(_CACHED, details))
    else:
        with_details = n - details.count(None)
        cached = [0 if d is None else d.cached_tokens for d in details] if with_details else [0] * n
    if built != with_details or not all(map(le, cached, inp)):  # more built: a details key twice
        return False
    stamps = list(map(_CREATED if time_field == "created" else _CREATED_AT, bodies))
    span = min(stamps), max(stamps)
    if span[0] < FIRST_SECOND or span[1] >= LAST_SECOND:  # a time out of _Time's range
        return False
    models = list(map(_MODEL, bodies))
    if _blank_model(models):
        return False
    _add_columns(sink, bodies, models, batch, inp, cached, out, stamps, span)
    return True


def _blank_model(models: list[str]) -> bool:
    """Whether a model name of these names no model (:func:`~gpt41cost.usage.names_model`): a bad
    record (:class:`_NoModel`), which the reference parse names. Checked on the distinct names:
    each name's hash is kept by the string, so :func:`_add_rows`, which keys the rows by it, does
    not compute it again."""
    return not all(map(names_model, set(models)))


_ID, _MODEL, _USAGE, _TIER = attrgetter("id"), attrgetter("model"), attrgetter("usage"), attrgetter("service_tier")
_CREATED, _CREATED_AT = attrgetter("created"), attrgetter("created_at")
_CUSTOM_ID, _RESPONSE, _ERROR = attrgetter("custom_id"), attrgetter("response"), attrgetter("error")
_STATUS, _BODY = attrgetter("status_code"), attrgetter("body")
_PT, _CT, _PTD = attrgetter("prompt_tokens"), attrgetter("completion_tokens"), attrgetter("prompt_tokens_details")
_IT, _OT, _ITD = attrgetter("input_tokens"), attrgetter("output_tokens"), attrgetter("input_tokens_details")


class _Bad(Exception):
    """A record that cannot be counted; reason is a key of usage.SKIP_REASONS; ``line``, where the
    reader knows it better than the file's default (a CSV header after blank lines)."""

    def __init__(self, reason: str, detail: str, line: int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.line = line


class _NoModel(_Bad):
    """A record with a usage object but no model name beside it (on the object that holds the
    usage, where a response has it): which prices apply is unknown. Says where the usage was
    found, the envelope keys from the record's top (:meth:`under`), and what ``model`` held."""

    def __init__(self, obj: dict[str, Any]) -> None:
        model = obj.get("model", _NoModel)
        self.what = 'no "model" key' if model is _NoModel else f"model is {orjson.dumps(model).decode()[:40]}"
        self.keys: list[str] = []
        self.wrapper_model = False
        super().__init__("bad_record", self._words())

    def under(self, key: str, wrapper: dict[str, Any]) -> None:
        """The response was found under ``key`` of ``wrapper``."""
        self.keys.insert(0, key)
        self.wrapper_model = self.wrapper_model or "model" in wrapper
        self.detail = self._words()

    def _words(self) -> str:
        at = f" under {'.'.join(self.keys)}" if self.keys else ""
        where = f"in {'.'.join(self.keys)}" if self.keys else "at the record's top level, where the usage is"
        wrapper = (
            "; a wrapper's model is not read: it may name the model asked for, not the one that answered"
            if self.wrapper_model
            else ""
        )
        missing = f"no model name beside it ({self.what} {where}{wrapper})"
        return f"usage found{at}, but {missing}: add the response's model there"


class _MoreValues(_Bad):
    """A file read as one JSON document that holds a whole JSON value and then more: the first
    line of a JSONL file, read whole, and the start of its second (a ``bad_file`` as a document)."""


class _BatchFailed(Exception):
    """A failed or expired Batch request; ``line_id`` is the output line's own ``id``."""

    def __init__(self, code: str, line_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.line_id = line_id


class _ProxyCacheHit(Exception):
    """A LiteLLM spend-log row its proxy answered from its own cache (``cache_hit`` true, ``spend``
    0): the request never reached OpenAI, so it is counted apart (``acc.proxy_cache_hits``), never
    priced."""


class _Uncached(Exception):
    """A record that keeps no cached-token count (a LiteLLM spend-log row, :func:`_spend_log_cached`;
    a Langfuse observation read from its ``usage``, :func:`_langfuse_counts`): its
    ``record``, with none cached, is added and counted (``acc.uncached_rows``), so the report says
    its cost is an upper bound."""

    def __init__(self, record: UsageRecord) -> None:
        super().__init__("no cached-token count")
        self.record = record


class _Ungrouped(Exception):
    """A Usage API result not grouped by batch or service tier (``batch`` null, or ``service_tier``
    null on a result that is not Batch traffic: docs/accounting.md §10): its ``record`` is added at
    standard prices and counted (``acc.ungrouped``), so the report says what the figure assumes."""

    def __init__(self, record: UsageRecord) -> None:
        super().__init__("not grouped by batch or service tier")
        self.record = record


class _NotUsage(Exception):
    """A record that holds no usage by design, passed over as a blank line is (neither counted nor
    bad): a streamed Chat Completions chunk before the last (``usage: null``), a Responses stream
    event other than the last (:data:`RESPONSE_DONE`)."""


#: The Responses stream events that end a stream and carry the response with its ``usage``;
#: the others (``response.created``, ``response.in_progress``, ``response.output_text.delta``, ...)
#: carry none, and are passed over.
RESPONSE_DONE = frozenset({"response.completed", "response.failed", "response.incomplete"})
#: A Chat Completions stream chunk's ``object``: with ``stream_options.include_usage`` every chunk
#: has ``usage: null`` but the last (``choices: []`` and the usage of the whole request).
CHUNK_OBJECT = "chat.completion.chunk"


def _no_usage_by_design(obj: dict[str, Any], usage: Any) -> bool:
    """Whether ``obj`` is a stream chunk or event that holds no usage by design (:class:`_NotUsage`)."""
    kind = obj.get("type")
    if isinstance(kind, str) and kind.startswith("response.") and kind not in RESPONSE_DONE:
        return True
    return usage is None and "usage" in obj and obj.get("object") == CHUNK_OBJECT


class _StrictStop(Exception):
    def __init__(self, skip: Skip) -> None:
        super().__init__(skip.message())
        self.skip = skip


#: How the API spells ``strict`` in a message that names it: a switch, given as True.
STRICT = {"strict": "strict=True"}


def strict_stop(message: str) -> InputParameterError:
    """The first bad record, which ``strict`` stops at: an InputError (exit 3) naming the argument
    as a ParameterError does (the API's ``strict=True``, the CLI's ``--strict``)."""
    return InputParameterError(f"{message} ({slot('strict')} stops at the first bad record)", api=STRICT)


class _Seen:
    """Response ids already counted, as their hashes; at most ``limit`` of them are remembered.

    A hash is 64 bits, so two of a million different ids share one with a chance of about 3 in
    100 million; an id past the limit is counted without being remembered (``acc.unchecked``).

    ``log=True`` (a worker reading a piece of a file): the ids are only logged, in ``self.log``,
    and checked against ``prior`` (the ids counted before the file); the parent checks the log
    against every id it has merged, which catches an id twice in the piece too (it then scans the
    piece again itself). That is one set operation per piece instead of two per block.
    """

    def __init__(self, limit: int, prior: frozenset[int] | set[int] = frozenset(), log: bool = False) -> None:
        #: ids met by this reader; ``prior``: ids counted before it started (read only)
        self.hashes: set[int] = set()
        self.prior = prior
        self.limit = limit - len(prior)
        self.log: array[int] | None = array("q") if log else None

    def first(self, response_id: str, acc: Accumulator) -> bool:
        """True the first time ``response_id`` is met; False (and a duplicate counted) after."""
        h = hash(response_id)
        if h in self.hashes or h in self.prior:
            acc.duplicates += 1
            return False
        if self.log is not None:
            self.log.append(h)
        elif len(self.hashes) < self.limit:
            self.hashes.add(h)
        else:
            acc.unchecked += 1
        return True

    def keep(self, ids: list[str | None], acc: Accumulator) -> list[bool] | None:
        """Which of these records to count, in order; None when every one is new (the common case)."""
        if all(ids):  # no record without an id (None or "": never merged)
            hashes = list(map(hash, ids))
            if self.log is not None:
                if not self.prior or self.prior.isdisjoint(hashes):
                    self.log.frombytes(pack(f"{len(hashes)}q", *hashes))  # a third of the cost of extend(list)
                    return None
            else:
                before = len(self.hashes)
                if (
                    before + len(hashes) <= self.limit
                    and self.hashes.isdisjoint(hashes)
                    and (not self.prior or self.prior.isdisjoint(hashes))
                ):
                    self.hashes.update(hashes)
                    if len(self.hashes) - before == len(hashes):
                        return None
                    self.hashes.difference_update(hashes)  # an id twice in this block: undo, then one by one
        return [not i or self.first(i, acc) for i in ids]


# --------------------------------------------------------------------------- records from JSON values


def _tok(obj: dict[str, Any], key: str, where: str, *, required: bool = True, requests: int | None = 1) -> int:
    """The count ``obj[key]`` (at ``where``): tokens of ``requests`` requests (1: a response's),
    at most :data:`MAX_TOKENS` each; ``requests`` None: the count of requests of a sum row, at
    most :data:`MAX_REQUESTS`. Anything else is a bad record that says why."""
    value = obj.get(key)
    if value is None:
        if required:
            raise _Bad("bad_tokens", f"{where}.{key} is missing")
        return 0
    kind = type(value)
    if kind is float and MAX_TOKENS < value < math.inf:  # orjson reads an int past 64 bits as a float
        in_range(value, requests, f"{where}.{key}")  # past the row's range: that is said first
        if value >= MAX_COUNT:  # an int past 64 bits, or a float as large: not a count read exactly
            raise _Bad("bad_tokens", f"{where}.{key} is {value:.3g}: {PAST_MAX_COUNT}")
    if kind is float and value < -MAX_TOKENS:
        kind = int  # negative, as an int that large is (said below)
    if kind is not int:
        raise _Bad("bad_tokens", f"{where}.{key} is {orjson.dumps(value).decode()[:40]}, not a whole number")
    if value < 0:
        raise _Bad("bad_tokens", f"{where}.{key} is negative ({value})")
    count: int = in_range(value, requests, f"{where}.{key}")
    return count


def in_range(value: _Num, requests: int | None, where: str) -> _Num:
    """``value``, a count 0 or more at ``where``, held to README's ranges ("Numbers"): tokens of
    ``requests`` requests (1: a response's, a LiteLLM row's; more: a sum row's) at most
    :data:`MAX_TOKENS` a request, and none in a row of 0 requests; ``requests`` None: a sum row's
    count of requests, at most :data:`MAX_REQUESTS`. Over it, :class:`_Bad` says so."""
    most = MAX_REQUESTS if requests is None else MAX_TOKENS * max(requests, 1)
    if value <= most and (requests != 0 or not value):
        return value
    if requests == 0:  # a sum row of no request: it can hold no token
        raise _Bad("bad_tokens", f"{where} is {value:,} in a row of 0 requests: tokens without a request cannot be")
    shown = f"{value:,}" if type(value) is int and value < 10**21 else f"{value:.3g}"
    if requests is None:
        words = f"more than {MAX_REQUESTS:,} requests in one row"
    elif requests <= 1:
        words = f"more than {MAX_TOKENS:,} tokens in one request (no model's context window is that large)"
    else:
        words = f"more than {MAX_TOKENS:,} tokens a request for the {requests:,} requests it sums"
    raise _Bad("bad_tokens", f"{where} is {shown}: out of range, {words}")


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _name(value: Any) -> str | None:
    """A name a group is keyed by (model, project, user, key, tier), one string object however
    many results give it: every Usage API result is a group of its own (the API grouped them
    already), and a page of 278,000 results held each name 278,000 times (+100 MB)."""
    return sys.intern(value) if isinstance(value, str) and value != "" else None


def _day(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return day_of(value)
        except ValueError as exc:
            raise _Bad("bad_record", str(exc)) from None
    return None


def _log_time(obj: dict[str, Any], keys: tuple[str, ...] = TIME_KEYS) -> tuple[str, Any] | None:
    """The first key of ``keys`` (TIME_KEYS) in ``obj`` with a string or number value, and the value."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return key, value
    return None


def _iso_utc(text: str) -> _dt.datetime | None:
    """The ISO 8601 time ``text`` in UTC (a time without a zone is taken as UTC); None when it is
    not one. A time on the first or last day a datetime holds whose offset moves it past that
    (``0001-01-01T00:00+01:00``) is kept in its own zone's day: it is outside 2000-2099 either way."""
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=_dt.UTC)
    try:
        return when.astimezone(_dt.UTC)
    except OverflowError:
        return when.replace(tzinfo=_dt.UTC)


def _log_day(key: str, value: str | int | float) -> int:
    """The UTC day of a record's time ``value`` under ``key`` (of TIME_KEYS); :class:`_Bad` when it
    is not a time from 2000 to 2099."""
    if not isinstance(value, str):
        try:
            return day_of(value)
        except ValueError as exc:
            raise _Bad("bad_record", f"{key}: {exc}") from None
    when = _iso_utc(value)
    if when is None:
        shown = orjson.dumps(value).decode()[:60]
        raise _Bad("bad_record", f"{key} is {shown}, not an ISO 8601 time or a Unix time")
    if not 2000 <= when.year <= 2099:
        raise _Bad("bad_record", f"{key}: time {quoted(value)} is not from 2000 to 2099")
    return day_of(when.timestamp())


def _from_response(
    obj: dict[str, Any], usage: dict[str, Any], batch: bool, outer: tuple[str, Any] | None = None
) -> UsageRecord:
    _twice(usage, ("prompt_tokens_details", "input_tokens_details"))
    model = obj.get("model")
    if not names_model(model):  # an empty name names no model, as none does
        raise _NoModel(obj)
    cached: int | None = None
    unknown = False  # no cached-token count kept (a Langfuse observation's usage): none cached, counted
    if "prompt_tokens" in usage or "completion_tokens" in usage:  # Chat Completions
        inp = _tok(usage, "prompt_tokens", "usage")
        out = _tok(usage, "completion_tokens", "usage")
        details, dkey = usage.get("prompt_tokens_details"), "usage.prompt_tokens_details"
    elif "input_tokens" in usage or "output_tokens" in usage:  # Responses API
        inp = _tok(usage, "input_tokens", "usage")
        out = _tok(usage, "output_tokens", "usage")
        details, dkey = usage.get("input_tokens_details"), "usage.input_tokens_details"
    elif (counts := _langfuse_counts(obj, usage)) is not None:  # a Langfuse observation
        inp, cached, out = counts
        details, dkey, unknown = None, "usageDetails", cached is None
        cached = cached or 0
    else:
        raise _Bad(
            "bad_tokens",
            "usage has neither prompt_tokens/completion_tokens (Chat) nor input_tokens/output_tokens (Responses)",
        )
    if cached is None:
        cached = _tok(details, "cached_tokens", dkey, required=False) if isinstance(details, dict) else 0
    if cached > inp:
        raise _Bad("bad_tokens", f"{dkey}.cached_tokens ({cached}) exceeds the input tokens ({inp})")
    key, created = "created", obj.get("created")
    if created is None:
        key, created = "created_at", obj.get("created_at")
    if isinstance(created, str):  # a log of the user's own may write it as an ISO 8601 time
        try:
            day: int | None = _log_day(key, created)
        except _Bad:
            day = None  # present, not a time: no day, as before
    elif created is not None:
        day = _day(created)
    else:
        stamp = _log_time(obj) or outer
        day = None if stamp is None else _log_day(*stamp)
    tier = obj.get("service_tier")
    record = UsageRecord(
        model,
        inp,
        cached,
        out,
        batch=batch,
        service_tier=tier if isinstance(tier, str) else None,
        day=day,
        response_id=_str_or_none(obj.get("id")),
    )
    if unknown:
        raise _Uncached(record)
    return record


#: Langfuse observations (its observations API, its exports) count a generation's tokens by usage
#: type in ``usageDetails``. Langfuse takes each of OpenAI's ``prompt_tokens_details`` (and the
#: Responses API's ``input_tokens_details``) as a type of its own, ``input_`` + its key, off
#: ``input``: ``input`` is what no other type holds, and the request's input tokens are the sum of
#: every type whose name starts with ``input`` (as Langfuse's observations API sums them: its
#: ``reduceUsageOrCostDetails``); likewise ``output``. The cached input types are these:
#: ``input_cached_tokens`` (OpenAI's ``cached_tokens``, so named by Langfuse's ingestion) and
#: ``input_cache_read`` (LangChain's ``cache_read``), both priced at the cached rate in Langfuse's own
#: price list for OpenAI's models (worker/src/constants/default-model-prices.json). No other key.
LANGFUSE_CACHED_KEYS = ("input_cached_tokens", "input_cache_read")
#: The Langfuse observation types that hold usage (its docs: generations and embeddings); a row of
#: another type with no model (a span, an event, a tool call) holds none by design.
LANGFUSE_USAGE_TYPES = ("GENERATION", "EMBEDDING")


def _langfuse_counts(obj: dict[str, Any], usage: dict[str, Any]) -> tuple[int, int | None, int] | None:
    """(input, cached, output) tokens of a Langfuse observation: its ``usageDetails`` when they
    hold an ``input*`` or ``output*`` type (:data:`LANGFUSE_CACHED_KEYS`), else its (deprecated)
    ``usage`` in ``TOKENS`` (``input``, ``output``: sums of those types, as the API writes them,
    with no cached count: cached None, priced with none cached and counted as such); None when it
    is neither."""
    details = obj.get("usageDetails")
    if isinstance(details, dict) and any(isinstance(k, str) and k.startswith(("input", "output")) for k in details):
        _twice(obj, ("usageDetails",))
        inp = cached = out = 0
        for key in details:
            if key.startswith("input"):
                n = _tok(details, key, "usageDetails", required=False)
                inp += n
                cached += n if key in LANGFUSE_CACHED_KEYS else 0
            elif key.startswith("output"):
                out += _tok(details, key, "usageDetails", required=False)
        return in_range(inp, 1, "usageDetails input*"), cached, in_range(out, 1, "usageDetails output*")
    if "input" in usage or "output" in usage:
        unit = usage.get("unit")
        if unit != "TOKENS":
            shown = orjson.dumps(unit).decode()[:40]
            raise _Bad("bad_tokens", f"usage.unit is {shown}, not TOKENS: a Langfuse usage that counts no tokens")
        return _tok(usage, "input", "usage"), None, _tok(usage, "output", "usage")
    return None


def _langfuse_no_usage(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is a Langfuse observation that holds no usage by design: it has
    ``usageDetails``, no model and a type other than :data:`LANGFUSE_USAGE_TYPES`."""
    return "usageDetails" in obj and not names_model(obj.get("model")) and obj.get("type") not in LANGFUSE_USAGE_TYPES


def _twice(obj: dict[str, Any], keys: tuple[str, ...], *, objects: bool = True) -> None:
    """Refuse a record in which one of ``keys`` came twice (found by a parse that notes repeated
    keys, :func:`with_pairs`): which one OpenAI billed is anyone's guess. ``objects``: only when
    the key had an object as its value more than once (the keys the fast path reads as objects:
    it finds those, and reads a null before an object as the object)."""
    key = repeated(obj, keys, objects=objects)
    if key is not None:
        raise _Bad("bad_record", twice(key))


def _response_record(
    obj: dict[str, Any], batch: bool = False, depth: int = 0, outer: tuple[str, Any] | None = None
) -> UsageRecord:
    """``outer``: the time (TIME_KEYS) of the nearest wrapper that has one, for a response without its own."""
    _twice(obj, ("usage", "response"))
    if "custom_id" in obj and ("response" in obj or "error" in obj):  # Batch output line (§8)
        error, resp, line_id = obj.get("error"), obj.get("response"), _str_or_none(obj.get("id"))
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            raise _BatchFailed(str(code or "error"), line_id)
        if not isinstance(resp, dict):
            raise _BatchFailed("no response", line_id)
        _twice(resp, ("body",))
        status, body = resp.get("status_code"), resp.get("body")
        if status != 200 or not isinstance(body, dict) or body.get("error"):
            raise _BatchFailed(f"status {status}", line_id)
        try:
            return _response_record(body, True, depth + 1, _log_time(obj) or outer)
        except _NoModel as exc:
            exc.under("body", resp)
            exc.under("response", obj)
            raise
    usage = obj.get("usage")
    if _langfuse_no_usage(obj):  # a span, an event: every observation of a trace is exported
        raise _NotUsage
    if isinstance(usage, dict) and "model" in obj:
        return _from_response(obj, usage, batch, outer)
    if usage is None and isinstance(obj.get("usageDetails"), dict) and "model" in obj:  # Langfuse, no usage
        return _from_response(obj, {}, batch, outer)
    if usage is None and _is_spend_log(obj):
        return _spend_log_record(obj, batch, outer)
    if _no_usage_by_design(obj, usage):
        raise _NotUsage
    if depth < MAX_ENVELOPE_DEPTH:
        _twice(obj, ENVELOPE_KEYS, objects=False)  # a wrapper given twice: which one holds the response?
        for key in ENVELOPE_KEYS:
            inner = obj.get(key)
            if isinstance(inner, dict):
                try:
                    return _response_record(inner, batch, depth + 1, _log_time(obj) or outer)
                except _NoModel as exc:
                    exc.under(key, obj)
                    raise
    if obj.get("object") == "batch":
        raise _Bad(
            "bad_record",
            "a Batch object: its usage names no model; read the batch's output file (output_file_id) instead",
        )
    if isinstance(usage, dict):
        raise _NoModel(obj)
    if "usage" in obj and usage is None:
        raise _Bad("no_usage", "usage is null (a streamed chunk, or a response that did not finish?)")
    raise _Bad("no_usage", NO_USAGE)


#: Keys of which a LiteLLM proxy spend-log row (a row of its LiteLLM_SpendLogs table) has one
#: beside its top-level token counts and model: what tells the row from a response without usage.
SPEND_LOG_KEYS = ("startTime", "request_id", "spend")


def spend_log_model(obj: dict[str, Any]) -> str:
    """The model a LiteLLM spend-log row names, as usage prices it: ``openai/`` dropped; a model of
    another provider with that provider's prefix, as LiteLLM names a deployment (``azure/...``):
    the row's own prefix, else its ``custom_llm_provider`` (a Helicone request row's ``provider``)
    put before a model without one (``gpt-4.1`` served by ``azure``: ``azure/gpt-4.1``; Helicone's
    ``AZURE``: ``AZURE/gpt-4.1``), which the catalog does not price
    (:func:`gpt41cost.usage.provider_reason`): that provider bills it, not OpenAI.
    (A provider's name, as a prefix, in ``custom_llm_provider`` or in ``provider``, is OpenAI's API
    by :func:`~gpt41cost.usage.openai_provider`: ``OpenAI``, ``OPENAI`` and `` openai `` are.)"""
    model: str = obj["model"]
    prefix, slash, rest = model.partition("/")
    if slash:
        return rest if openai_provider(prefix) else model
    for key in ("custom_llm_provider", "provider"):  # LiteLLM's, then a Helicone row's (``OPENAI``, ``AZURE``)
        provider = obj.get(key)
        if isinstance(provider, str) and provider.strip():
            return model if openai_provider(provider) else f"{provider.strip()}/{model}"
    return model


def _is_spend_log(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is a LiteLLM spend-log row: no ``usage``, but whole-number ``prompt_tokens``
    and ``completion_tokens`` at the top, a ``model`` string and one of :data:`SPEND_LOG_KEYS`,
    and no response with its usage under one of :data:`ENVELOPE_KEYS`."""
    return (
        "usage" not in obj
        and type(obj.get("prompt_tokens")) is int
        and type(obj.get("completion_tokens")) is int
        and isinstance(obj.get("model"), str)
        and any(key in obj for key in SPEND_LOG_KEYS)
        # a row that stores the response itself (store_prompts_in_spend_logs) is read from it
        and not any(isinstance(inner := obj.get(key), dict) and "usage" in inner for key in ENVELOPE_KEYS)
    )


def _spend_log_cached(obj: dict[str, Any]) -> int | None:
    """Cached input tokens of a LiteLLM spend-log row: its ``metadata`` (an object, or that object
    as a JSON string) holds the response's usage as ``usage_object`` (older proxies: the usage
    keys other than the counts as ``additional_usage_values``); None when neither has them."""
    meta = obj.get("metadata")
    if isinstance(meta, str):
        try:
            meta = orjson.loads(meta)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(meta, dict):
        return None
    for key in ("usage_object", "additional_usage_values"):
        usage = meta.get(key)
        details = usage.get("prompt_tokens_details") if isinstance(usage, dict) else None
        if isinstance(details, dict) and details.get("cached_tokens") is not None:
            return _tok(details, "cached_tokens", f"metadata.{key}.prompt_tokens_details")
    return None


def _spend_log_record(obj: dict[str, Any], batch: bool, outer: tuple[str, Any] | None) -> UsageRecord:
    """One request of a LiteLLM spend-log row (:func:`_is_spend_log`; a Helicone request row is one
    too), dated by its ``startTime`` (ROW_TIME_KEYS: a Helicone row's ``request_created_at``).
    A row with ``prompt_cache_read_tokens`` is Helicone's: that column holds the response's
    ``prompt_tokens_details.cached_tokens`` and its ``prompt_tokens`` the input without them (Helicone
    takes them off: docs/accounting.md §10), so the input is the two added."""
    if obj.get("cache_hit") in (True, "True", "true"):  # LiteLLM writes str(bool)
        raise _ProxyCacheHit
    inp = _tok(obj, "prompt_tokens", "row")
    out = _tok(obj, "completion_tokens", "row")
    known: int | None
    if obj.get("prompt_cache_read_tokens") is not None:
        known = read = _tok(obj, "prompt_cache_read_tokens", "row")
        inp = in_range(inp + read, 1, "row.prompt_tokens + prompt_cache_read_tokens")
    else:
        known = _spend_log_cached(obj)
    cached = known or 0
    if cached > inp:
        raise _Bad("bad_tokens", f"cached_tokens in metadata ({cached}) exceeds prompt_tokens ({inp})")
    stamp = _log_time(obj, ROW_TIME_KEYS) or outer
    record = UsageRecord(
        spend_log_model(obj),
        inp,
        cached,
        out,
        batch=batch,
        day=None if stamp is None else _log_day(*stamp),
        response_id=_str_or_none(obj.get("request_id")),
    )
    if known is None:
        raise _Uncached(record)
    return record


def _api_result(res: Any, day: int | None) -> UsageRecord:
    if not isinstance(res, dict):
        raise _Bad("bad_record", "a Usage API result is not an object")
    _twice(res, RESULT_KEYS, objects=False)
    kind = res.get("object")
    if isinstance(kind, str) and kind != COMPLETIONS_RESULT:
        raise _Bad("bad_record", f"{kind} is not completions usage (use /v1/organization/usage/completions)")
    model = res.get("model")
    if model is not None and not names_model(model):  # null: a result not grouped by model
        raise _no_model_name("result.model", orjson.dumps(model).decode()[:40], "fetch the usage again")
    n = _tok(res, "num_model_requests", "result", requests=None)
    inp = _tok(res, "input_tokens", "result", requests=n)
    out = _tok(res, "output_tokens", "result", requests=n)
    cached = _tok(res, "input_cached_tokens", "result", required=False, requests=n)
    if cached > inp:
        raise _Bad("bad_tokens", f"result.input_cached_tokens ({cached}) exceeds input_tokens ({inp})")
    return UsageRecord(
        _name(model),
        inp,
        cached,
        out,
        requests=n,
        batch=res.get("batch") is True,
        service_tier=_name(res.get("service_tier")),
        day=day,
        project_id=_name(res.get("project_id")),
        user_id=_name(res.get("user_id")),
        api_key_id=_name(res.get("api_key_id")),
        per_request=False,
    )


#: What :func:`_api_result` reads of a Usage API result; given twice, the result is refused.
RESULT_KEYS = (
    "object",
    "num_model_requests",
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "model",
    "batch",
    "service_tier",
    "project_id",
    "user_id",
    "api_key_id",
)


def _no_model_name(where: str, shown: str, then: str) -> _Bad:
    """The bad record of a sum row (a Usage API result, a CSV export row) whose model at ``where``,
    ``shown``, names none (:func:`~gpt41cost.usage.names_model`), as a response's is
    (:class:`_NoModel`); ``then``: what to do."""
    return _Bad(
        "bad_record",
        f"{where} is {shown}, which names no model, so which prices apply is unknown: {then} grouped by model",
    )


def _is_page(value: dict[str, Any]) -> bool:
    """A Usage API page, or an object that holds its records in a ``data`` list and is neither a
    record (``usage``) nor the envelope of one (an object under ENVELOPE_KEYS): an API list page,
    responses saved as ``{"data": [...]}``. Its items are read as a JSON array's are."""
    if value.get("object") == "page":
        return True
    if not isinstance(value.get("data"), list):
        return False
    return "has_more" in value or (
        "usage" not in value and not any(isinstance(value.get(k), dict) for k in ENVELOPE_KEYS)
    )


def _is_bucket(value: dict[str, Any]) -> bool:
    return value.get("object") == "bucket" or (isinstance(value.get("results"), list) and "start_time" in value)


def item_where(where: str, n: int) -> str:
    """Where item ``n`` (0-based) of a list at ``where`` is, as a bad record names it."""
    return f"{where}[{n}]" if where else f"item {n + 1}"


def data_where(where: str, n: int) -> str:
    """Where bucket ``n`` of the page at ``where`` is."""
    return f"{where}.data[{n}]" if where else f"data[{n}]"


def page_refusal(value: dict[str, Any], where: str) -> _Bad | None:
    """Why the Usage API page ``value`` (at ``where``) cannot be read at all, or None."""
    at = f"{where}: " if where else ""
    if repeated(value, ("data",)):  # which list of buckets is the page's?
        return _Bad("bad_record", at + twice("data"))
    if not isinstance(value.get("data"), list):
        return _Bad("bad_record", f"{at}a Usage API page without a data list of buckets")
    return None


def bucket_day(value: dict[str, Any], where: str) -> int | None:
    """The day of the Usage API bucket ``value`` (at ``where``); raises :class:`_Bad` when the
    bucket cannot be read at all."""
    at = f"{where}: " if where else ""
    key = repeated(value, ("results", "start_time"))  # which results, which day?
    if key is not None:
        raise _Bad("bad_record", at + twice(key))
    try:
        day = _day(value.get("start_time"))
    except _Bad as exc:
        exc.detail = f"{where}.start_time: {exc.detail}" if where else f"start_time: {exc.detail}"
        raise
    results = value.get("results")
    if results is not None and not isinstance(results, list):
        raise _Bad("bad_record", f"{at}a Usage API bucket whose results are not a list")
    return day


def add_result(
    res: Any,
    day: int | None,
    add: Callable[[UsageRecord], None],
    bad: Callable[[Exception, str], None],
    where: str,
    n: int,
) -> None:
    """Add result ``n`` of the bucket at ``where``, or say why not; a result not grouped by batch
    or service tier is added through ``bad`` as :class:`_Ungrouped`, which counts it."""
    try:
        record = _api_result(res, day)
        if not isinstance(res.get("batch"), bool) or (record.service_tier is None and not record.batch):
            bad(_Ungrouped(record), where)
        else:
            add(record)
    except _Bad as exc:
        exc.detail = f"{where}.results[{n}]: {exc.detail}" if where else f"results[{n}]: {exc.detail}"
        bad(exc, where)


def consume(
    value: Any, add: Callable[[UsageRecord], None], bad: Callable[[Exception, str], None], where: str = ""
) -> None:
    """Add every record in one parsed JSON value; ``bad(error, where)`` for each that cannot be.
    (A document too large to parse whole is walked by :mod:`~gpt41cost.readers.usage_stream`,
    by the same rules.)"""
    if isinstance(value, list):
        for item, at in _items(value, where):
            consume(item, add, bad, at)
        return
    if not isinstance(value, dict):
        at = f"{where}: " if where else ""
        bad(_Bad("bad_record", f"{at}expected a JSON object, got {type(value).__name__}"), where)
        return
    if _is_page(value):
        refusal = page_refusal(value, where)
        if refusal is not None:
            bad(refusal, where)
            return
        for n, bucket in enumerate(value["data"]):
            consume(bucket, add, bad, data_where(where, n))
        return
    if _is_bucket(value):
        try:
            day = bucket_day(value, where)
        except _Bad as exc:
            bad(exc, where)
            return
        for n, res in enumerate(value.get("results") or []):
            add_result(res, day, add, bad, where, n)
        return
    consume_record(value, add, bad, where)


def _items(value: list[Any], where: str) -> Iterator[tuple[Any, str]]:
    """The items of the list ``value`` at ``where`` that are not lists, with where each is; a list
    in it is opened in place, without recursion (a line of 1,000 nested lists was a RecursionError,
    as the document stream reads them)."""
    stack = [(enumerate(value), where)]
    while stack:
        items, at = stack[-1]
        for n, item in items:
            if isinstance(item, list):
                stack.append((enumerate(item), item_where(at, n)))
                break
            yield item, item_where(at, n)
        else:
            stack.pop()


def count_apart(exc: Exception, acc: Accumulator, add: Callable[[UsageRecord], None]) -> None:
    """What every sink's ``bad`` does with a record :func:`consume_record` hands it that is not a
    bad one: a stream chunk or event with no usage by design (``acc.not_usage``), a LiteLLM proxy
    cache hit (``acc.proxy_cache_hits``), a record with no cached-token count (LiteLLM, Langfuse),
    added through the sink's ``add`` (which drops a duplicate) and named (``acc.uncached_rows``)."""
    if isinstance(exc, _NotUsage):
        acc.not_usage += 1
    elif isinstance(exc, _ProxyCacheHit):
        acc.proxy_cache_hits += 1
    elif isinstance(exc, _Ungrouped):
        add(exc.record)
        acc.ungrouped += 1
    elif isinstance(exc, _Uncached):
        counted = acc.records
        add(exc.record)
        if acc.records > counted:  # not a duplicate
            model = exc.record.model
            acc.uncached_rows[model] = acc.uncached_rows.get(model, 0) + 1
    else:  # pragma: no cover - consume_record passes only these and _Bad, _BatchFailed
        raise exc


def consume_record(
    value: dict[str, Any], add: Callable[[UsageRecord], None], bad: Callable[[Exception, str], None], where: str
) -> None:
    """Add the one record ``value`` (a response, a Batch output line, or a wrapper of one); a
    stream chunk or event with no usage by design is handed to ``bad`` as :class:`_NotUsage`,
    which counts it apart (``acc.not_usage``), not as bad."""
    try:
        add(_response_record(value))
    except (_Bad, _BatchFailed, _NotUsage, _ProxyCacheHit, _Uncached) as exc:
        if isinstance(exc, _Bad) and where:
            exc.detail = f"{where}: {exc.detail}"
        bad(exc, where)


# --------------------------------------------------------------------------- JSONL scanning (hot path)


class Sink:
    """Where one scan puts its records and problems: an Accumulator, the strict switch, and the
    response ids already counted (None: no de-duplication)."""

    def __init__(self, acc: Accumulator, source: str, strict: bool, seen: _Seen | None = None) -> None:
        self.acc = acc
        self.source = source
        self.strict = strict
        self.seen = seen
        self.line: int | None = None

    def add(self, r: UsageRecord) -> None:
        if r.response_id and self.seen is not None and not self.seen.first(r.response_id, self.acc):
            return
        self.acc.add(r)

    def skip(self, reason: str, detail: str, line: int | None = None) -> None:
        s = Skip(self.source, line if line is not None else self.line, reason, detail)
        if self.strict:
            raise _StrictStop(s)
        self.acc.skip(s)

    def bad(self, exc: Exception, where: str = "") -> None:
        if isinstance(exc, _BatchFailed):
            if exc.line_id and self.seen is not None and not self.seen.first(exc.line_id, self.acc):
                return
            self.acc.fail_batch(exc.code)
        elif isinstance(exc, _Bad):
            self.skip(exc.reason, exc.detail)
        else:
            count_apart(exc, self.acc, self.add)


def _refuse_constant(name: str) -> Any:
    raise orjson.JSONDecodeError(f"{name} is not JSON", name, 0)


def loads(line: bytes) -> Any:
    """orjson's parse, with two readings of what orjson refuses that the typed fast path (msgspec)
    reads, so both paths count the same lines:

    - bytes that are not UTF-8 are read as U+FFFD, as ``bytes.decode(errors="replace")`` reads them:
      msgspec checks the strings it decodes but not those it skips, so a record whose unread text
      holds such bytes is counted (a model name or id holding them shows the replacement character);
    - a number too large for a double is valid JSON (orjson refuses ``1e400`` anywhere in a line,
      even in a field usage never reads, while msgspec skips such a field): such a line gets the
      standard library's parse (which makes the number ``inf``; a token field holding it is then a
      bad record, as on the fast path). ``NaN`` and ``Infinity`` stay refused.
    """
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        error = exc
    text: bytes | str = line
    if not line.isascii():
        try:
            line.decode()
        except UnicodeDecodeError:
            text = line.decode("utf-8", "replace")
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                error = exc
    if "infinity" not in str(error):
        raise error
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise error from None
    if repeats.lone_surrogate(text, value):  # orjson refuses it: so does this reading
        raise orjson.JSONDecodeError(str(repeats.LoneSurrogate()), str(text), 0)
    return value


#: The largest JSON document checked for repeated keys (a second, slower parse of all of it).
MAX_PAIRS_BYTES = 64 << 20


def with_pairs(text: bytes, value: Any) -> Any:
    """``value`` (the parse of ``text``), parsed again noting repeated keys
    (:mod:`~gpt41cost.readers.repeats`) when ``text`` may repeat a key, however it is written
    (:func:`~gpt41cost.readers.repeats.may_repeat`): a record or page whose figures depend on
    one is then refused (:func:`_twice`). The fast path sends every line that repeats a key it
    reads as an object to the full parse (it counts the structs msgspec builds). Raises
    :class:`_Bad` for a text nested too deep for that parse."""
    if len(text) > MAX_PAIRS_BYTES or not repeats.may_repeat(text, value):
        return value
    if not text.isascii():
        text = text.decode("utf-8", "replace").encode()  # as loads read it
    try:
        return repeats.loads(text, parse_constant=_refuse_constant)
    except repeats.TooDeep as exc:
        raise _Bad("bad_record", str(exc)) from None


def full_parse(line: bytes, sink: Sink, line_no: int) -> None:
    """The reference: parse one JSONL line whole (orjson) and count what it holds."""
    if not line.strip():
        return
    sink.line = line_no
    try:
        value = loads(line)
    except orjson.JSONDecodeError as exc:
        text = line.strip()
        what = "line is cut off" if text[:1] in (b"{", b"[") and text[-1:] not in (b"}", b"]") else "not JSON"
        sink.skip("not_json", f"{what} ({_orjson_msg(exc)})")
        return
    try:
        value = with_pairs(line, value)
    except _Bad as exc:
        sink.skip(exc.reason, exc.detail)
        return
    consume(value, sink.add, sink.bad)


def _scan_block(data: bytes, sink: Sink, line_no: int, *, last: bool = True) -> int:
    """Count the JSONL lines of ``data``; return the number of the last line counted.

    ``last=False``: the last line of ``data`` is not complete yet; it is left for the caller.
    The common case, a block of clean records, is one msgspec decode per line (each line must
    be exactly one JSON value) and a few C-level passes over the columns. A line msgspec refuses
    (not JSON, a field of another type or not UTF-8) and a record the typed fields cannot price as
    the reference would (an envelope, a failed Batch request, more cached than input tokens) get
    :func:`full_parse`.
    """
    if not last and _untyped[0]:  # a log of mixed kinds: the next blocks go straight to the generic decoder
        _untyped[0] -= 1
    elif not last:  # the usual block: its whole lines decoded by the decoder of one kind
        # cut by BytesIO.readlines (memchr, at C speed; a loop of find costs about twice as much,
        # bytes.count and split more, as Python 3.11 scans a byte at a time)
        whole = io.BytesIO(data).readlines()
        if whole and not whole[-1].endswith(b"\n"):  # the unfinished line after the last newline
            whole.pop()
        if whole and _add_typed(sink, whole):
            return line_no + len(whole)
    lines = data.split(b"\n")
    if not last:
        lines.pop()
    if not lines:
        return line_no
    _BUILT.clear()
    try:
        recs: list[_Line] | list[_Line | None] = list(map(DECODER.decode, lines))
    except _DECODE_ERRORS:
        recs = list(map(decode_one, lines))
        _add_mixed(sink, recs, lines, line_no)
        return line_no + len(lines)
    if _add_uniform(sink, recs, len(_BUILT)):  # type: ignore[arg-type]
        return line_no + len(recs)
    if len(_BUILT) != sum(map(_structs, recs)):  # type: ignore[arg-type]  # a key twice in some record: find which
        recs = list(map(decode_one, lines))
    _add_mixed(sink, recs, lines, line_no)
    return line_no + len(lines)


def decode_one(line: bytes) -> _Line | None:
    """The line's record; None for a line msgspec refuses or whose record holds an object key
    twice (both get the full parse, which says which)."""
    _BUILT.clear()
    try:
        r = DECODER.decode(line)
    except _DECODE_ERRORS:
        return None
    return r if len(_BUILT) == _structs(r) else None


def _add_uniform(sink: Sink, recs: list[_Line], built: int) -> bool:
    """Add a block whose records are all alike and clean (all responses of one API, or all
    successful Batch lines), column by column; False, adding nothing, when they are not.
    ``built``: the structs the decoder built for the block (more than the records reach when a
    record holds an object key twice)."""
    n = len(recs)
    bodies = recs
    batch = False
    cids = list(map(_CUSTOM_ID, recs))
    if cids[0] is UNSET:  # responses, unless a mix (list.count tests identity first; only UNSET equals UNSET)
        if cids.count(UNSET) != n:
            return False
    else:  # Batch output lines, or a mix
        if any(map(is_, cids, repeat(UNSET))):
            return False
        responses = list(map(_RESPONSE, recs))
        if not all(responses) or any(map(_ERROR, recs)):  # a struct is true; None and UNSET are false
            return False
        if list(map(_STATUS, responses)).count(200) != n:
            return False
        bodies = list(map(_BODY, responses))
        if not all(bodies) or any(map(_ERROR, bodies)):
            return False
        if list(map(_CUSTOM_ID, bodies)).count(UNSET) != n:
            return False
        batch = True
    usages = list(map(_USAGE, bodies))
    models = list(map(_MODEL, bodies))
    if not all(usages) or _blank_model(models):  # a usage struct, a model name on every line (UNSET names none)
        return False
    inp = list(map(_PT, usages))
    out = list(map(_CT, usages))
    if min(inp) >= 0 and min(out) >= 0:  # Chat Completions (a count absent is -1)
        details = list(map(_PTD, usages))
    elif max(inp) < 0 and max(out) < 0:  # Responses API
        inp = list(map(_IT, usages))
        out = list(map(_OT, usages))
        if min(inp) < 0 or min(out) < 0:
            return False
        details = list(map(_ITD, usages))
    else:
        return False
    no_details = 0 if all(details) else details.count(None)  # a struct is true
    if built != (3 * n if batch else n) + n + n - no_details:  # lines (and responses, bodies), usages, details
        return False
    cached = [0] * n if no_details == n else [0 if d is None else d.cached_tokens or 0 for d in details]
    if not all(map(le, cached, inp)):
        return False
    try:
        stamps = _stamps(bodies, recs)
    except _Bad:  # a TIME_KEYS value that is no time: the reference says so with its line
        return False
    _add_columns(sink, bodies, models, batch, inp, cached, out, stamps)  # type: ignore[arg-type]
    return True


def clean(r: _Line) -> tuple[_Line, bool, int, int, int, int | float | None] | None:
    """(response, batch, input, cached, output, time) of a record the typed fields price exactly
    as the reference parse would (time: its ``created``, else ``created_at``, else the start of the
    day of its TIME_KEYS or its Batch line's, as :func:`_stamps` reads them; None without one);
    None for any other (it takes the reference parse)."""
    batch = False
    line = r
    if r.custom_id is not UNSET and (r.response is not UNSET or r.error is not UNSET):  # a Batch line
        resp = r.response
        if r.error or not isinstance(resp, _BatchResponse) or resp.status_code != 200:
            return None
        body = resp.body
        if not isinstance(body, _Line) or body.error or body.custom_id is not UNSET:
            return None
        r, batch = body, True
    u = r.usage
    if not isinstance(u, _Usage) or not names_model(r.model):
        return None
    stamp = r.created if r.created is not None else r.created_at
    if stamp is None:  # a day from TIME_KEYS, if any
        try:
            stamp = _log_stamp(r, line)
        except _Bad:  # not a time: the reference says so with its line
            return None
    if u.prompt_tokens >= 0 or u.completion_tokens >= 0:  # a count absent is -1
        inp, out, details = u.prompt_tokens, u.completion_tokens, u.prompt_tokens_details
    else:
        inp, out, details = u.input_tokens, u.output_tokens, u.input_tokens_details
    if inp < 0 or out < 0:
        return None
    cached = 0 if details is None else details.cached_tokens or 0
    if cached > inp:
        return None
    return r, batch, inp, cached, out, stamp


def _add_mixed(sink: Sink, recs: Sequence[_Line | None], lines: list[bytes], line_no: int) -> None:
    """Add the clean records of a block column by column, then every other line by the reference."""
    cols: dict[bool, tuple[list[_Line], list[str], list[int], list[int], list[int], list[int | float | None]]] = {}
    todo: list[int] = []
    for i, r in enumerate(recs):
        got = None if r is None else clean(r)
        if got is None:
            todo.append(i)
            continue
        c = cols.get(got[1])
        if c is None:
            c = cols[got[1]] = ([], [], [], [], [], [])
        c[0].append(got[0])
        c[1].append(got[0].model)  # type: ignore[arg-type]
        c[2].append(got[2])
        c[3].append(got[3])
        c[4].append(got[4])
        c[5].append(got[5])
    for batch, (bodies, models, inp, cached, out, stamps) in cols.items():
        _add_columns(sink, bodies, models, batch, inp, cached, out, stamps)
    for i in todo:
        full_parse(lines[i], sink, line_no + i + 1)


def _add_columns(
    sink: Sink,
    bodies: Sequence[Any],
    models: list[str],
    batch: bool,
    inp: list[int],
    cached: list[int],
    out: list[int],
    stamps: list[int | float | None],
    span: tuple[int | float, int | float] | None = None,
) -> None:
    """Add clean responses (as columns), grouped by (model, service tier, UTC day); ids met
    before are dropped as duplicates. ``stamps``: their times (None: no day); ``span``: their
    least and greatest, when none is None."""
    tiers: list[str | None] = list(map(_TIER, bodies))
    if sink.seen is not None:
        keep = sink.seen.keep(list(map(_ID, bodies)), sink.acc)
        if keep is not None:
            models, tiers, stamps = (list(compress(c, keep)) for c in (models, tiers, stamps))  # type: ignore[assignment]
            inp, cached, out = (list(compress(c, keep)) for c in (inp, cached, out))
    _add_rows(sink.acc, models, batch, tiers, stamps, inp, cached, out, span)


def _stamps(bodies: Sequence[Any], lines: Sequence[Any]) -> list[int | float | None]:
    """Each response's ``created``, else its ``created_at``, else (from the records ``lines``
    they are the bodies of, or are) the start of the day of its TIME_KEYS (:func:`_log_stamp`:
    :class:`_Bad` for one that is no time), else None."""
    stamps = list(map(_CREATED, bodies))
    if not all(stamps):  # some None (a time is never 0: it is from 2000 on): the Responses API says created_at
        if any(stamps):
            stamps = [c if c is not None else a for c, a in zip(stamps, map(_CREATED_AT, bodies), strict=True)]
        else:
            stamps = list(map(_CREATED_AT, bodies))
        if not all(stamps):
            stamps = [t if t is not None else _log_stamp(b, r) for t, b, r in zip(stamps, bodies, lines, strict=True)]
    return stamps


def _add_rows(
    acc: Accumulator,
    models: list[str],
    batch: bool,
    tiers: list[str | None],
    stamps: list[int | float | None],
    inp: list[int],
    cached: list[int],
    out: list[int],
    span: tuple[int | float, int | float] | None = None,
) -> None:
    """Add rows (as columns) to ``acc``, grouped by (model, service tier, UTC day), in C-level
    passes: each row gets the number of its group, and sorting the rows by it makes each group
    one slice of each column. ``span``: the least and greatest of ``stamps`` (of these rows or
    more), when none is None."""
    n = len(models)
    if n == 0:
        return
    days: list[int | float | None] | None = None  # None: every row on day0
    day0: int | None = None
    if span is None and not all(stamps):  # some None (a time is never 0)
        days = [None if t is None else int(t // SECONDS_PER_DAY) for t in stamps]
    else:
        lo, hi = span or (min(stamps), max(stamps))  # type: ignore[type-var]
        day0 = int(lo // SECONDS_PER_DAY)  # type: ignore[operator]
        if int(hi // SECONDS_PER_DAY) != day0:  # type: ignore[operator]
            # a float time's day is a float here (equal to the int, so in the same group): int once per group
            days = list(map(floordiv, stamps, repeat(SECONDS_PER_DAY)))  # type: ignore[arg-type]
    tier0 = tiers[0]
    # one day: a group per model (of tier0), and per (model, tier) for another tier (below)
    keys: Iterable[Any] = models if days is None else zip(models, tiers, days, strict=True)
    numbers = _numbers(n)
    index: dict[Any, int] = {}
    ids = list(map(index.setdefault, keys, numbers))  # a group's number: its first row
    if keys is models and tiers.count(tier0) != n:
        # the usual block (5% priority, say): model names are keyed at C speed (their hash kept),
        # a (model, tier) tuple costs about 500 instructions a row more; the rows of other tiers
        # are given their (model, tier) group here, numbered past n (a group's number is only told
        # apart and ordered as the groups were added), so a model's group may be left empty
        for j in compress(numbers, map(is_not, tiers, repeat(tier0))):
            ids[j] = index.setdefault((models[j], tiers[j]), n + j)
    if len(index) > 1:  # sort the rows by group: each group becomes one slice of each column
        pick = itemgetter(*sorted(numbers[:n], key=ids.__getitem__))  # one C call per column
        ids, inp, cached, out = pick(ids), pick(inp), pick(cached), pick(out)
    # not wanted (read_usage(bands=False)): about 6% of a line's instructions
    count_bands = acc.count_bands
    small = count_bands and max(inp) < BAND_LIMIT  # every band key an int (band_key)
    groups, hist, all_bands, peak, pairs = acc.groups, acc.hist, acc.bands, acc.peak, acc.peak_pair
    # the part of a priority group over the long-context threshold is kept apart (looked for in
    # priority groups only, by the group's largest input, which acc.peak keeps anyway)
    threshold = None if batch else acc.long_threshold
    a = 0
    for k, gid in index.items():  # in the order of their numbers (each key was added at its first row)
        b = bisect_right(ids, gid, a)
        if b == a:  # a model whose rows here are all of other tiers
            continue
        if days is not None:
            model, tier, day = k
            day = None if day is None else int(day)
        elif isinstance(k, tuple):
            (model, tier), day = k, day0
        else:
            model, tier, day = k, tier0, day0
        key = (model, batch, tier, day, None, None, None)
        acc.records += b - a
        i, c, o = inp[a:b], cached[a:b], out[a:b]
        add_sums(groups, key, [b - a, sum(i), sum(c), sum(o)])
        top = max(i)
        if top > peak.get(model, -1):
            peak[model] = top
        # the largest input + output of one response (Accumulator.peak_pair), exact over PAIR_FLOOR
        bound = top + max(o)
        was = pairs.get(model)
        if was is None or bound > was[0]:
            if bound > PAIR_FLOOR:  # rare: look at each row
                both = list(map(add, i, o))
                bound = max(both)
                if was is None or bound > was[0]:
                    pairs[model] = (bound, i[both.index(bound)])
            else:
                pairs[model] = (bound, top)
        if threshold is not None and tier in PRIORITY_TIERS and priority_excludes(top, threshold):
            _keep_long(acc, key, threshold, i, c, o)
        h = hist.get(model)
        if h is None:
            h = hist[model] = {}
        _count(h, o)
        if count_bands:
            bands = all_bands.get(model)
            if bands is None:
                bands = all_bands[model] = {}
            if not small:
                _count(bands, map(band_key, i, c))
            elif any(c):
                _count(bands, map(or_, map(floordiv, i, repeat(BAND_TOKENS)), map(lshift, c, repeat(BAND_SHIFT))))
            else:
                _count(bands, map(floordiv, i, repeat(BAND_TOKENS)))
        a = b


def _keep_long(
    acc: Accumulator, key: GroupKey, threshold: int, inp: list[int], cached: list[int], out: list[int]
) -> None:
    """Add the rows (of one priority group, as columns) with an input over ``threshold`` to
    ``acc.long_priority`` (:meth:`Accumulator.add_tokens` does the same for one record)."""
    over = list(map(priority_excludes, inp, repeat(threshold)))
    sums = [over.count(True), sum(compress(inp, over)), sum(compress(cached, over)), sum(compress(out, over))]
    add_sums(acc.long_priority, key, sums)


#: ``Counter.update`` of an iterable without its Python-level steps (a call, a Mapping check): the
#: C function it calls, which counts into any dict (a value of ``acc.hist`` or ``acc.bands``).
_count: Callable[[dict[Any, int], Iterable[Any]], None] = collections._count_elements  # type: ignore[attr-defined]
#: 0, 1, 2, ...: each row's number without a new int per row (range() and count() make one each
#: past 256); grown as a block needs (:func:`_numbers`).
_NUMBERS: list[int] = list(range(4096))


def _numbers(n: int) -> list[int]:
    """:data:`_NUMBERS`, at least ``n`` long."""
    if n > len(_NUMBERS):
        _NUMBERS.extend(range(len(_NUMBERS), n))
    return _NUMBERS


def _scan_blocks(
    data: bytes | mmap.mmap, sink: Sink, line_no: int, last: bool, begin: int = 0, end: int | None = None
) -> int:
    """:func:`_scan_block` on ``data[begin:end]`` (whole lines) a CHUNK_BYTES block at a time, so
    that a large piece is never split into lines and decoded all at once (each block a copy of its
    bytes: ``data`` may be memory shared with the parent)."""
    end = len(data) if end is None else end
    start = begin
    while end - start > CHUNK_BYTES:
        cut = data.find(b"\n", start + CHUNK_BYTES, end) + 1
        if not cut:
            break
        line_no = _scan_block(data[start:cut], sink, line_no, last=False)
        start = cut
    if start == 0 and end == len(data) and isinstance(data, bytes):
        return _scan_block(data, sink, line_no, last=last)
    return _scan_block(data[start:end], sink, line_no, last=last)


def scan_lines(lines: Iterable[bytes], sink: Sink, line_no: int) -> int:
    """Count JSONL lines (none holding a newline); return the number of the last line seen."""
    todo = list(lines)
    return _scan_block(b"\n".join(todo), sink, line_no) if todo else line_no


def _orjson_msg(exc: Exception) -> str:
    return str(exc).split(": line", 1)[0]


def _read1(stream: IO[bytes]) -> Callable[[int], bytes]:
    r = getattr(stream, "read1", None)
    return r if r is not None else stream.read  # type: ignore[no-any-return]


def scan_stream(
    stream: IO[bytes],
    sink: Sink,
    *,
    first: bytes = b"",
    limit: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    line_no: int = 0,
) -> int:
    """Scan JSONL from ``stream`` (``limit`` bytes at most) in big chunks; return the number of
    the last line (lines before the stream's: ``line_no``).

    ``first`` is data already read from the stream (the sniffed first line). A gzip stream that is
    cut off keeps the records before the cut and adds one ``truncated`` skip.
    """
    read = _read1(stream)
    rest = first
    remaining = limit
    while True:
        want = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
        if want <= 0:
            break
        try:
            chunk = read(want)
        except _GZIP_ERRORS as exc:
            line_no = _scan_block(rest, sink, line_no, last=False)
            what = f"line {line_no + 1} and after" if _tail(rest).strip() else f"after line {line_no}"
            sink.skip(
                "truncated",
                f"gzip data is cut off ({exc}); records up to line {line_no} are counted, {what} lost",
                line=line_no + 1,
            )
            return line_no
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
        data = rest + chunk if rest else chunk
        cut_at = data.rfind(b"\n")
        if cut_at < 0:
            rest = data
            continue
        rest = data[cut_at + 1 :]  # the last line may go on in the next chunk
        line_no = _scan_block(data, sink, line_no, last=False)
    if rest:  # a last line without a newline (or only the sniffed first line, with its newline)
        line_no = _scan_block(rest, sink, line_no, last=not rest.endswith(b"\n"))
    return line_no


def _tail(data: bytes) -> bytes:
    """What follows the last newline."""
    return data[data.rfind(b"\n") + 1 :]


# --------------------------------------------------------------------------- several processes for one file

#: Inflated bytes of a gzip file in one piece (whole lines), the work a process is handed at a time.
PIECE_BYTES = 4 << 20

#: The ids counted before a file read in parallel; set in the parent just before the fork.
_PRIOR: set[int] = set()
#: Memory the parent shares with the workers it forks for a gzip file: a slot per piece handed out
#: and not merged yet, each SLOT_BYTES (a larger piece is handed out in the work item itself).
_SHARED: list[mmap.mmap] = []
SLOT_BYTES = PIECE_BYTES + (1 << 20)
# A worker keeps the slots' pages mapped once it has read them: they are the parent's pages, shared,
# not copies. Dropping them after each piece (madvise DONTNEED, as before) made the worker fault
# them in again for its next piece: 19,000 page faults and 0.17 s of system CPU on the 1,000,000-line
# gzip log, for RSS figures about 25 MiB lower summed over the processes (the memory is the same).

#: A piece's result: (its totals, its line count, the hashes of the ids it counted (None when
#: ``strict`` stopped it; its skip is then the one in the totals' skips)).
_Part = tuple[Accumulator, int, "array[int] | None"]


class Piece(Struct, frozen=True):
    """Work for a process: bytes [start, end) of a plain file, or whole lines of a gzip file that the
    parent inflated, in ``data`` or in shared memory (``at``; ``last``: the last line is unfinished).
    (A Struct: no method source compiled at import, as a dataclass's are.)"""

    source: str
    strict: bool
    start: int = 0
    end: int = 0
    data: bytes = b""
    last: bool = False
    #: where the parent put ``data`` instead: (offset in :data:`_SHARED`, length)
    at: tuple[int, int] | None = None
    #: count the (input band, cached tokens) histogram (the read's :attr:`Accumulator.count_bands`)
    bands: bool = True
    #: the read's :attr:`Accumulator.long_threshold`
    long_threshold: int | None = None

    def scan(self, sink: Sink, line_no: int = 0) -> int:
        """Scan it into ``sink``; return the number of its last line (lines before it: ``line_no``)."""
        if self.at is not None:
            at, n = self.at
            return _scan_blocks(_SHARED[0], sink, line_no, self.last, at, at + n)
        if self.data:  # a gzip piece longer than a slot
            return _scan_blocks(self.data, sink, line_no, self.last)
        with open(self.source, "rb", buffering=0) as f:
            return _scan_pread(f.fileno(), self.start, sink, lambda n: None, self.end, line_no)


def _scan_piece(piece: Piece) -> _Part:
    """Worker: scan one piece (a byte range of a plain file, or inflated lines of a gzip file) into
    totals of its own, its ids only logged (the parent checks them); its histograms go to the
    worker's own (:data:`_KEPT`), handed over once, at the end (:func:`_hand_kept`)."""
    return _scan_into(piece, _KEPT)


def _scan_into(piece: Piece, kept: Accumulator) -> _Part:
    """:func:`_scan_piece`, the piece's histograms (``hist``, ``bands``) counted into ``kept``'s."""
    acc = Accumulator(count_bands=piece.bands, long_threshold=piece.long_threshold)
    acc.hist, acc.bands = kept.hist, kept.bands
    seen = _Seen(MAX_IDS, _PRIOR, log=True)
    try:
        lines = piece.scan(Sink(acc, piece.source, piece.strict, seen))
    except _StrictStop as stop:
        acc.bad = Skipped(1)
        acc.bad.append(stop.skip, stop.skip.reason)
        return acc, 0, None
    finally:
        acc.hist, acc.bands = {}, {}
    return acc, lines, seen.log


#: A worker's histograms (``hist``, ``bands``) of every piece it scanned: each piece's result is
#: then a few groups and its ids, not a thousand histogram entries for the parent to merge (a
#: gzip log's 4 MB pieces: 567,731 entries, 0.17 s of the parent's CPU on the 1,000,000-line log).
#: A worker is forked with it empty (the parent never counts into it).
_KEPT = Accumulator()
#: Set before the workers fork: ``jobs`` of them meet there (:func:`_hand_kept`).
_MEETING: list[Any] = []


def _hand_kept() -> tuple[dict[Any, dict[Any, int]], dict[Any, dict[Any, int]]]:
    """Worker: its histograms, once every worker has taken such a task (one each: a worker waits
    here until all have one, so none takes two)."""
    _MEETING[0].wait()
    return _KEPT.hist, _KEPT.bands


class _Pool:
    """Worker processes for the pieces of one file, their results merged in file order.

    A worker logs the ids of its piece and drops those of the files before; the parent checks each
    piece's ids against every id merged so far (and against each other), and scans again (itself)
    a piece that repeats one. Until an id comes twice in the file, that check is one pass over the
    set of ids: the piece's ids are added, and the set must grow by as many. This file's ids are
    kept apart (``mine``) until its end, so the ids before it stay as the workers have them. The
    workers keep the histograms of their pieces and hand them over at the end (:func:`_hand_kept`);
    for a piece scanned again here, what its worker counted of them is taken back. A worker killed
    from outside ends the run with one clear error instead of a hang.
    """

    def __init__(self, sink: Sink, jobs: int) -> None:
        global _PRIOR
        assert sink.seen is not None
        self.sink, self.seen, self.jobs = sink, sink.seen, jobs
        self.line_no = 0  # lines of the pieces merged so far
        #: the ids of each piece merged so far, while no id has come twice in this file (then None)
        self.logged: list[array[int]] | None = []
        self.pending: deque[tuple[Piece, Future[_Part]]] = deque()
        #: offsets of the free slots of _SHARED (a slot is free again once its piece is merged)
        self.free: list[int] = []
        #: called with each piece once it is merged (progress)
        self.merged: Callable[[Piece], None] = lambda piece: None
        #: the ids of this file merged so far (those before it: ``seen.hashes``, which the workers
        #: fork with as ``_PRIOR``; this file's join them at its end)
        self.mine: set[int] = set()
        #: a piece was scanned again here: histogram entries may have come to 0
        self.taken_back = False
        _PRIOR = self.seen.hashes
        import multiprocessing

        _MEETING[:] = [multiprocessing.get_context("fork").Barrier(jobs)]  # this pool's, whatever came before
        self.pool = executor(jobs)
        self.failed = True

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        global _PRIOR
        stop_pool(self.pool, failed=exc[0] is not None or self.failed)
        _PRIOR = set()
        _MEETING.clear()

    def piece(self, **kw: Any) -> Piece:
        acc = self.sink.acc
        return Piece(self.sink.source, self.sink.strict, bands=acc.count_bands, long_threshold=acc.long_threshold, **kw)

    def submit(self, piece: Piece, ahead: int) -> None:
        """Queue a piece; merge finished ones while more than ``ahead`` are queued."""
        try:
            self.pending.append((piece, self.pool.submit(_scan_piece, piece)))
        except BrokenProcessPool:  # a worker died since the last one was handed out
            raise self.broken() from None
        while len(self.pending) > ahead:
            self.merge_next()

    def finish(self) -> int:
        # the hand-overs queued behind the last pieces: each worker hands its histograms over as
        # soon as it is done, while the pieces still pending are merged here
        try:
            kept = [self.pool.submit(_hand_kept) for _ in range(self.jobs)]
        except BrokenProcessPool:
            raise self.broken() from None
        while self.pending:
            self.merge_next()
        acc = self.sink.acc
        for future in kept:
            try:
                hist, bands = result_of(self.pool, future)
            except BrokenProcessPool:
                raise self.broken() from None
            add_counts(acc.hist, hist, adopt=True)
            add_counts(acc.bands, bands, adopt=True)
        if self.taken_back:  # a count taken back to 0 is no entry (nor a model without one)
            _drop_zeros(acc.hist)
            _drop_zeros(acc.bands)
        seen = self.seen
        if seen.hashes:  # this file's ids join those before it
            seen.hashes.update(self.mine)
        else:
            seen.hashes = self.mine
        self.failed = False
        return self.line_no

    def merge_next(self) -> None:
        piece, future = self.pending.popleft()
        try:
            part = result_of(self.pool, future)
        except BrokenProcessPool:
            raise self.broken() from None
        self.merge(piece, part)
        if piece.at is not None:
            self.free.append(piece.at[0])
        self.merged(piece)

    def broken(self) -> InputError:
        return InputError(f"{self.sink.source}: a reading process was stopped from outside (killed?); run again")

    def merge(self, piece: Piece, part: _Part) -> None:
        """Add a piece's result (the next in file order), or scan the piece again here when its ids
        repeat one merged before or each other."""
        got, lines, hashes = part
        offset, acc, seen, mine = self.line_no, self.sink.acc, self.seen, self.mine
        if hashes is None:
            s = got.skips[0]
            s = s if s.line is None else replace(s, line=s.line + offset)
            raise strict_stop(s.message())
        n, before = len(hashes), len(seen.hashes) + len(mine)
        if before + n <= seen.limit and self.logged is not None:
            # one pass over the set (the usual case: every id new): a piece that repeats an id
            # grows the set by less than its size, and is then taken out again
            was = len(mine)
            mine.update(hashes)
            if len(mine) - was < n:  # an id twice: in this piece, or one of an earlier piece
                mine.difference_update(hashes)
                for earlier in self.logged:  # what that took out of the earlier pieces
                    mine.update(earlier)
                self.logged = None  # from here on, each piece checked before it is added
                self.again(piece, offset)
                return
            self.logged.append(hashes)
        elif before + n <= seen.limit and mine.isdisjoint(hashes):
            was = len(mine)
            mine.update(hashes)
            if len(mine) - was < n:  # an id twice in this piece (none was there before it)
                mine.difference_update(hashes)
                self.again(piece, offset)
                return
        elif before >= seen.limit and len(set(hashes)) == n and mine.isdisjoint(hashes):
            got.unchecked += n  # past the limit: counted, not remembered (as in one pass)
        else:  # an id of an earlier piece (or the limit reached inside this one): this piece again, here
            self.again(piece, offset)
            return
        if offset:
            got.bad.first = [s if s.line is None else replace(s, line=s.line + offset) for s in got.skips]
        acc.merge(got)
        self.line_no += lines

    def again(self, piece: Piece, offset: int) -> None:
        """Scan ``piece`` again here, dropping the ids met before (in the files before, or in this
        one), and take back what its worker counted of its histograms: the same scan as the
        worker's (the ids before this file, ``seen.hashes``, are still those it had)."""
        worker = Accumulator()
        _scan_into(piece, worker)
        acc = self.sink.acc
        add_counts(acc.hist, worker.hist, -1)
        add_counts(acc.bands, worker.bands, -1)
        self.taken_back = True
        seen = _Seen(self.seen.limit, self.seen.hashes)
        seen.hashes = self.mine
        self.line_no = piece.scan(Sink(acc, self.sink.source, self.sink.strict, seen), offset)


def _drop_zeros(held: dict[Any, dict[Any, int]]) -> None:
    """Drop the entries of histograms ``held`` whose count is 0, and the models left without one."""
    for model in list(held):
        counts = {k: n for k, n in held[model].items() if n}
        if counts:
            held[model] = counts
        else:
            del held[model]


def _ranges(path: str, start: int, size: int, jobs: int) -> list[tuple[int, int]]:
    """Cut [start, size) into ranges that each start at the beginning of a line: RANGE_BYTES long
    while much is left, then a ``2 * jobs``-th of what is left (at least a 16th of RANGE_BYTES), so
    that the last ranges, handed out while the others are still being read, are short."""
    with open(path, "rb") as f:
        return list(itertools.pairwise(line_cuts(f, start, size, jobs, RANGE_BYTES, RANGE_BYTES >> 4)))


def _scan_parallel(
    path: str, start: int, size: int, jobs: int, sink: Sink, tracker: _Tracker, line_no: int = 0
) -> None:
    """Scan a plain JSONL file from byte ``start`` (line ``line_no`` + 1) in ranges, ``jobs``
    processes at once, merged in file order."""
    spans = _ranges(path, start, size, jobs)
    with _Pool(sink, min(jobs, len(spans))) as pool:
        pool.line_no = line_no
        # progress as ranges are merged: the bytes read, with the records they hold (handed out, the
        # ranges ahead would show up to 3 * jobs * RANGE_BYTES read before any was)
        pool.merged = lambda piece: tracker.update(piece.end, sink.acc.records)
        for a, b in spans:
            pool.submit(pool.piece(start=a, end=b), 3 * jobs)
        pool.finish()


class _GzipCut(Exception):
    """A gzip stream cut off or corrupt: ``tail`` is what followed its last complete line."""

    def __init__(self, error: str, tail: bytes) -> None:
        super().__init__(error)
        self.error, self.tail = error, tail


def _gzip_pieces(path: str, done: int = 0) -> Iterator[tuple[list[bytes], int, bool, int]]:
    """The pieces of a gzip JSONL file from its first record on (past its first ``done`` bytes from
    there, whole lines handed out already), each about PIECE_BYTES of whole lines, as the inflated
    parts that make it up (not joined: the caller copies them once, where they go): (parts, their
    length, is the last line unfinished, compressed bytes read). A stream cut off or corrupt raises
    :class:`_GzipCut` after its complete lines."""
    with open(path, "rb") as raw:
        stream = Inflate(raw)
        first, _, _ = _first_line(stream)
        chunks, size = [first], len(first)
        try:
            while done:  # the lines handed out already
                if not chunks[0]:
                    chunks[0] = stream.read1()
                    if not chunks[0]:
                        break
                drop = min(done, len(chunks[0]))
                chunks[0], done = chunks[0][drop:], done - drop
            size = len(chunks[0])
            while chunk := stream.read1():
                chunks.append(chunk)
                size += len(chunk)
                if size < PIECE_BYTES:
                    continue
                i = len(chunks) - 1
                while i >= 0 and b"\n" not in chunks[i]:
                    i -= 1
                if i < 0:  # no line ends yet: a line longer than a piece
                    continue
                cut = chunks[i].rfind(b"\n") + 1
                parts = [*chunks[:i], chunks[i][:cut]]
                rest = [chunks[i][cut:], *chunks[i + 1 :]]
                left = sum(map(len, rest))
                yield parts, size - left, False, raw.tell()
                chunks, size = rest, left
        except _GZIP_ERRORS as exc:
            data = b"".join(chunks)
            cut = data.rfind(b"\n") + 1
            if cut:
                yield [data[:cut]], cut, False, raw.tell()
            raise _GzipCut(str(exc), data[cut:]) from None
        if size:
            yield chunks, size, not chunks[-1].endswith(b"\n"), raw.tell()


def _inflate_into_slots(path: str, skipped: int, pool: _Pool, ahead: int, tracker: _Tracker) -> int | None:
    """Inflate a gzip JSONL file straight into the free slots of :data:`_SHARED` (zlib-ng's own
    reader, ``readinto``: no inflated bytes object to allocate and copy), from its first record on
    (``skipped`` bytes in), and hand each piece of whole lines to the pool; None once all of it is.
    A line longer than a piece, or a stream cut off, corrupt or followed by anything but gzip
    members, stops it: it returns the bytes handed out, for :func:`_gzip_pieces` to go on from
    (which reads such streams, and says why not, as one process does; what this reader inflated of
    them is what :class:`Inflate` inflates, and its last call's output, of unknown length, is not
    handed out)."""
    shared = _SHARED[0]
    fill = min(PIECE_BYTES, SLOT_BYTES)
    done = 0
    tail = b""  # the start of a line that goes on in the next piece
    with open(path, "rb") as raw, memoryview(shared) as view:
        reader = zlib_ng._GzipReader(raw, INFLATE_BUFFER)  # type: ignore[attr-defined]
        at = pool.free.pop()
        try:
            while skipped > 0 and (got := reader.readinto(view[at : at + min(skipped, fill)])):
                skipped -= got
            while True:
                size = len(tail)
                shared[at : at + size] = tail
                while size < fill and (got := reader.readinto(view[at + size : at + fill])):
                    size += got
                if size < fill:  # the end of the stream
                    if size:
                        last = shared[at + size - 1] != 10  # the last line has no newline
                        pool.submit(pool.piece(last=last, at=(at, size)), ahead)
                    else:
                        pool.free.append(at)
                    tracker.update(raw.tell(), pool.sink.acc.records)
                    return None
                cut = shared.rfind(b"\n", at, at + size) + 1
                if not cut:  # a line longer than a piece: the inflating goes on as it used to
                    pool.free.append(at)
                    return done
                tail = shared[cut : at + size]
                pool.submit(pool.piece(at=(at, cut - at)), ahead)
                done += cut - at
                tracker.update(raw.tell(), pool.sink.acc.records)
                at = pool.free.pop()  # one is free: at most `ahead` pieces are out after a submit
        except _GZIP_ERRORS:
            pool.free.append(at)
            return done


#: Compressed bytes :func:`_inflate_into_slots` reads at a time.
INFLATE_BUFFER = 128 << 10


def _scan_gzip_parallel(path: str, sink: Sink, jobs: int, tracker: _Tracker, line_no: int = 0, skipped: int = 0) -> int:
    """Scan a gzip JSONL file with ``jobs`` processes: this one inflates it, once, into memory
    shared with the workers (:func:`_inflate_into_slots`, about 0.4 s of CPU per GB inflated), and
    hands each piece of whole lines to the workers, whose results it merges in file order. (Each
    worker inflating all of it and scanning every ``jobs``-th piece, the scheme before, spent that
    inflation once per worker.) The first record is ``skipped`` bytes in. A cut-off stream keeps
    the records before the cut and adds one ``truncated`` skip, as :func:`scan_stream` does."""
    end: _GzipCut | None = None
    ahead = jobs + 1  # pieces handed out beyond the one being merged: each worker has one queued
    stride = -(-SLOT_BYTES // mmap.PAGESIZE) * mmap.PAGESIZE  # a slot starts on a page
    _SHARED.append(mmap.mmap(-1, (ahead + 1) * stride))  # shared with the workers forked below
    try:
        with _Pool(sink, jobs) as pool:
            pool.line_no = line_no
            pool.free = [i * stride for i in range(ahead + 1)]
            done = _inflate_into_slots(path, skipped, pool, ahead, tracker)
            try:
                for parts, size, last, pos in () if done is None else _gzip_pieces(path, done):
                    if size > SLOT_BYTES:  # a line longer than a piece: handed out in the work item
                        pool.submit(pool.piece(data=b"".join(parts), last=last), ahead)
                    else:
                        at = pool.free.pop()  # one is free: at most `ahead` pieces are out after a submit
                        _SHARED[0].seek(at)
                        for part in parts:
                            _SHARED[0].write(part)
                        pool.submit(pool.piece(last=last, at=(at, size)), ahead)
                    tracker.update(pos, sink.acc.records)
            except _GzipCut as cut:
                end = cut
            line_no = pool.finish()
    finally:
        _SHARED.pop().close()
    if end is not None:
        what = f"line {line_no + 1} and after" if end.tail.strip() else f"after line {line_no}"
        sink.skip(
            "truncated",
            f"gzip data is cut off ({end.error}); records up to line {line_no} are counted, {what} lost",
            line=line_no + 1,
        )
    return line_no


# --------------------------------------------------------------------------- CSV exports

#: Column names for each field, current export first, then the older one (undocumented; as seen in exports).
_CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "requests": ("num_model_requests", "n_requests"),
    "input": ("input_tokens", "n_context_tokens_total"),
    "output": ("output_tokens", "n_generated_tokens_total"),
    "cached": ("input_cached_tokens", "n_cached_context_tokens_total"),
    "uncached": ("input_uncached_tokens",),
    "model": ("model", "snapshot_id"),
    "batch": ("batch",),
    "tier": ("service_tier",),
    "project": ("project_id",),
    "user": ("user_id",),
    "api_key": ("api_key_id",),
    "time": ("start_time", "aggregation_timestamp", "timestamp"),
    "time_iso": ("start_time_iso",),
}
#: Every column name the reader knows; one the header names twice is refused.
_CSV_COLUMNS = tuple(name for options in _CSV_FIELDS.values() for name in options)
_CSV_REQUIRED = ("requests", "input", "output", "model")
#: Fields a header may give under two names (an export carrying both the current and the older
#: column; ``model`` and ``snapshot_id`` too): each row's two cells must agree, else the row is a bad record.
_CSV_TWICE = ("requests", "input", "output", "cached", "model")
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def _csv_int(cell: str, column: str, *, required: bool = True) -> int:
    """A count cell: a cell of 1 to 15 ASCII digits is ``int(cell)`` (under 10**15, the top of
    ``LIMIT``, and what :func:`parse_count` makes of it: the export's own cells, read at a tenth of the
    cost); any other cell, :func:`parse_count`'s rules (signs, spaces, groupings, ``1e3``, bounds)."""
    if cell.isdigit() and cell.isascii() and len(cell) < 16:
        return int(cell)
    text = cell.strip()
    if not text:
        if required:
            raise _Bad("bad_tokens", f"{column} is empty")
        return 0
    try:
        return parse_count(text, LIMIT)  # 1e999999999 refused before it becomes an int
    except NumberError as exc:
        raise _Bad("bad_tokens", f"{column}: {exc}") from None


#: A time cell that is a number (a Unix time in seconds or milliseconds), as JSON writes one.
_CSV_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _csv_day(time: str, time_iso: str, names: Mapping[str, str]) -> int | None:
    """The UTC day of a row from its time cell, else its ISO time cell ("" for a column the export
    lacks); None when both are empty. Read as a JSON log's time key is (:func:`_log_day`): a number
    as a Unix time, other text as ISO 8601 (with ``Z`` or an offset, or without a zone, taken as
    UTC); a cell that is neither, or not from 2000 to 2099, is a bad record naming its column: a
    row priced at the run date's prices for want of a day it does give is silently mispriced."""
    for cell, field in ((time, "time"), (time_iso, "time_iso")):
        text = cell.strip()
        if text:
            return _log_day(names.get(field, field), float(text) if _CSV_NUMBER.fullmatch(text) else text)
    return None


def _csv_one_of_two(
    row: list[str], col: dict[str, int], names: dict[str, str], also: list[tuple[str, int, str]]
) -> None:
    """A field the header gives under two names (``also``: field, index, second name): an empty
    cell is not given (an export may fill one of the two on some rows), so the other is read, put
    in the first name's cell of ``row``; two cells given must agree, else the row is a bad record
    naming both columns and values. Two model names agree only when equal: an alias beside a
    snapshot is refused too (the reader has no catalog, and their lifecycles may differ)."""
    for field, index, name in also:
        other = row[index]
        if not other.strip():
            continue
        first = row[col[field]]
        if not first.strip():
            row[col[field]] = other
            continue
        if field == "model":
            a, b = first.strip(), other.strip()
            if a != b:
                raise _Bad("bad_record", _csv_differ(names[field], quoted(a[:60]), name, quoted(b[:60])))
            continue
        n, m = _csv_int(first, names[field]), _csv_int(other, name)
        if n != m:
            raise _Bad("bad_tokens", _csv_differ(names[field], str(n), name, str(m)))


def _csv_differ(first: str, a: str, second: str, b: str) -> str:
    return f"{first} ({a}) and {second} ({b}) differ; which one to price is unclear: fix the row or keep one column"


#: The fields :func:`_csv_rows` takes from a row, in the order it unpacks them.
_CSV_TAKEN = (
    "input",
    "output",
    "requests",
    "cached",
    "uncached",
    "model",
    "batch",
    "tier",
    "project",
    "user",
    "api_key",
    "time",
    "time_iso",
)
#: Days remembered per export: one per distinct time cell (an export has a row per day and group).
_CSV_DAYS = 4096


def _csv_rows(
    col: dict[str, int], names: dict[str, str], also: list[tuple[str, int, str]], width: int
) -> Callable[[list[str]], tuple[GroupKey, int, int, int, int, bool]]:
    """The reader of one export's rows, its columns resolved once: a row of ``width`` cells to
    (group key, requests, input, cached, output, not grouped), or :class:`_Bad`. A field the header
    lacks reads as an empty cell (the one appended to each row at index ``width``). Not grouped: the
    row's ``batch`` is empty (or the export has no such column), or its ``service_tier`` is empty on
    a row that is not Batch traffic, as a Usage API result with null there (:class:`_Ungrouped`)."""
    take = itemgetter(*(col.get(field, width) for field in _CSV_TAKEN))
    n_in, n_out, n_req, n_model = names["input"], names["output"], names["requests"], names["model"]
    n_cached, n_uncached = names.get("cached", ""), names.get("uncached", "")
    has_cached, has_uncached = "cached" in col, "uncached" in col
    known = _TRUE | _FALSE | {""}  # an empty cell (or no batch column): not grouped by batch
    days: dict[tuple[str, str], int | None] = {}  # (time, time_iso) -> day: the same few cells on every row

    def record(row: list[str]) -> tuple[GroupKey, int, int, int, int, bool]:
        if also:
            _csv_one_of_two(row, col, names, also)
        row.append("")
        c_in, c_out, c_req, c_cached, c_uncached, model, flag, tier, project, user, key, time, time_iso = take(row)
        n = in_range(_csv_int(c_req, n_req), None, n_req)
        inp = in_range(_csv_int(c_in, n_in), n, n_in)
        out = in_range(_csv_int(c_out, n_out), n, n_out)
        if has_cached:
            cached = _csv_int(c_cached, n_cached, required=False)
        elif has_uncached:
            cached = inp - _csv_int(c_uncached, n_uncached)
            if cached < 0:
                raise _Bad("bad_tokens", f"{n_uncached} exceeds {n_in}")
        else:
            cached = 0
        if cached > inp:
            raise _Bad("bad_tokens", f"{n_cached} ({cached}) exceeds {n_in} ({inp})")
        flag = flag.strip().lower()
        if flag not in known:
            raise _Bad("bad_record", f"batch is {quoted(flag)}; expected TRUE or FALSE")
        when = (time, time_iso)
        day = days.get(when, -1)  # -1: not seen yet (a day is from 2000 on, or None)
        if day == -1:
            day = _csv_day(time, time_iso, names)
            if len(days) >= _CSV_DAYS:
                days.clear()
            days[when] = day
        if not names_model(model):
            raise _no_model_name(n_model, quoted(model) if model else "empty", "export the usage")
        batch = flag in _TRUE
        tier = tier.strip().lower()
        return (
            (
                model.strip(),
                batch,
                tier or None,
                day,
                project.strip() or None,
                user.strip() or None,
                key.strip() or None,
            ),
            n,
            inp,
            cached,
            out,
            not flag or not (tier or batch),
        )

    return record


def _scan_csv(stream: IO[bytes], first: bytes, sink: Sink, top: int) -> None:
    """Count the rows of a usage CSV export whose header, ``first``, is on line ``top``.

    Blank rows (no cell with anything but spaces) are passed over. A row with more or fewer cells
    than the header names is a bad record (:func:`~.repeats.cells_astray`): which cell is in which
    column is unclear, so none of its figures is read. Problems name the line a row starts on."""
    try:
        header_text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _Bad("bad_file", "not a usage file: not JSON, and not a UTF-8 CSV export", top) from None
    try:
        header = [h.strip().lower() for h in next(csv.reader([header_text]), [])]
    except csv.Error:  # a long non-JSON line: over the CSV field limit
        header = []
    col: dict[str, int] = {}
    names: dict[str, str] = {}
    twice_in_header = column_twice(header, _CSV_COLUMNS)
    if twice_in_header:
        raise _Bad("bad_file", twice_in_header, top)
    for field, options in _CSV_FIELDS.items():
        for name in options:
            if name in header:
                col[field], names[field] = header.index(name), name
                break
    if not col:
        raise _Bad("bad_file", "not a usage file: expected JSON, JSONL, or a usage CSV export with a header row", top)
    also = [  # a count's second name in the header: (field, index, name)
        (f, header.index(name), name)
        for f in _CSV_TWICE
        if f in col
        for name in _CSV_FIELDS[f]
        if name in header and name != names[f]
    ]
    missing = [_CSV_FIELDS[f][0] for f in _CSV_REQUIRED if f not in col]
    if missing:
        raise _Bad(
            "bad_file",
            f"CSV export lacks the {'column' if len(missing) == 1 else 'columns'} {', '.join(missing)} "
            f"(header: {', '.join(header)[:120]})",
            top,
        )
    width = len(header)
    record = _csv_rows(col, names, also, width)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")  # type: ignore[arg-type]
    reader = csv.reader(text)
    acc = sink.acc
    end = top  # the line the last row read ends on (a quoted cell may hold line breaks)
    try:
        for row in reader:
            line, end = end + 1, top + reader.line_num
            if not "".join(row).strip():  # no row, or no cell with anything but spaces
                continue
            if len(row) != width:
                sink.skip("bad_record", cells_astray(len(row), width) or "", line=line)
                continue
            try:
                key, n, inp, cached, out, ungrouped = record(row)
            except _Bad as exc:
                sink.skip(exc.reason, exc.detail, line=line)
            else:
                acc.add_tokens(key, n, inp, cached, out, False)
                if ungrouped:
                    acc.ungrouped += 1
                    acc.ungrouped_rows += 1
    except UnicodeDecodeError as exc:
        raise _Bad("bad_file", f"not UTF-8 near line {top + reader.line_num} ({exc.reason})") from None
    except csv.Error as exc:
        raise _Bad("bad_file", f"line {top + reader.line_num}: CSV error: {exc}") from None
    finally:
        text.detach()


# --------------------------------------------------------------------------- files


class _Tracker:
    """Progress across files: bytes of finished files plus the current file's position."""

    def __init__(self, fn: ProgressFn | None, total: int | None) -> None:
        self.fn = fn
        self.total = total
        self.done = 0
        self.current = 0

    def update(self, current: int, records: int) -> None:
        """``current``: bytes of the file being read so far (compressed bytes for gzip)."""
        self.current = current
        if self.fn is not None:
            self.fn(self.done + current, self.total, records)

    def file_done(self, size: int | None, records: int) -> None:
        self.done += size if size is not None else self.current
        self.current = 0
        if self.fn is not None:
            self.fn(self.done, self.total, records)


def _open(path: str) -> tuple[BinaryIO, BinaryIO, bool]:
    """(decompressed stream, raw stream for position, is gzip)."""
    if path == STDIN:
        raw: BinaryIO = stdin_stream()
    else:
        raw = open_input(path)  # closed by the caller
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type,type-var]
    magic = raw.peek(2)[:2]  # type: ignore[attr-defined]
    if magic == GZIP_MAGIC:
        return Inflate(raw), raw, True  # type: ignore[return-value]
    return raw, raw, False


class Inflate:
    """A gzip file's bytes as zlib-ng inflates them, member after member (``read1``, ``read``,
    ``peek``, ``readline``).

    zlib-ng's own GzipFile drops what it inflated last when the file is cut off; this hands out
    everything inflated before a cut or a corrupt block, then raises the error (EOFError for a
    cut, as the standard gzip module does), so the records before it are counted.
    """

    READ = 32 << 10  # compressed bytes read at a time

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.inflate: Any = zlib_ng.decompressobj(31)
        self.done = False
        self.ahead = b""  # inflated, not handed out from self.pos on (peek, read(n), readline)
        self.pos = 0

    def _inflate(self) -> bytes:
        while not self.done:
            if self.inflate.eof:  # a member ended: another may follow (zero padding may too)
                data = self.inflate.unused_data + self.raw.read(self.READ)
                data = data.lstrip(b"\0")
                if not data:
                    self.done = True
                    break
                if not data.startswith(GZIP_MAGIC):
                    self.done = True
                    raise gzip.BadGzipFile("trailing garbage after the last gzip member")
                self.inflate = zlib_ng.decompressobj(31)
            else:
                data = self.raw.read(self.READ)
                if not data:
                    self.done = True
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            try:
                out: bytes = self.inflate.decompress(data)
            except _GZIP_ERRORS:
                self.done = True
                raise
            if out:
                return out
        return b""

    def read1(self, size: int = -1) -> bytes:
        if self.pos < len(self.ahead):
            out = self.ahead[self.pos :] if self.pos else self.ahead
            self.ahead, self.pos = b"", 0
            return out
        return self._inflate()

    def peek(self, size: int = 0) -> bytes:
        """What the next read would return, without consuming it (at least a byte, unless at the end)."""
        if self.pos >= len(self.ahead):
            self.ahead, self.pos = self._inflate(), 0
        return self.ahead[self.pos :] if self.pos else self.ahead

    def read(self, size: int = -1) -> bytes:
        if size is not None and size >= 0:
            data = self.peek()
            self.pos += min(size, len(data))
            return data[:size]
        parts = []
        while chunk := self.read1():
            parts.append(chunk)
        return b"".join(parts)

    def readline(self, size: int = -1) -> bytes:
        """One line, or its first ``size`` bytes: inflated until a newline, the rest kept for the
        next read (linear in the line)."""
        parts = []
        left = size if size is not None and size >= 0 else -1
        while left and (data := self.peek()):
            end = len(data) if left < 0 else min(len(data), left)
            cut = data.find(b"\n", 0, end) + 1
            parts.append(data[: cut or end])
            self.pos += cut or end
            if cut:
                break
            left -= end if left > 0 else 0
        return b"".join(parts)

    def close(self) -> None:
        self.done = True


#: A first line this long with nothing after it is a JSON document written on one line: read as a
#: stream (:mod:`~gpt41cost.readers.usage_stream`), not parsed whole as a JSONL line is.
LONG_LINE_BYTES = 1 << 20

#: Bytes looked at, at a time, while skipping the blank lines before a file's first record.
LEAD_PEEK = 1 << 16

#: At most this much of a file's first line is read at once (:func:`_first_line`): a longer one
#: is a JSON document written on one line, streamed on from there (or a JSONL whose first record
#: is that long, read again from what the stream kept), else not a usage file. Read whole, a
#: first line of zeros from ``/dev/zero`` grew until the OOM killer ended the run.
FIRST_LINE_BYTES = 8 << 20


def _first_line(stream: Any) -> tuple[bytes, int, int]:
    """(first line with content, bytes before it, blank lines before it); the stream is left just
    after that line. A byte order mark is skipped. Runs of blank lines are skipped a buffer at a
    time (``peek``, then ``read`` of whole lines), never a line at a time: a gzip of a gigabyte of
    blank lines takes seconds, not minutes, and no memory in proportion to it. Of a line longer
    than :data:`FIRST_LINE_BYTES`, only its first FIRST_LINE_BYTES are read (no newline at its
    end, more in the stream: :func:`_cut_off`)."""
    skipped = blank = 0
    if stream.peek(len(BOM))[: len(BOM)] == BOM:
        stream.read(len(BOM))
        skipped = len(BOM)
    while True:
        data = stream.peek(LEAD_PEEK)
        content = len(data) - len(data.lstrip())  # where the first non-blank byte is, if any
        cut = data.rfind(b"\n", 0, content) + 1  # whole blank lines before it
        if cut:
            blank += data.count(b"\n", 0, cut)
            skipped += cut
            stream.read(cut)
            if content == len(data):
                continue
        line = stream.readline(FIRST_LINE_BYTES)
        if not line or line.strip():
            return line, skipped, blank
        blank += line.endswith(b"\n")  # a blank line longer than what peek showed (or a piece of one)
        skipped += len(line)


def _cut_off(first: bytes, stream: Any) -> bool:
    """Is ``first``, from :func:`_first_line`, the start of a longer line (no newline, more to read)?"""
    return not first.endswith(b"\n") and bool(stream.peek(1))


def _size(path: str) -> int | None:
    if path == STDIN:
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _read_file(
    path: str, acc: Accumulator, strict: bool, seen: _Seen, tracker: _Tracker, jobs: int, parallel_min_bytes: int
) -> None:
    sink = Sink(acc, path, strict, seen)
    stream, raw, is_gzip = _open(path)
    size = _size(path)
    try:
        try:
            first, skipped, blank = _first_line(stream)
        except _GZIP_ERRORS as exc:
            raise _Bad("truncated", f"gzip data is cut off or corrupt before the first line ({exc})") from None
        if not first.strip():
            raise _Bad("empty_file", "empty file: no usage records")
        lead = first.lstrip()[:1]
        cut_off = _cut_off(first, stream)
        if lead in (b"{", b"[") and cut_off:
            # a document on one line (or a JSONL whose first record is that long): on as a stream
            _read_document_or_jsonl(first, stream, sink, blank, line=blank + 1, path=path, skipped=skipped)
        elif cut_off:
            mib = FIRST_LINE_BYTES >> 20
            raise _Bad(
                "bad_file",
                f"a line over {mib} MiB long that is not JSON: not a usage file"
                " (expected JSON, JSONL, or a usage CSV export with a header row)",
                line=blank + 1,
            )
        elif lead in (b"{", b"["):
            _read_json(path, stream, raw, is_gzip, blank, first, skipped, sink, tracker, size, jobs, parallel_min_bytes)
        else:
            _scan_csv(stream, first, sink, blank + 1)
    except _Bad as exc:
        line = exc.line if exc.line is not None else 1 if exc.reason in ("empty_file", "bad_file") else None
        sink.skip(exc.reason, exc.detail, line=line)
    except OSError as exc:
        sink.skip("bad_file", f"cannot read: {exc.strerror or exc}")
    finally:
        if path != STDIN:
            raw.close()
    tracker.file_done(size, acc.records)


def _read_json(
    path: str,
    stream: BinaryIO,
    raw: BinaryIO,
    is_gzip: bool,
    blank: int,
    first: bytes,
    skipped: int,
    sink: Sink,
    tracker: _Tracker,
    size: int | None,
    jobs: int,
    parallel_min_bytes: int,
) -> None:
    acc = sink.acc
    streamed = False  # read as a document already, and not one
    if len(first) >= LONG_LINE_BYTES and not stream.peek(1):  # type: ignore[attr-defined]
        # one long line and nothing after it: a document written on one line (a Usage API page
        # saved by json.dump), read as a stream rather than parsed whole (about 11 times its size)
        from .usage_stream import read_document

        try:
            read_document(b"", io.BytesIO(first), sink, line=blank + 1)
            return
        except _Bad as exc:
            if exc.reason != "bad_file":  # pragma: no cover - read_document raises no other
                raise
            # not JSON: the line as JSONL reads it, to say how (nothing of it was counted)
            streamed = True
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        stripped = first.strip()
        if stripped in (b"{", b"[") or not stripped.endswith(b"}"):
            if stripped in (b"{", b"["):  # a pretty-printed document: read as a stream
                _read_document(first, stream, sink)
            elif streamed:  # not a document (streamed above), with nothing after it: the line as JSONL
                scan_stream(stream, sink, first=first, line_no=blank)
            else:  # a document that starts on its first line, or a JSONL whose first line is cut off
                _read_document_or_jsonl(first, stream, sink, blank, path=path, skipped=skipped)
            return
    if not is_gzip and path != STDIN and size is not None and size >= parallel_min_bytes and jobs > 1:
        _scan_parallel(path, skipped, size, jobs, sink, tracker, blank)
        return
    pread = not is_gzip and path != STDIN and hasattr(os, "pread")
    # bytes read so far: a pread reads the first line again (review 20d: progress past the size)
    read_so_far = [skipped if pread else len(first) + skipped]

    def on_chunk(n: int) -> None:
        read_so_far[0] += n
        tracker.update(raw.tell() if is_gzip and path != STDIN else read_so_far[0], acc.records)

    if is_gzip and path != STDIN and size is not None and size >= parallel_min_bytes // 8 and jobs > 1:
        _scan_gzip_parallel(path, sink, jobs, tracker, blank, skipped)
    elif pread:
        # a plain file: read it again from the first line at the OS level, each chunk ending at a line's end
        _scan_pread(raw.fileno(), skipped, sink, on_chunk, line_no=blank)
    else:
        scan_stream(stream, sink, first=first, on_chunk=on_chunk, line_no=blank)


def _read_document(first: bytes, stream: IO[bytes] | _Kept, sink: Sink, line: int | None = None) -> None:
    """Count the JSON document that starts with ``first`` and goes on in ``stream``, as a stream
    (:func:`~gpt41cost.readers.usage_stream.read_document`, which raises :class:`_Bad` when it is
    not JSON); a gzip cut off in it is a bad file, since a document cannot be read in part."""
    from .usage_stream import read_document

    try:
        read_document(first, stream, sink, line=line)
    except _GZIP_ERRORS as exc:
        raise _Bad(
            "truncated", f"gzip data is cut off ({exc}); a single JSON document cannot be read in part"
        ) from None


#: The bytes of a file kept while it is read as a JSON document, to be read again as JSONL when
#: it is not one: a JSONL file whose first line is cut off shows that in its next lines.
KEEP_BYTES = 8 << 20


class _Kept:
    """``stream``, keeping what is read from it (``kept``) until more than :data:`KEEP_BYTES`
    have been (then None)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.kept: list[bytes] | None = []
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if self.kept is not None:
            self.kept.append(data)
            self.size += len(data)
            if self.size > KEEP_BYTES:
                self.kept = None
        return data


def _read_document_or_jsonl(
    first: bytes,
    stream: IO[bytes],
    sink: Sink,
    blank: int,
    line: int | None = None,
    *,
    path: str = STDIN,
    skipped: int = 0,
) -> None:
    """A file whose first line starts a JSON value but is not one (or is longer than
    :data:`FIRST_LINE_BYTES`; ``line``: its number, which the bad records of a document written on
    it name): a JSON document, read as a stream, else (nothing of it counted) JSONL from its first
    line, its start read again from what was kept, in memory that does not grow with the file.
    One found not to be JSON past its first :data:`KEEP_BYTES` is a bad file, but for a regular
    file (``path``; its first line ``skipped`` bytes in) that held a whole JSON value and then more
    (a JSONL whose first record is that long): read again from its first line as JSONL, which holds
    a line whole (as it holds such a record on line 2). Stdin or a pipe cannot be read again."""
    kept = _Kept(stream)
    try:
        _read_document(first, kept, sink, line)
        return
    except _Bad as exc:
        if exc.reason != "bad_file":
            raise
        if kept.kept is None:
            if not isinstance(exc, _MoreValues):
                raise
            if path != STDIN and os.path.isfile(path):  # a regular file: not a pipe, read once
                _scan_again(path, skipped, sink, blank)
                return
            mib = (FIRST_LINE_BYTES + KEEP_BYTES) >> 20
            exc.detail += (
                f" (a JSONL whose first line is over {mib} MiB is read from a file: a pipe cannot be read twice)"
            )
            raise
    scan_stream(stream, sink, first=first + b"".join(kept.kept), line_no=blank)


def _scan_again(path: str, skipped: int, sink: Sink, blank: int) -> None:
    """Scan the file at ``path`` as JSONL from its first line, ``skipped`` bytes in (past a byte
    order mark and ``blank`` blank lines), opened again."""
    stream, raw, is_gzip = _open(path)
    try:
        if not is_gzip and hasattr(os, "pread"):  # a long line read in doubling chunks, not re-joined
            _scan_pread(raw.fileno(), skipped, sink, lambda n: None, line_no=blank)
            return
        while skipped > 0 and (data := stream.read(min(skipped, CHUNK_BYTES))):
            skipped -= len(data)
        scan_stream(stream, sink, line_no=blank)
    finally:
        raw.close()


def _scan_pread(
    fd: int, start: int, sink: Sink, on_chunk: Callable[[int], None], end: int | None = None, line_no: int = 0
) -> int:
    """Scan JSONL from byte ``start`` of a file (at a line start) to ``end`` (default: its end);
    return the number of the last line (lines before ``start``: ``line_no``).

    Each chunk is read to end at a line's end, so no byte is copied twice.
    """
    pos = start
    want = CHUNK_BYTES
    while True:
        if end is not None:
            want = min(want, end - pos)
        data = os.pread(fd, want, pos) if want > 0 else b""
        if len(data) < want or (end is not None and pos + len(data) >= end):  # the last chunk
            on_chunk(len(data))
            return _scan_block(data, sink, line_no, last=not data.endswith(b"\n")) if data else line_no
        cut_at = data.rfind(b"\n")
        if cut_at < 0:  # a line longer than a chunk: read more at once
            want *= 2
            continue
        want = CHUNK_BYTES
        line_no = _scan_block(data, sink, line_no, last=False)
        on_chunk(cut_at + 1)
        pos += cut_at + 1


#: Held by a read for its whole course: the readers keep state at module level (the memory a gzip
#: read shares with its workers, the ids before a parallel read, set as the workers fork, the
#: structs a decode built, the order the record kinds are tried in), so reads in several threads
#: at once take turns. (A read of one file already keeps every core busy with ``jobs``; two at
#: once in one process were wrong, not faster: totals off by a few records, made-up skips.)
#: Reentrant: a ``progress`` function that reads usage itself waits for nothing.
_READING = threading.RLock()


def read_usage(
    paths: Sequence[str],
    *,
    strict: bool = False,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    max_ids: int = MAX_IDS,
    skip_bad: bool = False,
    bands: bool = True,
    long_threshold: int | None = None,
) -> Accumulator:
    """Read every usage file under ``paths`` into one :class:`Accumulator`.

    A record whose response ``id`` was counted before (in any file) is a duplicate: it is
    dropped and counted in ``acc.duplicates``; records without an id are never merged. Up to
    ``max_ids`` ids are remembered. ``jobs``: processes for a plain JSONL file of at least
    ``parallel_min_bytes`` (default: every core). Raises InputError for a missing path, on the first bad record
    under ``strict``, and when no record could be read. A subdirectory that cannot be read is an
    InputError too, and so is a broken link or a link loop found in a directory, unless
    ``skip_bad``: then it is a skipped input (``unreadable_dir``, ``bad_link``). Reads
    in several threads at once take turns (:data:`_READING`). ``bands=False``: the histogram of
    (input band, cached tokens) per request, :attr:`Accumulator.bands` (the calibration's cache by
    prompt size, which ``estimate --calibrate-from`` and plan's workloads read), is left empty; the
    other figures are the same, for about 6% less CPU a line on a large log. ``long_threshold``:
    the catalog's long-context threshold, over which a request of a priority tier is kept apart
    (:attr:`Accumulator.long_priority`: priced at standard rates); None: not kept apart.
    """
    with _READING:
        return _read_usage(paths, strict, jobs, progress, parallel_min_bytes, max_ids, skip_bad, bands, long_threshold)


def _read_usage(
    paths: Sequence[str],
    strict: bool,
    jobs: int | None,
    progress: ProgressFn | None,
    parallel_min_bytes: int,
    max_ids: int,
    skip_bad: bool,
    bands: bool,
    long_threshold: int | None = None,
) -> Accumulator:
    acc = Accumulator(count_bands=bands, long_threshold=long_threshold)

    def leave_out(err: UnreadableDirectory) -> None:
        if strict:
            raise err
        acc.skip(Skip(err.path, None, "bad_link" if isinstance(err, BadLink) else "unreadable_dir", err.why))

    on_bad = leave_out if skip_bad else None
    files = [f.path for f in find_inputs(paths, on_error=on_bad, on_link=on_bad, skippable=True)]
    sizes = [_size(p) for p in files]
    total = None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)
    tracker = _Tracker(progress, total)
    seen = _Seen(max_ids)
    n_jobs = max(1, jobs if jobs is not None else os.cpu_count() or 1)
    for path in files:
        try:
            _read_file(path, acc, strict, seen, tracker, n_jobs, parallel_min_bytes)
        except _StrictStop as stop:
            raise strict_stop(stop.skip.message()) from None
    if _package.KEPT_TILL_EXIT is not None:  # the process ends without freeing anything
        _package.KEPT_TILL_EXIT.append(seen.hashes)
    if acc.records == 0 and not acc.failed_batch:
        where = ", ".join(map(source_name, files)) if len(files) <= 3 else f"{len(files)} files"
        first = f"; first problem: {acc.skips[0].message()}" if acc.skips else ""
        if not first and acc.not_usage:
            first = (
                f"; {counted(acc.not_usage, 'streamed chunk or event', 'streamed chunks or events')} "
                f"{'holds' if acc.not_usage == 1 else 'hold'} no usage by design: a stream's usage is on "
                "its last chunk (with stream_options.include_usage) or its response.completed event, which "
                + ("this does not hold" if acc.not_usage == 1 else "these do not hold")
            )
        raise InputError(f"{where}: no usage records found{first}")
    return acc


def load_calibration(
    paths: Iterable[str],
    catalog: Catalog,
    *,
    strict: bool = False,
    progress: ProgressFn | None = None,
) -> Calibration:
    """Read usage files (any format ``gpt41cost usage`` reads) and return their :class:`Calibration`.

    For ``estimate --calibrate-from FILE``. Bad records are skipped unless ``strict``; raises
    :class:`~gpt41cost.errors.InputError` if no priced record was read.
    """
    paths = list(paths)
    acc = read_usage(paths, strict=strict, progress=progress)
    cal = calibrate(acc, catalog, sources=paths)
    if not cal.models:
        raise InputError(
            f"{', '.join(paths)}: no usage records for a model the catalog prices; nothing to calibrate from"
        )
    return cal
