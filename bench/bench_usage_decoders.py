"""What a line of a usage log costs each candidate decoder: the measurement behind msgspec.

    python bench/bench_usage_decoders.py               # compact and default layouts, 24 MB of each
    python bench/bench_usage_decoders.py --mb 8 --layouts unicode responses

CPU nanoseconds per line (best of 3; json.loads once), on the first MB of the benchmark logs
(bench/gen_usage.py writes them; bench_usage.py generates them on its first run). Each parse's
result is dropped at once, as a reader would. Figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import orjson

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_usage import data_file  # noqa: E402

from gpt41cost.readers import usage as ru  # noqa: E402


def measure(data: bytes) -> dict[str, float]:
    """CPU ns per line of each way to read the lines of ``data`` (whole lines)."""
    lines = data.split(b"\n")
    n = len(lines)

    def per_line(fn: Callable[[], object], reps: int = 3) -> float:
        best = float("inf")
        for _ in range(reps):
            t0 = time.process_time()
            fn()
            best = min(best, time.process_time() - t0)
        return best / n * 1e9

    def each(parse: Callable[[bytes], object]) -> Callable[[], object]:
        return lambda: [None for x in lines if parse(x) is None]  # each result dropped at once

    return {
        "json.loads per line (the baseline's parse)": per_line(each(json.loads), 1),
        "orjson.loads per line (the reference parse)": per_line(each(orjson.loads)),
        "msgspec, untyped, per line": per_line(each(msgspec.json.decode)),
        "msgspec, typed to usage's fields, per line": per_line(lambda: list(map(ru.DECODER.decode, lines))),
        "msgspec, typed, decode_lines on the block": per_line(lambda: ru.DECODER.decode_lines(data)),
        "UTF-8 check of the block (msgspec skips it)": per_line(lambda: data.isascii() or data.decode()),
        "split of the block into lines": per_line(lambda: data.split(b"\n")),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layouts", nargs="+", default=["compact", "default"])
    ap.add_argument("--mb", type=int, default=24)
    ap.add_argument("--lines", type=int, default=1_000_000, help="which generated file (its line count)")
    a = ap.parse_args()
    for layout in a.layouts:
        with open(data_file(HERE / "data", layout, a.lines), "rb") as f:
            data = f.read(a.mb << 20)
        data = data[: data.rfind(b"\n")]
        n = data.count(b"\n") + 1
        print(f"{layout}: {n:,} lines, {len(data) / n:,.0f} bytes a line")
        for name, ns in measure(data).items():
            print(f"  {name:46s} {ns:7,.0f} ns/line")


if __name__ == "__main__":
    main()
