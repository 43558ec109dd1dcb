"""Batch API pre-flight: every finding (message and line) and the queue analysis per tier."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.batch import (
    QUEUE_POOLS_RULE,
    QUEUE_SPLIT_RULE,
    BatchCheck,
    BatchFactsLike,
    Finding,
    TierQueue,
    preflight,
)
from gpt41cost.catalog import Catalog
from gpt41cost.cost import BATCH_CACHED_AT_INPUT_RATE
from gpt41cost.measure import Measured
from gpt41cost.readers.requests import BatchFacts

CHAT = "/v1/chat/completions"


def facts(n: int, **kw: Any) -> BatchFacts:
    """The reader's accumulator as it would stand after ``n`` clean chat-completions lines."""
    base: dict[str, Any] = {"source": "batch.jsonl", "lines": n, "requests": n, "file_bytes": 1_000}
    if n:
        base["urls"] = {CHAT: n}
    dupes: list[tuple[str, int, int]] = kw.pop("duplicate_ids", [])
    base.update(kw)
    out = BatchFacts(**base)
    ids = {line: cid for cid, line, _ in dupes} | {first: cid for cid, _, first in dupes}
    for line, cid in sorted(ids.items()):  # the lines of each repeated custom_id, as the reader sees them
        out.see_custom_id(cid, line)
    assert out.duplicate_ids == sorted(dupes, key=lambda d: d[1])
    return out


def req(
    line: int,
    tokens: int = 1_000,
    *,
    model: str | None = "gpt-4.1",
    cap: int | None = None,
    mini: int | None = None,
) -> Measured:
    return Measured(
        source="batch.jsonl",
        kind="batch",
        input_tokens={"gpt-4.1": tokens, "gpt-4.1-mini": tokens if mini is None else mini, "gpt-4.1-nano": tokens},
        line=line,
        model=model,
        max_output_tokens=cap,
        custom_id=f"r{line}",
    )


def check(facts: BatchFactsLike, measured: Sequence[Measured], catalog: Catalog) -> BatchCheck:
    return preflight(facts, measured, catalog)


def only(result: BatchCheck, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, result.findings
    return found[0]


# --------------------------------------------------------------------------- a clean file


def test_clean_file_has_no_findings(catalog: Catalog) -> None:
    result = check(facts(3), [req(1), req(2), req(3, 2_000)], catalog)
    assert result.findings == ()
    assert not result.rejected
    assert result.requests == 3
    assert result.models == ("gpt-4.1",)
    assert dict(result.input_tokens) == {"gpt-4.1": 4_000, "gpt-4.1-mini": 4_000, "gpt-4.1-nano": 4_000}
    assert list(result.queue) == ["gpt-4.1"]
    assert [t.tier for t in result.queue["gpt-4.1"]] == [1, 2, 3, 4, 5]


def test_assumptions_reuse_the_named_rules(catalog: Catalog) -> None:
    result = check(facts(1), [req(1)], catalog)
    names = dict(result.assumptions)
    assert names["batch_cached_rate"] is BATCH_CACHED_AT_INPUT_RATE
    assert names["batch_queue_split"] is QUEUE_SPLIT_RULE
    assert names["batch_queue_pools"] is QUEUE_POOLS_RULE


# --------------------------------------------------------------------------- each finding


def test_empty_file(catalog: Catalog) -> None:
    result = check(facts(0, file_bytes=0), [], catalog)
    f = only(result, "empty_file")
    assert (f.severity, f.line) == ("error", None)
    assert f.message == "the file holds no requests: nothing to send"
    assert result.rejected and not result.openai_rejects


def test_too_many_requests_names_the_first_line_over(catalog: Catalog) -> None:
    small = dataclasses.replace(catalog, batch_max_requests=2)
    result = check(facts(3), [req(1), req(2), req(3)], small)
    f = only(result, "too_many_requests")
    assert f.line == 3
    assert f.message == "3 requests; a batch holds at most 2: split the file"


def test_fifty_thousand_and_one_requests(catalog: Catalog) -> None:
    result = check(facts(50_001), [], catalog)
    f = only(result, "too_many_requests")
    assert f.message == "50,001 requests; a batch holds at most 50,000: split the file"
    assert f.line is None  # no measured requests to name the line from


def test_file_too_large(catalog: Catalog) -> None:
    result = check(facts(1, file_bytes=200_000_001), [req(1)], catalog)
    f = only(result, "file_too_large")
    assert f.line is None
    assert f.message == ("file is 200,000,001 bytes; a batch input file may be at most 200,000,000 bytes: split it")
    assert not check(facts(1, file_bytes=200_000_000), [req(1)], catalog).rejected


def test_not_json_uses_the_readers_message(catalog: Catalog) -> None:
    bad = [(2, "batch.jsonl: line 2 is not valid JSON: unexpected character at column 17")]
    f = only(check(facts(2, non_json_lines=[2], bad_lines=bad), [req(1)], catalog), "not_json")
    assert (f.severity, f.line) == ("error", 2)
    assert f.message == "line 2 is not valid JSON: unexpected character at column 17"


def test_not_json_without_a_message(catalog: Catalog) -> None:
    f = only(check(facts(2, non_json_lines=[2]), [req(1)], catalog), "not_json")
    assert (f.line, f.message) == (2, "line 2 is not valid JSON")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            "batch.jsonl: line 3: no 'body' object (the request)",
            "line 3: no 'body' object (the request)",
            id="reader-message",
        ),
        pytest.param(
            "batch.jsonl:3: unknown model 'gpt-4.2'",
            "line 3: batch.jsonl:3: unknown model 'gpt-4.2'",
            id="other-shape-gets-line",
        ),
    ],
)
def test_other_rejected_lines(catalog: Catalog, message: str, expected: str) -> None:
    f = only(check(facts(3, bad_lines=[(3, message)]), [req(1), req(2)], catalog), "bad_request")
    assert (f.severity, f.line, f.message) == ("error", 3, expected)


