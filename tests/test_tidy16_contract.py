"""tools/json_contract: _null_paths, walk's path rules written again for speed, finds the paths
walk gives the nulls (session 16, item 7)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tools import json_contract

_KEYS = st.sampled_from(["a", "b_usd", *sorted(json_contract.MAPS)[:3], "gpt-4.1"])
_DOCS = st.recursive(
    st.none() | st.integers(0, 3) | st.text(max_size=2) | st.booleans() | st.floats(0, 1),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


def _by_walk(doc: object) -> set[str]:
    return {path for path, _, kind, _ in json_contract.walk(doc) if kind == "null"}


def _by_null_paths(doc: object) -> set[str]:
    found: set[str] = set()
    json_contract._null_paths(doc, "", "", found)  # the fast twin under test
    return found


@settings(max_examples=200, deadline=None)
@given(_DOCS)
@example(None)
@example({"skipped": {"x": None, "y": [None, {"a": None}]}, "a": [[None], {"skipped": {"z": None}}]})
@example({"requests_by_processing": [{"batch": None}], "b_usd": None})
def test_null_paths_finds_the_paths_walk_gives_the_nulls(doc: object):
    assert _by_null_paths(doc) == _by_walk(doc)


def test_null_paths_agrees_with_walk_on_a_real_document():
    doc = json_contract.run_json("usage", ["samples/usage"])
    assert _by_walk(doc) and _by_null_paths(doc) == _by_walk(doc)
