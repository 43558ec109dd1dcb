"""`gpt41cost plan` and its `--check` gate: report on stdout, reasons on stderr, exit codes."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from gpt41cost.catalog import Catalog
from gpt41cost.limits import assess, verdict
from gpt41cost.workload import load_workload, workload_demand, workload_profiles

from .conftest import DATA, ROOT

FIXTURE = str(DATA / "pricing-fixture.yaml")
SAMPLES = ROOT / "samples" / "workloads"
#: The fixture catalog was checked 601 days before the tests' date: plan says so on stderr.
STALE = "gpt41cost: warning: prices last checked 601 days ago; see `gpt41cost pricing`\n"

HAND = """\
model: gpt-4.1
input_tokens: 1000
output_tokens: 500
max_tokens: 500
traffic: {peak_rpm: 300}
tier: 2
min_headroom_pct: 0
"""


@pytest.mark.parametrize(
    ("tier", "headroom", "code"),
    [
        pytest.param(2, "0", 0, id="tier-2-exactly-fits"),
        pytest.param(2, "5", 1, id="tier-2-no-headroom-left"),
        pytest.param(3, "40", 0, id="tier-3-43.75pct-headroom"),
        pytest.param(1, "0", 1, id="tier-1-1500pct"),
    ],
)
def test_gate_on_the_hand_check(cli, tmp_path: Path, tier: int, headroom: str, code: int) -> None:  # type: ignore[no-untyped-def]
    text = HAND.replace("tier: 2", f"tier: {tier}").replace("min_headroom_pct: 0", f"min_headroom_pct: {headroom}")
    (tmp_path / "w.yaml").write_text(text)
    r = cli("plan", tmp_path / "w.yaml", "--check", "--pricing", FIXTURE)
    assert r.exit_code == code, r.stderr
    assert "Plan w:" in r.stdout  # the report is printed either way
    if code:
        assert "gpt41cost: check failed: tier" in r.stderr and "plan check failed" in r.stderr
    else:
        assert r.stderr == STALE


def test_without_check_a_failing_plan_exits_0(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", SAMPLES / "ticket-classifier.yaml", "--pricing", FIXTURE)
    assert r.exit_code == 0 and "FAIL" in r.stdout and r.stderr == STALE


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        pytest.param("support-bot", 0, None, id="support-bot-passes"),
        pytest.param("invoice-extraction", 1, "batch queue at 639.2% of 20,000,000", id="invoice-batch-queue"),
        pytest.param("ticket-classifier", 1, "RPD at 5,000.0% of 10,000", id="classifier-rpd"),
    ],
)
def test_samples_gate(cli, name: str, code: int, reason: str | None) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", SAMPLES / f"{name}.yaml", "--check", "--pricing", FIXTURE)
    assert r.exit_code == code, r.stderr
    if reason:
        assert reason in r.stderr and reason in r.stdout
        assert r.stderr.count("\n") >= 2  # each reason on its own line, then the summary
    else:
        assert r.stderr == STALE
        assert "PASS: tier 5 fits with at least 20% headroom and the plan is within budget." in r.stdout


def test_classifier_hand_figures(catalog: Catalog) -> None:
    # 500,000 x 30 x (380 x $0.40 + 3 x $1.60) / 1M = $2,352.00 a month (gpt-4.1-mini);
    # peak = 500,000 x 4 / 1440 = 1,388.9 req/min; RPD 500,000 of tier 1's 10,000 = 5,000%
    w = load_workload(SAMPLES / "ticket-classifier.yaml", catalog)
    (profile,), _ = workload_profiles(w, catalog)
    a = assess(workload_demand(w, profile), catalog)
    assert a.monthly_spend_usd == D("2352.00")
    assert a.tier(1).model("gpt-4.1-mini").use("rpd").pct == 5000  # type: ignore[union-attr]
    assert [t.cap_fits for t in a.tiers] == [False, False, False, True, True]  # caps $100, $500, $1,000, $5,000
    assert a.lowest_tier == 4
    v = verdict(a, w.tier, w.budget_usd_per_month)
    assert not v.passed and v.reasons[0] == "tier 1 does not fit; the lowest tier that fits is 4"
    assert "over budget" not in " ".join(v.reasons)


def test_support_bot_mix_and_auto_cache(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", SAMPLES / "support-bot.yaml", "-f", "json", "--pricing", FIXTURE)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(m["model"], m["share"]) for m in doc["models"]] == [
        ("gpt-4.1-mini", 0.95),
        ("gpt-4.1", 0.05),
    ]
    assert [m["peak_rpm"] for m in doc["models"]] == [380, 20]  # 400 split by share
    assert doc["inputs"]["prompt_files"] == 8
    assert D(doc["inputs"]["mean_cached_tokens"]) > 1024  # the shared system prompt is cached
    total = doc["total_monthly_cost_usd"]
    assert D(total["total"]) == sum(D(m["monthly_cost_usd"]["total"]) for m in doc["models"])
    assert D(total["total"]) == D(total["standard"]) + D(total["batch"])


def test_plan_json_contract(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", SAMPLES / "invoice-extraction.yaml", "-f", "json", "--pricing", FIXTURE)
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 3
    assert (doc["as_of"], doc["horizon_months"]) == ("2026-12-06", 6)
    assert {
        "schema_version",
        "as_of",
        "horizon_months",
        "catalog_as_of",
        "workload",
        "tier",
        "min_headroom_pct",
        "budget_usd_per_month",
        "inputs",
        "models",
        "total_monthly_cost_usd",
        "budget_used_pct",
        "tiers",
        "lowest_tier",
        "verdict",
    } <= doc.keys()
    assert {
        "model",
        "lifecycle",
        "share",
        "requests_per_day",
        "peak_rpm",
        "monthly_cost_usd",
        "lowest_tier",
        "tiers",
    } <= (doc["models"][0].keys())
    assert {"tier", "rpm_used_pct", "tpm_used_pct", "fits", "headroom_pct", "batch_queue_used_pct"} <= (
        doc["models"][0]["tiers"][0].keys()
    )
    assert {"tier", "fits", "headroom_pct", "max_peak_rpm", "monthly_usage_cap_usd", "cap_used_pct", "reasons"} <= (
        doc["tiers"][0].keys()
    )
    assert doc["verdict"]["pass"] is False and doc["lowest_tier"] == 4
    assert doc["total_monthly_cost_usd"]["batch"] != "0"


def test_markdown_for_a_pull_request(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", SAMPLES / "ticket-classifier.yaml", "--check", "--format", "markdown", "--pricing", FIXTURE)
    assert r.exit_code == 1
    assert r.stdout.startswith("## Plan ticket-classifier: FAIL (tier 1,")
    assert "| model | status | share |" in r.stdout and "- FAIL: tier 1 does not fit" in r.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["nope.yaml"], 3, "no such workload file", id="missing-file"),
        pytest.param([str(SAMPLES / "support-bot.yaml"), "--format", "xml"], 2, "xml", id="bad-format"),
        pytest.param([str(SAMPLES / "support-bot.yaml"), "--chek"], 2, "--chek", id="bad-flag"),
    ],
)
def test_bad_input_exit_codes(cli, args: list[str], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    r = cli(["plan", *args, "--pricing", FIXTURE])
    assert r.exit_code == code
    assert message in r.stderr and "Traceback" not in r.stderr


def test_bad_workload_exits_3_with_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "w.yaml"
    p.write_text(HAND.replace("tier: 2", "teir: 2"))
    r = cli("plan", p, "--check", "--pricing", FIXTURE)
    assert r.exit_code == 3
    assert r.stdout == ""
    assert r.stderr == f"gpt41cost: error: {p}:6: teir: unknown key; did you mean 'tier'?\n"


def test_calibrate_from_usage_records(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # observed on gpt-4.1: outputs 100 and 300 (mean 200), 25% of input served from cache
    log = tmp_path / "log.jsonl"
    rows = [
        {
            "model": "gpt-4.1",
            "usage": {
                "prompt_tokens": 1024,
                "completion_tokens": c,
                "total_tokens": 1024 + c,
                "prompt_tokens_details": {"cached_tokens": k},
            },
        }
        for c, k in ((100, 0), (300, 512))
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    w = tmp_path / "w.yaml"
    w.write_text(
        "model: gpt-4.1\ninput_tokens: 8000\noutput_tokens: 900\nmax_tokens: 1000\n"
        "traffic: {requests_per_day: 1000, peak_rpm: 10}\ntier: 3\n"
    )
    r = cli(["plan", str(w), "--calibrate-from", str(log), "-f", "json", "--pricing", FIXTURE])
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    # 1,000/day x 30 days x (8,000 - 1,920 cached) x $2 + 1,920 x $0.50 + 200 x $8, per 1M tokens
    per_request = (D(6080) * 2 + D(1920) * D("0.5") + D(200) * 8) / 10**6
    assert D(d["total_monthly_cost_usd"]["total"]) == per_request * 30_000
    w.write_text(w.read_text().replace("model: gpt-4.1", "model: gpt-4.1-nano"))
    r = cli(["plan", str(w), "--calibrate-from", str(log), "--pricing", FIXTURE])
    assert r.exit_code == 3
    assert "no usage records for this workload's models (gpt-4.1-nano)" in r.stderr
