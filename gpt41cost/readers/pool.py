"""The one helper for reading a large file on every core (kept because it pays: on the
50,000-line benchmark Batch file, reading in one process takes ~0.8x the plain json + tiktoken
script's time, and two readers bring it under the 0.5x bar; bench/bench_batch.py).

The file is cut into byte ranges at line starts; forked workers each read a range and hand
back a small summary of it (not its records), in file order. A worker that dies (killed from
outside, out of memory) ends the read with one clear error instead of a hang.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..errors import InputError, worker_ignores_interrupt

#: Files at least this large (bytes) are read on several cores.
MIN_BYTES = 16 << 20
#: A range is at most this large: its summary is small, but smaller ranges even out the end.
RANGE_BYTES = 8 << 20
#: Bytes read at a time when counting the lines of a range.
_BLOCK = 4 << 20

R = TypeVar("R")
#: A range of a file: (first byte, end byte, number of its first line).
Span = tuple[int, int, int]


def eligible(size: int) -> bool:
    """Is a file of ``size`` bytes worth reading on several cores here? (fork: Linux only, where
    the workers inherit the loaded vocabulary.)"""
    return size >= MIN_BYTES and (os.cpu_count() or 1) > 1 and sys.platform.startswith("linux")


def spans(source: str, size: int) -> list[Span]:
    """Ranges of about :data:`RANGE_BYTES` that start at line starts and cover the file, each
    with the number of its first line (counted here, a block at a time)."""
    cuts = [0]
    with open(source, "rb") as fh:
        for k in range(1, max(2, -(-size // RANGE_BYTES))):
            fh.seek(max(size * k // -(-size // RANGE_BYTES), cuts[-1]))
            fh.readline()  # to the next line start
            pos = fh.tell()
            if pos >= size:
                break
            if pos > cuts[-1]:
                cuts.append(pos)
        cuts.append(size)
        out: list[Span] = []
        line = 1
        for start, end in itertools.pairwise(cuts):
            out.append((start, end, line))
            fh.seek(start)
            left = end - start
            while left > 0:
                block = fh.read(min(left, _BLOCK))
                if not block:
                    break
                line += block.count(b"\n")
                left -= len(block)
    return out


# What the workers read, set by map_spans before they are forked.
_job: dict[str, Any] = {}


def _run(span: Span) -> Any:
    return _job["read"](span)


def map_spans(source: str, read: Callable[[Span], R], todo: list[Span]) -> Iterator[R]:
    """``read(span)`` of every span, in forked workers, in file order."""
    import multiprocessing as mp

    from ..tokens import get_encoding

    get_encoding()  # built once here; the forked workers inherit it
    _job["read"] = read
    try:
        workers = min(os.cpu_count() or 1, len(todo))
        with ProcessPoolExecutor(
            workers, mp_context=mp.get_context("fork"), initializer=worker_ignores_interrupt
        ) as ex:
            try:
                results: Iterator[R] = ex.map(_run, todo)
                yield from results
            except BrokenProcessPool:
                raise InputError(
                    f"{source}: a reading process ended unexpectedly (killed, or out of memory?); nothing was reported"
                ) from None
    finally:
        _job.clear()
