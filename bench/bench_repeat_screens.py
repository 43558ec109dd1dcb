"""What an exact check for a scalar key given twice would cost the usage fast path (#18).

    python bench/bench_repeat_screens.py                      # every layout, 20,000 lines each
    python bench/bench_repeat_screens.py --layouts compact batch --reps 5

The fast path (msgspec, typed to the fields ``usage`` reads) reads ``"prompt_tokens"`` given twice
in a record last-wins, as every JSON parser does; it finds an object key given twice for nothing
(it counts the structs the decoder builds), but the decoder builds nothing for a number or a
string. The exact checks measured here, on the first ``--lines`` lines of each benchmark log
(bench/gen_usage.py writes them; ``--data``: where they are), a CHUNK_BYTES block at a time as
the fast path reads them:

- ``fast path``: ``scan_stream`` over the lines, ids logged as a worker logs them: the base;
- ``count KEY``: ``bytes.count`` of one quoted key the fast path reads, once per block. A block
  gives no record that key twice when the count equals the records that carry it (a key's name
  inside a string value or an object the fast path skips only makes the count larger, which
  would send the block to the full parse: ``fallback`` is how many blocks of the log that is);
- ``all keys``: the sum over the keys the fast path reads in that layout (the exact check);
- ``count _tokens"``: one pass for every ``*_tokens`` key (also the unread ``total_tokens``,
  ``reasoning_tokens``, ...: their number per record is not known to the fast path);
- ``count \\n``: one pass of one byte, the floor for any check that reads the whole block;
- ``usage as Raw`` (Chat layouts): ``usage`` decoded as ``msgspec.Raw`` and the joined spans
  decoded by a usage decoder, so that only they need counting; ``+3 counts``: with the three
  usage keys counted in the joined spans (the top-level keys are still unchecked).

CPU nanoseconds per line and the share of the fast path's, medians of ``--reps`` runs (what
Raw adds: the median of its differences from the typed decode, run alternately). gzip is
the default layout's content: its fast path adds the inflate (zlib). Figures only.
"""

from __future__ import annotations

import argparse
import gzip
import io
import statistics
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path

import msgspec
import orjson

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_usage import data_file  # noqa: E402

from gpt41cost.readers import usage as ru  # noqa: E402
from gpt41cost.usage import Accumulator  # noqa: E402

LAYOUTS = ("compact", "default", "reordered", "extra", "unicode", "responses", "batch", "gzip")
# "prompt_tokens (no closing quote) is also "prompt_tokens_details", which the fast path reads too
CHAT = (b'"prompt_tokens', b'"completion_tokens"', b'"cached_tokens"', b'"model"', b'"id"', b'"created"',
        b'"service_tier"')  # fmt: skip
RESPONSES = (b'"input_tokens', b'"output_tokens"', b'"cached_tokens"', b'"model"', b'"id"', b'"created_at"',
             b'"service_tier"')  # fmt: skip
BATCH = (*CHAT, b'"status_code"', b'"error"', b'"custom_id"')


def carriers(line: bytes) -> dict[bytes, int]:
    """How many times each key a clean record of its kind holds, where the fast path reads it."""
    o = orjson.loads(line)
    c: dict[bytes, int] = {}

    def response(r: dict[str, object]) -> None:
        u = r["usage"]
        assert isinstance(u, dict)
        chat = "prompt_tokens" in u
        d = u.get("prompt_tokens_details" if chat else "input_tokens_details")
        c[b'"prompt_tokens' if chat else b'"input_tokens'] = 1 + (d is not None)
        c[b'"completion_tokens"' if chat else b'"output_tokens"'] = 1
        c[b'"cached_tokens"'] = int(isinstance(d, dict) and "cached_tokens" in d)
        c[b'"model"'] = 1
        c[b'"id"'] = c.get(b'"id"', 0) + ("id" in r)
        c[b'"created"' if chat else b'"created_at"'] = 1
        c[b'"service_tier"'] = int("service_tier" in r)

    if "custom_id" in o:
        body = o["response"]["body"]
        c[b'"id"'] = int("id" in o)
        c[b'"custom_id"'] = c[b'"status_code"'] = 1
        c[b'"error"'] = int("error" in o) + ("error" in body)
        response(body)
    else:
        response(o)
    return c


class _Usage(msgspec.Struct, gc=False):
    prompt_tokens: int
    completion_tokens: int


