"""Keys and columns given twice (#18): a reader never picks one of two values in silence.

JSON parsers keep the last of a repeated key, so a usage log with ``"result"`` twice, a Usage API
page with ``"data"`` twice or a Costs API page with an ``amount`` twice would be priced from one
of them without a word, and a CSV header naming a column twice from the first. Hypothesis builds
such inputs from real ones (a key the reader reads, repeated at any depth it reads, with any
value, before or after the original; JSONL or a pretty-printed document) and each must be
refused: a bad record (skipped with its reason, ``--strict`` fails with one line, exit 3), or
for ``--billed`` files one line naming the file and where, exit 3. A request document with a key
twice anywhere is one line, exit 3 (``--skip-bad`` skips it), and so is a line of a JSONL request
file (``--skip-bad`` skips the line); the cheap screen that spares them a
second parse is held to the exact check on generated JSON escaped every way JSON allows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpt41cost.errors import ExitCode, InputError
from gpt41cost.readers.costs import read_billed
from gpt41cost.readers.usage import ENVELOPE_KEYS, read_usage

from .conftest import DATA

USAGE = DATA / "usage"
RESPONSE = json.loads((USAGE / "chat.jsonl").read_bytes().splitlines()[0])
PAGE = json.loads((USAGE / "usage-api-page.json").read_text())
CSV_EXPORT = (USAGE / "usage-export.csv").read_text()
COSTS = Path(__file__).parent.parent / "samples" / "bill-2026-11" / "costs"
COSTS_PAGE = json.loads((COSTS / "page-001.json").read_text())
FIXTURE_CATALOG = DATA / "pricing-fixture.yaml"

#: What the usage reader reads of a Usage API result.
RESULT_KEYS = ("object", "num_model_requests", "input_tokens", "output_tokens", "input_cached_tokens", "model",
               "batch", "service_tier", "project_id", "user_id", "api_key_id")  # fmt: skip


class Pairs(list[tuple[str, Any]]):
    """A JSON object as its members, so a key can be written twice."""


def members(value: Any) -> Any:
    if isinstance(value, dict):
        return Pairs((k, members(v)) for k, v in value.items())
    if isinstance(value, list):
        return [members(v) for v in value]
    return value


class Escaped(str):
    """A key written with every character escaped (``"\\u0064\\u0061..."``): the same key to a parser."""


def key_text(key: str) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" for c in key) + '"' if isinstance(key, Escaped) else json.dumps(key)


def dumps(value: Any, pretty: bool = False) -> str:
    sep = ",\n" if pretty else ","
    if isinstance(value, Pairs):
        return "{" + sep.join(f"{key_text(k)}: {dumps(v, pretty)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + sep.join(dumps(v, pretty) for v in value) + "]"
    return json.dumps(value)


def deep_twice(value: Any) -> str:
    """Give the first key of the first object held in a list inside ``value`` (members) once more, at
    the end (a key twice at depth, behind a list): the edge the laws below pin as an example; return it."""
    todo: list[tuple[Any, bool]] = [(value, False)]
    while todo:
        v, in_list = todo.pop(0)
        if isinstance(v, Pairs):
            if in_list and v:
                v.append((v[0][0], 0))
                return str(v[0][0])
            todo += [(x, False) for _, x in v]
        elif isinstance(v, list):
            todo += [(x, True) for x in v]
    raise AssertionError("no object in a list")


def twice(draw: st.DrawFn, obj: Pairs, key: str, value: Any) -> None:
    """Write ``key`` once more in ``obj``, with ``value``, before or after the one it has; either
    one may be written escaped."""
    at = next(i for i, (k, _) in enumerate(obj) if k == key)
    if draw(st.booleans()):
        obj[at] = (Escaped(key), obj[at][1])
        key = key if draw(st.booleans()) else Escaped(key)
    obj.insert(draw(st.sampled_from([at, at + 1, len(obj)])), (key, value))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**7), st.text(max_size=5))
OTHER_RESPONSE = members({**RESPONSE, "id": "chatcmpl-other", "usage": {"prompt_tokens": 7, "completion_tokens": 7}})
VALUES = st.one_of(SCALARS, st.just(OTHER_RESPONSE), st.just(Pairs()), st.just([]))


@st.composite
def usage_with_a_key_twice(draw: st.DrawFn) -> tuple[str, str, bool, bool]:
    """(text, key given twice, whether the text is one JSON document rather than JSONL, whether
    it is a Usage API page, whose other buckets still count)."""
    kind = draw(st.sampled_from(["envelope", "usage", "page", "bucket", "result"]))
    if kind in ("envelope", "usage"):
        record = members(RESPONSE)
        holders = []  # the objects that hold a wrapper, outermost first
        for _ in range(draw(st.integers(1 if kind == "envelope" else 0, 2))):  # wrapped once or twice
            record = Pairs([("request", Pairs([("model", "gpt-4.1")])), (draw(st.sampled_from(ENVELOPE_KEYS)), record)])
            holders.insert(0, record)
        if kind == "usage":  # the object usage reads, twice with an object both times
            response = holders[-1][-1][1] if holders else record
            key = "usage"
            twice(draw, response, key, members({"prompt_tokens": 1, "completion_tokens": 1}))
        else:  # a wrapper, at any depth it is unwrapped at
            holder = draw(st.sampled_from(holders))
            key = holder[-1][0]
            twice(draw, holder, key, draw(VALUES))
        value: Any = record
    else:
        value = members(PAGE)
        buckets = value[[k for k, _ in value].index("data")][1]
        bucket = buckets[draw(st.integers(0, len(buckets) - 1))]
        if kind == "page":
            key = "data"
            twice(draw, value, key, draw(st.one_of(st.just([]), st.just(buckets[:1]), SCALARS)))
        elif kind == "bucket":
            key = draw(st.sampled_from(["results", "start_time"]))
            twice(draw, bucket, key, draw(st.one_of(st.just([]), st.integers(1_744_000_000, 1_800_000_000))))
        else:
            results = dict(bucket)["results"]
            result = results[draw(st.integers(0, len(results) - 1))]
            key = draw(st.sampled_from(RESULT_KEYS))
            twice(draw, result, key, draw(SCALARS))
    document = draw(st.booleans())
    return dumps(value, pretty=document) + "\n", key, document, kind in ("page", "bucket", "result")


def _usage_edges() -> list[tuple[str, str, bool, bool]]:
    """A page giving data twice, a bucket giving its start_time twice, a JSONL record giving its usage twice."""
    page = members(PAGE)
    page.insert([k for k, _ in page].index("data") + 1, ("data", []))
    bucket_page = members(PAGE)
    dict(bucket_page)["data"][0].append(("start_time", 1_744_000_000))
    record = members(RESPONSE)
    record.append(("usage", members({"prompt_tokens": 1, "completion_tokens": 1})))
    return [
        (dumps(page, pretty=True) + "\n", "data", True, True),
        (dumps(bucket_page, pretty=True) + "\n", "start_time", True, True),
        (dumps(record) + "\n", "usage", False, False),
    ]


USAGE_EDGES = _usage_edges()


# 20 examples (60 before), with a key twice at each level usage reads as examples: mutants of
# readers/usage.py (a page's data twice, a bucket's results or start_time twice, a record's key
# twice let through) fail 5 seeded runs in 5 at 20 as at 60.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(usage_with_a_key_twice())
@example(case=USAGE_EDGES[0])
@example(case=USAGE_EDGES[1])
@example(case=USAGE_EDGES[2])
def test_a_usage_key_given_twice_is_a_bad_record(tmp_path: Path, case: tuple[str, str, bool, bool]) -> None:
    text, key, document, page = case
    path = tmp_path / ("usage.json" if document else "usage.jsonl")
    good = json.dumps({**RESPONSE, "id": "chatcmpl-good"})
    path.write_text(text if document else f"{good}\n{text}{good.replace('-good', '-good2')}\n")
    with pytest.raises(InputError, match=f'"{key}" appears twice in one object'):
        read_usage([str(path)], jobs=1, strict=True)
    try:
        acc = read_usage([str(path)], jobs=1)
    except InputError as err:  # a document with nothing else in it: no record left
        assert document and f'"{key}" appears twice' in err.message and "\n" not in err.message
        return
    assert any(f'"{key}" appears twice in one object' in s.detail for s in acc.skips), acc.skips
    assert acc.skip_counts.get("bad_record", 0) >= 1
    if page:  # the bucket, result or page refused, the rest counted
        assert acc.records < (0 if document else 2) + sum(len(b["results"]) for b in PAGE["data"])
    elif not document:
        assert acc.records == 2  # the good lines around it, and nothing of the bad one


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_usage_csv_header_naming_a_column_twice_is_refused(tmp_path: Path, data: st.DataObject) -> None:
    header, *rows = CSV_EXPORT.splitlines()
    names = header.split(",")
    read = [n for n in names if n in ("num_model_requests", "input_tokens", "output_tokens", "input_cached_tokens",
                                      "model", "batch", "service_tier", "project_id", "start_time")]  # fmt: skip
    name = data.draw(st.sampled_from(read))
    at = data.draw(st.integers(0, len(names)))
    cell = data.draw(st.sampled_from(["0", "999999", "gpt-4.1-nano", "TRUE", ""]))
    lines = [",".join([*names[:at], name.upper() if data.draw(st.booleans()) else name, *names[at:]])]
    lines += [",".join([*(c := row.split(","))[:at], cell, *c[at:]]) for row in rows if row]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=f"export.csv:1: the header names the column {name} twice"):
        read_usage([str(path)], strict=True)
    with pytest.raises(InputError, match="no usage records found"):
        read_usage([str(path)])


@st.composite
def costs_with_a_key_twice(draw: st.DrawFn) -> tuple[str, str]:
    page = members(COSTS_PAGE)
    obj: Pairs = page
    for _ in range(draw(st.integers(0, 4))):  # down to a page, bucket, result or amount
        inner = [v for _, v in obj if isinstance(v, (Pairs, list))]
        inner = [x for v in inner for x in ([v] if isinstance(v, Pairs) else v) if isinstance(x, Pairs)]
        if not inner:
            break
        obj = draw(st.sampled_from(inner))
    key = draw(st.sampled_from([k for k, _ in obj]))
    twice(draw, obj, key, draw(st.one_of(SCALARS, st.just([]), st.just(Pairs([("value", 1)])))))
    return dumps(page, pretty=draw(st.booleans())) + "\n", key


COSTS_DEEP = members(COSTS_PAGE)
COSTS_DEEP_KEY = deep_twice(COSTS_DEEP)


# 12 examples (30 before), with a key twice in a bucket as an example: mutants of repeats.anywhere
# (the lists, or the objects, of a value not walked) fail 5 seeded runs in 5 at 12 as at 30.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(costs_with_a_key_twice())
@example(case=(dumps(COSTS_DEEP) + "\n", COSTS_DEEP_KEY))
def test_a_costs_page_with_a_key_twice_is_refused(tmp_path: Path, case: tuple[str, str]) -> None:
    text, key = case
    path = tmp_path / "costs.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_billed([str(path)])
    assert f'"{key}" appears twice in one object; which one was billed is unclear' in err.value.message
    assert err.value.message.startswith(str(path)) and "\n" not in err.value.message


ONE_LINE_CASES = [
    pytest.param("e.jsonl", '{"result": <R>, "result": <R2>}', 'e.jsonl:2: "result" appears twice', id="result"),
    pytest.param(
        "e.jsonl", '{"completion": <R>, "completion": "x"}', 'e.jsonl:2: "completion" appears twice', id="completion"
    ),
    pytest.param("e.jsonl", '{"output": <R2>, "output": <R>}', 'e.jsonl:2: "output" appears twice', id="output"),
    pytest.param("e.jsonl", '{"data": <R>, "data": <R2>}', 'e.jsonl:2: "data" appears twice', id="data-envelope"),
    pytest.param(
        "p.jsonl",
        '{"object": "page", "data": [<B>], "data": [<B2>], "has_more": false}',
        'p.jsonl:2: "data" appears twice',
        id="page-data",
    ),
    pytest.param(
        "p.jsonl",
        '{"object": "page", "data": [<BR>], "has_more": false}',
        'p.jsonl:2: data[0]: "results" appears twice',
        id="bucket-results",
    ),
]


def _fill(text: str) -> str:
    r2 = {**RESPONSE, "id": "chatcmpl-2", "usage": {"prompt_tokens": 5, "completion_tokens": 5}}
    bucket = PAGE["data"][0]
    b2 = {**PAGE["data"][1]}
    br = json.dumps(bucket)[:-1] + ', "results": []}'
    for name, value in (("R2", json.dumps(r2)), ("R", json.dumps(RESPONSE)), ("B2", json.dumps(b2)), ("BR", br),
                        ("B", json.dumps(bucket))):  # fmt: skip
        text = text.replace(f"<{name}>", value)
    return text


@pytest.mark.parametrize(("name", "line", "message"), ONE_LINE_CASES)
def test_a_key_twice_on_the_command_line(cli, tmp_path: Path, name: str, line: str, message: str) -> None:
    """--strict: one line naming file:line and the key, exit 3, nothing on stdout; without it the
    record is skipped with that reason and the rest is counted."""
    good = json.dumps({**RESPONSE, "id": "chatcmpl-good"})
    path = tmp_path / name
    path.write_text(f"{good}\n{_fill(line)}\n")
    r = cli("usage", path, "--strict", "--pricing", FIXTURE_CATALOG)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr.count("\n") == 1 and message in r.stderr and "keep one" in r.stderr, r.stderr
    r = cli("usage", path, "--pricing", FIXTURE_CATALOG, "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["records"] == 1
    assert message in r.stderr


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("start_time,amount_value,line_item,amount_value", id="same"),
        pytest.param("start_time, Amount_Value ,line_item,amount_value", id="case-and-space"),  # read 100 in silence
    ],
)
def test_a_cost_export_naming_a_column_twice_is_one_line(cli, tmp_path: Path, header: str) -> None:
    """Case and spaces around a name do not make another column (as in the usage CSV reader)."""
    path = tmp_path / "costs.csv"
    path.write_text(f"{header}\n1764979200,1.00,x,100.00\n")
    r = cli("usage", USAGE / "usage-export.csv", "--billed", path, "--pricing", FIXTURE_CATALOG)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr.strip() == (
        f"gpt41cost: error: {path}:1: the header names the column amount_value twice; which one to read is unclear: "
        "keep one"
    )


def test_a_cost_export_header_in_capitals_is_read(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("Start_Time,AMOUNT_VALUE,Line_Item\n1764979200,1.25,x\n")
    (item,) = read_billed([str(path)])
    assert (item.amount_usd, item.line_item) == (Decimal("1.25"), "x")


# --------------------------------------------------------------------------- request documents

REQUESTS = Path(__file__).parent.parent / "samples" / "requests"
REQUEST_DOCUMENTS = [json.loads((REQUESTS / n).read_text()) for n in ("chat-support.json", "responses-contract.json")]


def repeat_a_key(draw: st.DrawFn, body: Any) -> str:
    """Give one key of ``body`` (members), at any depth, twice (any value, either side); return it."""
    objects: list[Pairs] = []
    todo: list[Any] = [body]
    while todo:
        v = todo.pop()
        if isinstance(v, Pairs):
            objects.append(v)
            todo += [x for _, x in v]
        elif isinstance(v, list):
            todo += v
    obj = draw(st.sampled_from([o for o in objects if o]))
    key = draw(st.sampled_from([k for k, _ in obj]))
    twice(draw, obj, key, draw(st.one_of(SCALARS, st.just([]), st.just(Pairs([("role", "user")])))))
    return key


@st.composite
def request_with_a_key_twice(draw: st.DrawFn) -> tuple[str, str]:
    """A real request with one of its keys, at any depth, given twice (any value, either side)."""
    body = members(draw(st.sampled_from(REQUEST_DOCUMENTS)))
    key = repeat_a_key(draw, body)
    return dumps(body, pretty=draw(st.booleans())) + "\n", key


REQUEST_DEEP = members(REQUEST_DOCUMENTS[0])
REQUEST_DEEP_KEY = deep_twice(REQUEST_DEEP)


# 8 examples (20 before), with a key twice in a message as an example: mutants of repeats (the
# lists, or the objects, of a value not walked by anywhere; first_repeat's screen letting a text
# one member longer through) fail 5 seeded runs in 5 at 8 as at 20.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request_with_a_key_twice())
@example(case=(dumps(REQUEST_DEEP, pretty=True) + "\n", REQUEST_DEEP_KEY))
def test_a_request_document_with_a_key_twice_is_refused(cli, tmp_path: Path, case: tuple[str, str]) -> None:
    """One line naming the file, where and the key, exit 3, nothing on stdout; ``--skip-bad``
    skips the file and counts the rest."""
    text, key = case
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / "request.json"
    path.write_text(text)
    r = cli("estimate", path, "-m", "gpt-4.1", "--pricing", FIXTURE_CATALOG)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith(f"gpt41cost: error: {path}: "), r.stderr
    assert f'"{key}" appears twice in one object; which one to count is unclear: keep one' in line
    (folder / "prompt.txt").write_text("What is the return window?")
    r = cli("estimate", folder, "--skip-bad", "-m", "gpt-4.1", "--pricing", FIXTURE_CATALOG, "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["models"][0]["requests"] == 1
    assert f"skipped: {path}: " in r.stderr


JSONL_FILES = {"batch": "batch-support.jsonl", "finetune": "finetune-train.jsonl", "prompts": "prompts.jsonl"}
JSONL_REQUESTS = {k: [json.loads(s) for s in (REQUESTS / n).read_text().splitlines()] for k, n in JSONL_FILES.items()}


@st.composite
def jsonl_with_a_key_twice(draw: st.DrawFn) -> tuple[str, str, str, int, int]:
    """(kind, JSONL text, key, line number, lines): a real Batch, fine-tuning or prompts file
    with one key of one line, at any depth, given twice (any value, either side)."""
    kind = draw(st.sampled_from(sorted(JSONL_REQUESTS)))
    values = [members(v) for v in JSONL_REQUESTS[kind]]
    at = draw(st.sampled_from([i for i, v in enumerate(values) if not isinstance(v, str)]))
    key = repeat_a_key(draw, values[at])
    return kind, "".join(dumps(v) + "\n" for v in values), key, at + 1, len(values)


BATCH_DEEP = [members(v) for v in JSONL_REQUESTS["batch"]]
BATCH_DEEP_KEY = deep_twice(BATCH_DEEP[0])


# 8 examples (20 before), with a key twice in a Batch line's message as an example: mutants of
# repeats (the lists, or the objects, of a value not walked by anywhere; first_repeat's screen
# letting a text one member longer through) fail 5 seeded runs in 5 at 8 as at 20.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(jsonl_with_a_key_twice())
@example(case=("batch", "".join(dumps(v) + "\n" for v in BATCH_DEEP), BATCH_DEEP_KEY, 1, len(BATCH_DEEP)))
def test_a_jsonl_request_line_with_a_key_twice_is_refused(
    cli, tmp_path: Path, case: tuple[str, str, str, int, int]
) -> None:
    """A line of a Batch, fine-tuning or prompts file that gives a key twice is a bad line, as one
    that does not parse: one line naming the file, the line and the key, exit 3, nothing on
    stdout. In a Batch file too: refusing it is gpt41cost's own rule (which value to count is
    unclear), not a rejection OpenAI documents, so it is no pre-flight finding ("OpenAI would
    reject this batch", exit 1). ``--skip-bad`` skips that line, the rest counted, exit 0."""
    kind, text, key, n, lines = case
    path = tmp_path / f"{kind}.jsonl"
    path.write_text(text)
    args = ("estimate", path, "--as", kind, "-m", "gpt-4.1", "--pricing", FIXTURE_CATALOG, "-f", "json")
    why = f'"{key}" appears twice in one object; which one to count is unclear: keep one'
    r = cli(*args)
    assert r.exit_code == ExitCode.INPUT and r.stdout == "", r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith(f"gpt41cost: error: {path}: line {n}: "), r.stderr
    assert why in line and "OpenAI would reject" not in line
    r = cli(*args, "--skip-bad")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["models"][0]["requests"] == lines - 1
    assert f"skipped: {path}: line {n}: " in r.stderr and why in r.stderr
    assert "OpenAI would reject" not in r.stderr
    if kind == "batch":
        assert not [f for f in out["batch_preflight"][0]["findings"] if f["severity"] == "error"]


@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_a_key_twice_in_a_jsonl_line_in_every_command(cli, tmp_path: Path, command: str) -> None:
    """limits reads request files through the same reader: one line, exit 3, nothing on stdout."""
    path = tmp_path / "train.jsonl"
    lines = (REQUESTS / "finetune-train.jsonl").read_text().splitlines()
    lines[2] = lines[2].replace('"role": "user"', '"role": "user", "role": "assistant"', 1)
    path.write_text("\n".join(lines) + "\n")
    extra = ("--peak-rpm", "10") if command == "limits" else ()
    r = cli(command, path, "--as", "finetune", "-m", "gpt-4.1", "--pricing", FIXTURE_CATALOG, *extra)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr.startswith(
        f'gpt41cost: error: {path}: line 3: messages[1]: "role" appears twice in one object; which one to count is '
        "unclear: keep one"
    ), r.stderr
    assert r.stderr.count("\n") == 1


#: The ways JSON allows to write a quote, a backslash and a slash in a string (strategies made
#: once: hypothesis works out each new strategy object's properties when it is first drawn from).
ESCAPES = {
    '"': st.sampled_from(['\\"', "\\u0022"]),
    "\\": st.sampled_from(["\\\\", "\\u005c", "\\u005C"]),
    "/": st.sampled_from(["/", "\\/"]),
}


def _string(draw: st.DrawFn, s: str) -> str:
    """``s`` as a JSON string, each quote, backslash and slash escaped one of the ways JSON allows."""
    return '"' + "".join(draw(ESCAPES[ch]) if ch in ESCAPES else json.dumps(ch)[1:-1] for ch in s) + '"'


NAMES = st.text('ab"\\/:', max_size=3)
#: A scalar: 1, null, or a string of NAMES' letters (which are never "1" or "null").
JSON_SCALARS = st.one_of(st.just("1"), st.just("null"), NAMES)
KEYS = st.lists(NAMES, max_size=4)
COLONS = st.sampled_from([":", " : ", ":\n"])
KINDS = st.sampled_from(["object", "list", "scalar"])


@st.composite
def json_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text whose objects may give a key twice, with strings escaped every way JSON allows
    (a quote as ``\\"`` or ``\\u0022``, a backslash ending a string, ``"`` and ``:`` in keys)."""
    kind = draw(KINDS) if depth < 3 else "scalar"
    if kind == "scalar":
        scalar = draw(JSON_SCALARS)
        return scalar if scalar in ("1", "null") else _string(draw, scalar)
    inner = JSON_TEXTS[depth + 1]
    if kind == "list":
        return "[" + ",".join(draw(inner) for _ in range(draw(st.integers(0, 3)))) + "]"
    keys = draw(KEYS)
    colon = draw(COLONS)
    return "{" + ",".join(f"{_string(draw, k)}{colon}{draw(inner)}" for k in keys) + "}"


#: json_texts at each depth, made once.
JSON_TEXTS = [json_texts(depth) for depth in range(4)]


@settings(max_examples=60, deadline=None)
@given(JSON_TEXTS[0])
# a key twice where the quote counts agree: the member dropped took two quotes, and the two written
# as \u0022 in what is kept are two more in orjson's writing (\")
@example('{"a":1,"a":"\\u0022\\u0022"}')
# a key twice in a text that begins as orjson writes its parse, all but the closing brace
@example('{"a":1,"a":1}')
def test_the_cheap_screen_finds_every_repeated_key(text: str) -> None:
    """first_repeat's screen (quote counts of the text and of orjson's parse written again) says
    "no key twice" only when the exact check (the standard library's parse, keeping pairs) agrees."""
    import orjson

    from gpt41cost.readers.repeats import anywhere, first_repeat, loads

    data = text.encode()
    assert first_repeat(data, orjson.loads(data)) == anywhere(loads(data))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param(b'{"a":1,"b":[{"c":"x\\"y"}]}\n', None, id="as-orjson-writes-it"),
        pytest.param(b'{"a":1,"b":[{"c":"x","c":"x"}]}\r\n', ("b[0]", "c"), id="so-but-a-key-twice"),
        pytest.param(b'{"a":1,"b":{}}  \n', None, id="more-space-after-it"),
        pytest.param(b'{"a":1,"a":1}\n', ("", "a"), id="the-same-member-twice"),
    ],
)
def test_a_text_written_as_orjson_writes_it(text: bytes, found: tuple[str, str] | None) -> None:
    """A line that is byte for byte orjson's writing of its parse gives no key twice (one
    comparison, no quote counts); one that repeats a key never is that writing."""
    import orjson

    from gpt41cost.readers.repeats import first_repeat

    assert first_repeat(text, orjson.loads(text)) == found