@pytest.mark.parametrize(
    ("method", "message"),
    [
        pytest.param("GET", "line 2: method 'GET'; batch lines must use POST", id="get"),
        pytest.param("post", "line 2: method 'post'; batch lines must use POST", id="lower-case"),
        pytest.param("null", "line 2: method none; batch lines must use POST", id="missing"),
    ],
)
def test_bad_method(catalog: Catalog, method: str, message: str) -> None:
    result = check(facts(2, bad_method_url=[(2, method, CHAT)]), [req(1), req(2)], catalog)
    f = only(result, "bad_method")
    assert (f.line, f.message) == (2, message)
    assert not [x for x in result.findings if x.code == "bad_url"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "/v1/completions",
            "line 2: url '/v1/completions'; use one of /v1/chat/completions, /v1/responses",
            id="legacy-completions",
        ),
        pytest.param("null", "line 2: url none; use one of /v1/chat/completions, /v1/responses", id="missing"),
    ],
)
def test_bad_url(catalog: Catalog, url: str, message: str) -> None:
    f = only(check(facts(2, bad_method_url=[(2, "POST", url)]), [req(1), req(2)], catalog), "bad_url")
    assert (f.line, f.message) == (2, message)


def test_bad_method_and_url_on_one_line(catalog: Catalog) -> None:
    result = check(facts(1, bad_method_url=[(1, "GET", "/v1/embeddings")]), [req(1)], catalog)
    assert [(f.line, f.code) for f in result.findings] == [(1, "bad_method"), (1, "bad_url")]


def test_mixed_urls(catalog: Catalog) -> None:
    f = only(check(facts(3, urls={"/v1/responses": 1, CHAT: 2}), [req(1), req(2), req(3)], catalog), "mixed_urls")
    assert f.line is None  # the reader counts urls; it does not keep their lines
    assert f.message == (
        "requests name 2 endpoints (/v1/chat/completions on 2 lines, /v1/responses on 1 lines); "
        "a batch has one endpoint for all its requests"
    )


def test_mixed_models(catalog: Catalog) -> None:
    result = check(facts(3), [req(1), req(2), req(3, model="gpt-4.1-mini")], catalog)
    f = only(result, "mixed_models")
    assert (f.severity, f.line, f.lines) == ("error", 3, (3,))
    assert f.message == (
        "line 3: model 'gpt-4.1-mini' differs from 'gpt-4.1' (used from line 1, 2 requests); "
        "a batch runs one model; lines 3"
    )
    assert result.models == ("gpt-4.1", "gpt-4.1-mini")
    assert list(result.queue) == ["gpt-4.1", "gpt-4.1-mini"]


def test_same_model_spelled_two_ways_is_a_warning(catalog: Catalog) -> None:
    result = check(facts(3), [req(1), req(2), req(3, model="gpt-4.1-2025-04-14")], catalog)
    f = only(result, "model_spelling")
    assert (f.severity, f.line) == ("warning", 3)
    assert f.message == (
        "line 3: model 'gpt-4.1-2025-04-14' names gpt-4.1 differently from 'gpt-4.1' "
        "(used from line 1, 2 requests); a batch runs one model; lines 3"
    )
    assert not result.rejected
    assert result.warnings == (f,)


def test_unknown_model(catalog: Catalog) -> None:
    result = check(facts(3), [req(1, model="gpt-4.2"), req(2), req(3, model="gpt-4.2")], catalog)
    f = only(result, "unknown_model")
    assert (f.line, f.lines) == (1, (1, 3))
    assert f.message.startswith("line 1: unknown model 'gpt-4.2': did you mean ")
    assert f.message.endswith("(lines 1, 3)")
    assert result.rejected


