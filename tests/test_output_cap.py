"""A request's expected output is the output assumption, or its own cap where lower
(``measure.expected_output``): estimate, limits and plan price it so, on one core and on every core,
and the worst case (every capped request producing its whole cap) is never below the expected cost."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost import measure
from gpt41cost.measure import Measured, Totals
from gpt41cost.readers import inputs, pool

from .conftest import DATA, ROOT, Cli, model

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]
SAMPLE = str(ROOT / "samples" / "requests" / "batch-support.jsonl")

#: the caps of each run of 8 lines of :func:`mixed_file`: below 500, above, none, equal, just below
CAPS = [100, 200, 200, 800, None, None, 500, 499]


def mixed_file(path: Path, lines: int = 48) -> Path:
    rows = []
    for i in range(lines):
        body: dict = {
            "model": "gpt-4.1-mini",
            "messages": [
                {"role": "system", "content": "You answer billing questions. " * (i % 5 + 1)},
                {"role": "user", "content": f"question {i}"},
            ],
        }
        if CAPS[i % 8] is not None:
            body["max_tokens"] = CAPS[i % 8]
        rows.append({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_rule():
    assert [measure.expected_output(500, c) for c in (None, 100, 499, 500, 800)] == [500, 100, 499, 500, 500]
    # 2 uncapped + 100 + 200 + 200 + 500 (cap 800) + 500 (cap 500) + 499
    assert measure.output_sum(500, 8, {100: 1, 200: 2, 800: 1, 500: 1, 499: 1}) == 2 * 500 + 100 + 400 + 500 + 500 + 499


def test_sample_batch_file_expected_is_not_above_the_worst_case(cli: Cli):
    """The colleague's case: 20 requests each capped at 350, the default assumption 500. Built-in
    prices on the pinned date: gpt-4.1 through the Batch API, $1.00 per 1M input (cached input at
    the batch input rate, so the 24,320 cached tokens change nothing) and $4.00 per 1M output."""
    doc = cli.json("estimate", SAMPLE, "-m", "gpt-4.1", "-f", "json")
    m = model(doc, "gpt-4.1")
    assert (m["requests"], m["input_tokens_total"], m["worst_case_total_usd"]) == (20, 27_793, "0.055793")
    # was 20 x 500 = 10,000 output tokens: 0.027793 + 0.04 = $0.067793, above the worst case
    # now 20 x min(500, 350) = 7,000: 27,793 x 1.00/1M + 7,000 x 4.00/1M = 0.027793 + 0.028 = $0.055793
    assert (m["output_tokens_total"], m["total_usd"], m["per_request_usd"]) == (7_000, "0.055793", "0.00278965")
    assert (m["output_capped_requests"], m["total_batch_usd"]) == (20, "0.055793")
    assert doc["inputs"][0]["models"][0]["output_tokens"] == 7_000
    assert Decimal(m["total_usd"]) <= Decimal(m["worst_case_total_usd"])
    # below the caps the assumption stands: 20 x 300 = 6,000 -> 0.027793 + 0.024 = $0.051793
    m = model(cli.json("estimate", SAMPLE, "-m", "gpt-4.1", "--output-tokens", "300", "-f", "json"), "gpt-4.1")
    assert (m["output_tokens_total"], m["total_usd"], m["output_capped_requests"]) == (6_000, "0.051793", 0)
    assert m["worst_case_total_usd"] == "0.055793"
    table = cli("estimate", SAMPLE, "-m", "gpt-4.1").stdout
    assert "output tokens per request: 500 (default 500; set --output-tokens), or the request's own " in table
    assert "max_tokens where lower (20 requests)" in table
    assert "gpt-4.1                    20                 20   $0.05579     $0.05579" in table


def test_an_assumption_above_every_cap_prices_as_the_caps(cli: Cli):
    """Every request is capped at 350: --output-tokens 500 and 350 are the same expected output,
    so every figure (all once, per request, Batch, monthly in the cache's steady state, per input)
    is the same; only the count of requests held to their cap differs."""
    args = ["estimate", SAMPLE, "--requests-per-day", "1000", "-f", "json", "--per-input"]
    high, low = (cli.json(*args, "--output-tokens", n) for n in ("500", "350"))
    assert [m.pop("output_capped_requests") for m in high["models"]] == [20, 20, 20]
    assert [m.pop("output_capped_requests") for m in low["models"]] == [0, 0, 0]
    # the month is priced in the cache's steady state (its cached tokens given, 0 at this rate)
    assert all(None not in (m["monthly_usd"], m["monthly_cached_tokens_per_request"]) for m in high["models"])
    assert (high["models"], high["inputs"]) == (low["models"], low["inputs"])


def mixed_expectations(doc: dict) -> None:
    """48 requests, caps by 8 as CAPS: per 8, expected 100 + 200 + 200 + 500 + 500 + 500 + 500 + 499
    = 2,999 (x 6 = 17,994), worst 100 + 200 + 200 + 800 + 500 + 500 + 500 + 499 = 3,299 (x 6 =
    19,794); 6 capped and 4 below 500 per 8 (36 and 24). The fixture's gpt-4.1-mini Batch output
    rate is $0.80 per 1M: the worst case is 1,800 x 0.80/1M = $0.00144 above the expected."""
    m = model(doc, "gpt-4.1-mini")
    assert (m["requests"], m["output_tokens_total"], m["output_capped_requests"]) == (48, 17_994, 24)
    assert m["cost_lines_usd"]["output"] == "0.0143952"  # 17,994 x 0.80 / 1M
    assert Decimal(m["worst_case_total_usd"]) - Decimal(m["total_usd"]) == Decimal("0.00144")
    assert Decimal(m["per_request_usd"]) * 48 == Decimal(m["total_usd"])
    assert Decimal(m["monthly_usd"]) == Decimal(m["total_usd"]) / 48 * 30_000
    assert [f["output_tokens"] for f in doc["inputs"][0]["models"]] == [17_994] * 3


@pytest.mark.needs_fork
def test_mixed_caps_one_pass_and_every_core(cli: Cli, tmp_path, monkeypatch, small_ranges):
    path = mixed_file(tmp_path / "mixed.jsonl")
    args = ["estimate", str(path), "--requests-per-day", "1000", "-f", "json", *FIXTURE]
    one = cli.json(*args)
    mixed_expectations(one)
    small_ranges()
    assert path.stat().st_size >= pool.MIN_BYTES
    assert len(pool.spans(str(path), path.stat().st_size, 2)) > 2
    used = []
    on_every_core = inputs._requests_on_every_core
    monkeypatch.setattr(inputs, "_requests_on_every_core", lambda *a: used.append(1) or on_every_core(*a))
    every = cli.json(*args)
    assert used == [1]  # read in ranges by the processes, merged
    mixed_expectations(every)
    assert every == one


def test_per_input_output_sums_each_inputs_caps(cli: Cli, tmp_path):
    a = mixed_file(tmp_path / "a.jsonl")
    b = mixed_file(tmp_path / "b.jsonl", lines=8)
    doc = cli.json("estimate", str(a), str(b), "-m", "gpt-4.1-mini", "--per-input", "-f", "json", *FIXTURE)
    assert [i["models"][0]["output_tokens"] for i in doc["inputs"]] == [17_994, 2_999]
    assert model(doc, "gpt-4.1-mini")["output_tokens_total"] == 17_994 + 2_999


def test_plan_limits_and_estimate_agree(cli: Cli, tmp_path):
    """The same file, the same rule: plan's monthly Batch spend is 30,000 x estimate's Batch cost
    a request; limits and plan both price a request at a mean 17,994 / 48 = 374.875 output tokens."""
    path = mixed_file(tmp_path / "mixed.jsonl")
    (tmp_path / "w.yaml").write_text(
        "model: gpt-4.1-mini\nprompts: [mixed.jsonl]\noutput_tokens: 500\nbatch_share: 1\n"
        "traffic: {requests_per_day: 1000}\ntier: 5\n"
    )
    est = model(cli.json("estimate", str(path), "--cache", "none", "-f", "json", *FIXTURE), "gpt-4.1-mini")
    plan = cli.json("plan", str(tmp_path / "w.yaml"), "-f", "json", *FIXTURE)
    assert Decimal(plan["models"][0]["monthly_cost_usd"]["batch"]) == Decimal(est["per_request_batch_usd"]) * 30_000
    # 1,425 input x 0.20/1M + 17,994 x 0.80/1M = 0.000285 + 0.0143952 = 0.0146802 / 48 x 30,000
    assert plan["models"][0]["monthly_cost_usd"]["batch"] == "9.175125"
    assert plan["inputs"]["mean_expected_output_tokens"] == 374.875
    assert plan["inputs"]["expected_output_capped_requests"] == 24
    limits = cli.json(
        "limits", str(path), "--output-tokens", "500", "--peak-rpm", "10", "-m", "gpt-4.1-mini", "-f", "json", *FIXTURE
    )
    assert (limits["inputs"]["mean_expected_output_tokens"], limits["inputs"]["expected_output_capped_requests"]) == (
        374.875,
        24,
    )
    shown = cli("plan", str(tmp_path / "w.yaml"), *FIXTURE).stdout
    assert "500 tokens (output_tokens), or the request's own max_tokens where lower (24 requests): mean 374.9" in shown


def test_limits_without_flags_takes_each_requests_cap(cli: Cli, tmp_path):
    """Every request capped, no --output-tokens or --max-tokens: each request's cap is its expected
    output (an upper bound), so spend is priced at the caps' mean, (100 + 200 + 300) / 3 = 200."""
    rows = [
        {"model": "gpt-4.1", "max_tokens": c, "messages": [{"role": "user", "content": "hi"}]} for c in (100, 200, 300)
    ]
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join(
            json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": r}) + "\n"
            for i, r in enumerate(rows)
        )
    )
    doc = cli.json("limits", str(path), "--peak-rpm", "10", "-m", "gpt-4.1", "-f", "json", *FIXTURE)
    assert doc["inputs"]["mean_expected_output_tokens"] == 200
    assert doc["inputs"]["expected_output_capped_requests"] == 2  # 100 and 200, below the largest cap


