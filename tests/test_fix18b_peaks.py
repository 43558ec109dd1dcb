"""Session 18, fix18b, 5: forecast's peak days resolve model names with usage's Resolver, the one
the forecast's traffic and every usage summary price by (one Resolver for both), not with
``catalog.resolve`` and their own rule for a name that names no model. No name was found that the
two resolved apart: dated names, the alias, a fine-tuned name, a provider's prefix, a blank name,
None, a shut-down model (the second test); the first shows the peaks follow the Resolver given."""

from __future__ import annotations

import datetime as dt

from gpt41cost.catalog import default_catalog_path, load_catalog
from gpt41cost.forecast import _peaks, forecast
from gpt41cost.usage import EPOCH, Accumulator, Resolver, UsageRecord, summarize

NAMES = (
    "gpt-4.1",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-nano-2025-04-14",  # shut down 2026-10-23
    "ft:gpt-4.1-mini-2025-04-14:org::abc",
    "openai/gpt-4.1-mini",
    "azure/gpt-4.1",
    "  ",
    None,
)
DAYS = [dt.date(2026, 10, d) for d in range(1, 21)]


def _acc() -> Accumulator:
    acc = Accumulator()
    for i, d in enumerate(DAYS):
        for j, name in enumerate(NAMES):
            n = 1 + (i * 7 + j * 3) % 11  # a different busiest day for each name
            acc.add(UsageRecord(name, 1000 * n, 0, 100 * n, requests=n, day=(d - EPOCH).days, per_request=False))
    return acc


def test_the_peaks_follow_the_resolver_given() -> None:
    cat = load_catalog(default_catalog_path())
    resolve = Resolver(cat)
    resolve.cache["gpt-4.1"] = resolve.cache["gpt-4.1-2025-04-14"] = "not priced (this test)"
    peaks = _peaks(_acc(), resolve, DAYS[0], DAYS[-1], None, None)
    assert [p.model for p in peaks] == ["gpt-4.1-mini", "gpt-4.1-nano"]


def test_the_peaks_models_are_the_models_usage_prices() -> None:
    cat = load_catalog(default_catalog_path()).on(DAYS[-1])
    acc = _acc()
    f = forecast(summarize(acc, cat), acc, cat, run_date=DAYS[-1])
    resolve = Resolver(cat)
    priced = {r.spec.name for r in map(resolve, NAMES) if not isinstance(r, str)}
    assert [p.model for p in f.peaks] == sorted(priced) == ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"]
