"""An alias whose every snapshot is dated shuts down with the last of them (an inference, marked so).

OpenAI's deprecations entry of 2026-10-14 shuts down the snapshots gpt-4.1-2025-04-14 and
gpt-4.1-mini-2025-04-14 on 2027-01-14 and names no other snapshot and no re-pointing of the aliases
gpt-4.1 and gpt-4.1-mini, so the shipped catalog dates the aliases as their only snapshots
(``basis: inferred``, docs/accounting.md §1); a catalog of your own drops that for an alias OpenAI
re-points, or gives the alias dates of its own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gpt41cost.catalog import load_catalog
from gpt41cost.errors import CatalogError
from gpt41cost.lifecycle import INFERRED, Lifecycle, inferred_from_snapshots

from .conftest import ROOT, chat_response

SHIPPED = ROOT / "gpt41cost" / "pricing.yaml"
ALIASES = {"gpt-4.1": "gpt-4.1-2025-04-14", "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14"}
BASIS_LINE = "      basis: inferred\n"


def repointed_catalog(tmp_path: Path, *, alias_lifecycle: str = "") -> str:
    """The shipped catalog as a user whose aliases OpenAI re-pointed writes it: no ``basis:
    inferred`` (the aliases undated), or ``alias_lifecycle`` lines in its place (gpt-4.1 only)."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(BASIS_LINE) == 2
    text = text.replace(BASIS_LINE, "")
    at = text.index("    lifecycle:\n", text.index("\n  gpt-4.1:\n")) + len("    lifecycle:\n")
    p = tmp_path / "repointed.yaml"
    p.write_text(text[:at] + alias_lifecycle + text[at:], encoding="utf-8")
    return str(p)


def _workload(tmp_path: Path, model: str) -> str:
    p = tmp_path / "wl.yaml"
    p.write_text(
        f"model: {model}\ninput_tokens: 1000\noutput_tokens: 200\ntraffic: {{requests_per_day: 1000}}\ntier: 3\n"
    )
    return str(p)


@pytest.mark.parametrize("alias", list(ALIASES))
@pytest.mark.parametrize(
    ("day", "status"),
    [
        pytest.param("2026-06-01", "active", id="before-the-entry"),
        pytest.param("2026-10-13", "active", id="the-day-before"),
        pytest.param("2026-10-14", "deprecated", id="announced"),
        pytest.param("2026-12-06", "deprecated", id="today"),
        pytest.param("2027-01-13", "deprecated", id="last-day"),
        pytest.param("2027-01-14", "shut_down", id="shutdown"),
        pytest.param("2027-03-01", "shut_down", id="after"),
    ],
)
def test_the_alias_follows_its_only_snapshot(cli, alias, day, status) -> None:
    doc = cli.json("estimate", "--input-tokens", "1000", "-m", alias, "--as-of", day)
    assert doc["models"][0]["lifecycle"] == {
        "status": status,
        "deprecated_on": "2026-10-14",
        "shutdown_on": "2027-01-14",
        "substitute": None,
        "replacement": "gpt-6-luna",
        "basis": "inferred",
        "reason": f"its only snapshot {ALIASES[alias]} shuts down 2027-01-14",
        "announced_later": day < "2026-10-14",  # the day the dates were announced
    }


def test_the_snapshot_keeps_its_documented_dates(shipped_catalog) -> None:
    for alias, snap in ALIASES.items():
        own, its = shipped_catalog.resolve(alias).lifecycle, shipped_catalog.resolve(snap).lifecycle
        assert (own.basis, own.inferred_from) == (INFERRED, (snap,))
        assert (its.basis, its.reason, its.inferred_from) == ("documented", None, ())
        assert own.same_dates(its) and own != its
    nano = shipped_catalog.resolve("gpt-4.1-nano").lifecycle  # named by the page itself: documented
    assert (nano.basis, nano.reason) == ("documented", None)


