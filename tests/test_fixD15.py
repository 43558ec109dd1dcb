"""Review 15 (fixD15): usage's counts held to README's ranges, the diagnosis of a record without
a model, Usage API results not grouped by batch or service tier, records dated before a model's
release, and price() at priority over the long-context threshold."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import InputError, ParameterError
from gpt41cost.readers.usage import read_usage

from .conftest import TEST_DATE

#: 2026-12-01 00:00 UTC
CREATED = 1796601600


def _chat(rid: str, prompt: object, completion: object = 5, model: str = "gpt-4.1", **extra: object) -> dict:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    return {"id": rid, "created": CREATED, "model": model, "usage": usage, **extra}


def _page(*results: dict) -> dict:
    bucket = {"object": "bucket", "start_time": CREATED, "end_time": CREATED + 86_400, "results": list(results)}
    return {"object": "page", "data": [bucket], "has_more": False, "next_page": None}


def _result(n: int, inp: int, out: int, **extra: object) -> dict:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": inp,
        "output_tokens": out,
        "input_cached_tokens": 0,
        "num_model_requests": n,
        "model": "gpt-4.1-mini",
        **extra,
    }


def _jsonl(tmp_path: Path, rows: list[dict], name: str = "log.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# --------------------------------------------------------------------------- README's ranges


def _raw(rid: str, prompt: str) -> str:
    """A Chat response line whose prompt_tokens is written as ``prompt`` (past what json.dumps keeps exact)."""
    usage = f'{{"prompt_tokens": {prompt}, "completion_tokens": 5}}'
    return f'{{"id": "{rid}", "created": {CREATED}, "model": "gpt-4.1", "usage": {usage}}}'


#: (record, where it is refused): one response's counts over 100,000,000 tokens, as in review 15's
#: bad/big18.jsonl, bad/big19.jsonl and bad/huge.jsonl (10^30, which orjson reads as a float)
OUT_OF_RANGE = [
    pytest.param(_raw("g1", "1000000000000000000"),
                 "usage.prompt_tokens is 1,000,000,000,000,000,000: out of range", id="10^18"),
    pytest.param(_raw("g2", "18446744073709551615"),
                 "usage.prompt_tokens is 18,446,744,073,709,551,615: out of range", id="2^64-1"),
    pytest.param(_raw("h1", "1" + "0" * 30), "usage.prompt_tokens is 1e+30: out of range", id="10^30"),
    pytest.param(json.dumps(_chat("o1", 1000, 100_000_001)),
                 "usage.completion_tokens is 100,000,001: out of range", id="output-just-over"),
    pytest.param(json.dumps({"id": "r1", "created_at": CREATED, "model": "gpt-4.1",
                             "usage": {"input_tokens": 200_000_000, "output_tokens": 5}}),
                 "usage.input_tokens is 200,000,000: out of range", id="responses-api"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "detail"), OUT_OF_RANGE)
def test_a_responses_count_over_readmes_range_is_a_bad_record(tmp_path: Path, line: str, detail: str) -> None:
    """They were priced ($2,000,000,000,000.00004 for 10^18 prompt tokens), or (10^30) called
    not a whole number; now skipped, the warning naming the line, and --strict stops there."""
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(_chat("ok", 1000, 100)) + "\n" + line + "\n")
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE).result
    assert got.totals.requests == 1
    assert got.totals.cost_usd == Decimal("0.0028")  # 1,000 x $2.00 + 100 x $8.00 per 1M
    assert dict(got.skipped) == {"bad_tokens": 1}
    (skip,) = got.skip_examples
    assert skip.line == 2 and skip.detail.startswith(detail), skip.detail
    assert "more than 100,000,000 tokens in one request" in skip.detail
    with pytest.raises(InputError, match=r"log\.jsonl:2: " + detail.replace(".", r"\.").replace("+", r"\+")):
        read_usage([str(path)], strict=True, jobs=1)


def test_a_count_at_readmes_bound_is_read(tmp_path: Path) -> None:
    acc = read_usage([str(_jsonl(tmp_path, [_chat("a", 100_000_000, 0, model="gpt-4.1-nano")]))], jobs=1)
    assert acc.records == 1 and next(iter(acc.groups.values()))[1] == 100_000_000


def test_the_cli_names_the_line_of_an_out_of_range_count(cli, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [_chat("a", 10**18)])
    done = cli("usage", "--as-of", TEST_DATE, path)
    assert done.exit_code == 3 and done.stdout == ""
    assert "log.jsonl:1: usage.prompt_tokens is 1,000,000,000,000,000,000: out of range" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_usage_api_result_is_held_to_the_range_per_request_it_sums(tmp_path: Path) -> None:
    """review 15's bad/pagebig.json (10^18 input tokens for 1 request) was $2,000,000,000,000.00004;
    a result of many requests may sum past 100,000,000 tokens, as many a request."""
    page = _page(
        _result(1, 10**18, 5, model="gpt-4.1", batch=False, service_tier="default"),
        _result(3, 300_000_000, 3, batch=False, service_tier="default"),  # 100,000,000 a request: read
        _result(2, 5, 200_000_001, batch=False, service_tier="default"),
        _result(10**12 + 1, 5, 5, batch=False, service_tier="default"),
    )
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE).result
    assert (got.totals.requests, got.totals.input_tokens) == (3, 300_000_000)
    details = [s.detail for s in got.skip_examples]
    assert details == [
        "data[0].results[0]: result.input_tokens is 1,000,000,000,000,000,000: out of range, more than "
        "100,000,000 tokens in one request (no model's context window is that large)",
        "data[0].results[2]: result.output_tokens is 200,000,001: out of range, more than 100,000,000 tokens a "
        "request for the 2 requests it sums",
        "data[0].results[3]: result.num_model_requests is 1,000,000,000,001: out of range, more than "
        "1,000,000,000,000 requests in one row",
    ]


def test_a_csv_row_is_held_to_the_range_per_request_it_sums(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "start_time,num_model_requests,input_tokens,output_tokens,model\n"
        f"{CREATED},2,200000000,5,gpt-4.1\n"
        f"{CREATED},2,200000001,5,gpt-4.1\n"
    )
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE).result
    assert (got.totals.requests, got.totals.input_tokens) == (2, 200_000_000)
    (skip,) = got.skip_examples
    assert skip.line == 3
    assert skip.detail == (
        "input_tokens is 200,000,001: out of range, more than 100,000,000 tokens a request for the 2 requests it sums"
    )


# --------------------------------------------------------------------------- usage without a model

_USAGE = {"prompt_tokens": 1000, "completion_tokens": 100}

#: review 15's layouts/nomodel_bare.jsonl, nomodel_wrapped.jsonl and model_outside.jsonl, a Batch
#: line whose body's model is null: each was "no usage object (... put it under one of those)"
NO_MODEL = [
    pytest.param({"id": "N1", "created": CREATED, "usage": _USAGE},
                 "usage found, but no model name beside it (no \"model\" key at the record's top level, where the "
                 "usage is): add the response's model there", id="bare"),
    pytest.param({"response": {"id": "N2", "created": CREATED, "usage": _USAGE}},
                 "usage found under response, but no model name beside it (no \"model\" key in response): add the "
                 "response's model there", id="wrapped"),
    pytest.param({"model": "gpt-4.1", "ts": CREATED, "response": {"id": "L8", "usage": _USAGE}},
                 "usage found under response, but no model name beside it (no \"model\" key in response; a "
                 "wrapper's model is not read: it may name the model asked for, not the one that answered): add "
                 "the response's model there", id="model-outside"),
    pytest.param({"custom_id": "c1", "response": {"status_code": 200, "body": {"model": None, "usage": _USAGE}}},
                 "usage found under response.body, but no model name beside it (model is null in response.body): "
                 "add the response's model there", id="batch-line-model-null"),
]  # fmt: skip


@pytest.mark.parametrize(("record", "detail"), NO_MODEL)
@pytest.mark.parametrize("layout", ["jsonl", "pretty"])
def test_usage_without_a_model_says_the_model_is_missing(
    tmp_path: Path, record: dict, detail: str, layout: str
) -> None:
    path = tmp_path / "log.json"
    ok = _chat("ok", 1000, 100)
    path.write_text(
        json.dumps([ok, record], indent=2) if layout == "pretty" else f"{json.dumps(ok)}\n{json.dumps(record)}\n"
    )
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE).result
    assert got.totals.requests == 1 and dict(got.skipped) == {"bad_record": 1}
    (skip,) = got.skip_examples
    assert skip.detail.endswith(detail), skip.detail
    assert "no usage object" not in skip.detail


def test_the_cli_says_the_model_is_missing(cli, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [{"response": {"id": "N2", "created": CREATED, "usage": _USAGE}}])
    done = cli("usage", "--as-of", TEST_DATE, path, "--strict")
    assert done.exit_code == 3 and done.stdout == ""
    assert done.stderr.endswith(
        'log.jsonl:1: usage found under response, but no model name beside it (no "model" key in response): '
        "add the response's model there (--strict stops at the first bad record)\n"
    ), done.stderr


# --------------------------------------------------------------------------- ungrouped Usage API results


#: 100 requests of gpt-4.1-mini, 1,000,000 in and 100,000 out: $0.40 + $0.16 at standard prices
UNGROUPED = [
    pytest.param({"batch": None, "service_tier": None}, 1, id="neither"),  # review 15's logs2/nobatch_page.json
    pytest.param({}, 1, id="keys-absent"),
    pytest.param({"batch": False, "service_tier": None}, 1, id="batch-only"),
    pytest.param({"batch": None, "service_tier": "default"}, 1, id="service-tier-only"),
    pytest.param({"batch": False, "service_tier": "default"}, 0, id="both"),
]


@pytest.mark.parametrize(("groups", "ungrouped"), UNGROUPED)
@pytest.mark.parametrize("layout", ["page", "pretty", "jsonl"])
def test_results_not_grouped_by_batch_or_service_tier_are_an_assumption(
    tmp_path: Path, groups: dict, ungrouped: int, layout: str
) -> None:
    """They were priced at standard with nothing said; the figure stays, said as an assumption."""
    page = _page(_result(100, 1_000_000, 100_000, **groups), _result(1, 0, 0, batch=True, service_tier=None))
    path = tmp_path / "page.json"
    if layout == "jsonl":
        path.write_text(json.dumps(page) + "\n" + json.dumps(page | {"data": []}) + "\n")
    else:
        path.write_text(json.dumps(page, indent=2 if layout == "pretty" else None))
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE)
    assert got.result.totals.cost_usd == Decimal("0.56")
    assert got.result.ungrouped_results == ungrouped
    said = dict(got.result.assumptions).get("processing mode of Usage API results")
    if not ungrouped:
        assert said is None
        return
    assert said == (
        "1 Usage API result not grouped by batch or service_tier (null there) is priced at standard prices, "
        "though it may hold Batch (half price) or priority requests: fetch the usage with group_by=batch and "
        "group_by=service_tier (usage --from-api asks for both)"
    )
    assert got.to_dict()["assumptions"]["processing_mode_of_usage_api_results"] == said


def test_the_cli_states_the_assumption(cli, tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(json.dumps(_page(_result(100, 1_000_000, 100_000, batch=None, service_tier=None))))
    done = cli("usage", "--as-of", TEST_DATE, path)
    assert done.exit_code == 0, done.stderr
    assert "  processing mode of Usage API results: 1 Usage API result not grouped by batch" in done.stdout
    assert "Total $0.560000 for 100 requests." in done.stdout


def test_ungrouped_results_are_counted_across_processes(tmp_path: Path, small_usage_ranges) -> None:
    """A JSONL of pages read by two processes in ranges: each worker's count reaches the result."""
    line = json.dumps(_page(_result(1, 10, 1, batch=None, service_tier=None))) + "\n"
    n = (200 << 10) // len(line) + 1
    path = tmp_path / "pages.jsonl"
    path.write_text(line * n)
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2).result
    small_usage_ranges(path)
    assert got.totals.requests == n and got.ungrouped_results == n
    assert dict(got.assumptions)["processing mode of Usage API results"].startswith(
        f"{n:,} Usage API results not grouped"
    )


