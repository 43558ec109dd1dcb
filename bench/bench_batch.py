"""Benchmark: Batch API pre-flight vs a plain tiktoken script (issue 3, "Speed and memory").

    python bench/bench_batch.py                      # 50,000 lines (~110 MB), 3 runs, + the 240,000-line file
    python bench/bench_batch.py --runs 5 --big-lines 0   # speed only
    python bench/bench_batch.py --tree /tmp/patched  # benchmark another copy of the package (a patch)
    python bench/bench_batch.py --worst-mb 500 --runs 0 --big-lines 0   # worst-case memory only
    python bench/bench_batch.py --prefixes 5000 --runs 0 --big-lines 0  # memory per distinct cache prefix

Files (generated once, deterministically, by gen_batch.py into bench/data/, which git ignores):
``batch-50000.jsonl`` (about 111 MB) for the speed figure and ``batch-240000.jsonl`` (about
533 MB; its first 50,000 lines are the small file) for the memory figure.

In the same run, interleaved (A B B A ...), fresh processes, no network:

- baseline: a plain single-threaded Python script (:data:`BASELINE`): ``json.loads`` on each
  line, the cookbook's count of the messages with tiktoken o200k_base (3 per message + the
  tokens of role, content and name, +1 per name, 3 reply priming); on a line with tools, the
  tools array rendered as the ``namespace functions { ... }`` text by a short function in the
  script (``tools_text``: description, ``key?: type,`` lines, string enums; enough for
  gen_batch's tools, no gpt41cost code) and counted, + 9, 4 fewer with a system message, whose
  content is counted with a line feed added (README "Agent conversations"); it prints the total
  input tokens. Why not the cookbook's ``num_tokens_for_tools`` constants (7/3/3/-3/3/12): they
  are not what gpt41cost counts (the namespace text is exact on the measured cases), so the
  totals differed and the equality check meant nothing. The definitions are rendered and
  encoded on every line that has them, as a naive script would; counting each distinct tools
  array once would be a cache such a script lacks. The encoding is
  ``gpt41cost.tokens.get_encoding()`` (same vocabulary, offline), text is encoded with
  ``encode_ordinary`` (no special-token scan: the faster, stricter baseline);
- ours: ``gpt41cost estimate FILE --format json`` (pre-flight, cache detection on: the
  default for batch files, three models priced).

Prints a table (median / min / max wall s, median CPU s, peak RSS), the ratio ours/baseline
(bar <= 0.5) on wall and on CPU seconds, whether the totals are equal (ours: ``models[]``
``input_tokens_total`` of gpt-4.1-mini), then the peak memory of ours on both files and its
growth per line (bar < 300 MB on the big file). Memory is that of the whole process tree (the
command forks a reader per core), sampled every 20 ms from ``/proc/<pid>/smaps_rollup``: PSS
summed (pages the workers share with the parent counted once; the bar's figure) and RSS summed
(shared pages counted in every process). ``ru_maxrss``, which the table shows, is the largest
single process only. Figures only: nothing is asserted (``--runs 0`` skips the speed part).

``--worst-mb N``: the worst case for memory. Two ``--shape unique`` files (see gen_batch.py:
every request has a long system prompt unique from its first words, so every 128-token cache
block is a distinct prefix, and half carry a PNG data URL sized per line), of about N and 2N MB
(``batch-unique-<lines>.jsonl``; the line counts come from the mean size of the first 500 lines,
and the smaller file is the larger one's first half). Ours runs once on each, sampled like the
memory file above; it prints size, lines, wall seconds, PSS and RSS sum, and the growth in MB
per 100,000 lines between the two. It checks the JSON on stdout parses (``models[]`` with every
line counted) and the exit status is the pre-flight's (1 when the file is over the batch caps of
``gpt41cost pricing``: the report is still printed); the bar is PSS < 300 MB on both files, and
the script exits 1 when it is not met or a check fails.

``--prefixes N``: memory per distinct prefix. Two prompts files (``prompts-unique-<N>.jsonl``, one
JSON string a line, each a long prompt unique from its first words, as ``--shape unique``
writes), of N and 2N lines, the smaller the larger one's first half. Every 128-token block is a
distinct prefix that cache detection must remember (from the cache minimum on: 1,024 tokens).
Ours runs once on each (``estimate FILE --format json``, cold and with ``--cache-warm``); it
prints the blocks it must remember (counted here with the same vocabulary), the peak PSS of
the process tree and the growth in bytes per remembered block between the two files (the bar:
about 100 bytes, README "Benchmarks").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATA,
    ROOT,
    Candidate,
    base_env,
    load_note,
    machine,
    measure,
    run_once,
    run_tree_memory,
    steal_note,
    table,
    tool,
    verdict,
)
from gen_batch import MODEL, _system_unique, generate, line_unique

BAR_RATIO = 0.5
BAR_RSS_MB = 300

BASELINE = r"""
import json, sys
from gpt41cost.tokens import get_encoding

