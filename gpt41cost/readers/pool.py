"""The one helper for spreading work over every core, kept where a benchmark shows it pays:
- a large request file (on the 50,000-line benchmark Batch file, reading in one process takes
  ~0.8x the plain json + tiktoken script's time, and two readers bring it under the 0.5x bar;
  bench/bench_batch.py): cut into byte ranges at line starts, each range read by a worker that
  hands back a small summary of it (not its records);
- a long text (tokens.count_parallel; bench/bench_count.py): cut at safe points, each piece
  counted by a worker.

Workers are forked after the vocabulary is built, so they inherit it and the data they work
on (nothing large is pickled), and results come back in order. Forked processes, not threads:
tiktoken releases the GIL while it encodes, but the same text costs ~20% more CPU to encode
in a second thread than in a process's main thread (bench/README.md). A worker that dies
(killed from outside, out of memory) ends the run with one clear error instead of a hang.

:func:`executor` and :func:`stop` are the package's one way to start and stop worker processes
(``usage`` uses them too): a worker leaves Ctrl-C and SIGTERM to its parent, and exits when its
parent is gone, even killed with ``kill -9`` (nothing else would tell it: it would wait on its
queue forever).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, BinaryIO, ParamSpec, TypeVar

from ..errors import InputError

#: Files at least this large (bytes) are read on several cores.
MIN_BYTES = 16 << 20
#: A range is at most this large: its summary is small, but smaller ranges even out the end.
RANGE_BYTES = 8 << 20
#: Bytes read at a time when counting the lines of a range.
_BLOCK = 4 << 20
#: Items handed out ahead to each worker beyond the one it works on (bounds what waits here).
AHEAD = 2
#: Seconds between a worker's checks that its parent is still there.
PARENT_CHECK_S = 0.2

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
#: A range of a file: (first byte, end byte, number of its first line).
Span = tuple[int, int, int]


def forks() -> bool:
    """Can work be spread over forked workers here? (Several cores; fork: Linux only, where the
    workers inherit the loaded vocabulary.)"""
    return (os.cpu_count() or 1) > 1 and sys.platform.startswith("linux")


def eligible(size: int) -> bool:
    """Is a file of ``size`` bytes worth reading on several cores here?"""
    return size >= MIN_BYTES and forks()


def spans(source: str, size: int, workers: int | None = None) -> list[Span]:
    """Ranges that start at line starts and cover the file, each with the number of its first
    line (counted here, a block at a time): :data:`RANGE_BYTES` long while much is left, then a
    ``2 * workers``-th of what is left (at least an eighth of :data:`RANGE_BYTES`), so the ranges
    handed out last are short and the workers (one per core by default) finish together."""
    jobs = workers or os.cpu_count() or 1
    with open(source, "rb") as fh:
        cuts = line_cuts(fh, 0, size, jobs, RANGE_BYTES, RANGE_BYTES >> 3)
        out: list[Span] = []
        line = 1
        block = bytearray(_BLOCK)  # read into, again and again: no new 4 MB buffer (and its page faults) a read
        view = memoryview(block)
        for start, end in itertools.pairwise(cuts):
            out.append((start, end, line))
            fh.seek(start)
            left = end - start
            while left > 0:
                got = fh.readinto(view[: min(left, _BLOCK)])
                if not got:
                    break
                line += _line_ends(block, got)
                left -= got
    return out


def line_cuts(fh: BinaryIO, start: int, size: int, jobs: int, most: int, least: int) -> list[int]:
    """Where to cut bytes [``start``, ``size``) of the open file ``fh`` so that each range starts
    at a line start: ``start``, the cuts, ``size``. A range is ``most`` bytes long while much is
    left, then a ``2 * jobs``-th of what is left (at least ``least``), so the ranges handed out
    last are short and the workers finish together."""
    cuts = [start]
    while True:
        step = max(min(most, (size - cuts[-1]) // (2 * jobs)), least)
        if cuts[-1] + step >= size:
            break
        fh.seek(cuts[-1] + step)
        fh.readline()  # to the next line start
        pos = fh.tell()
        if pos >= size:
            break
        cuts.append(pos)
    cuts.append(size)
    return cuts


def _line_ends(block: bytes | bytearray, end: int) -> int:
    """``block.count(b"\\n", 0, end)``, found line end by line end (memchr) while the lines are
    long: Python 3.11's ``count`` looks at one byte at a time, 3x slower on the benchmark Batch
    file's 2 KB lines, so only short lines are left to it."""
    find = block.find
    n, i = 0, find(b"\n", 0, end)
    while i >= 0:
        n += 1
        if n == 64 and i < 64 * 256:
            return block.count(b"\n", 0, end)
        i = find(b"\n", i + 1, end)
    return n


#: Signals held while work is handed to the pool (see :class:`_ForkedPool`).
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


