"""Deterministic generator of usage JSON *documents* (not JSONL) for bench_memory.py.

- ``page``: one Usage API page (``/v1/organization/usage/completions`` with ``bucket_width=1d``
  and ``group_by=project_id,user_id,api_key_id,model,batch,service_tier``), pretty-printed as the
  API sends it (two-space indent): 31 daily buckets, each with its results, one per group;
- ``page-line``: the same page (the same results, for the same ``--mb``) written on one line
  (``json.dump(page, f)``, no indent);
- ``pages``: a saved series of such pages, a JSON array of page objects (two-space indent);
- ``array``: a pretty-printed (``indent=2``) JSON array of Chat Completions responses
  (gen_usage.py's ``chat``), as ``json.dump(responses, f, indent=2)`` writes it;
- ``array-gzip``: the same, gzip-compressed (level 6).

The document is written to about ``--mb`` megabytes (it stops at the first record past it).

    python bench/gen_documents.py /tmp/page.json --kind page --mb 153
    python bench/gen_documents.py /tmp/responses.json.gz --kind array-gzip --mb 1000
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from gen_usage import DAY0, MODELS, chat

KINDS = ("page", "page-line", "pages", "array", "array-gzip")
BUCKETS_PER_PAGE = 31  # the API's page limit for daily buckets
DAY = 86_400


#: An organisation's projects, users and API keys: a page's results are grouped by them.
_ORG = random.Random(7)
PROJECTS = [f"proj_{_ORG.getrandbits(96):024x}" for _ in range(40)]
USERS = [f"user-{_ORG.getrandbits(96):024x}" for _ in range(400)]
KEYS = [f"key_{_ORG.getrandbits(64):016x}" for _ in range(120)]


def _result(rng: random.Random) -> dict[str, Any]:
    model = rng.choices([m for m, _ in MODELS], weights=[w for _, w in MODELS])[0]
    n = int(rng.lognormvariate(4.0, 1.5)) + 1
    inp = n * (int(rng.lognormvariate(7.0, 1.0)) + 20)
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": inp,
        "output_tokens": n * (int(rng.lognormvariate(5.0, 0.8)) + 1),
        "input_cached_tokens": int(inp * rng.random() * 0.5),
        "input_audio_tokens": 0,
        "output_audio_tokens": 0,
        "num_model_requests": n,
        "project_id": rng.choice(PROJECTS),
        "user_id": rng.choice(USERS) if rng.random() < 0.8 else None,
        "api_key_id": rng.choice(KEYS),
        "model": model,
        "batch": rng.random() < 0.2,
        "service_tier": rng.choice(["default", "default", "default", "flex", "priority", None]),
    }


def _bucket(rng: random.Random, day: int, results: int) -> dict[str, Any]:
    start = DAY0 - DAY0 % DAY + day * DAY
    return {
        "object": "bucket",
        "start_time": start,
        "end_time": start + DAY,
        "results": [_result(rng) for _ in range(results)],
    }


def _page(rng: random.Random, first_day: int, results: int) -> dict[str, Any]:
    return {
        "object": "page",
        "data": [_bucket(rng, first_day + b, results) for b in range(BUCKETS_PER_PAGE)],
        "has_more": True,
        "next_page": f"page_{rng.getrandbits(64):016x}",
    }


def _array(out: IO[bytes], items: Iterator[dict[str, Any]], limit: int, level: int = 0) -> int:
    """Write ``[item, item, ...]`` as ``json.dump(list, indent=2)`` would, the list ``level``
    levels deep, until ``limit`` bytes are written; return the items written."""
    pad = "\n" + "  " * (level + 1)
    out.write(b"[")
    written = n = 0
    for item in items:
        data = (("" if n == 0 else ",") + pad).encode()
        data += json.dumps(item, indent=2).replace("\n", pad).encode()
        out.write(data)
        written += len(data)
        n += 1
        if written >= limit:
            break
    out.write(("\n" + "  " * level + "]").encode())
    return n


def generate(path: Path, kind: str, mb: float, seed: int = 41) -> int:
    """Write the document; return the records (responses or Usage API results) in it."""
    rng = random.Random(seed)
    limit = int(mb * 1_000_000)
    with open(path, "wb", buffering=1 << 20) as raw:
        gz = kind == "array-gzip"
        out: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if gz else raw
        if kind == "page":
            # written a bucket at a time, as json.dumps(page, indent=2) would write it whole
            per_bucket = max(1, limit // (BUCKETS_PER_PAGE * 550))  # ~550 bytes a result at indent 2
            out.write(b'{\n  "object": "page",\n  "data": ')
            buckets = (_bucket(rng, b, per_bucket) for b in range(BUCKETS_PER_PAGE))
            records = _array(out, buckets, limit, level=1) * per_bucket
            out.write(b',\n  "has_more": false,\n  "next_page": null\n}\n')
        elif kind == "page-line":
            per_bucket = max(1, limit // (BUCKETS_PER_PAGE * 550))  # the page above, on one line
            out.write(b'{"object": "page", "data": [')
            for b in range(BUCKETS_PER_PAGE):
                out.write((", " if b else "").encode() + json.dumps(_bucket(rng, b, per_bucket)).encode())
            out.write(b'], "has_more": false, "next_page": null}\n')
            records = per_bucket * BUCKETS_PER_PAGE
        elif kind == "pages":
            per_bucket = 200
            pages = (_page(rng, i * BUCKETS_PER_PAGE, per_bucket) for i in range(10**9))
            records = _array(out, pages, limit) * BUCKETS_PER_PAGE * per_bucket
            out.write(b"\n")
        elif kind in ("array", "array-gzip"):
            records = _array(out, (chat(rng, i) for i in range(10**12)), limit)
            out.write(b"\n")
        else:
            raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        if out is not raw:
            out.close()
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--kind", choices=KINDS, required=True)
    ap.add_argument("--mb", type=float, default=153, help="size of the document, MB (before gzip)")
    ap.add_argument("--seed", type=int, default=41)
    a = ap.parse_args()
    n = generate(a.path, a.kind, a.mb, a.seed)
    print(f"wrote {a.path} ({a.path.stat().st_size:,} bytes, {n:,} records)", file=sys.stderr)


if __name__ == "__main__":
    main()
