"""A usage JSON document read as a stream (readers/usage_stream.py, #18) counts exactly what the
whole parse counts (``consume`` of the value, its repeated keys noted): the same groups and
figures, the same bad records with the same words, the same Batch failures and duplicates, and
under ``--strict`` the same first bad record. Hypothesis builds the documents from real records
(Chat and Responses API responses, Batch output lines, a Usage API page) broken at any depth: a
key given twice, a value replaced by any JSON value, a key removed or moved to the end (a page's
``object``, a bucket's ``start_time`` after its results), wrapped in lists and pages."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from gpt41cost.errors import InputError
from gpt41cost.readers import repeats, usage_stream
from gpt41cost.readers import usage as usage_reader
from gpt41cost.readers.usage import MAX_IDS, Sink, _Bad, _Seen, _StrictStop, consume, read_usage
from gpt41cost.readers.usage_stream import read_document
from gpt41cost.usage import Accumulator

from .conftest import DATA
from .test_hostile_repeats import Pairs, members

USAGE = DATA / "usage"
RECORDS = [
    json.loads((USAGE / "chat.jsonl").read_bytes().splitlines()[0]),
    json.loads((USAGE / "responses.jsonl").read_bytes().splitlines()[0]),
    *[json.loads(line) for line in (USAGE / "batch_output.jsonl").read_bytes().splitlines()[:3]],
    json.loads((USAGE / "single-response.json").read_text()),
]
PAGE = json.loads((USAGE / "usage-api-page.json").read_text())


def dumps(value: Any, indent: str | None = "") -> str:
    """``value`` pretty-printed (two spaces an indent), or on one line (``indent=None``)."""
    if indent is None:
        if isinstance(value, Pairs):
            return "{" + ",".join(f"{json.dumps(k)}:{dumps(v, None)}" for k, v in value) + "}"
        if isinstance(value, list):
            return "[" + ",".join(dumps(v, None) for v in value) + "]"
        return json.dumps(value)
    inner = indent + "  "
    if isinstance(value, Pairs):
        if not value:
            return "{}"
        return "{\n" + ",\n".join(f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value)


def objects(value: Any) -> list[Pairs]:
    """Every object in ``value``, outermost first."""
    out, todo = [], [value]
    while todo:
        v = todo.pop(0)
        if isinstance(v, Pairs):
            out.append(v)
            todo += [x for _, x in v]
        elif isinstance(v, list):
            todo += v
    return out


#: Strings as json.dumps writes them (ensure_ascii): lone surrogates (not JSON to orjson; yajl read
#: a lone high one as "?"), pairs ("\ud83d\ude00") and backslashes ("\\ud800" is no escape).
TEXT = st.lists(  # st.text leaves surrogates out
    st.one_of(st.characters(), st.characters(categories=["Cs"]), st.sampled_from("\\ud8\U0001f600")), max_size=4
).map("".join)
SCALARS = (
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 10**12),
        st.sampled_from([1.5, 1745000000.0, 0.0]),
        st.text(max_size=4),
    )
    | TEXT
)
VALUES = st.one_of(  # built anew each time: the documents are changed in place
    SCALARS,
    st.builds(list),
    st.builds(Pairs),
    st.builds(members, st.sampled_from(RECORDS)),
    st.builds(lambda: members({"prompt_tokens": 7, "completion_tokens": 1})),
    st.builds(lambda: members(PAGE["data"][0]["results"][0])),
)


#: The strategies the examples draw from, made once (hypothesis works out each new strategy
#: object's properties when it is first drawn from: per draw, that cost more than the draw).
HOW = st.sampled_from(["twice", "replace", "remove", "to-end"])
KIND = st.sampled_from(["record", "record", "page", "bucket", "scalar", "list"])
SHAPE = st.sampled_from(["one", "list", "pages"])
RECORD_LISTS = st.lists(st.sampled_from(RECORDS), max_size=2)


def pick(draw: st.DrawFn, items: list[Any]) -> Any:
    """One of ``items`` (as st.sampled_from draws it, through a strategy hypothesis keeps)."""
    return items[draw(st.integers(0, len(items) - 1))]


def broken(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with up to three objects in it broken."""
    for _ in range(draw(st.integers(0, 3))):
        objs = [o for o in objects(value) if o]
        if not objs:
            break
        obj = pick(draw, objs)
        i = draw(st.integers(0, len(obj) - 1))
        how = draw(HOW)
        if how == "twice":
            obj.insert(pick(draw, [i, i + 1, len(obj)]), (obj[i][0], draw(VALUES)))
        elif how == "replace":
            obj[i] = (obj[i][0], draw(VALUES))
        elif how == "remove":
            del obj[i]
        else:
            obj.append(obj.pop(i))
    return value


