"""Lifecycle dates, dated prices and their validation (issue #13)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gpt41cost.catalog import load_catalog
from gpt41cost.errors import CatalogError
from gpt41cost.lifecycle import (
    ACTIVE,
    DEPRECATED,
    SHUT_DOWN,
    FineTuning,
    Lifecycle,
    add_months,
    parse_day,
    staleness_note,
)

from .conftest import ROOT, dump_yaml, fixture_doc

D = date.fromisoformat
NANO = Lifecycle(D("2026-04-22"), D("2026-10-23"), "gpt-4.1-mini")


@pytest.mark.parametrize(
    ("day", "status"),
    [
        pytest.param("2026-03-01", ACTIVE, id="before-announcement"),
        pytest.param("2026-04-21", ACTIVE, id="day-before-announcement"),
        pytest.param("2026-04-22", DEPRECATED, id="announcement-day"),
        pytest.param("2026-06-01", DEPRECATED, id="deprecated"),
        pytest.param("2026-10-22", DEPRECATED, id="last-day"),
        pytest.param("2026-10-23", SHUT_DOWN, id="shutdown-day"),
        pytest.param("2026-12-06", SHUT_DOWN, id="after"),
    ],
)
def test_status_on_a_date(day, status):
    assert NANO.status(D(day)) == status


def test_shutdown_known_only_once_announced():
    assert NANO.shutdown_known(D("2026-03-01")) is None
    assert NANO.shutdown_known(D("2026-04-22")) == D("2026-10-23")
    assert not NANO.expires_within(D("2026-03-01"), D("2026-09-01"))
    assert NANO.expires_within(D("2026-06-01"), D("2026-12-01"))
    assert not NANO.expires_within(D("2026-05-01"), D("2026-10-22"))
    assert NANO.expires_within(D("2026-05-01"), D("2026-10-23"))


def test_marks_and_json():
    assert NANO.mark(D("2026-12-06")) == "shut down 2026-10-23, substitute gpt-4.1-mini"
    assert NANO.mark(D("2026-06-01")) == "deprecated, shuts down 2026-10-23, substitute gpt-4.1-mini"
    assert NANO.mark(D("2026-03-01")) == ""
    assert NANO.as_json(D("2026-12-06")) == {
        "status": "shut_down",
        "deprecated_on": "2026-04-22",
        "shutdown_on": "2026-10-23",
        "substitute": "gpt-4.1-mini",
        "replacement": None,
        "basis": "documented",
        "reason": None,
        "announced_later": False,
    }
    assert NANO.as_json(D("2026-03-01"))["announced_later"] is True  # announced 2026-04-22
    other = Lifecycle(D("2026-10-14"), D("2027-01-14"), replacement="gpt-6-luna")
    assert other.mark(D("2026-12-06")) == (
        "deprecated, shuts down 2027-01-14, OpenAI recommends gpt-6-luna (not in this catalog)"
    )


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        pytest.param("2026-06-01", 6, "2026-12-01", id="plain"),
        pytest.param("2026-12-06", 6, "2027-06-06", id="over-new-year"),
        pytest.param("2026-08-31", 6, "2027-02-28", id="short-month"),
        pytest.param("2028-08-31", 6, "2029-02-28", id="leap-to-common"),
        pytest.param("2027-08-31", 6, "2028-02-29", id="into-leap"),
        pytest.param("2026-01-15", 0, "2026-01-15", id="zero"),
    ],
)
def test_add_months(start, months, end):
    assert add_months(D(start), months) == D(end)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "26-01-01", "2026/01/01", "today", "2026-1-1"])
def test_parse_day_refuses(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_fine_tuning_cutoffs():
    ft = FineTuning(D("2026-05-07"), D("2026-07-02"), D("2027-01-06"))
    assert ft.training(D("2026-05-06"))[0] == "open"
    assert ft.training(D("2026-05-07"))[0] == "restricted"
    assert "have fine-tuned before" in ft.training(D("2026-05-07"))[1]
    assert "last 60 days" in ft.training(D("2026-07-02"))[1]
    assert ft.training(D("2027-01-05"))[0] == "restricted"
    assert ft.training(D("2027-01-06")) == (
        "closed",
        "self-serve fine-tuning takes no new training jobs from 2027-01-06",
    )


def test_staleness_note():
    assert staleness_note("2026-11-22", D("2026-12-06")) is None
    assert staleness_note("2026-11-22", D("2027-02-20")) is None  # 90 days: not yet
    assert staleness_note("2026-11-22", D("2027-02-21")) == "prices last checked 91 days ago; see `gpt41cost pricing`"


# --------------------------------------------------------------------------- the shipped catalog


def test_shipped_lifecycle(shipped_catalog):
    def status(name, day):
        c = shipped_catalog.on(D(day))
        return c.resolve(name).lifecycle.status(c.day)

    for day, nano in (("2026-03-01", ACTIVE), ("2026-06-01", DEPRECATED), ("2026-12-06", SHUT_DOWN)):
        assert status("gpt-4.1-nano", day) == nano
        assert status("gpt-4.1-nano-2025-04-14", day) == nano
        assert status("ft:gpt-4.1-nano-2025-04-14:acme::x1", day) == nano  # dies with its base
        # the aliases follow their only snapshots (inferred), announced 2026-10-14
        alias = ACTIVE if day < "2026-10-14" else DEPRECATED
        assert status("gpt-4.1", day) == alias
        assert status("gpt-4.1-mini", day) == alias
    # the 2026-10-14 entry names the dated snapshots
    assert status("gpt-4.1-2025-04-14", "2026-12-06") == DEPRECATED
    assert status("gpt-4.1-mini-2025-04-14", "2027-01-14") == SHUT_DOWN
    assert status("ft:gpt-4.1-mini-2025-04-14:acme::x1", "2027-01-14") == SHUT_DOWN
    nano = shipped_catalog.models["gpt-4.1-nano"].lifecycle
    assert (nano.deprecated_on, nano.shutdown_on, nano.substitute) == (D("2026-04-22"), D("2026-10-23"), "gpt-4.1-mini")
    assert nano.source == "https://developers.openai.com/api/docs/deprecations"
    ft = shipped_catalog.fine_tuning
    assert (ft.new_orgs_closed_on, ft.inactive_orgs_closed_on, ft.closed_on) == (
        D("2026-05-07"),
        D("2026-07-02"),
        D("2027-01-06"),
    )


def test_shipped_prices_apply_from_launch(shipped_catalog):
    spec = shipped_catalog.models["gpt-4.1"]
    assert spec.price_change_days() == (D("2025-04-14"),)
    assert shipped_catalog.on(D("2026-12-06")).models["gpt-4.1"].prices.standard.input == Decimal("2.00")


# --------------------------------------------------------------------------- dated prices


def _doc():
    return fixture_doc()


def _load(tmp_path, doc):
    p = tmp_path / "c.yaml"
    p.write_text(dump_yaml(doc, sort_keys=False))
    return load_catalog(p)


def test_a_dated_change_applies_from_its_date(tmp_path):
    doc = _doc()
    doc["schema_version"] = 2
    doc["models"]["gpt-4.1"]["prices"]["standard"] = [
        {"from": "2025-04-14", "input": "2.00", "cached_input": "0.50", "output": "8.00"},
        {"from": "2026-07-01", "input": "1.60", "cached_input": "0.40", "output": "6.40"},
    ]
    c = _load(tmp_path, doc)
    assert c.models["gpt-4.1"].prices.standard.input == Decimal("1.60")  # latest until a date is fixed
    assert c.on(D("2026-06-30")).models["gpt-4.1"].prices.standard.input == Decimal("2.00")
    assert c.on(D("2026-07-01")).models["gpt-4.1"].prices.standard.input == Decimal("1.60")
    assert c.on(D("2025-01-01")).models["gpt-4.1"].prices.standard.input == Decimal("2.00")  # first entry
    # other lines untouched
    assert c.on(D("2026-07-01")).models["gpt-4.1"].prices.batch.input == Decimal("1.00")
    assert c.models["gpt-4.1"].price_change_days() == (D("2025-04-14"), D("2026-07-01"))


def _lc(doc, model="gpt-4.1-nano", **kw):
    doc["schema_version"] = 2
    doc["models"][model]["lifecycle"] = kw
    return doc


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            lambda d: d.__setitem__("as_of", "2026-02-30"), "as_of: '2026-02-30' is not a real date", id="as-of"
        ),
        pytest.param(
            lambda d: d.__setitem__("as_of", "last week"), "as_of: 'last week' is not a date", id="as-of-text"
        ),
        pytest.param(
            lambda d: _lc(d, deprecated_on="2026-04-22", shutdown_on="2026-13-01"),
            "models.gpt-4.1-nano.lifecycle.shutdown_on: '2026-13-01' is not a real date",
            id="bad-date",
        ),
        pytest.param(
            lambda d: _lc(d, deprecated_on="2026-04-22", shutdown_on="2026-01-01"),
            "models.gpt-4.1-nano.lifecycle.shutdown_on: 2026-01-01 is before deprecated_on 2026-04-22",
            id="shutdown-before-deprecation",
        ),
        pytest.param(
            lambda d: _lc(d, shutdown_on="2026-10-23"),
            "models.gpt-4.1-nano.lifecycle.deprecated_on: missing",
            id="shutdown-without-announcement",
        ),
        pytest.param(
            lambda d: _lc(d, deprecated_on="2026-04-22", shutdown_on="2026-10-23", substitute="gpt-5-nano"),
            "models.gpt-4.1-nano.lifecycle.substitute: 'gpt-5-nano' is not a model of this catalog",
            id="substitute-unknown",
        ),
        pytest.param(
            lambda d: _lc(d, deprecated_on="2026-04-22", shutdown_on="2026-10-23", substitute="gpt-4.1-nano"),
            "models.gpt-4.1-nano.lifecycle.substitute: 'gpt-4.1-nano' is the model itself",
            id="substitute-self",
        ),
        pytest.param(
            lambda d: _lc(d, snapshots={"gpt-4.1-nano-2099-01-01": {"deprecated_on": "2026-04-22"}}),
            "models.gpt-4.1-nano.lifecycle.snapshots.gpt-4.1-nano-2099-01-01: 'gpt-4.1-nano-2099-01-01' is not one",
            id="unknown-snapshot",
        ),
        pytest.param(
            lambda d: _lc(d, retired_on="2026-04-22"),
            "models.gpt-4.1-nano.lifecycle.retired_on: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            lambda d: d["models"]["gpt-4.1"]["prices"].__setitem__(
                "standard",
                [
                    {"from": "2026-01-01", "input": "2", "cached_input": "0.5", "output": "8"},
                    {"from": "2026-01-01", "input": "1", "cached_input": "0.5", "output": "8"},
                ],
            ),
            "models.gpt-4.1.prices.standard: entries overlap: 2026-01-01 is not after 2026-01-01",
            id="overlap",
        ),
        pytest.param(
            lambda d: d["models"]["gpt-4.1"]["prices"].__setitem__(
                "standard",
                [
                    {"from": "2026-01-01", "input": "2", "cached_input": "0.5", "output": "8"},
                    {"input": "1", "cached_input": "0.5", "output": "8"},
                ],
            ),
            "models.gpt-4.1.prices.standard[1].from: missing",
            id="entry-without-date",
        ),
        pytest.param(
            lambda d: d["models"]["gpt-4.1"]["prices"].__setitem__(
                "training", [{"from": "2026-01-01", "usd": "25"}, {"from": "2025-01-01", "usd": "20"}]
            ),
            "models.gpt-4.1.prices.training: entries overlap: 2025-01-01 is not after 2026-01-01",
            id="out-of-order",
        ),
        pytest.param(
            lambda d: d["models"]["gpt-4.1"]["prices"].__setitem__("batch", [{"from": "2026-01-01", "input": "1"}]),
            "models.gpt-4.1.prices.batch[0].output: missing key",
            id="entry-missing-rate",
        ),
        pytest.param(
            lambda d: d.__setitem__("fine_tuning", {"new_orgs_closed_on": "2026-05-07", "closed_on": "2026-01-01"}),
            "fine_tuning.closed_on: 2026-01-01 is before new_orgs_closed_on 2026-05-07",
            id="cutoffs-out-of-order",
        ),
        pytest.param(lambda d: d.__setitem__("schema_version", 3), "unsupported version 3", id="schema-version"),
    ],
)
def test_bad_lifecycle_or_dated_prices_name_the_key_path(tmp_path, mutate, message):
    doc = _doc()
    mutate(doc)
    with pytest.raises(CatalogError) as exc:
        _load(tmp_path, doc)
    assert message in str(exc.value)
    assert str(tmp_path / "c.yaml") in str(exc.value)


def test_bad_catalog_exits_4_with_one_line(cli, tmp_path):

    doc = _lc(_doc(), deprecated_on="2026-04-22", shutdown_on="2026-10-23", substitute="gpt-9")
    p = tmp_path / "c.yaml"
    p.write_text(dump_yaml(doc))
    r = cli(["pricing", "--pricing", str(p), "--as-of", "2026-12-06"])
    assert r.exit_code == 4
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert "models.gpt-4.1-nano.lifecycle.substitute" in r.stderr


@pytest.mark.parametrize("cmd", ["estimate", "limits", "plan", "usage", "pricing", "rules"])
def test_every_command_takes_as_of_and_refuses_a_bad_one(cli, cmd):

    r = cli([cmd, "--help"])
    assert "--as-of" in r.stdout
    args = {
        "estimate": ["estimate", "--input-tokens", "10"],
        "limits": ["limits", "--input-tokens", "10"],
        "plan": ["plan", str(ROOT / "samples" / "workloads" / "support-bot.yaml")],
        "usage": ["usage", str(ROOT / "samples" / "usage" / "responses.jsonl")],
        "pricing": ["pricing"],
        "rules": ["rules"],
    }[cmd]
    r = cli([*args, "--as-of", "2026-02-30"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == "gpt41cost: error: --as-of: '2026-02-30' is not a real date; give a date such as 2026-12-06\n"


def test_as_of_from_the_environment_and_the_flag_wins(cli, monkeypatch):

    monkeypatch.setenv("GPT41COST_AS_OF", "someday")
    r = cli(["pricing"])
    assert r.exit_code == 2
    assert (
        r.stderr == "gpt41cost: error: $GPT41COST_AS_OF: 'someday' is not a date in the form YYYY-MM-DD; "
        "give a date such as 2026-12-06\n"
    )
    r = cli(["pricing", "--as-of", "2026-12-06", "-f", "json"])
    assert r.exit_code == 0, r.stderr


# --------------------------------------------------------------------------- commands on a date (shipped catalog)


@pytest.mark.parametrize(
    ("day", "nano", "order"),
    [
        pytest.param("2026-12-06", "shut_down", ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"], id="today"),
        pytest.param("2026-06-01", "deprecated", ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"], id="announced"),
        pytest.param("2026-03-01", "active", ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"], id="before"),
    ],
)
def test_estimate_marks_nano_by_date(cli, day, nano, order):
    doc = cli.json("estimate", "--input-tokens", "1000", "--as-of", day)
    assert (doc["schema_version"], doc["as_of"], doc["catalog_as_of"]) == (3, day, "2026-12-06")
    got = {m["model"]: m["lifecycle"] for m in doc["models"]}
    assert [m["model"] for m in doc["models"]] == order
    assert got["gpt-4.1-nano"] == {
        "status": nano,
        "deprecated_on": "2026-04-22",
        "shutdown_on": "2026-10-23",
        "substitute": "gpt-4.1-mini",
        "replacement": "gpt-5.6-luna",
        "basis": "documented",
        "reason": None,
        "announced_later": day < "2026-04-22",  # the day nano's dates were announced
    }
    # the aliases' dates are inferred from their snapshots' (announced 2026-10-14): tests/test_alias_dates.py
    alias = "active" if day < "2026-10-14" else "deprecated"
    assert got["gpt-4.1"]["status"] == got["gpt-4.1-mini"]["status"] == alias


def test_shut_down_model_is_listed_last_and_marked_in_every_format(cli):

    args = ["estimate", "--input-tokens", "1000", "-m", "gpt-4.1-nano", "-m", "gpt-4.1-mini", "--as-of", "2026-12-06"]
    for fmt in ("table", "csv", "markdown"):
        out = cli([*args, "-f", fmt]).stdout
        rows = [line for line in out.splitlines() if "gpt-4.1-nano" in line and "2026-10-23" in line]
        assert rows and "shut down 2026-10-23, substitute gpt-4.1-mini" in rows[0], fmt
        assert out.index("gpt-4.1-mini") < out.index("gpt-4.1-nano"), fmt  # after the active model
    doc = cli.json(*args)
    assert [m["model"] for m in doc["models"]] == ["gpt-4.1-mini", "gpt-4.1-nano"]


def test_requests_naming_a_shut_down_model_get_a_note(cli, tmp_path):
    import json

    p = tmp_path / "chat.json"
    p.write_text(json.dumps({"model": "gpt-4.1-nano-2025-04-14", "messages": [{"role": "user", "content": "hi"}]}))
    r = cli(["estimate", str(p), "--as-of", "2026-12-06"])
    assert r.exit_code == 0, r.stderr
    assert "the requests name gpt-4.1-nano-2025-04-14: shut down 2026-10-23, substitute gpt-4.1-mini" in r.stdout


def test_fine_tuning_data_is_checked_against_the_cut_offs(cli):

    data = str(ROOT / "samples" / "requests" / "finetune-train.jsonl")
    out = cli(["estimate", data, "--as-of", "2026-12-06"]).stdout
    assert "fine-tuning: from 2026-07-02 only organisations with fine-tuned inference in the last 60 days" in out
    assert "fine-tuning ft:gpt-4.1-nano: its base model is shut down 2026-10-23" in out
    out = cli(["estimate", data, "--as-of", "2027-01-06"]).stdout
    assert "self-serve fine-tuning takes no new training jobs from 2027-01-06" in out
    out = cli(["estimate", data, "--as-of", "2026-03-01"]).stdout
    assert "fine-tuning:" not in out


def test_limits_marks_and_orders(cli):

    args = ["limits", "--input-tokens", "1000", "--max-tokens", "500", "--peak-rpm", "300", "--as-of", "2026-12-06"]
    doc = cli.json(*args, "-m", "gpt-4.1-nano", "-m", "gpt-4.1-mini")
    assert [m["model"] for m in doc["models"]] == ["gpt-4.1-mini", "gpt-4.1-nano"]
    assert doc["models"][1]["lifecycle"]["status"] == "shut_down"
    out = cli([*args, "-f", "csv", "--table", "lowest-tier"]).stdout
    assert "gpt-4.1-nano,shut down 2026-10-23, substitute gpt-4.1-mini" in out.replace('"', "")
    # the default CSV table: the plain name, its status in its own column
    out = cli([*args, "-f", "csv"]).stdout
    assert out.splitlines()[0].endswith(",fits,status,monthly cap,uncounted parts")
    assert [line.split(",")[-3] for line in out.splitlines() if line.startswith("gpt-4.1-nano,")] == ["shut_down"] * 5
    assert "gpt-4.1-nano (shut down)   " in cli(args).stdout


def _workload(tmp_path, **extra):
    lines = [
        "name: router",
        "models: {gpt-4.1-nano: 0.1, gpt-4.1-mini: 0.9}",
        "input_tokens: 1000",
        "output_tokens: 200",
        "traffic: {requests_per_day: 10000, peak_rpm: 30}",
        "tier: 5",
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    p = tmp_path / "w.yaml"
    p.write_text("\n".join(lines) + "\n")
    return str(p)


@pytest.mark.parametrize(
    ("day", "horizon", "code", "reason"),
    [
        pytest.param(
            "2026-12-06",
            None,
            1,
            "gpt-4.1-nano (10% of the traffic) is shut down since 2026-10-23; substitute gpt-4.1-mini",
            id="shut-down",
        ),
        pytest.param(
            "2026-06-01",
            None,
            1,
            "gpt-4.1-nano (10% of the traffic) shuts down on 2026-10-23, within the "
            "6-month horizon (to 2026-12-01); substitute gpt-4.1-mini",
            id="within-horizon",
        ),
        pytest.param("2026-06-01", 4, 0, None, id="beyond-a-4-month-horizon"),
        pytest.param("2026-03-01", None, 0, None, id="not-yet-announced"),
        pytest.param("2026-03-01", 12, 0, None, id="unannounced-is-unknown"),
    ],
)
def test_plan_check_on_a_date(cli, tmp_path, day, horizon, code, reason):

    extra = {} if horizon is None else {"horizon_months": horizon}
    r = cli(["plan", _workload(tmp_path, **extra), "--check", "--as-of", day])
    assert r.exit_code == code, r.stderr
    if reason:
        assert f"gpt41cost: check failed: {reason}\n" in r.stderr
        assert f"FAIL: {reason}" in r.stdout


def test_plan_substitute_prices_the_substitute(cli, tmp_path):
    doc = cli.json("plan", _workload(tmp_path), "--substitute", "--as-of", "2026-12-06")
    alt = doc["with_substitutes"]
    # gpt-4.1-mini shuts down 2027-01-14 too (inferred from its snapshot), with no substitute here
    assert alt["replaced"] == [
        "gpt-4.1-nano -> gpt-4.1-mini (10% of the traffic)",
        "gpt-4.1-mini kept: OpenAI recommends gpt-6-luna (not in this catalog)",
    ]
    assert [(m["model"], m["share"]) for m in alt["models"]] == [("gpt-4.1-mini", 1)]
    # 10,000 x 30 x (1,000 x $0.40 + 200 x $1.60) / 1M = $216.00 on mini alone
    assert Decimal(alt["total_monthly_cost_usd"]) == Decimal("216")
    assert alt["verdict"]["pass"] is False
    assert [r.split(" (inferred")[0] for r in alt["verdict"]["reasons"]] == [
        "gpt-4.1-mini (100% of the traffic) shuts down on 2027-01-14"
    ]
    before = cli.json("plan", _workload(tmp_path), "--substitute", "--as-of", "2026-10-13")["with_substitutes"]
    assert before["replaced"] == ["gpt-4.1-nano -> gpt-4.1-mini (10% of the traffic)"]
    assert before["verdict"] == {"pass": True, "reasons": []}
    assert doc["verdict"]["pass"] is False
    # 9,000 x 30 x $0.00072 + 1,000 x 30 x (1,000 x $0.10 + 200 x $0.40) / 1M = $194.40 + $5.40
    assert Decimal(doc["total_monthly_cost_usd"]["total"]) == Decimal("199.80")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("-1", "horizon_months: cannot be negative, got -1", id="negative"),
        pytest.param("121", "horizon_months: must be between 0 and 120, got 121", id="too-long"),
        pytest.param("six", "horizon_months: 'six' is not a number", id="text"),
    ],
)
def test_bad_horizon(cli, tmp_path, value, message):

    r = cli(["plan", _workload(tmp_path, horizon_months=value)])
    assert r.exit_code == 3
    assert r.stdout == ""
    assert message in r.stderr and r.stderr.count("\n") == 1


def test_shipped_samples_are_honest_today(cli):

    w = str(ROOT / "samples" / "workloads")
    # support-bot runs on gpt-4.1-mini and gpt-4.1, whose only snapshots shut down 2027-01-14 (the
    # aliases with them: inferred): inside its 6-month horizon since the entry of 2026-10-14
    assert cli(["plan", f"{w}/support-bot.yaml", "--check", "--as-of", "2026-12-06"]).exit_code == 1
    assert cli(["plan", f"{w}/support-bot.yaml", "--check", "--as-of", "2026-10-13"]).exit_code == 0
    old = f"{w}/support-bot-2026-03.yaml"
    assert cli(["plan", old, "--check", "--as-of", "2026-12-06"]).exit_code == 1
    assert cli(["plan", old, "--check", "--as-of", "2026-03-01"]).exit_code == 0


def test_staleness_note_in_every_report(cli):

    note = "prices last checked 100 days ago; see `gpt41cost pricing`"
    for args in (
        ["estimate", "--input-tokens", "10"],
        ["limits", "--input-tokens", "10", "--max-tokens", "5", "--peak-rpm", "1"],
        ["plan", str(ROOT / "samples" / "workloads" / "ticket-classifier.yaml")],  # sizes given: no prompts read
    ):
        assert note in cli([*args, "--as-of", "2027-03-16"]).stdout, args[0]
        assert "prices last checked" not in cli([*args, "--as-of", "2026-12-06"]).stdout


# --------------------------------------------------------------------------- usage at each day's price


def _chat(i, model, day, prompt, cached, completion):
    import json

    ts = int((D(day) - D("1970-01-01")).days * 86400 + 3600)
    return json.dumps(
        {
            "id": f"chatcmpl-{i}",
            "object": "chat.completion",
            "created": ts,
            "model": model,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
    )


def test_usage_priced_at_each_days_price(cli, tmp_path):

    doc = _doc()
    doc["schema_version"] = 2
    doc["models"]["gpt-4.1"]["prices"]["standard"] = [
        {"from": "2025-04-14", "input": "2.00", "cached_input": "0.50", "output": "8.00"},
        {"from": "2026-07-01", "input": "1.00", "cached_input": "0.25", "output": "4.00"},  # negotiated: half
    ]
    cat = tmp_path / "c.yaml"
    cat.write_text(dump_yaml(doc, sort_keys=False))
    log = tmp_path / "log.jsonl"
    log.write_text(
        "\n".join(
            [
                _chat(1, "gpt-4.1-2025-04-14", "2026-06-30", 100_000, 0, 2_000),  # $0.216 (old price)
                _chat(2, "gpt-4.1", "2026-07-01", 100_000, 100_000, 2_000),  # 100k x $0.25 + 2k x $4 = $0.033
                _chat(3, "gpt-4.1", "2026-07-02", 1_000_000, 0, 0),  # $1.00
            ]
        )
        + "\n"
    )
    r = cli(["usage", str(log), "--pricing", str(cat), "--as-of", "2026-12-06", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    import json

    got = json.loads(r.stdout)
    assert Decimal(got["total_usd"]) == Decimal("0.216") + Decimal("0.033") + Decimal("1.00")
    assert {d["day"]: Decimal(d["cost_usd"]) for d in got["by_day"]} == {
        "2026-06-30": Decimal("0.216"),
        "2026-07-01": Decimal("0.033"),
        "2026-07-02": Decimal("1.00"),
    }
    assert got["undated_requests"] == 0 and got["after_shutdown"] == []
    # the same log on a run dated before the change: each record still pays its own day's price
    r2 = cli(["usage", str(log), "--pricing", str(cat), "--as-of", "2026-06-01", "-f", "json"])
    assert json.loads(r2.stdout)["total_usd"] == got["total_usd"]


def test_usage_records_after_shutdown_and_undated(cli, tmp_path):
    import json

    log = tmp_path / "log.jsonl"
    undated = json.loads(_chat(3, "gpt-4.1-nano", "2026-01-01", 1_000_000, 0, 0))
    del undated["created"]
    log.write_text(
        "\n".join(
            [
                _chat(1, "gpt-4.1-nano-2025-04-14", "2026-10-22", 1_000_000, 0, 0),  # the last day: fine
                _chat(2, "gpt-4.1-nano", "2026-11-01", 1_000_000, 0, 1_000_000),  # after the shutdown
                json.dumps(undated),
            ]
        )
        + "\n"
    )
    r = cli(["usage", str(log), "--as-of", "2026-12-06", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 3 and doc["as_of"] == "2026-12-06"
    assert doc["after_shutdown"] == [
        {
            "model": "gpt-4.1-nano",
            "requests": 1,
            "first_day": "2026-11-01",
            "last_day": "2026-11-01",
            "shutdown_on": "2026-10-23",
        }
    ]
    assert doc["undated_requests"] == 1
    # still priced, at the last prices in force: 3M input x $0.10 + 1M output x $0.40
    assert Decimal(doc["total_usd"]) == Decimal("0.70")
    out = cli(["usage", str(log), "--as-of", "2026-12-06"]).stdout
    assert "gpt-4.1-nano: 1 request dated after its shutdown on 2026-10-23 (2026-11-01)" in out
    assert "1 request carries no timestamp: priced at the prices of the run's date (2026-12-06)" in out


def test_pricing_shows_status_dates_entries_and_age(cli, tmp_path):

    doc = cli.json("pricing", "--as-of", "2026-12-20")
    assert (doc["schema_version"], doc["as_of"], doc["catalog_as_of"], doc["days_since_checked"]) == (
        3,
        "2026-12-20",
        "2026-12-06",
        14,
    )
    nano = next(m for m in doc["models"] if m["model"] == "gpt-4.1-nano")
    assert nano["lifecycle"]["status"] == "shut_down"
    assert nano["snapshots_lifecycle"]["gpt-4.1-nano-2025-04-14"]["shutdown_on"] == "2026-10-23"
    assert nano["price_entries_usd_per_1m_tokens"]["standard"] == [
        {"from": "2025-04-14", "input": "0.1", "cached_input": "0.025", "output": "0.4"}
    ]
    assert nano["price_entries_usd_per_1m_tokens"]["training"] == [{"from": "2025-04-14", "usd": "1.5"}]
    four = next(m for m in doc["models"] if m["model"] == "gpt-4.1")
    assert (four["lifecycle"]["status"], four["lifecycle"]["basis"]) == ("deprecated", "inferred")
    assert four["snapshots_lifecycle"]["gpt-4.1-2025-04-14"]["status"] == "deprecated"
    assert doc["fine_tuning"]["closed_on"] == "2027-01-06"
    # a user's dated change: both entries listed, the one in force marked
    d = _doc()
    d["schema_version"] = 2
    d["models"]["gpt-4.1"]["prices"]["standard"] = [
        {"from": "2025-04-14", "input": "2.00", "cached_input": "0.50", "output": "8.00"},
        {"from": "2026-07-01", "input": "1.00", "cached_input": "0.25", "output": "4.00"},
    ]
    cat = tmp_path / "c.yaml"
    cat.write_text(dump_yaml(d, sort_keys=False))
    out = cli(["pricing", "--pricing", str(cat), "--as-of", "2026-12-06", "-f", "csv"]).stdout
    assert "gpt-4.1,standard,2025-04-14,2,0.5,8,no" in out
    assert "gpt-4.1,standard,2026-07-01,1,0.25,4,yes" in out  # the date alone in its cell
    table = cli(["pricing", "--pricing", str(cat), "--as-of", "2026-12-06"]).stdout
    assert "prices last checked 601 days ago; see `gpt41cost pricing`" in table


def test_plan_with_a_fine_tuned_model_notes_the_cut_offs(cli, tmp_path):

    p = tmp_path / "ft.yaml"
    p.write_text(
        "models: {'ft:gpt-4.1-mini-2025-04-14:acme::x1': 1}\ninput_tokens: 100\noutput_tokens: 10\n"
        "traffic: {peak_rpm: 10}\ntier: 3\nhorizon_months: 1\n"
    )
    r = cli(["plan", str(p), "--check", "--as-of", "2026-12-06"])
    assert r.exit_code == 0, r.stderr  # its base snapshot shuts down 2027-01-14, after the 1-month horizon
    assert "Fine-tuning: from 2026-07-02 only organisations" in r.stdout
    r = cli(["plan", str(p), "--check", "--as-of", "2026-12-20"])
    assert r.exit_code == 1
    assert "ft:gpt-4.1-mini-2025-04-14:acme::x1 (100% of the traffic) shuts down on 2027-01-14" in r.stderr


def test_rules_name_the_date_rules(cli):
    doc = cli.json("rules")
    names = {(r["area"], r["name"]): r["basis"] for r in doc["rules"]}
    assert names[("dates", "lifecycle")] == "documented"
    assert names[("dates", "aliases of dated snapshots")] == "inference"
    assert names[("dates", "plan horizon")] == "policy"