# --------------------------------------------------------------------------- dated before the release

#: 2025-01-01 00:00 UTC: before gpt-4.1's release on 2025-04-14 (the first from-date of its prices)
EARLY = 1735689600


def test_requests_dated_before_the_release_are_named_as_after_a_shutdown(tmp_path: Path) -> None:
    """review 15's bad/early.jsonl: $0.0028 with only the deprecation note; priced the same, now listed."""
    rows = [
        _chat("e1", 1000, 100) | {"created": EARLY},
        _chat("e2", 1000, 100) | {"created": EARLY + 40 * 86_400},  # 2025-02-10
        _chat("e3", 1000, 100, model="gpt-4.1-2025-04-14") | {"created": EARLY},  # a snapshot: its own name
        _chat("ok", 1000, 100),
        _chat("n1", 1000, 100, model="gpt-4.1-nano"),  # 2026-12-01: after its shutdown on 2026-10-23
    ]
    got = gpt41cost.usage([str(_jsonl(tmp_path, rows))], as_of=TEST_DATE)
    result = got.result
    assert result.totals.cost_usd == 4 * Decimal("0.0028") + Decimal("0.00014")
    assert [(b.model, b.requests, b.first_day, b.last_day, b.released_on) for b in result.before_release] == [
        ("gpt-4.1", 2, "2025-01-01", "2025-02-10", "2025-04-14"),
        ("gpt-4.1-2025-04-14", 1, "2025-01-01", "2025-01-01", "2025-04-14"),
    ]
    assert [(a.model, a.requests) for a in result.after_shutdown] == [("gpt-4.1-nano", 1)]
    said = (
        "gpt-4.1: 2 requests dated before its release on 2025-04-14 (2025-01-01 to 2025-02-10): a proxy's log, "
        "a wrong clock or a mislabelled model? Priced at its first prices."
    )
    report = got.report()
    assert said in report.notes and said in report.warnings
    assert got.to_dict()["before_release"][0] == {
        "model": "gpt-4.1",
        "requests": 2,
        "first_day": "2025-01-01",
        "last_day": "2025-02-10",
        "released_on": "2025-04-14",
    }


