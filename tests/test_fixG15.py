"""Review 15b (fixG15): usage's sum rows of one request at priority over the long-context threshold,
LiteLLM provider names in any case, CSV export rows not grouped by batch or service tier, an empty
model name, and tokens in a row of zero requests. Inputs: tests/data/fixG15 (from the review)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.readers import usage as ru
from gpt41cost.usage import UsageResult

from .conftest import TEST_DATE, spend_log

DATA = Path(__file__).parent / "data" / "fixG15"
#: 2025-12-06 00:00 UTC, the review's records' day
CREATED = 1764979200


def _usage(path: Path | str, **kw: object) -> UsageResult:
    return gpt41cost.usage([str(path)], as_of=TEST_DATE, **kw).result  # type: ignore[arg-type]


def _fast_path(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Read files in blocks of 8 KB, not 1 MiB, so a few hundred lines take the typed fast path
    (blocks before a file's last one) as 20,000 lines do in blocks of 1 MiB; the answer of each
    block the fast path was offered (True: it read the block), for the test to check it ran."""
    monkeypatch.setattr(ru, "CHUNK_BYTES", 8192)
    monkeypatch.setattr(ru, "_untyped", [0])  # no mixed-kinds block of an earlier test sends these past it
    offered: list[bool] = []
    typed = ru._add_typed

    def spy(sink: ru.Sink, lines: list[bytes]) -> bool:
        offered.append(typed(sink, lines))
        return offered[-1]

    monkeypatch.setattr(ru, "_add_typed", spy)
    return offered


def _tiers(result: object) -> str:
    return dict(result.assumptions)["service tiers"]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- 1. a sum row of one request


@pytest.mark.parametrize("name", ["page1.json", "one.csv"])
def test_a_sum_row_of_one_priority_request_over_the_threshold_is_priced_at_standard(name: str) -> None:
    """200,000 in + 1,000 out at priority, one request: $0.408 at standard (docs/accounting.md §2,
    "Priority and long context"), as a Chat record of that request is; before: $0.714."""
    got = _usage(DATA / name)
    assert got.totals.cost_usd == Decimal("0.408")
    assert got.priority_long_context == 1
    chat = DATA / "edge.jsonl"  # line 4 of it is that request at default: $0.408 too
    assert _usage(chat).priority_long_context == 3


def test_a_sum_row_of_several_requests_keeps_priority_prices_and_says_one_is_over(tmp_path: Path) -> None:
    """3 requests, 900,000 input: more than 3 x 128,000, so at least one request is over; which is
    unknown, so the row stays at priority prices ($3.192) and the assumption says so with counts."""
    got = _usage(DATA / "page3.json")
    assert got.totals.cost_usd == Decimal("3.192") and got.priority_long_context == 0
    said = _tiers(got)
    assert (
        "1 priority row of several requests each (Usage API results, CSV rows) does not say which request is "
        "over 128,000, so is priced at priority prices, an upper bound: 1 of them (3 requests) with more input "
        "than their requests x 128,000: at least one request in each is over it;" in said
    )
    assert "may be over" not in said


def test_a_sum_row_that_may_hold_a_long_request_says_so(tmp_path: Path) -> None:
    """10 requests, 1,000,000 input at priority: over 128,000 in all, not over 10 x 128,000."""
    got = _usage(DATA / "empty_batch.csv")
    said = _tiers(got)
    assert (
        "1 of them (10 requests) with more than 128,000 input tokens in all: some of their requests may be over it"
        in said
    )
    assert "at least one request in each" not in said


def test_a_sum_row_within_the_threshold_adds_nothing(tmp_path: Path) -> None:
    page = json.loads((DATA / "page3.json").read_text())
    page["data"][0]["results"][0]["input_tokens"] = 128_000  # 3 requests: none can be over
    path = tmp_path / "p.json"
    path.write_text(json.dumps(page))
    said = _tiers(_usage(path))
    assert "row of several requests" not in said and "rows of several requests" not in said


def test_sum_rows_of_one_request_are_told_apart_across_processes(tmp_path: Path, small_usage_ranges) -> None:
    """A JSONL of pages read by two processes in ranges, as one over 8 MiB is: the long-context part
    and the counts of rows of several requests reach the result from each worker."""
    one = json.loads((DATA / "page1.json").read_text())
    three = json.loads((DATA / "page3.json").read_text())
    text = json.dumps(one) + "\n" + json.dumps(three) + "\n"
    n = (200 << 10) // len(text) + 1
    path = tmp_path / "pages.jsonl"
    path.write_text(text * n)
    got = _usage(path, jobs=2)
    small_usage_ranges(path)
    assert got.priority_long_context == n
    assert got.totals.cost_usd == n * (Decimal("0.408") + Decimal("3.192"))
    assert f"{n:,} of them ({3 * n:,} requests) with more input than their requests" in _tiers(got)


