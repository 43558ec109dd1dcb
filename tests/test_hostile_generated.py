"""Generated hostile catalogs and usage records (#18): whatever hypothesis builds, the reader
gives a result or one named error of one line, never another exception.

- catalogs: the test catalog with hostile numbers in place of its prices and limits, a key given
  twice, a quoted tier key, control characters in a model name, an alias bomb or deep nesting
  added; ``load_catalog`` returns a catalog or raises ``CatalogError``;
- usage records: timestamps of every scale and sign (seconds, milliseconds, absurd), token
  counts out of range or of the wrong type, hostile model names; ``read_usage`` counts or skips
  each record with a reason, and the report renders in every format;
- Usage API pages with their shape broken where the reader walks them (``data``, ``results``,
  ``start_time``, ``object`` replaced by any JSON value or removed): counted or skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpt41cost.catalog import load_catalog
from gpt41cost.errors import CatalogError, InputError

from .conftest import DATA

FIXTURE = (DATA / "pricing-fixture.yaml").read_text()
#: Where a number sits in the catalog: a quoted price or an unquoted limit.
NUMBER = re.compile(r'"\d+(?:\.\d+)?"|(?<=: )\d+(?=[,}\s])')
HOSTILE_NUMBERS = st.sampled_from(
    ['"1e999999"', "1e999999999", '"-1"', "-5", '"1e308"', '"12345678901234567890123456789012345678"',
     ".nan", ".inf", "-.inf", '"0x10"', '"1_000"', "''", "[]", "{}", "null", "true", '"1,5"', '"5%"',
     "0", "1e-400", '"\\x1b[31m"', "9" * 400]
)  # fmt: skip
KEY_LINE = re.compile(r"^\s*[\w.-]+:", re.M)


@st.composite
def hostile_catalogs(draw: st.DrawFn) -> str:
    text = FIXTURE
    numbers = list(NUMBER.finditer(text))
    for _ in range(draw(st.integers(0, 3))):
        m = numbers[draw(st.integers(0, len(numbers) - 1))]
        text = text[: m.start()] + draw(HOSTILE_NUMBERS) + text[m.end() :]
        numbers = list(NUMBER.finditer(text))
    lines = text.splitlines()
    keys = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    if draw(st.booleans()):  # a key given twice
        i = draw(st.sampled_from(keys))
        lines.insert(i + 1, lines[i])
    if draw(st.booleans()):  # a tier key quoted
        lines = [re.sub(r"^(\s+)([1-5]):", r'\1"\2":', line, count=1) for line in lines]
    if draw(st.booleans()):  # control characters in a model name
        lines = [line.replace("gpt-4.1-mini:", "gpt-4.1-mini\x1b]0;x\x07:") for line in lines]
    extra = draw(st.sampled_from(["", "bomb", "deep"]))
    if extra == "bomb":
        width, depth = draw(st.integers(2, 12)), draw(st.integers(2, 9))
        lines.append("bomb0: &b0 [" + ",".join(["x"] * width) + "]")
        lines += [f"bomb{i}: &b{i} [" + ",".join([f"*b{i - 1}"] * width) + "]" for i in range(1, depth)]
    elif extra == "deep":
        depth = draw(st.integers(50, 3000))
        lines.append("deep: " + "[" * depth + "]" * depth)
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_catalogs())
def test_a_generated_hostile_catalog_is_a_catalog_or_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    try:
        load_catalog(path)
    except CatalogError as err:
        assert "\n" not in err.message and err.message, err.message


TIMES = st.one_of(
    st.integers(-(2**63), 2**63),
    st.integers(946_684_800, 4_102_444_800),  # 2000-2100 in seconds
    st.integers(946_684_800_000, 4_102_444_800_000),  # and in milliseconds
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["2026-11-01", "", None, [], {}]),
)
COUNTS = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["5", None, True, [], 1e300]),
)


@st.composite
def hostile_records(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        usage = {"prompt_tokens": draw(COUNTS), "completion_tokens": draw(COUNTS), "total_tokens": draw(COUNTS)}
        record = {
            "id": draw(st.text("abc", min_size=1, max_size=4)),
            "object": "chat.completion",
            "created": draw(TIMES),
            "model": draw(
                st.sampled_from(["gpt-4.1", "gpt-4.1-mini-2025-04-14", "=cmd|' /C calc'!A0", "\x1b[2Jx", ""])
            ),
            "usage": usage,
        }
        lines.append(json.dumps(record, allow_nan=True).encode())
    return b"\n".join(lines) + b"\n"


PAGE = json.loads((DATA / "usage" / "usage-api-page.json").read_text())
#: The most records one page can be skipped as: each bucket, or each result.
PAGE_SKIPS = len(PAGE["data"]) + sum(len(b["results"]) for b in PAGE["data"])
ANY_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def hostile_pages(draw: st.DrawFn) -> tuple[bytes, int]:
    """A real Usage API page with its shape broken where the reader walks it: the page's ``data``,
    a bucket's ``results`` or ``start_time``, a result, or an ``object`` field replaced by any JSON
    value (``{"object": "page"}`` without data was a KeyError, ``"results": 5`` a TypeError); with
    the most records a file of them can skip."""
    page = json.loads(json.dumps(PAGE))
    for _ in range(draw(st.integers(1, 3))):
        buckets = [b for b in page["data"] if isinstance(b, dict)] if isinstance(page.get("data"), list) else []
        bucket = draw(st.sampled_from(buckets)) if buckets else {}
        target, key = draw(
            st.sampled_from(
                [(page, "data"), (page, "object"), (page, "has_more"), (bucket, "results"), (bucket, "object"),
                 (bucket, "start_time")]
            )
        )  # fmt: skip
        if draw(st.booleans()):
            target[key] = draw(ANY_JSON)
        else:
            target.pop(key, None)
    lines = [json.dumps(page)]
    if draw(st.booleans()):  # and as one of the records of a JSONL file
        lines.append(json.dumps({"model": "gpt-4.1", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}))
    return ("\n".join(lines) + "\n").encode(), len(lines) * PAGE_SKIPS


#: A page whose first bucket's results are a number, not a list (a TypeError once): the edge a
#: reader that stops checking the results' type fails on, which few drawn pages reach.
RESULTS_NOT_A_LIST = (
    (json.dumps({**PAGE, "data": [{**PAGE["data"][0], "results": 5}, *PAGE["data"][1:]]}) + "\n").encode(),
    PAGE_SKIPS,
)


#: Two records whose prompt_tokens are a list, and 2.5: the edges of a reader that stops checking
#: that a count is a whole number (a TypeError either way, once taken for one).
COUNTS_NOT_WHOLE = (
    b"".join(
        json.dumps({"id": "a", "object": "chat.completion", "created": 1764979200, "model": "gpt-4.1",
                    "usage": {"prompt_tokens": p, "completion_tokens": 1, "total_tokens": 5}}).encode() + b"\n"
        for p in ([], 2.5)
    ),
    2,
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(hostile_records().map(lambda data: (data, data.count(b"\n"))), hostile_pages()))
@example(RESULTS_NOT_A_LIST)
@example(COUNTS_NOT_WHOLE)
def test_generated_hostile_records_are_counted_or_skipped(cli, tmp_path: Path, case: tuple[bytes, int]) -> None:
    from gpt41cost.readers.usage import read_usage

    data, most_skips = case
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    try:
        acc = read_usage([str(path)], jobs=1)
    except InputError as err:
        assert "\n" not in err.message
        return
    assert acc.records + acc.skipped + acc.duplicates >= 1 and acc.skipped <= most_skips
    for fmt in ("json", "csv", "table"):
        r = cli("usage", path, "-f", fmt, "--pricing", DATA / "pricing-fixture.yaml")
        assert r.exit_code in (0, 3), r.stderr
        assert "Traceback" not in r.output
