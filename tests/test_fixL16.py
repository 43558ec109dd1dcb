"""Session 16, fixL16: the Python API's arguments checked and named as the README's "Python API"
promises (ParameterError naming the parameter; the CLI, its flag), and two figures shown so that
what they say is visible (a user trial's findings D6, D7, D8, D13 and the plan's cosmetics)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import ExitCode, InputError, ParameterError, UnknownModelError

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "samples"
A = "2026-12-06"


def _priced(**kw: object) -> str:
    got = gpt41cost.estimate(input_tokens=2000, output_tokens=500, models="gpt-4.1", as_of=A, **kw)  # type: ignore[arg-type]
    return str(got.to_dict()["models"][0]["per_request_usd"])


# --------------------------------------------------------------------------- bool parameters (D7)


@pytest.mark.parametrize("value", [pytest.param("no", id="str-no"), pytest.param("false", id="str-false"),
                                   pytest.param(0, id="int-0"), pytest.param(1, id="int-1"),
                                   pytest.param(None, id="none")])  # fmt: skip
@pytest.mark.parametrize("param", ["batch", "priority", "cache_warm", "skip_bad", "per_input"])
def test_estimate_refuses_a_flag_that_is_not_a_bool(param: str, value: object) -> None:
    """batch="no" priced at Batch ($0.004 for $0.008) and priority="false" at priority ($0.014)."""
    with pytest.raises(ParameterError) as exc:
        _priced(**{param: value})
    assert exc.value.params == (param,)
    assert str(exc.value) == f"{param}: give True or False, not {value!r}"


def test_estimate_flags_as_bools_price_as_before() -> None:
    assert (_priced(), _priced(batch=True), _priced(priority=True), _priced(batch=False)) == (
        "0.008",
        "0.004",
        "0.014",
        "0.008",
    )


@pytest.mark.parametrize(
    ("call", "param"),
    [
        pytest.param(lambda: gpt41cost.limits(input_tokens=10, max_tokens=10, peak_rpm=3, skip_bad="no"), "skip_bad",
                     id="limits-skip_bad"),
        pytest.param(lambda: gpt41cost.plan(str(SAMPLES / "workloads" / "support-bot.yaml"), substitute="no"),
                     "substitute", id="plan-substitute"),
        pytest.param(lambda: gpt41cost.plan(str(SAMPLES / "workloads" / "support-bot.yaml"), skip_bad="no"),
                     "skip_bad", id="plan-skip_bad"),
        pytest.param(lambda: gpt41cost.usage([str(SAMPLES / "usage")], strict="no"), "strict", id="usage-strict"),
        pytest.param(lambda: gpt41cost.usage([str(SAMPLES / "usage")], forecast="no"), "forecast",
                     id="usage-forecast"),
        pytest.param(lambda: gpt41cost.usage([str(SAMPLES / "usage")], skip_bad="no"), "skip_bad",
                     id="usage-skip_bad"),
        pytest.param(lambda: gpt41cost.usage([str(SAMPLES / "usage")], cache_by_size="no"), "cache_by_size",
                     id="usage-cache_by_size"),
    ],
)  # fmt: skip
def test_every_public_bool_parameter_refuses_a_string(call, param: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as exc:
        call()
    assert exc.value.params == (param,)
    assert str(exc.value) == f"{param}: give True or False, not 'no'"


# --------------------------------------------------------------------------- budget and tier without forecast (D6)


@pytest.mark.parametrize(
    "kw", [pytest.param({"budget": 100, "tier": 1}, id="both"), pytest.param({"tier": 1}, id="tier"),
           pytest.param({"budget": 100}, id="budget")],
)  # fmt: skip
def test_usage_refuses_budget_and_tier_without_forecast(kw: dict[str, int]) -> None:
    """They were ignored (result.forecast None) where the CLI exits 2."""
    with pytest.raises(ParameterError) as exc:
        gpt41cost.usage([str(SAMPLES / "usage")], as_of=A, **kw)  # type: ignore[arg-type]
    assert str(exc.value) == ("budget and tier work with forecast=True or Usage.workload_yaml(); add one of them")
    assert exc.value.params[:3] == ("budget", "tier", "forecast")


def test_usage_budget_and_tier_with_forecast_still_project() -> None:
    got = gpt41cost.usage([str(SAMPLES / "usage")], budget=100, tier=1, forecast=True, as_of=A)
    assert got.forecast is not None


def test_cli_budget_without_forecast_is_named_by_its_flags_before_reading(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("usage", "/nonexistent/usage.jsonl", "--tier", "2")  # the flags are checked before any file is read
    assert (r.exit_code, r.stdout) == (ExitCode.USAGE, "")
    assert r.stderr == (
        "gpt41cost: error: --budget and --tier work with --forecast or --emit-workload; add one of them\n"
    )


def test_cli_emit_workload_takes_tier_and_budget_without_forecast(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "w.yaml"
    r = cli("usage", str(SAMPLES / "usage"), "--tier", "2", "--budget", "50", "--emit-workload", str(out))
    assert r.exit_code == 0, r.stderr
    text = out.read_text()
    assert "tier: 2" in text and "budget_usd_per_month: 50" in text


# --------------------------------------------------------------------------- errors name the parameter (item 4)


def test_forecast_with_no_dated_usage_names_the_parameter_in_the_api_and_the_flag_in_the_cli(cli) -> None:  # type: ignore[no-untyped-def]
    """The API said '--forecast: no usage ...'."""
    with pytest.raises(InputError) as exc:
        gpt41cost.usage([str(SAMPLES / "usage")], forecast=True, as_of="2020-01-01")
    assert str(exc.value) == "forecast: no usage with a date on or before 2020-01-01; nothing to project from"
    assert exc.value.exit_code == ExitCode.INPUT
    assert isinstance(exc.value, ParameterError) and exc.value.params == ("forecast",)
    r = cli("usage", str(SAMPLES / "usage"), "--forecast", "--as-of", "2020-01-01")
    assert (r.exit_code, r.stdout) == (ExitCode.INPUT, "")
    assert r.stderr.endswith(
        "gpt41cost: error: --forecast: no usage with a date on or before 2020-01-01; nothing to project from\n"
    )


def test_workload_yaml_of_undated_usage_names_the_method_and_the_flag(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The API said '--emit-workload: no dated usage ...'."""
    log = tmp_path / "undated.jsonl"
    body = {"id": "x1", "object": "chat.completion", "model": "gpt-4.1",
            "usage": {"prompt_tokens": 10, "completion_tokens": 1}}  # fmt: skip
    log.write_text(json.dumps(body) + "\n")
    with pytest.raises(InputError) as exc:
        gpt41cost.usage([str(log)], as_of=A).workload_yaml(3)
    assert str(exc.value) == "Usage.workload_yaml(): no dated usage of a model the catalog prices; nothing to plan from"
    r = cli("usage", str(log), "--tier", "3", "--emit-workload", str(tmp_path / "w.yaml"))
    assert (r.exit_code, r.stdout) == (ExitCode.INPUT, "")
    assert r.stderr.endswith(
        "gpt41cost: error: --emit-workload: no dated usage of a model the catalog prices; nothing to plan from\n"
    )