enc = get_encoding()


def n(s):
    return len(enc.encode_ordinary(s))


def tools_text(tools):  # the "namespace functions" text gpt41cost counts (README "Agent conversations")
    out = ["namespace functions {", ""]
    for tool in tools:
        fn = tool["function"]
        if fn.get("description"):
            out.append("// " + fn["description"])
        params = fn.get("parameters") or {}
        props = params.get("properties") or {}
        if not props:
            out += ["type " + fn["name"] + " = () => any;", ""]
            continue
        out.append("type " + fn["name"] + " = (_: {")
        required = params.get("required") or []
        for key, p in props.items():
            if p.get("description"):
                out.append("// " + p["description"])
            if "enum" in p:
                kind = " | ".join(f'"{v}"' for v in p["enum"])
            else:
                kind = {"integer": "number"}.get(p.get("type"), p.get("type", "any"))
            out.append(key + ("" if key in required else "?") + ": " + kind + ",")
        out += ["}) => any;", ""]
    out.append("} // namespace functions")
    return "\n".join(out)


total = requests = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        body = json.loads(line)["body"]
        tools = body.get("tools")
        k = 3  # every reply is primed with <|start|>assistant<|message|>
        padded = False
        for message in body["messages"]:
            k += 3
            for key, value in message.items():
                if tools and not padded and key == "content" and message["role"] == "system":
                    value += "\n"  # with tools, the first system message gains a line feed
                    padded = True
                k += n(value)
                if key == "name":
                    k += 1
        if tools:  # the definitions, rendered and counted per request, + 9, 4 fewer with a system message
            system = any(m["role"] == "system" for m in body["messages"])
            k += n(tools_text(tools)) + 9 - (4 if system else 0)
        total += k
        requests += 1
