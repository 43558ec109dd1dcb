"""Columns that spill to a temporary file read back exactly what was put in."""

from __future__ import annotations

import array
import pickle
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from gpt41cost import spill
from gpt41cost.spill import SpillArray, SpillBytes


@contextmanager
def small_spill(items: int = 3, nbytes: int = 5) -> Iterator[None]:
    """Spill after a few items, so small inputs take the disk path."""
    saved = spill.SPILL_ITEMS, spill.SPILL_BYTES
    spill.SPILL_ITEMS, spill.SPILL_BYTES = items, nbytes
    try:
        yield
    finally:
        spill.SPILL_ITEMS, spill.SPILL_BYTES = saved


values = st.integers(-(2**31), 2**31 - 1)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), values),
        st.tuples(st.just("extend"), st.lists(values, max_size=9)),
        st.tuples(st.just("array"), st.lists(values, max_size=9)),
        st.tuples(st.just("spill"), st.lists(values, max_size=9)),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(ops, st.integers(1, 5))
def test_a_spill_array_is_the_list_it_was_given(steps, size):
    with small_spill(items=size):
        got, want = SpillArray("i"), []
        for op, arg in steps:
            if op == "append":
                got.append(arg)
                want.append(arg)
            elif op == "extend":
                got.extend(iter(arg))
                want += arg
            elif op == "array":
                got += array.array("i", arg)
                want += arg
            else:
                got += SpillArray("i", arg)
                want += arg
        assert len(got) == len(want) and list(got) == want and got.tolist() == want
        assert [got[i] for i in range(-len(want), len(want))] == want + want
        assert got[1:-1] == want[1:-1]
        assert [x for block in got.blocks() for x in block] == want
        for v in (*want[:3], 0, 7):
            assert got.count(v) == want.count(v) and (v in got) == (v in want)
        assert got.total() == sum(want) and got.largest(-1) == max(want, default=-1)
        assert got == want and pickle.loads(pickle.dumps(got)) == got
        if len(want) > size:
            assert got._file is not None and got._spilled > 0  # the disk path was taken


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=9), max_size=10), st.integers(1, 6), st.data())
def test_spill_bytes_read_back_any_slice(pieces, size, data):
    with small_spill(nbytes=size):
        got, want = SpillBytes(), bytearray()
        for p in pieces:
            got += p
            want += p
        got += SpillBytes(b"tail")
        want += b"tail"
        assert len(got) == len(want)
        start = data.draw(st.integers(0, len(want)))
        end = data.draw(st.integers(start, len(want)))
        assert got.read(start, end) == bytes(want[start:end])
        assert pickle.loads(pickle.dumps(got)) == got


def test_no_writable_temporary_directory_is_one_clear_error(monkeypatch, tmp_path):
    import tempfile

    import pytest

    from gpt41cost.errors import InputError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with small_spill(items=2), pytest.raises(InputError, match="set TMPDIR to a writable directory"):
        SpillArray("i", [1, 2, 3])
