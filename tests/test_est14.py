"""Session 14, est14: estimate's processing counts the requests whose body asks for priority
(item C), the workload's hints for service_tier-like keys (item D), the release-date rule
(item H) and pricing --as-of not showing dates announced later (item L)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DATA

FIXTURE = str(DATA / "pricing-fixture.yaml")

CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "What is 2+2?"}], "max_tokens": 200}
BATCH_LINE = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": CHAT}


def _est(**kw):  # type: ignore[no-untyped-def]
    import gpt41cost

    return gpt41cost.estimate(models="gpt-4.1", catalog=FIXTURE, as_of="2026-11-20", **kw)


def _write(path: Path, *bodies: dict) -> str:  # type: ignore[type-arg]
    path.write_text("\n".join(json.dumps(b) for b in bodies) + "\n")
    return str(path)


# --------------------------------------------------------------------------- item C: processing counts bodies


def test_one_body_asking_priority_is_counted_at_priority(tmp_path: Path) -> None:
    e = _est(paths=[_write(tmp_path / "r.json", {**CHAT, "service_tier": "priority"})], per_input=True)
    doc = e.to_dict()
    assert doc["assumptions"]["processing"] == "priority"  # was "standard"
    assert doc["assumptions"]["requests_by_processing"] == {"priority": 1}
    assert doc["inputs"][0]["processing"] == "priority"
    assert e.result.modes == {"priority": 1}


def test_a_mixed_input_counts_each_request(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.jsonl", {**CHAT, "service_tier": "priority"}, CHAT, {**CHAT, "service_tier": "fast"})
    s = _write(tmp_path / "s.json", CHAT)
    b = _write(tmp_path / "b.jsonl", {**BATCH_LINE, "body": {**CHAT, "service_tier": "priority"}})
    e = _est(paths=[p, s, b], per_input=True)
    doc = e.to_dict()
    assert doc["assumptions"]["processing"] == "mixed"
    # the Batch line asking priority stays at Batch rates; fast is priority's other name
    assert doc["assumptions"]["requests_by_processing"] == {"priority": 2, "standard": 2, "batch": 1}
    assert [i["processing"] for i in doc["inputs"]] == ["mixed", "standard", "batch"]
    assert e.result.inputs[0].requests_by_processing == (("priority", 2), ("standard", 1))
    # each input's own counts, in JSON as in the table's "priced at"
    by_input = [i["requests_by_processing"] for i in doc["inputs"]]
    assert by_input == [{"priority": 2, "standard": 1}, {"standard": 1}, {"batch": 1}]


def test_the_processing_line_and_column_say_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = _write(tmp_path / "p.jsonl", {**CHAT, "service_tier": "priority"}, CHAT, {**CHAT, "service_tier": "priority"})
    s = _write(tmp_path / "s.json", CHAT)
    common = ("--pricing", FIXTURE, "--as-of", "2026-11-20", "-m", "gpt-4.1")
    r = cli("estimate", p, s, *common, "--per-input")
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("processing:"))
    assert "priority for the 2 requests whose bodies ask for it" in line
    assert "standard for the other 2 requests" in line
    row = next(x for x in r.stdout.splitlines() if x.strip().startswith(p))
    assert "priority 2, standard 1" in row
    one = cli("estimate", _write(tmp_path / "one.json", {**CHAT, "service_tier": "priority"}), *common)
    line = next(x for x in one.stdout.splitlines() if x.strip().startswith("processing:"))
    assert line.strip() == "processing: priority: the request's body asks for it (service_tier priority or fast)"


def test_flags_still_name_one_mode(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.jsonl", {**CHAT, "service_tier": "priority"}, CHAT)
    assert _est(paths=[p], batch=True).to_dict()["assumptions"]["requests_by_processing"] == {"batch": 2}
    assert _est(paths=[p], priority=True).to_dict()["assumptions"]["requests_by_processing"] == {"priority": 2}
    assert _est(paths=[_write(tmp_path / "s.json", CHAT)]).to_dict()["assumptions"]["processing"] == "standard"


# --------------------------------------------------------------------------- item D: hints for service_tier and kin

WORKLOAD = "model: gpt-4.1\ninput_tokens: 1000\ntraffic: {{requests_per_day: 10}}\n{extra}\n"


@pytest.mark.parametrize(
    ("extra", "hint"),
    [
        pytest.param(
            "service_tier: priority",
            "service_tier: unknown key; use priority_share: 1 (the share of requests sent with service_tier priority)",
            id="service_tier-priority",
        ),
        pytest.param("service_tier: fast", "use priority_share: 1 (", id="service_tier-fast"),
        pytest.param("service_tier: default", "use priority_share: 0 (", id="service_tier-default"),
        pytest.param("service_tier: batch", "use batch_share: 1 (", id="service_tier-batch"),
        pytest.param("priority: true", "priority: unknown key; use priority_share: 1 (", id="priority-true"),
        pytest.param("priority: 0.25", "use priority_share: 0.25 (", id="priority-share"),
        pytest.param("priority: 30", "use priority_share (the share of", id="priority-percent"),
        pytest.param("batch: true", "batch: unknown key; use batch_share: 1 (", id="batch-true"),
        pytest.param("servce_tier: priority", "servce_tier: unknown key; use priority_share: 1 (", id="misspelt"),
        pytest.param(
            "requests_per_day: 10",
            "requests_per_day: unknown key here; put it under traffic (traffic: {requests_per_day: ...})",
            id="traffic-key-at-top",
        ),
        pytest.param("teir: 2", "teir: unknown key; did you mean 'tier'?", id="close-key-unchanged"),
    ],
)
def test_a_processing_key_points_to_its_share(cli, tmp_path: Path, extra: str, hint: str) -> None:  # type: ignore[no-untyped-def]
    w = tmp_path / "w.yaml"
    w.write_text(WORKLOAD.format(extra=extra))
    r = cli("plan", w, "--pricing", FIXTURE)
    assert r.exit_code == 3
    assert r.stdout == ""
    assert r.stderr.startswith(f"gpt41cost: error: {w}:4: ") and r.stderr.count("\n") == 1
    assert hint in r.stderr


# --------------------------------------------------------------------------- item H: the release-date rule


def test_rules_list_the_release_date_inference(cli) -> None:  # type: ignore[no-untyped-def]
    rules = cli("rules", "-f", "json", expect=0).json()["rules"]
    found = [r for r in rules if r["name"] == "release date"]
    assert len(found) == 1
    rule = found[0]
    assert (rule["area"], rule["basis"], rule["source"]) == ("dates", "inference", "LAUNCH")
    assert (
        "first from-date of its standard prices (2025-04-14 for gpt-4.1, gpt-4.1-mini and gpt-4.1-nano"
        in (rule["text"])
    )
    # what it says, on the shipped catalog: the day before, not yet released; that day, served
    before = cli("estimate", "--input-tokens", "1000", "-m", "gpt-4.1", "--as-of", "2025-04-13", "-f", "json")
    on = cli("estimate", "--input-tokens", "1000", "-m", "gpt-4.1", "--as-of", "2025-04-14", "-f", "json")
    assert before.json()["models"][0]["lifecycle"]["status"] == "not_yet_released"
    assert on.json()["models"][0]["lifecycle"]["status"] == "active"
    # and docs/accounting.md's rule index lists it as the rules command does
    from .conftest import ROOT

    assert "| dates | release date | inference | §1 |" in (ROOT / "docs" / "accounting.md").read_text()


# --------------------------------------------------------------------------- item L: pricing --as-of and later news


def test_pricing_marks_lifecycle_dates_announced_after_the_run_date(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("pricing", "--as-of", "2025-03-01", expect=0)
    nano = next(x for x in r.stdout.splitlines() if x.strip().startswith("gpt-4.1-nano ") and "released" in x)
    assert "2026-04-22 (announced later)" in nano and "2026-10-23 (announced later)" in nano
    assert "gpt-4.1-mini (announced later)" in nano and "gpt-5.6-luna (announced later)" in nano
    assert "were announced after 2025-03-01 (on 2026-04-22 and 2026-10-14): not known on that date" in r.stdout
    assert "checked 2026-12-06, 645 days after 2025-03-01" in r.stdout  # was "-645 days before"
    # JSON and CSV keep the dates plain and say it in a key or column
    doc = cli("pricing", "--as-of", "2026-06-01", "-f", "json", expect=0).json()
    lc = {m["model"]: m["lifecycle"] for m in doc["models"]}
    assert lc["gpt-4.1"]["announced_later"] is True and lc["gpt-4.1"]["shutdown_on"] == "2027-01-14"
    assert lc["gpt-4.1-nano"]["announced_later"] is False  # announced 2026-04-22
    csv = cli("pricing", "--as-of", "2026-06-01", "-f", "csv", "--table", "lifecycle", expect=0).stdout.splitlines()
    assert csv[0].endswith(",announced later")
    assert "gpt-4.1,active,2026-10-14,2027-01-14,inferred,,gpt-6-luna,yes" in csv
    assert "gpt-4.1-nano,deprecated,2026-04-22,2026-10-23,documented,gpt-4.1-mini,gpt-5.6-luna,no" in csv


def test_pricing_on_or_after_the_announcements_marks_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("pricing", "--as-of", "2026-10-14", expect=0)
    assert "announced later" not in r.stdout
    doc = cli("pricing", "--as-of", "2026-10-14", "-f", "json", expect=0).json()
    assert not any(m["lifecycle"]["announced_later"] for m in doc["models"])