@pytest.mark.parametrize("depth", [300, 1000])
def test_a_deeply_nested_request_document(cli, tmp_path: Path, depth: int) -> None:
    """Past the 255 levels orjson writes, the check parses again and counts the request; past the
    standard library's recursion limit, keys cannot be checked: one line, exit 3."""
    path = tmp_path / "deep.json"
    body = '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "metadata": '
    path.write_text(body + "[" * depth + "]" * depth + "}")
    r = cli("estimate", path, "-m", "gpt-4.1", "--pricing", FIXTURE_CATALOG, "-f", "json")
    if depth == 300:
        assert r.exit_code == 0 and json.loads(r.stdout)["models"][0]["requests"] == 1
    else:
        assert r.exit_code == ExitCode.INPUT and r.stdout == ""
        assert r.stderr.strip() == (
            f"gpt41cost: error: {path}: nested too deep to check for a key given twice, or pass --skip-bad to skip "
            "the file"
        )


def test_a_usage_document_nested_deep_is_still_checked(tmp_path: Path) -> None:
    """A pretty-printed document is read as a stream, which sees every key at any depth: a key
    twice beside 1,000 levels of nesting is found (a second parse could not check it); past
    1,024 levels (orjson's limit) the document is not JSON."""
    path = tmp_path / "deep.json"
    path.write_text('{\n"data": 1, "data": ' + "[" * 1000 + "]" * 1000 + "}\n")
    with pytest.raises(InputError, match=r'deep\.json: "data" appears twice in one object'):
        read_usage([str(path)], jobs=1, strict=True)
    path.write_text('{\n"data": ' + "[" * 1024 + "]" * 1024 + "}\n")
    with pytest.raises(InputError, match=r"deep\.json:1: not valid JSON: nested deeper than 1,024 levels"):
        read_usage([str(path)], jobs=1)