class _Typed(msgspec.Struct, gc=False):
    model: str
    usage: _Usage
    created: int
    id: str | None = None
    service_tier: str | None = None


class _RawUsage(msgspec.Struct, gc=False):
    model: str
    usage: msgspec.Raw
    created: int
    id: str | None = None
    service_tier: str | None = None


def blocks_of(data: bytes) -> list[bytes]:
    """``data`` cut as the fast path cuts it: CHUNK_BYTES, then on to the next newline."""
    out, start = [], 0
    while len(data) - start > ru.CHUNK_BYTES:
        cut = data.find(b"\n", start + ru.CHUNK_BYTES) + 1
        out.append(data[start:cut])
        start = cut
    out.append(data[start:])
    return out


def cpu(fn: Callable[[], object], reps: int, against: Callable[[], object] | None = None) -> float:
    """Median CPU seconds of ``fn`` over ``reps`` runs; with ``against``: the median of the
    differences ``fn`` - ``against``, the two run alternately (a loaded machine drifts)."""
    runs = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        t1 = time.process_time()
        if against is not None:
            against()
        runs.append((t1 - t0) - (time.process_time() - t1 if against is not None else 0.0))
    return statistics.median(runs)


def measure(layout: str, data: bytes, reps: int) -> None:
    """Print the figures of one layout (``data``: its first lines)."""
    n = data.count(b"\n")
    blocks = blocks_of(data)
    packed = gzip.compress(data) if layout == "gzip" else b""

    def fast() -> None:
        text = zlib.decompress(packed, 31) if packed else data
        seen = ru._Seen(ru.MAX_IDS, log=True)  # as a worker: ids logged for the parent
        ru.scan_stream(io.BytesIO(text), ru.Sink(Accumulator(), "bench", False, seen))

    base = cpu(fast, reps)
    print(f"{layout}: {n:,} lines, {len(data) / n:,.0f} bytes a line, {len(blocks)} blocks; "
          f"fast path {base / n * 1e9:,.0f} ns/line")  # fmt: skip

    def row(name: str, seconds: float, extra: str = "") -> None:
        print(f"  {name:28s} {seconds / n * 1e9:6,.0f} ns/line {100 * seconds / base:6.1f}%  {extra}")

    def count(key: bytes) -> Callable[[], object]:
        return lambda: [b.count(key) for b in blocks]

    keys = BATCH if layout == "batch" else RESPONSES if layout == "responses" else CHAT
    expected: list[Counter[bytes]] = []
    for b in blocks:
        expected.append(Counter())
        for line in b.splitlines():
            expected[-1].update(carriers(line))
    total = 0.0
    for key in keys:
        t = cpu(count(key), reps)
        total += t
        falls = sum(b.count(key) != e.get(key, 0) for b, e in zip(blocks, expected, strict=True))
        row(f"count {key.decode()}", t, f"fallback {falls}/{len(blocks)} blocks")
    row(f"all {len(keys)} keys", total)
    row('count _tokens"', cpu(count(b'_tokens"'), reps))
    row("count \\n", cpu(count(b"\n"), reps))
    if keys is CHAT:
        typed, raw_dec, usage_dec = (msgspec.json.Decoder(t) for t in (_Typed, _RawUsage, _Usage))
        get = attrgetter("usage")

        def raw(counted: tuple[bytes, ...]) -> Callable[[], object]:
            def run() -> None:
                for b in blocks:
                    joined = b"\n".join(map(get, raw_dec.decode_lines(b)))
                    usage_dec.decode_lines(joined)
                    for key in counted:
                        joined.count(key)

            return run

        def decode() -> None:
            for b in blocks:
                typed.decode_lines(b)

        row("usage as Raw (added)", cpu(raw(()), reps, decode))
        row("usage as Raw, +3 counts", cpu(raw(keys[:3]), reps, decode))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS))
    ap.add_argument("--lines", type=int, default=20_000, help="the first this many lines of each log")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--data", type=Path, default=HERE / "data", help="usage-<layout>-1000000.jsonl (made if absent)")
    a = ap.parse_args()
    for layout in a.layouts:
        with open(data_file(a.data, "default" if layout == "gzip" else layout, 1_000_000), "rb") as f:
            measure(layout, b"".join(f.readline() for _ in range(a.lines)), a.reps)


if __name__ == "__main__":
    main()