print(json.dumps({"requests": requests, "input_tokens": total}))
"""


def data_file(lines: int) -> Path:
    path = DATA / f"batch-{lines}.jsonl"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(path, lines)
    return path


def ours_total(stdout: str) -> int:
    doc = json.loads(stdout)
    return int(next(m["input_tokens_total"] for m in doc["models"] if m["model"] == MODEL))


SEED = 41  # gen_batch's default


def unique_files(mb: float) -> list[tuple[Path, int]]:
    """The two worst-case files of about ``mb`` and ``2 * mb`` MB, generated once, in one pass."""
    sample = 500
    mean = sum(len(line_unique(SEED, i)) for i in range(sample)) / sample
    small = max(1, round(mb * 1e6 / mean))
    files = [(DATA / f"batch-unique-{n}.jsonl", n) for n in (small, 2 * small)]
    if all(path.exists() for path, _ in files):
        return files
    print(f"generating {', '.join(str(p) for p, _ in files)} ...", file=sys.stderr)
    DATA.mkdir(parents=True, exist_ok=True)
    parts = [path.with_suffix(".part") for path, _ in files]
    with open(parts[0], "wb", buffering=1 << 20) as f_small, open(parts[1], "wb", buffering=1 << 20) as f_big:
        for i in range(2 * small):
            data = line_unique(SEED, i)
            if i < small:
                f_small.write(data)
            f_big.write(data)
    for part, (path, _) in zip(parts, files, strict=True):
        part.replace(path)
    return files


def worst_case(mb: float, env: dict[str, str]) -> bool:
    """Run ours once on each worst-case file; print the figures; True when every check and the bar pass."""
    files = unique_files(mb)
    caps = json.loads(run_once([tool("gpt41cost"), "pricing", "--format", "json"], env).stdout)["batch"]
    print(
        f"\nworst case for memory (--worst-mb {mb:g}): unique system prompts, PNG data URLs on half the lines; "
        f"batch caps {caps['max_requests']:,} requests, {caps['max_file_bytes']:,} bytes"
    )
    ok, rows = True, []
    for path, lines in files:
        size = path.stat().st_size
        r, mem = run_tree_memory([tool("gpt41cost"), "estimate", str(path), "--format", "json"], env)
        over = size > caps["max_file_bytes"] or lines > caps["max_requests"]
        problems = []
        if r.returncode != (1 if over else 0):
            problems.append(f"exit {r.returncode}, expected {1 if over else 0}")
        try:
            doc = json.loads(r.stdout)
            counted = {m["model"]: m["requests"] for m in doc["models"]}
            if not counted or any(n != lines for n in counted.values()):
                problems.append(f"models[] requests {counted}, expected {lines:,} each")
            rejected = [c["rejected"] for c in doc.get("batch_preflight", [])]
            if rejected != [over]:
                problems.append(f"batch_preflight rejected {rejected}, expected [{over}]")
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"stdout is not the JSON report ({exc!r})")
        bar = mem.pss_mb < BAR_RSS_MB
        ok = ok and bar and not problems
        rows.append((lines, mem.pss_mb))
        print(
            f"{'PASS' if bar and not problems else 'FAIL'}: {path.name}: {size / 1e6:,.0f} MB, {lines:,} lines, "
            f"{r.seconds:.1f} s wall, exit {r.returncode}; PSS {mem.pss_mb:,.0f} MB (bar < {BAR_RSS_MB}), "
            f"RSS summed over {mem.processes} processes {mem.rss_mb:,.0f} MB"
            + (f"; {'; '.join(problems)}" if problems else "; JSON report parsed")
        )
        if problems:
            print(f"  stderr: {r.stderr[-1500:]}", file=sys.stderr)
    (n1, p1), (n2, p2) = rows
    print(f"growth: {(p2 - p1) / (n2 - n1) * 100_000:+,.1f} MB PSS per 100,000 lines ({p1:,.0f} -> {p2:,.0f} MB)")
    print("load average after " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for note in (load_note(), steal_note()):
        if note:
            print(note)
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--big-lines", type=int, default=240_000, help="lines of the memory file (0: skip it)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=None, help="a directory holding a (patched) gpt41cost package")
    ap.add_argument("--big-baseline", action="store_true", help="also run the baseline on the big file (totals)")
    ap.add_argument("--worst-mb", type=float, default=0, help="worst-case memory: unique files of ~N and ~2N MB")
    ap.add_argument("--prefixes", type=int, default=0, help="memory per distinct prefix: N and 2N unique prompts")
    a = ap.parse_args()

    print(machine())
    env = base_env()
    if a.tree is not None:
        env["PYTHONPATH"] = str(a.tree.resolve()) + os.pathsep + env["PYTHONPATH"]
        print(f"package: {a.tree.resolve()}")
    else:
        print(f"package: {ROOT}")
    if (a.runs or a.big_lines) and not speed_and_memory(a, env):
        sys.exit(1)
    if a.worst_mb and not worst_case(a.worst_mb, env):
        sys.exit(1)
    if a.prefixes and not prefixes(a.prefixes, env):
        sys.exit(1)


BAR_BYTES_PER_PREFIX = 100


def prefix_file(lines: int, seed: int = 43) -> tuple[Path, list[int]]:
    """``prompts-unique-<lines>.jsonl`` (made once) and each line's tokens (counted here)."""
    import random

    from gpt41cost.tokens import get_encoding

    path = DATA / f"prompts-unique-{lines}.jsonl"
    texts = [_system_unique(random.Random(seed * 1_000_003 + i), seed, i) for i in range(lines)]
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(t) + "\n" for t in texts))
    counts = [len(ids) for ids in get_encoding().encode_ordinary_batch(texts)]
    return path, counts


