"""fix17b: usage's rules each in one place. A Usage API result or CSV export row with an empty or
blank model is a bad record, as a response with one is (usage.names_model)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.usage import UsageResult

from .conftest import TEST_DATE, spend_log

#: 2025-12-06 00:00 UTC
CREATED = 1764979200


def _usage(path: Path | str, **kw: object) -> UsageResult:
    return gpt41cost.usage([str(path)], as_of=TEST_DATE, **kw).result  # type: ignore[arg-type]


# --------------------------------------------------------------------------- 1. an empty model in a sum row


def _result(model: object) -> dict[str, object]:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": 1000,
        "output_tokens": 200,
        "input_cached_tokens": 0,
        "num_model_requests": 5,
        "model": model,
        "batch": False,
        "service_tier": "default",
    }


def _page(model: object) -> dict[str, object]:
    bucket = {"object": "bucket", "start_time": CREATED, "results": [_result("gpt-4.1"), _result(model)]}
    return {"object": "page", "data": [bucket], "has_more": False}


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty-streamed"])
@pytest.mark.parametrize("model", ["", "  ", "\u3000", 5], ids=["empty", "spaces", "ideographic-space", "number"])
def test_a_usage_api_result_whose_model_names_none_is_a_bad_record(
    tmp_path: Path, model: object, indent: int | None
) -> None:
    """Before: an unpriced "(none)" row of 5 requests with the advice to group by model; a response
    with such a model has been a bad record since 99787ee. A pretty-printed page is read as a stream
    (readers/usage_stream), a one-line page parsed whole: both alike."""
    path = tmp_path / "page.json"
    path.write_text(json.dumps(_page(model), indent=indent, ensure_ascii=False))
    got = _usage(path)
    assert got.unpriced == ()
    assert got.totals.requests == 5 and got.skipped == {"bad_record": 1}
    shown = json.dumps(model, ensure_ascii=False)
    assert got.skip_examples[0].detail == (
        f"data[0].results[1]: result.model is {shown}, which names no model, so which prices apply is "
        "unknown: fetch the usage again grouped by model"
    )


def test_a_usage_api_result_of_no_model_is_still_priced_as_none(tmp_path: Path) -> None:
    """null: a result not grouped by model, listed as not priced (the rule is for names that name none)."""
    path = tmp_path / "page.json"
    path.write_text(json.dumps(_page(None)))
    got = _usage(path)
    assert got.skipped == {}
    assert [(u.model, u.requests) for u in got.unpriced] == [(None, 5)]


_HEADER = "start_time,model,num_model_requests,input_tokens,output_tokens,batch,service_tier\n"
_PRICED_ROW = f"{CREATED},gpt-4.1,5,1000,200,false,default\n"


@pytest.mark.parametrize(("cell", "shown"), [("", "empty"), ("   ", "'   '")], ids=["empty", "spaces"])
def test_a_csv_row_whose_model_cell_names_none_is_a_bad_record(tmp_path: Path, cell: str, shown: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(_HEADER + f"{CREATED},{cell},5,1000,200,false,default\n" + _PRICED_ROW)
    got = _usage(path)
    assert got.unpriced == ()
    assert got.totals.requests == 5 and got.skipped == {"bad_record": 1}
    assert got.skip_examples[0].message() == (
        f"{path}:2: model is {shown}, which names no model, so which prices apply is unknown: "
        "export the usage grouped by model"
    )


def test_a_csv_row_with_its_model_in_snapshot_id_alone_is_priced(tmp_path: Path) -> None:
    """An export with both columns: an empty model cell beside a snapshot_id is that snapshot."""
    path = tmp_path / "rows.csv"
    path.write_text(
        "start_time,model,snapshot_id,num_model_requests,input_tokens,output_tokens,batch,service_tier\n"
        f"{CREATED},,gpt-4.1-2025-04-14,5,1000,200,false,default\n{CREATED},,,5,1000,200,false,default\n"
    )
    got = _usage(path)
    assert got.totals.requests == 5 and got.skipped == {"bad_record": 1}
    assert "model is empty, which names no model" in got.skip_examples[0].detail


@pytest.mark.parametrize("kind", ["page.json", "rows.csv"])
def test_strict_stops_at_an_empty_model_and_skip_bad_skips_it(cli, tmp_path: Path, kind: str) -> None:
    """As for any bad record: skipped with one line on stderr (with or without --skip-bad); --strict
    stops at it with exit 3, one line, nothing on stdout. Before: exit 0 and a "(none)" row (1 under --strict)."""
    path = tmp_path / kind
    if kind == "page.json":
        path.write_text(json.dumps(_page("")))
    else:
        path.write_text(_HEADER + f"{CREATED},,5,1000,200,false,default\n" + _PRICED_ROW)
    line = f"{path}:{1 if kind == 'page.json' else 2}: "
    stopped = cli("usage", "--as-of", TEST_DATE, "--strict", path)
    assert stopped.exit_code == 3 and stopped.stdout == ""
    assert stopped.stderr.count("\n") == 1 and "Traceback" not in stopped.stderr
    assert stopped.stderr.startswith(f"gpt41cost: error: {line}")
    assert "which names no model" in stopped.stderr
    assert stopped.stderr.endswith("(--strict stops at the first bad record)\n")
    for flags in ((), ("--skip-bad",)):
        done = cli("usage", "--as-of", TEST_DATE, *flags, "-f", "json", path)
        assert done.exit_code == 0
        doc = json.loads(done.stdout)
        assert doc["unpriced"] == [] and doc["skipped"] == {"bad_record": 1}
        assert doc["requests"] == 5
        assert f"warning: {line}" in done.stderr and "(none)" not in done.stderr


# --------------------------------------------------------------------------- 2. priced_parts resolves and prices


def test_priced_parts_yields_the_model_resolved_and_the_mode_it_is_priced_at(shipped_catalog) -> None:
    """The rule lives in priced_parts: each caller (summarize, reconcile.computed_costs,
    forecast._traffic) resolved the model and applied priced_mode itself. A fine-tuned priority group
    at standard, flagged; a priority group's long part apart; a model not priced with its reason and
    the mode its key bills at."""
    from gpt41cost.usage import Accumulator, Resolver, priced_parts

    acc = Accumulator(long_threshold=shipped_catalog.long_context_threshold)
    ft = "ft:gpt-4.1-mini-2025-04-14:acme::x1"
    for model, tier, inp in [(ft, "priority", 1000), ("gpt-4.1", "priority", 1000), ("gpt-4.1", "priority", 200_000)]:
        acc.add_tokens((model, False, tier, 20_400, None, None, None), 1, inp, 0, 10)
    acc.add_tokens(("gpt-4o", True, "priority", 20_400, None, None, None), 2, 50, 0, 5, False)
    got = [
        (key[0], resolved if isinstance(resolved, str) else resolved.label, mode, long, ft_priority, n, i, c, o)
        for key, resolved, mode, long, ft_priority, n, i, c, o in priced_parts(acc, Resolver(shipped_catalog))
    ]
    assert got == [
        (ft, ft, "standard", False, True, 1, 1000, 0, 10),
        ("gpt-4.1", "gpt-4.1", "priority", False, False, 1, 1000, 0, 10),
        ("gpt-4.1", "gpt-4.1", "standard", True, False, 1, 200_000, 0, 10),
        ("gpt-4o", "not in the pricing catalog", "batch", False, False, 2, 50, 0, 5),
    ]


# --------------------------------------------------------------------------- 3. one list of OpenAI's provider names


_SPELLINGS = ["openai", "OpenAI", " openai ", "Text-Completion-OpenAI"]


@pytest.mark.parametrize("spelling", _SPELLINGS)
def test_a_litellm_row_names_openai_alike_in_the_reader_and_the_pricing(tmp_path: Path, spelling: str) -> None:
    """A provider's name is OpenAI's API however it is spelled, in the reader (which drops a model's
    first prefix) and in the pricing (usage.provider_reason, which tested == "openai"): before, a
    row whose model was 'openai/OpenAI/gpt-4o' left 'OpenAI/gpt-4o', 'served by another provider
    (OpenAI)', where 'openai/openai/gpt-4o' was 'not in the pricing catalog'."""
    rows = [
        {"model": "gpt-4.1", "custom_llm_provider": spelling},
        {"model": f"{spelling}/gpt-4.1", "custom_llm_provider": None},
        {"model": f"openai/{spelling}/gpt-4o", "custom_llm_provider": "openai"},
        {"model": f"{spelling}/{spelling}/gpt-4o", "custom_llm_provider": spelling},
    ]
    got = _usage(spend_log(tmp_path / "spend.jsonl", rows))
    assert got.totals.requests == 4 and got.models[0].requests == 2
    reasons = {(u.model or "").lower().replace(" ", ""): u.reason for u in got.unpriced}
    assert set(reasons.values()) == {"not in the pricing catalog"}, reasons


