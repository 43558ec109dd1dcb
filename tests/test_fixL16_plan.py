"""Session 16, fixL16: the plan's figures as the notes give them (the budget cell, a use just over
its ceiling)."""

from __future__ import annotations

import gpt41cost

# --------------------------------------------------------------------------- cosmetics (item 7)


def _plan(**over: object) -> gpt41cost.Plan:
    doc = {"name": "t", "model": "gpt-4.1", "input_tokens": 1000, "output_tokens": 200,
           "traffic": {"requests_per_day": 1000}, "tier": 1, **over}  # fmt: skip
    return gpt41cost.plan(doc, as_of="2026-06-01")


def test_budget_cell_shows_cents_as_the_notes_do() -> None:
    """The table read '$15.0000 (...% used)' where the note said '$15.00'."""
    text = _plan(budget_usd_per_month=15).render("table")
    assert "$15.00 (" in text and "$15.0000" not in text
    assert "$15.00 budget" in text  # the verdict's note, in the same places


def test_an_over_limit_use_reads_over_its_ceiling() -> None:
    """80.04% of TPM at 20% headroom read 'TPM at 80.0% ... (at most 80.0% ...)'."""
    got = _plan(traffic={"requests_per_day": 1000, "peak_rpm": "20.01"}, min_headroom_pct=20)
    reasons = got.verdict.reasons
    assert "tier 1: gpt-4.1: TPM at 80.04% of 30,000 (at most 80.00% for 20.00% headroom)" in reasons
    # a use well over its ceiling keeps one place
    got = _plan(traffic={"requests_per_day": 1000, "peak_rpm": 30}, min_headroom_pct=20)
    assert "tier 1: gpt-4.1: TPM at 120.0% of 30,000 (at most 80.0% for 20.0% headroom)" in got.verdict.reasons
