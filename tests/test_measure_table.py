"""Records stored by column give back exactly the records stored, and the same columns."""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt41cost.cache import CacheStream, WarmStream, cached_by_model
from gpt41cost.estimate import Assumptions, Stats, estimate, input_stats, models_to_report, percentile
from gpt41cost.measure import (
    Measured,
    MeasuredTable,
    cap_column,
    cap_summary,
    input_column,
    kind_set,
    line_column,
    model_column,
    model_counts,
    models_and_lines,
    token_models,
    training_column,
    training_summary,
)
from gpt41cost.readers import requests as requests_reader
from gpt41cost.readers.requests import SORT_IDS, CustomIds
from gpt41cost.spill import SpillArray

from .test_spill import small_spill

MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")

# Values a 32-bit column cannot hold (negative, past 31 bits) must come back too.
edges = [0, 1, 1024, (1 << 31) - 1, 1 << 31, 1 << 63, (1 << 64) + 5, -7]
whole = st.one_of(st.integers(0, 3000), st.sampled_from(edges))
maybe = st.one_of(st.none(), whole)
text = st.text(max_size=6)


@st.composite
def records(draw: Any) -> Measured:
    n = draw(st.integers(0, 3000))
    if draw(st.integers(0, 4)) == 0:  # images: counts differ by model (or a model is missing)
        names = draw(st.sampled_from([MODELS, MODELS[:2], ("gpt-4.1-mini", "gpt-4.1")]))
        tokens: dict[str, int] = {name: draw(whole) for name in names}
    else:
        tokens = dict.fromkeys(MODELS, draw(whole))
    blocks = None
    if n >= 1024 and draw(st.booleans()):
        hashes = tuple(draw(st.lists(st.integers(0, 50), min_size=n // 128, max_size=n // 128)))
        blocks = dict.fromkeys(tokens, hashes)
    return Measured(
        source=draw(st.sampled_from(["a.jsonl", "b.jsonl"])),
        kind=draw(st.sampled_from(["batch", "prompts", "finetune"])),
        input_tokens=tokens,
        line=draw(maybe),
        model=draw(st.one_of(st.none(), st.sampled_from(["gpt-4.1", "gpt-4.1-mini", " ", "", "x\udc80"]))),
        max_output_tokens=draw(maybe),
        custom_id=draw(st.one_of(st.none(), text)),
        uncounted=draw(st.sampled_from([(), ("remote image",), ("a", "b")])),
        cache_blocks=blocks,
        training_tokens=draw(maybe),
        notes=draw(st.sampled_from([(), ("tools rule",), ("x", "y")])),
    )


def table_of(items: list[Measured]) -> MeasuredTable:
    t = MeasuredTable(MODELS)
    t.extend(items)
    return t


@settings(max_examples=300, deadline=None)
@given(st.lists(records(), max_size=12), st.lists(records(), max_size=12), st.booleans())
def test_a_table_gives_back_its_records_and_their_columns(
    first: list[Measured], second: list[Measured], spilled: bool
) -> None:
    with small_spill() if spilled else nullcontext():
        _table_law(first, second)


def _table_law(first: list[Measured], second: list[Measured]) -> None:
    items = first + second
    t = table_of(first)
    t.extend_table(pickle.loads(pickle.dumps(table_of(second))))  # as the parallel reader joins ranges
    assert len(t) == len(items)
    assert list(t) == items
    assert [t[i] for i in range(-len(items), len(items))] == items + items
    assert t == items
    assert list(t[1:]) == items[1:]
    assert t[:] is t
    for base in MODELS:
        assert list(input_column(t, base, 0)) == input_column(items, base, 0)
        if all(base in m.input_tokens for m in items):
            assert list(input_column(t, base)) == input_column(items, base)
    assert cap_column(t) == cap_column(items)
    assert cap_summary(t) == cap_summary(items)
    assert line_column(t) == line_column(items)
    assert model_column(t) == model_column(items)
    pairs = list(zip(model_column(items), line_column(items), strict=True))
    assert list(models_and_lines(t)) == list(models_and_lines(items)) == pairs
    assert list(model_counts(t).items()) == list(model_counts(items).items())  # order of first use too
    assert training_column(t) == training_column(items)
    assert training_summary(t) == training_summary(items)
    assert token_models(t) == token_models(items)
    assert kind_set(t) == kind_set(items)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=16), st.booleans(), st.booleans())
def test_cache_detection_and_estimate_read_a_table_as_the_records(
    items: list[Measured], warm: bool, spilled: bool
) -> None:
    with small_spill() if spilled else nullcontext():
        _cache_law(items, warm)


def _cache_law(items: list[Measured], warm: bool) -> None:
    items = [m for m in items if all(0 <= v < 1 << 40 for v in m.input_tokens.values())]
    t = table_of(items)
    assert cached_by_model(t, warm=warm) == cached_by_model(items, warm=warm)
    whole_stream = CacheStream(MODELS)
    for m in items:
        whole_stream.feed(m)
    by_table = CacheStream(MODELS)
    warm_table = WarmStream(MODELS)
    warm_table.feed_table(table_of(items))
    by_table.feed_table(t)
    assert by_table.cached == whole_stream.cached
    assert not t.blocks and list(t) == [m.without_blocks() for m in items]
    assert warm_table.cached == cached_by_model(items, warm=True, models=list(MODELS))


@pytest.mark.parametrize("spilled", [False, True])
def test_an_estimate_of_a_table_equals_the_estimate_of_its_records(catalog: Any, spilled: bool) -> None:
    with small_spill() if spilled else nullcontext():
        _estimate_law(catalog)


def _estimate_law(catalog: Any) -> None:
    items = [
        Measured(
            "a.jsonl",
            "batch",
            dict.fromkeys(catalog.models, 1200 + i),
            line=i + 1,
            model="gpt-4.1-mini",
            max_output_tokens=None if i % 3 else 40_000,
            uncounted=("remote image",) if i == 4 else (),
        )
        for i in range(9)
    ]
    items.append(Measured("b.txt", "text", {"gpt-4.1": 9, "gpt-4.1-mini": 20, "gpt-4.1-nano": 31}))
    a = Assumptions(output_tokens=33_000)
    models = models_to_report(catalog, [], items)
    assert models_to_report(catalog, [], table_of(items)) == models
    assert estimate(table_of(items), catalog, a, models) == estimate(items, catalog, a, models)


def _reference(ids: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """What a dict of every id gives, in line order."""
    first: dict[str, int] = {}
    out = []
    for cid, line in ids:
        seen = first.setdefault(cid, line)
        if seen != line:
            out.append((cid, line, seen))
    return sorted(out, key=lambda d: d[1])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "é", "\udc80", "req-1", "req-10"]), max_size=30),
    st.integers(1, 5),
    st.booleans(),
)
def test_custom_ids_find_every_repeat_in_parts(ids: list[str], parts: int, spilled: bool) -> None:
    with small_spill() if spilled else nullcontext(), _sorted_at_a_time(4 if spilled else SORT_IDS):
        _ids_law(ids, parts)


