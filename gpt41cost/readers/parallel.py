"""Read one large JSONL request file on all cores, with the same result as one pass.

The file is cut into byte ranges at line starts; forked workers read their ranges with
:func:`~gpt41cost.readers.requests.read_requests` (``span=``), numbering lines as the whole
file does, and the parent joins the records in file order and merges the batch facts (a
``custom_id`` seen in two ranges is a duplicate at its later line, as in one pass). The
first bad line in file order is the error reported, as in one pass.
"""

from __future__ import annotations

import functools
import gc
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..catalog import Catalog
from ..errors import InputError, Skipped, worker_ignores_interrupt
from ..images import ImageSize
from ..measure import Keeper, MeasuredTable
from .requests import BatchFacts, read_requests

#: Files at least this large (bytes) are read on several cores.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
#: Ranges per worker: more ranges, smoother progress and less idle time at the end (a range
#: costs a task message and a pickled list; each worker keeps its memos across its ranges).
RANGES_PER_WORKER = 12
#: A range is at most this large: on a large file, more ranges rather than larger ones (a
#: range's records, with their cache blocks, are in memory twice: built in a reader, then
#: unpacked in the parent).
RANGE_BYTES = 16 << 20
KINDS = ("batch", "prompts", "finetune")
#: Bytes read at a time when counting the lines of a range.
COUNT_BLOCK = 4 << 20
#: Ranges handed to the workers and not yet taken in by the parent, per worker. The parent takes
#: the ranges in file order; when it is the slower side (cache detection of many distinct
#: prefixes), finished ranges would otherwise pile up in its memory, one per range of the file.
AHEAD_PER_WORKER = 3


def eligible(source: str, kind: str, size: int) -> bool:
    return (
        kind in KINDS
        and size >= PARALLEL_MIN_BYTES
        and (os.cpu_count() or 1) > 1
        and sys.platform.startswith("linux")  # fork: the workers inherit the loaded vocabulary
    )


def split(source: str, size: int, parts: int) -> list[tuple[int, int, int]]:
    """``(start, end, first_line)`` ranges that start at line starts and cover the file."""
    return list(numbered(source, cut_points(source, size, parts)))


