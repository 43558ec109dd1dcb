"""Benchmark `gpt41cost usage` against the obvious code, on a large log in every common layout.

    python bench/bench_usage.py                       # every layout, 1,000,000 lines each, 3 runs
    python bench/bench_usage.py --layouts default gzip --runs 1
    python bench/bench_usage.py --lines 100000 --runs 1
    python bench/bench_usage.py --layouts compact --times 10 --runs 1   # also a file 10x larger (ours only)

The layouts (bench/gen_usage.py writes them, the same records in each, so the totals agree):
compact (``model_dump_json()``), default (``json.dumps``: spaces after ``:`` and ``,``),
reordered (sorted keys), extra (unknown fields at the top and in ``usage``), unicode
(``ensure_ascii=False``), responses (Responses API objects), batch (Batch output lines) and gzip
(the default layout, gzip-compressed).

For each layout both sides run as fresh processes, alternating, on the same file, after one
untimed run of each (``--warmup``: the page cache, and the .pyc files an installed package has),
with UTF-8 I/O, no network and this checkout first on sys.path (``_common.base_env``):

- baseline: a plain Python loop, ``json.loads`` on each line (through ``gzip.open`` for .gz),
  summing the usage fields (Chat or Responses names; a Batch line's ``response.body``);
- ours: ``python -m gpt41cost usage FILE --format json --no-progress`` (start-up, catalog,
  pricing and rendering included).

Prints, per layout, the median wall seconds of the runs, the ratio ours/baseline (the bar: at
most 0.2), the CPU ratio, the peak memory of ours (the sum of the RSS of its process tree,
sampled every 20 ms; the bar: under 300 MB) and whether the totals are equal; then one table.
Figures only: nothing here is asserted. Data files are generated once (deterministically) under
bench/data/, which git ignores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _common import ROOT, base_env, cpu_jiffies  # noqa: E402
from gen_usage import LAYOUTS, generate  # noqa: E402

BASELINE = r"""
import gzip, json, sys
n = i = c = o = 0
path = sys.argv[1]
with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
    for line in f:
        d = json.loads(line)
        if "custom_id" in d:
            d = d["response"]["body"]
        u = d["usage"]
        n += 1
        if "prompt_tokens" in u:
            i += u["prompt_tokens"]
            o += u["completion_tokens"]
            c += (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
        else:
            i += u["input_tokens"]
            o += u["output_tokens"]
            c += (u.get("input_tokens_details") or {}).get("cached_tokens", 0)
print(json.dumps({"requests": n, "input_tokens": i, "cached_input_tokens": c, "output_tokens": o}))
"""


def _tree_rss(root: int) -> int:
    """Sum of VmRSS (bytes) of ``root`` and its descendants, from /proc: their pids from each
    thread's ``children`` list, not a walk of every process on the machine. That walk (two files
    read per process) took 5.5 ms of CPU a sample with 108 processes running, every 20 ms: about a
    fifth of a core, taken from ours' two busy cores and not from the baseline's one (whose spare
    core it used), so it weighed on ours only (bench/README.md, fourteenth session)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo += map(int, f.read().split())
        except FileNotFoundError:
            if pid == root and not os.path.exists(f"/proc/{root}/task/{root}/children"):
                return _tree_rss_scan(root)  # a kernel without CONFIG_PROC_CHILDREN
        except (OSError, ValueError):  # gone meanwhile
            continue
    return total


def _tree_rss_scan(root: int) -> int:
    """:func:`_tree_rss` by a walk of every process in /proc (parents from each one's stat)."""
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


#: Both sides run with UTF-8 I/O, no network, this checkout first on sys.path and .pyc files written
#: (an installed package has them: pip compiles at install; PYTHONDONTWRITEBYTECODE=1 in the caller's
#: environment would make every run of ours compile the modules changed since their .pyc, about
#: 0.06 s of CPU a run, measured).
ENV = base_env()


