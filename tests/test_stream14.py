"""Session 14, stream14: streamed logs (Chat Completions chunks, Responses events) read as one request
each; the priority tier names kept in one place."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.usage import mode_of

usage_core = importlib.import_module("gpt41cost.usage")
measure = importlib.import_module("gpt41cost.measure")

# -- the service tiers meaning priority: one list -----------------------------------------------


def test_priority_tiers_are_one_list():
    assert usage_core.PRIORITY_TIERS is measure.PRIORITY_TIERS


@pytest.mark.parametrize(
    ("batch", "tier", "mode"),
    [
        pytest.param(False, "priority", "priority", id="priority"),
        pytest.param(False, "fast", "priority", id="fast"),
        pytest.param(False, "default", "standard", id="default"),
        pytest.param(False, "scale", "standard", id="scale"),
        pytest.param(False, None, "standard", id="none"),
        pytest.param(True, "priority", "batch", id="batch-wins"),
    ],
)
def test_mode_of_unchanged(batch, tier, mode):
    assert mode_of(batch, tier) == mode


def test_usage_bills_priority_and_fast_at_priority_prices(cli, tmp_path: Path):
    log = tmp_path / "tiers.jsonl"
    rows = [
        {"model": "gpt-4.1", "service_tier": tier, "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0}}
        for tier in ("priority", "fast", "default")
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = cli(["usage", str(log), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    # gpt-4.1: $2.00 per 1M input at standard, $3.50 at priority: 3.50 + 3.50 + 2.00
    assert Decimal(got["total_usd"]) == Decimal("9.00")
    assert [(m["mode"], m["requests"]) for m in got["by_mode"]] == [("priority", 2), ("standard", 1)]
