"""Review 18's findings, from using gpt41cost on the files users have: each test failed before its fix."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import ROOT

# ------------------------------------------------------------- 1. a CSV cell holding "-" is data


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_stdin_source_is_dash_in_csv_as_in_json(cli):
    """A prompt read from stdin is named ``-`` in the data (README): JSON and the table say ``-``,
    and so does the CSV (it was an empty cell, the CSV's "none")."""
    args = ("estimate", "-", "--per-input", "-m", "gpt-4.1")
    doc = cli.json(*args, input="Summarise this ticket.")
    assert doc["inputs"][0]["source"] == "-"
    run = cli(*args, "-f", "csv", "--table", "inputs", input="Summarise this ticket.", expect=0)
    [row] = _csv_rows(run.stdout)
    assert row["input"] == "-"
    assert row["input tokens"] == str(doc["inputs"][0]["models"][0]["input_tokens"])


def test_usage_project_named_dash_is_kept_in_csv(cli, tmp_path):
    """A project, user or model id that is ``-`` in the records is that id in CSV, as in JSON."""
    log = tmp_path / "export.csv"
    log.write_text(
        "start_time,project_id,num_model_requests,model,batch,service_tier,input_tokens,output_tokens,"
        "input_cached_tokens\n"
        "1795996800,-,2,gpt-4.1,FALSE,default,2000,100,0\n"
        "1795996800,proj_b,1,gpt-4.1,FALSE,default,1000,50,0\n",
        encoding="utf-8",
    )
    doc = cli.json("usage", log)
    assert {p["project_id"] for p in doc["by_project"]} == {"-", "proj_b"}
    rows = _csv_rows(cli("usage", log, "-f", "csv", "--table", "by-project", expect=0).stdout)
    assert {r["project"]: r["requests"] for r in rows} == {"-": "2", "proj_b": "1"}


def test_unknown_figures_stay_empty_in_csv(cli, tmp_path):
    """The figures the table shows as ``-`` for none (no finding line, no such limit, no Batch
    wave) are still empty CSV cells."""
    batch = tmp_path / "b.jsonl"
    body = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    line = {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": body}
    batch.write_text(json.dumps(line) + "\n", encoding="utf-8")
    [row] = _csv_rows(cli("estimate", batch, "-f", "csv", "--table", "batch-preflight", expect=0).stdout)
    assert row["line"] == "" and row["check"] == "" and row["severity"] == "ok"
    tiers = _csv_rows(
        cli("limits", "--input-tokens", "100", "--max-tokens", "10", "--peak-rpm", "5", "-m", "gpt-4.1",
            "-f", "csv", expect=0).stdout
    )  # fmt: skip
    assert tiers and all(r["RPD %"] == "" for r in tiers if "RPD %" in r)


# ------------------------------------------------------------- 2. --calibrate-from: the models a log leaves out


def _mini_log(path, requests=4, cached=1024):
    lines = [
        json.dumps(
            {
                "id": f"chatcmpl-{i}",
                "created": 1795996800,
                "model": "gpt-4.1-mini-2025-04-14",
                "usage": {
                    "prompt_tokens": 1500,
                    "completion_tokens": 200 + 100 * i,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            }
        )
        for i in range(requests)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_calibration_names_what_the_models_the_log_leaves_out_rest_on(cli, tmp_path):
    """A log of gpt-4.1-mini requests only: gpt-4.1 and gpt-4.1-nano are priced with the log's mean
    output over all its requests (350 here) and no cached input. Their rows rest on those figures,
    and the assumptions say so (they named gpt-4.1-mini's alone)."""
    log = _mini_log(tmp_path / "log.jsonl")
    prompt = tmp_path / "p.txt"
    prompt.write_text("word " * 1500, encoding="utf-8")
    doc = cli.json("estimate", prompt, "--calibrate-from", log)
    outputs = {m["model"]: m["output_tokens_total"] for m in doc["models"]}
    cached = {m["model"]: m["cached_input_tokens_total"] for m in doc["models"]}
    assert outputs == {"gpt-4.1": 350, "gpt-4.1-mini": 350, "gpt-4.1-nano": 350}
    assert cached == {"gpt-4.1": 0, "gpt-4.1-mini": 1024, "gpt-4.1-nano": 0}
    said = dict(doc_assumptions(cli, prompt, log))
    assert said["output tokens per request"] == (
        f"gpt-4.1-mini 350 (observed mean in {log}); gpt-4.1, gpt-4.1-nano 350 "
        "(none of their requests in the log: the mean over all its requests)"
    )
    assert said["cached input"].endswith(
        "; gpt-4.1, gpt-4.1-nano: none cached (none of their requests in the log, and the prompt cache is per model)"
    )


def doc_assumptions(cli, prompt, log):
    """The table format's assumptions, (name, value) as printed (one line each: no terminal width)."""
    out = cli("estimate", prompt, "--calibrate-from", log, expect=0).stdout
    lines = out.split("Assumptions:\n", 1)[1].split("Notes:\n", 1)[0].splitlines()
    return [tuple(line.strip().split(": ", 1)) for line in lines]


def test_calibration_of_every_model_adds_nothing(cli, tmp_path):
    """Asking only for the model the log holds: no other model to name."""
    log = _mini_log(tmp_path / "log.jsonl")
    prompt = tmp_path / "p.txt"
    prompt.write_text("word " * 1500, encoding="utf-8")
    out = cli("estimate", prompt, "--calibrate-from", log, "-m", "gpt-4.1-mini", expect=0).stdout
    assert f"output tokens per request: gpt-4.1-mini 350 (observed mean in {log})\n" in out
    assert "none of their requests" not in out


# ------------------------------------------------------------- 3. the help an option error points to


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["usage", "x.jsonl", "--emit-workload"], "Option '--emit-workload' requires an argument", id="usage"
        ),
        pytest.param(["estimate", "--output-tokens"], "Option '--output-tokens' requires an argument", id="estimate"),
        pytest.param(["plan", "w.yaml", "--check=yes"], "Option '--check' does not take a value", id="plan"),
    ],
)
def test_an_option_missing_its_value_points_to_its_command_help(cli, args, message):
    """The option is the command's: ``gpt41cost --help`` (where the hint pointed) does not list it."""
    run = cli(*args, expect=2)
    assert run.stdout == ""
    assert run.stderr == f"gpt41cost: error: {message}; see 'gpt41cost {args[0]} --help'\n"


# ------------------------------------------------------------- 4. usage --billed: one ratio in JSON and CSV


def test_reconciliation_ratio_is_the_same_figure_in_csv_and_json(cli):
    """JSON's ``ratio`` is billed / computed (1.03); the CSV column of the same name held the
    table's percentage (103), a hundred times it. The table still shows a percentage."""
    bill = ROOT / "samples" / "bill-2026-11"
    args = ("usage", bill / "completions", "--billed", bill / "costs")
    doc = cli.json(*args)["reconciliation"]
    for table, column, key, rows in (
        ("reconciliation", "day", "day", doc["by_day"]),
        ("reconciliation-by-line-item", "line item", "line_item", doc["by_line_item"]),
    ):
        csv_rows = _csv_rows(cli(*args, "-f", "csv", "--table", table, expect=0).stdout)
        got = {r[column]: float(r["ratio"]) if r["ratio"] else None for r in csv_rows}
        assert got == {r[key]: r["ratio"] for r in rows}
    assert [r["ratio"] for r in doc["by_day"] if r["day"] == "2026-11-12"] == [1.03]
    out = cli(*args, expect=0).stdout
    recon = out[out.index("Reconciliation by day (UTC)") :].splitlines()
    [line] = [x for x in recon if x.startswith(" 2026-11-12 ")]
    assert line.split()[4] == "103.0%"


# ------------------------------------------------------------- 5. price(): a line of no tokens reads $0


def test_a_price_line_of_no_tokens_prints_as_zero():
    """``f"{cost.cached_input_usd}"`` of a request with nothing cached printed ``0E-8`` (0 x a rate of
    two places, shifted six), and a Batch request's output of 0 tokens ``0E-8`` too."""
    import gpt41cost

    cost = gpt41cost.price(1000, 500, model="gpt-4.1", as_of="2026-12-06")
    assert f"{cost.cached_input_usd}" == "0"
    assert f"{cost.uncached_input_usd} {cost.output_usd} {cost.total_usd}" == "0.00200000 0.00400000 0.00600000"
    none_out = gpt41cost.price(1000, 0, model="gpt-4.1-nano", mode="batch", as_of="2026-10-01")
    assert (f"{none_out.output_usd}", f"{none_out.total_usd}") == ("0", "0.00005000")
    assert f"{gpt41cost.price(0, 0, model='gpt-4.1', as_of='2026-12-06').total_usd}" == "0"


# ------------------------------------------------------------- 6. usage: no share of $0


def test_total_of_no_cost_has_no_share(cli, tmp_path):
    """Records of 0 tokens: each model's share of $0 is "-" (none), and so is the total's (it read
    100.0% under two rows of "-")."""
    log = tmp_path / "zero.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"z{i}",
                    "created": 1795996800,
                    "model": m,
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0},
                }
            )
            + "\n"
            for i, m in enumerate(("gpt-4.1", "gpt-4.1-mini"))
        ),
        encoding="utf-8",
    )
    for fmt, sep in (("table", None), ("markdown", "|")):
        out = cli("usage", log, "-f", fmt, expect=0).stdout
        rows = [line for line in out.splitlines() if line.strip(" |").startswith(("gpt-4.1", "total priced"))][:3]
        shares = [[c.strip() for c in (line.split(sep) if sep else line.split())][-2 if sep else -1] for line in rows]
        assert shares == ["-", "-", "-"], out


