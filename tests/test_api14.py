"""Review 14 (api14): the Python API's arguments, price's refusals, usage's notes, the date's source,
the plan gate's boundary and models before their release."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import gpt41cost
from gpt41cost.errors import ParameterError

from .conftest import ROOT, TEST_DATE
from .rendered import rendered

USAGE = str(ROOT / "samples" / "usage")
WORKLOAD = str(ROOT / "samples" / "workloads" / "support-bot.yaml")

# --------------------------------------------------------------------------- item 6: arguments of the wrong type

#: a datetime is its own date as given (no time-zone conversion): 23:30 at UTC-5 is still 2026-12-06
LATE = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

CALLS = {
    "estimate": lambda d: gpt41cost.estimate(input_tokens=1000, as_of=d),
    "limits": lambda d: gpt41cost.limits(input_tokens=1000, max_tokens=500, peak_rpm=300, as_of=d),
    "plan": lambda d: gpt41cost.plan(WORKLOAD, as_of=d),
    "usage": lambda d: gpt41cost.usage([USAGE], as_of=d),
    "pricing": lambda d: gpt41cost.pricing(as_of=d),
    "rules": lambda d: gpt41cost.rules(as_of=d),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_datetime_as_of_is_its_own_date(name: str) -> None:
    """It raised TypeError: can't compare datetime.datetime to datetime.date."""
    got = CALLS[name](LATE).to_dict()
    assert got == CALLS[name](TEST_DATE).to_dict()