# --------------------------------------------------------------------------- 2. LiteLLM provider names


def test_a_litellm_provider_named_openai_in_any_case_is_openai(tmp_path: Path) -> None:
    """spend.jsonl: 6 rows of 1,000 in + 100 out ($0.0028 each); 2 by azure. Before: the row with
    custom_llm_provider "OpenAI" was another provider's, unpriced ($0.0084 for 3)."""
    got = _usage(DATA / "spend.jsonl")
    assert got.totals.cost_usd == Decimal("0.0112")
    assert [(u.model, u.requests) for u in got.unpriced] == [("azure/gpt-4.1", 2)]
    rows = [
        {"model": "OpenAI/gpt-4.1", "custom_llm_provider": None},
        {"model": " openai /gpt-4.1", "custom_llm_provider": "x"},
        {"model": "gpt-4.1", "custom_llm_provider": " OPENAI "},
        {"model": "gpt-4.1", "custom_llm_provider": "Text-Completion-OpenAI"},
    ]
    got = _usage(spend_log(tmp_path / "spend.jsonl", rows))
    assert got.unpriced == () and got.totals.cost_usd == Decimal("0.0112")


# --------------------------------------------------------------------------- 3. CSV rows not grouped


def test_csv_rows_with_empty_batch_or_tier_cells_are_not_grouped_as_a_page_is() -> None:
    """The same four results as a page (batch null) and as a CSV export (batch cell empty): two are
    not grouped in each; before, the CSV export had no such assumption."""
    page = _usage(DATA / "ungrouped_page.json")
    csv = _usage(DATA / "empty_batch.csv")
    assert page.ungrouped_results == csv.ungrouped_results == 2
    said = dict(csv.assumptions)["processing mode of Usage API results"]
    assert said.startswith(
        "2 CSV export rows with an empty batch cell (or no batch column), or an empty service_tier on a row "
        "that is not Batch are priced at standard prices"
    )
    assert said.endswith("(usage --from-api asks for both), or export it with both columns filled")
    assert dict(page.assumptions)["processing mode of Usage API results"].startswith(
        "2 Usage API results not grouped by batch or service_tier (null there) are priced"
    )


def test_a_csv_export_without_batch_or_tier_columns_is_not_grouped(tmp_path: Path) -> None:
    """The older export (n_context_tokens_total, no batch or service_tier column) cannot tell Batch
    or priority traffic apart: every row is counted in the assumption."""
    path = tmp_path / "legacy.csv"
    path.write_text(
        "aggregation_timestamp,n_requests,snapshot_id,n_context_tokens_total,n_generated_tokens_total\n"
        f"{CREATED},10,gpt-4.1-2025-04-14,1000,100\n"
        f"{CREATED},5,gpt-4.1-mini-2025-04-14,1000,100\n"
    )
    got = _usage(path)
    assert got.ungrouped_results == 2
    assert dict(got.assumptions)["processing mode of Usage API results"].startswith(
        "2 CSV export rows with an empty batch cell"
    )


def test_grouped_csv_rows_add_no_assumption(tmp_path: Path) -> None:
    got = _usage(DATA / "one.csv")
    assert got.ungrouped_results == 0
    assert "processing mode of Usage API results" not in dict(got.assumptions)


def test_a_page_and_a_csv_together_name_both(tmp_path: Path) -> None:
    got = gpt41cost.usage([str(DATA / "ungrouped_page.json"), str(DATA / "empty_batch.csv")], as_of=TEST_DATE).result
    assert got.ungrouped_results == 4
    assert dict(got.assumptions)["processing mode of Usage API results"].startswith(
        "2 Usage API results not grouped by batch or service_tier (null there) and 2 CSV export rows with"
    )


# --------------------------------------------------------------------------- 5. an empty model name


def _chat(rid: str, model: str) -> str:
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    return json.dumps({"id": rid, "object": "chat.completion", "created": CREATED, "model": model, "usage": usage})


