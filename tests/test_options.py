"""Each option of `limits` and `plan` changes only what it names (issue #14): one property test per option."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import api
from gpt41cost.catalog import load_catalog
from gpt41cost.limits import Assessment

from .conftest import DATA

CATALOG = load_catalog(DATA / "pricing-fixture.yaml")  # read once: the API takes a path or a Catalog
AS_OF = "2026-12-06"

inputs = st.integers(min_value=1, max_value=300_000)
outputs = st.integers(min_value=0, max_value=30_000)
rpms = st.integers(min_value=1, max_value=200_000)
days = st.integers(min_value=1, max_value=50_000_000)
tiers = st.integers(min_value=1, max_value=5)
shares = st.decimals(min_value=0, max_value=1, places=2)
headrooms = st.decimals(min_value=0, max_value=99, places=1)
MODELS = ("gpt-4.1", "gpt-4.1-mini")


def run(**kw: Any) -> api.Limits:
    return api.limits(models=list(MODELS), catalog=CATALOG, as_of=AS_OF, **kw)


def uses(a: Assessment) -> list[tuple[int, str, Decimal]]:
    """Every rate-limit use of every tier, the figures rate limits are judged on."""
    return [(t.tier, u.key, u.used) for t in a.tiers for m in t.models for u in m.uses]


def fits(a: Assessment) -> list[tuple[int, bool]]:
    return [(t.tier, t.fits) for t in a.tiers]


# 10 examples (30 before): mutants of api.limits and views/limits (only the tier asked for
# assessed, the issue's bug; every tier listed; the lowest tier taken from the tiers listed) fail
# it in 5 seeded runs of 5 at 10 as at 30.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, rpms, tiers, headrooms)
def test_tier_shows_one_tier_and_keeps_the_lowest(
    n_in: int, n_out: int, rpm: int, tier: int, headroom: Decimal
) -> None:
    base = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, min_headroom=headroom)
    one = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, min_headroom=headroom, tier=tier)
    for a, b in zip(base.assessments, one.assessments, strict=True):
        assert a.lowest_tier == b.lowest_tier
        assert a.tier(tier) == b.tier(tier)
    data = one.report().data
    assert [m["lowest_tier"] for m in data["models"]] == [m["lowest_tier"] for m in base.report().data["models"]]
    assert all([t["tier"] for t in m["tiers"]] == [tier] for m in data["models"])


def test_tier_5_reports_the_lowest_tier_of_the_issue() -> None:
    """The issue's case: --tier 5 gave lowest tier 5, 5, 5; without it 2, 1, 1."""
    kw: dict[str, Any] = {"input_tokens": 2000, "output_tokens": 400, "peak_rpm": 50, "as_of": AS_OF}
    lowest = [m["lowest_tier"] for m in api.limits(**kw).report().data["models"]]
    assert lowest == [m["lowest_tier"] for m in api.limits(tier=5, **kw).report().data["models"]]
    assert lowest[0] == 2 and all(t == 1 for t in lowest[1:])


# 15 examples (40 before), with a backlog of one request as an example. Mutants of api.limits, 5
# seeded runs, at 40 -> at 15: the backlog put in the traffic assessed 5/5 -> 5/5, drains only for
# a backlog over 1,000 5/5 -> 5/5.
@settings(max_examples=15, deadline=None)
@given(inputs, outputs, rpms, st.integers(min_value=1, max_value=10_000_000))
@example(1000, 500, 60, 1)
def test_backlog_changes_only_the_drain(n_in: int, n_out: int, rpm: int, backlog: int) -> None:
    base = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm)
    with_backlog = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, backlog=backlog)
    assert base.assessments == with_backlog.assessments
    assert with_backlog.drains and not base.drains


# 10 examples (20 before), with a use of 112.5% (gpt-4.1 at tier 3) under 20% headroom as an example.
# Mutants of limits.py, 5 seeded runs, at 20 -> at 10: the ceiling widened by the headroom
# (_model_tier) 5/5 -> 4/5 without the example, 5/5 with it; the headroom added to the peak assessed
# (_uses) 5/5 -> 5/5.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, rpms, headrooms)
@example(1000, 500, 600, Decimal("20.0"))
def test_min_headroom_changes_only_what_fits(n_in: int, n_out: int, rpm: int, headroom: Decimal) -> None:
    base = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm)
    kept = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, min_headroom=headroom)
    for a, b in zip(base.assessments, kept.assessments, strict=True):
        assert uses(a) == uses(b) and a.costs == b.costs
        # more headroom required never makes a tier fit that did not
        assert all(fa or not fb for (_, fa), (_, fb) in zip(fits(a), fits(b), strict=True))