def test_price_takes_a_datetime_as_its_date() -> None:
    assert gpt41cost.price(1000, 10, model="gpt-4.1-mini", as_of=LATE) == gpt41cost.price(
        1000, 10, model="gpt-4.1-mini", as_of=TEST_DATE
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: gpt41cost.rules(catalog=123),  # type: ignore[arg-type]
            "catalog: give a Catalog (gpt41cost.load_catalog) or the path of a pricing YAML file, not int",
            id="rules-catalog-int",
        ),
        pytest.param(
            lambda: gpt41cost.pricing(as_of=20261206),  # type: ignore[arg-type]
            "as_of: give a date, a datetime or a string such as 2026-12-06, not int",
            id="pricing-as-of-int",
        ),
        pytest.param(
            lambda: gpt41cost.price(1000, 10, model=None),  # type: ignore[arg-type]
            "model: give a model name such as 'gpt-4.1', not NoneType",
            id="price-model-none",
        ),
        pytest.param(
            lambda: gpt41cost.price(None, 10, model="gpt-4.1"),  # type: ignore[arg-type]
            "input_tokens: give a number of tokens, not None",
            id="price-input-none",
        ),
        pytest.param(
            lambda: gpt41cost.estimate(input_tokens=1000, models=5),  # type: ignore[arg-type]
            "models: give a model name or a list of them (str), not int",
            id="estimate-models-int",
        ),
        pytest.param(  # was "... not int": the bytes were taken as a list of their values
            lambda: gpt41cost.estimate(input_tokens=1000, models=b"gpt-4.1"),  # type: ignore[arg-type]
            "models: give a model name or a list of them (str), not bytes",
            id="estimate-models-bytes",
        ),
        pytest.param(
            lambda: gpt41cost.limits(input_tokens=1000, peak_rpm=10, models=["gpt-4.1", 3]),  # type: ignore[list-item]
            "models: each is a model name (str), not int (3)",
            id="limits-models-item-int",
        ),
        pytest.param(  # review 20d: a bare AssertionError (a TypeError under python -O)
            lambda: gpt41cost.estimate(input_tokens=1000, epochs=None),  # type: ignore[arg-type]
            "epochs: give a value, not None (leave it out for its default)",
            id="estimate-epochs-none",
        ),
        pytest.param(
            lambda: gpt41cost.limits(input_tokens=1000, max_tokens=10, peak_rpm=1, min_headroom=None),  # type: ignore[arg-type]
            "min_headroom: give a value, not None (leave it out for its default)",
            id="limits-min-headroom-none",
        ),
        pytest.param(
            lambda: gpt41cost.limits(input_tokens=1000, max_tokens=10, peak_rpm=1, batch_share=None),  # type: ignore[arg-type]
            "batch_share: give a value, not None (leave it out for its default)",
            id="limits-batch-share-none",
        ),
        pytest.param(
            lambda: gpt41cost.load_catalog(123),  # type: ignore[arg-type]
            "path: give the path of a pricing YAML file, not int",
            id="load-catalog-int",
        ),
    ],
)
def test_arguments_of_the_wrong_type_name_the_parameter(call, message: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()
    assert str(err.value) == message
    assert err.value.exit_code == 2


def test_price_reads_counts_as_estimate_does() -> None:
    """'1,000' raised TypeError: '>' not supported between instances of 'int' and 'str'."""
    assert gpt41cost.price("1,000", "1e1", model="gpt-4.1", as_of=TEST_DATE) == gpt41cost.price(  # type: ignore[arg-type]
        1000, 10, model="gpt-4.1", as_of=TEST_DATE
    )
    with pytest.raises(ParameterError, match=r"^cached_tokens \(2000\) exceed input_tokens \(1000\)$"):
        gpt41cost.price("1,000", 10, cached_tokens="2,000", model="gpt-4.1", as_of=TEST_DATE)  # type: ignore[arg-type]
    assert gpt41cost.price(Decimal(1000), 10, model="gpt-4.1", as_of=TEST_DATE).total_usd == Decimal("0.00208")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- item 12: workload_yaml's tier and budget


@pytest.fixture(scope="module")
def observed() -> gpt41cost.Usage:
    return gpt41cost.usage([USAGE], as_of=TEST_DATE)


@pytest.mark.parametrize(
    ("tier", "budget", "message", "flag_message"),
    [
        pytest.param(9, None, "tier: must be between 1 and 5, got 9", "--tier: must be between 1 and 5, got 9", id="9"),
        pytest.param(-1, None, "tier: must be between 1 and 5, got -1", None, id="-1"),
        pytest.param(0, None, "tier: must be between 1 and 5, got 0", "--tier: must be between 1 and 5, got 0", id="0"),
        pytest.param(
            2,
            -5,
            "budget '-5': must be more than 0, got -5; give US dollars, e.g. budget 5000",
            "--budget '-5': must be more than 0, got -5; give US dollars, e.g. --budget 5000",
            id="budget-negative",
        ),
    ],
)
def test_workload_yaml_checks_tier_and_budget_as_the_cli_does(
    observed, cli, tmp_path, tier, budget, message, flag_message
) -> None:
    """It wrote `tier: 9`, `tier: -1`, a negative budget: a file plan refuses."""
    with pytest.raises(ParameterError) as err:
        observed.workload_yaml(tier, budget)
    assert str(err.value) == message
    if flag_message is not None:
        args = ["--tier", str(tier)] + (["--budget", str(budget)] if budget is not None else [])
        run = cli("usage", USAGE, "--emit-workload", tmp_path / "w.yaml", *args)
        assert (run.exit_code, run.stdout) == (2, "")
        assert run.stderr == f"gpt41cost: error: {flag_message}\n"


def test_workload_yaml_reads_tier_and_budget_as_numbers(observed) -> None:
    text = observed.workload_yaml("3", "$5,000")  # type: ignore[arg-type]
    assert "\ntier: 3\n" in text and "\nbudget_usd_per_month: 5000\n" in text


# --------------------------------------------------------------------------- item 10: where the run's date came from


def _pin_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock, pinned: lifecycle.today is where every command and API call reads it."""
    from gpt41cost import lifecycle

    monkeypatch.setattr(lifecycle, "today", lambda: lifecycle.RunDate.of(dt.date(2026, 7, 4), lifecycle.TODAY))


def _date_line(text: str) -> str:
    return next(line.strip() for line in text.splitlines() if "date of the run:" in line)


@pytest.mark.parametrize("command", [["estimate", "--input-tokens", "1000"], ["usage", USAGE], ["pricing"]])
def test_the_date_line_names_its_source(cli, monkeypatch, command) -> None:
    """With $GPT41COST_AS_OF set, the line said '(--as-of; default today)'."""
    tail = ": prices in force and model status on this date"
    monkeypatch.setenv("GPT41COST_AS_OF", "2026-06-01")
    assert _date_line(cli(*command).stdout) == f"date of the run: 2026-06-01 ($GPT41COST_AS_OF){tail}"
    assert _date_line(cli(*command, "--as-of", "2026-05-01").stdout) == f"date of the run: 2026-05-01 (--as-of){tail}"
    monkeypatch.delenv("GPT41COST_AS_OF")
    _pin_today(monkeypatch)
    assert _date_line(cli(*command).stdout) == f"date of the run: 2026-07-04 (today in UTC; --as-of sets another){tail}"


def test_the_api_names_as_of_as_the_cli_names_its_flag(cli, monkeypatch) -> None:
    """as_of is --as-of spelled as a Python name: the same words, so a call's JSON is the command's."""
    tail = ": prices in force and model status on this date"
    line = _date_line(gpt41cost.pricing(as_of="2026-06-01").render())
    assert line == f"date of the run: 2026-06-01 (--as-of){tail}"
    _pin_today(monkeypatch)
    line = _date_line(gpt41cost.pricing().render())
    assert line == f"date of the run: 2026-07-04 (today in UTC; --as-of sets another){tail}"
    # a catalog fixed by the caller names no source it does not know
    fixed = gpt41cost.load_catalog().on(dt.date(2026, 6, 1))
    assert _date_line(gpt41cost.pricing(catalog=fixed).render()) == f"date of the run: 2026-06-01{tail}"
    args = ["--input-tokens", "1000", "--max-tokens", "100", "--peak-rpm", "10", "--as-of", "2026-06-01"]
    got = gpt41cost.limits(input_tokens=1000, max_tokens=100, peak_rpm=10, as_of=dt.date(2026, 6, 1)).to_dict()
    assert got == cli.json("limits", *args, "-f", "json")
    assert got["assumptions"]["date_of_the_run"] == f"2026-06-01 (--as-of){tail}"


# --------------------------------------------------------------------------- item 11: the gate's first failing day

PLANNED_IN_MARCH = str(ROOT / "samples" / "workloads" / "support-bot-2026-03.yaml")


def test_the_march_plan_fails_from_the_day_after_the_announcement(cli) -> None:
    """The README and the sample said it fails from 2026-04-22; it passes that day (the shutdown,
    2026-10-23, a day past the horizon's 2026-10-22) and fails from 2026-04-23."""
    assert gpt41cost.plan(PLANNED_IN_MARCH, as_of="2026-04-22").verdict.passed
    late = gpt41cost.plan(PLANNED_IN_MARCH, as_of="2026-04-23").verdict
    assert late.reasons == (
        "gpt-4.1-nano (70% of the traffic) shuts down on 2026-10-23, within the 6-month horizon (to 2026-10-23); "
        "substitute gpt-4.1-mini",
    )
    assert cli("plan", PLANNED_IN_MARCH, "--check", "--as-of", "2026-04-22").exit_code == 0
    assert cli("plan", PLANNED_IN_MARCH, "--check", "--as-of", "2026-04-23").exit_code == 1
    comment = (ROOT / "samples" / "workloads" / "support-bot-2026-03.yaml").read_text()
    assert "fails from 2026-04-23" in comment and "fails from 2026-04-22" not in comment


# --------------------------------------------------------------------------- item 7: usage's notes in the JSON


def _table_notes(text: str) -> list[str]:
    lines = text.split("\nNotes:\n", 1)[1].splitlines()
    return [line[4:] for line in lines if line.startswith("  - ")]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([USAGE, "--as-of", "2027-06-01"], id="stale-catalog-shut-down-models"),
        pytest.param(
            [str(ROOT / "samples/bill-2026-11/completions"), "--billed", str(ROOT / "samples/bill-2026-11/costs")],
            id="billed",
        ),
        pytest.param(
            [str(ROOT / "samples/bill-2026-11/completions"), "--forecast", "--budget", "5000", "--as-of", "2026-11-20"],
            id="forecast",
        ),
    ],
)
def test_usage_json_carries_the_notes_the_table_prints(cli, monkeypatch, args) -> None:
    """usage -f json had no notes key (README: 'Assumptions and notes live in the JSON'): the
    table run, and its report in JSON (tests/rendered.py)."""
    table = rendered(cli, monkeypatch, "usage", *args, expect=0)
    notes = json.loads(table.again("json"))["notes"]
    assert notes == _table_notes(table.run.stdout)
    assert notes and all(isinstance(n, str) for n in notes)