@pytest.mark.parametrize("spelling", ["azure", "Azure", " AZURE "])
def test_another_providers_name_in_any_case_is_that_provider(tmp_path: Path, spelling: str) -> None:
    """custom_llm_provider 'Azure' made 'Azure/gpt-4.1', which provider_reason (testing
    startswith('azure')) called 'served by another provider (Azure)', not an Azure deployment."""
    rows = [
        {"model": "gpt-4.1", "custom_llm_provider": spelling},
        {"model": f"{spelling}/dep", "custom_llm_provider": None},
    ]
    got = _usage(spend_log(tmp_path / "spend.jsonl", rows))
    assert [u.reason for u in got.unpriced] == [
        "an Azure OpenAI deployment: billed by Microsoft Azure, not at OpenAI's prices"
    ] * 2


@pytest.mark.parametrize("spelling", _SPELLINGS)
def test_a_response_logged_with_an_openai_prefix_is_not_another_providers(tmp_path: Path, spelling: str) -> None:
    """A response (not a LiteLLM row) whose model names OpenAI as its provider: not in the catalog
    (the prefix is dropped for LiteLLM rows only), never 'served by another provider (OpenAI)'."""
    line = {"id": "a", "object": "chat.completion", "created": CREATED, "model": f"{spelling}/gpt-4.1"}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(line | {"usage": {"prompt_tokens": 10, "completion_tokens": 2}}) + "\n")
    assert [u.reason for u in _usage(path).unpriced] == ["not in the pricing catalog"]


