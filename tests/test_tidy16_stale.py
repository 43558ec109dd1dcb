"""A stale catalog's note is a warning of the report itself (estimate, limits, plan, usage), not
one the CLI works out again from the JSON: the API's ``report().warnings`` carry it, as stderr does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gpt41cost

ROOT = Path(__file__).parent.parent
FIXTURE = str(ROOT / "tests" / "data" / "pricing-fixture.yaml")  # checked 2025-04-14
STALE = "prices last checked 140 days ago; see `gpt41cost pricing`"
FRESH_DAY, STALE_DAY = "2025-07-13", "2025-09-01"  # 90 days after the catalog's check: not stale; 140: stale


def _runs(day: str) -> dict[str, gpt41cost.api.Result]:
    cat = gpt41cost.load_catalog(FIXTURE)
    workload = str(ROOT / "samples" / "workloads" / "ticket-classifier.yaml")
    return {
        "estimate": gpt41cost.estimate(input_tokens=1000, models=["gpt-4.1"], catalog=cat, as_of=day),
        "limits": gpt41cost.limits(input_tokens=1000, max_tokens=100, peak_rpm=5, catalog=cat, as_of=day),
        "plan": gpt41cost.plan(workload, catalog=cat, as_of=day),
        "usage": gpt41cost.usage([str(ROOT / "samples" / "usage")], catalog=cat, as_of=day),
    }


@pytest.mark.parametrize("command", ["estimate", "limits", "plan", "usage"])
def test_the_stale_note_is_the_reports_last_warning(command: str):
    stale, fresh = _runs(STALE_DAY)[command].report(), _runs(FRESH_DAY)[command].report()
    assert STALE in stale.notes and stale.warnings[-1] == STALE and list(stale.warnings).count(STALE) == 1
    assert list(stale.warnings[:-1]) == list(fresh.warnings)  # the one warning more
    assert not any("prices last checked" in w for w in fresh.warnings)


def test_pricing_reports_its_age_as_a_note_only():
    report = gpt41cost.pricing(catalog=gpt41cost.load_catalog(FIXTURE), as_of=STALE_DAY).report()
    assert STALE in report.notes and not report.warnings


def _batch(tmp_path: Path, ids: tuple[str, ...]) -> Path:
    path = tmp_path / "batch.jsonl"
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 100}
    path.write_text("".join(json.dumps({"custom_id": i, "method": "POST", "url": "/v1/chat/completions",
                                        "body": body}) + "\n" for i in ids))  # fmt: skip
    return path


def test_a_batch_the_preflight_rejects_says_that_alone_of_a_stale_catalog(cli, tmp_path: Path):
    """A rejected batch's stderr is its error line (and the models' status), no stale-catalog line:
    in the report's warnings as on stderr."""
    dup = _batch(tmp_path, ("a", "a", "b"))  # a custom_id twice: OpenAI rejects the file
    cat = gpt41cost.load_catalog(FIXTURE)
    result = gpt41cost.estimate([str(dup)], catalog=cat, as_of=STALE_DAY)
    assert result.rejected is not None
    assert STALE in result.report().notes and STALE not in result.report().warnings
    r = cli(["estimate", str(dup), "--pricing", FIXTURE, "--as-of", STALE_DAY])
    assert r.exit_code == 1 and "prices last checked" not in r.stderr
    assert r.stderr.endswith("each must be unique\n")
    ok = cli(["estimate", str(_batch(tmp_path, ("a", "b"))), "--pricing", FIXTURE, "--as-of", STALE_DAY])
    assert ok.exit_code == 0 and ok.stderr.endswith(f"gpt41cost: warning: {STALE}\n")


@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_the_cli_writes_the_reports_warnings_once(cli, fmt: str):
    r = cli(["usage", str(ROOT / "samples" / "usage"), "--pricing", FIXTURE, "--as-of", STALE_DAY, "-f", fmt])
    assert r.exit_code == 0 and r.stderr.count(STALE) == 1
    assert r.stderr.endswith(f"gpt41cost: warning: {STALE}\n")