@st.composite
def documents(draw: st.DrawFn, one_line: bool = False) -> str:
    def one() -> Any:
        kind = draw(KIND)
        if kind == "record":
            return broken(draw, members(pick(draw, RECORDS)))
        if kind == "page":
            return broken(draw, members(PAGE))
        if kind == "bucket":
            return broken(draw, members(pick(draw, PAGE["data"])))
        if kind == "scalar":
            return draw(SCALARS)
        return [broken(draw, members(r)) for r in draw(RECORD_LISTS)]

    shape = draw(SHAPE)
    if shape == "one":
        value = one()
    elif shape == "list":
        value = [one() for _ in range(draw(st.integers(0, 4)))]
    else:  # a saved series of pages, broken anywhere
        value = broken(draw, [members(PAGE) for _ in range(draw(st.integers(1, 3)))])
    return dumps(value, None if one_line else "") + "\n"


def _to_end(obj: Pairs, key: str) -> Pairs:
    obj.append(obj.pop([k for k, _ in obj].index(key)))
    return obj


#: The edges the laws' mutants live on, tried first in every run: three responses, the last two
#: the same one (with one id kept, the second is unchecked and the third is not a duplicate); a
#: page whose buckets give their start_time after their results; a record with its usage twice.
THREE_IDS = [members(RECORDS[0]), members(RECORDS[1]), members(RECORDS[1])]
LATE_DAY = members(PAGE)
for _bucket in dict(LATE_DAY)["data"]:
    _to_end(_bucket, "start_time")
USAGE_TWICE = members(RECORDS[0])
USAGE_TWICE.append(("usage", dict(USAGE_TWICE)["usage"]))
EDGES = [[THREE_IDS], LATE_DAY, USAGE_TWICE, [USAGE_TWICE, members(RECORDS[2])]]


def _facts(acc: Accumulator) -> tuple[Any, ...]:
    return (
        acc.records,
        acc.groups,
        acc.hist,
        acc.bands,
        acc.bad.by_reason,
        [(s.reason, s.detail, s.line) for s in acc.skips],
        acc.failed_batch,
        acc.duplicates,
        acc.unchecked,
    )


def _read(text: bytes, strict: bool, streamed: bool, max_ids: int = MAX_IDS) -> tuple[Any, ...]:
    acc = Accumulator()
    sink = Sink(acc, "doc.json", strict, _Seen(max_ids))
    try:
        if streamed:
            read_document(b"", io.BytesIO(text), sink)
        else:
            orjson.loads(text)  # as the reader parses it: half a surrogate pair anywhere is not JSON
            consume(repeats.loads(text), sink.add, sink.bad)
    except _StrictStop as stop:
        return ("strict", stop.skip.reason, stop.skip.detail)
    except (_Bad, orjson.JSONDecodeError):  # half a surrogate pair: not JSON, nothing counted
        return ("not JSON", acc.records)
    return _facts(acc)


# 10 examples (25 before, 60 before that): mutants of the streamed reader (readers/usage_stream.py
# _Scope), 5 seeded runs at 60 -> at 25 -> at 10: ids held in the open parts not counted against
# the limit 5/5 each time, results before their bucket's start_time left without its day 5/5,
# strict not stopping at the first bad record 5/5, a key given twice not noted 5/5 (25 -> 10), a
# part's ids not handed to the part around it 0/5. Each killed one has its edge as an example.
@settings(max_examples=10, deadline=None)
@given(documents(), st.booleans(), st.sampled_from([MAX_IDS, 1, 2]))
@example(dumps(THREE_IDS) + "\n", False, 1)
@example(dumps(LATE_DAY) + "\n", False, MAX_IDS)
@example(dumps(USAGE_TWICE) + "\n", False, MAX_IDS)
@example(dumps(EDGES[3]) + "\n", True, MAX_IDS)
def test_a_document_streamed_counts_what_the_whole_parse_counts(text: str, strict: bool, max_ids: int) -> None:
    data = text.encode()
    assert _read(data, strict, True, max_ids) == _read(data, strict, False, max_ids)


