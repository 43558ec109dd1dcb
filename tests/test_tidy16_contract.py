"""tools/json_contract: _null_paths, walk's path rules written again for speed, finds the paths
walk gives the nulls (session 16, item 7)."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tools import json_contract

_KEYS = ["a", "b_usd", *sorted(json_contract.MAPS)[:3], "gpt-4.1"]
_LEAVES = [None, None, 0, 3, "", "ab", True, 0.5]


def _doc(rnd: random.Random, depth: int = 0) -> object:
    """A JSON document of data-keyed maps, other maps, lists, nulls and other values, up to 5 deep,
    built from a seed: hypothesis' st.recursive drew the same kind of document at some 2.7 ms each
    (200 of them: 0.55 CPU s), this at some 0.6 ms."""
    r = rnd.random()
    if depth >= 4 or r < 0.35:
        return rnd.choice(_LEAVES)
    if r < 0.65:
        return [_doc(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    return {rnd.choice(_KEYS): _doc(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


def _by_walk(doc: object) -> set[str]:
    return {path for path, _, kind, _ in json_contract.walk(doc) if kind == "null"}


def _by_null_paths(doc: object) -> set[str]:
    found: set[str] = set()
    json_contract._null_paths(doc, "", "", found)  # the fast twin under test
    return found


# 50 examples (200 before), the three explicit examples kept. Mutants of _null_paths, 5 seeded
# runs, 200 -> 50: the entry's key passed below a data-keyed map, the {*} path dropped, a list's key
# dropped, a map's lists skipped, a list's lists skipped, a null document's path "" not "." 5/5 each.
@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**64).map(lambda seed: _doc(random.Random(seed))))
@example(None)
@example({"skipped": {"x": None, "y": [None, {"a": None}]}, "a": [[None], {"skipped": {"z": None}}]})
@example({"requests_by_processing": [{"batch": None}], "b_usd": None})
def test_null_paths_finds_the_paths_walk_gives_the_nulls(doc: object):
    assert _by_null_paths(doc) == _by_walk(doc)


def test_null_paths_agrees_with_walk_on_a_real_document():
    doc = json_contract.run_json("usage", ["samples/usage"])
    assert _by_walk(doc) and _by_null_paths(doc) == _by_walk(doc)