def test_usage_notes_name_the_catalogs_age_and_the_shut_down_models() -> None:
    notes = gpt41cost.usage([USAGE], as_of="2027-06-01").to_dict()["notes"]
    assert "prices last checked 177 days ago; see `gpt41cost pricing`" in notes
    assert any(n.startswith("gpt-4.1-nano is shut down 2026-10-23, ") for n in notes)
    fresh = gpt41cost.usage([USAGE], as_of="2026-12-06").to_dict()["notes"]
    assert "gpt-4.1-nano is shut down 2026-10-23, substitute gpt-4.1-mini: these figures price its past use." in fresh
    assert not any(n.startswith("prices last checked") for n in fresh)


# --------------------------------------------------------------------------- item 15: before a model's release

BEFORE = "2025-01-01"  # the three models are released (their first prices) on 2025-04-14


def test_estimate_before_the_release_says_not_yet_released(cli) -> None:
    """They were 'active' on 2025-01-01, priced at their first prices without a word."""
    doc = cli.json("estimate", "--input-tokens", "1000", "--as-of", BEFORE, "-f", "json")
    assert {m["model"]: m["lifecycle"]["status"] for m in doc["models"]} == dict.fromkeys(
        ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"), "not_yet_released"
    )
    table = cli("estimate", "--input-tokens", "1000", "--as-of", BEFORE).stdout
    assert "not yet released (available from 2025-04-14), priced at its first prices" in table
    assert (
        "gpt-4.1, gpt-4.1-mini, gpt-4.1-nano not yet released on 2025-01-01 (available from 2025-04-14): no request "
        "could be made then; the figures are at the first prices, for comparison only"
    ) in " ".join(table.split())
    on_the_day = cli.json("estimate", "--input-tokens", "1000", "--as-of", "2025-04-14", "-f", "json")
    assert {m["lifecycle"]["status"] for m in on_the_day["models"]} == {"active"}


