"""Review 18b: `usage --forecast` on logs as users keep them, checked by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import gpt41cost

DEC_1 = 1796126400  # 2026-12-01T12:00:00Z


def _line(rid: str, created: int | None, prompt: int, completion: int) -> str:
    record: dict[str, object] = {
        "id": rid,
        "object": "chat.completion",
        "model": "gpt-4.1-2025-04-14",
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }
    if created is not None:
        record["created"] = created
    return json.dumps(record) + "\n"


def test_forecast_says_it_leaves_out_requests_without_a_timestamp(tmp_path: Path) -> None:
    # five days of two dated requests ($0.0028 each: 1,000 in at $2, 100 out at $8), and three
    # responses logged without any time ($0.2008 each: 100,000 in, 100 out): the run's total holds
    # them, the forecast cannot place them on a day; it must say it leaves $0.6024 out
    log = tmp_path / "app.jsonl"
    lines = [_line(f"d{day}-{k}", DEC_1 + 86_400 * day, 1_000, 100) for day in range(5) for k in range(2)]
    lines += [_line(f"u{k}", None, 100_000, 100) for k in range(3)]
    log.write_text("".join(lines))
    result = gpt41cost.usage([log], forecast=True, as_of="2026-12-06")
    assert result.to_dict()["total_usd"] == "0.6304"
    f = result.to_dict()["forecast"]
    assert (f["spent_usd"], f["run_rate_usd_per_day"], f["days_left"]) == ("0.028", "0.0056", 26)
    assert f["projected_usd"] == "0.1736"  # 0.028 + 26 x 0.0056: the undated requests are in none of it
    rate = f["assumptions"]["run_rate"]
    assert "3 requests without a timestamp ($0.6024 at the run date's prices) are on no day" in rate
    assert "left out of the spend so far, the rate and the projection" in rate
    assert "without a timestamp" in result.render("table")


def test_forecast_of_dated_records_only_says_nothing_of_undated(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_text("".join(_line(f"d{day}", DEC_1 + 86_400 * day, 1_000, 100) for day in range(3)))
    f = gpt41cost.usage([log], forecast=True, as_of="2026-12-06").to_dict()["forecast"]
    assert "timestamp" not in f["assumptions"]["run_rate"]
    assert Decimal(f["spent_usd"]) == Decimal("0.0084")


def test_forecast_says_when_the_records_start_after_the_month_began(tmp_path: Path) -> None:
    # a log kept for fewer days (or read with a later --since): records from 2026-12-04 only; the
    # spend so far is labelled from 2026-12-01, so the days before the records must be named
    log = tmp_path / "app.jsonl"
    log.write_text("".join(_line(f"d{day}", DEC_1 + 86_400 * day, 1_000, 100) for day in range(3, 6)))
    f = gpt41cost.usage([log], forecast=True, as_of="2026-12-07").to_dict()["forecast"]
    assert (f["spent_usd"], f["run_rate_days"], f["days_left"]) == ("0.0084", 3, 25)
    assert (
        "the records start on 2026-12-04: the month's days before it (2026-12-01 to 2026-12-03) count as none"
        in f["assumptions"]["run_rate"]
    )


def test_forecast_of_records_from_the_month_before_names_no_start(tmp_path: Path) -> None:
    # the records began in November: December's first day is covered, nothing to say
    log = tmp_path / "app.jsonl"
    log.write_text("".join(_line(f"d{day}", DEC_1 + 86_400 * day, 1_000, 100) for day in range(-2, 3)))
    f = gpt41cost.usage([log], forecast=True, as_of="2026-12-07").to_dict()["forecast"]
    assert f["month"] == "2026-12" and f["spent_usd"] == "0.0084"
    assert "records start" not in f["assumptions"]["run_rate"]
