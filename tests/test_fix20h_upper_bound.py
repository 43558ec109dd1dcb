"""Review 20, finding 4 (fix20h): the note "No cached-token count in N records (...): priced with
none cached, so that cost is an upper bound" counted a LiteLLM row that was not priced at all (an
Azure row, listed under "Not priced"): for the reviewer's log (/tmp/review20/cases/16) it said 1
record where the priced total, $0.0010912, is exact. It counts only the records priced now."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost

from .conftest import TEST_DATE


def _litellm(request_id: str, model: str, provider: str, **extra: object) -> dict[str, object]:
    return {
        "request_id": request_id,
        "call_type": "acompletion",
        "spend": 0.001,
        "prompt_tokens": 5000,
        "completion_tokens": 200,
        "startTime": "2026-12-01T10:00:00.000000",
        "model": model,
        "custom_llm_provider": provider,
        **extra,
    }


#: the reviewer's LiteLLM rows (/tmp/review20/cases/16/spend.json): L1 keeps 4,096 cached,
#: 904 x $0.40/M + 4,096 x $0.10/M + 200 x $1.60/M = $0.0003616 + $0.0004096 + $0.00032 = $0.0010912;
#: L3 is an Azure deployment with no usage_object: not priced, so it bounds no cost
L1 = _litellm(
    "chatcmpl-L1",
    "gpt-4.1-mini",
    "openai",
    metadata=json.dumps({"usage_object": {"prompt_tokens": 5000, "prompt_tokens_details": {"cached_tokens": 4096}}}),
)
L3 = _litellm("chatcmpl-L3", "azure/gpt-4.1-prod", "azure", metadata={})
#: an OpenAI row with no usage_object: priced with none cached, 5,000 x $0.40/M + 200 x $1.60/M = $0.00232
L4 = _litellm("chatcmpl-L4", "gpt-4.1-mini", "openai", metadata={})

LAYOUTS = ["jsonl", "pretty", "parallel"]
UPPER_BOUND = "No cached-token count in "


def _usage(tmp_path: Path, layout: str, rows: list[dict[str, object]], small_usage_ranges):
    """``gpt41cost.usage`` of ``rows`` (200 times, ids made distinct, read by two processes in
    ranges of 8 KB, when ``layout`` is parallel); returns it and the number of repeats."""
    n = 200 if layout == "parallel" else 1
    many = [dict(r, request_id=f"{r['request_id']}-{i}") for i in range(n) for r in rows]
    path = tmp_path / "rows.json"
    if layout == "pretty":
        path.write_text(json.dumps(many, indent=2), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in many), encoding="utf-8")
    if layout != "parallel":
        return gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=1), n
    got = gpt41cost.usage([str(path)], as_of=TEST_DATE, jobs=2)
    small_usage_ranges(path)
    return got, n


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_upper_bound_note_counts_only_rows_priced(tmp_path: Path, layout: str, small_usage_ranges) -> None:
    """Before: "No cached-token count in 1 record" for the reviewer's log, whose one such row (L3,
    Azure) is not priced; the priced total, $0.0010912, is exact. With L4 (priced, no usage_object)
    the note counts L4 alone: before, 2 records a repeat."""
    got, n = _usage(tmp_path, layout, [L1, L3], small_usage_ranges)
    assert got.result.totals.cost_usd == Decimal("0.0010912") * n
    assert [u.model for u in got.result.unpriced] == ["azure/gpt-4.1-prod"]
    assert got.result.uncached_rows == 0
    assert not [note for note in got.to_dict()["notes"] if note.startswith(UPPER_BOUND)]

    got, n = _usage(tmp_path, layout, [L1, L3, L4], small_usage_ranges)
    assert got.result.totals.cost_usd == (Decimal("0.0010912") + Decimal("0.00232")) * n
    assert got.result.uncached_rows == n
    (note,) = [note for note in got.to_dict()["notes"] if note.startswith(UPPER_BOUND)]
    assert note.startswith(f"{UPPER_BOUND}{n:,} record{'s' if n != 1 else ''} (")


def test_the_cli_on_the_reviewers_litellm_log(cli, tmp_path: Path) -> None:
    path = tmp_path / "spend.json"
    path.write_text(json.dumps([L1, L3]), encoding="utf-8")
    doc = cli.json("usage", "--as-of", TEST_DATE, path)
    assert doc["total_usd"] == "0.0010912"
    assert [u["model"] for u in doc["unpriced"]] == ["azure/gpt-4.1-prod"]
    assert not [note for note in doc["notes"] if note.startswith(UPPER_BOUND)]
