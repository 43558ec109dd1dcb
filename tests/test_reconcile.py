"""Reconciliation: usage at catalog prices against billed costs (`usage --billed`)."""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.errors import ExitCode, InputError, UsageError
from gpt41cost.readers.costs import BilledItem, read_billed
from gpt41cost.reconcile import LineItem, parse_line_item, parse_tolerance, reconcile
from gpt41cost.usage import Accumulator, UsageRecord, summarize

from .conftest import Cli, Run

SAMPLES = Path(__file__).parent.parent / "samples" / "bill-2026-11"
COMPLETIONS = str(SAMPLES / "completions")
COSTS = str(SAMPLES / "costs")
EXPORT = str(SAMPLES / "cost-export.csv")
FIXTURE_CATALOG = str(Path(__file__).parent / "data" / "pricing-fixture.yaml")
DAY = 20_000  # 2024-10-04


@functools.cache
def _sample_month() -> Run:
    """``usage`` of the sample month's logs against its billed pages, as JSON: one run a process
    for the three tests that read it (each ran it, some 20 CPU ms a time). A Run is frozen."""
    return Cli()(["usage", COMPLETIONS, "--billed", COSTS, "--pricing", FIXTURE_CATALOG, "--format", "json"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("gpt-4.1-2025-04-14, input", LineItem("gpt-4.1", "input", "standard"), id="input"),
        pytest.param(
            "gpt-4.1-mini-2025-04-14, cached input", LineItem("gpt-4.1-mini", "cached input", "standard"), id="cached"
        ),
        pytest.param("gpt-4.1-mini, output, batch", LineItem("gpt-4.1-mini", "output", "batch"), id="batch"),
        pytest.param(
            "priority | gpt-4.1-2025-04-14, output, long context",
            LineItem("gpt-4.1", "output", "priority"),
            id="priority",
        ),
        pytest.param("ft-gpt-4.1-nano-2025-04-14, input", LineItem("ft:gpt-4.1-nano", "input", "standard"), id="ft"),
        pytest.param("web search tool calls", None, id="tool"),
        pytest.param("gpt-4o-2024-08-06, input", None, id="other-model"),
        pytest.param("gpt-4.1, audio", None, id="not-a-token-piece"),
        pytest.param(
            "fast | gpt-4.1-mini, input", LineItem("gpt-4.1-mini", "input", "priority"), id="fast-is-priority"
        ),
        pytest.param("flex | gpt-4.1, input", None, id="flex-no-price"),
    ],
)
def test_parse_line_item(catalog, text, expected):
    assert parse_line_item(text, catalog) == expected


def _acc(*records: UsageRecord) -> Accumulator:
    acc = Accumulator()
    for r in records:
        acc.add(r)
    return acc


def test_hand_computed_day_and_line_items(catalog):
    # gpt-4.1: 1,000,000 input (200,000 cached) + 100,000 output = 1.6 + 0.1 + 0.8 = $2.50
    acc = _acc(UsageRecord("gpt-4.1-2025-04-14", 1_000_000, 200_000, 100_000, requests=10, day=DAY, per_request=False))
    result = summarize(acc, catalog)
    billed = [
        BilledItem(DAY, "gpt-4.1-2025-04-14, input", None, Decimal("1.6")),
        BilledItem(DAY, "gpt-4.1-2025-04-14, cached input", None, Decimal("0.1")),
        BilledItem(DAY, "gpt-4.1-2025-04-14, output", None, Decimal("0.85")),  # 6.25% over
    ]
    rec = reconcile(acc, result, billed, catalog)
    (day,) = rec.by_day
    assert (day.computed_usd, day.billed_usd, day.difference_usd) == (Decimal("2.5"), Decimal("2.55"), Decimal("0.05"))
    assert day.ratio == Decimal("1.02")
    assert day.over and "2.0% (+$0.05): billed more" in day.notes[0]
    rows = {r.key: r for r in rec.by_line_item}
    assert set(rows) == {"gpt-4.1, input", "gpt-4.1, cached input", "gpt-4.1, output"}
    assert rows["gpt-4.1, output"].over and not rows["gpt-4.1, input"].over
    assert rec.total.difference_usd == Decimal("0.05")


