"""Review 18's findings, from using gpt41cost on the files users have: each test failed before its fix."""

from __future__ import annotations

import csv
import io
import json

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
