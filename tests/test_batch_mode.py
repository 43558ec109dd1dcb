"""A Batch file's requests go through the Batch API; every other input is an online request
(docs/accounting.md §8, "Batch files"). estimate, limits and plan price the same inputs the same
way: a run mixing a Batch file and a request file sums each input's cost at its own rates, and a
Batch file's requests count against the batch queue, not the online RPM, TPM and RPD.

Inputs (from a user trial): chat-tools.json, one Chat request of 1,724 input tokens on
gpt-4.1-mini with max_tokens 400; batch.jsonl, 5 Batch lines of 40 input tokens, max_tokens 200.
gpt-4.1-mini: $0.40 / $1.60 per 1M input / output tokens, Batch $0.20 / $0.80.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import gpt41cost
from gpt41cost.estimate import whole_tokens

DATA = Path(__file__).parent / "data" / "batch_mode"
CHAT = str(DATA / "chat-tools.json")
BATCH = str(DATA / "batch.jsonl")
M = Decimal(1_000_000)
# by hand: the Chat request online, each Batch line at Batch rates
CHAT_USD = 1724 * Decimal("0.40") / M + 400 * Decimal("1.60") / M  # 0.0013296
BATCH_USD = 5 * (40 * Decimal("0.20") / M + 200 * Decimal("0.80") / M)  # 0.00084
ALL_BATCH_USD = 1924 * Decimal("0.20") / M + 1400 * Decimal("0.80") / M  # 0.0015048, every request at Batch rates


def _json(cli: Any, *args: str) -> Any:
    run = cli(*args, "-f", "json", expect=0)
    return json.loads(run.stdout)


def test_the_hand_figures() -> None:
    assert Decimal("0.0013296") == CHAT_USD
    assert Decimal("0.00084") == BATCH_USD
    assert Decimal("0.0015048") == ALL_BATCH_USD


def test_estimate_prices_each_input_at_its_own_rates(cli) -> None:  # type: ignore[no-untyped-def]
    """The trial: with the Batch file in the run, the Chat request was priced at Batch rates
    ($0.0006648, half of $0.0013296) and the run's processing was "batch"."""
    doc = _json(cli, "estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000")
    by_source = {Path(i["source"]).name: i for i in doc["inputs"]}
    chat, batch = by_source["chat-tools.json"], by_source["batch.jsonl"]
    assert (chat["processing"], Decimal(chat["models"][0]["total_usd"])) == ("standard", CHAT_USD)
    assert (batch["processing"], Decimal(batch["models"][0]["total_usd"])) == ("batch", BATCH_USD)
    assert doc["assumptions"]["processing"] == "mixed"
    assert doc["assumptions"]["requests_by_processing"] == {"standard": 1, "batch": 5}
    m = doc["models"][0]
    assert Decimal(m["total_usd"]) == CHAT_USD + BATCH_USD == Decimal("0.0021696")
    assert Decimal(m["worst_case_total_usd"]) == CHAT_USD + BATCH_USD  # every request produces its cap
    assert Decimal(m["total_without_cache_usd"]) == CHAT_USD + BATCH_USD
    assert Decimal(m["per_request_usd"]) == (CHAT_USD + BATCH_USD) / 6
    # 1,000 requests a day in the sample's mix: 30,000 a month, each of the 6 an equal share
    assert Decimal(m["monthly_usd"]) == (CHAT_USD + BATCH_USD) * 30000 / 6 == Decimal("10.848")
    # the what-if: every request through the Batch API
    assert Decimal(m["total_batch_usd"]) == ALL_BATCH_USD
    assert Decimal(m["monthly_batch_usd"]) == ALL_BATCH_USD * 30000 / 6 == Decimal("7.524")


def test_the_chat_request_alone_costs_the_same_as_in_the_mixed_run(cli) -> None:  # type: ignore[no-untyped-def]
    alone = _json(cli, "estimate", CHAT, "-m", "gpt-4.1-mini")
    assert Decimal(alone["models"][0]["total_usd"]) == CHAT_USD
    assert alone["assumptions"]["processing"] == "standard"
    batch = _json(cli, "estimate", BATCH, "-m", "gpt-4.1-mini")
    assert Decimal(batch["models"][0]["total_usd"]) == BATCH_USD
    assert batch["assumptions"]["processing"] == "batch"
    assert batch["assumptions"]["requests_by_processing"] == {"batch": 5}


