"""Priority processing (review 14): the workload's priority share, request bodies asking for
priority, and requests over the long-context threshold, which priority rates exclude."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from gpt41cost.catalog import load_catalog
from gpt41cost.limits import assess
from gpt41cost.workload import load_workload, workload_demand, workload_profiles

from .conftest import DATA

FIXTURE = str(DATA / "pricing-fixture.yaml")


def _plan_cost(tmp_path: Path, text: str) -> D:
    (tmp_path / "w.yaml").write_text(text)
    catalog = load_catalog(FIXTURE)
    w = load_workload(tmp_path / "w.yaml", catalog)
    profiles, _ = workload_profiles(w, catalog)
    a = assess(workload_demand(w, profiles[0], profiles), catalog, (w.tier,))
    total = sum((c.total_usd or D(0) for c in a.costs), D(0))
    return total


PRIO = """\
model: {model}
input_tokens: 1000
output_tokens: 100
traffic: {{requests_per_day: 10}}
priority_share: {share}
tier: 2
"""


@pytest.mark.parametrize(
    ("model", "share", "usd"),
    [
        # 300 requests a month: standard 1,000 x $2/M + 100 x $8/M = $0.0028; priority 1,000 x $3.50/M
        # + 100 x $14/M = $0.0049; half of each: 150 x 0.0028 + 150 x 0.0049
        pytest.param("gpt-4.1", "0.5", D("1.155"), id="half-at-priority"),
        pytest.param("gpt-4.1", "0", D("0.84"), id="none-at-priority"),
        pytest.param("gpt-4.1", "1", D("1.47"), id="all-at-priority"),
        # a fine-tuned model has no priority prices: its share at standard (3.00/12.00): 300 x 0.0042
        pytest.param("ft:gpt-4.1-2025-04-14:org::x", "0.5", D("1.26"), id="fine-tuned-at-standard"),
    ],
)
def test_plan_prices_the_priority_share(tmp_path: Path, model: str, share: str, usd: D) -> None:
    assert _plan_cost(tmp_path, PRIO.format(model=model, share=share)) == usd


def test_priority_share_with_batch_share_over_1_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "w.yaml").write_text(PRIO.format(model="gpt-4.1", share="0.6") + "batch_share: 0.5\n")
    r = cli("plan", tmp_path / "w.yaml", "--pricing", FIXTURE)
    assert r.exit_code != 0 and r.stdout == ""
    assert "w.yaml:5: priority_share: 0.6 with batch_share 0.5 is more than 1" in r.stderr
    assert "Traceback" not in r.stderr


def test_plan_shows_the_priority_share(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "w.yaml").write_text(PRIO.format(model="gpt-4.1", share="0.25"))
    r = cli("plan", tmp_path / "w.yaml", "--pricing", FIXTURE, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["inputs"]["priority_share"] == 0.25
    text = data["assumptions"]["priority_processing"]
    assert text.startswith("sent at priority processing: 25% of requests (priority_share): priced at priority rates")


def _chat(model: str, tier: str, prompt: int, out: int, day: int) -> str:
    return json.dumps(
        {
            "model": model,
            "created": 1793491200 + day * 86400,
            "service_tier": tier,
            "usage": {"prompt_tokens": prompt, "completion_tokens": out, "prompt_tokens_details": {"cached_tokens": 0}},
        }
    )


def test_emit_workload_keeps_the_priority_share(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A log of 10 requests a day over 2 days, 4 of the 8 gpt-4.1 ones at priority, 2 on a fine-tuned
    model (no priority prices): the workload says 4 / 8, and plan at the observed rate prices the
    observed spend (the plan was 25% under it with priority dropped)."""
    lines = []
    for day in (0, 1):
        for k in range(4):
            lines.append(_chat("gpt-4.1", "priority" if k % 2 else "default", 1000, 100, day))
        lines.append(_chat("ft:gpt-4.1-2025-04-14:org::x", "default", 1000, 100, day))
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "next.yaml"
    r = cli("usage", tmp_path / "log.jsonl", "--tier", "3", "--emit-workload", out, "--pricing", FIXTURE,
            "--as-of", "2026-11-20", "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    observed = D(json.loads(r.stdout)["total_usd"])
    text = out.read_text()
    assert "priority_share: 0.5000" in text and "4 of the 8 requests of models with priority prices" in text
    r = cli("plan", out, "--pricing", FIXTURE, "--as-of", "2026-11-20", "--format", "json")
    assert r.exit_code == 0, r.stderr
    monthly = sum(D(m["monthly_cost_usd"]["total"]) for m in json.loads(r.stdout)["models"])
    # 5 requests a day, exactly the log's: 30 days against the log's 2
    assert monthly == observed * 15


# --------------------------------------------------------------------------- item 4: long context


def _est(**kw):  # type: ignore[no-untyped-def]
    import gpt41cost

    return gpt41cost.estimate(models="gpt-4.1", catalog=FIXTURE, as_of="2026-11-20", **kw)


@pytest.mark.parametrize(
    ("tokens", "usd"),
    [
        # at the threshold: priority, 128,000 x $3.50/M + 1,000 x $14/M
        pytest.param(128_000, "0.462", id="128000-at-priority"),
        # one over: standard, 128,001 x $2/M + 1,000 x $8/M (was $0.4620035 at priority)
        pytest.param(128_001, "0.264002", id="128001-at-standard"),
        # the review's: $0.408, was $0.714
        pytest.param(200_000, "0.408", id="200000-at-standard"),
    ],
)
def test_priority_excludes_long_context(tokens: int, usd: str) -> None:
    e = _est(input_tokens=tokens, output_tokens=1000, priority=True)
    assert e.to_dict()["models"][0]["total_usd"] == usd
    long = [n for n in e.result.notes if "over 128,000 input tokens" in n]
    assert bool(long) == (tokens > 128_000)
    if long:
        assert "'Requests estimated at >128K prompt tokens'" in long[0] and "inferred" in long[0]


def test_plan_prices_long_context_priority_at_standard(tmp_path: Path) -> None:
    text = PRIO.format(model="gpt-4.1", share="1").replace("input_tokens: 1000", "input_tokens: 200000")
    # 300 requests at standard: 200,000 x $2/M + 100 x $8/M = $0.4008 each (was $0.7014 at priority)
    assert _plan_cost(tmp_path, text) == D("120.24")


# --------------------------------------------------------------------------- item 3: service_tier in bodies

CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "What is 2+2?"}], "max_tokens": 200}