def test_billed_less_names_credits(catalog):
    acc = _acc(UsageRecord("gpt-4.1", 1_000_000, 0, 0, day=DAY, per_request=False))
    rec = reconcile(acc, summarize(acc, catalog), [BilledItem(DAY, None, None, Decimal("1.5"))], catalog)
    (day,) = rec.by_day
    assert day.over and "credits or discounts" in day.notes[0]
    assert rec.by_line_item == () and not rec.line_items_billed


def test_missing_days_each_side(catalog):
    acc = _acc(UsageRecord("gpt-4.1", 1_000_000, 0, 0, day=DAY, per_request=False))
    rec = reconcile(acc, summarize(acc, catalog), [BilledItem(DAY + 1, None, None, Decimal("1"))], catalog)
    first, second = rec.by_day
    # outside the billed period: not a difference, and not in the total
    assert first.notes == ("outside the days the costs cover (2024-10-05): left out of the total and the line items",)
    assert (first.computed_usd, first.billed_usd, first.difference_usd, first.ratio) == (Decimal(2), None, None, None)
    assert not first.over and not first.compared
    assert "records missing from the usage" in second.notes[0] and second.over
    assert (rec.total.computed_usd, rec.total.billed_usd, rec.total.over) == (0, 1, True)
    assert (
        "Usage on 1 day outside the days the costs cover (2024-10-04: $2.00 at catalog prices) is left out"
        in rec.notes[1]
    )


def _gpt41(*days: int) -> Accumulator:
    """$2.50 of gpt-4.1 a day (1,000,000 input of which 200,000 cached, 100,000 output)."""
    return _acc(*(UsageRecord("gpt-4.1", 1_000_000, 200_000, 100_000, day=d, per_request=False) for d in days))


_DAY_BILL = (("input", "1.6"), ("cached input", "0.1"), ("output", "0.8"))


def test_usage_after_the_bills_last_day_is_left_out_not_billed_less(catalog):
    """Review 20: a log that runs a day past its cost export matched the export's day to the cent,
    yet the total and all three line items read 'billed less' and --strict failed."""
    acc = _gpt41(DAY, DAY + 1, DAY + 3)
    billed = [BilledItem(DAY, f"gpt-4.1, {piece}", None, Decimal(usd)) for piece, usd in _DAY_BILL]
    rec = reconcile(acc, summarize(acc, catalog), billed, catalog)
    assert [(r.key, r.billed_usd, r.compared) for r in rec.by_day] == [
        ("2024-10-04", Decimal("2.5"), True),
        ("2024-10-05", None, False),
        ("2024-10-07", None, False),
    ]
    assert (rec.total.computed_usd, rec.total.billed_usd) == (Decimal("2.5"), Decimal("2.5"))
    assert [(r.key, r.computed_usd, r.over) for r in rec.by_line_item] == [
        ("gpt-4.1, cached input", Decimal("0.1"), False),
        ("gpt-4.1, input", Decimal("1.6"), False),
        ("gpt-4.1, output", Decimal("0.8"), False),
    ]
    assert rec.flagged == ()
    assert rec.notes[:2] == (
        "Billed amounts cover 2024-10-04.",
        "Usage on 2 days outside the days the costs cover (2024-10-05, 2024-10-07: $5.00 at catalog prices) is "
        "left out of the total and the line items.",
    )


def test_a_day_inside_the_bills_days_with_nothing_billed_is_billed_zero(catalog):
    acc = _gpt41(DAY, DAY + 1, DAY + 2)
    billed = [BilledItem(d, None, None, Decimal("2.5")) for d in (DAY, DAY + 2)]
    rec = reconcile(acc, summarize(acc, catalog), billed, catalog)
    middle = rec.by_day[1]
    assert (middle.key, middle.billed_usd, middle.difference_usd, middle.ratio, middle.over) == (
        "2024-10-05",
        0,
        Decimal("-2.5"),
        0,
        True,
    )
    assert middle.notes[0].startswith("nothing billed for this day, inside the days the costs cover (2024-10-04 to ")
    assert (rec.total.computed_usd, rec.total.billed_usd, rec.total.over) == (Decimal("7.5"), Decimal(5), True)


