"""A request's own max_tokens above the model's maximum output (32,768 for GPT-4.1; OpenAI refuses
it with a 400): listed as not fitting in every command and taken as the maximum in every figure,
never as written (docs/accounting.md §11, rule "cap over the maximum output"; review2 item 7).
Every figure is checked by hand against gpt-4.1's prices: $2 input, $8 output per 1M tokens, Batch half."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.errors import ParameterError
from gpt41cost.rules import all_rules

from .conftest import Cli

AS_OF = "2026-12-06"
TAGLINE = {"role": "user", "content": "Write a tagline"}  # 3 + 1 ("user") + 3 ("Write a tagline") + 3 = 10 tokens
HUGE = {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 2_000_000, "n": 128}  # the review's request


def write(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body))
    return path


def test_limits_prices_the_maximum_not_the_cap(tmp_path: Path) -> None:
    """No output flag: the expected output is the requests' own cap, taken at the maximum 32,768 a
    choice: 10 x $2/M + 128 x 32,768 x $8/M = $0.00002 + $33.554432 = $33.554452 a request; 100 a day
    for 30 days: 3,000 x $33.554452 = $100,663.356 (was 128 x 2,000,000 x $8/M: $6,144,000.06)."""
    path = write(tmp_path / "huge.json", HUGE)
    warnings: list[str] = []
    r = gpt41cost.limits(str(path), models="gpt-4.1", requests_per_day=100, as_of=AS_OF, on_warning=warnings.append)
    (cost,) = r.assessments[0].costs
    assert cost.per_request_standard_usd == D("0.00002") + D(128 * 32_768 * 8) / 10**6 == D("33.554452")
    assert cost.standard_usd == 3000 * D("33.554452") == D("100663.356")
    doc = r.to_dict()
    inputs = doc["models"][0]["inputs"]
    assert inputs["requests_over_max_output"] == [{"request": str(path), "output_cap_tokens": 2_000_000}]
    assert inputs["mean_output_reservation_tokens"] == 128 * 32_768  # the TPM reservation too
    assert doc["inputs"]["requests_over_max_output"] == inputs["requests_over_max_output"]
    shown = r.render()
    said = f"1 request does not fit: {path} (output cap 2,000,000) asks for more than the maximum output of gpt-4.1"
    assert said in " ".join(shown.split())
    assert any("maximum output of gpt-4.1 (32,768 tokens)" in w for w in r.report().warnings)
    every = gpt41cost.limits(str(path), requests_per_day=100, as_of=AS_OF).report()  # three models, one maximum
    assert sum("(32,768 tokens), which OpenAI refuses" in w for w in every.warnings) == 1


def test_limits_with_an_output_flag_reserves_the_maximum(tmp_path: Path) -> None:
    """--output-tokens 500: the money is 500 a request either way; the reservation was the cap as
    written (40,000) and is now the maximum: at 1 request a minute, TPM used 10 + 32,768 = 32,778."""
    path = write(tmp_path / "over.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 40_000})
    r = gpt41cost.limits(str(path), models="gpt-4.1", peak_rpm=1, output_tokens=500, as_of=AS_OF)
    tier1 = r.assessments[0].tier(1).models[0]
    tpm = tier1.use("tpm")
    assert tpm is not None and tpm.used == 10 + 32_768
    assert r.assessments[0].costs[0].per_request_standard_usd == D("0.00002") + D(500 * 8) / 10**6


def test_estimate_worst_case_at_the_maximum(tmp_path: Path) -> None:
    """Expected (500 default output a choice): 10 x $2/M + 128 x 500 x $8/M = $0.51202; the worst
    case every choice at the maximum: $33.554452 (was $2,048.00002). The request is still listed as
    not fitting, its cap as written."""
    path = write(tmp_path / "huge.json", HUGE)
    e = gpt41cost.estimate(str(path), models="gpt-4.1", as_of=AS_OF)
    (m,) = e.result.models
    assert m.per_request_usd == D("0.51202")
    assert m.worst_case_usd == D("33.554452")
    problems = [f.problem for f in m.misfits]
    assert "output 2,000,000 > max output 32,768 (OpenAI refuses it; figured at 32,768)" in problems


def test_plan_lists_it_and_reserves_the_maximum(tmp_path: Path) -> None:
    """A cap of 40,000 fits the context window, so plan reads it: money 30,000 x (10 x $2/M + 500 x
    $8/M) = 30,000 x $0.00402 = $120.60 a month either way; the reservation is 32,768, not 40,000;
    the request is listed in the JSON and a warning."""
    write(tmp_path / "over.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 40_000})
    w = {
        "model": "gpt-4.1",
        "prompts": [f"{tmp_path}/over.json"],
        "output_tokens": 500,
        "traffic": {"requests_per_day": 1000},
        "tier": 5,
    }
    p = gpt41cost.plan(w, as_of="2026-10-13")
    assert p.assessment.costs[0].total_usd == D("120.6")
    assert p.assessment.demand.profile.reserves == (32_768,)
    doc = p.to_dict()
    over = [{"request": f"{tmp_path}/over.json", "output_cap_tokens": 40_000}]
    assert doc["inputs"]["requests_over_max_output"] == over
    warned = p.report().warnings
    assert any("output cap 40,000" in w and "maximum output of gpt-4.1 (32,768 tokens)" in w for w in warned)


def test_a_cap_within_the_maximum_is_unchanged(tmp_path: Path) -> None:
    """32,768 is the maximum itself: nothing listed, worst case 10 x $2/M + 32,768 x $8/M = $0.262164."""
    path = write(tmp_path / "max.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 32_768})
    (m,) = gpt41cost.estimate(str(path), models="gpt-4.1", as_of=AS_OF).result.models
    assert (m.worst_case_usd, m.misfits) == (D("0.262164"), ())
    r = gpt41cost.limits(str(path), models="gpt-4.1", peak_rpm=1, as_of=AS_OF)
    assert r.to_dict()["models"][0]["inputs"]["requests_over_max_output"] == []


def test_the_rule_is_listed() -> None:
    rule = next(r for r in all_rules(gpt41cost.load_catalog()) if r.name == "cap over the maximum output")
    assert rule.basis == "inference" and "never the cap as written" in rule.text


def test_limits_refuses_a_flag_over_the_maximum(cli: Cli) -> None:
    """--max-tokens or --output-tokens over the maximum is refused, as plan refuses a workload's."""
    for flag in ("max_tokens", "output_tokens"):
        with pytest.raises(ParameterError, match=r"40,000 is over gpt-4\.1.s maximum output of 32,768 tokens"):
            gpt41cost.limits(input_tokens=10, peak_rpm=1, models="gpt-4.1", as_of=AS_OF, **{flag: 40_000})
    run = cli("limits", "--input-tokens", "10", "--max-tokens", "40000", "--peak-rpm", "1", expect=2)
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "gpt41cost: error: --max-tokens: 40,000 is over gpt-4.1's maximum output of 32,768 tokens; give 32,768 or less"
    ]
    assert gpt41cost.limits(input_tokens=10, peak_rpm=1, max_tokens=32_768, as_of=AS_OF).assessments


def test_estimate_refuses_an_output_flag_over_the_maximum(tmp_path: Path, cli: Cli) -> None:
    """estimate's --output-tokens over the maximum is refused like limits' (it listed every request
    as not fitting and priced 40,000 output tokens each); 32,768 is still taken."""
    with pytest.raises(ParameterError, match=r"40,000 is over gpt-4\.1-mini.s maximum output of 32,768 tokens"):
        gpt41cost.estimate(input_tokens=10, output_tokens=40_000, models="gpt-4.1-mini", as_of=AS_OF)
    path = write(tmp_path / "ok.json", {"model": "gpt-4.1", "messages": [TAGLINE]})
    run = cli("estimate", str(path), "--output-tokens", "40000", expect=2)
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "gpt41cost: error: --output-tokens: 40,000 is over gpt-4.1's maximum output of 32,768 tokens;"
        " give 32,768 or less"
    ]
    top = gpt41cost.estimate(input_tokens=10, output_tokens=32_768, models="gpt-4.1", as_of=AS_OF).to_dict()
    assert D(top["models"][0]["per_request_usd"]) == D(10 * 2 + 32_768 * 8) / 1_000_000  # 0.262164
