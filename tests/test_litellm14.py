"""Review 14 (litellm14): rows of a LiteLLM proxy's spend logs (its LiteLLM_SpendLogs table: top-level
``prompt_tokens``, ``completion_tokens``, ``model``, ``startTime``, ``request_id``, ``spend``; cached
tokens, when kept, in ``metadata.usage_object``) are read as one request each; they were skipped as
"no usage object"."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost

from .conftest import TEST_DATE


def _row(request_id: str, model: str, prompt: int, completion: int, **extra: object) -> dict[str, object]:
    return {
        "request_id": request_id,
        "call_type": "acompletion",
        "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
        "spend": 0.0,
        "total_tokens": prompt + completion,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "startTime": "2026-11-01T10:00:00Z",
        "endTime": "2026-11-01T10:00:02Z",
        "model": model,
        "model_group": "my-alias",
        "custom_llm_provider": "openai",
        "cache_hit": "False",
        "response": {},
        **extra,
    }


ROWS = [
    # no metadata: cached 0. 1000 in * $0.40/M + 100 out * $1.60/M = $0.00056
    _row("chatcmpl-L1", "gpt-4.1-mini", 1000, 100),
    # a router deployment's name, with its provider prefix; 1024 of 2000 cached:
    # 976 * $2.00/M + 1024 * $0.50/M + 50 * $8.00/M = $0.001952 + $0.000512 + $0.000400 = $0.002864
    _row(
        "chatcmpl-L2",
        "openai/gpt-4.1",
        2000,
        50,
        metadata={"usage_object": {"prompt_tokens": 2000, "prompt_tokens_details": {"cached_tokens": 1024}}},
    ),
    # metadata as the proxy writes it (a JSON string); 512 of 1000 cached:
    # 488 * $0.40/M + 512 * $0.10/M + 10 * $1.60/M = $0.0001952 + $0.0000512 + $0.000016 = $0.0002624
    _row(
        "chatcmpl-L3",
        "gpt-4.1-mini",
        1000,
        10,
        metadata=json.dumps({"additional_usage_values": {"prompt_tokens_details": {"cached_tokens": 512}}}),
    ),
    # the same request again: a duplicate, not counted twice
    _row("chatcmpl-L1", "gpt-4.1-mini", 1000, 100),
]
#: rows with the counts at the top but none of startTime, request_id, spend: still not read
UNMARKED = {"model": "gpt-4.1-mini", "prompt_tokens": 10, "completion_tokens": 5}


def _write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "spend_logs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_litellm_spend_log_rows_are_priced(tmp_path: Path) -> None:
    got = gpt41cost.usage([str(_write(tmp_path, ROWS))], as_of=TEST_DATE).result
    assert got.totals.cost_usd == Decimal("0.00056") + Decimal("0.002864") + Decimal("0.0002624")
    assert got.totals.cost_usd == Decimal("0.0036864")
    assert (got.totals.requests, got.totals.input_tokens, got.totals.cached_input_tokens) == (3, 4000, 1536)
    assert got.totals.output_tokens == 160
    assert got.duplicates == 1
    assert dict(got.skipped) == {}
    assert {m.key for m in got.models} == {"gpt-4.1", "gpt-4.1-mini"}
    assert [d.key for d in got.by_day] == ["2026-11-01"]


def test_a_row_without_the_marker_keys_is_still_bad(tmp_path: Path) -> None:
    got = gpt41cost.usage([str(_write(tmp_path, [ROWS[0], UNMARKED]))], as_of=TEST_DATE).result
    assert got.totals.requests == 1
    assert dict(got.skipped) == {"no_usage": 1}


def test_a_row_with_the_response_and_its_usage_is_read_from_the_response(tmp_path: Path) -> None:
    """store_prompts_in_spend_logs keeps the response: read as before, from its usage (cached 600)."""
    response = {
        "id": "chatcmpl-R1",
        "model": "gpt-4.1-mini-2025-04-14",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 600}},
    }
    path = _write(tmp_path, [_row("chatcmpl-R1", "gpt-4.1-mini", 1000, 100, response=response)])
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE).result
    assert (got.totals.requests, got.totals.cached_input_tokens) == (1, 600)


def test_cached_tokens_over_the_prompt_are_a_bad_record(tmp_path: Path) -> None:
    row = _row("x", "gpt-4.1-mini", 10, 1, metadata={"usage_object": {"prompt_tokens_details": {"cached_tokens": 11}}})
    got = gpt41cost.usage([str(_write(tmp_path, [ROWS[0], row]))], as_of=TEST_DATE).result
    assert dict(got.skipped) == {"bad_tokens": 1}


def test_the_cli_reads_a_spend_log(cli, tmp_path: Path) -> None:
    done = cli("usage", "--as-of", TEST_DATE, _write(tmp_path, ROWS[:1]))
    assert done.exit_code == 0, done.stderr
    assert "Total $0.000560 for 1 request." in done.stdout


#: a row the proxy answered from its own cache: LiteLLM writes cache_hit as str(bool), spend 0 and
#: a request id of the cached request's with a _cache_hit suffix; it never reached OpenAI
CACHE_HIT = _row("chatcmpl-L1_cache_hit1730455200.0", "gpt-4.1-mini", 1000, 100, cache_hit="True")


#: each file layout a spend log is read in: JSONL in one process, a pretty-printed JSON document
#: (streamed), and JSONL of 400 rows (about 190 KB) read by two processes in ranges of 8 KB
LAYOUTS = ["jsonl", "pretty", "parallel"]


def _usage(
    tmp_path: Path, layout: str, pair: tuple[dict[str, object], ...], *more: dict[str, object], small_usage_ranges=None
):
    """``gpt41cost.usage`` of ``pair`` repeated (once, 200 times in parallel; request ids made
    distinct) and ``more``, written in ``layout``; returns it and the number of repeats.

    In parallel the file is read as a file over the package's size threshold (8 MiB) is, by two
    processes, each a range at a time, merged in order, the range that repeats an earlier range's
    id read again here; ranges of 8 KB make some 20 of them of a file of 190 KB (40,000 rows in
    ranges of 4 MiB made 3)."""
    n = 200 if layout == "parallel" else 1
    rows = [dict(r, request_id=f"{r['request_id']}-{i}") for i in range(n) for r in pair] + list(more)
    path = tmp_path / "spend.json"
    if layout == "pretty":
        path.write_text(json.dumps(rows, indent=2))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    if layout != "parallel":
        return gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=1), n
    assert small_usage_ranges is not None
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2)
    small_usage_ranges(path)
    return got, n


@pytest.mark.parametrize("layout", LAYOUTS)
def test_proxy_cache_hits_are_counted_apart_and_not_priced(tmp_path: Path, layout: str, small_usage_ranges) -> None:
    """They were priced as OpenAI requests: $0.00112 for the two rows, against $0.00056 billed."""
    got, n = _usage(tmp_path, layout, (ROWS[0], CACHE_HIT), small_usage_ranges=small_usage_ranges)
    assert got.result.totals.requests == n
    assert got.result.totals.cost_usd == Decimal("0.00056") * n
    assert got.result.proxy_cache_hits == n
    assert dict(got.result.skipped) == {}
    out = got.to_dict()
    assert out["proxy_cache_hits"] == n
    assert any(note.startswith("LiteLLM proxy cache hits, not billed and not priced") for note in out["notes"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rows_without_a_cached_count_are_named_as_an_upper_bound(
    tmp_path: Path, layout: str, small_usage_ranges
) -> None:
    """A row that keeps no cached-token count was priced with none cached and nothing said so."""
    duplicate = ROWS[0] | {"request_id": "chatcmpl-L1-0"}  # counted once, named once
    got, n = _usage(tmp_path, layout, (ROWS[0], ROWS[1]), duplicate, small_usage_ranges=small_usage_ranges)
    assert got.result.totals.requests == 2 * n
    assert got.result.totals.cost_usd == (Decimal("0.00056") + Decimal("0.002864")) * n
    assert got.result.uncached_rows == n  # ROWS[0] has no metadata; ROWS[1] keeps 1,024 cached
    assert got.result.duplicates == 1
    assert any(
        note.startswith(f"No cached-token count in {n:,} record{'s' if n != 1 else ''} (LiteLLM spend-log rows")
        for note in got.to_dict()["notes"]
    )