def test_a_costs_bucket_with_nothing_billed_covers_its_day(cli, tmp_path):
    """A Costs API page's empty bucket is a day billed $0: usage on it is compared (and flagged);
    a covered day with no usage either gives no row."""
    log = tmp_path / "log.jsonl"
    records = [
        {"id": f"c{i}", "created": t, "model": "gpt-4.1", "usage": {"prompt_tokens": 1000, "completion_tokens": 0}}
        for i, t in enumerate((1796083200, 1796169600))  # 2026-12-01 and 12-02, $0.002 each
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    paid = [{"object": "organization.costs.result", "amount": {"value": 0.002, "currency": "usd"}}]
    buckets = [
        {"start_time": t, "end_time": t + 86400, "results": res}
        for t, res in ((1796083200, paid), (1796169600, []), (1796256000, []))
    ]
    costs = tmp_path / "costs.json"
    costs.write_text(json.dumps({"object": "page", "data": buckets, "has_more": False}), encoding="utf-8")
    r = cli(["usage", str(log), "--billed", str(costs), "--format", "json", "--as-of", "2026-12-06"])
    got = json.loads(r.stdout)["reconciliation"]
    assert [(d["day"], d["billed_usd"], d["over_tolerance"]) for d in got["by_day"]] == [
        ("2026-12-01", "0.002", False),
        ("2026-12-02", "0", True),
    ]
    assert got["notes"][0] == "Billed amounts cover 2026-12-01 to 2026-12-03."


def test_sample_month_flags_the_3pct_day_and_the_unknown_item():
    r = _sample_month()
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)["reconciliation"]
    assert len(rec["by_day"]) == 30  # JSON lists every row
    assert len(rec["by_line_item"]) == 9
    flagged = [
        row.get("day") or row.get("line_item")
        for row in [*rec["by_day"], *rec["by_line_item"]]
        if row["over_tolerance"]
    ]
    assert flagged == ["2026-11-12", "web search tool calls"]
    day12 = next(d for d in rec["by_day"] if d["day"] == "2026-11-12")
    assert day12["ratio"] == 1.03
    day18 = next(d for d in rec["by_day"] if d["day"] == "2026-11-18")
    assert day18["difference_usd"] == "0.5" and not day18["over_tolerance"]
    assert "web search tool calls $0.50" in day18["notes"][0]
    assert rec["flagged"] == 2