def test_plan_check_fails_before_the_release(cli) -> None:
    run = cli("plan", WORKLOAD, "--check", "--as-of", "2025-04-13")
    assert run.exit_code == 1
    reason = "gpt-4.1-mini (95% of the traffic) is not yet released on 2025-04-13: available from 2025-04-14"
    assert reason in run.stderr
    assert cli("plan", WORKLOAD, "--check", "--as-of", "2025-04-14").exit_code == 0
    assert not gpt41cost.plan(WORKLOAD, as_of="2025-04-13").verdict.passed


def test_price_refuses_a_model_before_its_release() -> None:
    with pytest.raises(ParameterError) as err:
        gpt41cost.price(1000, 10, model="gpt-4.1", as_of=BEFORE)
    assert str(err.value) == (
        "model: gpt-4.1 is not yet released on 2025-01-01 (available from 2025-04-14); give as_of 2025-04-14 or later"
    )
    assert err.value.params == ("model", "as_of")
    assert gpt41cost.price(1000, 10, model="gpt-4.1", as_of="2025-04-14").total_usd == Decimal("0.00208")


def test_usage_before_the_release_says_so() -> None:
    notes = gpt41cost.usage([USAGE], as_of="2025-03-01").to_dict()["notes"]
    assert "gpt-4.1 is not yet released on the run's date 2025-03-01 (available from 2025-04-14)." in notes
    assert not any("must move" in n for n in notes)  # it read as a deprecated model's note