@contextmanager
def _sorted_at_a_time(n: int) -> Iterator[None]:
    saved = requests_reader.SORT_IDS
    requests_reader.SORT_IDS = n
    try:
        yield
    finally:
        requests_reader.SORT_IDS = saved


def _ids_law(ids: list[str], parts: int) -> None:
    numbered = [(cid, line) for line, cid in enumerate(ids, start=1)]
    whole = CustomIds()
    for cid, line in numbered:
        whole.add(cid, line)
    assert whole.duplicates() == _reference(numbered)
    joined = CustomIds()
    for k in range(parts):  # ranges read apart, joined in file order
        part = CustomIds()
        for cid, line in numbered[len(ids) * k // parts : len(ids) * (k + 1) // parts]:
            part.add(cid, line)
        joined.extend(pickle.loads(pickle.dumps(part)))
    assert joined == whole
    assert joined.duplicates() == _reference(numbered)


def test_custom_ids_that_share_a_hash_are_not_repeats() -> None:
    ids = CustomIds()
    for cid, line in [("a", 1), ("b", 2), ("a", 3), ("c", 4)]:
        ids.add(cid, line)
    ids.hashes = SpillArray("q", [7, 7, 7, 7])  # every id collides
    assert ids.duplicates() == [("a", 3, 1)]


def test_a_linked_table_keeps_ids_its_log_does_not_hold() -> None:
    log = CustomIds()
    t = MeasuredTable(MODELS)
    t.link_ids(log)
    rows = [(1, "a", "a"), (2, "b", "other"), (3, None, None), (4, "", ""), (5, "c", None), (6, "d", "d")]
    want = []
    for line, logged, cid in rows:
        if logged:
            log.add(logged, line)
        m = Measured("f.jsonl", "batch", dict.fromkeys(MODELS, 5), line=line, custom_id=cid)
        t.append(m)
        want.append(m)
    assert list(t) == want
    assert t._ids == {1: "other", 3: "", 4: None}  # only what the log cannot give


@given(st.lists(st.integers(0, 2000), max_size=60))
def test_input_stats_from_counts_equal_the_sorted_list(values: list[int]) -> None:
    s = sorted(values)
    mean = Decimal(sum(s)) / Decimal(len(s)) if s else Decimal(0)
    want = Stats(mean=mean, p50=percentile(s, 50), p95=percentile(s, 95), max=s[-1] if s else 0)
    assert input_stats(values) == want
    assert input_stats(array("i", values)) == want