def test_batch_sets_every_input_priority_the_online_ones(cli) -> None:  # type: ignore[no-untyped-def]
    both = _json(cli, "estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--batch")
    assert both["assumptions"]["processing"] == "batch"
    assert [i["processing"] for i in both["inputs"]] == ["batch", "batch"]
    assert Decimal(both["models"][0]["total_usd"]) == ALL_BATCH_USD
    pri = _json(cli, "estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--priority")
    assert pri["assumptions"]["processing"] == "mixed"  # the Batch API has no priority processing
    assert [i["processing"] for i in pri["inputs"]] == ["priority", "batch"]


def test_the_report_says_which_inputs_are_priced_how(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000", expect=0).stdout
    flat = " ".join(out.split())
    assert (
        f"processing: batch rates (Batch API, 50% off input and output) for the 5 requests of {BATCH} "
        "(a Batch file), standard for the other 1 request (online)"
    ) in flat
    assert "monthly figures keep the sample's mix (5 of 6 requests through the Batch API)" in flat
    assert "priced at" in out  # the Inputs table's column
    # the what-if is every request through the Batch API: $7.524 a month
    assert (
        "Every request through the Batch API (50% off standard prices, results within 24 h): gpt-4.1-mini $7.52/month"
        in flat
    )


def test_api_estimate_sums_the_inputs() -> None:
    r = gpt41cost.estimate([CHAT, BATCH], models="gpt-4.1-mini", as_of="2026-12-06").result
    assert r.modes == {"standard": 1, "batch": 5}
    assert r.processing == "mixed"
    assert sum(i.models[0].total_usd for i in r.inputs) == r.models[0].cost.total_usd == CHAT_USD + BATCH_USD


def test_estimate_limits_and_plan_agree_on_a_batch_file(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The trial: estimate $5.04/month at Batch rates, limits and plan $10.08 at standard rates.
    By hand: 1,000 requests a day x 30 days x (40 x $0.20 + 200 x $0.80) / 1M = $5.04."""
    month = 1000 * 30 * (40 * Decimal("0.20") + 200 * Decimal("0.80")) / M
    assert month == Decimal("5.04")
    est = _json(cli, "estimate", BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000")
    assert Decimal(est["models"][0]["monthly_usd"]) == month
    lim = _json(cli, "limits", BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000")
    cost = lim["models"][0]["monthly_cost_usd"]
    assert {k: Decimal(v) for k, v in cost.items()} == {"standard": 0, "batch": month, "total": month}
    assert lim["inputs"]["batch_file_requests"] == 5
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        f"model: gpt-4.1-mini\nprompts: [{BATCH}]\nmax_tokens: 200\ntraffic: {{requests_per_day: 1000}}\ntier: 1\n"
    )
    plan = _json(cli, "plan", str(wl))
    assert Decimal(plan["total_monthly_cost_usd"]["total"]) == month
    assert Decimal(plan["total_monthly_cost_usd"]["batch"]) == month
    assert plan["inputs"]["batch_file_requests"] == 5


def test_limits_counts_a_batch_file_against_the_batch_queue_not_rpm_tpm(cli) -> None:  # type: ignore[no-untyped-def]
    """A day's Batch requests are enqueued at once: 1,000 x 40 input tokens = 40,000 of tier 1's
    2,000,000-token queue for gpt-4.1-mini, 2%; no RPM, TPM or RPD use."""
    lim = _json(cli, "limits", BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000", "--tier", "1")
    assert lim["inputs"]["batch_file_requests"] == 5
    text = cli("limits", BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000", expect=0).stdout
    flat = " ".join(text.split())
    assert "5 of the 5 requests measured are a Batch file's" in flat
    assert "not the online RPM, TPM and RPD" in flat
    assessment = gpt41cost.limits(BATCH, models="gpt-4.1-mini", requests_per_day=1000, as_of="2026-12-06")
    uses = {u.key: u for u in assessment.assessments[0].tier(1).models[0].uses}
    assert set(uses) == {"batch_queue"}
    assert uses["batch_queue"].used == 1000 * 40
    assert uses["batch_queue"].pct == 2


def test_limits_on_a_mixed_run(cli) -> None:  # type: ignore[no-untyped-def]
    """1 Chat request and 5 Batch lines, 1,000 requests a day in that mix, peak 1000 x 3 / 1440:
    online only the Chat request's sixth: RPM peak/6, TPM peak x (1,724 + 400) / 6, RPD 1,000 / 6;
    the queue 1,000 x (5 x 40) / 6 tokens; spend (as estimate) $10.848 a month."""
    got = gpt41cost.limits([CHAT, BATCH], models="gpt-4.1-mini", requests_per_day=1000, as_of="2026-12-06")
    a = got.assessments[0]
    uses = {u.key: u.used for u in a.tier(1).models[0].uses}
    peak = Decimal(1000) * 3 / 1440
    assert uses["rpm"] == peak / 6
    assert uses["tpm"] == peak * 2124 / 6
    assert uses["rpd"] == Decimal(1000) / 6
    assert uses["batch_queue"] == Decimal(1000) * 200 / 6
    cost = a.costs[0]
    assert cost.standard_usd == 30000 * CHAT_USD / 6
    assert cost.batch_usd == 30000 * BATCH_USD / 6
    assert cost.total_usd == Decimal("10.848")
    est = _json(cli, "estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "1000")
    assert Decimal(est["models"][0]["monthly_usd"]) == cost.total_usd


def test_a_backlog_drain_still_moves_every_request() -> None:
    """--backlog compares online and Batch for the whole backlog: a Batch file's requests included."""
    got = gpt41cost.limits(BATCH, models="gpt-4.1-mini", peak_rpm=10, backlog=1000, tier=1, as_of="2026-12-06")
    d = got.drains[0]
    assert d.online_minutes is not None and d.online_minutes > 0
    assert d.batch_waves == 1


def test_whole_tokens_keep_the_rounded_sum() -> None:
    assert whole_tokens([Decimal("3.4"), Decimal("3.3"), Decimal("3.3")], 10) == [4, 3, 3]
    assert whole_tokens([Decimal("0.6"), Decimal("6.4")], 7) == [1, 6]
    assert whole_tokens([Decimal(75), Decimal(25)], 100) == [75, 25]


def test_a_mixed_run_with_a_shared_prefix() -> None:
    """The prompt cache in a mixed run (the samples' Chat request and Batch file share their
    system prompt): each input's cached tokens are its own groups' (cold run), the run's figures
    the sum of the inputs' at their own rates. The month's steady state of each part is the sum of
    its own requests': here the Chat request's 1,280 (Batch rates bill cached input as any input,
    so only the online part's moves the cost): 1,280 x ($2.00 - $0.50) / 1M a sample request,
    x 150,000 / 21 a month."""
    requests = Path(__file__).parent.parent / "samples" / "requests"
    paths = [str(requests / "chat-support.json"), str(requests / "batch-support.jsonl")]
    r = gpt41cost.estimate(paths, models="gpt-4.1", requests_per_day=5000, as_of="2026-12-06").result
    m = r.models[0]
    assert r.modes == {"standard": 1, "batch": 20}
    assert [i.models[0].cached_input_tokens for i in r.inputs] == [0, 25600]
    assert sum(i.models[0].cached_input_tokens for i in r.inputs) == m.usage.cached_input_tokens
    assert sum(i.models[0].total_usd for i in r.inputs) == m.cost.total_usd
    assert m.monthly_cached_tokens == 1280  # per request, 21 x 1,280 in all
    assert m.monthly_usd is not None and m.monthly_without_cache_usd is not None and m.monthly_batch_usd is not None
    saved = 1280 * (Decimal("2.00") - Decimal("0.50")) / M * 150_000 / 21
    assert abs(m.monthly_without_cache_usd - m.monthly_usd - saved) < Decimal("1e-20")  # 28-digit quotients
    assert m.monthly_batch_usd < m.monthly_usd


def test_a_batch_share_moves_only_the_other_requests() -> None:
    """--batch-share 0.5 on the mixed run: half of the Chat request's traffic goes through the
    Batch API too; the Batch file's lines were there already. By hand, per 6 sample requests:
    standard 0.5 x $0.0013296; Batch 0.5 x (1,724 x 0.20 + 400 x 0.80) / 1M + $0.00084."""
    got = gpt41cost.limits(
        [CHAT, BATCH], models="gpt-4.1-mini", requests_per_day=1000, batch_share="0.5", as_of="2026-12-06"
    )
    a = got.assessments[0]
    chat_batch = 1724 * Decimal("0.20") / M + 400 * Decimal("0.80") / M  # 0.0006648
    cost = a.costs[0]
    assert cost.standard_usd == 30000 * Decimal("0.5") * CHAT_USD / 6
    assert cost.batch_usd is not None
    assert abs(cost.batch_usd - 30000 * (Decimal("0.5") * chat_batch + BATCH_USD) / 6) < Decimal("1e-20")
    uses = {u.key: u.used for u in a.tier(1).models[0].uses}
    peak = Decimal(1000) * 3 / 1440
    assert uses["rpm"] == peak * Decimal("0.5") / 6
    assert uses["tpm"] == peak * Decimal("0.5") * 2124 / 6
    assert uses["rpd"] == Decimal(1000) * Decimal("0.5") / 6
    assert abs(uses["batch_queue"] - (Decimal(500) * 1724 + Decimal(1000) * 200) / 6) < Decimal("1e-20")