def test_missing_model(catalog: Catalog) -> None:
    f = only(check(facts(2), [req(1), req(2, model=None)], catalog), "missing_model")
    assert (f.line, f.message) == (2, "line 2: the request body has no model")


def test_duplicate_custom_id_lists_every_line(catalog: Catalog) -> None:
    dupes = [("a", 3, 1), ("a", 4, 1), ("b", 5, 2)]
    result = check(facts(5, duplicate_ids=dupes), [req(n) for n in range(1, 6)], catalog)
    a, b = (f for f in result.findings if f.code == "duplicate_custom_id")
    assert (a.line, a.lines) == (3, (1, 3, 4))
    assert a.message == "line 3: custom_id 'a' is used on 3 lines: 1, 3, 4; each must be unique"
    assert (b.line, b.lines) == (5, (2, 5))


def test_missing_custom_id(catalog: Catalog) -> None:
    f = only(check(facts(2, missing_ids=[2]), [req(1), req(2)], catalog), "missing_custom_id")
    assert (f.line, f.message) == (2, "line 2: no custom_id; every request needs one")


def test_over_context_window(catalog: Catalog) -> None:
    measured = [req(1, 1_040_000, cap=10_000), req(2, 1_037_576, cap=10_000)]  # line 2 fits exactly
    f = only(check(facts(2), measured, catalog), "over_context_window")
    assert f.line == 1
    assert f.message == (
        "line 1: 1,040,000 input + 10,000 max output = 1,050,000 tokens exceeds gpt-4.1's context window of 1,047,576"
    )


def test_only_documented_errors_are_said_to_make_openai_reject_the_batch(catalog: Catalog) -> None:
    """A request over its context window fails on its own (OpenAI documents no rejection of the
    whole batch for it): the pre-flight fails (exit 1), but not as "OpenAI would reject this
    batch", in the one line and the table; a duplicate custom_id is documented and is."""
    from gpt41cost.views.batch import batch_tables

    over = check(facts(2), [req(1, 1_047_577), req(2)], catalog)
    assert over.rejected and not over.openai_rejects
    assert over.rejection == (
        "batch.jsonl: the batch fails the pre-flight: 1 error (requests OpenAI would fail one by one, or gpt41cost "
        "cannot price): line 1: 1,047,577 input tokens exceeds gpt-4.1's context window of 1,047,576; fix it or "
        "leave it out"
    )
    assert batch_tables([over])[0].title.endswith(
        "FAILS the pre-flight (requests OpenAI would fail one by one, or gpt41cost cannot price)"
    )
    both = check(facts(2, duplicate_ids=[("x", 2, 1)]), [req(1, 1_047_577), req(2)], catalog)
    assert both.rejected and both.openai_rejects
    assert both.rejection == (
        "batch.jsonl: OpenAI would reject this batch: 2 errors, 1 of which fails the whole batch: line 2: "
        "custom_id 'x' is used on 2 lines: 1, 2; each must be unique"
    )
    assert batch_tables([both])[0].title.endswith("REJECTED by OpenAI's checks")


def test_over_context_window_without_a_cap(catalog: Catalog) -> None:
    f = only(check(facts(1), [req(1, 1_047_577)], catalog), "over_context_window")
    assert f.message == "line 1: 1,047,577 input tokens exceeds gpt-4.1's context window of 1,047,576"


def test_context_window_uses_the_request_models_count(catalog: Catalog) -> None:
    # Images make mini count differently; a mini request is judged on its mini count.
    measured = [req(1, 1_000, model="gpt-4.1-mini", mini=1_047_000, cap=1_000)]
    f = only(check(facts(1), measured, catalog), "over_context_window")
    assert "gpt-4.1-mini's context window" in f.message


def test_max_output_over_the_model_limit(catalog: Catalog) -> None:
    f = only(check(facts(1), [req(1, cap=40_000)], catalog), "max_output_too_large")
    assert (f.line, f.message) == (1, "line 1: max output 40,000 tokens exceeds gpt-4.1's limit of 32,768")


def test_findings_come_in_line_order_file_level_first(catalog: Catalog) -> None:
    state = facts(3, file_bytes=300_000_000, non_json_lines=[3], duplicate_ids=[("x", 2, 1)])
    result = check(state, [req(2), req(1, cap=40_000)], catalog)
    assert [(f.line, f.code) for f in result.findings] == [
        (None, "file_too_large"),
        (1, "max_output_too_large"),
        (2, "duplicate_custom_id"),
        (3, "not_json"),
    ]


# --------------------------------------------------------------------------- queue per tier


def tiers(result: BatchCheck, model: str = "gpt-4.1") -> dict[int, TierQueue]:
    return {t.tier: t for t in result.queue[model]}