def _read_usage(path: Path, strict: bool) -> Any:
    try:
        return _facts(read_usage([str(path)], jobs=1, strict=strict))
    except InputError as err:
        return err.message


# 6 examples (15 before, 40 before that): the same mutants, 5 seeded runs at 40 -> at 15 -> at 6:
# the late day 5/5 each time, strict 5/5, a key given twice 5/5 (15 -> 6), the held ids 0/5, a
# part's ids 0/5.
@settings(max_examples=6, deadline=None)
@given(documents(one_line=True), st.booleans(), st.sampled_from([0, 1 << 30]))
@example(dumps(LATE_DAY, None) + "\n", False, 1 << 30)
@example(dumps(USAGE_TWICE, None) + "\n", False, 1 << 30)
@example(dumps(EDGES[3], None) + "\n", True, 1 << 30)
def test_a_document_on_one_line_streamed_counts_what_its_line_counts(
    tmp_path_factory: pytest.TempPathFactory, text: str, strict: bool, cut: int
) -> None:
    """A document written on one line is read as a stream when the line is long (here: any
    length) and nothing follows it; it counts what the line read as JSONL counts, and its bad
    records name line 1 as they did. A first line that is not JSON is read as JSONL reads it."""
    path = tmp_path_factory.mktemp("one") / "doc.json"
    path.write_text(text if cut else text[: len(text) // 2])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(usage_reader, "LONG_LINE_BYTES", 0)
        streamed = _read_usage(path, strict)
    assert streamed == _read_usage(path, strict)


# 10 examples (25 before) with the three edges below: mutants, 5 seeded runs at 25 -> at 10:
# results before their bucket's start_time left without its day 5/5 -> 5/5, a key given twice
# not noted 5/5 -> 5/5, strict not stopping 5/5 -> 5/5, a first line never taken as cut off at
# the bound (readers/usage._cut_off) 5/5 -> 5/5; the ids limit at <= 0/5 -> 0/5.
@settings(max_examples=10, deadline=None)
@given(documents(one_line=True), st.booleans(), st.sampled_from([0, 1 << 30]), st.sampled_from([1, 7, 64]))
@example(dumps(LATE_DAY, None) + "\n", False, 1 << 30, 7)
@example(dumps(USAGE_TWICE, None) + "\n", False, 1 << 30, 7)
@example(dumps(EDGES[3], None) + "\n", True, 1 << 30, 7)
def test_a_first_line_longer_than_is_read_at_once_counts_what_it_counted_whole(
    tmp_path_factory: pytest.TempPathFactory, text: str, strict: bool, cut: int, bound: int
) -> None:
    """Of a first line, at most FIRST_LINE_BYTES are read at once (a line of /dev/zero grew until
    the OOM killer came): a longer one is a document on one line, streamed on from there, or a
    JSONL whose first record is that long (here: a few bytes), or not JSON. It counts what reading
    the line whole counts, from a file and from stdin alike, with the same bad records."""
    path = tmp_path_factory.mktemp("long") / "doc.json"
    text = text if cut else text[: len(text) // 2]
    # a pretty-printed document's first line is never that long; a long one that does not start
    # as JSON does is refused in words of its own (tests/test_usage_cli.py)
    assume(text.strip() not in ("{", "[") and text.lstrip()[:1] in ("{", "["))
    jsonl = (USAGE / "chat.jsonl").read_text()
    for data in (text, text + "\n" + jsonl):
        path.write_text(data)
        whole, whole_stdin = _read_usage(path, strict), _from_stdin(data.encode(), strict)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(usage_reader, "FIRST_LINE_BYTES", bound)
            assert _read_usage(path, strict) == whole
            assert _from_stdin(data.encode(), strict) == whole_stdin


def test_a_document_on_one_line_far_longer_than_is_read_at_once_is_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Usage API page and an array of responses, each saved on one line of over 64 KiB (past a
    first-line bound made 16 KiB here, and past LONG_LINE_BYTES, the length from which a first
    line with nothing after it is streamed, made 32 KiB here: 1 MiB), read 16 KiB at a time (64
    KiB), give what they gave read whole, and what the same records give as JSONL."""
    monkeypatch.setattr(usage_reader, "LONG_LINE_BYTES", 32 << 10)
    monkeypatch.setattr(usage_stream, "READ_BYTES", 16 << 10)
    lines = (USAGE / "chat.jsonl").read_bytes().splitlines()
    records = [json.loads(line) for line in lines]
    for k, r in enumerate(records * 25):
        r = dict(r, id=f"chatcmpl-{k}")
        records.append(r)
    del records[: len(lines)]
    array = tmp_path / "array.json"
    array.write_bytes(orjson.dumps(records))
    jsonl = tmp_path / "same.jsonl"
    jsonl.write_bytes(b"\n".join(map(orjson.dumps, records)) + b"\n")
    page = tmp_path / "page.json"
    page.write_bytes(orjson.dumps({**PAGE, "data": PAGE["data"] * 60}))
    gz = tmp_path / "array.json.gz"
    gz.write_bytes(gzip.compress(array.read_bytes(), 1))
    assert min(array.stat().st_size, page.stat().st_size) > 2 * usage_reader.LONG_LINE_BYTES
    whole = {p: _facts(read_usage([str(p)], jobs=1)) for p in (array, page)}
    assert whole[array] == _facts(read_usage([str(jsonl)], jobs=1)) == _facts(read_usage([str(gz)], jobs=1))
    monkeypatch.setattr(usage_reader, "FIRST_LINE_BYTES", 16 << 10)
    streamed: list[int] = []  # the first bytes each document was streamed on from (a raise: -1)
    read_document = usage_stream.read_document

    def counted(first: bytes, *a: Any, **kw: Any) -> None:
        streamed.append(-1)
        read_document(first, *a, **kw)
        streamed[-1] = len(first)

    monkeypatch.setattr(usage_stream, "read_document", counted)
    for p in (array, page):
        assert _facts(read_usage([str(p)], jobs=1)) == whole[p]
        assert _from_stdin(p.read_bytes()) == whole[p]
    assert _facts(read_usage([str(gz)], jobs=1)) == whole[array]
    assert whole[array][0] == len(records)
    # each streamed on from the first 16 KiB of its line, as a document (not read again as JSONL)
    assert streamed == [16 << 10] * 5


def _whole(data: bytes, source: str) -> Accumulator:
    """What reading ``data`` whole counts: one JSON document parsed whole, else JSONL."""
    acc = Accumulator()
    sink = Sink(acc, source, False, _Seen(MAX_IDS))
    try:
        value = usage_reader.with_pairs(data, usage_reader.loads(data))
    except orjson.JSONDecodeError:
        usage_reader.scan_stream(io.BytesIO(data), sink)
        return acc
    consume(value, sink.add, sink.bad)
    return acc


def _from_stdin(data: bytes, strict: bool = False) -> Any:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))  # type: ignore[arg-type]
        try:
            return _facts(read_usage(["-"], jobs=1, strict=strict))
        except InputError as err:
            return err.message.replace("stdin: ", "", 1)


# 10 examples (25 before) with the two edges below: mutants, 5 seeded runs at 25 -> at 10: results
# before their bucket's start_time left without its day 5/5 -> 5/5, a key given twice not noted
# 5/5 -> 5/5 (EDGES[3] holds one).
@settings(max_examples=10, deadline=None)
@given(documents(one_line=True), st.sampled_from(["whole", "cut"]))
@example(dumps(LATE_DAY, None) + "\n", "whole")
@example(dumps(EDGES[3], None) + "\n", "whole")
def test_a_document_starting_on_its_first_line_streamed_counts_what_the_whole_read_counts(
    tmp_path_factory: pytest.TempPathFactory, text: str, how: str
) -> None:
    """A document that starts on its first line and goes on over more lines (``[{...},`` then a
    record a line) is read as a stream, from a file and from stdin alike; one that is not JSON (a
    JSONL file whose first line is cut off) is read as JSONL from what the stream kept. Either
    way it counts what reading it whole counts."""
    text = text.replace("},{", "},\n{")
    if how == "cut":
        text = text[: len(text) // 2] + "\n" + (USAGE / "chat.jsonl").read_text()
    first = text.partition("\n")[0]
    # this case only: not a pretty-printed document, a JSONL line, or not JSON at all
    assume(first.strip() not in ("{", "[") and not first.strip().endswith("}") and first.lstrip()[:1] in ("{", "["))
    with contextlib.suppress(ValueError):
        json.loads(first)
        assume(False)  # the first line is a JSON value: a JSONL file
    path = tmp_path_factory.mktemp("first") / "doc.json"
    path.write_text(text)
    acc = _whole(text.encode(), str(path))
    if acc.records == 0 and not acc.failed_batch:
        with pytest.raises(InputError, match="no usage records found"):
            read_usage([str(path)], jobs=1)
        assert "no usage records found" in _from_stdin(text.encode())
        return
    assert _facts(read_usage([str(path)], jobs=1)) == _facts(acc) == _from_stdin(text.encode())


def test_a_document_found_not_json_past_what_is_kept_is_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a document starting on its first line keeps of itself is bounded (KEEP_BYTES): one
    found not to be JSON within it is read as JSONL; past it, a bad file saying where, from a file
    and from stdin alike (before, stdin was parsed whole, at 5 to 11 times its size)."""
    line = '{"model": "gpt-4.1", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}\n'
    cut = line[:30] + "\n" + line * 20  # a JSONL file whose first line is cut off (after "usage": )
    path = tmp_path / "doc.json"
    path.write_text(cut)
    acc = read_usage([str(path)], jobs=1)
    assert (acc.records, [(s.line, s.reason) for s in acc.skips]) == (20, [(1, "not_json")])
    monkeypatch.setattr(usage_reader, "KEEP_BYTES", 100)
    said = "no usage records found; first problem: {}:1: not valid JSON: "
    with pytest.raises(InputError, match=re.escape(said.format(path))):
        read_usage([str(path)], jobs=1)
    assert _from_stdin(cut.encode()).startswith(said.format("stdin"))


@pytest.mark.parametrize("lead", ["", "\ufeff\n\n"], ids=["first-line", "after-bom-and-blank-lines"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_jsonl_whose_first_record_is_longer_than_is_kept_is_read_as_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool, lead: str
) -> None:
    """A JSONL file whose first record is longer than what is read of a first line at once and
    kept past it (8 + 8 MiB; 1 + 1 KiB here: a response whose content is that long, or a logging
    envelope holding its request's images) is a JSONL file: read again from its first line, it
    counts what the same lines count in another order (it was a bad file, "trailing garbage").
    From stdin or a pipe, which cannot be read again, it is a bad file that says so."""
    records = [json.loads(line) for line in (USAGE / "chat.jsonl").read_bytes().splitlines()]
    long = dict(records[1], choices=[{"message": {"role": "assistant", "content": "x" * 5000}}])
    lines = [json.dumps(r) for r in (long, records[0], records[2])]

    def text(order: list[int]) -> str:
        return lead + "\n".join([lines[k] for k in order] + ["not json", ""])

    path, moved = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for p, order in ((path, [0, 1, 2]), (moved, [1, 0, 2])):
        data = text(order).encode()
        p.write_bytes(gzip.compress(data) if gz else data)
    monkeypatch.setattr(usage_reader, "FIRST_LINE_BYTES", 1024)
    monkeypatch.setattr(usage_reader, "KEEP_BYTES", 1024)
    got, want = _facts(read_usage([str(path)], jobs=1)), _facts(read_usage([str(moved)], jobs=1))
    assert got == want and got[0] == 3, got
    assert got[5] == [("not_json", got[5][0][1], 4 + lead.count("\n"))]  # the bad line named where it is
    said = _from_stdin(text([0, 1, 2]).encode())
    assert "trailing garbage" in said and "is read from a file: a pipe cannot be read twice" in said
    if hasattr(os, "mkfifo") and not gz:  # a named pipe is not read again either (it would wait, or go on)
        fifo = tmp_path / "fifo.jsonl"
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_text, args=(text([0, 1, 2]),), daemon=True)
        writer.start()
        with pytest.raises(InputError, match="a pipe cannot be read twice"):
            read_usage([str(fifo)], jobs=1)
        writer.join(timeout=30)


def test_a_document_on_one_line_cut_off_past_what_is_kept_is_still_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a file that held a whole JSON value and then more is read again as JSONL: a document on
    one line found not to be JSON past what is kept (cut off) stays a bad file, never held whole."""
    path = tmp_path / "cut.json"
    path.write_text(json.dumps({**PAGE, "data": PAGE["data"] * 50})[:-100])
    monkeypatch.setattr(usage_reader, "FIRST_LINE_BYTES", 1024)
    monkeypatch.setattr(usage_reader, "KEEP_BYTES", 1024)
    monkeypatch.setattr(usage_reader, "scan_stream", None)  # JSONL is never tried
    monkeypatch.setattr(usage_reader, "_scan_pread", None)
    with pytest.raises(
        InputError, match=r"first problem: .*:1: not valid JSON: the document ends before it is complete"
    ):
        read_usage([str(path)], jobs=1)


@pytest.mark.parametrize(
    ("text", "reason", "detail"),
    [
        pytest.param('{\n"a": 1e400, "model": "m", "usage": {"prompt_tokens": 1e400, "completion_tokens": 1}}',
                     "bad_tokens", "usage.prompt_tokens is null, not a whole number", id="huge-number"),
        pytest.param('{\n"model": "m", "usage": {"prompt_tokens": 123456789012345678901234567890, '
                     '"completion_tokens": 1}}', "bad_tokens",
                     "usage.prompt_tokens is 1.23e+29: out of range, more than 100,000,000 tokens in one request",
                     id="integer-past-64-bits"),
        pytest.param('{\n"model": "m\xff", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}', None, None,
                     id="not-utf8"),
    ],
)  # fmt: skip
def test_numbers_and_bytes_are_read_as_orjson_reads_them(
    tmp_path: Path, text: str, reason: str | None, detail: str | None
) -> None:
    """A number too large for a double, an integer past 64 bits and bytes that are not UTF-8 read
    as the whole parse reads them (``usage.loads``), not as yajl refuses them."""
    path = tmp_path / "doc.json"
    path.write_bytes(text.encode("latin-1"))
    if reason is None:
        acc = read_usage([str(path)], jobs=1)
        assert acc.records == 1 and next(iter(acc.groups))[0] == "m\ufffd"
        return
    with pytest.raises(InputError) as err:
        read_usage([str(path)], jobs=1)
    assert f"doc.json: {detail}" in err.value.message, err.value.message


def test_a_document_cut_off_counts_nothing(tmp_path: Path) -> None:
    """A document that turns out not to be JSON half-way is one bad file: nothing of it counted,
    not the records before the cut."""
    good = (USAGE / "single-response.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text("[\n" + ",\n".join([good] * 3)[:-40])
    other = tmp_path / "other.json"
    other.write_text(good.replace("chatcmpl-", "chatcmpl-other-"))
    acc = read_usage([str(path), str(other)], jobs=1)
    assert acc.records == 1
    assert [(s.reason, s.line) for s in acc.skips] == [("bad_file", 1)]
    end = f"not valid JSON: the document ends before it is complete (cut off?) at byte {path.stat().st_size:,}"
    assert acc.skips[0].detail == end
    path.write_text("[\n" + good.replace('"model"', '"model" "x"'))
    acc = read_usage([str(path), str(other)], jobs=1)
    assert acc.records == 1
    assert acc.skips[0].detail.startswith("not valid JSON: parse error: object key and value must be separated")
    assert acc.skips[0].detail.endswith(f"', in bytes 2-{path.stat().st_size:,}") and "\n" not in acc.skips[0].detail


@pytest.mark.parametrize(
    ("escape", "valid"),
    [
        (r"\ud800x", False),
        (r"\ud800", False),
        (r"\ud800\u0041", False),
        (r"\ud800\ud800\udc00", False),
        (r"\\\uDBFF", False),
        (r"\ud83d\ude00", True),
        (r"\uD800\uDC00", True),
        (r"\\ud800", True),
        (r"\\\\ud800", True),
        (r"\u0041\\ud800\\", True),
    ],
)
def test_a_lone_high_surrogate_is_not_json_wherever_the_chunks_cut_it(tmp_path: Path, escape: str, valid: bool) -> None:
    """A string escaping a lone high surrogate (yajl read it as "?": a model "gpt?x" counted) is not
    JSON, as the whole parse finds, also when the escape is cut across the chunks the stream reads
    (every place, chunks of 1 to 16 bytes); a pair, or an escaped backslash then "ud800", is read."""
    path = tmp_path / "doc.json"
    usage = '"usage": {"prompt_tokens": 1, "completion_tokens": 1}'
    for pad in range(16):
        text = "{\n" + f'"pad": "{"a" * pad}{escape}", "model": "gpt{escape}", {usage}}}\n'
        if valid:
            model = orjson.loads(text)["model"]
        else:
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(text)
        path.write_text(text)
        for size in (1, 2, 3, 5, 7, 16):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(usage_stream, "READ_BYTES", size)
                if not valid:
                    with pytest.raises(InputError, match=r"doc\.json.*: not valid JSON: .* half a surrogate"):
                        read_usage([str(path)], jobs=1)
                    continue
                acc = read_usage([str(path)], jobs=1)
                assert acc.records == 1 and next(iter(acc.groups))[0] == model


def test_a_long_string_is_read_in_growing_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """yajl reads a string cut across the blocks it is given again from its start at each block:
    in 64 KiB blocks a 30 MB string cost 2.4 CPU s (quadratic). While no value ends, each read asks
    for as many bytes as are open, so a 4 MiB string takes a handful of reads, not 64, and reads
    as before; a document of short values is still read 64 KiB at a time."""
    sizes: list[int] = []
    read = usage_stream._Utf8.read

    def counted(self: Any, size: int = -1) -> bytes:
        sizes.append(size)
        return read(self, size)

    monkeypatch.setattr(usage_stream._Utf8, "read", counted)
    long = tmp_path / "long.json"
    note = "x" * (4 << 20)
    long.write_text(
        f'[\n  {{"model": "gpt-4.1", "note": "{note}", "usage": {{"prompt_tokens": 7, "completion_tokens": 1}}}}\n]\n'
    )
    assert read_usage([str(long)], jobs=1).records == 1
    assert len(sizes) < 16 and max(sizes) <= 4 << 20, sizes
    sizes.clear()
    assert read_usage([str(USAGE / "usage-api-page.json")], jobs=1).records > 0
    assert set(sizes) - {0} == {usage_stream.READ_BYTES}  # (ijson reads 0 bytes first: bytes or str?)


_LONG_STARTS = [b'{\n  "object": "page",\n  "a": "', b'[\n  {"id": "chatcmpl-1", "usage": {"prompt_tokens": 1, "x": "']


@pytest.mark.parametrize("first", _LONG_STARTS)
def test_a_string_longer_than_a_value_may_be_is_a_bad_file_not_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: bytes
) -> None:
    """yajl reads a string cut across its blocks again from its start at each block (quadratic: a
    300 MB string took over 4 minutes): a document in which no value ends for TOKEN_BYTES is a bad
    file, said in one line; one a little shorter reads as before (bound made 1 MiB here)."""
    monkeypatch.setattr(usage_stream, "TOKEN_BYTES", 1 << 20)
    long = tmp_path / "long.json"
    long.write_bytes(first + b"x" * (3 << 20) + b'"}' + (b"]" if first[:1] == b"[" else b"") + b"\n")
    good = str(USAGE / "single-response.json")
    acc = read_usage([str(long), good], jobs=1)
    assert acc.records == 1
    assert [s.reason for s in acc.skips] == ["bad_file"]
    assert "no value ends in the 1 MiB after byte" in acc.skips[0].detail
    short = tmp_path / "short.json"
    short.write_bytes(first + b"x" * (900 << 10) + b'"}' + (b"]" if first[:1] == b"[" else b"") + b"\n")
    assert not any("no value ends" in s.detail for s in read_usage([str(short), good], jobs=1).skips)