@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_estimate_and_limits_mark_the_alias_inferred(cli, command) -> None:
    extra = ["--peak-rpm", "10", "--output-tokens", "100"] if command == "limits" else []
    args = [command, "--input-tokens", "1000", "-m", "gpt-4.1", "-m", "gpt-4.1-2025-04-14", *extra]
    mark = (
        "deprecated, shuts down 2027-01-14 (inferred from its snapshot), "
        "OpenAI recommends gpt-6-luna (not in this catalog)"
    )
    for fmt in ("table", "markdown", "csv"):
        rows = [line.lstrip(" |") for line in cli(*args, "-f", fmt).stdout.splitlines() if "deprecated" in line]
        alias = [line for line in rows if line.startswith(("gpt-4.1 ", "gpt-4.1,"))]
        snap = [line for line in rows if line.startswith("gpt-4.1-2025-04-14")]
        assert alias and snap, (fmt, rows)
        assert not [line for line in snap if "inferred" in line], (fmt, snap)
        if fmt != "csv":  # CSV carries the raw status; JSON the basis
            assert all(mark in line for line in alias), (fmt, alias)
    doc = cli.json(*args)
    assert [(m["model"], m["lifecycle"]["basis"]) for m in doc["models"]] == [
        ("gpt-4.1", "inferred"),
        ("gpt-4.1-2025-04-14", "documented"),
    ]


@pytest.mark.parametrize("alias", list(ALIASES))
def test_plan_check_fails_on_the_alias_with_the_inferred_date(cli, tmp_path, alias) -> None:
    wl = _workload(tmp_path, alias)
    reason = (
        f"{alias} (100% of the traffic) shuts down on 2027-01-14 (inferred: its only snapshot {ALIASES[alias]} "
        "shuts down 2027-01-14), within the 6-month horizon (to 2027-06-06); OpenAI recommends gpt-6-luna "
        "(not in this catalog)"
    )
    r = cli("plan", wl, "--check", "--as-of", "2026-12-06")
    assert r.exit_code == 1
    assert f"gpt41cost: check failed: {reason}\n" in r.stderr
    assert f"FAIL: {reason}" in r.stdout
    assert cli.json("plan", wl, "--as-of", "2026-12-06")["verdict"]["reasons"] == [reason]
    shut = cli("plan", wl, "--check", "--as-of", "2027-02-01")
    assert shut.exit_code == 1
    assert (
        f"check failed: {alias} (100% of the traffic) is shut down since 2027-01-14 (inferred: its only snapshot "
        f"{ALIASES[alias]} shuts down 2027-01-14); OpenAI recommends gpt-6-luna" in shut.stderr
    )
    # before the entry, nothing is known: the gate passes
    assert cli("plan", wl, "--check", "--as-of", "2026-10-13").exit_code == 0
    # a horizon that ends before the shutdown passes too (1 month from 2026-12-06: to 2027-01-06)
    with open(wl, "a", encoding="utf-8") as f:
        f.write("horizon_months: 1\n")
    assert cli("plan", wl, "--check", "--as-of", "2026-12-06").exit_code == 0


DEC_1 = 1_796_083_200  # 2026-12-01 00:00 UTC
JAN_15 = 1_800_000_000  # 2027-01-15 08:00 UTC, the day after the shutdown


