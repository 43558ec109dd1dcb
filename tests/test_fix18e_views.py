"""Views: machine formats carry a ratio at the places the others use; counts read "1 day", not "1 days"."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_EVEN, Decimal

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
