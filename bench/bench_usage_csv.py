"""Benchmark `gpt41cost usage` on a usage dashboard CSV export against a plain csv loop.

    python bench/bench_usage_csv.py                   # 1,000,000 rows, 3 runs
    python bench/bench_usage_csv.py --rows 100000 --runs 1

The export (bench/data/usage-export-<rows>.csv, generated once, deterministically; git ignores
bench/data/) has the dashboard's 17 columns, one row per day, project, user, API key, model,
Batch flag and tier, as the dashboard groups them; about 160 bytes a row.

Both sides run as fresh processes, alternating, after one untimed run of each (bench/_common.py):

- baseline: a plain Python loop, ``csv.reader`` over the file, summing ``num_model_requests``,
  ``input_tokens``, ``input_cached_tokens`` and ``output_tokens`` with ``int``;
- ours: ``python -m gpt41cost usage FILE --format json --no-progress`` (start-up, catalog, the
  checks of every row, pricing per group and rendering included).

Prints the median wall and CPU seconds, CPU microseconds a row, the ratios ours/baseline and
whether the totals are equal. No issue sets a bar for CSV exports: the figures are there to hold
the reader's speed from one change to the next (CPU seconds and per-row figures are the steady
ones on a shared machine). Figures only: nothing here is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _common import DATA, Candidate, base_env, load_note, machine, measure, steal_note, table  # noqa: E402

HEADER = (
    "start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,api_key_id,model,batch,"
    "service_tier,input_tokens,output_tokens,input_cached_tokens,input_uncached_tokens,input_audio_tokens,"
    "output_audio_tokens"
)
MODELS = ("gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14", "gpt-4.1")
DAY0 = 1764547200  # 2025-12-01T00:00:00Z

BASELINE = r"""
import csv, json, sys
n = i = c = o = 0
with open(sys.argv[1], newline="") as f:
    rows = csv.reader(f)
    h = next(rows)
    R, I, O, C = (h.index(k) for k in ("num_model_requests", "input_tokens", "output_tokens", "input_cached_tokens"))
    for row in rows:
        n += int(row[R])
        i += int(row[I])
        o += int(row[O])
        c += int(row[C])
print(json.dumps({"requests": n, "input_tokens": i, "cached_input_tokens": c, "output_tokens": o}))
"""


def generate(path: Path, rows: int) -> None:
    rng = random.Random(7)
    iso = [dt.datetime.fromtimestamp(DAY0 + 86400 * d, dt.UTC).isoformat() for d in range(31)]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\n")
        for n in range(rows):
            d = n % 30
            inp = rng.randint(1000, 900_000)
            cached = rng.randint(0, inp // 2)
            f.write(
                f"{DAY0 + 86400 * d},{DAY0 + 86400 * (d + 1)},{iso[d]},{iso[d + 1]},proj_{n % 7},"
                f"{rng.randint(1, 500)},user_{n % 13},key_{n % 5},{MODELS[n % 4]},{'TRUE' if n % 9 == 0 else 'FALSE'},"
                f"default,{inp},{rng.randint(10, 90_000)},{cached},{inp - cached},0,0\n"
            )
    tmp.replace(path)


def _totals(doc: dict[str, int]) -> tuple[int, ...]:
    return tuple(doc[k] for k in ("requests", "input_tokens", "cached_input_tokens", "output_tokens"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    path = DATA / f"usage-export-{a.rows}.csv"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        print(f"generating {path} ...", flush=True)
        generate(path, a.rows)
    print(f"{machine()}; {path.name}: {a.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB")
    base = Candidate("baseline (csv.reader loop)", [sys.executable, "-c", BASELINE, str(path)], base_env())
    ours = Candidate(
        "gpt41cost usage",
        [sys.executable, "-m", "gpt41cost", "usage", str(path), "--format", "json", "--no-progress"],
        base_env(),
    )
    measure([base, ours], a.runs)
    print(table([base, ours], base.name))
    pairs = zip(base.runs, ours.runs, strict=True)
    equal = all(_totals(json.loads(b.stdout)) == _totals(json.loads(o.stdout)) for b, o in pairs)
    print(
        f"ours: {ours.cpu_median / a.rows * 1e6:.2f} CPU us a row (baseline {base.cpu_median / a.rows * 1e6:.2f}); "
        f"CPU ratio {ours.cpu_median / base.cpu_median:.2f}; wall ratio {ours.median / base.median:.2f}; "
        f"totals equal: {equal}"
    )
    for note in (steal_note(), load_note()):
        if note:
            print(note)


if __name__ == "__main__":
    main()
