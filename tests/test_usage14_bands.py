"""Whether a read counts the (input band, cached tokens) histogram (``read_usage(bands=...)``) is
carried by that read's totals (``Accumulator.count_bands``) and by each piece handed to a worker, not
switched at module level for the length of a call: a scan running meanwhile in another thread, or a
read no longer held apart by the readers' lock, counts as it asked. Each test pauses one read at a
known point (its first file) while the other runs, so the interleaving is the same every time."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest

from gpt41cost.readers import usage as ru
from gpt41cost.readers.usage import read_usage
from gpt41cost.usage import Accumulator

from .test_usage_bands13 import _log, _same_but_bands

#: Seconds a test waits for a thread at most: a thread still running then is a failure, not a hang.
WAIT_S = 60


class _Paused:
    """``ru._read_file`` that, in a thread named in ``gates``, waits for that thread's gate first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gates: dict[str, threading.Event] = {}
        self.arrived: dict[str, threading.Event] = {}
        original = ru._read_file

        def paused(*args, **kw):
            name = threading.current_thread().name
            if name in self.gates:
                self.arrived[name].set()
                assert self.gates[name].wait(WAIT_S), f"{name} was never let go"
            return original(*args, **kw)

        monkeypatch.setattr(ru, "_read_file", paused)

    def start(self, name: str, target, *args) -> threading.Thread:
        """Run ``target(*args)`` in a daemon thread ``name``, and return once it waits at its gate."""
        self.gates[name], self.arrived[name] = threading.Event(), threading.Event()
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        assert self.arrived[name].wait(WAIT_S), f"{name} did not reach its first file"
        return t

    def finish(self, name: str, t: threading.Thread) -> None:
        self.gates[name].set()
        t.join(WAIT_S)
        assert not t.is_alive(), f"{name} still running after {WAIT_S} s"

    def release(self) -> None:
        """Let every thread go (a test that failed in between must not leave one waiting)."""
        for gate in self.gates.values():
            gate.set()


@pytest.fixture
def pause(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Paused]:
    paused = _Paused(monkeypatch)
    yield paused
    paused.release()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_scan_while_a_read_without_bands_is_under_way_counts_its_own(tmp_path, pause, jobs, forks_from_threads):
    """A read without the histogram (what the ``usage`` command asks for), paused in its first file;
    meanwhile a scan of the same lines into totals that count it (the readers' public units, which
    take no lock): its histogram is the full parse's. Before, the read's module-level switch left it
    empty."""
    f, lines, want = _log(tmp_path, 41, 500, 0.1)
    assert want.bands
    got: dict[str, object] = {}

    def lean() -> None:
        got["lean"] = read_usage([str(f)], jobs=jobs, parallel_min_bytes=0, bands=False)

    t = pause.start("lean", lean)
    acc = Accumulator()
    assert ru.scan_lines(lines, ru.Sink(acc, "f", False), 0) == len(lines)
    assert acc.bands == want.bands
    _same_but_bands(acc, want)
    off = Accumulator(count_bands=False)  # and totals that do not count it, beside the paused read
    ru.scan_lines(lines, ru.Sink(off, "f", False), 0)
    assert off.bands == {}
    _same_but_bands(off, want)
    pause.finish("lean", t)
    lean_acc = got["lean"]
    assert isinstance(lean_acc, Accumulator)
    assert lean_acc.bands == {}
    _same_but_bands(lean_acc, want)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("first_bands", [True, False])
def test_two_reads_at_once_with_different_bands_each_count_their_own(
    tmp_path, monkeypatch, pause, jobs, first_bands, forks_from_threads
):
    """Two reads in two threads, the readers' lock taken away (it holds them apart for the state
    a gzip read shares with its workers, which the choice no longer rests on): the first is paused
    in its first file, the second starts and is paused too, then each finishes in turn, the first
    one first. Each has the histogram it asked for (or none) and every other figure of the full
    parse; in several processes too (the workers fork from the paused threads). Before, the first
    read went on with the second's switch: with ``first_bands`` its histogram was empty."""
    f, _, want = _log(tmp_path, 42, 500, 0.1)
    monkeypatch.setattr(ru, "_READING", contextlib.nullcontext())
    got: dict[str, object] = {}

    def read(name: str, bands: bool) -> None:
        try:
            got[name] = read_usage([str(f)], jobs=jobs, parallel_min_bytes=0, bands=bands)
        except Exception as exc:  # the test reports it
            got[name] = exc

    first = pause.start("first", read, "first", first_bands)
    second = pause.start("second", read, "second", not first_bands)
    pause.finish("first", first)
    pause.finish("second", second)
    for name, bands in (("first", first_bands), ("second", not first_bands)):
        acc = got[name]
        assert isinstance(acc, Accumulator), (name, acc)
        assert acc.bands == (want.bands if bands else {}), name
        _same_but_bands(acc, want)
