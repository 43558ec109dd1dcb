"""`usage --forecast` and `--emit-workload`: a fixture month with a known run rate, and the samples."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.errors import ExitCode, InputError, UsageError
from gpt41cost.forecast import check_budget, forecast
from gpt41cost.usage import Accumulator, UsageRecord, summarize
from gpt41cost.workload import load_workload
from gpt41cost.workload_from_usage import workload_yaml

SAMPLES = Path(__file__).parent.parent / "samples" / "bill-2026-11" / "completions"
FIXTURE_CATALOG = str(Path(__file__).parent / "data" / "pricing-fixture.yaml")
NOV = dt.date(2026, 11, 1)
EPOCH = dt.date(1970, 1, 1)
#: Daily spend of the fixture month: $100 a day to the 13th, then 100,150,200,150,100,150,200 (mean $150).
SPEND = [100] * 13 + [100, 150, 200, 150, 100, 150, 200]


def _day(n: int) -> int:
    return (NOV - EPOCH).days + n - 1


def _month(catalog, *, extra: list[UsageRecord] = ()) -> tuple[Accumulator, object]:
    acc = Accumulator()
    for n, usd in enumerate(SPEND, 1):
        # gpt-4.1 input at $2.00 per 1M: $100 is 50,000,000 tokens
        acc.add(UsageRecord("gpt-4.1", usd * 500_000, 0, 0, requests=1000, day=_day(n), per_request=False))
    for r in extra:
        acc.add(r)
    return acc, summarize(acc, catalog)


def test_known_run_rate_projection_and_range(catalog):
    acc, result = _month(catalog)
    f = forecast(result, acc, catalog, run_date=dt.date(2026, 11, 25))
    assert (f.month, f.through, f.month_end, f.days_left) == (
        "2026-11",
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 30),
        10,
    )
    assert f.spent_usd == Decimal(2350)
    assert f.run_rate_usd == Decimal(150) and f.rate_days == 7 and f.rate_from == dt.date(2026, 11, 14)
    assert f.projected_usd == Decimal(3850)
    assert (f.low_usd, f.high_usd) == (Decimal(3350), Decimal(4350))


@pytest.mark.parametrize(
    ("budget", "tier", "expected"),
    [
        pytest.param(Decimal(3000), None, [("budget", "projected", dt.date(2026, 11, 25))], id="budget-projected"),
        pytest.param(Decimal(5000), None, [("budget", "not this month", None)], id="budget-not-this-month"),
        pytest.param(
            Decimal(1000),
            2,
            [
                ("budget", "crossed", dt.date(2026, 11, 10)),
                ("tier 2 monthly usage cap", "crossed", dt.date(2026, 11, 5)),
            ],
            id="crossed",
        ),
    ],
)
def test_crossing_dates(catalog, budget, tier, expected):
    acc, result = _month(catalog)
    f = forecast(result, acc, catalog, run_date=dt.date(2026, 11, 20), budget=budget, tier=tier)
    assert [(c.what, c.status, c.on) for c in f.crossings] == expected


def test_days_after_the_run_date_are_left_out(catalog):
    acc, result = _month(catalog)
    f = forecast(result, acc, catalog, run_date=dt.date(2026, 11, 13))
    assert f.through == dt.date(2026, 11, 13) and f.run_rate_usd == Decimal(100) and f.spent_usd == Decimal(1300)


def test_few_days_use_what_there_is(catalog):
    acc = Accumulator()
    for n in (1, 3):  # the 2nd has no records: $0
        acc.add(UsageRecord("gpt-4.1", 30_000_000, 0, 0, day=_day(n), per_request=False))
    f = forecast(summarize(acc, catalog), acc, catalog, run_date=dt.date(2026, 12, 6))
    assert f.rate_days == 3 and f.run_rate_usd == Decimal(40)  # $60 + $0 + $60 over 3 days
    assert f.day_low_usd == 0


def test_peak_day_against_rpd_and_tpm(catalog):
    mini_peak = UsageRecord(
        "gpt-4.1-mini-2025-04-14", 14_400_000, 0, 0, requests=12_000, day=_day(17), per_request=False
    )
    mini_batch = UsageRecord("gpt-4.1-mini", 1, 0, 0, requests=50_000, batch=True, day=_day(18), per_request=False)
    acc, result = _month(catalog, extra=[mini_peak, mini_batch])
    f = forecast(result, acc, catalog, run_date=dt.date(2026, 11, 30), tier=1)
    peaks = {p.model: p for p in f.peaks}
    mini = peaks["gpt-4.1-mini"]
    assert (mini.day, mini.requests, mini.rpd) == (dt.date(2026, 11, 17), 12_000, 10_000)  # Batch not counted
    assert mini.rpd_share == Decimal("1.2") and mini.over
    assert mini.tokens_per_minute == Decimal(10_000) and mini.tpm_share == Decimal("0.05")
    big = peaks["gpt-4.1"]
    # $200 (100M tokens) on the 16th and the 20th: a tie on tokens goes to the earliest; every day
    # has 1,000 requests: the 1st
    assert (big.day, big.requests_day) == (dt.date(2026, 11, 16), dt.date(2026, 11, 1)) and big.rpd is None
    assert big.tpm_share == Decimal(100_000_000) / 1440 / 30_000  # tier 1 gpt-4.1 TPM 30,000
    assert big.over


def test_nothing_before_the_run_date(catalog):
    acc, result = _month(catalog)
    with pytest.raises(InputError, match="no usage with a date on or before 2026-10-31"):
        forecast(result, acc, catalog, run_date=dt.date(2026, 10, 31))


@pytest.mark.parametrize("value", ["0", "-5", "lots", "inf"])
def test_bad_budget(value):
    with pytest.raises(UsageError, match=f"^budget '{value}': .*US dollars"):
        check_budget(value)


def test_budget_forms():
    assert check_budget("$5,000") == Decimal(5000)


def test_sample_forecast_on_the_cli(cli):
    r = cli(
        [
            "usage",
            str(SAMPLES),
            "--forecast",
            "--budget",
            "5000",
            "--tier",
            "3",
            "--as-of",
            "2026-11-20",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.stderr
    f = json.loads(r.stdout)["forecast"]
    assert (f["month"], f["through"], f["run_rate_days"], f["days_left"]) == ("2026-11", "2026-11-20", 7, 10)
    assert Decimal(f["projected_low_usd"]) < Decimal(f["projected_usd"]) < Decimal(f["projected_high_usd"])
    projected = Decimal(f["spent_usd"]) + 10 * Decimal(f["run_rate_usd_per_day"])
    assert abs(projected - Decimal(f["projected_usd"])) < Decimal("1e-8")  # JSON rounds a repeating rate to 1e-10
    assert [(c["what"], c["status"], c["on"]) for c in f["crossings"]] == [
        ("budget", "projected", "2026-11-29"),
        ("tier 3 monthly usage cap", "crossed", "2026-11-07"),
    ]
    assert [p["model"] for p in f["peak_days"]] == ["gpt-4.1", "gpt-4.1-mini"]
    assert len(f["daily"]) == 20


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--budget", "100"), "--budget and --tier work with --forecast", id="budget-alone"),
        pytest.param(("--emit-workload", "x.yaml"), "--emit-workload needs --tier", id="no-tier"),
        pytest.param(("--forecast", "--tier", "9"), "--tier", id="tier-range"),
    ],
)
def test_bad_forecast_flags(cli, args, expected):
    r = cli(["usage", str(SAMPLES), *args])
    assert r.exit_code == ExitCode.USAGE
    assert expected in r.stderr and r.stdout == ""


def test_emitted_workload_values(catalog, tmp_path):
    acc = Accumulator()
    acc.add(UsageRecord("gpt-4.1", 3_000, 1_024, 100, requests=3, day=_day(1), per_request=False))
    acc.add(UsageRecord("gpt-4.1-mini", 1_000, 0, 300, requests=1, batch=True, day=_day(2), per_request=False))
    acc.add(UsageRecord("gpt-4o", 99, 0, 9, requests=5, day=_day(2), per_request=False))  # not priced: left out
    text = workload_yaml(summarize(acc, catalog), acc, catalog, tier=2, budget=Decimal(50), sources=["x"])
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    w = load_workload(path, catalog)
    assert [(m.label, s) for m, s in w.models] == [("gpt-4.1", Decimal("0.75")), ("gpt-4.1-mini", Decimal("0.25"))]
    assert (w.input_tokens, w.output_tokens, w.max_tokens) == (1_000, 100, None)
    assert w.requests_per_day == Decimal(2)  # 4 requests over 2 days
    # 1,024 cached of 4,000 input over 4 requests: 256 a request, as given (the hit rate 0.256 in a comment)
    assert (w.cached_tokens, w.cache_hit_rate, w.batch_share) == (256, None, Decimal("0.25"))
    assert "cache hit rate 0.2560" in text
    assert (w.tier, w.budget_usd_per_month) == (2, Decimal(50))


def test_emit_workload_is_read_by_plan_check(cli, tmp_path):
    out = tmp_path / "next-month.yaml"
    r = cli(
        [
            "usage",
            str(SAMPLES),
            "--tier",
            "5",
            "--budget",
            "8000",
            "--emit-workload",
            str(out),
            "--pricing",
            FIXTURE_CATALOG,
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert f"gpt41cost: wrote {out}; check it with: gpt41cost plan {out} --check" in r.stderr
    r = cli(["plan", str(out), "--check", "--pricing", FIXTURE_CATALOG])
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "PASS (tier 5" in r.stdout
    r = cli(["plan", str(out).replace("next-month", "nope"), "--check"])
    assert r.exit_code == ExitCode.INPUT


def test_forecast_json_contract(cli):
    r = cli(
        [
            "usage",
            str(SAMPLES),
            "--forecast",
            "--tier",
            "1",
            "--as-of",
            "2026-11-20",
            "--format",
            "json",
            "--pricing",
            FIXTURE_CATALOG,
        ],
    )
    f = json.loads(r.stdout)["forecast"]
    assert set(f) == {
        "month",
        "through",
        "month_end",
        "days_left",
        "spent_usd",
        "run_rate_usd_per_day",
        "run_rate_from",
        "run_rate_days",
        "rest_of_run_date_usd",
        "projected_usd",
        "projected_low_usd",
        "projected_high_usd",
        "projected_low_day",
        "projected_high_day",
        "run_rate_start_usd_per_day",
        "run_rate_start",
        "price_changes",
        "shutdowns",
        "crossings",
        "peak_days",
        "daily",
        "assumptions",
    }
    assert set(f["crossings"][0]) == {"what", "limit_usd", "status", "on"}
    assert set(f["peak_days"][0]) == {
        "model",
        "day",
        "tokens",
        "requests_day",
        "requests",
        "rpd",
        "rpd_share",
        "tokens_per_minute_day_avg",
        "tpm",
        "tpm_share",
    }
    assert set(f["daily"][0]) == {"day", "cost_usd"}
    mini = next(p for p in f["peak_days"] if p["model"] == "gpt-4.1-mini")
    assert mini["rpd"] == 10_000  # tier 1 publishes RPD for mini


def test_small_amounts_in_the_forecast_keep_their_figures(tmp_path: Path) -> None:
    """A day of $0.00072 reads as such in the forecast's labels and note (was '$0.00/day')."""
    import gpt41cost
    from gpt41cost.report import usd_cents

    day = int(dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC).timestamp())
    log = tmp_path / "app.jsonl"
    log.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "created": day + i * 86_400, "model": "gpt-4.1-mini",
                        "usage": {"prompt_tokens": 1000, "completion_tokens": 200}}) + "\n"
            for i in range(3)
        ),
        encoding="utf-8",
    )  # fmt: skip
    out = " ".join(gpt41cost.usage(str(log), forecast=True, as_of="2026-11-03").render().split())
    # a day: 1,000 x $0.40/M + 200 x $1.60/M = $0.00072; the mean of three such days the same
    assert "$0.00072/day" in out and "the rate's highest day, $0.00072," in out
    assert "$0.00/day" not in out
    cases = {"0.0036": "$0.0036", "0.45": "$0.45", "0": "$0.00", "1234.567": "$1,234.57", "0.999": "$1.00"}
    assert {v: usd_cents(Decimal(v)) for v in cases} == cases
