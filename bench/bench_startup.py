"""Benchmark: start-up of commands that count nothing, gpt41cost vs ttok (issue 2, "Speed").

    python bench/bench_startup.py [--runs 15]

Times, interleaved and in the same run, ``ttok --help`` (the baseline), ``gpt41cost --help``
and ``gpt41cost pricing`` (table format, as a user types it; stdout is a file, so rich
renders without a terminal). The bar: each takes at most 2.0x the baseline's median wall
time. Also checks that neither gpt41cost command loaded the token vocabulary, and prints
the slowest imports of ``import gpt41cost.cli`` from ``python -X importtime``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Candidate, base_env, load_note, machine, measure, run_once, steal_note, table, tool, verdict

BAR = 2.0

# Run in the child after the command, to see whether the vocabulary or heavy modules were imported.
PROBE = (
    "import sys, atexit\n"
    "def _report():\n"
    "    heavy = [m for m in ('tiktoken', 'rich', 'rich.table', 'yaml', 'orjson', 'decimal', 'typer', 'click')\n"
    "             if m in sys.modules]\n"
    "    sys.stderr.write('MODULES ' + ' '.join(heavy) + '\\n')\n"
    "atexit.register(_report)\n"
    "sys.argv = ['gpt41cost', *sys.argv[1:]]\n"
    "from gpt41cost.cli import main\n"
    "main()\n"
)


def import_offenders(top: int = 15) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module) of the slowest imports under ``import gpt41cost.cli``."""
    r = run_once([sys.executable, "-X", "importtime", "-c", "import gpt41cost.cli"], base_env())
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            depth = len(m.group(3)) // 2
            if depth <= 2:  # top-level imports and their direct children
                rows.append((int(m.group(2)), int(m.group(1)), "  " * depth + m.group(4)))
    total = next((c for c, _, name in rows if name == "gpt41cost.cli"), 0)
    rows.sort(reverse=True)
    print(f"python -X importtime -c 'import gpt41cost.cli': {total / 1e6:.3f} s in total; slowest (cumulative):")
    for cum, own, name in rows[:top]:
        print(f"  {cum / 1e3:8.1f} ms  (self {own / 1e3:6.1f} ms)  {name.strip()}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()

    gpt = tool("gpt41cost")
    cands = [
        Candidate("ttok --help", [tool("ttok"), "--help"]),
        Candidate("gpt41cost --help", [gpt, "--help"]),
        Candidate("gpt41cost pricing", [gpt, "pricing"]),
    ]
    print(f"machine: {machine()}")
    measure(cands, args.runs, args.warmup)
    print()
    print(table(cands, "ttok --help"))
    print(f"after: {machine()}")
    for note in (load_note(), steal_note()):
        if note:
            print(note)
    print()

    for argv in (["--help"], ["pricing"]):
        r = run_once([sys.executable, "-c", PROBE, *argv], base_env())
        mods = next((ln.split()[1:] for ln in r.stderr.splitlines() if ln.startswith("MODULES")), ["?"])
        print(
            f"gpt41cost {' '.join(argv)}: loaded {', '.join(mods) or 'none of the heavy modules'}"
            f"{'  <-- tiktoken imported: vocabulary may be loaded' if 'tiktoken' in mods else ''}"
        )
    print()
    import_offenders()
    print()

    base = cands[0].median
    ok = True
    for c in cands[1:]:
        ratio = c.median / base
        ok &= ratio <= BAR
        print(verdict(c.name, ratio, BAR))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
