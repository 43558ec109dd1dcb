"""Review 16 (fixK16): a usage CSV's ISO time cell, cached Batch input in the bill's line items,
flex and a fine-tuned model's priority priced at standard, counts past 64 bits, --emit-workload's
comments, and the --strict list and credits as shown."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.readers.usage import read_usage
from gpt41cost.reconcile import parse_line_item
from gpt41cost.report import usd
from gpt41cost.usage import UsageRecord, summarize

from .conftest import ROOT
from .test_reconcile import _acc

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


# --------------------------------------------------------------------------- 2. cached Batch input on the bill

_BILL_HEADER = (
    "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id,"
    "organization_id,organization_name\n"
)


def _d4(tmp_path: Path, input_batch: str = "0.08") -> tuple[Path, Path]:
    """review 16's d4: 400,000 gpt-4.1-mini Batch input tokens, 200,000 of them cached, and 40,000
    output; billed 400,000 x $0.20/M = $0.08 input, 40,000 x $0.80/M = $0.032 output."""
    usage = tmp_path / "usage.csv"
    usage.write_text(
        "start_time,end_time,project_id,num_model_requests,model,batch,service_tier,input_tokens,output_tokens,"
        "input_cached_tokens\n"
        f"{DEC1},{DEC1 + 86400},proj_a,4,gpt-4.1-mini-2025-04-14,TRUE,,400000,40000,200000\n"
    )
    bill = tmp_path / "bill.csv"
    day = f"{DEC1},{DEC1 + 86400},2026-12-01T00:00:00+00:00,2026-12-02T00:00:00+00:00"
    bill.write_text(
        _BILL_HEADER
        + f'{day},{input_batch},usd,"gpt-4.1-mini-2025-04-14, input, batch",,org,X\n'
        + f'{day},0.032,usd,"gpt-4.1-mini-2025-04-14, output, batch",,org,X\n'
    )
    return usage, bill


def test_cached_batch_input_is_set_against_the_input_batch_line_item(cli, tmp_path):
    """It made a 'cached input, batch' line item the bill never has ($0.04 computed, 0 billed)
    and left 'input, batch' at $0.04 against $0.08: an exact bill failed --strict (exit 1)."""
    usage, bill = _d4(tmp_path)
    run = cli("usage", usage, "--billed", bill, "--strict", "-f", "json")
    assert run.exit_code == 0, run.stderr
    rec = run.json()["reconciliation"]
    got = [(r["line_item"], r["computed_usd"], r["billed_usd"], r["over_tolerance"]) for r in rec["by_line_item"]]
    assert got == [
        ("gpt-4.1-mini, input, batch", "0.08", "0.08", False),  # 200,000 x $0.20/M + 200,000 x $0.20/M
        ("gpt-4.1-mini, output, batch", "0.032", "0.032", False),
    ]
    assert "in the input line item" in rec["assumptions"]["line_items"]


@pytest.mark.parametrize(
    ("item", "key"),
    [
        pytest.param("gpt-4.1-mini-2025-04-14, cached input, batch", "gpt-4.1-mini, input, batch", id="batch-cached"),
        pytest.param("gpt-4.1-mini-2025-04-14, cached input", "gpt-4.1-mini, cached input", id="standard-cached"),
        pytest.param("priority | gpt-4.1, cached input", "priority | gpt-4.1, cached input", id="priority-cached"),
        pytest.param("ft:gpt-4.1-mini:acme::x1, cached input, batch", "ft:gpt-4.1-mini, input, batch", id="ft-batch"),
    ],
)
def test_a_bills_cached_batch_item_reads_as_the_computed_side_names_it(shipped_catalog, item, key):
    """One rule (reconcile.billed_piece) for both sides: a bill that did name a cached Batch item
    is summed with 'input, batch', where the computed side puts those tokens."""
    parsed = parse_line_item(item, shipped_catalog)
    assert parsed is not None and parsed.key == key


# --------------------------------------------------------------------------- 3. flex, a fine-tuned model's priority


def test_flex_and_a_fine_tuned_priority_are_priced_at_standard(catalog):
    """docs/accounting.md §2 and `gpt41cost rules` (request service tier): both at standard; usage
    listed them as not priced. flex on gpt-4.1: 10 x $2/M + 1 x $8/M = $0.000028; priority on
    ft:gpt-4.1-mini: 1,000,000 x $0.80/M + 1,000,000 x $3.20/M = $4.00 (fine-tuned standard)."""
    result = summarize(
        _acc(
            UsageRecord("gpt-4.1", 10, 0, 1, service_tier="flex"),
            UsageRecord("ft:gpt-4.1-mini:org::x", 1_000_000, 0, 1_000_000, service_tier="priority"),
        ),
        catalog,
    )
    assert result.unpriced == ()
    assert result.total_usd == Decimal("4.000028")
    assert [(m.key, m.requests, m.cost_usd) for m in result.by_mode] == [("standard", 2, Decimal("4.000028"))]
    tiers = dict(result.assumptions)["service tiers"]
    assert "flex (OpenAI does not offer it for the GPT-4.1 family) at standard prices (1 request here)" in tiers
    assert (
        "a fine-tuned model's priority (OpenAI publishes no priority prices for it) at standard prices "
        "(1 request here)" in tiers
    )


def test_a_flex_batch_record_is_batch_and_not_counted_as_flex(catalog):
    result = summarize(_acc(UsageRecord("gpt-4.1", 1_000_000, 0, 0, batch=True, service_tier="flex")), catalog)
    assert result.total_usd == Decimal("1")  # 1,000,000 x $1.00/M, Batch
    tiers = dict(result.assumptions)["service tiers"]
    assert "request here" not in tiers and "requests here" not in tiers


def _chat(i: int, model: str, prompt: int, output: int, tier: str = "default", cached: int = 0) -> dict:
    return {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "created": DEC1 + i,
        "model": model,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": output,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
        "service_tier": tier,
    }


def _log(tmp_path: Path, records: list[dict], name: str = "chat.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_strict_passes_a_log_with_flex_and_fine_tuned_priority(cli, tmp_path):
    """review 16's logs/chat.jsonl: 'not priced' for both, exit 1, and '--strict: ... gpt-4.1-mini not
    priced' for flex. mini flex 1,000 x $0.40/M + 1,000 x $1.60/M = $0.002; the ft priority 1,000 x
    $0.80/M + 100 x $3.20/M = $0.00112."""
    path = _log(
        tmp_path,
        [
            _chat(1, "gpt-4.1-mini", 1000, 1000, "flex"),
            _chat(2, "ft:gpt-4.1-mini-2025-04-14:acme::x1", 1000, 100, "priority"),
        ],
    )
    run = cli("usage", path, "--strict", "-f", "json")
    assert run.exit_code == 0 and "not priced" not in run.stderr, run.stderr
    doc = run.json()
    assert doc["unpriced"] == [] and doc["total_usd"] == "0.00312"


def test_the_reconciliation_prices_a_fine_tuned_priority_as_usage_does(cli, tmp_path):
    """Its computed side left both out (as not priced); now the ft record is in the standard line
    items: 1,000 x $0.80/M = $0.0008 input, 100 x $3.20/M = $0.00032 output."""
    path = _log(tmp_path, [_chat(2, "ft:gpt-4.1-mini-2025-04-14:acme::x1", 1000, 100, "priority")])
    bill = tmp_path / "bill.csv"
    day = f"{DEC1},{DEC1 + 86400},2026-12-01T00:00:00+00:00,2026-12-02T00:00:00+00:00"
    bill.write_text(
        _BILL_HEADER
        + f'{day},0.0008,usd,"ft:gpt-4.1-mini-2025-04-14:acme::x1, input",,org,X\n'
        + f'{day},0.00032,usd,"ft:gpt-4.1-mini-2025-04-14:acme::x1, output",,org,X\n'
    )
    run = cli("usage", path, "--billed", bill, "--strict", "-f", "json")
    assert run.exit_code == 0, run.stderr
    rows = run.json()["reconciliation"]["by_line_item"]
    assert [(r["line_item"], r["computed_usd"]) for r in rows] == [
        ("ft:gpt-4.1-mini, input", "0.0008"),
        ("ft:gpt-4.1-mini, output", "0.00032"),
    ]


def test_the_forecast_projects_flex_and_a_fine_tuned_priority_as_usage_prices_them(cli, tmp_path):
    """forecast._traffic priced by the rule summarize does (usage.priced_mode): it left both out, as
    not priced. Each of 2026-12-01 to 12-05: mini flex 100,000 x $0.40/M + 10,000 x $1.60/M = $0.056,
    the ft priority at ft standard 100,000 x $0.80/M + 10,000 x $3.20/M = $0.112, mini default $0.056:
    $0.224 a day, $1.12 spent; projected $1.12 + 26 days (12-06 to 12-31) x $0.224 = $6.944."""
    tiers = [("gpt-4.1-mini", "flex"), ("ft:gpt-4.1-mini-2025-04-14:acme::x1", "priority"), ("gpt-4.1-mini", "default")]
    rows = [
        {**_chat(100 * d + i, model, 100_000, 10_000, tier), "created": DEC1 + 86_400 * d + 60 * i}
        for d in range(5)
        for i, (model, tier) in enumerate(tiers)
    ]
    doc = cli.json("usage", _log(tmp_path, rows), "--forecast", "--as-of", "2026-12-06")
    assert doc["total_usd"] == "1.12"
    got = doc["forecast"]
    assert (got["spent_usd"], got["run_rate_usd_per_day"], got["projected_usd"]) == ("1.12", "0.224", "6.944")


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


# --------------------------------------------------------------------------- 5. --emit-workload's comments


def test_the_workload_header_counts_the_priced_requests(tmp_path):
    """It said '4 priced requests' while summarize priced 2 (flex and a fine-tuned priority not
    priced): the header now counts what the report prices (gpt-4o, not in the catalog, left out)."""
    path = _log(
        tmp_path,
        [
            _chat(1, "gpt-4.1-mini", 1000, 100),
            _chat(2, "gpt-4.1-mini", 1000, 100, "flex"),
            _chat(3, "ft:gpt-4.1-mini-2025-04-14:acme::x1", 1000, 100, "priority"),
            _chat(4, "gpt-4o", 1000, 100),
        ],
    )
    got = gpt41cost.usage([str(path)])
    priced = got.result.totals.requests - got.result.totals.unpriced_requests
    assert priced == 3
    assert "(1 UTC day, 3 priced requests)" in got.workload_yaml(4)
    assert "over 1 day. plan" in got.workload_yaml(4)


@pytest.mark.parametrize(
    ("outputs", "line"),
    [
        pytest.param(
            [100] * 20 + [100_000],  # mean 102,000 / 21 = 4,857.1 -> 4,858; p95 (rank 20 of 21) 100
            "max_tokens: 4858                  # mean output per request (output_tokens): the observed p95 of "
            "output, 100 (21 per-request records), is below it, and plan refuses an output_tokens over "
            "max_tokens, its cap",
            id="p95-below-mean",
        ),
        pytest.param(
            [100] * 9 + [200],  # mean 1,100 / 10 = 110; p95 (rank 10 of 10) 200
            "max_tokens: 200                  # observed p95 of output (10 per-request records): plan's output "
            "reservation per request (TPM at admission)",
            id="p95",
        ),
    ],
)
def test_max_tokens_comment_says_which_figure_it_is(tmp_path, outputs, line):
    """review 16: 'max_tokens: 1828 # observed p95 of output' was the mean; the p95 was 1,000."""
    path = _log(tmp_path, [_chat(i, "gpt-4.1-mini", 1000, out) for i, out in enumerate(outputs)])
    text = gpt41cost.usage([str(path)]).workload_yaml(4)
    assert line in text.splitlines(), text


# --------------------------------------------------------------------------- 6. the --strict list, credits


def test_strict_quotes_line_items_that_hold_commas(cli, tmp_path):
    """'gpt-4.1-mini, input, batch, gpt-4.1-mini, output, batch' could not be read as two names."""
    usage, bill = _d4(tmp_path, input_batch="0.05")  # $0.03 under on input: the day and the item over
    run = cli("usage", usage, "--billed", bill, "--strict")
    assert run.exit_code == 1
    assert run.stderr.strip().endswith(
        '--strict: 2 reconciliation rows over 1%: 2026-12-01, "gpt-4.1-mini, input, batch"'
    ), run.stderr


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        pytest.param("-1", 2, "-$1.00", id="credit"),
        pytest.param("-1234.5", 2, "-$1,234.50", id="grouped"),
        pytest.param("-0.001", 2, "$0.00", id="rounds-to-zero"),
        pytest.param("0.5", 3, "$0.500", id="positive"),
    ],
)
def test_a_credit_shows_its_sign_before_the_dollar(value, places, shown):
    assert usd(Decimal(value), places) == shown


def test_a_credit_line_item_shows_as_differences_do(cli, tmp_path):
    """It showed '$-1.000' beside a difference of '-$1.000'."""
    usage, bill = _d4(tmp_path)
    day = f"{DEC1},{DEC1 + 86400},2026-12-01T00:00:00+00:00,2026-12-02T00:00:00+00:00"
    bill.write_text(bill.read_text() + f'{day},-1.00,usd,"credits",,org,X\n')
    out = cli("usage", usage, "--billed", bill).stdout
    assert "$-" not in out
    assert "credits -$1.00" in out  # the day's note on the line item the catalog does not price
