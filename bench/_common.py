"""Shared benchmark helpers: timed subprocess runs, medians, peak RSS, a ratio table.

Not part of the package and not a test. Every figure is wall time of a whole process
(interpreter start, imports, work, exit) measured with ``time.perf_counter`` around
``Popen`` + ``os.wait4``; ``wait4`` also gives the child's peak resident set size
(``ru_maxrss``, which on Linux covers the child and the grandchildren it waited for, e.g.
a multiprocessing pool). Candidates are run interleaved (A B A B ...) so slow drift on a
shared machine hits every candidate alike, and ratios are always taken against a baseline
measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
VENV_BIN = Path(sys.executable).parent

#: Any accidental download attempt fails fast instead of reaching the network.
NO_NETWORK_ENV = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def tool(name: str) -> str:
    """Path of a console script installed next to this interpreter (the venv's bin)."""
    p = VENV_BIN / name
    if not p.exists():
        sys.exit(f"bench: {name} not found in {VENV_BIN}; install it into this virtual environment")
    return str(p)


def base_env(**extra: str) -> dict[str, str]:
    """Environment for timed runs: UTF-8 I/O, no network, this checkout first on sys.path."""
    env = dict(os.environ)
    env.update(NO_NETWORK_ENV)
    env["PYTHONUTF8"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    env["PYTHONIOENCODING"] = "utf-8"
    # Benchmark the tree this file lives in, whatever is (or is not) installed.
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str
    returncode: int


@dataclass
class Candidate:
    """A command to time. ``env`` is the full environment of the child."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=base_env)
    runs: list[Run] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        return max(r.max_rss_kb for r in self.runs) / 1024


def run_once(argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> Run:
    """Run ``argv`` to completion; wall seconds, peak RSS (KiB), output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=dict(env), cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_utime + usage.ru_stime,
            int(usage.ru_maxrss),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            proc.returncode,
        )


@dataclass
class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc while it ran."""

    pss_mb: float  # proportional set size, summed: pages shared by forked workers counted once
    rss_mb: float  # resident set size, summed: shared pages counted in every process
    processes: int  # processes alive at the PSS peak


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [root], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _tree_memory_kb(root: int) -> tuple[int, int, int]:
    pss = rss = alive = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
            alive += 1
        except (OSError, ValueError):
            continue
    return pss, rss, alive


def run_tree_memory(argv: Sequence[str], env: Mapping[str, str], every: float = 0.02) -> tuple[Run, TreeMemory]:
    """Run ``argv`` like :func:`run_once`, sampling the memory of its whole process tree.

    ``ru_maxrss`` only gives the largest single process; a command that forks workers uses
    the sum. Linux only (``/proc/<pid>/smaps_rollup``).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=dict(env))
        peak = (0, 0, 0)
        while proc.poll() is None:
            got = _tree_memory_kb(proc.pid)
            if got[0] > peak[0]:
                peak = got
            time.sleep(every)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        run = Run(
            seconds,
            0.0,
            0,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            proc.returncode,
        )
    return run, TreeMemory(peak[0] / 1024, peak[1] / 1024, peak[2])


def measure(candidates: Sequence[Candidate], runs: int, warmup: int = 1, cwd: Path | None = None) -> None:
    """Run every candidate ``warmup`` + ``runs`` times, interleaved; keep the timed runs.

    Warm-up runs fill the page cache and write .pyc files; they are not recorded. A run
    that exits non-zero stops the benchmark with its stderr.
    """
    before = cpu_jiffies()
    for i in range(warmup + runs):
        # alternate the order too, so no candidate always runs right after the other
        order = candidates if i % 2 == 0 else list(reversed(candidates))
        for c in order:
            r = run_once(c.argv, c.env, cwd)
            if r.returncode != 0:
                sys.exit(f"bench: {c.name} failed (exit {r.returncode}): {' '.join(c.argv)}\n{r.stderr[-2000:]}")
            if i >= warmup:
                c.runs.append(r)
    after = cpu_jiffies()
    if before is not None and after is not None:
        _steal.append((after[0] - before[0], after[1] - before[1]))


# (steal, total) jiffies of each measure() call
_steal: list[tuple[int, int]] = []


def cpu_jiffies() -> tuple[int, int] | None:
    """(steal, total) CPU jiffies of the whole machine so far, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def steal_note() -> str:
    """How much CPU time the hypervisor gave to other guests while the commands ran.

    On a shared VM, stolen time slows a command that uses both cores more than a
    single-threaded one (it waits for its slowest worker), so wall-time ratios drift with it.
    """
    steal = sum(s for s, _ in _steal)
    total = sum(t for _, t in _steal)
    if total <= 0:
        return ""
    return f"hypervisor steal during the runs: {100 * steal / total:.0f}% of CPU time (0% on a dedicated machine)"


def table(candidates: Sequence[Candidate], baseline: str) -> str:
    """A small fixed-width table of wall and CPU seconds, peak RSS and ratios to ``baseline``.

    "ratio" (the one bars are judged on) is median wall / baseline's median wall; "ratio of
    mins" is the same for the fastest runs, a steadier view when the machine is shared.
    "cpu s" is the median user+sys time of the process and the children it waited for.
    """
    base = next(c for c in candidates if c.name == baseline)
    rows = [("command", "runs", "median s", "min s", "max s", "cpu s", "peak RSS MB", "ratio", "ratio of mins")]
    for c in candidates:
        rows.append(
            (
                c.name,
                str(len(c.runs)),
                f"{c.median:.3f}",
                f"{c.best:.3f}",
                f"{max(c.times):.3f}",
                f"{c.cpu_median:.2f}",
                f"{c.peak_rss_mb:.0f}",
                f"{c.median / base.median:.2f}",
                f"{c.best / base.best:.2f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = zip(r, widths, strict=True)
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(cells)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(name: str, ratio: float, bar: float) -> str:
    ok = ratio <= bar
    return f"{'PASS' if ok else 'FAIL'}: {name} ratio {ratio:.2f} (bar <= {bar})"


def machine() -> str:
    import platform

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}, load average {load}"
    )


def load_note() -> str:
    """A warning when other work competes for the CPUs (wall-time ratios then drift)."""
    one = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if one > 0.5:
        return (
            f"note: 1-minute load average is {one:.2f} on {cpus} CPUs: other processes compete for the cores, "
            "which slows the parallel counter more than the single-threaded baseline; rerun on a quiet machine"
        )
    return ""
