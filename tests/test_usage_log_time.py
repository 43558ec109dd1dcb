"""A record's day from a log's own time key (readers.usage.TIME_KEYS) when the response has
neither ``created`` nor ``created_at``: on the record or its wrapper, ISO 8601 or a Unix time;
every path (the typed fast path, the full parse, a JSON document read as a stream) alike."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.readers import usage as ru
from gpt41cost.readers.usage import TIME_KEYS, Sink, read_usage
from gpt41cost.readers.usage_stream import read_document
from gpt41cost.usage import Accumulator

USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}


def day(text: str) -> int:
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def record(**keys: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "usage": USAGE, **keys}


def days_of(tmp_path: Path, *records: dict[str, Any]) -> tuple[list[int | None], Accumulator]:
    """The day of each group, read from a JSONL file (fast path and full parse) and, the same, from
    a JSON document read as a stream."""
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    acc = read_usage([str(path)])
    streamed = Accumulator()
    read_document(b"", io.BytesIO(json.dumps(list(records), indent=1).encode()), Sink(streamed, "d.json", False))
    assert streamed.groups == acc.groups
    # the stream names the item of the array ("item 1: ") before the same words
    words = [(s.reason, s.detail) for s in acc.skips]
    assert [(s.reason, s.detail.partition(": ")[2]) for s in streamed.skips] == words
    return [k[3] for k in acc.groups], acc


@pytest.mark.parametrize("key", TIME_KEYS)
def test_each_time_key_of_the_record_gives_its_day(tmp_path, key):
    got, acc = days_of(tmp_path, record(**{key: "2026-12-01T10:00:00Z"}))
    assert got == [day("2026-12-01")] and acc.records == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-12-01T23:30:00Z", "2026-12-01", id="Z"),
        pytest.param("2026-12-01T23:30:00-05:00", "2026-12-02", id="offset-west"),
        pytest.param("2026-12-02T01:00:00+05:00", "2026-12-01", id="offset-east"),
        pytest.param("2026-12-01T23:59:59.123456789", "2026-12-01", id="naive-is-utc"),
        pytest.param("2026-12-01 10:00:00", "2026-12-01", id="space"),
        pytest.param("2026-12-01", "2026-12-01", id="date"),
        pytest.param(1796169599, "2026-12-01", id="epoch-seconds"),
        pytest.param(1796169599.9, "2026-12-01", id="epoch-float"),
        pytest.param(1796169600000, "2026-12-02", id="epoch-milliseconds"),
    ],
)
def test_a_time_is_iso_8601_or_a_unix_time(tmp_path, value, expected):
    got, _ = days_of(tmp_path, record(timestamp=value))
    assert got == [day(expected)]


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        pytest.param("yesterday", 'timestamp is "yesterday", not an ISO 8601 time or a Unix time', id="words"),
        pytest.param("1796169599", 'timestamp is "1796169599", not an ISO 8601 time or a Unix time', id="digits"),
        pytest.param("1999-12-31T23:00:00Z", "timestamp: time '1999-12-31T23:00:00Z' is not from 2000 to 2099",
                     id="year-1999"),
        pytest.param("2000-01-01T00:30:00+01:00", "timestamp: time '2000-01-01T00:30:00+01:00' is not from 2000 "
                     "to 2099", id="1999-in-utc"),
        pytest.param(12, "timestamp: time 12 is not a Unix time from 2000 to 2099, in seconds or milliseconds",
                     id="epoch-out-of-range"),
        pytest.param("0001-01-01T00:00:00+01:00", "timestamp: time '0001-01-01T00:00:00+01:00' is not from 2000 "
                     "to 2099", id="before-the-first-datetime-in-utc"),
        pytest.param("9999-12-31T23:00:00-05:00", "timestamp: time '9999-12-31T23:00:00-05:00' is not from 2000 "
                     "to 2099", id="after-the-last-datetime-in-utc"),
    ],
)  # fmt: skip
def test_a_value_that_is_no_time_is_a_bad_record(tmp_path, value, detail):
    got, acc = days_of(tmp_path, record(timestamp=value), record(created=1796126400))
    assert got == [day("2026-12-01")] and acc.records == 1
    assert [(s.line, s.reason, s.detail) for s in acc.skips] == [(1, "bad_record", detail)]


def test_a_value_that_is_no_string_or_number_is_passed_over(tmp_path):
    """loguru's ``time`` is an object; a null or a bool is no time either: the next key is read."""
    got, _ = days_of(
        tmp_path,
        record(time={"repr": "x", "timestamp": 1}, ts="2026-12-01T00:00:00Z"),
        record(timestamp=None, startTime=True, start_time="2026-12-02T00:00:00Z"),
        record(timestamp=None, time=[]),
    )
    assert got == [day("2026-12-01"), day("2026-12-02"), None]


def test_the_first_key_of_the_list_wins(tmp_path):
    got, _ = days_of(tmp_path, record(start_time="2026-12-03", ts="2026-12-02", timestamp="2026-12-01"))
    assert got == [day("2026-12-01")]


