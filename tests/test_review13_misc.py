"""Review 13's findings on model names, counts, budgets, API errors, usage skips, reconcile
money and lifecycle substitutes: each test failed before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import DATA, ROOT, model

REVIEW = DATA / "review13"


# ------------------------------------------------------------- 1. --model with fine-tuning data


@pytest.mark.parametrize("name", ["gpt-4.1-mini", "ft:gpt-4.1-mini"])
def test_base_model_flag_on_finetune_data_is_the_fine_tuned_model(cli, name):
    """Fine-tuning data with ``-m gpt-4.1-mini`` is priced as the ft:gpt-4.1-mini it trains (as
    with no --model at all), not at the base model's inference rates."""
    d = cli.json("estimate", REVIEW / "ft.jsonl", "--epochs", "2", "-m", name)
    [m] = d["models"]
    assert m["model"] == "ft:gpt-4.1-mini" and m["fine_tuned"] is True
    every = cli.json("estimate", REVIEW / "ft.jsonl", "--epochs", "2")
    assert m["per_request_usd"] == model(every, "ft:gpt-4.1-mini")["per_request_usd"] == "0.0016192"
    table = cli("estimate", REVIEW / "ft.jsonl", "--epochs", "2", "-m", name, expect=0).stdout
    assert "Batch API (50% off, results within 24 h): ft:gpt-4.1-mini $0.000810 a request" in table
    assert Decimal(m["training_usd"]) == Decimal(96) * Decimal("5.00") / 10**6


# ------------------------------------------------------------- 2. a request count is a whole number


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", "--input-tokens", "100"], id="estimate"),
        pytest.param(["limits", "--input-tokens", "100", "--max-tokens", "10"], id="limits"),
    ],
)
def test_requests_per_day_flag_is_a_whole_number_in_every_command(cli, args):
    r = cli(*args, "--requests-per-day", "3974.5", expect=2)
    assert r.stdout == ""
    assert r.stderr == "gpt41cost: error: --requests-per-day: expected a whole number, got 3974.5\n"