@pytest.mark.parametrize("blank", ["", "  ", "\u3000"])
def test_an_empty_model_is_a_bad_record_as_a_missing_one(cli, tmp_path: Path, monkeypatch, blank: str) -> None:
    """A response with ``"model": ""`` (or blank) names no model: the bad record of one without a
    model key, not an unpriced "(none)" row with Usage API advice. In a block the fast path reads
    (400 lines in blocks of 8 KB, :func:`_fast_path`) and alone."""
    lines = [_chat(f"x{i}", "gpt-4.1") for i in range(400)]
    lines[150] = _chat("x150", blank)
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(lines) + "\n")
    offered = _fast_path(monkeypatch)
    got = _usage(big)
    assert offered.count(True) >= 3 and False in offered  # the blank's block was offered the fast path: refused
    assert got.totals.requests == 399 and got.unpriced == ()
    assert got.skipped == {"bad_record": 1}
    shown = json.dumps(blank, ensure_ascii=False)
    assert got.skip_examples[0].line == 151
    assert f"no model name beside it (model is {shown} at the record's top level" in got.skip_examples[0].message()
    one = tmp_path / "one.jsonl"
    one.write_text(_chat("a", "gpt-4.1") + "\n" + _chat("b", blank) + "\n")
    done = cli("usage", "--as-of", TEST_DATE, "--strict", one)
    assert done.exit_code == 3 and done.stdout == ""
    assert f"one.jsonl:2: usage found, but no model name beside it (model is {shown}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_review_file_with_an_empty_model(cli) -> None:
    done = cli("usage", "--as-of", TEST_DATE, DATA / "nomodel.jsonl")
    assert done.exit_code == 3 and done.stdout == ""
    assert "(none)" not in done.stderr


# --------------------------------------------------------------------------- 6. tokens of zero requests


def test_tokens_in_a_result_of_zero_requests_are_a_bad_record(cli) -> None:
    """range/page.json: result 0 has 500 input tokens and num_model_requests 0 (before: priced)."""
    done = cli("usage", "--as-of", TEST_DATE, "--strict", DATA / "zero_requests.json")
    assert done.exit_code == 3 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert (
        "zero_requests.json:1: data[0].results[0]: result.input_tokens is 500 in a row of 0 requests: "
        "tokens without a request cannot be (--strict stops at the first bad record)" in done.stderr
    )
    got = _usage(DATA / "zero_requests.json")
    assert got.totals.requests == 2 and got.skipped == {"bad_tokens": 2}


@pytest.mark.parametrize(("inp", "out", "cached", "bad"), [(0, 0, 0, False), (0, 7, 0, True), (0, 0, 3, True)])
def test_a_csv_row_of_zero_requests_holds_no_token(tmp_path: Path, inp: int, out: int, cached: int, bad: bool) -> None:
    path = tmp_path / "z.csv"
    path.write_text(
        "start_time,num_model_requests,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens\n"
        f"{CREATED},0,gpt-4.1,FALSE,default,{inp},{out},{cached}\n"
        f"{CREATED},1,gpt-4.1,FALSE,default,10,1,0\n"
    )
    got = _usage(path)
    assert got.totals.requests == 1
    assert dict(got.skipped) == ({"bad_tokens": 1} if bad else {})


# --------------------------------------------------------------------------- 4. over the context window


def _over(lines: list[str], tmp_path: Path, name: str) -> tuple:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return _usage(path).over_limits


def _pair(rid: str, inp: int, out: int) -> str:
    usage = {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}
    return json.dumps({"id": rid, "object": "chat.completion", "created": CREATED, "model": "gpt-4.1", "usage": usage})


def test_a_response_over_the_window_beside_a_larger_input_is_named(tmp_path: Path, monkeypatch) -> None:
    """range/missed.jsonl: 1,047,476 + 100 (at the window) and 1,020,000 + 30,000 (over it): before,
    over_limits was empty (the largest input with the fewest output tokens is not over), though
    range/alone.jsonl, the second alone, named it. In a file the fast path reads too (400 lines in
    blocks of 8 KB, :func:`_fast_path`: the two in one block it reads)."""
    for name in ("missed.jsonl", "alone.jsonl"):
        got = _usage(DATA / name).over_limits
        assert [(o.model, o.largest_input_tokens, o.context_window) for o in got] == [("gpt-4.1", 1_020_000, 1_047_576)]
    offered = _fast_path(monkeypatch)
    lines = [_pair(f"x{i}", 1000 + i, 50) for i in range(400)]
    lines[200] = _pair("w1", 1_047_476, 100)  # beside it, in the same block
    lines[201] = _pair("w2", 1_020_000, 30_000)
    got = _over(lines, tmp_path, "big.jsonl")
    assert offered.count(True) >= 4 and False not in offered  # every block but the last read by the fast path
    assert [(o.largest_input_tokens, o.requests_over_max_output) for o in got] == [(1_020_000, 0)]
    lines[201] = _pair("w2", 1_017_576, 30_000)  # exactly the window: not over
    assert _over(lines, tmp_path, "at.jsonl") == ()


def test_the_largest_sum_is_kept_across_processes(tmp_path: Path, small_usage_ranges) -> None:
    """Read by two processes in ranges, as a log over 8 MiB is: the response over the window is in
    the second half."""
    lines = [_pair(f"x{i}", 1000, 50) for i in range(2000)]
    lines[20] = _pair("w1", 1_047_476, 100)
    lines[1700] = _pair("w2", 1_020_000, 30_000)
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(lines) + "\n")
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2).result.over_limits
    small_usage_ranges(path)
    assert [o.largest_input_tokens for o in got] == [1_020_000]
