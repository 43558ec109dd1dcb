"""Views: machine formats carry a ratio at the places the others use; counts read "1 day", not "1 days"."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from .conftest import ROOT, Cli
from .rendered import rendered

COMPLETIONS = ROOT / "samples" / "bill-2026-11" / "completions"
PEAKS = ["usage", COMPLETIONS, "--forecast", "--tier", "3", "--as-of", "2026-11-20"]


def test_peak_tokens_per_minute_keeps_six_places_in_json_and_csv(cli: Cli, monkeypatch):
    """JSON and CSV rounded tokens a minute to one place (11,000 tokens a day: 7.6, against
    7.638889 at tpm_share's six places); the table keeps one place."""
    run = rendered(cli, monkeypatch, PEAKS, env={"COLUMNS": "200"}, expect=0)
    peaks = json.loads(run.again("json"))["forecast"]["peak_days"]
    exact = [(Decimal(p["tokens"]) / 1440).quantize(Decimal("0.000001"), ROUND_HALF_EVEN) for p in peaks]
    assert [Decimal(str(p["tokens_per_minute_day_avg"])) for p in peaks] == exact
    assert all(len(str(p["tpm_share"]).split(".")[1]) <= 6 for p in peaks)
    rows = list(csv.DictReader(io.StringIO(run.again("csv", "peak-days"))))
    assert [Decimal(r["tokens/min (day avg)"]) for r in rows] == exact
    for v in exact:
        assert f"{v.quantize(Decimal('0.1')):,}" in run.run.stdout


def _records(path, days):
    lines = []
    for i, day in enumerate(days):
        created = int(dt.datetime(2026, 11, day, 12, tzinfo=dt.UTC).timestamp())
        usage = {"prompt_tokens": 1000, "completion_tokens": 100}
        lines.append(
            json.dumps({"id": f"c{i}", "created": created, "model": "gpt-4.1-mini-2025-04-14", "usage": usage})
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "days, said",
    [
        pytest.param(
            [5],
            ["Usage: 1 record, 1 request, $0.000560", "(mean of 1 day, 2026-11-05", "the mean of the last 1 day."],
            id="one-record",
        ),
        pytest.param([5, 6], ["(mean of 1 day, ", "the mean of the last 1 complete day."], id="one-complete-day"),
    ],
)
def test_one_of_a_count_is_singular(cli: Cli, tmp_path, days, said):
    """'Usage: 1 records, 1 requests', 'mean of 1 days', 'the mean of the last 1 complete days'."""
    out = cli("usage", _records(tmp_path / "log.jsonl", days), "--forecast", "--as-of", "2026-11-06", expect=0).stdout
    for text in said:
        assert text in out


def test_one_request_measured_is_singular(cli: Cli, tmp_path):
    """plan and limits: 'input tokens/request: 1 requests measured'."""
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello there", encoding="utf-8")
    out = cli("limits", prompt, "--peak-rpm", "10", "--max-tokens", "100", "-m", "gpt-4.1", expect=0).stdout
    assert "input tokens/request: 1 request measured: mean 2," in out
