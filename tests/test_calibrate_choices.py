"""``--calibrate-from`` and a Chat request's ``n`` (review 13, item 1): a log's output per request is
what OpenAI billed, all the request's choices together (``completion_tokens``), so a request with n
choices takes it once, at most n x its own cap (rule 'calibrated output per request'); it was taken
as one choice's and multiplied by n, counting the choices twice. Fixture prices: gpt-4.1 $2 input,
$8 output per 1M tokens."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .conftest import DATA, Cli

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]
TAGLINE = {"role": "user", "content": "Write a tagline"}  # 10 tokens as a Chat request


def log_of_three_choices(path: Path) -> Path:
    """4 gpt-4.1 responses of 3 choices each, billed 300 output tokens a response (100 a choice)."""
    lines = []
    for i in range(4):
        lines.append(
            {
                "id": f"chatcmpl-{i}",
                "object": "chat.completion",
                "model": "gpt-4.1-2025-04-14",
                "choices": [{"index": k, "message": {"role": "assistant", "content": "x"}} for k in range(3)],
                "usage": {"prompt_tokens": 10, "completion_tokens": 300, "total_tokens": 310},
            }
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def request(path: Path, **more: Any) -> Path:
    path.write_text(json.dumps({"model": "gpt-4.1", "messages": [TAGLINE], "n": 3, **more}))
    return path


def test_estimate_takes_the_logs_output_once(cli: Cli, tmp_path: Path) -> None:
    """The same traffic as the log: 10 x $2/M + 300 x $8/M = $0.00242 (was 900 output tokens, $0.00722)."""
    log = log_of_three_choices(tmp_path / "log.jsonl")
    doc = cli.json("estimate", request(tmp_path / "n3.json"), "--calibrate-from", log, "-m", "gpt-4.1", *FIXTURE)
    (m,) = doc["models"]
    assert (m["output_tokens_total"], m["total_usd"]) == (300, "0.00242")
    shown = cli("estimate", tmp_path / "n3.json", "--calibrate-from", log, "-m", "gpt-4.1", *FIXTURE).stdout
    assert "the observed output per request is all of a request's choices together" in shown


def test_estimate_caps_it_at_n_times_the_cap(cli: Cli, tmp_path: Path) -> None:
    """max_tokens 60, n 3: at most 180 of the observed 300, expected and at worst
    (10 x $2/M + 180 x $8/M = $0.00146); max_tokens 200: 300 expected, 600 at worst ($0.00482)."""
    log = log_of_three_choices(tmp_path / "log.jsonl")
    capped = request(tmp_path / "c60.json", max_tokens=60)
    (m,) = cli.json("estimate", capped, "--calibrate-from", log, "-m", "gpt-4.1", *FIXTURE)["models"]
    assert (m["output_tokens_total"], m["total_usd"], m["worst_case_total_usd"]) == (180, "0.00146", "0.00146")
    loose = request(tmp_path / "c200.json", max_tokens=200)
    (m,) = cli.json("estimate", loose, "--calibrate-from", log, "-m", "gpt-4.1", *FIXTURE)["models"]
    assert (m["output_tokens_total"], m["total_usd"], m["worst_case_total_usd"]) == (300, "0.00242", "0.00482")


def test_plan_takes_it_once_too(cli: Cli, tmp_path: Path) -> None:
    """1,000 requests a day, 30 days: 30,000 x $0.00242 = $72.60 (was $216.60); an uncapped request
    reserves the observed 300 once (was 900)."""
    log = log_of_three_choices(tmp_path / "log.jsonl")
    request(tmp_path / "n3.json")
    (tmp_path / "w.yaml").write_text(
        "model: gpt-4.1\nprompts: [n3.json]\noutput_tokens: 500\ntraffic: {requests_per_day: 1000}\ntier: 2\n"
    )
    doc = cli.json("plan", tmp_path / "w.yaml", "--calibrate-from", log, *FIXTURE)
    assert Decimal(doc["models"][0]["monthly_cost_usd"]["standard"]) == Decimal("72.6")
    assert (doc["inputs"]["mean_expected_output_tokens"], doc["inputs"]["mean_output_reservation_tokens"]) == (300, 300)
    assert doc["inputs"]["expected_output_capped_requests"] == 0