# --------------------------------------------------------------------------- 4. a CSV time cell read as a log's


@pytest.mark.parametrize("column", ["start_time", "aggregation_timestamp", "timestamp"])
def test_a_csv_time_cell_that_is_no_time_names_its_column_as_a_log_time_does(tmp_path: Path, column: str) -> None:
    """readers/usage._csv_day read a number cell with a branch of its own, whose message did not
    name the column ('export.csv:2: time 12.0 is not a Unix time ...'); it is _log_day's now, as a
    JSON log's time key: '<column>: time 12.0 is not a Unix time ...'. A good time still reads."""
    path = tmp_path / "export.csv"
    path.write_text(
        f"{column},model,num_model_requests,input_tokens,output_tokens\n12,gpt-4.1,1,10,1\n{CREATED},gpt-4.1,1,10,1\n"
    )
    got = _usage(path)
    assert [line.key for line in got.by_day] == ["2025-12-06"]
    assert got.skip_examples[0].detail == (
        f"{column}: time 12.0 is not a Unix time from 2000 to 2099, in seconds or milliseconds"
    )
    if column in ("start_time", "timestamp"):  # time keys of a JSON log too: the same words
        usage = {"prompt_tokens": 1, "completion_tokens": 1}
        lines = [{"model": "gpt-4.1", "usage": usage, column: 12.0}, {"model": "gpt-4.1", "usage": usage}]
        log = tmp_path / "log.jsonl"
        log.write_text("".join(json.dumps(line) + "\n" for line in lines))
        assert _usage(log).skip_examples[0].detail == got.skip_examples[0].detail