class _ForkedPool(ProcessPoolExecutor):
    """A pool whose ``submit`` holds SIGINT and SIGTERM: the first one forks the workers, and a
    handler that raised (the CLI's, on SIGTERM) inside the fork's own callbacks (logging's lock
    release) would have its exception swallowed there ("Exception ignored"), and the command run
    on as if never signalled. Held, the signal is taken when ``submit`` returns, the workers
    fully started; the threads the pool starts in it inherit the held mask, so none of them
    takes the signal meanwhile."""

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def executor(workers: int) -> ProcessPoolExecutor:
    """``workers`` forked processes (they inherit what the parent has loaded) that leave signals
    to the parent and exit when it is gone. Wait on their futures with :func:`result` and stop
    them with :func:`stop`."""
    import multiprocessing as mp

    return _ForkedPool(workers, mp_context=mp.get_context("fork"), initializer=start_worker, initargs=(os.getpid(),))


def result(ex: ProcessPoolExecutor, future: Future[R]) -> R:
    """``future.result()``, or :class:`BrokenProcessPool` once a worker of ``ex`` has died.

    The executor notices a dead worker by itself, except one killed while it hands back a
    result: it dies holding the result queue's lock with half a message in the pipe, and the
    executor's thread waits for the other half forever (CPython's own warning: a process killed
    while it uses a queue can corrupt it). So the wait here looks at the workers too."""
    while True:
        try:
            return future.result(timeout=PARENT_CHECK_S)
        except FutureTimeout:
            if workers_died(ex):
                raise BrokenProcessPool("a worker process died") from None


def stop(ex: ProcessPoolExecutor, failed: bool) -> None:
    """Shut ``ex`` down: after a failure (an error, Ctrl-C, SIGTERM, a dead worker) its workers
    are ended at once rather than left to finish ranges nobody will read, and the executor's
    thread is freed from a message a dead worker left half-written (see :func:`result`): with
    every worker gone, closing this process's end of the result pipe lets it read end-of-file."""
    if failed:
        workers = _workers(ex)
        for proc in workers:
            proc.terminate()  # SIGTERM: a worker's default action, exit
        for proc in workers:
            proc.join(5)
        queue = getattr(ex, "_result_queue", None)
        writer = getattr(queue, "_writer", None)
        if writer is not None:
            writer.close()
    ex.shutdown(wait=True, cancel_futures=True)


def workers_died(ex: ProcessPoolExecutor) -> bool:
    """Has a worker of ``ex`` died? (A worker exits only when told to, after every result: an exit
    code before that is a death.) For a parent that waits on something else than a future."""
    return any(p.exitcode is not None for p in _workers(ex))


def _workers(ex: ProcessPoolExecutor) -> list[Any]:
    return list((ex._processes or {}).values())  # the executor has no public handle on them


def start_worker(parent: int) -> None:
    """Pool initializer. A terminal sends Ctrl-C to every process of the group: the parent stops
    the pool and says "interrupted" once, so a worker ignores SIGINT (it would print its own
    traceback). SIGTERM, which the CLI turns into an exception in its own process, ends a worker
    quietly, as it does by default. A daemon thread watches the parent (``parent`` is its pid,
    taken before the fork): once the worker has been handed to another process, the parent is
    dead, and the worker exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # forked while the parent held them
    threading.Thread(target=_exit_with, args=(parent,), name="gpt41cost-parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)  # nobody is left to read a result or an exit code


# What the workers of each map_spans call do, set (under a key of the call's own) before they are
# forked: calls in several threads at once each hand their workers their own function.
_job: dict[int, Callable[[Any], Any]] = {}
_keys = itertools.count()


def _run(key: int, item: Any) -> Any:
    return _job[key](item)


def map_spans(source: str, read: Callable[[T], R], todo: Sequence[T], workers: int | None = None) -> Iterator[R]:
    """``read(item)`` of every item of ``todo`` (spans of ``source``), in forked workers (at most
    ``workers``, one per core by default), in order."""
    from ..tokens import get_encoding

    get_encoding()  # built once here; the forked workers inherit it
    key = next(_keys)
    _job[key] = read
    n = min(workers or os.cpu_count() or 1, len(todo))
    ex = executor(n)
    failed = True
    try:
        # At most AHEAD items per worker handed out beyond the one being taken in: results wait
        # in this process until their turn, so when it is the slower side (merging what each
        # range found) they must not pile up, one per range of the file.
        items = iter(todo)
        waiting = deque(ex.submit(_run, key, item) for item in itertools.islice(items, n * (AHEAD + 1)))
        while waiting:
            got = result(ex, waiting.popleft())
            for item in itertools.islice(items, 1):
                waiting.append(ex.submit(_run, key, item))
            yield got
        failed = False
    except BrokenProcessPool:
        raise InputError(
            f"{source}: a reading process ended unexpectedly (killed, or out of memory?); nothing was reported"
        ) from None
    finally:
        stop(ex, failed)
        del _job[key]
