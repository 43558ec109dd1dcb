"""The Python API: its public names and signatures, its results equal to the CLI's JSON, its errors."""

from __future__ import annotations

import functools
import inspect
import json
import subprocess
import sys
from decimal import Decimal

import pytest

import gpt41cost
from gpt41cost.errors import InputError, ParameterError, UnknownModelError, UsageError

from .conftest import ROOT, TEST_DATE

# The CLI runs on $GPT41COST_AS_OF (conftest pins it); the API, which reads no environment, is told.
estimate, limits, plan, usage, pricing, rules = (
    functools.partial(getattr(gpt41cost, name), as_of=TEST_DATE)
    for name in ("estimate", "limits", "plan", "usage", "pricing", "rules")
)

# --------------------------------------------------------------------------- public names and signatures

SIGNATURES = {
    "estimate": "(paths: 'Paths | None' = None, *, input_tokens: 'Number | None' = None, "
    "output_tokens: 'Number | None' = None, cached_tokens: 'Number | None' = None, "
    "cache_hit_rate: 'Number | None' = None, cache: 'str | None' = None, cache_warm: 'bool' = False, "
    "batch: 'bool' = False, priority: 'bool' = False, requests_per_day: 'Number | None' = None, "
    "requests_per_month: 'Number | None' = None, models: 'str | Sequence[str] | None' = None, "
    "catalog: 'Catalog | str | os.PathLike[str] | None' = None, as_of: 'date | str | None' = None, "
    "include: 'Sequence[str]' = (), exclude: 'Sequence[str]' = (), encoding: 'str' = 'utf-8', "
    "read_as: 'str | Sequence[str] | None' = None, image_size: 'str | tuple[int, int] | None' = None, "
    "epochs: 'Number' = 3, skip_bad: 'bool' = False, per_input: 'bool' = False, "
    "calibrate_from: 'Paths | None' = None, on_progress: 'Callable[[int], None] | None' = None, "
    "on_total: 'Callable[[int], None] | None' = None, on_warning: 'Callable[[str], None] | None' = None) "
    "-> 'Estimate'",
    "limits": "(paths: 'Paths | None' = None, *, input_tokens: 'Number | None' = None, "
    "max_tokens: 'Number | None' = None, output_tokens: 'Number | None' = None, "
    "peak_rpm: 'Number | None' = None, requests_per_day: 'Number | None' = None, "
    "peak_factor: 'Number | None' = None, tier: 'Number | None' = None, min_headroom: 'Number' = 0, "
    "batch_share: 'Number' = 0, priority_share: 'Number' = 0, cache_hit_rate: 'Number | None' = None, "
    "backlog: 'Number | None' = None, "
    "models: 'str | Sequence[str] | None' = None, "
    "catalog: 'Catalog | str | os.PathLike[str] | None' = None, "
    "as_of: 'date | str | None' = None, "
    "include: 'Sequence[str]' = (), exclude: 'Sequence[str]' = (), encoding: 'str' = 'utf-8', "
    "read_as: 'str | Sequence[str] | None' = None, image_size: 'str | tuple[int, int] | None' = None, "
    "skip_bad: 'bool' = False, "
    "on_progress: 'Callable[[int], None] | None' = None, on_total: 'Callable[[int], None] | None' = None, "
    "on_warning: 'Callable[[str], None] | None' = None) -> 'Limits'",
    "plan": "(workload: 'str | os.PathLike[str] | Mapping[str, Any]', *, calibrate_from: 'Paths | None' = None, "
    "substitute: 'bool' = False, catalog: 'Catalog | str | os.PathLike[str] | None' = None, "
    "as_of: 'date | str | None' = None, "
    "include: 'Sequence[str]' = (), exclude: 'Sequence[str]' = (), encoding: 'str' = 'utf-8', "
    "read_as: 'str | Sequence[str] | None' = None, image_size: 'str | tuple[int, int] | None' = None, "
    "skip_bad: 'bool' = False, "
    "on_progress: 'Callable[[int], None] | None' = None, on_total: 'Callable[[int], None] | None' = None, "
    "on_warning: 'Callable[[str], None] | None' = None) -> 'Plan'",
    "usage": "(paths: 'Paths', *, strict: 'bool' = False, batch_share: 'Number | None' = None, "
    "jobs: 'Number | None' = None, billed: 'Paths | None' = None, tolerance: 'Number' = '1%', "
    "forecast: 'bool' = False, budget: 'Number | None' = None, tier: 'Number | None' = None, "
    "catalog: 'Catalog | str | os.PathLike[str] | None' = None, as_of: 'date | str | None' = None, "
    "progress: 'Callable[[int, int | None, int], None] | None' = None, skip_bad: 'bool' = False, "
    "cache_by_size: 'bool' = True) -> 'Usage'",
    "count_tokens": "(text: 'str') -> 'int'",
    "count_request": "(body: 'Mapping[str, Any]', *, model: 'str | None' = None, "
    "image_size: 'str | tuple[int, int] | None' = None, "
    "catalog: 'Catalog | str | os.PathLike[str] | None' = None) -> 'RequestTokens'",
    "price": "(input_tokens: 'Number', output_tokens: 'Number', *, cached_tokens: 'Number' = 0, model: 'str', "
    "mode: 'str' = 'standard', catalog: 'Catalog | str | os.PathLike[str] | None' = None, "
    "as_of: 'date | str | None' = None) -> 'Cost'",
    "load_catalog": "(path: 'str | os.PathLike[str] | None' = None) -> 'Catalog'",
    "pricing": "(*, catalog: 'Catalog | str | os.PathLike[str] | None' = None, as_of: 'date | str | None' = None) "
    "-> 'Pricing'",
    "rules": "(*, catalog: 'Catalog | str | os.PathLike[str] | None' = None, as_of: 'date | str | None' = None) "
    "-> 'Rules'",
}
RESULTS = ["Catalog", "Cost", "Estimate", "Limits", "Plan", "Pricing", "RequestTokens", "Rules", "Usage"]