# --------------------------------------------------------------------------- 5. forecast prices each day once


class _Counted:
    """A forecast pricer whose ``cost`` calls are counted per day."""

    def __init__(self, pricer: object, monkeypatch: pytest.MonkeyPatch) -> None:
        import collections

        self.calls: collections.Counter[object] = collections.Counter()
        cost = pricer.cost  # type: ignore[attr-defined]

        def counted(traffic: object, day: object, per: int = 1) -> object:
            self.calls[day] += 1
            return cost(traffic, day, per)

        monkeypatch.setattr(pricer, "cost", counted)


def _pricer(catalog: object, names: list[str]) -> object:
    from gpt41cost.forecast import _Pricer

    return _Pricer(catalog, {n: catalog.resolve(n) for n in names})  # type: ignore[arg-type, attr-defined]


def test_price_changes_prices_each_day_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """_price_changes priced each day twice (as the day, and as the day before the next one): 30
    days of two models were 116 calls, now 60; the change found is the same (gpt-4.1-mini's prices
    at 0.75 from 2026-12-10)."""
    import datetime as dt

    from gpt41cost.catalog import load_catalog
    from gpt41cost.forecast import _price_changes

    from .test_fixL16_plan import _dated_catalog

    catalog = load_catalog(_dated_catalog(tmp_path, "2026-12-10", "0.75")).on(dt.date(2026, 12, 1))
    pricer = _pricer(catalog, ["gpt-4.1", "gpt-4.1-mini"])
    counted = _Counted(pricer, monkeypatch)
    traffic = {("gpt-4.1", "standard"): [1000, 0, 10], ("gpt-4.1-mini", "standard"): [1000, 0, 10]}
    got = _price_changes(pricer, traffic, dt.date(2026, 12, 2), dt.date(2026, 12, 31))  # type: ignore[arg-type]
    assert [(str(d), m) for d, m in got] == [("2026-12-10", "gpt-4.1-mini")]
    assert sum(counted.calls.values()) == 60 and set(counted.calls.values()) == {2}  # each day once a model


def test_shutdowns_price_the_run_date_only_for_its_rest(monkeypatch: pytest.MonkeyPatch, shipped_catalog) -> None:
    """_shutdowns priced the run date's whole day at the substitute (and at the model's own prices)
    though only the rest of it is used: gpt-4.1-nano (shut down 2026-10-23, substitute gpt-4.1-mini)
    on a run date of 2026-10-25 and the 6 days after: 7 calls of cost, now 6, none of the run date."""
    import datetime as dt

    from gpt41cost.forecast import _days, _shutdowns

    pricer = _pricer(shipped_catalog, ["gpt-4.1-nano"])
    counted = _Counted(pricer, monkeypatch)
    traffic = {("gpt-4.1-nano", "standard"): [7_000_000, 0, 70_000]}
    logged = {("gpt-4.1-nano", "standard"): [500_000, 0, 5_000]}
    run = dt.date(2026, 10, 25)
    (got,) = _shutdowns(pricer, traffic, 7, _days(run + dt.timedelta(days=1), dt.date(2026, 10, 31)), run, logged)  # type: ignore[arg-type]
    assert counted.calls[run] == 0 and sum(counted.calls.values()) == 6
    # a day of 1,000,000 in + 10,000 out at gpt-4.1-mini's $0.40/$1.60 per 1M is $0.416; the rest of
    # the run date is that less its 500,000 + 5,000 so far ($0.208): 6 x $0.416 + $0.208
    assert (got.rest_of_run_date, got.days, got.usd) == (True, 7, 6 * Decimal("0.416") + Decimal("0.208"))
