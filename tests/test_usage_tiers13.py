"""A block of one day whose rows are of several service tiers: grouped by model name for the first
row's tier and by (model, tier) for the others (readers.usage._add_rows); a model whose rows are all
of other tiers, or whose first row is of another tier, counts as the full parse does."""

from __future__ import annotations

import json
import random

import pytest

from gpt41cost.readers.usage import read_usage

from .test_usage_speedpath import D0, canonical, full_parses, reference, same

# (model, tier) of each row, in order: row 0 sets the block's first tier (default)
ROWS = [
    ("gpt-4.1-mini", "default"),
    ("gpt-4.1", "priority"),  # gpt-4.1's first row is of another tier
    ("gpt-4.1-nano", "priority"),  # nano: never of the first tier
    ("gpt-4.1", "default"),
    ("gpt-4.1-mini", "flex"),
    ("gpt-4.1-nano", "flex"),
    ("gpt-4.1-mini", "default"),
    ("gpt-4.1", "priority"),
]


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_of_several_tiers_in_one_block_count_as_the_full_parse(tmp_path, monkeypatch, jobs):
    rng = random.Random(13)
    lines = []
    for i in range(300):
        model, tier = ROWS[i % len(ROWS)]
        body = canonical(rng)
        body.update(model=model, service_tier=tier, created=D0 + i)  # one day
        lines.append(json.dumps(body, separators=(",", ":")).encode())
    f = tmp_path / "tiers.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    parsed = full_parses(monkeypatch)
    got = read_usage([str(f)], jobs=jobs, parallel_min_bytes=0)
    assert parsed == []  # every line took the typed path
    same(got, reference(lines))
    tiers = {(k[0], k[2]) for k in got.groups}
    assert ("gpt-4.1-nano", "default") not in tiers and ("gpt-4.1-nano", "priority") in tiers