def test_a_request_on_the_release_day_is_served(tmp_path: Path) -> None:
    released = 1744588800  # 2025-04-14 00:00 UTC
    rows = [_chat("a", 1000, 100) | {"created": released}, _chat("b", 1000, 100) | {"created": released - 1}]
    result = gpt41cost.usage([str(_jsonl(tmp_path, rows))], as_of=TEST_DATE).result
    assert [(b.requests, b.first_day) for b in result.before_release] == [(1, "2025-04-13")]


def test_the_cli_warns_of_requests_before_the_release(cli, tmp_path: Path) -> None:
    done = cli("usage", "--as-of", TEST_DATE, _jsonl(tmp_path, [_chat("e1", 1000, 100) | {"created": EARLY}]))
    assert done.exit_code == 0
    assert (
        "gpt41cost: warning: gpt-4.1: 1 request dated before its release on 2025-04-14 (2025-01-01): a proxy's "
        "log, a wrong clock or a mislabelled model? Priced at its first prices.\n"
    ) in done.stderr
    assert "Total $0.002800 for 1 request." in done.stdout


# --------------------------------------------------------------------------- over what a model serves

#: gpt-4.1's context window and maximum output (the shipped catalog's)
WINDOW, MAX_OUT = 1_047_576, 32_768
OVER_SAID = (
    "gpt-4.1: one or more responses report more tokens than OpenAI serves in one request (a response of 5,000,000 "
    "input tokens with its output over its context window of 1,047,576; 1 with output over its maximum output of "
    "32,768): a mislabelled model or a broken log? Priced all the same."
)