def test_queue_200k_tokens_on_gpt41(catalog: Catalog) -> None:
    result = check(facts(4), [req(n, 50_000) for n in range(1, 5)], catalog)
    q = tiers(result)
    # Tier 1: 90,000-token queue -> ceil(200,000 / 90,000) = 3 batches.
    assert q[1].standard.limit == 90_000
    assert q[1].standard.input_tokens == 200_000
    assert (q[1].fits_at_once, q[1].possible, q[1].batches_needed) == (False, True, 3)
    # Tier 2: 1,350,000 -> at once.
    assert q[2].standard.limit == 1_350_000
    assert (q[2].fits_at_once, q[2].batches_needed) == (True, 1)
    assert all(q[t].fits_at_once for t in (3, 4, 5))
    assert q[1].long_context.requests == 0
    assert q[1].long_context.batches_needed == 0


def test_a_request_bigger_than_the_queue_is_impossible_at_that_tier(catalog: Catalog) -> None:
    result = check(facts(2), [req(1, 100_000), req(2, 1_000)], catalog)
    q = tiers(result)
    assert q[1].standard.largest_request == 100_000
    assert (q[1].possible, q[1].fits_at_once, q[1].batches_needed) == (False, False, None)
    assert q[1].standard.batches_needed is None
    assert (q[2].possible, q[2].batches_needed) == (True, 1)


def test_long_context_requests_use_their_own_pool(catalog: Catalog) -> None:
    # 128,000 is the threshold: above it a request draws on the long-context queue.
    result = check(facts(3), [req(1, 128_000), req(2, 128_001), req(3, 500_000)], catalog)
    q = tiers(result)
    assert (q[1].standard.requests, q[1].standard.input_tokens) == (1, 128_000)
    assert (q[1].long_context.requests, q[1].long_context.input_tokens) == (2, 628_001)
    assert q[1].long_context.limit == 2_000_000
    # The 128,000-token request is over tier 1's 90,000 standard queue: impossible there.
    assert (q[1].possible, q[1].batches_needed) == (False, None)
    assert (q[2].fits_at_once, q[2].batches_needed) == (True, 1)


def test_request_cap_also_splits(catalog: Catalog) -> None:
    small = dataclasses.replace(catalog, batch_max_requests=2)
    result = check(facts(5), [req(n, 10) for n in range(1, 6)], small)
    q = tiers(result)
    assert (q[5].fits_at_once, q[5].batches_needed) == (False, 3)


def test_size_cap_also_splits(catalog: Catalog) -> None:
    result = check(facts(1, file_bytes=450_000_000), [req(1, 10)], catalog)
    assert (tiers(result)[5].fits_at_once, tiers(result)[5].batches_needed) == (False, 3)


def test_queue_for_chosen_models_and_inferred_limits(catalog: Catalog) -> None:
    nano = catalog.resolve("gpt-4.1-nano")
    result = preflight(facts(1), [req(1, 3_000_000)], catalog, models=[nano])
    assert list(result.queue) == ["gpt-4.1-nano"]
    q = tiers(result, "gpt-4.1-nano")
    assert q[1].long_context.inferred  # the fixture marks nano's long-context limits inferred
    assert q[1].long_context.limit == 5_000_000
    assert q[1].batches_needed == 1


def test_no_resolvable_model_analyses_every_catalog_model(catalog: Catalog) -> None:
    result = check(facts(1), [req(1, model=None)], catalog)
    assert list(result.queue) == list(catalog.models)


# --------------------------------------------------------------------------- wired to the reader


def test_preflight_over_a_real_batch_file(catalog: Catalog, tmp_path: Path) -> None:
    from gpt41cost.errors import InputError
    from gpt41cost.readers.requests import read_requests

    def line(cid: str, content: str = "hi", **over: Any) -> str:
        obj: dict[str, Any] = {
            "custom_id": cid,
            "method": "POST",
            "url": CHAT,
            "body": {"model": "gpt-4.1", "messages": [{"role": "user", "content": content}]},
        }
        obj.update(over)
        return json.dumps(obj)

    text = "\n".join(
        [line("a"), line("b"), "{not json", line("a"), line("c", method="GET"), line("d", url="/v1/embeddings"), ""]
    )
    path = tmp_path / "batch.jsonl"
    path.write_text(text)
    state = BatchFacts()
    errors: list[InputError] = []
    measured = list(read_requests(str(path), "batch", catalog, facts=state, on_error=errors.append))
    result = preflight(state, measured, catalog)
    assert [(f.line, f.code) for f in result.findings] == [
        (3, "not_json"),
        (4, "duplicate_custom_id"),
        (5, "bad_method"),
        (6, "bad_url"),
    ]
    assert result.rejected
    assert result.requests == 6
    assert result.file_bytes == len(text.encode())
    assert result.findings[0].message.startswith("line 3 is not valid JSON")
