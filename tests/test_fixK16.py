"""Review 16 (fixK16): a usage CSV's ISO time cell, cached Batch input in the bill's line items,
flex and a fine-tuned model's priority priced at standard, counts past 64 bits, --emit-workload's
comments, and the --strict list and credits as shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.readers.usage import read_usage

from .conftest import ROOT

#: 2026-12-01 00:00 UTC
DEC1 = 1796083200


def _cut_catalog(tmp_path: Path) -> Path:
    """The shipped catalog with gpt-4.1's standard prices cut from 2026-12-20 to a quarter
    (input $0.50, output $2.00 per 1M), as review 16's cut.yaml."""
    text = (ROOT / "gpt41cost" / "pricing.yaml").read_text(encoding="utf-8")
    line = '      standard: [{from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"}]\n'
    assert text.count(line) == 1
    cut = (
        "      standard:\n"
        '        - {from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"}\n'
        '        - {from: "2026-12-20", input: "0.50", cached_input: "0.125", output: "2.00"}\n'
    )
    path = tmp_path / "cut.yaml"
    path.write_text(text.replace(line, cut), encoding="utf-8")
    return path


_OLD_HEADER = (
    "timestamp,n_requests,snapshot_id,n_context_tokens_total,n_generated_tokens_total,n_cached_context_tokens_total\n"
)


# --------------------------------------------------------------------------- 1. a CSV's ISO time cell


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("2026-11-30T23:00:00Z", id="Z"),
        pytest.param("2026-12-01T00:30:00+02:00", id="offset"),  # 2026-11-30 22:30 UTC
        pytest.param("2026-11-30T23:00:00", id="no-zone-is-UTC"),
        pytest.param("2026-11-30", id="date"),
    ],
)
def test_an_iso_time_cell_dates_its_row_and_prices_it_that_day(cli, tmp_path, cell):
    """review 16's old.csv: the row was read as undated, priced at the run date's prices ($0.052
    after the cut) and left out of the forecast. Each row: 100,000 x $2/M + 1,000 x $8/M = $0.208
    at the prices of 2026-11-30 and of 2026-12-01 (the cut is from 2026-12-20)."""
    path = tmp_path / "old.csv"
    path.write_text(
        _OLD_HEADER + f"{cell},10,gpt-4.1-2025-04-14,100000,1000,0\n{DEC1},10,gpt-4.1-2025-04-14,100000,1000,0\n"
    )
    doc = cli.json("usage", path, "--pricing", _cut_catalog(tmp_path), "--as-of", "2026-12-21")
    assert [(d["day"], d["cost_usd"]) for d in doc["by_day"]] == [("2026-11-30", "0.208"), ("2026-12-01", "0.208")]
    assert doc["total_usd"] == "0.416" and doc["undated_requests"] == 0


@pytest.mark.parametrize(
    ("column", "cell", "detail"),
    [
        pytest.param(
            "timestamp", "yesterday", 'timestamp is "yesterday", not an ISO 8601 time or a Unix time', id="text"
        ),
        pytest.param(
            "timestamp",
            "2026-13-01T00:00:00Z",
            'timestamp is "2026-13-01T00:00:00Z", not an ISO 8601 time',
            id="no-such-month",
        ),
        pytest.param(
            "timestamp",
            "1899-12-31T00:00:00Z",
            "timestamp: time '1899-12-31T00:00:00Z' is not from 2000 to 2099",
            id="before-2000",
        ),
        pytest.param("start_time_iso", "soon", 'start_time_iso is "soon", not an ISO 8601 time', id="iso-column"),
    ],
)
def test_a_time_cell_that_is_no_time_is_a_bad_record(cli, tmp_path, column, cell, detail):
    """As a JSON log's time key (readers.usage._log_day reads both): the row was counted without
    a day, priced at the run date's prices."""
    path = tmp_path / "export.csv"
    good = "2026-12-01T00:00:00Z" if column.endswith("iso") else str(DEC1)
    path.write_text(
        f"{column},model,num_model_requests,input_tokens,output_tokens\n{good},gpt-4.1,1,100,20\n{cell},gpt-4.1,1,100,20\n"
    )
    acc = read_usage([str(path)], jobs=1)
    assert acc.records == 1
    (skip,) = acc.skips
    assert skip.line == 3 and skip.reason == "bad_record" and detail in skip.detail, skip.detail
    run = cli("usage", path, "--strict")
    assert run.exit_code == 3 and run.stdout == ""
    assert f"export.csv:3: {detail}" in run.stderr and "Traceback" not in run.stderr


# --------------------------------------------------------------------------- 4. counts past 64 bits


def _page(*inputs: str, requests: int = 10**12) -> str:
    """A Usage API page with a result for each of ``inputs``, its input_tokens written as given."""
    results = ", ".join(
        '{"object": "organization.usage.completions.result", "input_tokens": ' + inp + ', "output_tokens": 0, '
        f'"input_cached_tokens": 0, "num_model_requests": {requests}, "model": "gpt-4.1", "batch": false, '
        '"service_tier": "default"}'
        for inp in inputs
    )
    bucket = f'{{"object": "bucket", "start_time": {DEC1}, "end_time": {DEC1 + 86400}, "results": [{results}]}}'
    return f'{{"object": "page", "has_more": false, "next_page": null, "data": [{bucket}]}}'


def _pretty(text: str) -> str:
    """The same page pretty-printed (read as a stream: readers.usage_stream), the big number kept as written."""
    return text.replace(", ", ",\n  ").replace("[{", "[\n{")


@pytest.mark.parametrize("layout", [pytest.param(str, id="one-line"), pytest.param(_pretty, id="pretty")])
def test_a_count_past_64_bits_is_refused_not_rounded(cli, tmp_path, layout):
    """review 16's big2.json: 18446744073709551617 input tokens (within 10^12 requests x 10^8) read as
    the float 1.8446744073709552e+19: '"input_tokens": 1.8446744073709552e+19' and $36,893,488,147,419.103232,
    not ...103234. A count past 2^64 - 1 is one line naming the file and line now."""
    path = tmp_path / "big2.json"
    path.write_text(layout(_page("18446744073709551617")))
    run = cli("usage", path)
    assert run.exit_code == 3 and run.stdout == ""
    assert "big2.json:" in run.stderr and "Traceback" not in run.stderr
    assert (
        "result.input_tokens is 1.84e+19: out of range, more than 18,446,744,073,709,551,615 (2^64 - 1), "
        "the largest count read exactly"
    ) in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("layout", [pytest.param(str, id="one-line"), pytest.param(_pretty, id="pretty")])
def test_a_count_of_2_to_the_64_less_1_is_exact(cli, tmp_path, layout):
    """18,446,744,073,709,551,615 x $2/M = $36,893,488,147,419.10323 exactly."""
    path = tmp_path / "big.json"
    path.write_text(layout(_page("18446744073709551615")))
    doc = cli.json("usage", path)
    assert doc["total_usd"] == "36893488147419.10323"
    (model,) = doc["models"]
    assert type(model["input_tokens"]) is int and model["input_tokens"] == 2**64 - 1


def test_a_count_written_as_a_float_is_not_a_whole_number(tmp_path):
    """1.5e10 input tokens for 1,000 requests (under 1,000 x 10^8) was counted as a float."""
    path = tmp_path / "page.json"
    path.write_text(_page("1000", "1.5e10", requests=1000))
    acc = read_usage([str(path)], jobs=1)
    (skip,) = acc.skips
    assert "result.input_tokens is 15000000000.0, not a whole number" in skip.detail
