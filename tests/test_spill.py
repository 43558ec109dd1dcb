"""Columns that spill to a temporary file read back exactly what was put in."""

from __future__ import annotations

import array
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt41cost import spill
from gpt41cost.errors import InputError
from gpt41cost.spill import SpillArray, SpillBytes, SpillSet


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
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with small_spill(items=2), pytest.raises(InputError, match="set TMPDIR to a writable directory"):
        SpillArray("i", [1, 2, 3])


# --------------------------------------------------------------------------- SpillSet

hashes = st.integers(0, 2**64 - 1) | st.integers(0, 6)  # small values repeat, so members recur
set_ops = st.lists(
    st.one_of(
        st.tuples(st.just("update"), st.lists(hashes, max_size=9)),
        st.tuples(st.just("leading"), st.lists(hashes, max_size=9)),
        st.tuples(st.just("present"), st.lists(hashes, max_size=9)),
        st.tuples(st.just("copy"), st.just([])),
    ),
    max_size=12,
)


@contextmanager
def small_set(items: int) -> Iterator[None]:
    saved = spill.SPILL_SET_ITEMS
    spill.SPILL_SET_ITEMS = items
    try:
        yield
    finally:
        spill.SPILL_SET_ITEMS = saved


@settings(max_examples=300, deadline=None)
@given(set_ops, st.integers(0, 6))
def test_a_spill_set_is_the_set_it_was_given(steps, size):
    with small_set(size):
        got, want = SpillSet(), set()
        for op, arg in steps:
            if op == "update":
                got.update(arg)
                want.update(arg)
            elif op == "leading":
                n = 0
                while n < len(arg) and arg[n] in want:
                    n += 1
                assert got.leading(arg) == n
            elif op == "present":
                assert got.present(arg) == want.intersection(arg)
            else:
                copied = got.copy()
                got.update([2**64 - 1])  # the copy does not share the original's storage
                assert set(copied) == want
                want.add(2**64 - 1)
            assert len(got) == len(want) and set(got) == want
            assert got.on_disk == (len(want) > size)
            assert all(h in got for h in want) and -1 not in got and 2**64 not in got


def test_a_spilled_set_leaves_no_file_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with small_set(2):
        s = SpillSet(range(10))
        assert s.on_disk and len(s) == 10 and s.leading([0, 1, 2, 11, 3]) == 3
    assert list(tmp_path.iterdir()) == []  # unlinked as soon as it was opened


def test_a_spill_set_without_a_temporary_directory_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with small_set(2), pytest.raises(InputError, match="set TMPDIR to a writable directory"):
        SpillSet(range(10))


def test_a_python_without_sqlite3_keeps_the_set_in_memory(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sqlite3", None)  # import sqlite3 now raises ImportError
    with small_set(2):
        s = SpillSet(range(10))
        s.update([11])
        assert not s.on_disk and set(s) == {*range(10), 11} and s.leading([0, 1, 12]) == 2


def test_a_full_disk_is_one_clear_error_not_a_traceback(monkeypatch):
    def full(*args):
        raise OSError(28, "No space left on device")

    with small_spill(items=2):
        column = SpillArray("i", [1])
        monkeypatch.setattr(spill.os, "pwrite", full)
        with pytest.raises(InputError, match=r"No space left on device.*set TMPDIR"):
            column.extend([2, 3, 4])


def test_a_failed_batch_leaves_no_transaction_open():
    with small_set(2):
        s = SpillSet(range(5))  # on disk
        s.update([2**64 - 1, 7, 8])
        with pytest.raises(InputError, match=r"a temporary file in .* failed"):
            s._insert("INSERT INTO seen VALUES (?)", [(0,), (0,)])  # a repeat: the insert fails part-way
        assert not s._db.in_transaction
        s.update([9, 10, 11])
        assert set(s) == {*range(5), 7, 8, 9, 10, 11, 2**64 - 1}