def test_public_names() -> None:
    assert sorted(gpt41cost.__all__) == sorted([*SIGNATURES, *RESULTS, "__version__"])
    for name in gpt41cost.__all__:
        assert getattr(gpt41cost, name) is not None
    assert set(gpt41cost.__all__) <= set(dir(gpt41cost))


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name: str) -> None:
    assert str(inspect.signature(getattr(gpt41cost, name))) == SIGNATURES[name]
    assert getattr(gpt41cost, name).__doc__


def test_api_names_stay_functions_after_the_core_modules_load() -> None:
    import gpt41cost.estimate
    import gpt41cost.limits
    import gpt41cost.rules
    import gpt41cost.usage

    for name in ("estimate", "limits", "usage", "rules"):
        assert inspect.isfunction(getattr(gpt41cost, name)), name
    from gpt41cost import estimate

    assert inspect.isfunction(estimate)


def test_import_is_cheap() -> None:
    """`import gpt41cost` loads neither the API nor anything heavy until a name is used."""
    code = (
        "import sys, gpt41cost\n"
        "heavy = [m for m in ('gpt41cost.api', 'tiktoken', 'yaml', 'typer', 'rich', 'orjson', 'decimal') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the same JSON as the CLI


def _cli_json(cli, args: str | list[str]) -> dict:
    """The JSON the CLI prints for ``args`` (a list, or words in one string)."""
    words = args.split() if isinstance(args, str) else args
    if "--as-of" not in words:  # the API's as_of is --as-of (not $GPT41COST_AS_OF, which the reports name)
        words = [*words, "--as-of", TEST_DATE]
    return cli(words, "-f", "json", env={"GPT41COST_PRICING": ""}, expect=(0, 1)).json()  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


CASES = [
    pytest.param(
        lambda: estimate(["samples/support"], output_tokens=300),
        ["estimate", "samples/support", "--output-tokens", "300"],
        id="estimate-support",
    ),
    pytest.param(
        lambda: estimate("samples/requests", requests_per_day=1000, calibrate_from="samples/usage"),
        ["estimate", "samples/requests", "--requests-per-day", "1000", "--calibrate-from", "samples/usage"],
        id="estimate-requests-calibrated",
    ),
    pytest.param(
        lambda: estimate(["samples/requests/batch-support.jsonl"], models=["gpt-4.1-mini"], cache_warm=True),
        ["estimate", "samples/requests/batch-support.jsonl", "-m", "gpt-4.1-mini", "--cache-warm"],
        id="estimate-batch",
    ),
    pytest.param(
        lambda: estimate(input_tokens=100_000, output_tokens=2000, models="gpt-4.1", batch=True),
        ["estimate", "--input-tokens", "100000", "--output-tokens", "2000", "--model", "gpt-4.1", "--batch"],
        id="estimate-sizes",
    ),
    pytest.param(
        lambda: estimate(["samples/support"], cache_hit_rate=Decimal("0.9"), requests_per_month=5000),
        ["estimate", "samples/support", "--cache-hit-rate", "0.9", "--requests-per-month", "5000"],
        id="estimate-rate",
    ),
    pytest.param(
        lambda: limits(["samples/support"], output_tokens=300, peak_rpm=100),
        ["limits", "samples/support", "--output-tokens", "300", "--peak-rpm", "100"],
        id="limits-support",
    ),
    pytest.param(
        lambda: limits(input_tokens=2000, output_tokens=400, peak_rpm=50, backlog=1_000_000, tier=3),
        "limits --input-tokens 2000 --output-tokens 400 --peak-rpm 50 --backlog 1000000 --tier 3",
        id="limits-sizes",
    ),
    pytest.param(
        lambda: limits("samples/requests/batch-support.jsonl", requests_per_day=2000, peak_factor=4, min_headroom=20),
        "limits samples/requests/batch-support.jsonl --requests-per-day 2000 --peak-factor 4 --min-headroom 20",
        id="limits-batch",
    ),
    *[
        pytest.param(
            lambda w=w: plan(f"samples/workloads/{w}.yaml"),
            ["plan", f"samples/workloads/{w}.yaml"],
            id=f"plan-{w}",
        )
        for w in ("support-bot", "ticket-classifier", "invoice-extraction")
    ],
    pytest.param(
        lambda: plan("samples/workloads/support-bot.yaml", calibrate_from=["samples/usage"]),
        ["plan", "samples/workloads/support-bot.yaml", "--calibrate-from", "samples/usage"],
        id="plan-calibrated",
    ),
    pytest.param(
        lambda: plan("samples/workloads/support-bot-2026-03.yaml", substitute=True),
        ["plan", "samples/workloads/support-bot-2026-03.yaml", "--substitute"],
        id="plan-substitute",
    ),
    pytest.param(lambda: usage(["samples/usage"]), ["usage", "samples/usage"], id="usage-all"),
    pytest.param(
        lambda: usage(["samples/usage"], forecast=True, budget="5", tier=2),
        ["usage", "samples/usage", "--forecast", "--budget", "5", "--tier", "2"],
        id="usage-forecast",
    ),
    pytest.param(
        lambda: usage(["samples/bill-2026-11/completions"], billed=["samples/bill-2026-11/costs"], tolerance="2%"),
        ["usage", "samples/bill-2026-11/completions", "--billed", "samples/bill-2026-11/costs", "--tolerance", "2%"],
        id="usage-billed",
    ),
    pytest.param(
        lambda: usage("samples/usage/usage-export.csv", batch_share="0.3"),
        ["usage", "samples/usage/usage-export.csv", "--what-if", "batch=0.3"],
        id="usage-what-if",
    ),
    pytest.param(lambda: pricing(), ["pricing"], id="pricing"),
    pytest.param(lambda: pricing(as_of="2026-05-01"), ["pricing", "--as-of", "2026-05-01"], id="pricing-as-of"),
    pytest.param(
        lambda: pricing(catalog="tests/data/pricing-fixture.yaml"),
        ["pricing", "--pricing", "tests/data/pricing-fixture.yaml"],
        id="pricing-own-catalog",
    ),
    pytest.param(lambda: rules(), ["rules"], id="rules"),
    pytest.param(
        lambda: rules(catalog="tests/data/pricing-fixture.yaml"),
        ["rules", "--pricing", "tests/data/pricing-fixture.yaml"],
        id="rules-own-catalog",
    ),
]


@pytest.mark.parametrize(("call", "args"), CASES)
def test_to_dict_is_the_cli_json(cli, call, args) -> None:
    assert call().to_dict() == _cli_json(cli, args)


def test_render_is_what_the_cli_prints(cli) -> None:
    result = estimate(["samples/support"], output_tokens=300)
    for fmt in ("table", "csv", "markdown", "json"):
        r = cli(["estimate", "samples/support", "--output-tokens", "300", "--as-of", TEST_DATE, "-f", fmt])
        assert result.render(fmt) == r.stdout, fmt


def test_done_when_command(cli, monkeypatch) -> None:
    """The issue's own check: the printed dict is the CLI's JSON (the API in a new interpreter,
    the CLI in a process of its own; neither with the test's pinned date or catalog)."""
    code = (
        "import gpt41cost, json\n"
        "print(json.dumps(gpt41cost.estimate(['samples/support'], output_tokens=300).to_dict()))"
    )
    monkeypatch.delenv("GPT41COST_PRICING", raising=False)
    monkeypatch.delenv("GPT41COST_AS_OF")
    api = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    run = cli.process("estimate", "samples/support", "--output-tokens", "300", "-f", "json")
    assert json.loads(api.stdout) == run.json(0)


def test_results_are_frozen() -> None:
    import dataclasses

    result = usage(["samples/usage/responses.jsonl"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.result = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pricing().catalog = None  # type: ignore[misc]
    listed = rules()
    assert isinstance(listed.rules, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        listed.rules = ()  # type: ignore[misc]


def test_plan_from_a_dict_is_the_plan_from_its_file() -> None:
    import yaml

    path = ROOT / "samples/workloads/ticket-classifier.yaml"
    from_file = plan(path).to_dict()
    from_dict = plan(yaml.safe_load(path.read_text(encoding="utf-8"))).to_dict()
    assert from_dict["workload"].pop("file") == "workload"
    assert from_file["workload"].pop("file") == str(path)
    assert from_dict == from_file


def test_plan_checks_a_dict_like_a_file() -> None:
    with pytest.raises(InputError, match=r"^workload: (model|models)"):
        plan({"input_tokens": 100})


# --------------------------------------------------------------------------- single requests


def test_price_is_exact(catalog) -> None:
    # gpt-4.1 in the fixture catalog: $2 input, $0.50 cached, $8 output per 1M tokens
    cost = gpt41cost.price(1000, 200, cached_tokens=400, model="gpt-4.1", catalog=catalog)
    assert cost.uncached_input_usd == Decimal("0.0012")
    assert cost.cached_input_usd == Decimal("0.0002")
    assert cost.output_usd == Decimal("0.0016")
    assert cost.total_usd == Decimal("0.0030")
    batch = gpt41cost.price(1000, 200, cached_tokens=400, model="gpt-4.1", mode="batch", catalog=catalog)
    assert batch.total_usd < cost.total_usd


def test_count_tokens() -> None:
    assert gpt41cost.count_tokens("hello world") == 2
    assert gpt41cost.count_tokens("") == 0


def test_count_request_matches_the_reader(cli) -> None:
    """One request body counts as estimate counts the file holding it (1,583 tokens on gpt-4.1-mini)."""
    body = json.loads((ROOT / "samples/requests/chat-support.json").read_text(encoding="utf-8"))
    counted = gpt41cost.count_request(body)
    report = _cli_json(cli, ["estimate", "samples/requests/chat-support.json"])
    assert counted.model == report["models"][0]["model"] == "gpt-4.1-mini"
    assert counted.input_tokens == report["models"][0]["input_tokens_total"] == 1583


def test_count_request_responses_body() -> None:
    chat = gpt41cost.count_request({"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi there"}]})
    responses = gpt41cost.count_request({"model": "gpt-4.1", "input": "Hi there", "max_output_tokens": 50})
    assert chat.input_tokens > 0 and responses.input_tokens > 0
    assert responses.max_output_tokens == 50


def test_count_request_rejects_what_is_not_a_request() -> None:
    with pytest.raises(InputError, match="neither 'messages'"):
        gpt41cost.count_request({"model": "gpt-4.1"})


def test_load_catalog() -> None:
    shipped = gpt41cost.load_catalog()
    assert shipped.resolve("gpt-4.1-mini-2025-04-14").spec.name == "gpt-4.1-mini"
    assert gpt41cost.load_catalog(ROOT / "tests/data/pricing-fixture.yaml").as_of


# --------------------------------------------------------------------------- errors name the parameter


@pytest.mark.parametrize(
    ("call", "message", "flag_message", "args"),
    [
        pytest.param(
            lambda: gpt41cost.estimate(["samples/support"], output_tokens=-1),
            "output_tokens: cannot be negative, got -1",
            "--output-tokens: cannot be negative, got -1",
            ["estimate", "samples/support", "--output-tokens", "-1"],
            id="negative",
        ),
        pytest.param(
            lambda: gpt41cost.estimate(["samples/support"], cache_hit_rate="x"),
            "cache_hit_rate: 'x' is not a number; give e.g. 0.8 or 80%",
            "--cache-hit-rate: 'x' is not a number; give e.g. 0.8 or 80%",
            ["estimate", "samples/support", "--cache-hit-rate", "x"],
            id="rate",
        ),
        pytest.param(
            lambda: gpt41cost.estimate(["samples/support"], read_as="pdf"),
            "read_as pdf: unknown kind 'pdf'",
            "--as pdf: unknown kind 'pdf'",
            ["estimate", "samples/support", "--as", "pdf"],
            id="as",
        ),
        pytest.param(
            lambda: gpt41cost.estimate(),
            "nothing to estimate: give prompt files, a directory, '-' or input_tokens N",
            "nothing to estimate: give prompt files, a directory, '-' or --input-tokens N",
            ["estimate"],
            id="nothing",
        ),
        pytest.param(
            lambda: gpt41cost.limits(input_tokens=100, output_tokens=5, peak_rpm=5, peak_factor=2),
            "peak_factor only applies without peak_rpm; drop one of them",
            "--peak-factor only applies without --peak-rpm; drop one of them",
            ["limits", "--input-tokens", "100", "--output-tokens", "5", "--peak-rpm", "5", "--peak-factor", "2"],
            id="limits-factor",
        ),
        pytest.param(
            lambda: gpt41cost.limits(input_tokens=100, output_tokens=5, peak_rpm=5, batch_share=2),
            "batch_share: must be between 0 and 1 (or 0% and 100%), got 2",
            "--batch-share: must be between 0 and 1 (or 0% and 100%), got 2",
            ["limits", "--input-tokens", "100", "--output-tokens", "5", "--peak-rpm", "5", "--batch-share", "2"],
            id="limits-share",
        ),
        pytest.param(
            lambda: gpt41cost.pricing(as_of="2026-13-01"),
            "as_of: '2026-13-01' is not a real date; give a date such as 2026-12-06",
            "--as-of: '2026-13-01' is not a real date; give a date such as 2026-12-06",
            ["pricing", "--as-of", "2026-13-01"],
            id="pricing-as-of",
        ),
        pytest.param(
            lambda: gpt41cost.usage(["samples/usage"], tolerance="lots"),
            "tolerance 'lots': 'lots' is not a number; give e.g. 0.01 or 1% (a share)",
            "--tolerance 'lots': 'lots' is not a number; give e.g. 0.01 or 1% (a share)",
            ["usage", "samples/usage", "--tolerance", "lots"],
            id="usage-tolerance",
        ),
        pytest.param(
            lambda: gpt41cost.usage(["samples/usage"], tolerance=1),
            "tolerance '1': must be at least 0 and below 1 (100%)",
            "--tolerance '1': must be at least 0 and below 1 (100%)",
            ["usage", "samples/usage", "--tolerance", "1"],
            id="usage-tolerance-1",
        ),
        pytest.param(
            lambda: gpt41cost.usage(["samples/usage"], forecast=True, budget=-5),
            "budget '-5': must be more than 0, got -5; give US dollars, e.g. budget 5000",
            "--budget '-5': must be more than 0, got -5; give US dollars, e.g. --budget 5000",
            ["usage", "samples/usage", "--forecast", "--budget", "-5"],
            id="usage-budget",
        ),
    ],
)
def test_errors_name_the_parameter(cli, call, message, flag_message, args) -> None:
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.message.startswith(message)
    r = cli(args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"gpt41cost: error: {flag_message}")


def test_unknown_model_is_a_usage_error() -> None:
    with pytest.raises(UnknownModelError) as err:
        gpt41cost.price(1, 1, model="gpt-5")
    assert isinstance(err.value, UsageError)
    assert "did you mean" in err.value.message or "known:" in err.value.message


def test_bad_format() -> None:
    result = gpt41cost.estimate(input_tokens=10)
    with pytest.raises(ParameterError, match=r"^fmt: 'yaml' is not one of table, json, csv, markdown"):
        result.render("yaml")