# --------------------------------------------------------------------------- argument types (D8)


@pytest.mark.parametrize(
    ("arg", "kind"),
    [pytest.param(None, "NoneType", id="none"), pytest.param(["x.yaml"], "list", id="list"),
     pytest.param(5, "int", id="int"), pytest.param(b"x.yaml", "bytes", id="bytes")],
)  # fmt: skip
def test_plan_refuses_a_workload_that_is_no_path_or_dict(arg: object, kind: str) -> None:
    """plan(None), plan(["x.yaml"]), plan(5) raised a plain TypeError from os.fspath."""
    with pytest.raises(ParameterError) as exc:
        gpt41cost.plan(arg)  # type: ignore[arg-type]
    assert exc.value.params == ("workload",)
    assert str(exc.value) == f"workload: give the path of a workload YAML file or a dict of its keys, not {kind}"


def test_estimate_refuses_bytes_as_paths() -> None:
    """b"samples/support" was iterated as ints: TypeError 'expected str, bytes or os.PathLike object, not int'."""
    with pytest.raises(ParameterError) as exc:
        gpt41cost.estimate(b"samples/support", as_of=A)  # type: ignore[arg-type]
    assert str(exc.value) == "paths: give a path or a list of paths (str or os.PathLike), not bytes"
    with pytest.raises(ParameterError) as exc:
        gpt41cost.estimate([str(SAMPLES / "support"), 5], as_of=A)  # type: ignore[list-item]
    assert str(exc.value) == "paths: each path is a str or os.PathLike, not int (5)"