def test_requests_per_day_key_is_a_whole_number(cli, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("models: {gpt-4.1-mini: 1}\ninput_tokens: 100\noutput_tokens: 10\ntier: 2\n"
                 "traffic:\n  requests_per_day: 3974.5\n", encoding="utf-8")  # fmt: skip
    r = cli("plan", w, expect=3)
    assert r.stdout == ""
    assert r.stderr == f"gpt41cost: error: {w}:6: traffic.requests_per_day: expected a whole number, got 3974.5\n"


def test_api_requests_per_day_is_a_whole_number():
    import gpt41cost
    from gpt41cost.errors import ParameterError

    with pytest.raises(ParameterError, match=r"requests_per_day.*expected a whole number, got 3974\.5"):
        gpt41cost.limits(input_tokens=100, max_tokens=10, requests_per_day="3974.5", models=["gpt-4.1"])


def test_peak_rpm_stays_a_decimal(cli):
    """Requests in the peak minute is a rate, read as given (README, "Numbers")."""
    d = cli.json("limits", "--input-tokens", "100", "--max-tokens", "10", "--peak-rpm", "55.5", "-m", "gpt-4.1")
    assert "55.5" in str(d)


def test_emitted_workload_is_accepted_by_plan(cli, tmp_path):
    """usage --emit-workload wrote the mean 119,235 / 30 = 3,974.5 a day, which its own plan refused."""
    out = tmp_path / "next.yaml"
    cli("usage", ROOT / "samples/bill-2026-11/completions", "--tier", "5", "--emit-workload", out, expect=0)
    text = out.read_text(encoding="utf-8")
    line = "  requests_per_day: 3975       # mean: 119,235 requests / 30 days = 3,974.5, rounded up"
    assert line in text.splitlines()
    cli("plan", out, "--as-of", "2026-12-06", expect=0)


# ------------------------------------------------------------- 7. a substitute shut down too


def test_shut_down_substitute_is_said_and_not_offered(cli):
    """From 2027-01-14 gpt-4.1-mini, gpt-4.1-nano's substitute, is shut down too: the status says
    so (it read 'substitute gpt-4.1-mini' as if that were a way out) and JSON names no substitute."""
    late = cli.json("estimate", "--input-tokens", "100", "--as-of", "2027-02-01")
    lc = model(late, "gpt-4.1-nano")["lifecycle"]
    assert lc["substitute"] is None and lc["replacement"] == "gpt-5.6-luna"
    r = cli("estimate", "--input-tokens", "100", "--as-of", "2027-02-01", "-m", "gpt-4.1-nano", expect=0)
    assert r.stderr == (
        "gpt41cost: warning: gpt-4.1-nano: shut down 2026-10-23, substitute gpt-4.1-mini shut down 2027-01-14 too; "
        "OpenAI recommends gpt-5.6-luna (not in this catalog)\n"
    )
    before = cli.json("estimate", "--input-tokens", "100")  # 2026-12-06: gpt-4.1-mini still served
    assert model(before, "gpt-4.1-nano")["lifecycle"]["substitute"] == "gpt-4.1-mini"


def test_plan_substitute_does_not_route_to_a_shut_down_model(cli):
    r = cli("plan", ROOT / "samples/workloads/support-bot-2026-03.yaml", "--substitute", "--as-of", "2027-02-01")
    assert "gpt-4.1-nano -> gpt-4.1-mini" not in r.stdout + r.stderr
    kept = (
        "--substitute: gpt-4.1-nano kept: substitute gpt-4.1-mini shut down 2027-01-14 too; "
        "OpenAI recommends gpt-5.6-luna (not in this catalog)"
    )
    assert f"gpt41cost: warning: {kept}\n" in r.stderr


def test_substitute_chain_is_followed_to_a_served_model(cli, tmp_path):
    """A catalog where gpt-4.1-mini's snapshot names gpt-4.1 as its substitute and gpt-4.1 is
    served until 2027-06-14: gpt-4.1-nano's traffic goes to gpt-4.1, past the shut-down mini."""
    text = (ROOT / "gpt41cost/pricing.yaml").read_text(encoding="utf-8")
    mini = '          shutdown_on: "2027-01-14"\n          replacement: gpt-6-luna\n'
    assert text.count(mini) == 2  # gpt-4.1's snapshot, then gpt-4.1-mini's
    first = text.index(mini)
    text = (
        text[:first]
        + mini.replace("2027-01-14", "2027-06-14")
        + text[first + len(mini) :].replace(mini, mini + "          substitute: gpt-4.1\n")
    )
    cat = tmp_path / "pricing.yaml"
    cat.write_text(text, encoding="utf-8")
    d = cli.json("estimate", "--input-tokens", "100", "--as-of", "2027-02-01", "--pricing", cat)
    assert model(d, "gpt-4.1-nano")["lifecycle"]["substitute"] == "gpt-4.1"
    w = tmp_path / "w.yaml"
    w.write_text("models: {gpt-4.1-nano: 1}\ninput_tokens: 100\noutput_tokens: 10\ntier: 5\n"
                 "traffic:\n  requests_per_day: 1000\n", encoding="utf-8")  # fmt: skip
    r = cli("plan", w, "--substitute", "--as-of", "2027-02-01", "--pricing", cat)
    assert "--substitute: gpt-4.1-nano -> gpt-4.1 (100% of the traffic)" in r.stdout
    t = cli("estimate", "--input-tokens", "100", "--as-of", "2027-02-01", "--pricing", cat, "-m", "gpt-4.1-nano")
    assert "shut down 2026-10-23, substitute gpt-4.1 (gpt-4.1-mini shut down 2027-01-14 too)" in t.stdout


# ------------------------------------------------------------- 4. the API names a bad argument


@pytest.mark.parametrize(
    ("call", "param", "message"),
    [
        pytest.param(
            lambda g: g.price(1, 1, model="gpt-4.1", mode="flex"),
            "mode",
            "mode: unknown processing mode 'flex'; use one of standard, batch, priority",
            id="price-mode",
        ),
        pytest.param(
            lambda g: g.price(1, 1, model="gpt-9"),
            "model",
            "model: unknown model 'gpt-9': did you mean gpt-4.1?",
            id="price-model",
        ),
        pytest.param(
            lambda g: g.estimate(input_tokens=5, models=["gpt-9"]),
            "models",
            "models: unknown model 'gpt-9': did you mean gpt-4.1?",
            id="estimate-models",
        ),
        pytest.param(
            lambda g: g.limits(input_tokens=5, max_tokens=5, requests_per_day=5, models="gpt-9"),
            "models",
            "models: unknown model 'gpt-9': did you mean gpt-4.1?",
            id="limits-models",
        ),
        pytest.param(
            lambda g: g.price(1, 1, model="ft:gpt-4.1", mode="priority"),
            "mode",
            "mode: ft:gpt-4.1: OpenAI publishes no priority prices for fine-tuned models; use standard or batch",
            id="price-ft-priority",
        ),
        pytest.param(
            lambda g: g.estimate(input_tokens=5, models=["ft:gpt-4.1"], priority=True),
            "priority",
            "ft:gpt-4.1: OpenAI publishes no priority prices for fine-tuned models; drop priority",
            id="estimate-ft-priority",
        ),
        pytest.param(
            lambda g: g.count_request({"messages": [{"role": "user", "content": "hi"}]}, model="gpt-9"),
            "model",
            "model: unknown model 'gpt-9': did you mean gpt-4.1?",
            id="count-request-model",
        ),
    ],
)
def test_api_argument_errors_are_parameter_errors_naming_the_parameter(call, param, message):
    import gpt41cost
    from gpt41cost.errors import ExitCode, ParameterError

    with pytest.raises(ParameterError) as got:
        call(gpt41cost)
    assert got.value.params == (param,)
    assert str(got.value) == message
    assert got.value.exit_code == ExitCode.USAGE


def test_cli_still_names_the_flag_for_an_unknown_model(cli):
    r = cli("estimate", "--input-tokens", "5", "-m", "gpt-9", expect=2)
    assert r.stderr == "gpt41cost: error: --model: unknown model 'gpt-9': did you mean gpt-4.1?\n"
    r = cli("estimate", "--input-tokens", "5", "--priority", "-m", "ft:gpt-4.1", expect=2)
    assert r.stderr == (
        "gpt41cost: error: ft:gpt-4.1: OpenAI publishes no priority prices for fine-tuned models; drop --priority\n"
    )


# ------------------------------------------------------------- 3. a budget is more than 0, flag and key alike


def test_zero_budget_is_refused_in_flag_and_workload_alike(cli, tmp_path):
    r = cli("usage", ROOT / "samples/bill-2026-11/completions", "--budget", "0", expect=2)
    assert r.stdout == ""
    refused = "--budget '0': must be more than 0, got 0; give US dollars, e.g. --budget 5000"
    assert r.stderr == f"gpt41cost: error: {refused}\n"
    w = tmp_path / "w.yaml"
    w.write_text("models: {gpt-4.1-mini: 1}\ninput_tokens: 100\noutput_tokens: 10\ntier: 2\n"
                 "budget_usd_per_month: 0\ntraffic:\n  requests_per_day: 1000\n", encoding="utf-8")  # fmt: skip
    r = cli("plan", w, expect=3)
    assert r.stdout == ""
    assert r.stderr == f"gpt41cost: error: {w}:5: budget_usd_per_month: must be more than 0, got 0\n"
    w.write_text(w.read_text(encoding="utf-8").replace("budget_usd_per_month: 0", "budget_usd_per_month: 0.01"))
    assert cli.json("plan", w)["budget_usd_per_month"] == "0.01"  # any budget above 0 is taken


# ------------------------------------------------------------- 6. the difference column is money


def test_reconciliation_difference_follows_the_column_money_rule(cli):
    """The difference read '0' and '+$0.100000' beside computed and billed columns in cents: now
    money at the table's one precision, zero included (fixC15: every money column of a
    reconciliation table at the places its figures need to be exact, here 4: computed $5.2675 read
    $5.27). CSV and JSON keep the exact decimals."""
    bill = REVIEW / "bill"
    out = cli("usage", bill / "usage.csv", "--billed", bill / "costs.csv", expect=0).stdout.splitlines()
    table = out[out.index("Reconciliation by day (UTC): usage at catalog prices vs billed") :]
    day = [line.split()[:4] for line in table if line.startswith((" 2026-12-0", " total"))][:3]
    assert day == [
        ["2026-12-01", "$5.1800", "$5.1800", "$0.0000"],
        ["2026-12-02", "$5.2675", "$5.3675", "+$0.1000"],
        ["total", "$10.4475", "$10.5475", "+$0.1000"],
    ]
    csv = cli("usage", bill / "usage.csv", "--billed", bill / "costs.csv", "-f", "csv", "--table", "reconciliation")
    assert [row.split(",")[3] for row in csv.stdout.splitlines()] == ["difference", "0", "0.1"]


# ------------------------------------------------------------- 5. the wrapper keys a usage line is read under

RESPONSE = (
    '{"id":"chatcmpl-1","object":"chat.completion","created":1796083200,"model":"gpt-4.1",'
    '"usage":{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110}}'
)


def test_unread_wrapper_key_is_named_in_the_skip_reason(cli, tmp_path):
    """A response under a key the reader does not try was skipped as 'no usage object' with no
    word of the keys it does try: the reason now lists them, so the log can be reshaped."""
    log = tmp_path / "log.jsonl"
    log.write_text(f'{{"event":"openai_call","llm_response":{RESPONSE}}}\n', encoding="utf-8")
    r = cli("usage", log, expect=3)
    assert r.stdout == ""
    assert r.stderr == (
        f"gpt41cost: error: {log}: no usage records found; first problem: {log}:1: no usage object (expected a "
        "Chat Completions or Responses API response, a Batch output line or a Usage API page, bare or wrapped "
        "under one of the keys response, result, completion, output, data, body; a response under another key "
        "is not read: put it under one of those)\n"
    )
    log.write_text(f'{{"event":"openai_call","result":{RESPONSE}}}\n', encoding="utf-8")  # reshaped: read
    assert cli.json("usage", log)["records"] == 1
