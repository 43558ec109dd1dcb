"""Benchmark: telling a request file's kind from its head (``readers.requests.detect_kind``).

    python bench/bench_detect.py [--runs 15] [--escapes 1100000]

Times, in this process, ``detect_kind`` on first lines that are long for their escapes: one Chat
request whose content is ``\\u00a0`` (an escaped no-break space) ``--escapes`` times (6.6 MB at
the default), and two such lines of a JSONL file of fine-tuning examples, where the first line is
also parsed. Prints the median and the minimum CPU seconds of each. The tree imported is the one
first on ``sys.path`` (this checkout; put another on PYTHONPATH to time it). No bar: a figure for
commits (session 18: the regex that found a string's end walked every escape).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gpt41cost.readers.requests import detect_kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--escapes", type=int, default=1_100_000)
    args = ap.parse_args()
    line = '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "' + "\\u00a0" * args.escapes + '"}]}\n'
    trains = line.replace('"user"', '"assistant"')
    cases = {"chat request": (line.encode(), "chat"), "finetune JSONL": ((trains + line).encode(), "finetune")}
    import gpt41cost

    print(f"gpt41cost from {Path(gpt41cost.__file__).parent}")
    for name, (head, kind) in cases.items():
        got = detect_kind("bench", head)
        assert got == kind, (name, got)
        times = []
        for _ in range(args.runs):
            t = time.process_time()
            detect_kind("bench", head)
            times.append(time.process_time() - t)
        print(
            f"{name:15} {len(head) / 1e6:5.1f} MB: median {statistics.median(times):.4f} CPU s, "
            f"min {min(times):.4f} ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