# 10 examples (20 before): the output tokens reserving TPM in place of max_tokens fails it 5 seeded
# runs in 5 at 10 as at 20.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, st.integers(min_value=1, max_value=30_000), rpms, days)
def test_output_tokens_change_only_spend_when_max_tokens_is_given(
    n_in: int, n_out: int, n_max: int, rpm: int, rpd: int
) -> None:
    """TPM counts the reservation (max_tokens); the expected output only prices the requests."""
    rpd = min(rpd, rpm * 1440)  # the peak minute is at least the day's average
    a = run(input_tokens=n_in, max_tokens=n_max, output_tokens=n_out, peak_rpm=rpm, requests_per_day=rpd)
    b = run(input_tokens=n_in, max_tokens=n_max, output_tokens=n_out + 100, peak_rpm=rpm, requests_per_day=rpd)
    for x, y in zip(a.assessments, b.assessments, strict=True):
        assert uses(x) == uses(y)
        assert all(
            cx.per_request_standard_usd < cy.per_request_standard_usd for cx, cy in zip(x.costs, y.costs, strict=True)
        )


# 10 examples (20 before). Mutants of limits.py, 5 seeded runs, at 20 -> at 10: cached tokens not
# counted toward TPM (_pools) 5/5 -> 5/5; cached tokens billed on top of the input (_cost) 5/5 -> 5/5.
@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1024, max_value=100_000), outputs, rpms, shares)
def test_cache_hit_rate_changes_only_spend(n_in: int, n_out: int, rpm: int, rate: Decimal) -> None:
    """Cached tokens still count toward TPM: the cache changes what requests cost, not the limits."""
    a = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm)
    b = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, cache_hit_rate=rate)
    for x, y in zip(a.assessments, b.assessments, strict=True):
        assert uses(x) == uses(y) and fits(x) == fits(y)
        assert all(
            cy.per_request_standard_usd <= cx.per_request_standard_usd for cx, cy in zip(x.costs, y.costs, strict=True)
        )


# 10 examples (20 before). Mutants of limits.py, 5 seeded runs, at 20 -> at 10: the month taken from
# the peak minute (_cost) 5/5 -> 5/5; the day's volume scaled by the factor (Traffic.from_daily) 5/5 -> 5/5.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, days, st.decimals(min_value=1, max_value=50, places=1))
def test_peak_factor_changes_only_the_peak(n_in: int, n_out: int, rpd: int, factor: Decimal) -> None:
    a = run(input_tokens=n_in, output_tokens=n_out, requests_per_day=rpd)
    b = run(input_tokens=n_in, output_tokens=n_out, requests_per_day=rpd, peak_factor=factor)
    for x, y in zip(a.assessments, b.assessments, strict=True):
        assert [c.total_usd for c in x.costs] == [c.total_usd for c in y.costs]
        assert [c.per_request_standard_usd for c in x.costs] == [c.per_request_standard_usd for c in y.costs]


# 10 examples (20 before), with a day of more than 480 peak minutes as an example: a peak raised to
# three times the day's average minute fails it 5 seeded runs in 5 at 10 as at 20.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, rpms, days)
@example(1000, 500, 10, 1_000_000)
def test_requests_per_day_with_peak_rpm_changes_only_daily_figures(n_in: int, n_out: int, rpm: int, rpd: int) -> None:
    """Given --peak-rpm, the daily volume adds spend, the cap and RPD; RPM and TPM use stay as they were."""
    a = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm)
    b = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, requests_per_day=min(rpd, rpm * 1440))
    for x, y in zip(a.assessments, b.assessments, strict=True):
        keep = {"rpm", "tpm", "rpm_lc", "tpm_lc"}
        assert [u for u in uses(x) if u[1] in keep] == [u for u in uses(y) if u[1] in keep]