def cut_points(source: str, size: int, parts: int) -> list[int]:
    """Up to ``parts + 1`` offsets from 0 to ``size``, each (but the last) a line start."""
    cuts = [0]
    with open(source, "rb") as fh:
        for k in range(1, parts):
            fh.seek(max(size * k // parts, cuts[-1]))
            fh.readline()  # to the next line start
            pos = fh.tell()
            if pos >= size:
                break
            if pos > cuts[-1]:
                cuts.append(pos)
    cuts.append(size)
    return cuts


class _Window:
    """At most ``size`` ranges handed out and not yet taken back: :meth:`wait` before handing one
    out (in the pool's task thread), :meth:`done` when the parent has taken one in, :meth:`close`
    to let a waiting hand-out go (and stop) when reading ends early."""

    def __init__(self, size: int) -> None:
        self._slots = threading.Semaphore(size)
        self.closed = False

    def wait(self) -> bool:
        self._slots.acquire()
        return not self.closed

    def done(self) -> None:
        self._slots.release()

    def close(self) -> None:
        self.closed = True
        self._slots.release()


def numbered(source: str, cuts: list[int], window: _Window | None = None) -> Iterator[tuple[int, int, int]]:
    """The ranges between ``cuts`` with the number of their first line, found as they are
    asked for: the pool hands out the first range at once while the rest are numbered. With a
    ``window``, each range waits for a slot in it."""
    line = 1
    with open(source, "rb") as fh:
        for start, end in itertools.pairwise(cuts):
            if window is not None and not window.wait():
                return
            yield (start, end, line)
            fh.seek(start)
            left = end - start
            while left > 0:  # a block at a time: a range of a large file is as large as the file / ranges
                block = fh.read(min(left, COUNT_BLOCK))
                if not block:
                    break
                line += block.count(b"\n")
                left -= len(block)


@dataclass
class _Part:
    measured: MeasuredTable = field(default_factory=MeasuredTable)
    facts: BatchFacts = field(default_factory=BatchFacts)
    skipped: Skipped[InputError] = field(default_factory=Skipped)
    error: str | None = None  # the message of the range's first bad line, when reading stopped
    nbytes: int = 0  # the size of the range


# Set in the parent just before the pool forks; read by the workers.
_job: dict[str, Any] = {}


def _read_span(span: tuple[int, int, int]) -> _Part:
    j = _job
    part = _Part(nbytes=span[1] - span[0])
    on_error = part.skipped.append if j["collect"] else None
    part.measured = MeasuredTable(tuple(j["catalog"].models))
    part.measured.link_ids(part.facts.ids)
    try:
        part.measured.extend(
            read_requests(
                j["source"],
                j["kind"],
                j["catalog"],
                image_size=j["image_size"],
                on_error=on_error,
                facts=part.facts,
                span=span,
            )
        )
    except InputError as exc:
        part.error = exc.message
    release_free_memory()
    return part


def read_parallel(
    source: str,
    kind: str,
    catalog: Catalog,
    *,
    image_size: ImageSize | None,
    collect: bool,
    facts: BatchFacts | None,
    on_bytes: Callable[[int], None] | None = None,
    keep: Keeper | None = None,
) -> tuple[MeasuredTable, Skipped[InputError]]:
    """All records of ``source`` in file order, and the bad lines skipped (``collect``).

    Without ``collect`` the first bad line in file order raises, as a single pass would.
    ``facts`` is filled as one pass over the whole file would fill it. ``keep`` is fed each
    range's records in file order as the range arrives (so a range's cache blocks can be
    dropped before the next range is unpacked).
    """
    import multiprocessing as mp

    from ..tokens import get_encoding

    get_encoding()  # build once; forked workers inherit it
    size = os.path.getsize(source)
    workers = os.cpu_count() or 1
    cuts = cut_points(source, size, max(workers * RANGES_PER_WORKER, -(-size // RANGE_BYTES)))
    _job.update(source=source, kind=kind, catalog=catalog, image_size=image_size, collect=collect)
    measured = MeasuredTable(tuple(catalog.models))
    skipped: Skipped[InputError] = Skipped()
    lines = 0
    # Objects alive now are the workers' inheritance: out of the collector's sight, its passes
    # do not write to (and so copy) the pages the workers share with this process.
    gc.freeze()
    procs = min(workers, len(cuts) - 1)
    window = _Window(procs * AHEAD_PER_WORKER)
    try:
        # The readers are forked once, now, while this process is small, and live as long as the
        # read: their own structures are bounded (memos, one range at a time), and a reader forked
        # later from a grown, fragmented parent copies the pages it writes into (measured: ~60 MB
        # more a reader on a file of distinct long prompts).
        with mp.get_context("fork").Pool(procs, initializer=worker_ignores_interrupt) as pool:
            try:
                for part in pool.imap(_read_span, numbered(source, cuts, window)):
                    window.done()
                    if part.error is not None:
                        raise InputError(part.error)
                    if keep is not None:
                        keep.feed_table(part.measured)
                    # The range's records find their custom_ids in the file's log, which takes the
                    # range's log now: one copy of each id.
                    part.measured.relink_ids(facts.ids if facts is not None else None)
                    measured.extend_table(part.measured)
                    skipped += part.skipped
                    lines += part.facts.lines
                    if facts is not None:
                        merge_facts(facts, [part.facts], size)
                    if on_bytes is not None:
                        on_bytes(part.nbytes)
                    del part
                    release_free_memory()
            finally:
                window.close()  # a range waiting for a slot stops, so the pool can shut down
    finally:
        gc.unfreeze()
        _job.clear()
    if not measured and not skipped and not lines:
        raise InputError(f"{source}: empty file; expected {kind} JSONL (one JSON value per line)")
    return measured, skipped


def release_free_memory() -> None:
    """Hand the C allocator's free pages back to the system (glibc ``malloc_trim``).

    A range's lines, parsed bodies and token arrays are freed when it is done, but the heap
    keeps the pages between the blocks still in use (memos, records), so a long read would
    grow by them; trimming after each range keeps the readers and the parent ~10 MB smaller
    each on a large file (measured by bench/bench_batch.py). Does nothing where the C library
    has no ``malloc_trim`` (not glibc).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def merge_facts(into: BatchFacts, parts: list[BatchFacts], file_bytes: int) -> None:
    """Merge per-range facts, in file order, into what one pass would have recorded."""
    into.source = parts[0].source if parts else into.source
    into.file_bytes = file_bytes
    for p in parts:
        into.lines += p.lines
        into.requests += p.requests
        for model, n in p.models.items():
            into.models[model] = into.models.get(model, 0) + n
        for model, line in p.model_first_line.items():
            into.model_first_line.setdefault(model, line)
        for url, n in p.urls.items():
            into.urls[url] = into.urls.get(url, 0) + n
        into.ids.extend(p.ids)
        into.missing_ids += p.missing_ids
        into.bad_method_url += p.bad_method_url
        into.non_json_lines += p.non_json_lines
        into.bad_lines += p.bad_lines
    into._duplicates = None