def test_created_and_created_at_win(tmp_path):
    got, _ = days_of(
        tmp_path,
        record(created=1796126400, timestamp="2026-12-05T00:00:00Z"),  # 2026-12-01
        {"model": "gpt-4.1", "created_at": 1796212800, "usage": {"input_tokens": 1, "output_tokens": 1},
         "timestamp": "2026-12-05T00:00:00Z"},  # 2026-12-02
        {"timestamp": "2026-12-05", "response": record(created=1796299200)},  # 2026-12-03
        record(created="soon", timestamp="2026-12-05"),  # present, not a number: no day, as before
    )  # fmt: skip
    assert got == [day("2026-12-01"), day("2026-12-02"), day("2026-12-03"), None]


def test_created_written_as_an_iso_time_gives_its_day(tmp_path):
    """A log of the user's own may write created (or created_at) as an ISO 8601 string; a string
    that is no time still gives no day (the record is counted, as before)."""
    got, acc = days_of(
        tmp_path,
        record(created="2026-12-01T23:30:00-05:00"),  # 2026-12-02 in UTC
        {"model": "gpt-4.1", "created_at": "2026-12-03", "usage": {"input_tokens": 1, "output_tokens": 1}},
        record(created="soon", timestamp="2026-12-05"),
    )
    assert got == [day("2026-12-02"), day("2026-12-03"), None] and acc.records == 3 and not acc.skips


def test_a_wrapper_gives_its_time_to_the_response_inside(tmp_path):
    got, acc = days_of(
        tmp_path,
        {"timestamp": "2026-12-01T10:00:00Z", "request": {"model": "gpt-4.1"}, "response": record(id="a")},
        {"@timestamp": "2026-12-01T10:00:00Z", "response": record(id="b", time="2026-12-02")},  # the record's own
        {"ts": "2026-12-01", "data": {"time": "2026-12-03", "result": record(id="c")}},  # the nearest wrapper's
        {"ts": "2026-12-04", "data": {"result": record(id="d")}},  # an outer wrapper's
        {"time": "2026-12-05", "custom_id": "x", "response": {"status_code": 200, "body": record(id="e")}},  # Batch
    )
    assert sorted(got) == [day(f"2026-12-0{n}") for n in (1, 2, 3, 4, 5)]
    assert acc.records == 5


#: One line of each kind the fast path reads, without created/created_at, each with a time key,
#: and the same with created, and a bad time: every block of them counts as the full parse does.
def _lines() -> list[bytes]:
    out = []
    for n, key in enumerate(TIME_KEYS):
        out.append(json.dumps(record(id=f"r{n}", **{key: f"2026-12-0{n + 1}T12:00:00+13:00"})).encode())
        out.append(json.dumps(record(id=f"c{n}", created=1796126400, **{key: "2026-12-09"})).encode())
        out.append(json.dumps({"custom_id": f"b{n}", "response": {"status_code": 200, "body": record(id=f"b{n}")},
                               key: 1796083200000 + n * 86_400_000}).encode())  # fmt: skip
    out.append(json.dumps(record(id="bad", ts="not a time")).encode())
    return out


def test_the_fast_path_counts_what_the_full_parse_counts(monkeypatch):
    from .test_usage_speedpath import full_parses, reference, same, scan

    lines = _lines()
    seen = full_parses(monkeypatch)
    ru._untyped[0] = 0
    acc = scan(lines)
    same(acc, reference(lines))
    assert acc.records == 18 and len({k[3] for k in acc.groups}) == 7  # 2026-11-30 to 2026-12-05, and 12-01
    assert set(seen) == {lines[-1]}  # the fast path reads the time keys; only a bad value takes the full parse
    for line in lines:  # and one at a time
        same(scan([line]), reference([line]))


def test_forecast_works_on_a_log_dated_by_its_own_keys(cli, tmp_path):
    path = tmp_path / "litellm.jsonl"
    path.write_text(
        "".join(
            json.dumps({"request_id": f"r{n}", "call_type": "acompletion", "model": "gpt-4.1",
                        "startTime": f"2026-12-0{n + 1}T10:00:00", "usage": USAGE, "spend": 0.00036}) + "\n"
            for n in range(3)
        ),
        encoding="utf-8",
    )  # fmt: skip
    r = cli(["usage", str(path), "--forecast", "--as-of", "2026-12-06", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert [d["day"] for d in doc["by_day"]] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert doc["undated_requests"] == 0
    assert doc["forecast"]["month"] == "2026-12"
    assert "time without a zone taken as UTC" in doc["assumptions"]["days"]


def test_a_csv_export_dated_by_its_iso_column_alone(tmp_path):
    """A usage CSV export with only start_time_iso: its UTC day, read by the same ISO reading as a
    log's time keys; a time past the last datetime once in UTC is a bad record naming the column,
    as a log's time key outside 2000-2099 is (no traceback; it was read as no day, priced at the
    run date's prices)."""
    path = tmp_path / "export.csv"
    path.write_text(
        "start_time_iso,model,num_model_requests,input_tokens,output_tokens\n"
        "2026-12-01T23:30:00-05:00,gpt-4.1,1,100,20\n"
        "9999-12-31T23:00:00-05:00,gpt-4.1,1,100,20\n",
        encoding="utf-8",
    )
    acc = read_usage([str(path)])
    assert [k[3] for k in acc.groups] == [day("2026-12-02")]
    assert acc.records == 1
    (skip,) = acc.skips
    assert skip.line == 3 and skip.detail == "start_time_iso: time '9999-12-31T23:00:00-05:00' is not from 2000 to 2099"