def test_a_capped_request_reserves_its_cap_not_the_assumption(catalog):
    """Fit: a request capped at 350 needs input + 350 within the window, even when the output
    assumption is higher; one with no cap needs input + the assumption."""
    bases = tuple(catalog.models)
    window = {b: catalog.models[b].context_window for b in bases}
    t = Totals(catalog, dict.fromkeys(bases, 500))
    t.add(Measured("a", "chat", {b: window[b] - 400 for b in bases}, line=1, max_output_tokens=350))
    assert all(not t.misfits[b] for b in bases)
    t.add(Measured("a", "chat", {b: window[b] - 400 for b in bases}, line=2))
    assert all([f.where for f in t.misfits[b]] == ["a:2"] for b in bases)
    assert (t.capped, dict(t.caps)) == (1, {350: 1})


def test_calibrated_outputs_are_held_to_the_caps_per_model(cli: Cli):
    """--calibrate-from gives each model its observed mean (samples/usage: gpt-4.1 263, mini 120,
    nano 538): only nano's is above the sample's caps of 350, so nano is priced at 20 x 350 and
    the others at 20 x their mean; the assumptions line counts the requests per model."""
    args = ["estimate", SAMPLE, "--calibrate-from", str(ROOT / "samples" / "usage")]
    doc = cli.json(*args, "-f", "json")
    got = {m["model"]: (m["output_tokens_total"], m["output_capped_requests"]) for m in doc["models"]}
    assert got == {"gpt-4.1": (20 * 263, 0), "gpt-4.1-mini": (20 * 120, 0), "gpt-4.1-nano": (20 * 350, 20)}
    assert "max_tokens where lower (gpt-4.1-mini 0, gpt-4.1 0, gpt-4.1-nano 20 requests)" in cli(*args).stdout
