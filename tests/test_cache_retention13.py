"""prompt_cache_retention "24h" (review 13, item 8; docs §7, rule 'extended cache retention'): a
request asking for extended retention keeps its prefixes cached 24 hours after last use in the
month's steady state on gpt-4.1 (5 minutes on mini and nano, and for other requests); it was
ignored without a word. Hand check: 4 gpt-4.1 requests sharing a 1,536-token prefix at 100 a day:
in-memory each hits it with probability 1 - exp(-100/1440 x 5) = 29.3% (450.5 cached tokens a
request), extended 1 - exp(-100) (all 1,536)."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.cache import PrefixCache

from .conftest import Cli

SYSTEM = "You are a support assistant for Northwind. " + " ".join(
    f"Rule {i}: answer politely and cite policy section {i}." for i in range(120)
)
QUESTIONS = ["Where is my order?", "How do I return an item?", "Can I change my address?", "Do you ship abroad?"]


def requests(path: Path, **extra: Any) -> Path:
    messages = [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}] for q in QUESTIONS]
    lines = [{"model": "gpt-4.1", "messages": m, **extra} for m in messages]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def monthly(cli: Cli, path: Path, model: str) -> dict[str, Any]:
    doc = cli.json("estimate", path, "--as", "prompts", "-m", model, "--cache", "auto", "--requests-per-day", "100")
    (m,) = doc["models"]
    return {"usd": m["monthly_usd"], "cached": m["monthly_cached_tokens_per_request"], "notes": doc.get("notes")}


def test_estimate_keeps_an_extended_prefix_for_24_hours_on_gpt_4_1(cli: Cli, tmp_path: Path) -> None:
    plain = monthly(cli, requests(tmp_path / "plain.jsonl"), "gpt-4.1")
    ext = monthly(cli, requests(tmp_path / "ext.jsonl", prompt_cache_retention="24h"), "gpt-4.1")
    assert (plain["usd"], plain["cached"]) == ("19.48725", 450.5)
    assert (ext["usd"], ext["cached"]) == ("14.6025", 1536)
    shown = cli("estimate", tmp_path / "ext.jsonl", "--as", "prompts", "-m", "gpt-4.1").stdout
    assert '4 requests set prompt_cache_retention "24h" (extended retention, gpt-4.1 only)' in shown


def test_mini_keeps_the_in_memory_lifetime(cli: Cli, tmp_path: Path) -> None:
    plain = monthly(cli, requests(tmp_path / "plain.jsonl"), "gpt-4.1-mini")
    ext = monthly(cli, requests(tmp_path / "ext.jsonl", prompt_cache_retention="24h"), "gpt-4.1-mini")
    assert (ext["usd"], ext["cached"]) == (plain["usd"], plain["cached"])


def test_plan_agrees_with_estimate(tmp_path: Path) -> None:
    requests(tmp_path / "ext.jsonl", prompt_cache_retention="24h")
    w = {"model": "gpt-4.1", "prompts": [f"{tmp_path}/ext.jsonl"], "output_tokens": 500, "cache": "auto",
         "traffic": {"requests_per_day": 100}, "tier": 3}  # fmt: skip
    p = gpt41cost.plan(w, read_as="prompts")
    assert p.assessment.costs[0].total_usd == D("14.6025")
    assert "cache retention" in dict(p.report().assumptions)


@pytest.mark.parametrize(("extended", "expected"), [(0, "0.0005"), (1, "0.0697"), (2, "0.1341")])
def test_a_prefix_held_by_both_kinds(extended: int, expected: str) -> None:
    """Two prompts holding one prefix at 0.0001 requests/min in all (0.00005 each): a hit with
    probability 1 - exp(-(0.00005 x 5 + 0.00005 x 5)) with neither extended, 1 - exp(-(0.00005 x 5
    + 0.00005 x 1,440)) with one, 1 - exp(-0.0001 x 1,440) with both."""
    c = PrefixCache()
    blocks = list(range(8))
    c.add(blocks, prompt=1, extended=extended >= 1)
    c.add(blocks, prompt=2, extended=extended >= 2)
    got = c.steady(D("0.0001"), 2, D(5), D(1440)) / (2 * 1024)
    assert got.quantize(D("0.0001")) == D(expected)