def _body(tmp_path: Path, name: str, **extra: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({**CHAT, **extra}))
    return str(path)


def _one(e) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    m = e.to_dict()["models"][0]
    return m["input_tokens_total"], m["total_usd"]


@pytest.mark.parametrize(
    ("tier", "rates", "note"),
    [
        pytest.param("priority", ("3.50", "14.00"), "asks for priority processing", id="priority"),
        pytest.param("fast", ("3.50", "14.00"), "asks for priority processing", id="fast"),
        pytest.param("default", ("2.00", "8.00"), None, id="default"),
        pytest.param("auto", ("2.00", "8.00"), "the project's default tier", id="auto"),
        pytest.param("flex", ("2.00", "8.00"), "does not offer for the GPT-4.1 family", id="flex"),
    ],
)
def test_a_body_service_tier_sets_its_rates(
    tmp_path: Path, tier: str, rates: tuple[str, str], note: str | None
) -> None:
    e = _est(paths=[_body(tmp_path, "r.json", service_tier=tier)])
    tokens, usd = _one(e)
    assert D(usd) == (tokens * D(rates[0]) + 200 * D(rates[1])) / 1_000_000
    found = [n for n in e.result.notes if "service_tier" in n]
    assert (note is None and not found) or (note is not None and note in found[0])


#: review 14's resp.json in kind: a Responses body asking for priority, 22 input tokens on gpt-4.1
#: with max_output_tokens 200 (the review's own file was on its machine only; the test skipped without it)
REVIEW_RESPONSES = {
    "model": "gpt-4.1",
    "input": "Summarise the release notes for version 2 in three bullet points.",
    "service_tier": "priority",
    "max_output_tokens": 200,
}