# 10 examples (30 before): each model's demand split by the number of models fails it 5 seeded
# runs in 5 at 10 as at 30.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, rpms, st.sampled_from(MODELS))
def test_models_picks_models_without_changing_them(n_in: int, n_out: int, rpm: int, model: str) -> None:
    both = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm)
    one = api.limits(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, models=model, catalog=CATALOG, as_of=AS_OF)
    (a,) = one.assessments
    assert a in both.assessments


# 10 examples (20 before). Mutants of limits._cost, 5 seeded runs, at 20 -> at 10: the batch share left
# on standard prices too 5/5 -> 5/5; the batch mean taken over every request 5/5 -> 5/5.
@settings(max_examples=10, deadline=None)
@given(inputs, outputs, rpms, days, shares)
def test_batch_share_changes_only_the_split(n_in: int, n_out: int, rpm: int, rpd: int, share: Decimal) -> None:
    """Moving requests to the Batch API never changes what one request costs in either mode."""
    rpd = min(rpd, rpm * 1440)  # the peak minute is at least the day's average
    a = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, requests_per_day=rpd)
    b = run(input_tokens=n_in, output_tokens=n_out, peak_rpm=rpm, requests_per_day=rpd, batch_share=share)
    for x, y in zip(a.assessments, b.assessments, strict=True):
        for cx, cy in zip(x.costs, y.costs, strict=True):
            assert (cx.per_request_standard_usd, cx.per_request_batch_usd) == (
                cy.per_request_standard_usd,
                cy.per_request_batch_usd,
            )
            assert cy.total_usd is not None and cx.total_usd is not None and cy.total_usd <= cx.total_usd


# --------------------------------------------------------------------------- plan


def plan(**kw: Any) -> api.Plan:
    w: dict[str, Any] = {
        "models": {"gpt-4.1-mini": "0.8", "gpt-4.1": "0.2"},
        "input_tokens": kw.pop("input_tokens"),
        "output_tokens": kw.pop("output_tokens"),
        "traffic": {"requests_per_day": kw.pop("rpd")},
        "tier": kw.pop("tier", 3),
    }
    w.update(kw)
    return api.plan(w, catalog=CATALOG, as_of=AS_OF)


@settings(max_examples=15, deadline=None)
@given(inputs, outputs, days, tiers, tiers)
def test_plan_tier_changes_only_the_verdict(n_in: int, n_out: int, rpd: int, t1: int, t2: int) -> None:
    a = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd, tier=t1)
    b = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd, tier=t2)
    assert a.assessment == b.assessment
    assert a.assessment.lowest_tier == b.assessment.lowest_tier


@settings(max_examples=15, deadline=None)
@given(inputs, outputs, days, st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=120))
def test_plan_budget_and_horizon_change_only_the_verdict(
    n_in: int, n_out: int, rpd: int, budget: int, months: int
) -> None:
    a = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd)
    b = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd, budget_usd_per_month=budget, horizon_months=months)
    assert a.assessment == b.assessment


@settings(max_examples=15, deadline=None)
@given(inputs, outputs, days, headrooms)
def test_plan_min_headroom_changes_only_what_fits(n_in: int, n_out: int, rpd: int, headroom: Decimal) -> None:
    a = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd)
    b = plan(input_tokens=n_in, output_tokens=n_out, rpd=rpd, min_headroom_pct=str(headroom))
    assert uses(a.assessment) == uses(b.assessment) and a.assessment.costs == b.assessment.costs
    assert all(fa or not fb for (_, fa), (_, fb) in zip(fits(a.assessment), fits(b.assessment), strict=True))


@settings(max_examples=20, deadline=None)
@given(inputs, outputs, days)
def test_plan_substitute_leaves_the_plan_as_it_is(n_in: int, n_out: int, rpd: int) -> None:
    w: dict[str, Any] = {
        "models": {"gpt-4.1-nano": "0.5", "gpt-4.1": "0.5"},
        "input_tokens": n_in,
        "output_tokens": n_out,
        "traffic": {"requests_per_day": rpd},
        "tier": 5,
    }
    a = api.plan(w, catalog=CATALOG, as_of=AS_OF)
    b = api.plan(w, catalog=CATALOG, as_of=AS_OF, substitute=True)
    assert a.assessment == b.assessment and a.verdict == b.verdict and b.alternative is not None
