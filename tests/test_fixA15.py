"""Session 15 (fixA15): usage prices a request at priority over the long-context threshold at
standard rates, as estimate, limits and plan do (979db87; docs/accounting.md §2, "Priority and long
context"); LiteLLM rows of another provider (``azure/...``) are named, not priced at OpenAI's rates."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import gpt41cost

from .conftest import TEST_DATE

CREATED = 1_760_000_000  # 2025-10-09 UTC
M = Decimal(1_000_000)


def _chat(rid: str, prompt: int, cached: int, out: int, tier: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": rid,
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4.1",
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": out,
            "total_tokens": prompt + out,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }
    if tier is not None:
        body["service_tier"] = tier
    return body


def _response(rid: str, inp: int, out: int, tier: str) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "response",
        "created_at": CREATED,
        "model": "gpt-4.1",
        "service_tier": tier,
        "usage": {
            "input_tokens": inp,
            "output_tokens": out,
            "total_tokens": inp + out,
            "input_tokens_details": {"cached_tokens": 0},
        },
    }


def _batch_line(rid: str, prompt: int, out: int) -> dict[str, Any]:
    return {
        "id": f"batch_req_{rid}",
        "custom_id": rid,
        "response": {"status_code": 200, "request_id": rid, "body": _chat(rid, prompt, 0, out, "priority")},
        "error": None,
    }


#: gpt-4.1 rates per 1M tokens (docs/accounting.md §2): standard 2.00 / 0.50 / 8.00, priority
#: 3.50 / 0.875 / 14.00, Batch 1.00 / 4.00
RECORDS = [
    # priority, 200,000 input: over 128,000, so standard: 200,000 x 2.00 + 1,000 x 8.00
    (_chat("c1", 200_000, 0, 1_000, "priority"), (200_000 * Decimal("2.00") + 1_000 * Decimal("8.00")) / M),
    # priority, exactly 128,000 (not over): priority: 126,976 x 3.50 + 1,024 x 0.875 + 1,000 x 14.00
    (
        _chat("c2", 128_000, 1_024, 1_000, "priority"),
        (126_976 * Decimal("3.50") + 1_024 * Decimal("0.875") + 1_000 * Decimal("14.00")) / M,
    ),
    # a Responses object at fast (priority's name since 2026-07-30), 128,001 input: standard
    (_response("r3", 128_001, 10, "fast"), (128_001 * Decimal("2.00") + 10 * Decimal("8.00")) / M),
    # a Batch line whose body says priority, 200,000 input: Batch rates whatever its tier
    (_batch_line("b4", 200_000, 100), (200_000 * Decimal("1.00") + 100 * Decimal("4.00")) / M),
]
EACH = sum((usd for _, usd in RECORDS), Decimal(0))


def test_the_hand_figures() -> None:
    assert [usd for _, usd in RECORDS] == [
        Decimal("0.408"),
        Decimal("0.459312"),
        Decimal("0.256082"),
        Decimal("0.2004"),
    ]
    assert Decimal("1.323794") == EACH  # all four at their tier's rates: $1.8218555


#: each way a log is read: JSONL in one process (one block of mixed kinds: the typed columns),
#: the same gzipped, a pretty-printed JSON document (streamed: one record at a time), and 400
#: lines read by two processes in ranges of 8 KB (conftest's small_usage_ranges)
LAYOUTS = ["jsonl", "gzip", "pretty", "parallel"]


def _numbered(record: dict[str, Any], i: int) -> dict[str, Any]:
    """``record`` with its ids made its ``i``-th (a repeat is no duplicate)."""
    text = json.dumps(record)
    for key in ("c1", "c2", "r3", "b4"):
        text = text.replace(f'"{key}"', f'"{key}-{i}"').replace(f'"batch_req_{key}"', f'"batch_req_{key}-{i}"')
    return json.loads(text)


def _write(tmp_path: Path, layout: str, records: list[dict[str, Any]]) -> tuple[Path, int]:
    n = 100 if layout == "parallel" else 1
    rows = [_numbered(r, i) for i in range(n) for r in records]
    if layout == "pretty":
        path = tmp_path / "log.json"
        path.write_text(json.dumps(rows, indent=2))
    elif layout == "gzip":
        path = tmp_path / "log.jsonl.gz"
        path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    else:
        path = tmp_path / "log.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path, n


@pytest.mark.parametrize("layout", LAYOUTS)
def test_usage_prices_priority_over_the_long_context_threshold_at_standard(
    tmp_path: Path, layout: str, request: pytest.FixtureRequest
) -> None:
    """usage priced c1 and r3 at priority rates: $1.8218555 for the four, not $1.323794."""
    path, n = _write(tmp_path, layout, [r for r, _ in RECORDS])
    ranges = request.getfixturevalue("small_usage_ranges") if layout == "parallel" else None
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2 if layout == "parallel" else 1)
    if ranges is not None:
        ranges(path)
    result = got.result
    assert result.totals.requests == 4 * n
    assert result.total_usd == EACH * n
    assert result.priority_long_context == 2 * n
    modes = {line.key: (line.requests, line.input_tokens, line.cost_usd) for line in result.by_mode}
    assert modes == {
        "standard": (2 * n, 328_001 * n, (Decimal("0.408") + Decimal("0.256082")) * n),
        "priority": (n, 128_000 * n, Decimal("0.459312") * n),
        "batch": (n, 200_000 * n, Decimal("0.2004") * n),
    }
    doc = got.to_dict()
    assert doc["priority_long_context_requests"] == 2 * n
    assert f"{2 * n:,} requests at priority are over 128,000 input tokens: priced at standard rates" in " ".join(
        doc["notes"]
    )


def test_one_request_over_the_threshold_reads_singular(cli, tmp_path: Path) -> None:
    path, _ = _write(tmp_path, "jsonl", [RECORDS[0][0]])
    done = cli("usage", "--as-of", TEST_DATE, path, "-f", "json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["total_usd"] == "0.408"
    assert doc["priority_long_context_requests"] == 1
    assert any(note.startswith("1 request at priority is over 128,000 input tokens") for note in doc["notes"])


def test_no_note_and_zero_without_such_a_request(tmp_path: Path) -> None:
    path, _ = _write(tmp_path, "jsonl", [RECORDS[1][0]])
    doc = gpt41cost.usage([str(path)], as_of=TEST_DATE).to_dict()
    assert doc["total_usd"] == "0.459312"
    assert doc["priority_long_context_requests"] == 0
    assert not any("input tokens: priced at standard rates" in note for note in doc["notes"])


def test_the_reconciliation_computes_the_same_rates(tmp_path: Path) -> None:
    """The computed side of --billed priced c1 and r3 at priority too: the same parts as the total."""
    path, _ = _write(tmp_path, "jsonl", [r for r, _ in RECORDS])
    day = CREATED - CREATED % 86_400
    page = {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": day,
                "end_time": day + 86_400,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 1.323794, "currency": "usd"},
                        "line_item": "gpt-4.1, input",
                        "project_id": None,
                    }
                ],
            }
        ],
        "has_more": False,
        "next_page": None,
    }
    billed = tmp_path / "costs.json"
    billed.write_text(json.dumps(page))
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, billed=[str(billed)])
    assert got.reconciliation is not None
    assert got.reconciliation.total.computed_usd == EACH
    items = {r.key: r.computed_usd for r in got.reconciliation.by_line_item}
    # c1 and r3 in the standard items: 328,001 input tokens at $2.00
    assert items["gpt-4.1, input"] == 328_001 * Decimal("2.00") / M
    assert items["priority | gpt-4.1, input"] == 126_976 * Decimal("3.50") / M


# -- LiteLLM spend-log rows of another provider ----------------------------------------------------


def _spend_row(rid: str, model: str, provider: str | None, prompt: int = 1_000, out: int = 100) -> dict[str, Any]:
    row: dict[str, Any] = {
        "request_id": rid,
        "call_type": "acompletion",
        "spend": 0.0,
        "prompt_tokens": prompt,
        "completion_tokens": out,
        "startTime": "2026-11-01T10:00:00Z",
        "model": model,
        "cache_hit": "False",
        "metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": 0}}},
    }
    if provider is not None:
        row["custom_llm_provider"] = provider
    return row


SPEND_ROWS = [
    # OpenAI's own API: priced, 1,000 x $0.40 + 100 x $1.60 per 1M = $0.00056
    _spend_row("s1", "openai/gpt-4.1-mini", "openai"),
    _spend_row("s2", "gpt-4.1-mini", "openai"),
    # an Azure deployment by its prefix (a deployment's name is the user's own)
    _spend_row("s3", "azure/gpt-4.1", "azure", 2_000),
    _spend_row("s4", "azure/my-prod-41", "azure", 3_000),
    # no prefix, but served by Azure: it was priced at OpenAI's gpt-4.1 rates ($0.0028)
    _spend_row("s5", "gpt-4.1", "azure", 1_000),
    # another router's provider
    _spend_row("s6", "openrouter/openai/gpt-4.1", "openrouter", 500),
]
AZURE = "an Azure OpenAI deployment: billed by Microsoft Azure, not at OpenAI's prices"


@pytest.mark.parametrize("layout", ["jsonl", "pretty"])
def test_litellm_rows_of_another_provider_are_named_not_priced(tmp_path: Path, layout: str) -> None:
    """azure/... was 'not in the pricing catalog' (gpt-4.1 is); gpt-4.1 served by azure was priced
    at OpenAI's rates: $0.00392 for the priced rows, now $0.00112 (the two OpenAI rows)."""
    path = tmp_path / ("spend.json" if layout == "pretty" else "spend.jsonl")
    if layout == "pretty":
        path.write_text(json.dumps(SPEND_ROWS, indent=2))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in SPEND_ROWS))
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE)
    result = got.result
    assert result.total_usd == 2 * (1_000 * Decimal("0.40") + 100 * Decimal("1.60")) / M
    assert result.total_usd == Decimal("0.00112")
    assert [(m.key, m.requests) for m in result.models] == [("gpt-4.1-mini", 2)]
    assert [(u.model, u.requests, u.input_tokens, u.reason) for u in result.unpriced] == [
        ("azure/gpt-4.1", 2, 3_000, AZURE),
        ("azure/my-prod-41", 1, 3_000, AZURE),
        (
            "openrouter/openai/gpt-4.1",
            1,
            500,
            "served by another provider (openrouter): billed by it, not at OpenAI's prices",
        ),
    ]
    assert result.totals.unpriced_requests == 4


def test_the_cli_warns_of_each_azure_model_string(cli, tmp_path: Path) -> None:
    path = tmp_path / "spend.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in SPEND_ROWS[2:5]))
    done = cli("usage", "--as-of", TEST_DATE, path)
    assert done.exit_code == 0, done.stderr
    assert f"not priced: azure/gpt-4.1: 2 requests ({AZURE})" in done.stderr
    assert f"not priced: azure/my-prod-41: 1 request ({AZURE})" in done.stderr
    assert "3 requests not priced" in done.stdout