# ------------------------------------------------------------- 7. verify: the difference is a number in CSV


def test_verify_difference_is_the_json_number_in_csv(cli, tmp_path):
    """CSV carries raw numbers: the difference JSON gives as 2 was the table's text "+2"."""
    from .fake_openai import FakeOpenAI, serving

    key = "sk-proj-test-KEY-9876543210"
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hello there"}]}
    req = tmp_path / "r.json"
    req.write_text(json.dumps(body), encoding="utf-8")
    api = FakeOpenAI([], key=key)
    with serving(api) as fake:
        env = {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": None}
        args = ("verify", "--base-url", fake.url, "--backoff", "0", req)
        local = cli.json("estimate", req, "-m", "gpt-4.1")["models"][0]["input_tokens_total"]
        for answer in (local - 2, local + 3):
            api.input_tokens = lambda _body, n=answer: n
            [row] = cli.json(*args, env=env)["rows"]
            [csv_row] = _csv_rows(cli(*args, "-f", "csv", env=env, expect=0).stdout)
            assert row["difference"] == local - answer
            assert csv_row["difference"] == str(local - answer)
            table = cli(*args, env=env, expect=0).stdout
            assert f" {local - answer:+d} " in table  # the table keeps its sign


# ------------------------------------------------------------- 8. the rounding of figures shown is documented


def test_docs_state_the_rounding_of_figures_shown_and_its_examples_hold(cli):
    """docs/accounting.md said figures are rounded "only to show" them, not how: a hand check
    rounding half up reads $0.003035 where the report shows $0.003034. The rule and its two
    examples are stated, and the reports show them."""
    from decimal import Decimal

    from gpt41cost.report import usd

    doc = (ROOT / "docs" / "accounting.md").read_text(encoding="utf-8")
    assert "rounded half\n  to even (banker's rounding)" in doc
    assert "is exactly $0.0030345 and\n  reads $0.003034; a month of $951.075 reads $951.08" in doc
    args = ("estimate", "--input-tokens", "67", "--output-tokens", "200", "--priority", "-m", "gpt-4.1")
    assert cli.json(*args)["models"][0]["per_request_usd"] == "0.0030345"
    [row] = [line for line in cli(*args, expect=0).stdout.splitlines() if line.startswith(" gpt-4.1")]
    assert " $0.003034 " in row
    assert usd(Decimal("951.075"), 2) == "$951.08"