def test_paths_may_be_a_generator_read_once() -> None:
    """A generator was consumed by the first of two readings: 'nothing to estimate'."""
    listed = gpt41cost.estimate([str(SAMPLES / "support")], output_tokens=300, as_of=A).to_dict()
    generated = gpt41cost.estimate((p for p in [SAMPLES / "support"]), output_tokens=300, as_of=A).to_dict()
    assert generated == listed
    usage = gpt41cost.usage(iter([str(SAMPLES / "usage")]), as_of=A).to_dict()
    assert usage["total_usd"] == gpt41cost.usage([str(SAMPLES / "usage")], as_of=A).to_dict()["total_usd"]


# --------------------------------------------------------------------------- count_request's model (D13)


def test_count_request_names_model_for_an_unknown_body_model() -> None:
    """UnknownModelError with params () and no parameter in its message."""
    with pytest.raises(UnknownModelError) as exc:
        gpt41cost.count_request({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]})
    assert exc.value.params == ("model",)
    assert str(exc.value).startswith("model: unknown model 'gpt-9'")


# --------------------------------------------------------------------------- the reading options (D8, more of it)


def _support(**kw: object) -> int:
    got = gpt41cost.estimate([str(SAMPLES / "support")], output_tokens=10, as_of=A, **kw)  # type: ignore[arg-type]
    return int(got.to_dict()["models"][0]["requests"])


def test_a_glob_given_alone_is_one_glob_not_its_characters() -> None:
    """include="*.md" was read as the globs '*', '.', 'm', 'd': '*' let all 8 .txt files in (exit 0);
    exclude="ticket-0[1-4]*" excluded every file (its 't', 'i', ... and '*')."""
    with pytest.raises(InputError, match=r"directory has no files matching \*\.md"):
        _support(include="*.md")
    assert _support(include="ticket-0[1-4]*") == _support(include=["ticket-0[1-4]*"]) == 4
    assert _support(exclude="ticket-0[1-4]*") == _support(exclude=("ticket-0[1-4]*",)) == 4
    with pytest.raises(InputError):  # limits and plan read with the same options
        gpt41cost.limits([str(SAMPLES / "support")], max_tokens=10, peak_rpm=1, include="*.md", as_of=A)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        pytest.param({"include": [5]}, "include: each is a glob (str), not int (5)", id="include-int"),
        pytest.param({"exclude": b"*.txt"}, "exclude: give a glob or a list of them (str), not bytes",
                     id="exclude-bytes"),
        pytest.param({"read_as": [5]}, "read_as: each is a kind or KIND=GLOB (str), not int (5)", id="read_as-int"),
        pytest.param({"encoding": 5}, "encoding: give a text encoding such as 'utf-8', not int", id="encoding-int"),
        pytest.param({"image_size": 5}, "image_size: give WxH, e.g. '1024x768', or (width, height), not int",
                     id="image_size-int"),
        pytest.param({"on_progress": 5}, "on_progress: give a function or None, not int", id="on_progress-int"),
        pytest.param({"on_warning": "x"}, "on_warning: give a function or None, not str", id="on_warning-str"),
    ],
)  # fmt: skip
def test_reading_options_of_the_wrong_type_are_named(kw: dict[str, object], message: str) -> None:
    """Each raised a plain TypeError or AttributeError ('int' object has no attribute 'partition')."""
    for call in (
        lambda: _support(**kw),
        lambda: gpt41cost.limits([str(SAMPLES / "support")], max_tokens=10, peak_rpm=1, as_of=A, **kw),  # type: ignore[arg-type]
        lambda: gpt41cost.plan(str(SAMPLES / "workloads" / "support-bot.yaml"), as_of=A, **kw),  # type: ignore[arg-type]
    ):
        with pytest.raises(ParameterError) as exc:
            call()
        assert str(exc.value) == message
