"""Review 20, finding 2 (fix20h).

A Helicone request row (a row of its ClickHouse table ``request_response_rmt``, as HQL returns it)
keeps the cached input of an OpenAI response in ``prompt_cache_read_tokens``, and its
``prompt_tokens`` is the input without them: Helicone takes ``prompt_tokens_details.cached_tokens``
off OpenAI's ``prompt_tokens`` before it stores the row (docs/accounting.md §10 cites its source).
So the input is the two added, the cached part at the cached rate. Before, the column was ignored:
the row was priced as 5,000 uncached input tokens, $0.002320, with a note calling that an upper
bound, where it was 9,096 tokens of which 4,096 cached, $0.0027296. Its ``provider`` was not read
either: a row Helicone logged for Azure was priced at OpenAI's prices, where a LiteLLM row of
Azure is listed under "Not priced".
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost

from .conftest import TEST_DATE
from .test_fix20h_upper_bound import LAYOUTS, UPPER_BOUND, _usage


def _helicone(request_id: str, model: str, prompt: int, read: int, completion: int, provider: str = "OPENAI"):
    return {
        "request_id": request_id,
        "request_created_at": "2026-12-01T10:00:00.000Z",
        "request_model": model,
        "model": f"{model}-2025-04-14",
        "provider": provider,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "prompt_cache_read_tokens": read,
        "prompt_cache_write_tokens": 0,
        "status": 200,
    }


#: the reviewer's rows (/tmp/review20/cases/3/helicone.jsonl).
#: h-1: 5,000 uncached + 4,096 cached = 9,096 input on gpt-4.1-mini:
#: 5,000 x $0.40/M + 4,096 x $0.10/M + 200 x $1.60/M = $0.002 + $0.0004096 + $0.00032 = $0.0027296
#: h-2: 1,000 input, none cached, on gpt-4.1: 1,000 x $2/M + 100 x $8/M = $0.0028
HELICONE = [
    _helicone("h-1", "gpt-4.1-mini", 5000, 4096, 200),
    _helicone("h-2", "gpt-4.1", 1000, 0, 100),
]


def _model(got, name: str):
    (line,) = [m for m in got.result.models if m.key == name]
    return line


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_helicone_rows_cache_read_column_is_its_cached_input(tmp_path: Path, layout: str, small_usage_ranges) -> None:
    """Before: gpt-4.1-mini 5,000 input, 0 cached, $0.00232; total $0.00512 and the upper-bound note."""
    got, n = _usage(tmp_path, layout, HELICONE, small_usage_ranges)
    mini = _model(got, "gpt-4.1-mini")
    assert (mini.requests, mini.input_tokens, mini.cached_input_tokens, mini.output_tokens) == (
        n,
        9096 * n,
        4096 * n,
        200 * n,
    )
    assert mini.cost_usd == Decimal("0.0027296") * n
    full = _model(got, "gpt-4.1")
    assert (full.input_tokens, full.cached_input_tokens, full.cost_usd) == (1000 * n, 0, Decimal("0.0028") * n)
    assert got.result.totals.cost_usd == Decimal("0.0055296") * n
    assert got.result.uncached_rows == 0
    assert not [note for note in got.to_dict()["notes"] if note.startswith(UPPER_BOUND)]


def test_the_cli_prices_the_reviewers_helicone_rows(cli, tmp_path: Path) -> None:
    path = tmp_path / "helicone.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in HELICONE), encoding="utf-8")
    doc = cli.json("usage", "--as-of", TEST_DATE, path)
    assert doc["total_usd"] == "0.0055296"
    got = {
        m["model"]: (m["input_tokens"], m["cached_input_tokens"], m["output_tokens"], m["cost_usd"])
        for m in doc["models"]
    }
    assert got == {"gpt-4.1-mini": (9096, 4096, 200, "0.0027296"), "gpt-4.1": (1000, 0, 100, "0.0028")}
    assert not [note for note in doc["notes"] if note.startswith(UPPER_BOUND)]


@pytest.mark.parametrize(
    ("provider", "model", "reason"),
    [
        pytest.param("AZURE", "AZURE/gpt-4.1-mini-2025-04-14", "an Azure OpenAI deployment", id="azure"),
        pytest.param("azure", "azure/gpt-4.1-mini-2025-04-14", "an Azure OpenAI deployment", id="gateway-azure"),
        pytest.param("OPENROUTER", "OPENROUTER/gpt-4.1-mini-2025-04-14", "served by another provider", id="openrouter"),
    ],
)
def test_a_helicone_row_of_another_provider_is_not_priced(cli, tmp_path: Path, provider, model, reason) -> None:
    """Before: priced at OpenAI's prices, $0.0027296 (after the cache fix), not listed under "Not priced"."""
    path = tmp_path / "helicone.jsonl"
    path.write_text(json.dumps(_helicone("h-1", "gpt-4.1-mini", 5000, 4096, 200, provider)) + "\n", encoding="utf-8")
    doc = cli.json("usage", "--as-of", TEST_DATE, path)
    assert doc["models"] == [] and doc["total_usd"] == "0"
    (row,) = doc["unpriced"]
    assert (row["model"], row["requests"], row["input_tokens"], row["cached_input_tokens"]) == (model, 1, 9096, 4096)
    assert row["reason"].startswith(reason)


@pytest.mark.parametrize("provider", ["OPENAI", "openai", " OpenAI ", ""])
def test_a_helicone_row_of_openai_is_priced(tmp_path: Path, provider: str) -> None:
    path = tmp_path / "helicone.jsonl"
    path.write_text(json.dumps(_helicone("h-1", "gpt-4.1-mini", 5000, 4096, 200, provider)) + "\n", encoding="utf-8")
    got = gpt41cost.usage(path, as_of=TEST_DATE)
    assert got.result.totals.cost_usd == Decimal("0.0027296") and got.result.unpriced == ()


def test_a_bad_cache_read_count_is_a_bad_record_naming_it(cli, tmp_path: Path) -> None:
    path = tmp_path / "helicone.jsonl"
    path.write_text(json.dumps(_helicone("h-1", "gpt-4.1-mini", 5000, -1, 200)) + "\n", encoding="utf-8")
    run = cli("usage", "--as-of", TEST_DATE, path)
    assert run.exit_code != 0 and run.stdout == ""
    assert "prompt_cache_read_tokens is negative (-1)" in run.stderr and len(run.stderr.strip().splitlines()) == 1