def test_a_billed_line_item_with_nothing_computed_is_a_row_not_a_crash(cli):
    # April 2025 logs against November 2026's bill: gpt-4.1-mini's billed token lines have no
    # computed counterpart at all (the assertion that the computed cost existed crashed here)
    logs = str(SAMPLES.parent / "usage" / "chat-completions.jsonl")
    r = cli(["usage", logs, "--billed", EXPORT, "--pricing", FIXTURE_CATALOG, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)["reconciliation"]["by_line_item"]
    missing = [row for row in rows if row["computed_usd"] is None and row["line_item"].startswith("gpt-4.1-mini")]
    assert missing and all(row["over_tolerance"] for row in missing)
    assert all("billed, but nothing computed for this line item" in row["notes"][0] for row in missing)


def test_cost_export_csv_reads_like_the_pages(cli):
    def rec(r: Run) -> dict:
        assert r.exit_code == 0, r.stderr
        return json.loads(r.stdout)["reconciliation"]

    export = cli(["usage", COMPLETIONS, "--billed", EXPORT, "--pricing", FIXTURE_CATALOG, "--format", "json"])
    assert rec(export) == rec(_sample_month())  # the pages'


def test_strict_exits_1_and_tolerance_moves_the_bar(cli):
    base = ["usage", COMPLETIONS, "--billed", COSTS, "--pricing", FIXTURE_CATALOG, "--strict"]
    r = cli(base)
    assert r.exit_code == ExitCode.CHECK_FAILED
    assert "OVER" in r.stdout
    assert r.stderr.strip().endswith("--strict: 2 reconciliation rows over 1%: 2026-11-12, web search tool calls")
    r = cli([*base, "--tolerance", "5%"])
    assert r.exit_code == ExitCode.CHECK_FAILED
    assert r.stderr.strip().endswith("over 5%: web search tool calls")
    r = cli(["usage", COMPLETIONS, "--billed", COSTS, "--pricing", FIXTURE_CATALOG, "--tolerance", "5%"])
    assert r.exit_code == 0


@pytest.mark.parametrize(("value", "expected"), [("1%", Decimal("0.01")), ("0.03", Decimal("0.03")), ("0", 0)])
def test_parse_tolerance(value, expected):
    assert parse_tolerance(value) == expected


@pytest.mark.parametrize("value", ["abc", "100%", "-1%", "nan"])
def test_bad_tolerance(value):
    with pytest.raises(UsageError, match=f"^tolerance '{value}': "):
        parse_tolerance(value)


#: A Costs API page whose line item escapes half a surrogate pair.
_LONE = (
    '{"object":"page","data":[{"object":"bucket","start_time":1764979200,"results":[{"object":'
    '"organization.costs.result","amount":{"value":1.5,"currency":"usd"},"line_item":"gpt-4.1, input\\ud800"}]}]}'
)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        pytest.param("", "e.json", "empty file", id="empty"),
        pytest.param('{"object": "page"}', "p.json", "not a Costs API page", id="no-data"),
        pytest.param(
            '{"object":"page","data":[{"start_time":1764979200,"results":[{"object":"organization.usage.completions.'
            'result"}]}],"has_more":false}',
            "u.json",
            "is not a cost",
            id="usage-page",
        ),
        pytest.param(
            '{"object":"page","data":[{"start_time":1764979200,"results":[{"amount":{"value":1,"currency":"eur"}}]}]}',
            "eur.json",
            "only USD",
            id="currency",
        ),
        pytest.param(
            '{"data":[{"start_time":1764979200,"results":[{"amount":{"value":"x"}}]}]}',
            "x.json",
            "is not a number",
            id="amount",
        ),
        pytest.param("a,b\n1,2\n", "c.csv", "c.csv:1: not Costs API pages or a cost CSV export", id="csv-columns"),
        pytest.param("start_time,amount_value\nmonday,1\n", "d.csv", "d.csv:2: start_time 'monday'", id="csv-time"),
        pytest.param('{"data":[]}\n{oops\n', "l.jsonl", "l.jsonl:2: not JSON", id="jsonl"),
        # JSON the standard library reads but no output writes (a report failed with exit 7 once made)
        pytest.param(_LONE, "s.json", "s.json: a string holds half a surrogate pair", id="lone-surrogate"),
        pytest.param(
            _LONE.replace(',"', ',\n"'), "p.json", "p.json: a string holds half a surrogate pair", id="pretty-lone"
        ),
        pytest.param(  # read as JSONL line by line before, so line 1 ("{") was "not JSON"
            '{\n"data": ' + "[" * 1000 + "]" * 1000 + "\n}\n", "d.json", "d.json: nested too deep", id="pretty-deep"
        ),
    ],
)
def test_bad_costs_files(tmp_path, content, name, expected):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=expected.replace("(", r"\(")):
        read_billed([str(p)])


