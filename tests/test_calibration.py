"""Calibration from distributions, not means (issue #14): the log's cached tokens by prompt size."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import api
from gpt41cost.catalog import load_catalog
from gpt41cost.cost import TokenUsage, price
from gpt41cost.usage import Accumulator, calibrate

from .conftest import DATA, ROOT

LOG = ROOT / "samples" / "calibration" / "support-log.jsonl"
SUPPORT = ROOT / "samples" / "support"
AS_OF = "2026-12-06"
CATALOG = load_catalog(DATA / "pricing-fixture.yaml")


def _log_mean_cached(lo: int, hi: int) -> Decimal:
    rows = [json.loads(line)["usage"] for line in LOG.read_text().splitlines()]
    near = [r for r in rows if lo <= r["prompt_tokens"] < hi]
    return Decimal(sum(r["prompt_tokens_details"]["cached_tokens"] for r in near)) / len(near)


def test_cached_1024_to_1408_stays_cached() -> None:
    """2/3 of the log's requests had 1,024-1,408 of about 1,650 input tokens cached: a mean hit rate
    under 1,024 tokens gave every prompt 0; by prompt size they get about the log's own figure."""
    r = api.estimate([str(SUPPORT)], calibrate_from=[str(LOG)], models="gpt-4.1-mini", as_of=AS_OF)
    (m,) = r.result.models
    per_request = Decimal(m.usage.cached_input_tokens) / m.requests
    log_mean = _log_mean_cached(1536, 1792)  # the support prompts are 1,536-1,791 tokens
    assert abs(per_request - log_mean) <= log_mean / 10
    assert "from the log's requests of the same size" in dict(r.report().assumptions)["cached input"]


def test_plan_takes_the_same_cached_tokens(tmp_path: Path) -> None:
    w = {
        "model": "gpt-4.1-mini",
        "prompts": [str(SUPPORT / "*.txt")],
        "output_tokens": 300,
        "traffic": {"requests_per_day": 20000},
        "tier": 5,
    }
    p = api.plan(w, calibrate_from=[str(LOG)], as_of=AS_OF)
    e = api.estimate([str(SUPPORT)], calibrate_from=[str(LOG)], models="gpt-4.1-mini", as_of=AS_OF)
    assert sum(p.assessment.demand.profile.cached_tokens) == e.result.models[0].usage.cached_input_tokens


def test_explicit_flags_win() -> None:
    r = api.estimate([str(SUPPORT)], calibrate_from=[str(LOG)], models="gpt-4.1-mini", cache_hit_rate="0", as_of=AS_OF)
    assert r.result.models[0].usage.cached_input_tokens == 0


# --------------------------------------------------------------------------- property


def _records(seed: int) -> list[tuple[int, float, int]]:
    """1 to 60 requests: (input 1 to 20,000, the share of it cached, output 100 to 4,000), the
    share none or all a fifth of the time; in half the logs, every request of one of up to 4 kinds
    (an input and its share), as a log of a few prompts is. Built from a seed: hypothesis drew each
    field on its own (up to 180 draws an example), which cost more than the law's own work."""
    rnd = random.Random(seed)

    def kind() -> tuple[int, float]:
        return rnd.randint(1, 20_000), rnd.choice((0.0, 1.0)) if rnd.random() < 0.2 else rnd.random()

    kinds = [kind() for _ in range(rnd.randint(1, 4))] if rnd.random() < 0.5 else None
    return [(*(rnd.choice(kinds) if kinds else kind()), rnd.randint(100, 4_000)) for _ in range(rnd.randint(1, 60))]


records = st.integers(0, 2**64).map(_records)


# 30 examples (100 before), with one band holding requests of two cached sizes as an example (the
# first one uncached): mutants of usage.calibrate and cached_for, 5 seeded runs, at 100 -> at 30:
# a band's cached tokens summed without their counts 1/5 -> 5/5, the band never used (the hit
# rate instead) 5/5 -> 5/5, the output mean over one request more 5/5 -> 5/5. At 15, 5 seeded runs:
# a band's first or later cached tokens without their count, the band never used, the output mean
# over one request more 5/5 each, as at 30.
@settings(max_examples=15, deadline=None)
@given(records)
@example([(10_000, 0.0, 100), (10_000, 1.0, 100), (10_000, 1.0, 100)])
@example([(20_000, 1.0, 100)] + [(1_100, 0.0, 100)] * 10)  # the large prompt cached, the small ones not
def test_calibration_reproduces_the_logs_own_cost(rows: list[tuple[int, float, int]]) -> None:
    """Applied to the log's own requests, the calibration gives the log's cost within 2%."""
    acc = Accumulator()
    step, low = CATALOG.cache_step_tokens, CATALOG.cache_min_tokens
    log = []
    for inp, share, out in rows:
        cached = 0 if inp < low else int(inp * share) // step * step
        acc.add_tokens(("gpt-4.1", False, "default", None, None, None, None), 1, inp, cached, out)
        log.append((inp, cached, out))
    (cal,) = calibrate(acc, CATALOG).models.values()
    model = CATALOG.resolve("gpt-4.1")
    actual = sum((price(TokenUsage(i, c, o), model).total_usd for i, c, o in log), Decimal(0))
    out = int(cal.output_tokens_mean.to_integral_value())
    calibrated = sum(
        (price(TokenUsage(i, cal.cached_for(i, low, step) or 0, out), model).total_usd for i, _, _ in log), Decimal(0)
    )
    assert abs(calibrated - actual) <= actual * Decimal("0.02")
