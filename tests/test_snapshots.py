"""A snapshot is reported under its own name with its own lifecycle; usage marks the snapshots a log
names, prices tokens only (and says so), and totals at the title's precision."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.catalog import load_catalog

from .conftest import ROOT, chat_response
from .test_alias_dates import repointed_catalog

SNAP = "gpt-4.1-2025-04-14"
MINI_SNAP = "gpt-4.1-mini-2025-04-14"
TODAY = ("--as-of", "2026-12-06")
#: 1,200 input (1,024 cached) and 300 output tokens on gpt-4.1: 176 x $2 + 1,024 x $0.50 + 300 x $8, per million
LATE_COST = "0.003264"


def _log(tmp_path: Path, *lines: str) -> str:
    p = tmp_path / "log.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


DEC_1 = 1_796_083_200  # 2026-12-01 00:00 UTC
JAN_15 = 1_800_000_000  # 2027-01-15 08:00 UTC, the day after the snapshots' shutdown


def test_a_snapshot_resolves_to_its_name_its_family_and_its_own_dates() -> None:
    catalog = load_catalog(ROOT / "pricing.yaml")
    snap, alias = catalog.resolve(SNAP), catalog.resolve("gpt-4.1")
    assert (snap.label, snap.family, snap.dated_apart) == (SNAP, "gpt-4.1", True)
    assert (alias.label, alias.family, alias.dated_apart) == ("gpt-4.1", "gpt-4.1", False)
    # the alias shuts down with its only snapshot: the same dates, inferred (tests/test_alias_dates.py)
    assert (str(snap.lifecycle.shutdown_on), str(alias.lifecycle.shutdown_on)) == ("2027-01-14", "2027-01-14")
    assert (snap.lifecycle.basis, alias.lifecycle.basis) == ("documented", "inferred")
    # nano's snapshot shares its alias's dates: shown as given, not dated apart
    nano = catalog.resolve("gpt-4.1-nano-2025-04-14")
    assert (nano.label, nano.family, nano.dated_apart) == ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", False)
    ft = catalog.resolve(f"ft:{SNAP}:acme::x1")
    assert (ft.label, ft.family, ft.dated_apart) == (f"ft:{SNAP}:acme::x1", f"ft:{SNAP}:acme::x1", False)


@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_alias_and_snapshot_are_two_rows_each_with_its_status(cli, command) -> None:
    extra = ["--peak-rpm", "10", "--output-tokens", "100"] if command == "limits" else []
    args = [command, "--input-tokens", "1000", "-m", "gpt-4.1", "-m", SNAP, *extra, *TODAY]
    doc = cli.json(*args)
    assert [(m["model"], m["lifecycle"]["status"], m["lifecycle"]["basis"]) for m in doc["models"]] == [
        ("gpt-4.1", "deprecated", "inferred"),
        (SNAP, "deprecated", "documented"),
    ]
    for fmt in ("table", "csv", "markdown"):
        out = cli(*args, "-f", fmt).stdout
        rows = [line for line in out.splitlines() if line.lstrip(" |").startswith(SNAP) and "deprecated" in line]
        assert rows, (fmt, out)
        assert not [line for line in rows if "inferred" in line]


def test_estimate_prices_alias_and_snapshot_alike(cli) -> None:
    doc = cli.json("estimate", "--input-tokens", "1000", "-m", "gpt-4.1", "-m", SNAP, *TODAY)
    assert doc["models"][0]["total_usd"] == doc["models"][1]["total_usd"] == "0.006"


def test_plan_names_the_snapshot_it_fails(cli, tmp_path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        f"model: {SNAP}\ninput_tokens: 1000\noutput_tokens: 200\ntraffic: {{requests_per_day: 1000}}\ntier: 3\n"
    )
    r = cli("plan", str(wl), "--check", *TODAY)
    assert r.exit_code == 1
    assert f"{SNAP} (100% of the traffic) shuts down on 2027-01-14" in r.stdout
    assert f"check failed: {SNAP} (100% of the traffic)" in r.stderr
    assert "gpt-4.1 (100%" not in r.stdout + r.stderr
    doc = cli.json("plan", str(wl), *TODAY)
    assert [m["model"] for m in doc["models"]] == [SNAP]
    assert doc["models"][0]["lifecycle"]["status"] == "deprecated"


def test_plan_on_the_alias_passes_where_the_catalog_leaves_it_undated(cli, tmp_path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        "model: gpt-4.1\ninput_tokens: 1000\noutput_tokens: 200\ntraffic: {requests_per_day: 1000}\ntier: 3\n"
    )
    # the shipped catalog dates the alias as its only snapshot (inferred): tests/test_alias_dates.py
    assert cli("plan", str(wl), "--check", *TODAY).exit_code == 1
    assert cli("plan", str(wl), "--check", "--pricing", repointed_catalog(tmp_path), *TODAY).exit_code == 0


def test_a_workload_lists_alias_and_snapshot_once(cli, tmp_path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        f"models: {{gpt-4.1: 0.5, {SNAP}: 0.5}}\ninput_tokens: 1000\noutput_tokens: 200\n"
        "traffic: {requests_per_day: 1000}\ntier: 3\n"
    )
    r = cli("plan", str(wl), *TODAY)
    assert r.exit_code != 0 and r.stdout == ""
    assert "the same model as 'gpt-4.1'" in r.stderr


def test_usage_marks_the_deprecated_snapshots_a_log_names(cli, tmp_path) -> None:
    log = _log(
        tmp_path,
        chat_response("a", SNAP, DEC_1),
        chat_response("b", "gpt-4.1", DEC_1),
        chat_response("c", MINI_SNAP, DEC_1),
        chat_response("d", MINI_SNAP, DEC_1),
    )
    doc = cli.json("usage", log, *TODAY)
    # one row a model: alias and snapshot share prices
    assert [(m["model"], m["requests"], m["lifecycle"]["status"]) for m in doc["models"]] == [
        ("gpt-4.1", 2, "deprecated"),  # inferred from its only snapshot
        ("gpt-4.1-mini", 2, "deprecated"),
    ]
    assert [(s["model"], s["counted_under"], s["requests"], s["lifecycle"]["status"]) for s in doc["snapshots"]] == [
        (SNAP, "gpt-4.1", 1, "deprecated"),
        (MINI_SNAP, "gpt-4.1-mini", 2, "deprecated"),
    ]
    assert doc["snapshots"][0]["lifecycle"]["shutdown_on"] == "2027-01-14"
    out = cli("usage", log, *TODAY).stdout
    assert f"the records name {SNAP} (1 request, priced in the gpt-4.1 row): deprecated, shuts down 2027-01-14" in (
        " ".join(out.split())
    )
    assert f"the records name {MINI_SNAP} (2 requests, priced in the gpt-4.1-mini row)" in " ".join(out.split())
    assert "the alias gpt-4.1-mini shuts down with it (inferred)" in " ".join(out.split())


def test_usage_of_aliases_only_has_no_snapshot_mark(cli, tmp_path) -> None:
    log = _log(tmp_path, chat_response("b", "gpt-4.1", DEC_1))
    doc = cli.json("usage", log, *TODAY)
    assert doc["snapshots"] == []
    assert "records name" not in cli("usage", log, *TODAY).stdout


def test_usage_after_the_shutdown_names_the_snapshot(cli, tmp_path) -> None:
    log = _log(tmp_path, chat_response("x1", SNAP, JAN_15))
    r = cli("usage", log, "--as-of", "2027-02-01")
    assert r.exit_code == 0, r.stderr
    assert f"{SNAP}: 1 request dated after its shutdown on 2027-01-14 (2027-01-15)" in r.stderr
    assert "gpt-4.1: 1 request" not in r.stdout + r.stderr
    doc = cli.json("usage", log, "--as-of", "2027-02-01")
    assert [a["model"] for a in doc["after_shutdown"]] == [SNAP]
    assert doc["snapshots"][0]["lifecycle"]["status"] == "shut_down"
    assert doc["total_usd"] == LATE_COST


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_usage_total_line_has_the_titles_precision(cli, tmp_path, fmt) -> None:
    log = _log(tmp_path, chat_response("x1", SNAP, JAN_15))
    out = cli("usage", log, "--as-of", "2027-02-01", "-f", fmt).stdout.replace("\\$", "$")  # Markdown's \$ reads $
    assert f"Usage: 1 record, 1 request, ${LATE_COST}" in out
    assert out.rstrip().endswith(f"Total ${LATE_COST} for 1 request.")


def test_usage_total_line_with_unpriced_requests(cli, tmp_path) -> None:
    log = _log(tmp_path, chat_response("x1", "gpt-4.1", DEC_1), chat_response("x2", "gpt-4o-2024-08-06", DEC_1))
    out = cli("usage", log, *TODAY).stdout
    assert f"Total ${LATE_COST} for 1 priced request; 1 request not priced (see above)." in out
    big = _log(
        tmp_path, *(chat_response(f"y{i}", "gpt-4.1", DEC_1, prompt=1_000_000, cached=0, out=0) for i in range(60))
    )
    assert cli("usage", big, *TODAY).stdout.rstrip().endswith("Total $120.00 for 60 requests.")


def _responses_with_tools(tmp_path: Path) -> str:
    record = {
        "id": "resp_ws",
        "object": "response",
        "created_at": DEC_1,
        "model": SNAP,
        "output": [
            {
                "type": "web_search_call",
                "id": "ws_1",
                "status": "completed",
                "action": {"type": "search", "query": "x"},
            },
            {"type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["q"], "results": None},
            {"type": "message", "id": "m1", "role": "assistant", "content": [{"type": "output_text", "text": "hi"}]},
        ],
        "tools": [{"type": "web_search_preview"}],
        "usage": {"input_tokens": 3000, "input_tokens_details": {"cached_tokens": 2048}, "output_tokens": 500},
    }
    return _log(tmp_path, json.dumps(record))


def test_usage_says_tool_calls_are_not_priced(cli, tmp_path) -> None:
    log = _responses_with_tools(tmp_path)
    doc = cli.json("usage", log, *TODAY)
    # tokens only: 952 x $2 + 2,048 x $0.50 + 500 x $8, per million
    assert Decimal(doc["total_usd"]) == Decimal("0.006928")
    assert (
        "web search" in doc["assumptions"]["tool_calls"] and "not in these figures" in doc["assumptions"]["tool_calls"]
    )
    out = " ".join(cli("usage", log, *TODAY).stdout.split())
    assert "tool calls: tokens only: built-in tool calls (web search, file search" in out
    # an assumption: said on every report, not only when a log holds tool calls
    plain = cli.json("usage", _log(tmp_path, chat_response("b", "gpt-4.1", DEC_1)), *TODAY)
    assert plain["assumptions"]["tool_calls"] == doc["assumptions"]["tool_calls"]


def test_an_emitted_workload_says_which_snapshots_the_records_name(cli, tmp_path) -> None:
    log = _log(tmp_path, chat_response("a", SNAP, DEC_1), chat_response("b", "gpt-4.1", DEC_1 + 86_400))
    out = tmp_path / "wl.yaml"
    # a catalog whose alias is dated apart from its snapshot (here: undated, as for an alias OpenAI re-points)
    cat = ("--pricing", repointed_catalog(tmp_path))
    r = cli("usage", log, "--tier", "2", "--emit-workload", str(out), *cat, *TODAY)
    assert r.exit_code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert f"# The records name {SNAP} (1 request, under gpt-4.1 below): deprecated, shuts down 2027-01-14" in text
    assert 'models: {"gpt-4.1": 1.0000}' in text  # one entry a model, as a workload lists it
    assert cli("plan", str(out), "--check", *cat, *TODAY).exit_code == 0
    # named as the comment says, the snapshot's dates hold
    out.write_text(text.replace('models: {"gpt-4.1": 1.0000}', f'models: {{"{SNAP}": 1.0000}}'), encoding="utf-8")
    assert cli("plan", str(out), "--check", *cat, *TODAY).exit_code == 1


def test_an_emitted_workload_needs_no_comment_where_the_alias_shares_the_dates(cli, tmp_path) -> None:
    log = _log(tmp_path, chat_response("a", SNAP, DEC_1), chat_response("b", "gpt-4.1", DEC_1 + 86_400))
    out = tmp_path / "wl.yaml"
    assert cli("usage", log, "--tier", "2", "--emit-workload", str(out), *TODAY).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "# The records name" not in text
    # the shipped alias shuts down with its snapshot (inferred): the gate holds the alias to the date
    r = cli("plan", str(out), "--check", *TODAY)
    assert r.exit_code == 1
    assert "gpt-4.1 (100% of the traffic) shuts down on 2027-01-14 (inferred: its only snapshot" in r.stderr
