"""--calibrate-from gives each model the same figures in estimate and plan (workload.calibrated_figures):
a model the log covers its own mean output and cache, one it does not cover the mean output over
all the log's requests and no cached input (the prompt cache is per model)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest


def _log(path, models):
    """Per-request records: ``models`` maps a snapshot to (requests, completion tokens, cached tokens)."""
    lines = []
    for model, (n, out, cached) in models.items():
        for i in range(n):
            details = {"cached_tokens": cached}
            usage = {"prompt_tokens": 1500, "completion_tokens": out, "prompt_tokens_details": details}
            lines.append(json.dumps({"id": f"{model}-{i}", "created": 1795996800, "model": model, "usage": usage}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _workload(tmp_path, prompted=True):
    path = tmp_path / "wl.yaml"
    size = "prompts: [p.txt]" if prompted else "input_tokens: 1500"
    path.write_text(
        "models: {gpt-4.1-mini: 0.5, gpt-4.1: 0.5}\n"
        f"{size}\n"
        "traffic: {requests_per_day: 1000}\n"
        "tier: 4\n"
        "output_tokens: 300\n"
        "horizon_months: 1\n",
        encoding="utf-8",
    )
    return path


MINI_ONLY = {"gpt-4.1-mini-2025-04-14": (4, 1000, 1024)}
BOTH = {"gpt-4.1-mini-2025-04-14": (4, 1000, 1024), "gpt-4.1-2025-04-14": (4, 200, 0)}


@pytest.mark.parametrize(
    "records, prompted",
    [
        pytest.param(MINI_ONLY, True, id="a-model-the-log-leaves-out"),
        pytest.param(BOTH, True, id="each-logged-model-its-own"),
        pytest.param(MINI_ONLY, False, id="given-input-size"),
    ],
)
def test_plan_prices_a_request_as_estimate_does(cli, tmp_path, records, prompted):
    """A mini-only log: gpt-4.1 cost $0.020422 a request in plan (mini's 1,000 output and its cache
    given to every routed model) against $0.028102 in estimate (no cached input) for a 10,051-token
    prompt; here, 1,500 tokens, the same difference. With both models logged plan blended them by
    the mix; estimate gave each its own."""
    log = _log(tmp_path / "log.jsonl", records)
    (tmp_path / "p.txt").write_text("word " * 1499, encoding="utf-8")
    est = cli.json("estimate", "--input-tokens", "1500", "-m", "gpt-4.1", "-m", "gpt-4.1-mini", "--calibrate-from", log)
    per_request = {m["model"]: Decimal(m["per_request_usd"]) for m in est["models"]}
    plan = cli.json("plan", _workload(tmp_path, prompted), "--calibrate-from", log)
    monthly = {m["model"]: Decimal(m["monthly_cost_usd"]["total"]) for m in plan["models"]}
    assert monthly == {m: usd * 500 * 30 for m, usd in per_request.items()}
    outputs = {m["model"]: m["inputs"]["mean_expected_output_tokens"] for m in plan["models"]}
    cached = {m["model"]: m["inputs"]["mean_cached_tokens"] for m in plan["models"]}
    assert cached["gpt-4.1"] == 0
    assert outputs == ({"gpt-4.1-mini": 1000, "gpt-4.1": 1000} if records is MINI_ONLY else
                       {"gpt-4.1-mini": 1000, "gpt-4.1": 200})  # fmt: skip
    # README: inputs.output_tokens is the mean over all the log's requests ((4 x 1,000 + 4 x 200) / 8)
    assert plan["inputs"]["output_tokens"] == (1000 if records is MINI_ONLY else 600)


def test_plan_names_what_a_model_the_log_leaves_out_rests_on(cli, tmp_path):
    log = _log(tmp_path / "log.jsonl", MINI_ONLY)
    (tmp_path / "p.txt").write_text("word " * 1499, encoding="utf-8")
    out = cli("plan", _workload(tmp_path), "--calibrate-from", log, expect=0).stdout
    lines = out.split("Assumptions:\n", 1)[1].split("Notes:")[0].splitlines()
    said = dict(line.strip().split(": ", 1) for line in lines)
    assert said["expected output/request"] == (
        f"gpt-4.1-mini: 1,000 tokens (observed mean in {log}; for spend); gpt-4.1: 1,000 tokens (none of their "
        f"requests in the log: the mean over all its requests in {log}; for spend)"
    )
    assert said["cached input/request"].endswith(
        f"gpt-4.1: mean 0 tokens (none; none of their requests in the log ({log}), and the prompt cache is per model)"
    )


def test_estimate_and_plan_take_the_one_rule(cli, tmp_path, monkeypatch):
    """Both commands read each model's figures from workload.calibrated_figures: a rule changed
    there (here: 777 output tokens for a model the log does not cover) moves both. estimate kept
    its own copy of the rule in api.py."""
    from gpt41cost import workload

    rule = workload.calibrated_figures

    def changed(cal):
        return replace(rule(cal), output_tokens=777)

    monkeypatch.setattr(workload, "calibrated_figures", changed)
    log = _log(tmp_path / "log.jsonl", MINI_ONLY)
    (tmp_path / "p.txt").write_text("word " * 1499, encoding="utf-8")
    est = cli.json("estimate", "--input-tokens", "1500", "-m", "gpt-4.1", "--calibrate-from", log)
    assert est["models"][0]["output_tokens_total"] == 777
    plan = cli.json("plan", _workload(tmp_path), "--calibrate-from", log)
    outputs = {m["model"]: m["inputs"]["mean_expected_output_tokens"] for m in plan["models"]}
    assert outputs == {"gpt-4.1-mini": 1000, "gpt-4.1": 777}
