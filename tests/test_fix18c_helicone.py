"""Helicone's request rows are dated by their ``request_created_at`` (the name Helicone's query
language gives a request's time: docs.helicone.ai/features/hql). Such a row (``request_id``,
``prompt_tokens``, ``completion_tokens`` and ``model`` at the top) is read as a LiteLLM spend-log
row is; before, none of its keys was a time key, so it was priced at the run date's prices and
counted undated."""

from __future__ import annotations

import json

import pytest

import gpt41cost


def _row(n: int, when: str) -> dict[str, object]:
    return {
        "request_id": f"req-{n}",
        "request_created_at": when,
        "request_model": "gpt-4.1-mini",
        "model": "gpt-4.1-mini",
        "prompt_tokens": 1000,
        "completion_tokens": 200,
        "total_tokens": 1200,
        "status": 200,
    }


ROWS = [_row(1, "2026-12-03T10:00:00.000Z"), _row(2, "2026-12-04 23:30:00"), _row(3, "2026-12-04T23:30:00-02:00")]


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param("jsonl", id="jsonl"),
        pytest.param("json", id="pretty-printed-document"),
    ],
)
def test_a_helicone_row_is_dated_by_request_created_at(cli, tmp_path, layout) -> None:
    """Before: undated_requests 3, no by_day rows; after: 0, and each row on its UTC day (the last
    one, 23:30 at UTC-2, is 01:30 UTC on 2026-12-05)."""
    path = tmp_path / f"helicone.{layout}"
    if layout == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    else:
        path.write_text(json.dumps(ROWS, indent=2), encoding="utf-8")
    doc = cli.json("usage", path)
    assert doc["requests"] == 3
    assert doc["undated_requests"] == 0
    days = [(d["day"], d["requests"]) for d in doc["by_day"]]
    assert days == [("2026-12-03", 1), ("2026-12-04", 1), ("2026-12-05", 1)]
    assert gpt41cost.usage(path).to_dict()["by_day"] == doc["by_day"]


def test_request_created_at_is_named_in_the_days_assumption(cli, tmp_path) -> None:
    path = tmp_path / "helicone.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n", encoding="utf-8")
    assert "request_created_at" in cli.json("usage", path)["assumptions"]["days"]


def test_a_bad_request_created_at_is_a_bad_record_naming_it(cli, tmp_path) -> None:
    path = tmp_path / "helicone.jsonl"
    path.write_text(json.dumps(_row(1, "yesterday")) + "\n", encoding="utf-8")
    run = cli("usage", path)
    assert run.exit_code != 0 and run.stdout == ""
    assert "request_created_at" in run.stderr and len(run.stderr.strip().splitlines()) == 1