def prefixes(n: int, env: dict[str, str]) -> bool:
    """Peak memory on N and 2N unique prompts; growth per remembered cache prefix."""
    step, first = 128, 1024 // 128 - 1  # blocks are kept from the shortest possible hit on
    path, counts = prefix_file(2 * n)
    half = DATA / f"prompts-unique-{2 * n}-first-{n}.jsonl"
    if not half.exists():
        with open(path, "rb") as src, open(half, "wb") as dst:
            for _ in range(n):
                dst.write(src.readline())
    kept = [sum(max(0, c // step - first) for c in counts[:n]), sum(max(0, c // step - first) for c in counts)]
    ok = True
    for how in ([], ["--cache-warm"]):
        rows = []
        for f, blocks in ((half, kept[0]), (path, kept[1])):
            r, mem = run_tree_memory([tool("gpt41cost"), "estimate", str(f), "--format", "json", *how], env)
            if r.returncode != 0:
                print(f"FAIL: exit {r.returncode} on {f}: {r.stderr[-500:]}")
                return False
            rows.append((blocks, mem.pss_mb))
            print(
                f"{f.name} {' '.join(how) or '(cold)'}: {blocks:,} prefixes to remember, {r.seconds:.1f} s, "
                f"peak PSS {mem.pss_mb:,.1f} MB"
            )
        (b1, p1), (b2, p2) = rows
        per = (p2 - p1) * 2**20 / (b2 - b1)
        ok = ok and per <= BAR_BYTES_PER_PREFIX * 1.1
        print(
            f"{'PASS' if per <= BAR_BYTES_PER_PREFIX * 1.1 else 'FAIL'}: {per:,.0f} bytes per remembered prefix "
            f"({' '.join(how) or 'cold'}; bar about {BAR_BYTES_PER_PREFIX})"
        )
    return ok


def speed_and_memory(a: argparse.Namespace, env: dict[str, str]) -> bool:
    """Whether every bar measured is met (the totals equal, the wall-time ratio, the memory)."""
    small = data_file(a.lines)
    print(f"file: {small} ({small.stat().st_size / 1e6:,.0f} MB, {a.lines:,} lines)")
    ok = True
    if a.runs:
        ok = speed(a, env, small)
    if a.big_lines:
        ok = memory(a, env, small) and ok
    return ok


def speed(a: argparse.Namespace, env: dict[str, str], small: Path) -> bool:
    base = Candidate("baseline (json + tiktoken)", [sys.executable, "-c", BASELINE, str(small)], env)
    ours = Candidate("gpt41cost estimate", [tool("gpt41cost"), "estimate", str(small), "--format", "json"], env)
    load_before = os.getloadavg()
    measure([base, ours], runs=a.runs, warmup=1)
    load_after = os.getloadavg()
    print(table([base, ours], baseline=base.name))
    totals_b = {json.loads(r.stdout)["input_tokens"] for r in base.runs}
    totals_o = {ours_total(r.stdout) for r in ours.runs}
    equal = totals_b == totals_o and len(totals_b) == 1
    print(
        f"input tokens: baseline {sorted(totals_b)}, ours ({MODEL}) {sorted(totals_o)}: "
        f"{'EQUAL' if equal else 'DIFFERENT'}"
    )
    print(verdict("wall time", ours.median / base.median, BAR_RATIO))
    print(
        f"CPU seconds: baseline {base.cpu_median:.2f}, ours {ours.cpu_median:.2f}, "
        f"ratio {ours.cpu_median / base.cpu_median:.2f} (ours on {os.cpu_count()} cores at best "
        f"{ours.cpu_median / (os.cpu_count() or 1) / base.cpu_median:.2f} x baseline)"
    )
    print(
        "load average (1, 5, 15 min) before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    for note in (load_note(), steal_note()):
        if note:
            print(note)
    return equal and ours.median / base.median <= BAR_RATIO


def memory(a: argparse.Namespace, env: dict[str, str], small: Path) -> bool:
    big = data_file(a.big_lines)
    print(f"\nmemory file: {big} ({big.stat().st_size / 1e6:,.0f} MB, {a.big_lines:,} lines)")
    command = [tool("gpt41cost"), "estimate", "--format", "json"]
    _, small_mem = run_tree_memory([*command, str(small)], env)
    r, mem = run_tree_memory([*command, str(big)], env)
    if r.returncode not in (0, 1):  # 1: the pre-flight rejects the file (over 50,000 lines, 200 MB)
        sys.exit(f"bench: ours failed on {big} (exit {r.returncode}):\n{r.stderr[-2000:]}")
    slope = (mem.pss_mb - small_mem.pss_mb) * 2**20 / (a.big_lines - a.lines)
    print(
        f"ours: {r.seconds:.1f} s wall, exit {r.returncode} "
        f"(1 = pre-flight says OpenAI would reject the file: expected, it is over the batch caps)"
    )
    print(
        f"{'PASS' if mem.pss_mb < BAR_RSS_MB else 'FAIL'}: peak memory of ours (whole process tree, PSS) "
        f"{mem.pss_mb:,.0f} MB on the {big.stat().st_size / 1e6:,.0f} MB file (bar < {BAR_RSS_MB} MB; "
        f"RSS summed over its {mem.processes} processes {mem.rss_mb:,.0f} MB); "
        f"{small_mem.pss_mb:,.0f} MB (RSS sum {small_mem.rss_mb:,.0f} MB) on the {a.lines:,}-line file: "
        f"about {slope:,.0f} bytes more per line"
    )
    if a.big_baseline:
        rb = run_once([sys.executable, "-c", BASELINE, str(big)], env)
        tb, to = json.loads(rb.stdout)["input_tokens"], ours_total(r.stdout)
        print(
            f"baseline on the big file: {rb.seconds:.1f} s, peak RSS {rb.max_rss_kb / 1024:,.0f} MB; "
            f"input tokens baseline {tb:,}, ours {to:,}: {'EQUAL' if tb == to else 'DIFFERENT'}"
        )
    print("load average after " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return mem.pss_mb < BAR_RSS_MB


if __name__ == "__main__":
    main()