def test_the_review_responses_body_is_priced_at_priority(tmp_path: Path) -> None:
    path = tmp_path / "resp.json"
    path.write_text(json.dumps(REVIEW_RESPONSES))
    e = _est(paths=[str(path)])
    assert _one(e) == (22, "0.002877")  # 22 x $3.50/M + 200 x $14/M; was $0.001644 at standard
    tokens, usd = _one(e)
    assert D(usd) == (tokens * D("3.50") + 200 * D("14.00")) / 1_000_000  # was at standard
    assert any(n.startswith("1 request of 1 asks for priority processing") for n in e.result.notes)


def test_flags_still_set_every_request(tmp_path: Path) -> None:
    path = _body(tmp_path, "r.json", service_tier="priority")
    tokens, usd = _one(_est(paths=[path], batch=True))
    assert D(usd) == (tokens * D("1.00") + 200 * D("4.00")) / 1_000_000
    e = _est(paths=[_body(tmp_path, "d.json", service_tier="default")], priority=True)
    tokens, usd = _one(e)
    assert D(usd) == (tokens * D("3.50") + 200 * D("14.00")) / 1_000_000
    assert any("--priority sets every request's rates" in n for n in e.result.notes)


def test_a_mixed_file_sums_each_request_at_its_rates(tmp_path: Path) -> None:
    lines = [{**CHAT, "service_tier": "priority"}, CHAT, {**CHAT, "service_tier": "priority"}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    e = _est(paths=[str(tmp_path / "p.jsonl")], per_input=True)
    tokens, usd = _one(e)
    one = tokens // 3
    assert D(usd) == (2 * (one * D("3.50") + 200 * D("14.00")) + one * D("2.00") + 200 * D("8.00")) / 1_000_000
    assert e.to_dict()["inputs"][0]["models"][0]["total_usd"] == usd  # the input's figures sum alike
    assert any(n.startswith("2 requests of 3 ask for priority processing") for n in e.result.notes)


def test_a_batch_line_asking_priority_stays_at_batch_rates(tmp_path: Path) -> None:
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {**CHAT, "service_tier": "priority"},
    }
    (tmp_path / "b.jsonl").write_text(json.dumps(line) + "\n")
    e = _est(paths=[str(tmp_path / "b.jsonl")])
    tokens, usd = _one(e)
    assert D(usd) == (tokens * D("1.00") + 200 * D("4.00")) / 1_000_000
    assert any("of Batch files give a service_tier (priority)" in n for n in e.result.notes)


def test_plan_and_limits_price_a_body_asking_priority(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _body(tmp_path, "a.json", service_tier="priority")
    _body(tmp_path, "b.json")
    (tmp_path / "w.yaml").write_text(
        "model: gpt-4.1\nprompts: ['*.json']\noutput_tokens: 200\ntraffic: {requests_per_day: 10}\ntier: 2\n"
    )
    catalog = load_catalog(FIXTURE)
    w = load_workload(tmp_path / "w.yaml", catalog)
    profiles, _ = workload_profiles(w, catalog)
    a = assess(workload_demand(w, profiles[0], profiles), catalog, (2,))
    i = profiles[0].input_tokens[0]
    each = (i * D("3.50") + 200 * D("14.00") + i * D("2.00") + 200 * D("8.00")) / 1_000_000 / 2
    assert a.costs[0].total_usd == 300 * each  # was 300 x the standard price
    assert a.costs[0].priority_usd == 150 * (i * D("3.50") + 200 * D("14.00")) / 1_000_000
    r = cli("plan", tmp_path / "w.yaml", "--pricing", FIXTURE, "--format", "json")
    assert r.exit_code == 0, r.stderr
    text = json.loads(r.stdout)["assumptions"]["priority_processing"]
    assert text.startswith("sent at priority processing: 1 of the 2 requests measured ask for it in their bodies")
    r = cli("limits", tmp_path / "a.json", "--requests-per-day", "10", "-m", "gpt-4.1", "--pricing", FIXTURE,
            "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "1 of the 1 requests measured ask for it" in json.loads(r.stdout)["assumptions"]["priority_processing"]
