"""Usage files -> :class:`~gpt41cost.usage.Accumulator`, streaming, formats told apart by content.

Reads (ACCOUNTING.md §8, §10):

- JSONL of Chat Completions or Responses API responses, bare or inside a logging envelope that
  holds the response under ``response``, ``result``, ``completion``, ``output``, ``data`` or ``body``;
- one JSON response, or a JSON array of them;
- Batch API output files (usage under ``response.body``); failed and expired lines are counted
  apart, never priced;
- Usage API pages (``/v1/organization/usage/completions``): one page, a JSON array, or JSONL of pages;
- usage dashboard CSV exports, the current one (``num_model_requests``, ``input_tokens``, ...)
  and the older one (``n_context_tokens_total``, ``n_generated_tokens_total``, ...).

Files, directories (recursively, hidden files skipped), gzip (detected by its magic bytes) and
``-`` for stdin. Bad records are skipped and counted with their file and line; ``strict`` turns the
first into an :class:`~gpt41cost.errors.InputError`.

Speed. JSONL is read in large chunks that end at a newline; a large plain file is cut into byte
ranges at newlines, one per core, each scanned by its own process (``os.pread``, no copy twice)
and the totals merged. Each chunk gets one pass of a pattern (:data:`_LINE`) that proves a line
is a Chat Completions response written exactly as the API writes it (``{"id":...,"object":
"chat.completion","created":...,"model":...,"choices":[...],"usage":{...},"service_tier":...,
"system_fingerprint":...}``, compact, in that key order) and captures what the full parse would
read from it; the canonical rows of a chunk are then summed per (model, service tier, day) with
C-level builtins, no Python code per line. The pattern checks every byte of such a line - strings
(UTF-8, escapes, surrogate pairs, control characters), numbers, brackets - so a line it accepts
is valid JSON that orjson parses to exactly the captured fields. Every other line (other shapes,
whitespace, a line cut off, two run together, more cached than prompt tokens) gets the full
parse, which is the reference.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import gzip
import io
import itertools
import multiprocessing as mp
import os
import re
import sys
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import add, floordiv, le, mul, sub
from typing import IO, Any, BinaryIO

import orjson

from ..errors import InputError, worker_ignores_interrupt
from ..usage import SECONDS_PER_DAY, Accumulator, Skip, UsageRecord, day_of
from .files import open_input
from .text import STDIN, expand_paths

#: (bytes done, bytes in all (None when reading stdin), records counted so far)
ProgressFn = Callable[[int, int | None, int], None]

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
#: Bytes read at a time from a JSONL stream.
CHUNK_BYTES = 4 << 20
#: A plain JSONL file at least this big is read by several processes.
PARALLEL_MIN_BYTES = 8 << 20
#: Ranges per process: a process that finishes early takes the next range, so one slow core
#: (another guest's load on a shared VM) does not leave the other idle at the end.
RANGES_PER_JOB = 6
#: Keys under which a logging envelope may hold the API response, tried in this order.
ENVELOPE_KEYS = ("response", "result", "completion", "output", "data", "body")
MAX_ENVELOPE_DEPTH = 3
COMPLETIONS_RESULT = "organization.usage.completions.result"

#: Lines of exactly the API's own Chat Completions shape are counted without a JSON parse: one
#: pass of this pattern over a whole chunk gives one row per line, (created, model, prompt_tokens,
#: completion_tokens, cached_tokens, service_tier, b"") for a line it proves canonical and
#: (b"", b"", b"", b"", b"", b"", line) for any other line, which gets the full parse.
#: A canonical line is valid JSON as orjson reads it, byte for byte: every string is checked for
#: valid UTF-8, no raw control characters, only JSON escapes and no lone surrogates; every number
#: is a plain whole number; the keys are fixed, distinct and in the API's order, so the full parse
#: of such a line yields exactly the captured fields (ACCOUNTING §10 (a)). Anything else - other
#: key orders, whitespace, extra keys, big or negative numbers, a line cut off or two run
#: together - does not match and so falls back.
_HEX = rb"[0-9a-fA-F]"
_ESCAPE = (  # a JSON escape; a \\u escape of a surrogate only as a high + low pair (orjson refuses a lone one)
    rb'\\(?:["\\/bfnrt]|u(?![dD][89a-fA-F])' + _HEX + rb"{4}"
    rb"|u[dD][89abAB]" + _HEX + rb"{2}\\u[dD][c-fC-F]" + _HEX + rb"{2})"
)
_UTF8 = (  # one non-ASCII character as strict UTF-8 (what orjson and Python's decoder accept): lead, continuation
    rb"(?:[\xc2-\xdf]|\xe0[\xa0-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]|\xed[\x80-\x9f]|\xf0[\x90-\xbf][\x80-\xbf]"
    rb"|[\xf1-\xf3][\x80-\xbf]{2}|\xf4[\x80-\x8f][\x80-\xbf])[\x80-\xbf]"
)
_PLAIN = rb"[\x20\x21\x23-\x5b\x5d-\x7f]*+"  # printable ASCII but " and \\
_STR = rb'"' + _PLAIN + rb"(?:(?:" + _ESCAPE + rb"|" + _UTF8 + rb")" + _PLAIN + rb')*+"'
_NAME = rb'"[A-Za-z0-9_\-]*+"'  # ids, names, finish reasons, fingerprints: only these characters
_INT = rb"(?:0|[1-9][0-9]{0,11})"  # 0 <= n < 10**12; wider numbers take the full parse
_TOOL_CALL = (
    rb'\{"id":' + _NAME + rb',"type":"function","function":\{"name":' + _NAME + rb',"arguments":' + _STR + rb"\}\}"
)
_CHOICE = (
    rb'\{"index":' + _INT + rb',"message":\{"role":"assistant","content":(?:null|' + _STR + rb")"
    rb'(?:,"tool_calls":\[' + _TOOL_CALL + rb"(?:," + _TOOL_CALL + rb")*+\])?+"
    rb'(?:,"refusal":(?:null|' + _STR + rb"))?+"
    rb'(?:,"annotations":\[\])?+\},"logprobs":null,"finish_reason":' + _NAME + rb"\}"
)
_TOKENS = rb'"[a-z_]{1,60}":' + _INT  # a key of completion_tokens_details: the full parse reads none
_DETAILS = (  # as the API writes them (tried first: literal is fastest), else any such keys
    rb'(?:"reasoning_tokens":'
    + _INT
    + rb',"audio_tokens":'
    + _INT
    + rb',"accepted_prediction_tokens":'
    + _INT
    + rb',"rejected_prediction_tokens":'
    + _INT
    + rb"|(?:"
    + _TOKENS
    + rb"(?:,"
    + _TOKENS
    + rb")*+)?+)"
)
_CANONICAL = b"".join(
    [
        rb'\{"id":' + _NAME + rb',"object":"chat\.completion","created":(' + _INT + rb"),",
        rb'"model":"([A-Za-z0-9._:\-]{1,200})",',
        rb'"choices":\[' + _CHOICE + rb"(?:," + _CHOICE + rb")*+\],",
        rb'"usage":\{"prompt_tokens":(' + _INT + rb'),"completion_tokens":(' + _INT + rb"),",
        rb'"total_tokens":' + _INT + rb',"prompt_tokens_details":\{"cached_tokens":(' + _INT + rb")",
        rb'(?:,"audio_tokens":' + _INT + rb")?+\}",
        rb'(?:,"completion_tokens_details":\{' + _DETAILS + rb"\})?+\},",
        rb'"service_tier":"([a-z_]{1,40})"(?:,"system_fingerprint":(?:null|' + _NAME + rb"))?+\}",
    ]
)
_LINE = re.compile(rb"^(?:" + _CANONICAL + rb"|([^\n]*+))$", re.MULTILINE)

#: ``_LINE.split``, from the native matcher when it was built (gpt41cost/_canon.c: the same
#: grammar by hand, ~3x faster; tests check the two agree), else from the pattern.
_split_lines: Callable[[bytes], list[Any]]
try:
    from .._canon import split as _split_lines
except ImportError:  # no C compiler at install: the pattern gives the same rows
    _split_lines = _LINE.split


class _Bad(Exception):
    """A record that cannot be counted; reason is a key of usage.SKIP_REASONS."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _BatchFailed(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _StrictStop(Exception):
    def __init__(self, skip: Skip) -> None:
        super().__init__(skip.message())
        self.skip = skip