@pytest.mark.parametrize("text", ['{"object": "page"}', _LONE], ids=["no-data", "lone-surrogate"])
def test_bad_costs_file_on_the_cli_is_one_line(cli, tmp_path, text):
    p = tmp_path / "costs.json"
    p.write_text(text, encoding="utf-8")
    r = cli(["usage", COMPLETIONS, "--billed", str(p), "--pricing", FIXTURE_CATALOG])
    assert r.exit_code == ExitCode.INPUT
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_reconciliation_json_contract(cli):
    r = _sample_month()
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 3  # usage's contract (2: the run's date, issue #13; 3: typed JSON, issue #16)
    rec = doc["reconciliation"]
    assert set(rec) == {"tolerance", "by_day", "by_line_item", "total", "flagged", "notes", "assumptions"}
    row_keys = {"computed_usd", "billed_usd", "difference_usd", "ratio", "over_tolerance", "notes"}
    assert set(rec["by_day"][0]) == {"day", *row_keys}
    assert set(rec["by_line_item"][0]) == {"line_item", *row_keys}
    assert set(rec["total"]) == {"key", *row_keys}
    assert rec["tolerance"] == 0.01
    # money is an exact decimal string; no reconciliation key without --billed
    assert isinstance(rec["total"]["billed_usd"], str)
    plain = cli(["usage", COMPLETIONS, "--pricing", FIXTURE_CATALOG, "--format", "json"])
    assert "reconciliation" not in json.loads(plain.stdout)


def test_each_day_priced_at_the_price_in_force_that_day(tmp_path):
    """A price cut on day 2: the computed side follows it, so a bill at the new price matches."""
    from gpt41cost.catalog import load_catalog

    text = (Path(FIXTURE_CATALOG)).read_text(encoding="utf-8")
    text = text.replace(
        'standard: {input: "2.00", cached_input: "0.50", output: "8.00"}',
        'standard: [{from: "2024-01-01", input: "2.00", cached_input: "0.50", output: "8.00"}, '
        '{from: "2024-10-05", input: "1.00", cached_input: "0.25", output: "4.00"}]',
        1,
    )
    text = text.replace("schema_version: 1", "schema_version: 2", 1)
    path = tmp_path / "dated.yaml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(path)
    acc = _acc(
        UsageRecord("gpt-4.1", 1_000_000, 0, 0, day=DAY, per_request=False),  # $2.00 on 2024-10-04
        UsageRecord("gpt-4.1", 1_000_000, 0, 0, day=DAY + 1, per_request=False),  # $1.00 from 2024-10-05
    )
    billed = [
        BilledItem(DAY, "gpt-4.1, input", None, Decimal("2")),
        BilledItem(DAY + 1, "gpt-4.1, input", None, Decimal("1")),
    ]
    rec = reconcile(acc, summarize(acc, catalog), billed, catalog)
    assert [(r.key, r.computed_usd, r.over) for r in rec.by_day] == [
        ("2024-10-04", Decimal(2), False),
        ("2024-10-05", Decimal(1), False),
    ]
    assert rec.by_line_item[0].computed_usd == Decimal(3) and not rec.flagged


def test_a_service_tier_the_catalog_lacks_is_named(catalog):
    acc = _acc(UsageRecord("gpt-4.1", 1_000_000, 0, 0, service_tier="scale", day=DAY, per_request=False))
    rec = reconcile(acc, summarize(acc, catalog), [BilledItem(DAY, None, None, Decimal("2.4"))], catalog)
    (day,) = rec.by_day
    assert day.over
    assert "the usage names service tier scale this day: the catalog has no price for it " in day.notes[1]


def test_costs_of_no_day_compare_nothing_and_strict_says_so(cli, tmp_path):
    """Review 20c: an empty Costs API page against 4 days of usage read 'every day and line item
    within 1%' (total $0.00 against $0.00), and --strict exited 0."""
    log = tmp_path / "log.jsonl"
    record = {
        "id": "c1",
        "created": 1796083200,
        "model": "gpt-4.1",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 0},
    }
    log.write_text(json.dumps(record) + "\n", encoding="utf-8")
    costs = tmp_path / "costs.json"
    costs.write_text('{"object": "page", "data": [], "has_more": false}', encoding="utf-8")
    args = ["usage", str(log), "--billed", str(costs), "--as-of", "2026-12-06"]
    r = cli([*args, "--strict"])
    assert r.exit_code == ExitCode.CHECK_FAILED
    assert r.stderr.endswith("--strict: nothing reconciled: the costs cover none of the usage's days\n")
    assert "Reconciliation: nothing compared: the costs cover none of the usage's days." in r.stdout
    assert "within 1%" not in r.stdout
