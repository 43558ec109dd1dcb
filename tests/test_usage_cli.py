"""`gpt41cost usage` from the command line: exit codes, stdout/stderr, the JSON contract."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.errors import InputError
from gpt41cost.readers import usage as usage_reader
from gpt41cost.readers.usage import read_usage

from .conftest import Cli

DATA = Path(__file__).parent / "data" / "usage"
FIXTURE_CATALOG = str(Path(__file__).parent / "data" / "pricing-fixture.yaml")

#: The fixture catalog was checked 601 days before the tests' date: usage says so on stderr.
STALE = "gpt41cost: warning: prices last checked 601 days ago; see `gpt41cost pricing`\n"


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """Every run here is ``gpt41cost usage ARGS --pricing <the frozen test catalog>``."""
    return cli.bound("usage", tail=["--pricing", FIXTURE_CATALOG])


def test_json_contract(cli):
    r = cli(str(DATA / "chat.jsonl"), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert {"schema_version", "records", "total_usd", "unpriced", "models"} <= set(doc)
    assert set(doc) == {
        "schema_version",
        "as_of",
        "catalog_as_of",
        "undated_requests",
        "snapshots",
        "after_shutdown",
        "before_release",
        "over_limits",
        "after_run_date",
        "sources",
        "records",
        "requests",
        "input_tokens",
        "cached_input_tokens",
        "output_tokens",
        "cache_hit_rate",
        "total_usd",
        "unpriced_requests",
        "models",
        "unpriced",
        "by_mode",
        "by_day",
        "by_day_model",
        "by_project",
        "by_user",
        "by_api_key",
        "what_if",
        "calibration",
        "skipped",
        "failed_batch_requests",
        "duplicates_dropped",
        "proxy_cache_hits",
        "priority_long_context_requests",
        "records_not_deduplicated",
        "assumptions",
        "notes",
    }
    assert doc["schema_version"] == 3
    assert doc["records"] == 5
    assert doc["total_usd"] == "0.2845424"
    for m in doc["models"]:
        assert {"model", "requests", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd"} <= set(m)
    assert doc["models"][0] == {
        "model": "gpt-4.1",
        "lifecycle": {
            "status": "active",
            "deprecated_on": None,
            "shutdown_on": None,
            "substitute": None,
            "replacement": None,
            "basis": None,
            "reason": None,
            "announced_later": False,
        },
        "requests": 2,
        "input_tokens": 200000,
        "cached_input_tokens": 100000,
        "output_tokens": 4000,
        "cost_usd": "0.282",
        "cost_share": 0.991065,
        "cache_hit_rate": 0.5,
    }
    assert doc["unpriced"] == [
        {
            "model": "gpt-4o-2024-08-06",
            "reason": "not in the pricing catalog",
            "requests": 1,
            "input_tokens": 500,
            "cached_input_tokens": 0,
            "output_tokens": 50,
        }
    ]
    assert set(doc["calibration"][0]) == {
        "model",
        "requests",
        "output_tokens_mean",
        "output_tokens_p50",
        "output_tokens_p95",
        "input_tokens_mean",
        "cache_hit_rate",
        "distribution_requests",
    }
    assert "not priced: gpt-4o-2024-08-06" in r.stderr


def test_table_output_and_what_if(cli):
    r = cli(str(DATA / "usage-export.csv"), "--what-if", "batch=0.3")
    assert r.exit_code == 0, r.stderr
    assert "Cost by model" in r.stdout
    assert "By project" in r.stdout and "proj_a" in r.stdout
    assert "30% of non-batch traffic through the Batch API" in r.stdout
    assert "Total $0.826500 for 135 requests." in r.stdout  # the header's precision
    assert r.stderr == STALE  # the fixture catalog: checked 601 days before the tests' date


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_other_formats(cli, fmt):
    r = cli(str(DATA / "batch_output.jsonl"), "--format", fmt)
    assert r.exit_code == 0
    assert "gpt-4.1-mini" in r.stdout


def test_directory_and_stdin(cli):
    r = cli("-", "--format", "json", input=(DATA / "responses.jsonl").read_bytes())
    assert r.exit_code == 0, r.stderr
    assert r.json()["total_usd"] == "0.003168"


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_document_from_stdin_reads_as_from_a_file(cli, tmp_path, monkeypatch, gz):
    """A JSON document that starts on its first line (``{ "object": "page",`` then the page) is
    read as a stream from stdin as from a file, never parsed whole (it took 5 to 11 times its
    size): the same figures and bad records."""
    parsed: list[int] = []
    monkeypatch.setattr(usage_reader, "loads", lambda b, loads=usage_reader.loads: parsed.append(len(b)) or loads(b))
    page = json.loads((DATA / "usage-api-page.json").read_text())
    page["data"][0]["results"][0]["input_tokens"] = "lots"  # a bad record, named alike
    text = json.dumps(page, indent=2).replace("{\n  ", "{ ", 1).encode()
    assert text.splitlines()[0] == b'{ "object": "page",'
    f = tmp_path / "page.json"
    f.write_bytes(gzip.compress(text) if gz else text)
    from_file = cli(f, "--format", "json")
    from_stdin = cli("-", "--format", "json", input=f.read_bytes())
    assert from_file.exit_code == from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.json()["records"] == 2
    notes = [n.replace("Sources: -", f"Sources: {f}") for n in from_stdin.json()["notes"]]
    assert from_file.json() == {**from_stdin.json(), "sources": [str(f)], "notes": notes}
    assert from_stdin.stderr.replace("stdin:", f"{f}:") == from_file.stderr
    assert parsed == []


def test_skipped_records_summarised_on_stderr(cli):
    r = cli(str(DATA / "bad" / "mixed.jsonl"), "--format", "json")
    assert r.exit_code == 0
    assert r.json()["skipped"] == {"bad_tokens": 2, "no_usage": 1, "not_json": 2}
    lines = r.stderr.splitlines()
    assert lines[0].startswith("gpt41cost: warning: ") and "mixed.jsonl:2: not JSON" in lines[0]
    assert lines[-2:] == [
        "gpt41cost: warning: skipped 5 bad records (bad token counts: 2, no usage object: 1, "
        "not JSON: 2); --strict fails on the first",
        STALE.rstrip("\n"),  # the report's warnings come after the reading's
    ]
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["bad/mixed.jsonl", "--strict"], 3, "mixed.jsonl:2: not JSON", id="strict-bad-line"),
        pytest.param(
            ["chat.jsonl", "--strict"], 1, "--strict: 1 model not priced: gpt-4o-2024-08-06", id="strict-unpriced"
        ),
        pytest.param(["bad/empty.jsonl"], 3, "empty.jsonl: no usage records found", id="empty"),
        pytest.param(
            ["bad/missing-columns.csv"], 3, "lacks the columns num_model_requests, output_tokens", id="csv-columns"
        ),
        pytest.param(
            ["truncated.jsonl.gz", "--strict"], 3, "truncated.jsonl.gz:80: gzip data is cut off", id="cut-gzip-strict"
        ),
        pytest.param(["missing.jsonl"], 3, "missing.jsonl: no such file", id="missing-file"),
        pytest.param(["chat.jsonl", "--what-if", "batch=2"], 2, "between 0 and 1", id="bad-what-if"),
    ],
)
def test_errors(cli, args, code, message):
    args = [str(DATA / args[0]), *args[1:]]
    r = cli(*args)
    assert r.exit_code == code
    assert message in r.stderr
    assert r.stderr.splitlines()[-1].startswith("gpt41cost: error: ")
    assert "Traceback" not in r.output


def test_strict_unpriced_still_prints_the_report(cli):
    r = cli(str(DATA / "chat.jsonl"), "--strict", "--format", "json")
    assert r.exit_code == 1
    assert r.json()["total_usd"] == "0.2845424"


def test_truncated_gzip_without_strict_counts_what_it_can(cli):
    r = cli(str(DATA / "truncated.jsonl.gz"), "--format", "json")
    assert r.exit_code == 0
    assert r.json()["records"] == 79
    assert "gzip data is cut off" in r.stderr


@pytest.mark.parametrize(
    ("columns", "cells", "said", "reason"),
    [
        pytest.param(
            "model,input_tokens,n_context_tokens_total",
            ["gpt-4.1,1000,1000", "gpt-4.1,1000,900000"],
            "input_tokens (1000) and n_context_tokens_total (900000) differ; which one to price is unclear",
            "bad_tokens",
            id="count",
        ),
        pytest.param(
            "model,snapshot_id,input_tokens",
            ["gpt-4.1,gpt-4.1,1000", "gpt-4.1,gpt-4.1-mini-2025-04-14,1000"],
            "model ('gpt-4.1') and snapshot_id ('gpt-4.1-mini-2025-04-14') differ; which one to price is unclear",
            "bad_record",
            id="model",
        ),
    ],
)
def test_a_csv_row_whose_two_names_for_a_field_differ(cli, tmp_path, columns, cells, said, reason):
    f = tmp_path / "both.csv"
    f.write_text(
        f"start_time,num_model_requests,output_tokens,{columns}\n" + "".join(f"1744588800,3,10,{c}\n" for c in cells)
    )
    said = f"{f}:3: {said}"
    r = cli(f, "--strict")
    assert (r.exit_code, r.stdout) == (3, "")
    assert [r.stderr.startswith("gpt41cost: error: "), said in r.stderr, len(r.stderr.splitlines())] == [True, True, 1]
    r = cli(f, "--format", "json")  # without --strict: the row is skipped and counted, the other priced
    assert r.exit_code == 0
    assert (r.json()["records"], r.json()["skipped"]) == (1, {reason: 1})
    assert [m["model"] for m in r.json()["models"]] == ["gpt-4.1"]
    assert said in r.stderr


def test_help_has_examples(cli):
    r = Cli()(["usage", "--help"])
    assert r.exit_code == 0
    assert "--what-if batch=0.3" in r.stdout


def test_duplicates_are_noted_in_every_format(cli, tmp_path):
    (tmp_path / "app.jsonl").write_bytes((DATA / "chat.jsonl").read_bytes())
    (tmp_path / "app.jsonl.gz").write_bytes(gzip.compress((DATA / "chat.jsonl").read_bytes()))
    r = cli(str(tmp_path), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert (doc["records"], doc["duplicates_dropped"], doc["total_usd"]) == (5, 5, "0.2845424")
    for fmt in ("table", "markdown"):
        r = cli(str(tmp_path), "--format", fmt)
        assert "Duplicates dropped: 5 records repeat a response id already counted" in r.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "table", "markdown"])
def test_a_row_with_nothing_priced_has_no_cost_not_zero(cli, tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    """by_day_model and the other breakdowns showed a row of only unpriced requests at cost "0"
    (with unpriced_requests 1): its cost is unknown, so null in JSON, empty in CSV and "-" in the
    table and Markdown (how every unknown figure is shown). The totals are the priced part, and say so."""
    head = "start_time,project_id,num_model_requests,model,input_tokens,output_tokens,input_cached_tokens\n"
    log = tmp_path / "usage.csv"
    log.write_text(head + "1744588800,proj_a,3,gpt-4.1,300000,30000,0\n1744588800,proj_b,2,gpt-9,1000,100,0\n")
    r = cli(log, "-f", fmt, *(["--table", "by-project"] if fmt == "csv" else []), expect=0)
    if fmt == "json":
        doc = json.loads(r.stdout)
        unknown = {"cost_usd": None, "cost_share": None, "unpriced_requests": 2}
        for key, name in (("by_project", "proj_b"), ("by_day_model", "gpt-9")):
            row = next(x for x in doc[key] if name in x.values())
            assert {k: row[k] for k in unknown} == unknown, key
        assert (doc["total_usd"], doc["requests"], doc["unpriced_requests"]) == ("0.84", 5, 2)
    elif fmt == "csv":
        rows = {x["project"]: x for x in csv.DictReader(io.StringIO(r.stdout))}
        assert (rows["proj_b"]["cost"], rows["proj_b"]["share"], rows["proj_b"]["unpriced requests"]) == ("", "", "2")
        assert rows["proj_a"]["cost"] == "0.84"
    else:
        row = next(x for x in r.stdout.splitlines() if "proj_b" in x)
        cells = [c for c in re.split(r"\s{2,}|\|", row) if c.strip()]
        assert [c.strip() for c in cells[-3:]] == ["-", "-", "2"], row
        assert "$0.840000 for 3 priced requests; 2 requests not priced" in r.stdout


class _Endless(io.RawIOBase):
    """Standard input that never ends (``/dev/zero``, or one line that never ends), failing the
    test once more than ``limit`` bytes have been read from it."""

    def __init__(self, byte: bytes, limit: int) -> None:
        self.byte, self.limit, self.given = byte, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = len(buffer)
        self.given += n
        assert self.given <= self.limit, f"read {self.given:,} bytes of an endless first line"
        buffer[:n] = self.byte * n
        return n


@pytest.mark.parametrize("byte", [b"\0", b"x"], ids=["dev-zero", "a-line-without-end"])
def test_an_endless_first_line_on_stdin_ends_as_one_error_in_bounded_memory(cli, monkeypatch, byte):
    """``gpt41cost usage - < /dev/zero`` read its first line whole: it grew until the OOM killer
    ended it (a MemoryError traceback under ``ulimit -v``). Now a first line is read
    FIRST_LINE_BYTES at a time: one that is that long and not JSON is not a usage file, said in
    one line, exit 3, nothing on stdout, after reading no more than the bound of it."""
    endless = _Endless(byte, 4 * usage_reader.FIRST_LINE_BYTES)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(endless)))
    said = r"^stdin: no usage records found; first problem: stdin:1: a line over 8 MiB long"
    with pytest.raises(InputError, match=said):
        read_usage(["-"], jobs=1)
    assert endless.given <= 2 * usage_reader.FIRST_LINE_BYTES
    # the command, at a bound of 1 MiB given 2.5 MiB (as 20 MiB were given against the 8 MiB)
    monkeypatch.setattr(usage_reader, "FIRST_LINE_BYTES", 1 << 20)
    r = cli("-", input=byte * (5 << 19))
    assert (r.exit_code, r.stdout, len(r.stderr.splitlines())) == (3, "", 1), r.stderr
    assert "a line over 1 MiB long that is not JSON: not a usage file" in r.stderr
