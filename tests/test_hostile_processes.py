"""Hostile processes (#18): signals and killed processes during a read on several cores.

Each case runs ``gpt41cost`` in a process under the memory limit and timeout of
tests/test_hostile.py, on a file read by worker processes, and checks the process tree from
/proc: the promise is one line on stderr, the documented exit code, nothing on stdout, no
traceback, no hang, and no worker left behind. The process is a fork of the test process
(``Cli.start``), which reads files as those past the package's sizes are read (estimate: a request
file of 16 MiB or more on every core, readers/pool.py; usage: a plain log of 8 MiB or more, or a
gzipped one of 1 MiB, with ``--jobs``) in small ranges and pieces (conftest's ``small_ranges`` and
``small_usage_ranges``): files of some 100 KB give two workers many ranges each.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpt41cost.readers import pool

from .conftest import TIMEOUT_S, Cli

needs_cores = pytest.mark.skipif(not pool.eligible(pool.MIN_BYTES), reason="one core or no fork: no reading processes")
#: Seconds a process tree may take to go away after its parent ended or was killed.
GONE_S = 5


def _ppid(pid: int) -> int | None:
    """The parent of a live ``pid`` (None: gone, or a zombie, dead and waiting for its reaper).
    Read as bytes with one system call (:func:`children` reads every process's: a file object
    and text decoding each made it 5.7 CPU ms a call with ~100 processes, 0.33 s of the file's)."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        stat = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = stat.rsplit(b")", 1)[1].split()
    return None if fields[0] == b"Z" else int(fields[1])


def children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (not every kernel has /proc/PID/task/TID/children)."""
    return [int(d) for d in os.listdir("/proc") if d.isdigit() and _ppid(int(d)) == pid]


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if _ppid(p) is not None]


def wait_gone(pids: list[int]) -> list[int]:
    """``pids`` still alive after :data:`GONE_S` seconds."""
    deadline = time.monotonic() + GONE_S
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Batch file of ~130 KB, a usage log of ~120 KB and the same records with ids, gzipped."""
    where = tmp_path_factory.mktemp("hostile-processes")
    files = {"estimate": where / "batch.jsonl", "usage": where / "usage.jsonl", "usage-gzip": where / "usage.jsonl.gz"}
    body = {"model": "gpt-4.1-mini", "max_tokens": 10, "messages": [{"role": "user", "content": "hello world " * 50}]}
    line = json.dumps({"custom_id": "r{}", "method": "POST", "url": "/v1/chat/completions", "body": body})
    files["estimate"].write_text("\n".join(line.replace("{}", str(i)) for i in range(180)) + "\n")
    record = {"object": "chat.completion", "created": 1764000000, "model": "gpt-4.1-mini-2025-04-14"}
    record["usage"] = {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}
    files["usage"].write_text((json.dumps(record) + "\n") * 800)
    # the same records with ids (none repeated), gzipped: read by two processes, each inflating all of it
    head = json.dumps(record)[:-1].encode() + b', "id": "chatcmpl-'
    ids = os.urandom(12 * 800).hex()
    lines = [head + ids[i : i + 24].encode() + b'"}\n' for i in range(0, len(ids), 24)]
    files["usage-gzip"].write_bytes(gzip.compress(b"".join(lines), 1))
    return files


@pytest.fixture
def inputs(files: dict[str, Path], small_ranges, small_usage_ranges, monkeypatch) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """:func:`files`, read from now on (in this process and the forks it starts) as files past the
    package's sizes are: by the workers, in ranges of 2 KB (request files) and 8 KB (usage logs),
    a gzipped log in pieces of 8 KB."""
    from gpt41cost.readers import usage as ru

    small_ranges()
    monkeypatch.setattr(ru, "PIECE_BYTES", 8192)
    return files


def _args(command: str, path: Path) -> list[str]:
    return ["estimate", str(path), "-f", "json"] if command == "estimate" else ["usage", str(path), "--jobs", "2"]


#: The reads on several cores: a Batch file, a plain usage log, a gzipped one.
COMMANDS = ["estimate", "usage", "usage-gzip"]


def start(args: list[str], script: str | None = None) -> subprocess.Popen[bytes]:
    """``gpt41cost ARGS`` (or ``python -c SCRIPT ARGS``) under the limits, output piped."""
    return Cli().start(args, script=script)


#: Workers seen by :func:`reading` (pid: start time), killed after the test if any is left (a failing test).
_seen: dict[int, str] = {}


def _started(pid: int) -> str:
    """When ``pid`` started (clock ticks since boot; "" once gone): a pid used again differs."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return ""


def _see(pids: list[int]) -> None:
    _seen.update((pid, _started(pid)) for pid in pids)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; killed with their workers if the test fails half-way."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        _see(children(p.pid))
        p.kill()
        p.wait()
    for pid in alive(list(_seen)):
        if _started(pid) == _seen[pid]:  # still one of ours, not a pid used again
            os.kill(pid, signal.SIGKILL)
    _seen.clear()


def reading(p: subprocess.Popen[bytes], n: int = 2) -> list[int]:
    """The pids of ``p``'s reading processes once ``n`` are running."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        kids = children(p.pid)
        if len(kids) >= n:
            _see(kids)
            return kids
        assert p.poll() is None, f"the read ended before {n} workers ran: {p.communicate()[1].decode()}"
        time.sleep(0.02)
    raise AssertionError("no reading processes started")


def ended(p: subprocess.Popen[bytes], code: int, message: str) -> None:
    out, err = p.communicate(timeout=TIMEOUT_S)
    text = err.decode()
    assert p.returncode == code, text
    assert out == b""
    assert text.count("\n") == 1 and text.startswith("gpt41cost: ") and "Traceback" not in text, text
    assert message in text, text


#: Run the CLI with each reading process pausing after its start (the pool's own initializer
#: first, so its parent watch runs), so a signal or a kill sent once the workers are seen lands
#: mid-read however fast the machine reads the file: without it the read could end first.
SLOW_WORKERS = textwrap.dedent(
    """
    import sys, time
    from gpt41cost.cli import main
    from gpt41cost.readers import pool

    started = pool.start_worker

    def start_slowly(parent):
        started(parent)
        time.sleep(3)

    pool.start_worker = start_slowly
    sys.argv[0] = "gpt41cost"
    main(sys.argv[1:])
    """
)


@needs_cores
@pytest.mark.parametrize("command", COMMANDS)
def test_sigterm_during_a_read_on_several_cores(inputs, processes, command: str) -> None:
    """SIGTERM to the parent mid-read: one line, exit 143, and its workers gone with it."""
    p = start(_args(command, inputs[command]), SLOW_WORKERS)
    processes.append(p)
    workers = reading(p)
    p.send_signal(signal.SIGTERM)
    ended(p, 143, "gpt41cost: terminated")
    assert wait_gone(workers) == []


@needs_cores
@pytest.mark.parametrize("command", COMMANDS)
def test_a_worker_killed_during_the_read(inputs, processes, command: str) -> None:
    """A worker killed from outside (the OOM killer, ``kill -9``): the parent ends with one line
    and exit 3, and the other worker goes too."""
    p = start(_args(command, inputs[command]), SLOW_WORKERS)
    processes.append(p)
    workers = reading(p)
    os.kill(workers[0], signal.SIGKILL)
    ended(p, 3, "process")
    assert wait_gone(workers) == []


@needs_cores
@pytest.mark.parametrize("command", COMMANDS)
def test_workers_exit_when_their_parent_is_killed(inputs, processes, command: str) -> None:
    """``kill -9`` of the parent: nothing tells a worker, which would wait on its queue forever;
    each watches its parent and exits."""
    p = start(_args(command, inputs[command]), SLOW_WORKERS)
    processes.append(p)
    workers = reading(p)
    p.kill()
    p.wait(timeout=TIMEOUT_S)
    assert wait_gone(workers) == []


#: Run the CLI with every worker dying half-way through handing back its first result, which
#: leaves the pool's result pipe holding half a message and its lock held by a dead process.
DIES_MID_RESULT = textwrap.dedent(
    """
    import os, signal, struct, sys
    from multiprocessing import connection
    from gpt41cost.cli import main
    from gpt41cost.readers import pool

    pool.MIN_BYTES = pool.RANGE_BYTES = 2048  # a small file read on every core
    parent, send = os.getpid(), connection.Connection._send_bytes

    def dies_half_way(self, buf):
        if os.getpid() != parent and len(buf) > 64:  # a worker sends only results
            os.write(self._handle, struct.pack("!i", len(buf)) + bytes(buf[: len(buf) // 2]))
            os.kill(os.getpid(), signal.SIGKILL)
        send(self, buf)

    connection.Connection._send_bytes = dies_half_way
    sys.argv[0] = "gpt41cost"
    main(sys.argv[1:])
    """
)


@needs_cores
@pytest.mark.parametrize("command", COMMANDS)
def test_a_worker_killed_while_handing_back_a_result(inputs, processes, command: str) -> None:
    """The executor's own check misses this death (it waits for the rest of the message); the
    wait in readers/pool.py does not."""
    p = start(_args(command, inputs[command]), DIES_MID_RESULT)
    processes.append(p)
    ended(p, 3, "process")
    assert children(p.pid) == []


#: Run the CLI with SIGTERM sent to itself while it forks its first worker (from a callback the
#: fork runs in the parent, as logging's own are): a handler run there has its exception
#: swallowed ("Exception ignored"), and the command would run on to the end, exit 0.
TERM_WHILE_FORKING = textwrap.dedent(
    """
    import os, signal, sys
    from gpt41cost.cli import main
    from gpt41cost.readers import pool

    pool.MIN_BYTES = pool.RANGE_BYTES = 2048  # a small file read on every core
    sent = []

    def term_once():
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)

    os.register_at_fork(after_in_parent=term_once)
    sys.argv[0] = "gpt41cost"
    main(sys.argv[1:])
    """
)


@needs_cores
@pytest.mark.parametrize("command", ["estimate", "usage"])
def test_sigterm_while_the_workers_are_forked(inputs, processes, command: str) -> None:
    p = start(_args(command, inputs[command]), TERM_WHILE_FORKING)
    processes.append(p)
    ended(p, 143, "gpt41cost: terminated")
    assert children(p.pid) == []