@pytest.mark.parametrize("layout", ["jsonl", "pretty", "parallel"])
def test_responses_over_the_models_limits_are_named(
    tmp_path: Path, layout: str, request: pytest.FixtureRequest
) -> None:
    """review 15's bad/overctx.jsonl (5,000,000 prompt and 100,000 completion tokens on gpt-4.1)
    was $10.80 with no note; the same figure, now named as no request OpenAI serves."""
    over = _chat("o1", 5_000_000, 100_000)
    n = 700 if layout == "parallel" else 1  # two processes, ranges of 8 KB, the record in the last range
    rows = [_chat(f"ok{k}", 1000, 100, model="gpt-4.1-mini") for k in range(n)] + [over]
    path = tmp_path / "log.json"
    if layout == "pretty":
        path.write_text(json.dumps(rows, indent=2))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ranges = request.getfixturevalue("small_usage_ranges") if layout == "parallel" else None
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2 if layout == "parallel" else 1)
    if ranges is not None:
        ranges(path)
    # 5,000,000 x $2.00 + 100,000 x $8.00 per 1M = $10.80; each gpt-4.1-mini request $0.00056
    assert got.result.totals.cost_usd == Decimal("10.80") + n * Decimal("0.00056")
    assert [(b.model, b.largest_input_tokens, b.requests_over_max_output) for b in got.result.over_limits] == [
        ("gpt-4.1", 5_000_000, 1)
    ]
    report = got.report()
    assert OVER_SAID in report.notes and OVER_SAID in report.warnings
    assert got.to_dict()["over_limits"] == [
        {
            "model": "gpt-4.1",
            "largest_input_tokens": 5_000_000,
            "context_window": WINDOW,
            "requests_over_max_output": 1,
            "max_output_tokens": MAX_OUT,
        }
    ]