@pytest.mark.parametrize(
    ("text", "lone"),
    [
        pytest.param(b'{"a": "x\\ud800"}', True, id="high"),
        pytest.param('["\\uDFFF"]', True, id="low-text"),
        pytest.param(b'{"\\ud800": 1}', True, id="in-a-key"),
        pytest.param(b'"\\ud83d\\ude00"', False, id="a-pair"),
        pytest.param(b'"\\\\ud800"', False, id="a-backslash-then-letters"),
    ],
)
def test_the_standard_library_parse_refuses_half_a_surrogate_pair(text: bytes | str, lone: bool) -> None:
    """json.loads reads "\\ud800", which orjson (the usage reader) refuses and no output can write:
    a cost page holding one made every format but CSV fail with exit 7 once the report was made."""
    from gpt41cost.readers.repeats import LoneSurrogate, loads

    if lone:
        with pytest.raises(LoneSurrogate):
            loads(text)
    else:
        loads(text)


@pytest.mark.parametrize("twice", ["", ', "b": 1, "b": 2'], ids=["once", "key-twice"])
def test_a_line_with_a_huge_number_and_half_a_surrogate_pair_is_not_json(tmp_path: Path, twice: str) -> None:
    """A number past a double (``1e400``) sends a line to the standard library's parse, which reads
    half a surrogate pair where orjson refuses it: it was counted, and with a key given twice the
    check's parse raised LoneSurrogate as a traceback. It is not JSON, as orjson's refusal says."""
    usage = '"usage": {"prompt_tokens": 1, "completion_tokens": 1}'
    path = tmp_path / "log.jsonl"
    path.write_text(
        f'{{"id": "x", "model": "gpt-4.1", {usage}, "a": 1e400, "c": "\\ud800"{twice}}}\n'
        f'{{"id": "y", "model": "gpt-4.1", {usage}}}\n'
    )
    acc = read_usage([str(path)], jobs=1)
    assert acc.records == 1
    assert [(s.reason, s.line) for s in acc.skips] == [("not_json", 1)]
    assert "half a surrogate pair" in acc.skips[0].detail
