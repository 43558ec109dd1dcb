"""Write samples/bill-2026-11/: a month of Usage API and Costs API pages for the bill features.

Usage: python -m tools.make_bill_samples   (from the repository root)

A fictional organization in November 2026: gpt-4.1 (project proj_support, standard), gpt-4.1-mini
(proj_support, standard) and gpt-4.1-mini through the Batch API (proj_search); weekdays busier
than weekends, traffic growing 1% a day. Deterministic: no randomness, so the files only change
when this script does.

- completions/page-001.json .. : GET /v1/organization/usage/completions pages, daily buckets
  grouped by model, batch, service_tier and project_id, 7 buckets a page, chained by next_page.
- costs/page-001.json, costs/page-002.json: GET /v1/organization/costs pages by line item, each
  token line at the catalog's prices, except on purpose: 2026-11-12 is billed 3% over, and
  2026-11-18 holds a line item the catalog does not price ("web search tool calls", $0.50).
- cost-export.csv: the same costs as the dashboard's cost CSV export (one row per day and line item).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from gpt41cost.catalog import default_catalog_path, load_catalog, rates_for
from gpt41cost.cost import TokenUsage, cost_of

OUT = Path(__file__).parent.parent / "samples" / "bill-2026-11"
DAYS = 30
START = dt.date(2026, 11, 1)
OVER_DAY = dt.date(2026, 11, 12)
OVER = Decimal("1.03")
UNKNOWN_DAY = dt.date(2026, 11, 18)
UNKNOWN_ITEM = ("web search tool calls", Decimal("0.50"))
PAGE_BUCKETS = 7

#: (model snapshot, project, batch, requests per weekday, input/request, cached share %, output/request).
#: Long prompts and few requests: a request log of the same month stays small enough to build in a test.
STREAMS = (
    ("gpt-4.1-2025-04-14", "proj_support", False, 900, 60_000, 30, 4_000),
    ("gpt-4.1-mini-2025-04-14", "proj_support", False, 2_000, 40_000, 35, 3_000),
    ("gpt-4.1-mini-2025-04-14", "proj_search", True, 1_000, 100_000, 0, 10_000),
)


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _results(day: dt.date, index: int) -> list[dict[str, object]]:
    weekend = day.weekday() >= 5
    out = []
    for model, project, batch, weekday_requests, inp, cached_pct, outp in STREAMS:
        factor = Decimal("0.6" if weekend else "1") * (Decimal("1.01") ** index)
        n = int(weekday_requests * factor)
        # a little per-day variety in sizes, fixed by the day number
        wobble = 1 + ((index * 7) % 5 - 2) / 100
        input_tokens = int(n * inp * wobble)
        cached = input_tokens * cached_pct // 100 // 128 * 128
        out.append(
            {
                "object": "organization.usage.completions.result",
                "input_tokens": input_tokens,
                "output_tokens": int(n * outp * wobble),
                "input_cached_tokens": cached,
                "input_audio_tokens": 0,
                "output_audio_tokens": 0,
                "num_model_requests": n,
                "project_id": project,
                "user_id": None,
                "api_key_id": None,
                "model": model,
                "batch": batch,
                "service_tier": None if batch else "default",
            }
        )
    return out


def _dump(value: object) -> str:
    return json.dumps(value, indent=1, default=_num) + "\n"


def _num(o: object) -> object:
    if isinstance(o, Decimal):
        f = float(o)
        if Decimal(repr(f)) != o:  # JSON numbers are read back as exact decimals: keep them exact
            raise ValueError(f"{o} does not survive as a JSON number")
        return f
    raise TypeError(type(o).__name__)


def main() -> None:
    catalog = load_catalog(default_catalog_path())
    buckets = []
    cost_buckets = []
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        results = _results(day, i)
        buckets.append(
            {"object": "bucket", "start_time": _epoch(day), "end_time": _epoch(day) + 86400, "results": results}
        )
        lines: dict[str, Decimal] = {}
        for r in results:
            resolved = catalog.resolve(str(r["model"]))
            mode = "batch" if r["batch"] else "standard"
            cost = cost_of(
                TokenUsage(int(r["input_tokens"]), int(r["input_cached_tokens"]), int(r["output_tokens"])),  # type: ignore[call-overload]
                rates_for(resolved, mode),
            )
            tail = ", batch" if mode == "batch" else ""
            for piece, usd in (
                ("input", cost.uncached_input_usd),
                ("cached input", cost.cached_input_usd),
                ("output", cost.output_usd),
            ):
                if usd:
                    key = f"{r['model']}, {piece}{tail}"
                    lines[key] = lines.get(key, Decimal(0)) + usd
        if day == OVER_DAY:
            lines = {k: v * OVER for k, v in lines.items()}
        if day == UNKNOWN_DAY:
            lines[UNKNOWN_ITEM[0]] = UNKNOWN_ITEM[1]
        cost_buckets.append(
            {
                "object": "bucket",
                "start_time": _epoch(day),
                "end_time": _epoch(day) + 86400,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": v, "currency": "usd"},
                        "line_item": k,
                        "project_id": None,
                    }
                    for k, v in lines.items()
                ],
            }
        )
    for sub in ("completions", "costs"):
        (OUT / sub).mkdir(parents=True, exist_ok=True)
        for old in (OUT / sub).glob("page-*.json"):
            old.unlink()
    _pages(buckets, OUT / "completions", PAGE_BUCKETS, "usage")
    _pages(cost_buckets, OUT / "costs", 15, "costs")
    with open(OUT / "cost-export.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "start_time",
                "end_time",
                "start_time_iso",
                "end_time_iso",
                "amount_value",
                "amount_currency",
                "line_item",
                "project_id",
                "organization_id",
                "organization_name",
            ]
        )
        for b in cost_buckets:
            start = int(b["start_time"])  # type: ignore[call-overload]
            iso = dt.datetime.fromtimestamp(start, dt.UTC).isoformat()
            end_iso = dt.datetime.fromtimestamp(start + 86400, dt.UTC).isoformat()
            for r in b["results"]:  # type: ignore[attr-defined]
                w.writerow(
                    [
                        start,
                        start + 86400,
                        iso,
                        end_iso,
                        r["amount"]["value"],
                        "usd",
                        r["line_item"],
                        "",
                        "org-sample",
                        "Sample Org",
                    ]
                )


def _pages(buckets: list[dict[str, object]], folder: Path, per_page: int, name: str) -> None:
    chunks = [buckets[i : i + per_page] for i in range(0, len(buckets), per_page)]
    for n, chunk in enumerate(chunks, 1):
        more = n < len(chunks)
        page = {
            "object": "page",
            "data": chunk,
            "has_more": more,
            "next_page": f"{name}_page_{n + 1:03d}" if more else None,
        }
        (folder / f"page-{n:03d}.json").write_text(_dump(page), encoding="utf-8")


if __name__ == "__main__":
    main()
