"""Workload files: loading, and one clear line for every kind of bad input."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from gpt41cost.catalog import Catalog
from gpt41cost.errors import ExitCode, InputError
from gpt41cost.workload import load_workload, workload_demand, workload_profiles

from .conftest import ROOT

GOOD = """\
model: gpt-4.1
input_tokens: 1000
output_tokens: 300
max_tokens: 500
traffic: {requests_per_day: 14400, peak_rpm: 300}
tier: 2
budget_usd_per_month: 5000
min_headroom_pct: 0
"""


def write(tmp_path: Path, text: str, name: str = "w.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file(tmp_path: Path, catalog: Catalog) -> None:
    w = load_workload(write(tmp_path, GOOD), catalog)
    assert w.name == "w" and w.tier == 2 and w.reserve_tokens == 500 and w.output_tokens == 300
    assert w.traffic.peak_rpm == 300 and w.traffic.requests_per_day == 14400
    assert w.budget_usd_per_month == D(5000) and w.batch_share == 0 and not w.cache_auto
    (profile,), summary = workload_profiles(w, catalog)
    assert profile.input_tokens == (1000,) and summary.files == 0
    assert workload_demand(w, profile).models[0][1] == 1


def test_mix_and_prompts_relative_to_the_file(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.txt").write_text("hello world")
    (tmp_path / "p" / "b.txt").write_text("hello")
    text = GOOD.replace("model: gpt-4.1\n", "models: {gpt-4.1-nano: 0.7, gpt-4.1-mini: 0.25, gpt-4.1: 0.05}\n")
    text = text.replace("input_tokens: 1000", "prompts: [p/*.txt]")
    w = load_workload(write(tmp_path, text), catalog)
    assert [(m.label, s) for m, s in w.models] == [
        ("gpt-4.1-nano", D("0.7")),
        ("gpt-4.1-mini", D("0.25")),
        ("gpt-4.1", D("0.05")),
    ]
    assert [Path(f).name for f in w.prompt_files] == ["a.txt", "b.txt"]
    profiles, summary = workload_profiles(w, catalog)
    # each model of the mix: text has the same tokens on every one
    assert [p.input_tokens for p in profiles] == [(2, 1)] * 3 and summary.mean_input_tokens == D("1.5")


def test_peak_from_daily_volume_and_factor(tmp_path: Path, catalog: Catalog) -> None:
    text = GOOD.replace("traffic: {requests_per_day: 14400, peak_rpm: 300}", "traffic: {requests_per_day: 14400}")
    assert load_workload(write(tmp_path, text), catalog).traffic.peak_rpm == 30  # 10/min x default 3
    text = text.replace("{requests_per_day: 14400}", "{requests_per_day: 14400, peak_factor: 2}")
    assert load_workload(write(tmp_path, text), catalog).traffic.peak_rpm == 20


def test_max_tokens_alone_is_the_expected_output_too(tmp_path: Path, catalog: Catalog) -> None:
    w = load_workload(write(tmp_path, GOOD.replace("output_tokens: 300\n", "")), catalog)
    assert w.output_tokens == 500 and "upper bound" in w.output_source


def sub(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


BAD = [
    pytest.param(
        sub("output_tokens: 300", "output_tokens: 300: 4"),
        "w.yaml:3: YAML syntax error: mapping values",
        id="yaml-error",
    ),
    pytest.param("", "workload file is empty", id="empty"),
    pytest.param("- a\n- b\n", "must be a mapping", id="not-a-mapping"),
    pytest.param(sub("tier: 2\n", ""), "w.yaml: tier: missing key", id="missing-tier"),
    pytest.param(sub("model: gpt-4.1\n", ""), "model: missing key: give model or models", id="missing-model"),
    pytest.param(
        sub("traffic: {requests_per_day: 14400, peak_rpm: 300}\n", ""), "traffic: missing key", id="missing-traffic"
    ),
    pytest.param(
        sub("input_tokens: 1000\n", ""),
        "w.yaml: prompts: missing key: give prompts or input_tokens",
        id="missing-input",
    ),
    pytest.param(sub("output_tokens: 300\nmax_tokens: 500\n", ""), "output_tokens: missing key", id="missing-output"),
    pytest.param(sub("tier: 2", "teir: 2"), ":6: teir: unknown key; did you mean 'tier'?", id="unknown-key"),
    pytest.param(
        sub("budget_usd_per_month", "budget_usd"), "did you mean 'budget_usd_per_month'?", id="unknown-key-prefix"
    ),
    pytest.param(
        sub("peak_rpm: 300", "peak_rmp: 300"),
        ":5: traffic.peak_rmp: unknown key; did you mean 'peak_rpm'?",
        id="unknown-nested-key",
    ),
    pytest.param(
        sub("model: gpt-4.1\n", "models: {gpt-4.1-nano: 0.7, gpt-4.1-mini: 0.2}\n"),
        ":1: models: shares sum to 0.9, not 1",
        id="mix-not-1",
    ),
    pytest.param(
        sub("model: gpt-4.1\n", "models: {gpt-4.1-nano: 0.5, gpt-4.1-nano-2025-04-14: 0.5}\n"),
        "list each model once",
        id="mix-same-model-twice",
    ),
    pytest.param(
        sub("model: gpt-4.1\n", "models: {gpt-4.1-nano: 1.5, gpt-4.1-mini: -0.5}\n"),
        "models.gpt-4.1-nano: must be between 0 and 1",
        id="mix-share-over-1",
    ),
    pytest.param(
        sub("model: gpt-4.1", "model: gpt-4.2"), ":1: model: unknown model 'gpt-4.2': did you mean", id="unknown-model"
    ),
    pytest.param(
        sub("model: gpt-4.1\n", "model: gpt-4.1\nmodels: {gpt-4.1: 1}\n"),
        "give model or models, not both",
        id="model-and-models",
    ),
    pytest.param(
        sub("peak_rpm: 300", "peak_rpm: -300"),
        ":5: traffic.peak_rpm: must be more than 0, got -300",
        id="negative-rate",
    ),
    pytest.param(
        sub("requests_per_day: 14400", "requests_per_day: lots"),
        "traffic.requests_per_day: 'lots' is not",
        id="rate-not-a-number",
    ),
    pytest.param(sub("tier: 2", "tier: 6"), ":6: tier: 6 is not a usage tier; tiers are 1 to 5", id="tier-6"),
    pytest.param(sub("tier: 2", "tier: 0"), "tier: 0 is not a usage tier", id="tier-0"),
    pytest.param(sub("tier: 2", "tier: 2.5"), "tier: expected a whole number", id="tier-fraction"),
    pytest.param(
        sub("input_tokens: 1000", "prompts: [nothing/*.txt]"),
        "prompts[0]: 'nothing/*.txt' matches no file",
        id="glob-matches-nothing",
    ),
    pytest.param(
        sub("input_tokens: 1000", "input_tokens: -5"),
        "input_tokens: must be between 1 and 100,000,000, got -5",
        id="neg-input",
    ),
    pytest.param(
        sub("max_tokens: 500", "max_tokens: 200"), "output_tokens: 300 is more than max_tokens", id="expected-over-cap"
    ),
    pytest.param(
        sub("max_tokens: 500", "max_tokens: 40000"),
        "over gpt-4.1's maximum output of 32,768",
        id="max-tokens-over-model",
    ),
    pytest.param(
        sub("min_headroom_pct: 0", "min_headroom_pct: 100"), "min_headroom_pct: 100 leaves no room", id="headroom-100"
    ),
    pytest.param(
        sub("min_headroom_pct: 0", "min_headroom_pct: -1"),
        "min_headroom_pct: cannot be negative",
        id="headroom-negative",
    ),
    pytest.param(
        GOOD + "batch_share: 1.2\n",
        "batch_share: must be between 0 and 1 (or 0% and 100%), got 1.2",
        id="batch-share-over-1",
    ),
    pytest.param(
        GOOD + "cache_hit_rate: 0.5\ncache: auto\n", "give cache_hit_rate or cache, not both", id="two-cache-keys"
    ),
    pytest.param(
        GOOD + "cache: yes\n", "cache: 'yes' (YAML reads it as true): the only value is 'auto'", id="cache-not-auto"
    ),
    pytest.param(GOOD + "cache: auto\n", "'auto' needs prompts", id="cache-auto-without-prompts"),
    pytest.param(GOOD + "tier: 3\n", ":9: tier: key appears twice", id="duplicate-key"),
    pytest.param(
        sub("traffic: {requests_per_day: 14400, peak_rpm: 300}", "traffic: {peak_rpm: 300}"),
        "budget_usd_per_month: needs traffic.requests_per_day",
        id="budget-without-volume",
    ),
    pytest.param(
        sub("traffic: {requests_per_day: 14400, peak_rpm: 300}", "traffic: 300"),
        "traffic: this key must be a mapping",
        id="traffic-not-mapping",
    ),
    pytest.param(
        sub("requests_per_day: 14400", "requests_per_day: true"), "expected a number, got true/false", id="bool-rate"
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_workload(tmp_path: Path, catalog: Catalog, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_workload(path, catalog)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert message in msg, msg
    assert "\n" not in msg
    assert info.value.exit_code == ExitCode.INPUT


def test_missing_file(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(InputError, match="no such workload file"):
        load_workload(tmp_path / "nope.yaml", catalog)


def test_prompt_over_the_context_window(tmp_path: Path, catalog: Catalog) -> None:
    text = sub("input_tokens: 1000", "input_tokens: 1040000").replace("max_tokens: 500", "max_tokens: 32000")
    said = "input_tokens: 1,040,000 input plus 32,000 output is over gpt-4.1's 1,047,576"
    with pytest.raises(InputError, match=re.escape(said)):
        load_workload(write(tmp_path, text), catalog)


@pytest.mark.parametrize("name", ["support-bot", "invoice-extraction", "ticket-classifier"])
def test_samples_load(catalog: Catalog, name: str) -> None:
    w = load_workload(ROOT / "samples" / "workloads" / f"{name}.yaml", catalog)
    assert w.name == name