# --------------------------------------------------------------------------- records from JSON values


def _tok(obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> int:
    value = obj.get(key)
    if value is None:
        if required:
            raise _Bad("bad_tokens", f"{where}.{key} is missing")
        return 0
    if type(value) is not int:
        raise _Bad("bad_tokens", f"{where}.{key} is {orjson.dumps(value).decode()[:40]}, not a whole number")
    if value < 0:
        raise _Bad("bad_tokens", f"{where}.{key} is negative ({value})")
    return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _day(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return day_of(value)
    return None


def _from_response(obj: dict[str, Any], usage: dict[str, Any], batch: bool) -> UsageRecord:
    model = obj.get("model")
    if not isinstance(model, str):
        raise _Bad("bad_record", "response has usage but no model name")
    if "prompt_tokens" in usage or "completion_tokens" in usage:  # Chat Completions
        inp = _tok(usage, "prompt_tokens", "usage")
        out = _tok(usage, "completion_tokens", "usage")
        details, dkey = usage.get("prompt_tokens_details"), "usage.prompt_tokens_details"
    elif "input_tokens" in usage or "output_tokens" in usage:  # Responses API
        inp = _tok(usage, "input_tokens", "usage")
        out = _tok(usage, "output_tokens", "usage")
        details, dkey = usage.get("input_tokens_details"), "usage.input_tokens_details"
    else:
        raise _Bad(
            "bad_tokens",
            "usage has neither prompt_tokens/completion_tokens (Chat) nor input_tokens/output_tokens (Responses)",
        )
    cached = _tok(details, "cached_tokens", dkey, required=False) if isinstance(details, dict) else 0
    if cached > inp:
        raise _Bad("bad_tokens", f"{dkey}.cached_tokens ({cached}) exceeds the input tokens ({inp})")
    created = obj.get("created")
    if created is None:
        created = obj.get("created_at")
    tier = obj.get("service_tier")
    return UsageRecord(
        model,
        inp,
        cached,
        out,
        batch=batch,
        service_tier=tier if isinstance(tier, str) else None,
        day=_day(created),
    )


def _response_record(obj: dict[str, Any], batch: bool = False, depth: int = 0) -> UsageRecord:
    if "custom_id" in obj and ("response" in obj or "error" in obj):  # Batch output line (§8)
        error, resp = obj.get("error"), obj.get("response")
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            raise _BatchFailed(str(code or "error"))
        if not isinstance(resp, dict):
            raise _BatchFailed("no response")
        status, body = resp.get("status_code"), resp.get("body")
        if status != 200 or not isinstance(body, dict) or body.get("error"):
            raise _BatchFailed(f"status {status}")
        return _response_record(body, True, depth + 1)
    usage = obj.get("usage")
    if isinstance(usage, dict) and "model" in obj:
        return _from_response(obj, usage, batch)
    if depth < MAX_ENVELOPE_DEPTH:
        for key in ENVELOPE_KEYS:
            inner = obj.get(key)
            if isinstance(inner, dict):
                return _response_record(inner, batch, depth + 1)
    if obj.get("object") == "batch":
        raise _Bad(
            "bad_record",
            "a Batch object: its usage names no model; read the batch's output file (output_file_id) instead",
        )
    if "usage" in obj and usage is None:
        raise _Bad("no_usage", "usage is null (a streamed chunk, or a response that did not finish?)")
    raise _Bad(
        "no_usage",
        "no usage object (expected a Chat Completions or Responses API response, a Batch output line "
        "or a Usage API page)",
    )


def _api_result(res: Any, day: int | None) -> UsageRecord:
    if not isinstance(res, dict):
        raise _Bad("bad_record", "a Usage API result is not an object")
    kind = res.get("object")
    if isinstance(kind, str) and kind != COMPLETIONS_RESULT:
        raise _Bad("bad_record", f"{kind} is not completions usage (use /v1/organization/usage/completions)")
    n = _tok(res, "num_model_requests", "result")
    inp = _tok(res, "input_tokens", "result")
    out = _tok(res, "output_tokens", "result")
    cached = _tok(res, "input_cached_tokens", "result", required=False)
    if cached > inp:
        raise _Bad("bad_tokens", f"result.input_cached_tokens ({cached}) exceeds input_tokens ({inp})")
    return UsageRecord(
        _str_or_none(res.get("model")),
        inp,
        cached,
        out,
        requests=n,
        batch=res.get("batch") is True,
        service_tier=_str_or_none(res.get("service_tier")),
        day=day,
        project_id=_str_or_none(res.get("project_id")),
        user_id=_str_or_none(res.get("user_id")),
        api_key_id=_str_or_none(res.get("api_key_id")),
        per_request=False,
    )


def _is_page(value: dict[str, Any]) -> bool:
    return value.get("object") == "page" or (isinstance(value.get("data"), list) and "has_more" in value)


def _is_bucket(value: dict[str, Any]) -> bool:
    return value.get("object") == "bucket" or (isinstance(value.get("results"), list) and "start_time" in value)


def _consume(
    value: Any, add: Callable[[UsageRecord], None], bad: Callable[[Exception, str], None], where: str = ""
) -> None:
    """Add every record in one parsed JSON value; ``bad(error, where)`` for each that cannot be."""
    at = f"{where}: " if where else ""
    if isinstance(value, list):
        for n, item in enumerate(value):
            _consume(item, add, bad, f"{where}[{n}]" if where else f"item {n + 1}")
        return
    if not isinstance(value, dict):
        bad(_Bad("bad_record", f"{at}expected a JSON object, got {type(value).__name__}"), where)
        return
    if _is_page(value):
        for n, bucket in enumerate(value["data"]):
            _consume(bucket, add, bad, f"{where}data[{n}]" if not where else f"{where}.data[{n}]")
        return
    if _is_bucket(value):
        day = _day(value.get("start_time"))
        for n, res in enumerate(value.get("results") or []):
            try:
                add(_api_result(res, day))
            except _Bad as exc:
                exc.detail = f"{where}.results[{n}]: {exc.detail}" if where else f"results[{n}]: {exc.detail}"
                bad(exc, where)
        return
    try:
        add(_response_record(value))
    except (_Bad, _BatchFailed) as exc:
        if isinstance(exc, _Bad) and at:
            exc.detail = at + exc.detail
        bad(exc, where)


# --------------------------------------------------------------------------- JSONL scanning (hot path)


class _Sink:
    """Where one scan puts its records and problems: an Accumulator plus the strict switch."""

    def __init__(self, acc: Accumulator, source: str, strict: bool) -> None:
        self.acc = acc
        self.source = source
        self.strict = strict
        self.line: int | None = None

    def skip(self, reason: str, detail: str, line: int | None = None) -> None:
        s = Skip(self.source, line if line is not None else self.line, reason, detail)
        if self.strict:
            raise _StrictStop(s)
        self.acc.skip(s)

    def bad(self, exc: Exception, where: str = "") -> None:
        if isinstance(exc, _BatchFailed):
            self.acc.fail_batch(exc.code)
        elif isinstance(exc, _Bad):
            self.skip(exc.reason, exc.detail)
        else:  # pragma: no cover - only the two above are passed
            raise exc


def _full_parse(line: bytes, sink: _Sink, line_no: int) -> None:
    """The reference: parse one JSONL line whole and count what it holds."""
    if not line.strip():
        return
    sink.line = line_no
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        text = line.strip()
        what = "line is cut off" if text[:1] in (b"{", b"[") and text[-1:] not in (b"}", b"]") else "not JSON"
        sink.skip("not_json", f"{what} ({_orjson_msg(exc)})")
        return
    _consume(value, sink.acc.add, sink.bad)


def _scan_block(data: bytes, sink: _Sink, line_no: int, *, last: bool = True) -> int:
    """Count the JSONL lines of ``data``; return the number of the last line counted.

    ``last=False``: the last line of ``data`` is not complete yet; it is left for the caller.
    One pass of :data:`_LINE` gives a row per line; canonical rows are summed with C-level
    builtins over whole columns, every other line gets :func:`_full_parse`, in line order.
    """
    parts = _split_lines(data)  # b"", then per line its 7 groups and the newline after it, then b""
    n = len(parts) // 8 - (not last)
    if n <= 0:
        return line_no
    stop = 8 * n + 1
    cols = [parts[j:stop:8] for j in range(1, 8)]  # created, model, prompt, completion, cached, tier, other
    if None not in cols[1] and _add_rows(sink.acc, *cols[:6]):
        return line_no + n  # the common case: every line canonical
    # a mixed chunk: canonical rows in bulk, the rest line by line
    good: list[int] = []
    todo: list[tuple[int, bytes]] = []
    lines: list[bytes] | None = None
    models, prompts, cached, other = cols[1], cols[2], cols[4], cols[6]
    for i in range(n):
        if models[i] is None:
            todo.append((line_no + i + 1, other[i]))
        elif int(cached[i]) <= int(prompts[i]):
            good.append(i)
        else:  # canonical, but more cached than prompt tokens: the full parse words the skip
            if lines is None:
                lines = data.split(b"\n")
            todo.append((line_no + i + 1, lines[i]))
    if good:
        _add_rows(sink.acc, *[[col[i] for i in good] for col in cols[:6]])
    for number, line in todo:
        _full_parse(line, sink, number)
    return line_no + n


def _ints(col: Sequence[bytes]) -> list[int]:
    """Whole numbers of a column of digit strings (each matched by :data:`_INT`), in one C call."""
    values: list[int] = orjson.loads(b"[" + b",".join(col) + b"]")
    return values


def _add_rows(
    acc: Accumulator,
    created: Sequence[bytes],
    models: Sequence[bytes],
    pts_b: Sequence[bytes],
    cts_b: Sequence[bytes],
    cas_b: Sequence[bytes],
    tiers: Sequence[bytes],
) -> bool:
    """Add canonical rows (as columns) to ``acc``, grouped by (model, service_tier, UTC day).

    Returns False, adding nothing, when some row has more cached than prompt tokens. Each row gets
    a small whole-number group id; sorting the rows by it makes each group one slice of a column.
    """
    pts, cas, cts = _ints(pts_b), _ints(cas_b), _ints(cts_b)
    if not all(map(le, cas, pts)):
        return False
    model_of = list(set(models))
    tier_of = list(set(tiers))
    ids = list(map({m: i for i, m in enumerate(model_of)}.__getitem__, models))
    n_tiers = len(tier_of)
    if n_tiers > 1:  # id = model * n_tiers + tier
        tier_ids = map({t: i for i, t in enumerate(tier_of)}.__getitem__, tiers)
        ids = list(map(add, map(mul, ids, repeat(n_tiers)), tier_ids))
    lo, hi = min(created), max(created)  # digit strings of one length order as their numbers do
    day0 = int(lo) // SECONDS_PER_DAY
    n_days = 1
    if not (len(lo) == len(hi) and day0 == int(hi) // SECONDS_PER_DAY and len(set(map(len, created))) == 1):
        days = list(map(floordiv, _ints(created), repeat(SECONDS_PER_DAY)))
        day0 = min(days)
        n_days = max(days) - day0 + 1  # id = (model * n_tiers + tier) * n_days + day - day0
        ids = list(map(add, map(mul, ids, repeat(n_days)), map(sub, days, repeat(day0))))
    distinct = sorted(set(ids))
    if len(distinct) > 1:  # sort the rows by id: each group becomes one slice of each column
        order = sorted(range(len(ids)), key=ids.__getitem__)
        ids = list(map(ids.__getitem__, order))
        pts = list(map(pts.__getitem__, order))
        cas = list(map(cas.__getitem__, order))
        cts = list(map(cts.__getitem__, order))
    groups, hist = acc.groups, acc.hist
    a = 0
    for gid in distinct:
        b = bisect_right(ids, gid, a)
        rest, day = divmod(gid, n_days)
        model_i, tier_i = divmod(rest, n_tiers)
        model = model_of[model_i].decode("ascii")
        key = (model, False, tier_of[tier_i].decode("ascii"), day0 + day, None, None, None)
        acc.records += b - a
        sums = [b - a, sum(pts[a:b]), sum(cas[a:b]), sum(cts[a:b])]
        g = groups.get(key)
        if g is None:
            groups[key] = sums
        else:
            for j in range(4):
                g[j] += sums[j]
        h = hist.get(model)
        if not isinstance(h, Counter):
            h = Counter(h or {})
            hist[model] = h
        h.update(cts[a:b])
        a = b
    return True


def _scan_lines(lines: Iterable[bytes], sink: _Sink, line_no: int) -> int:
    """Count JSONL lines (none holding a newline); return the number of the last line seen."""
    todo = list(lines)
    return _scan_block(b"\n".join(todo), sink, line_no) if todo else line_no


def _orjson_msg(exc: Exception) -> str:
    return str(exc).split(": line", 1)[0]


def _read1(stream: IO[bytes]) -> Callable[[int], bytes]:
    r = getattr(stream, "read1", None)
    return r if r is not None else stream.read  # type: ignore[no-any-return]


def _scan_stream(
    stream: IO[bytes],
    sink: _Sink,
    *,
    first: bytes = b"",
    limit: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Scan JSONL from ``stream`` (``limit`` bytes at most) in big chunks; return the line count.

    ``first`` is data already read from the stream (the sniffed first line). A gzip stream that is
    cut off keeps the records before the cut and adds one ``truncated`` skip.
    """
    read = _read1(stream)
    rest = first
    line_no = 0
    remaining = limit
    while True:
        want = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
        if want <= 0:
            break
        try:
            chunk = read(want)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
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


# --------------------------------------------------------------------------- parallel scan of one file

_SHARED: Any = None


def _init_worker(shared: Any) -> None:
    global _SHARED
    _SHARED = shared
    worker_ignores_interrupt()


@dataclass(frozen=True)
class _Range:
    path: str
    start: int
    end: int
    strict: bool
    slot: int
    slots: int


def _scan_range(r: _Range) -> tuple[Accumulator, int, bool]:
    """Worker: scan bytes [start, end) of a JSONL file. Returns totals, lines seen, strict-stopped."""
    acc = Accumulator()
    sink = _Sink(acc, r.path, r.strict)
    shared = _SHARED

    def on_chunk(n: int) -> None:
        if shared is not None:
            shared[r.slot] += n
            shared[r.slots + r.slot] = acc.records

    with open(r.path, "rb", buffering=0) as f:
        f.seek(r.start)
        try:
            if hasattr(os, "pread"):
                lines = _scan_range_pread(f.fileno(), r.start, r.end, sink, on_chunk)
            else:  # pragma: no cover - not on POSIX
                lines = _scan_stream(f, sink, limit=r.end - r.start, on_chunk=on_chunk)
        except _StrictStop as stop:
            acc.skips = [stop.skip]
            return acc, stop.skip.line or 0, True
    return acc, lines, False


def _scan_range_pread(fd: int, start: int, end: int, sink: _Sink, on_chunk: Callable[[int], None]) -> int:
    """Scan JSONL in bytes [start, end) of a file (``start`` at a line start); return the line count.

    Each chunk is read to end at a line's end, so no bytes are copied twice.
    """
    line_no = 0
    pos = start
    want = CHUNK_BYTES
    while pos < end:
        data = os.pread(fd, min(want, end - pos), pos)
        if not data:
            break
        if pos + len(data) >= end:  # the last chunk
            on_chunk(len(data))
            return _scan_block(data, sink, line_no, last=not data.endswith(b"\n"))
        cut_at = data.rfind(b"\n")
        if cut_at < 0:  # a line longer than a chunk: read more at once
            want *= 2
            continue
        want = CHUNK_BYTES
        line_no = _scan_block(data, sink, line_no, last=False)
        on_chunk(cut_at + 1)
        pos += cut_at + 1
    return line_no


def _ranges(path: str, start: int, size: int, parts: int) -> list[tuple[int, int]]:
    """Cut [start, size) into ``parts`` ranges that each start at the beginning of a line."""
    cuts = [start]
    with open(path, "rb") as f:
        for i in range(1, parts):
            f.seek(max(cuts[-1], start + (size - start) * i // parts))
            f.readline()  # move to the start of the next line
            pos = f.tell()
            if pos < size and pos > cuts[-1]:
                cuts.append(pos)
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _pool_context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _scan_parallel(
    path: str, size: int, start: int, jobs: int, acc: Accumulator, strict: bool, tick: Callable[[int, int], None]
) -> None:
    spans = _ranges(path, start, size, jobs * RANGES_PER_JOB)
    ctx = _pool_context()
    shared = ctx.Array("q", 2 * len(spans), lock=False)
    tasks = [_Range(path, a, b, strict, i, len(spans)) for i, (a, b) in enumerate(spans)]
    with ctx.Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(shared,)) as pool:
        pending = pool.map_async(_scan_range, tasks, chunksize=1)
        while not pending.ready():
            pending.wait(0.2)
            n = len(spans)
            tick(sum(shared[:n]), sum(shared[n:]))
        parts = pending.get()
    offset = 0
    for part, lines, stopped in parts:
        if offset:
            part.skips = [s if s.line is None else replace(s, line=s.line + offset) for s in part.skips]
        if stopped:
            s = part.skips[0]
            raise InputError(f"{s.message()} (--strict stops at the first bad record)")
        acc.merge(part)
        offset += lines


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
_CSV_REQUIRED = ("requests", "input", "output", "model")
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n", ""}


def _csv_int(cell: str, column: str, *, required: bool = True) -> int:
    text = cell.strip()
    if not text:
        if required:
            raise _Bad("bad_tokens", f"{column} is empty")
        return 0
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise _Bad("bad_tokens", f"{column} is {text!r}, not a whole number") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise _Bad("bad_tokens", f"{column} is {text!r}, not a whole number")
    if d < 0:
        raise _Bad("bad_tokens", f"{column} is negative ({text})")
    return int(d)


def _csv_day(row: list[str], col: dict[str, int]) -> int | None:
    if "time" in col and col["time"] < len(row) and row[col["time"]].strip():
        with contextlib.suppress(ValueError):
            return day_of(float(row[col["time"]]))
    if "time_iso" in col and col["time_iso"] < len(row) and row[col["time_iso"]].strip():
        text = row[col["time_iso"]].strip().replace("Z", "+00:00")
        with contextlib.suppress(ValueError):
            t = _dt.datetime.fromisoformat(text)
            if t.tzinfo is None:
                t = t.replace(tzinfo=_dt.UTC)
            return day_of(t.timestamp())
    return None


def _csv_record(row: list[str], col: dict[str, int], names: dict[str, str]) -> UsageRecord:
    def cell(field: str) -> str:
        return row[col[field]] if field in col else ""

    inp = _csv_int(cell("input"), names["input"])
    out = _csv_int(cell("output"), names["output"])
    n = _csv_int(cell("requests"), names["requests"])
    if "cached" in col:
        cached = _csv_int(cell("cached"), names["cached"], required=False)
    elif "uncached" in col:
        cached = inp - _csv_int(cell("uncached"), names["uncached"])
        if cached < 0:
            raise _Bad("bad_tokens", f"{names['uncached']} exceeds {names['input']}")
    else:
        cached = 0
    if cached > inp:
        raise _Bad("bad_tokens", f"{names['cached']} ({cached}) exceeds {names['input']} ({inp})")
    flag = cell("batch").strip().lower()
    if flag not in _TRUE | _FALSE:
        raise _Bad("bad_record", f"batch is {flag!r}; expected TRUE or FALSE")
    return UsageRecord(
        _str_or_none(cell("model").strip()),
        inp,
        cached,
        out,
        requests=n,
        batch=flag in _TRUE,
        service_tier=_str_or_none(cell("tier").strip().lower()),
        day=_csv_day(row, col),
        project_id=_str_or_none(cell("project").strip()),
        user_id=_str_or_none(cell("user").strip()),
        api_key_id=_str_or_none(cell("api_key").strip()),
        per_request=False,
    )


def _scan_csv(stream: IO[bytes], first: bytes, sink: _Sink) -> None:
    try:
        header_text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _Bad("bad_file", "not a usage file: not JSON, and not a UTF-8 CSV export") from None
    header = [h.strip().lower() for h in next(csv.reader([header_text]), [])]
    col: dict[str, int] = {}
    names: dict[str, str] = {}
    for field, options in _CSV_FIELDS.items():
        for name in options:
            if name in header:
                col[field], names[field] = header.index(name), name
                break
    if not col:
        raise _Bad("bad_file", "not a usage file: expected JSON, JSONL, or a usage CSV export with a header row")
    missing = [_CSV_FIELDS[f][0] for f in _CSV_REQUIRED if f not in col]
    if missing:
        raise _Bad(
            "bad_file",
            f"CSV export lacks the column(s) {', '.join(missing)} (header: {', '.join(header)[:120]})",
        )
    width = len(header)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")  # type: ignore[arg-type]
    reader = csv.reader(text)
    acc = sink.acc
    try:
        for row in reader:
            line = reader.line_num + 1
            if not row or not any(c.strip() for c in row):
                continue
            try:
                if len(row) < width:
                    raise _Bad("bad_record", f"row has {len(row)} cells, the header has {width}")
                acc.add(_csv_record(row, col, names))
            except _Bad as exc:
                sink.skip(exc.reason, exc.detail, line=line)
    except UnicodeDecodeError as exc:
        raise _Bad("bad_file", f"not UTF-8 near line {reader.line_num + 1} ({exc.reason})") from None
    except csv.Error as exc:
        raise _Bad("bad_file", f"line {reader.line_num + 1}: CSV error: {exc}") from None
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
        raw: BinaryIO = sys.stdin.buffer
    else:
        raw = open_input(path)  # closed by the caller
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type,type-var]
    magic = raw.peek(2)[:2]  # type: ignore[attr-defined]
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw, True  # type: ignore[return-value]
    return raw, raw, False


def _size(path: str) -> int | None:
    if path == STDIN:
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _read_file(
    path: str, acc: Accumulator, strict: bool, jobs: int, tracker: _Tracker, parallel_min_bytes: int
) -> None:
    sink = _Sink(acc, path, strict)
    stream, raw, is_gzip = _open(path)
    size = _size(path)
    try:
        try:
            first = stream.readline()
            skipped = 0  # bytes before the first line that has content: a BOM, blank lines
            bom = 0
            if first.startswith(BOM):
                first = first[len(BOM) :]
                skipped = bom = len(BOM)
            blank = 0
            while first and not first.strip():
                blank += 1
                skipped += len(first)
                first = stream.readline()
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise _Bad("truncated", f"gzip data is cut off or corrupt before the first line ({exc})") from None
        if not first.strip():
            raise _Bad("empty_file", "empty file: no usage records")
        lead = first.lstrip()[:1]
        if lead in (b"{", b"["):
            lead_in = b"\n" * blank  # keeps line numbers right: blank lines are counted, then ignored
            _read_json(
                path, stream, raw, is_gzip, lead_in, first, size, skipped, bom, sink, jobs, tracker, parallel_min_bytes
            )
        else:
            _scan_csv(stream, first, sink)
    except _Bad as exc:
        sink.skip(exc.reason, exc.detail, line=1 if exc.reason in ("empty_file", "bad_file") else None)
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
    lead_in: bytes,
    first: bytes,
    size: int | None,
    skipped: int,
    bom: int,
    sink: _Sink,
    jobs: int,
    tracker: _Tracker,
    parallel_min_bytes: int,
) -> None:
    acc = sink.acc
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        value = None
        stripped = first.strip()
        if stripped in (b"{", b"[") or not stripped.endswith(b"}"):
            # a pretty-printed document (or a JSONL whose first line is cut off): read it whole
            try:
                doc = first + stream.read()
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise _Bad(
                    "truncated", f"gzip data is cut off ({exc}); a single JSON document cannot be read in part"
                ) from None
            try:
                value = orjson.loads(doc)
            except orjson.JSONDecodeError as exc:
                if stripped in (b"{", b"["):
                    raise _Bad("bad_file", f"not valid JSON: {exc}") from None
                _scan_stream(io.BytesIO(lead_in + doc), sink)
                return
            _consume(value, acc.add, sink.bad)
            return
    if not is_gzip and path != STDIN and size is not None and size >= parallel_min_bytes and jobs > 1:
        stream.close()

        def tick(done: int, records: int) -> None:
            tracker.update(done, acc.records + records)

        _scan_parallel(path, size, bom, jobs, acc, sink.strict, tick)
        return

    read_so_far = [len(first) + skipped]

    def on_chunk(n: int) -> None:
        read_so_far[0] += n
        tracker.update(raw.tell() if is_gzip and path != STDIN else read_so_far[0], acc.records)

    _scan_stream(stream, sink, first=lead_in + first, on_chunk=on_chunk)


def read_usage(
    paths: Sequence[str],
    *,
    strict: bool = False,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> Accumulator:
    """Read every usage file under ``paths`` into one :class:`Accumulator`.

    ``jobs``: processes for a large plain JSONL file (default: every core). Raises InputError for
    a missing path, on the first bad record under ``strict``, and when no record could be read.
    """
    files = expand_paths(paths)
    sizes = [_size(p) for p in files]
    total = None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)
    tracker = _Tracker(progress, total)
    acc = Accumulator()
    n_jobs = max(1, jobs if jobs is not None else os.cpu_count() or 1)
    for path in files:
        try:
            _read_file(path, acc, strict, n_jobs, tracker, parallel_min_bytes)
        except _StrictStop as stop:
            raise InputError(f"{stop.skip.message()} (--strict stops at the first bad record)") from None
    if acc.records == 0 and not acc.failed_batch:
        where = ", ".join(files) if len(files) <= 3 else f"{len(files)} files"
        first = f"; first problem: {acc.skips[0].message()}" if acc.skips else ""
        raise InputError(f"{where}: no usage records found{first}")
    return acc