def _run(cmd: list[str]) -> tuple[float, str, int, float]:
    """Wall seconds, stdout, peak tree RSS in bytes, CPU seconds (user + sys, all its processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
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


def _ours_cmd(path: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "gpt41cost", "usage", str(path), "--format", "json", "--no-progress"]
    return cmd + (["--jobs", str(jobs)] if jobs else [])


def _totals(doc: dict[str, int]) -> tuple[int, int, int, int]:
    return (doc["requests"], doc["input_tokens"], doc["cached_input_tokens"], doc["output_tokens"])


def data_file(data: Path, layout: str, lines: int) -> Path:
    path = data / f"usage-{layout}-{lines}.jsonl{'.gz' if layout == 'gzip' else ''}"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, lines, layout)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each side first (page cache, .pyc files)")
    ap.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS))
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs to gpt41cost (default: every core)")
    ap.add_argument("--times", type=int, default=0, help="also time ours on a file this many times larger")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    a = ap.parse_args()

    print(
        f"{a.lines:,} lines per layout; {a.runs} run(s) each; cores: {os.cpu_count()}; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    rows = []
    for layout in a.layouts:
        path = data_file(a.data, layout, a.lines)
        base_t: list[float] = []
        ours_t: list[float] = []
        base_cpu: list[float] = []
        ours_cpu: list[float] = []
        peaks: list[int] = []
        steals: list[float] = []
        equal = True
        out_b = ""
        for _ in range(a.warmup):
            _run([sys.executable, "-c", BASELINE, str(path)])
            _run(_ours_cmd(path, a.jobs))
        for run in range(a.runs):
            j0 = cpu_jiffies()
            tb, out_b, _, cb = _run([sys.executable, "-c", BASELINE, str(path)])
            to, out_o, peak, co = _run(_ours_cmd(path, a.jobs))
            j1 = cpu_jiffies()
            steal = 100 * (j1[0] - j0[0]) / max(1, j1[1] - j0[1]) if j0 and j1 else float("nan")
            same = _totals(json.loads(out_b)) == _totals(json.loads(out_o))
            equal = equal and same
            base_t.append(tb)
            ours_t.append(to)
            base_cpu.append(cb)
            ours_cpu.append(co)
            peaks.append(peak)
            steals.append(steal)
            print(
                f"{layout} run {run + 1}: baseline {tb:.2f} s ({cb:.2f} CPU s), ours {to:.2f} s ({co:.2f} CPU s), "
                f"ratio {to / tb:.3f}, peak RSS {peak / 2**20:,.0f} MiB, totals equal: {same}; "
                f"load {os.getloadavg()[0]:.2f}, steal {steal:.0f}%",
                flush=True,
            )
        mb, mo = statistics.median(base_t), statistics.median(ours_t)
        rows.append(
            (
                layout,
                path.stat().st_size,
                mb,
                mo,
                mo / mb,
                statistics.median(ours_cpu) / statistics.median(base_cpu),
                max(peaks),
                equal,
                ", ".join(f"{o / b:.3f}" for o, b in zip(ours_t, base_t, strict=True)),
            )
        )
    print()
    print("| layout | file | baseline (median) | ours (median) | ratio | per run | CPU ratio | peak RSS | same sums |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---|")
    for layout, size, mb, mo, ratio, cpu, peak, equal, per_run in rows:
        print(
            f"| {layout} | {size / 1e6:,.0f} MB | {mb:.2f} s | {mo:.2f} s | **{ratio:.3f}** | {per_run} | {cpu:.3f} "
            f"| {peak / 2**20:,.0f} MiB | {equal} |"
        )
    print(
        f"\nbars: ratio <= 0.2, peak RSS < 300 MiB; load average after: {os.getloadavg()[0]:.2f}; "
        f"largest single process {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MiB"
    )
    met = all(ratio <= 0.2 and peak < 300 * 2**20 and equal for _, _, _, _, ratio, _, peak, equal, _ in rows)

    if a.times > 1:
        layout = a.layouts[0]
        if layout == "gzip":
            sys.exit("--times: pick a plain layout first (--layouts compact ...)")
        path = data_file(a.data, layout, a.lines)
        big = a.data / f"usage-{layout}-{a.lines}x{a.times}{''.join(path.suffixes)}"
        size = path.stat().st_size
        if not big.exists() or big.stat().st_size != size * a.times:
            print(f"writing {big} ({size * a.times / 1e9:,.1f} GB) ...", file=sys.stderr)
            with open(big, "wb") as out:
                for i in range(a.times):  # each copy with other ids: a copy of the same ids would be dropped
                    with open(path, "rb") as src:
                        while chunk := src.read(16 << 20):
                            for prefix in (b'"chatcmpl-', b'"resp_', b'"batch_req_'):
                                chunk = chunk.replace(prefix, prefix + b"%d" % i)
                            out.write(chunk)
        t, out_o, peak, _ = _run(_ours_cmd(big, a.jobs))
        got = _totals(json.loads(out_o))
        want = tuple(x * a.times for x in _totals(json.loads(_run([sys.executable, "-c", BASELINE, str(path)])[1])))
        print(
            f"{a.times}x file ({big.stat().st_size / 1e9:,.1f} GB): ours {t:.1f} s, "
            f"peak RSS (process tree) {peak / 2**20:,.0f} MiB, totals = {a.times} x baseline: {got == want}"
        )
        met = met and peak < 300 * 2**20 and got == want
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