@pytest.mark.parametrize(
    ("records", "over"),
    [
        pytest.param([(WINDOW - MAX_OUT, MAX_OUT)], None, id="a-full-window-fits"),
        pytest.param([(WINDOW - MAX_OUT + 1, MAX_OUT)], (WINDOW - MAX_OUT + 1, 0), id="one-token-over-the-window"),
        pytest.param([(1000, MAX_OUT + 1), (1000, 5)], (0, 1), id="output-over-its-maximum"),
        pytest.param([(WINDOW + 1, 0)], (WINDOW + 1, 0), id="input-alone-over"),
    ],
)
def test_the_models_limits_are_those_price_refuses(
    tmp_path: Path, records: list[tuple[int, int]], over: tuple[int, int] | None
) -> None:
    rows = [_chat(f"r{k}", inp, out) for k, (inp, out) in enumerate(records)]
    result = gpt41cost.usage([str(_jsonl(tmp_path, rows))], as_of=TEST_DATE).result
    got = [(b.largest_input_tokens, b.requests_over_max_output) for b in result.over_limits]
    assert got == ([] if over is None else [over])
    inp, out = records[0]  # the request over: price() refuses the same
    if over is None:
        assert gpt41cost.price(inp, out, model="gpt-4.1", as_of=TEST_DATE).total_usd > 0
    else:
        with pytest.raises(ParameterError):
            gpt41cost.price(inp, out, model="gpt-4.1", as_of=TEST_DATE)


def test_a_usage_api_result_sums_requests_so_is_not_held_to_one_requests_limits(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(json.dumps(_page(_result(10, 5_000_000, 100_000, batch=False, service_tier="default"))))
    assert gpt41cost.usage([str(path)], as_of=TEST_DATE).result.over_limits == ()


# --------------------------------------------------------------------------- price() at priority, long context


@pytest.mark.parametrize(
    ("model", "input_tokens", "expected"),
    [
        # review 15: 200,000 x $2.00 + 1,000 x $8.00 per 1M at standard; it was $0.714 at priority rates
        pytest.param("gpt-4.1", 200_000, Decimal("0.408"), id="over-the-threshold"),
        # 128,000 x $3.50 + 1,000 x $14.00 per 1M: at the threshold, still priority
        pytest.param("gpt-4.1", 128_000, Decimal("0.462"), id="at-the-threshold"),
        pytest.param("gpt-4.1", 128_001, Decimal("0.264002"), id="one-over"),
        # fine-tuned: no priority prices, but long context is served at standard (fine-tuned rates $3/$12)
        pytest.param("ft:gpt-4.1-2025-04-14:org::x", 200_000, Decimal("0.612"), id="fine-tuned-over"),
    ],
)
def test_price_at_priority_over_the_long_context_threshold_is_estimates(
    cli, model: str, input_tokens: int, expected: Decimal
) -> None:
    got = gpt41cost.price(input_tokens, 1000, model=model, mode="priority", as_of=TEST_DATE).total_usd
    assert got == expected
    done = cli(
        "estimate", "--input-tokens", input_tokens, "--output-tokens", 1000, "--priority", "-m", model,
        "--as-of", TEST_DATE, "-f", "json",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert Decimal(done.json()["models"][0]["per_request_usd"]) == expected


def test_a_fine_tuned_model_at_priority_under_the_threshold_is_still_refused() -> None:
    with pytest.raises(ParameterError, match="no priority prices for fine-tuned models"):
        gpt41cost.price(2000, 10, model="ft:gpt-4.1-2025-04-14:org::x", mode="priority", as_of=TEST_DATE)
