"""Benchmark `gpt41cost usage` against the obvious code on a large Chat Completions log.

    python bench/bench_usage.py                     # 1,000,000 lines (~830 MB), 3 runs
    python bench/bench_usage.py --lines 100000 --runs 1
    python bench/bench_usage.py --times 10 --runs 1 # also a file 10x larger (ours only: time, memory)
    python bench/bench_usage.py --wait-quiet 0.5    # each run waits for the machine to be idle first

Both sides run as fresh processes in the same session, alternating, on the same file:

- baseline: a plain Python loop, ``json.loads`` on each line, summing the usage fields;
- ours: ``python -m gpt41cost usage FILE --format json --no-progress`` (startup, catalog,
  pricing and rendering included).

Prints wall seconds (median of the runs), the ratio ours/baseline, peak memory of ours (the sum
of the RSS of its process tree, sampled every 20 ms, and the largest single process by
getrusage), and whether the totals are equal. Figures only: nothing here is asserted.
The data file is generated once (deterministically) under bench/data/, which git ignores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _common import cpu_jiffies  # noqa: E402
from gen_usage import generate  # noqa: E402

BASELINE = r"""
import json, sys
n = i = c = o = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        d = json.loads(line)
        u = d["usage"]
        n += 1
        i += u["prompt_tokens"]
        o += u["completion_tokens"]
        c += (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
print(json.dumps({"requests": n, "input_tokens": i, "cached_input_tokens": c, "output_tokens": o}))
"""


def _tree_rss(root: int) -> int:
    """Sum of VmRSS (bytes) of ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _run(cmd: list[str]) -> tuple[float, str, int, float]:
    """Wall seconds, stdout, peak tree RSS in bytes, CPU seconds (user + sys, all its processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, out.decode(), peak, cpu


def _wait_quiet(load: float, limit: float = 180.0) -> None:
    """Wait until the 1-minute load average is below ``load`` (or ``limit`` seconds pass)."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= load and time.monotonic() - t0 < limit:
        time.sleep(2)


def _ours_cmd(path: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "gpt41cost", "usage", str(path), "--format", "json", "--no-progress"]
    return cmd + (["--jobs", str(jobs)] if jobs else [])


def _totals(doc: dict[str, int]) -> tuple[int, int, int, int]:
    return (doc["requests"], doc["input_tokens"], doc["cached_input_tokens"], doc["output_tokens"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs to gpt41cost (default: every core)")
    ap.add_argument("--times", type=int, default=0, help="also time ours on a file this many times larger")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--wait-quiet", type=float, default=None, metavar="LOAD",
                    help="before each run, wait (up to 3 minutes) for the 1-minute load average to drop below LOAD")
    a = ap.parse_args()

    path = a.data / f"chat-{a.lines}.jsonl"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, a.lines)
    size = path.stat().st_size
    print(f"file: {path} ({size / 1e6:,.0f} MB, {a.lines:,} lines); cores: {os.cpu_count()}; "
          f"load average before: {os.getloadavg()[0]:.2f}")

    base_t: list[float] = []
    ours_t: list[float] = []
    base_cpu: list[float] = []
    ours_cpu: list[float] = []
    peaks: list[int] = []
    equal = True
    busy = 0.0
    for run in range(a.runs):
        if a.wait_quiet is not None:
            _wait_quiet(a.wait_quiet)
        busy = max(busy, os.getloadavg()[0])
        j0 = cpu_jiffies()
        tb, out_b, _, cb = _run([sys.executable, "-c", BASELINE, str(path)])
        to, out_o, peak, co = _run(_ours_cmd(path, a.jobs))
        j1 = cpu_jiffies()
        steal = f"; hypervisor steal {100 * (j1[0] - j0[0]) / max(1, j1[1] - j0[1]):.0f}%" if j0 and j1 else ""
        base_cpu.append(cb)
        ours_cpu.append(co)
        tb_totals = _totals(json.loads(out_b))
        to_totals = _totals(json.loads(out_o))
        equal = equal and tb_totals == to_totals
        base_t.append(tb)
        ours_t.append(to)
        peaks.append(peak)
        print(f"run {run + 1}: baseline {tb:.2f} s ({cb:.2f} CPU s), ours {to:.2f} s ({co:.2f} CPU s), "
              f"ratio {to / tb:.3f}, peak RSS {peak / 2**20:,.0f} MiB, "
              f"totals equal: {tb_totals == to_totals} {to_totals}; load {os.getloadavg()[0]:.2f}{steal}")
    mb, mo = statistics.median(base_t), statistics.median(ours_t)
    child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"median: baseline {mb:.2f} s, ours {mo:.2f} s, ratio {mo / mb:.3f} (target <= 0.2); "
          f"peak RSS of ours (process tree) {max(peaks) / 2**20:,.0f} MiB (target < 300); "
          f"largest single process {child_max:,.0f} MiB; totals equal: {equal}; "
          f"load average after: {os.getloadavg()[0]:.2f}")
    if busy > 0.5:
        print(f"note: load average was up to {busy:.2f} before a run: other processes shared the "
              f"{os.cpu_count()} cores, so wall ratios are pessimistic; see CPU seconds below")
    mcb, mco = statistics.median(base_cpu), statistics.median(ours_cpu)
    print(f"CPU seconds (user + sys, all processes): baseline {mcb:.2f}, ours {mco:.2f}, ratio {mco / mcb:.3f}; "
          f"with the {os.cpu_count()} cores to itself ours would need about {mco / (os.cpu_count() or 1):.2f} s "
          f"wall = {mco / (os.cpu_count() or 1) / mcb:.3f} x baseline CPU")

    if a.times > 1:
        big = a.data / f"chat-{a.lines}x{a.times}.jsonl"
        if not big.exists() or big.stat().st_size != size * a.times:
            print(f"writing {big} ({size * a.times / 1e9:,.1f} GB) ...", file=sys.stderr)
            with open(big, "wb") as out:
                for _ in range(a.times):
                    with open(path, "rb") as src:
                        shutil.copyfileobj(src, out, 16 << 20)
        t, out_o, peak, _ = _run(_ours_cmd(big, a.jobs))
        got = _totals(json.loads(out_o))
        want = tuple(x * a.times for x in _totals(json.loads(out_b)))
        print(f"{a.times}x file ({big.stat().st_size / 1e9:,.1f} GB): ours {t:.1f} s, "
              f"peak RSS (process tree) {peak / 2**20:,.0f} MiB, totals = {a.times} x baseline: {got == want}")


if __name__ == "__main__":
    main()