def test_a_catalog_without_dated_prices_has_no_release_date(catalog) -> None:
    """An undated price line (no from-date) gives no release: the model is active on any day."""
    from gpt41cost.lifecycle import ACTIVE

    undated = [m for m in catalog.models.values() if m.price_entries[0][1][0][0] is None]
    assert undated
    for spec in undated:
        assert spec.lifecycle.released_on is None
        assert spec.lifecycle.status(dt.date(2000, 1, 1)) == ACTIVE


# --------------------------------------------------------------------------- item 17: price() refuses what OpenAI does


@pytest.mark.parametrize(
    ("args", "kw", "message", "params"),
    [
        pytest.param(
            (2_000_000, 2_000),
            {"model": "gpt-4.1"},
            "input_tokens: 2,000,000 input plus 2,000 output is over gpt-4.1's 1,047,576-token context window; "
            "give input_tokens and output_tokens that sum to 1,047,576 or less",
            ("input_tokens", "output_tokens"),
            id="over-context",
        ),
        pytest.param(
            (1_000, 40_000),
            {"model": "gpt-4.1"},
            "output_tokens: 40,000 is over gpt-4.1's maximum output of 32,768 tokens; give 32,768 or less",
            ("output_tokens",),
            id="over-max-output",
        ),
        pytest.param(
            (100_000, 2_000),
            {"model": "gpt-4.1-nano"},
            "model: gpt-4.1-nano serves no request on 2026-12-06: shut down 2026-10-23, substitute gpt-4.1-mini; "
            "to price a past request give as_of a date before 2026-10-23",
            ("model", "as_of"),
            id="shut-down",
        ),
        pytest.param(
            (100_000, 2_000),
            {"model": "ft:gpt-4.1-nano-2025-04-14:acme::abc123"},
            "model: ft:gpt-4.1-nano-2025-04-14:acme::abc123 serves no request on 2026-12-06: shut down 2026-10-23, "
            "substitute gpt-4.1-mini; to price a past request give as_of a date before 2026-10-23",
            ("model", "as_of"),
            id="fine-tuned-on-a-shut-down-base",
        ),
    ],
)
def test_price_refuses_a_request_openai_would_not_serve(args, kw, message, params) -> None:
    """It priced them all: $4.004 for 2,000,000 input tokens, $0.32 for 40,000 output tokens."""
    with pytest.raises(ParameterError) as err:
        gpt41cost.price(*args, **kw, as_of=TEST_DATE)
    assert (str(err.value), err.value.params, err.value.exit_code) == (message, params, 2)


def test_price_at_the_limits_and_before_a_shutdown() -> None:
    window = 1_047_576
    full = gpt41cost.price(window - 32_768, 32_768, model="gpt-4.1", as_of=TEST_DATE)
    assert full.total_usd == Decimal("2.29176")  # 1,014,808 x $2 + 32,768 x $8 per 1M
    past = gpt41cost.price(100_000, 2_000, model="gpt-4.1-nano", as_of="2026-10-22")
    assert past.total_usd == Decimal("0.0108")


def test_estimate_refuses_the_same_output_flag_and_flags_the_same_misfit(cli) -> None:
    """price() mirrors estimate: the output flag refused with the same words, the context misfit listed."""
    run = cli("estimate", "--input-tokens", "1000", "--output-tokens", "40000", "--model", "gpt-4.1")
    assert (run.exit_code, run.stdout) == (2, "")
    assert "40,000 is over gpt-4.1's maximum output of 32,768 tokens; give 32,768 or less" in run.stderr
    run = cli("estimate", "--input-tokens", "2000000", "--model", "gpt-4.1")  # refused with limits' words
    assert (run.exit_code, run.stdout) == (2, "")
    assert "2,000,000 input plus 500 output is over gpt-4.1's 1,047,576-token context window" in run.stderr