def test_usage_marks_alias_records_after_the_inferred_shutdown(cli, tmp_path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        "\n".join(
            [
                chat_response("a", "gpt-4.1", DEC_1, cached=0),
                chat_response("b", "gpt-4.1", JAN_15, cached=0),
                chat_response("c", "gpt-4.1-mini", JAN_15, cached=0),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    r = cli("usage", str(log), "--as-of", "2027-02-01")
    assert r.exit_code == 0, r.stderr
    for alias, snap in ALIASES.items():
        assert (
            f"{alias}: 1 request dated after its shutdown on 2027-01-14 (inferred: its only snapshot {snap} "
            "shuts down 2027-01-14) (2027-01-15)" in r.stderr
        )
    doc = cli.json("usage", str(log), "--as-of", "2027-02-01")
    assert [(a["model"], a["requests"], a["shutdown_on"]) for a in doc["after_shutdown"]] == [
        ("gpt-4.1", 1, "2027-01-14"),
        ("gpt-4.1-mini", 1, "2027-01-14"),
    ]
    assert [(m["model"], m["lifecycle"]["status"], m["lifecycle"]["basis"]) for m in doc["models"]] == [
        ("gpt-4.1", "shut_down", "inferred"),
        ("gpt-4.1-mini", "shut_down", "inferred"),
    ]
    # records before the shutdown are not marked
    early = tmp_path / "early.jsonl"
    early.write_text(chat_response("a", "gpt-4.1", DEC_1, cached=0) + "\n", encoding="utf-8")
    assert cli.json("usage", str(early), "--as-of", "2027-02-01")["after_shutdown"] == []


def test_pricing_and_rules_say_which_dates_are_inferred(cli) -> None:
    doc = cli.json("pricing")
    four = next(m for m in doc["models"] if m["model"] == "gpt-4.1")
    assert (four["lifecycle"]["status"], four["lifecycle"]["basis"]) == ("deprecated", "inferred")
    assert four["snapshots_lifecycle"]["gpt-4.1-2025-04-14"]["basis"] == "documented"
    table = cli("pricing", "--table", "lifecycle", "-f", "csv").stdout.splitlines()
    assert table[0] == "name,status,deprecated,shuts down,basis,substitute,OpenAI's replacement,announced later"
    assert "gpt-4.1,deprecated,2026-10-14,2027-01-14,inferred,,gpt-6-luna,no" in table
    assert "gpt-4.1-nano,shut_down,2026-04-22,2026-10-23,documented,gpt-4.1-mini,gpt-5.6-luna,no" in table
    assert "gpt-4.1-2025-04-14,deprecated,2026-10-14,2027-01-14,documented,,gpt-6-luna,no" in table
    rules = cli.json("rules")
    row = next(r for r in rules["rules"] if r["name"] == "aliases of dated snapshots")
    assert row["basis"] == "inference" and "shuts down with the last of them" in row["text"]


# --------------------------------------------------------------------------- overriding the inference


def test_a_catalog_without_the_flag_leaves_the_alias_undated(cli, tmp_path) -> None:
    cat = repointed_catalog(tmp_path)
    c = load_catalog(cat)
    assert c.resolve("gpt-4.1").lifecycle == Lifecycle(released_on=date(2025, 4, 14))  # released with its prices
    assert c.resolve("gpt-4.1-2025-04-14").lifecycle.shutdown_on == date(2027, 1, 14)
    wl = _workload(tmp_path, "gpt-4.1")
    assert cli("plan", wl, "--check", "--pricing", cat, "--as-of", "2026-12-06").exit_code == 0
    assert cli("plan", _workload(tmp_path, "gpt-4.1-2025-04-14"), "--check", "--pricing", cat).exit_code == 1
    # an undated name has no basis in JSON, as the pricing table's "-" (it was "documented")
    doc = cli.json("estimate", "--input-tokens", "100", "-m", "gpt-4.1", "--pricing", cat, "--as-of", "2027-01-20")
    assert doc["models"][0]["lifecycle"]["basis"] is None


def test_an_alias_with_dates_of_its_own_wins(cli, tmp_path) -> None:
    own = '      deprecated_on: "2027-03-01"\n      shutdown_on: "2027-09-01"\n      replacement: gpt-6-luna\n'
    cat = repointed_catalog(tmp_path, alias_lifecycle=own)
    lc = load_catalog(cat).resolve("gpt-4.1").lifecycle
    assert (lc.deprecated_on, lc.shutdown_on, lc.basis, lc.reason) == (
        date(2027, 3, 1),
        date(2027, 9, 1),
        "documented",
        None,
    )
    wl = _workload(tmp_path, "gpt-4.1")
    assert cli("plan", wl, "--check", "--pricing", cat, "--as-of", "2026-12-06").exit_code == 0
    r = cli("plan", wl, "--check", "--pricing", cat, "--as-of", "2027-03-01")
    assert r.exit_code == 1
    assert "gpt-4.1 (100% of the traffic) shuts down on 2027-09-01, within" in r.stderr
    assert "inferred" not in r.stderr


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        pytest.param(
            '      basis: inferred\n      shutdown_on: "2027-09-01"\n      deprecated_on: "2027-03-01"\n',
            "models.gpt-4.1.lifecycle.basis: inferred takes the alias's dates from its snapshots; give the alias "
            "dates of its own or basis: inferred, not both",
            id="inferred-and-own-dates",
        ),
        pytest.param(
            "      basis: guessed\n",
            "models.gpt-4.1.lifecycle.basis: 'guessed' is not a basis (documented or inferred)",
            id="unknown-basis",
        ),
    ],
)
def test_a_catalog_that_contradicts_itself_is_refused(cli, tmp_path, lines, problem) -> None:
    cat = repointed_catalog(tmp_path, alias_lifecycle=lines)
    with pytest.raises(CatalogError) as exc:
        load_catalog(cat)
    assert exc.value.message == f"{cat}: {problem}"
    r = cli("estimate", "--input-tokens", "10", "--pricing", cat)
    assert (r.exit_code, r.stdout, r.stderr) == (4, "", f"gpt41cost: error: {cat}: {problem}\n")


def test_inferred_needs_every_snapshot_dated(tmp_path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    # gpt-4.1 with a second, undated snapshot: nothing says when the alias stops being served
    text = text.replace("snapshots: [gpt-4.1-2025-04-14]", "snapshots: [gpt-4.1-2025-04-14, gpt-4.1-2026-01-01]")
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(
        CatalogError,
        match=r"models\.gpt-4\.1\.lifecycle\.basis: inferred needs a shutdown date "
        r"for every snapshot; gpt-4\.1-2026-01-01 has none under lifecycle\.snapshots",
    ):
        load_catalog(p)


def test_several_snapshots_the_last_shutdown_decides() -> None:
    a = Lifecycle(date(2026, 1, 1), date(2026, 6, 1), replacement="x", source="s")
    b = Lifecycle(date(2026, 3, 1), date(2026, 12, 1), substitute="gpt-4.1-mini", source="s")
    got = inferred_from_snapshots({"m-a": a, "m-b": b}, Lifecycle())
    assert got == Lifecycle(
        deprecated_on=date(2026, 3, 1),
        shutdown_on=date(2026, 12, 1),
        substitute="gpt-4.1-mini",
        replacement=None,
        source="s",
        basis=INFERRED,
        reason="its snapshots m-a, m-b all shut down, the last, m-b, on 2026-12-01",
        inferred_from=("m-a", "m-b"),
    )
    assert got.mark(date(2026, 12, 6)) == (
        "shut down 2026-12-01 (inferred from its snapshots), substitute gpt-4.1-mini"
    )


@pytest.mark.parametrize(
    ("alias_lifecycle", "note"),
    [
        pytest.param(None, None, id="shipped-inferred-no-note"),
        pytest.param("", "; the alias carries no dates of its own", id="undated-alias"),
        pytest.param(
            '      deprecated_on: "2027-03-01"\n      shutdown_on: "2027-09-01"\n',
            "; the alias has dates of its own",
            id="alias-with-own-dates",
        ),
    ],
)
def test_estimate_notes_a_snapshot_only_where_its_alias_is_dated_apart(cli, tmp_path, alias_lifecycle, note) -> None:
    pricing = (
        [] if alias_lifecycle is None else ["--pricing", repointed_catalog(tmp_path, alias_lifecycle=alias_lifecycle)]
    )
    out = " ".join(cli("estimate", "--input-tokens", "1000", "-m", "gpt-4.1", *pricing).stdout.split())
    head = "snapshot gpt-4.1-2025-04-14: deprecated, shuts down 2027-01-14, OpenAI recommends gpt-6-luna"
    if note is None:
        assert head not in out
    else:
        assert f"{head} (not in this catalog){note}" in out
