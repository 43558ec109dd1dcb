"""limits and plan, review 13 (items A-G of the limits/plan trial): a peak minute below the day's
average is refused; a given input size reports the cache it prices; the same prompts give the same
month in estimate, limits and plan; limits/plan JSON carry their assumptions and notes; plan's peak
RPM column is checkable against its headroom; usage --emit-workload keeps the observed caching."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.errors import ParameterError

from .conftest import ROOT, Cli

# --------------------------------------------------------------------------- A: peak below the average


def test_limits_refuses_a_peak_below_the_average_minute(cli: Cli) -> None:
    """50,000 requests/day are 34.72 a minute on average: a peak of 5 understated TPM (18.33% of
    tier 1's 30,000 where the average minute alone is 127%)."""
    run = cli(
        "limits", "-m", "gpt-4.1", "--input-tokens", "1000", "--max-tokens", "100",
        "--requests-per-day", "50000", "--peak-rpm", "5", "-f", "csv", expect=2,
    )  # fmt: skip
    assert run.stdout == ""
    assert run.stderr == (
        "gpt41cost: error: --peak-rpm 5 is below the day's average minute (--requests-per-day 50,000 / 1440 = "
        "34.72 requests/min); give a --peak-rpm of at least 34.73, or leave it out to take the peak from "
        "--peak-factor (default 3)\n"
    )


def test_limits_takes_a_peak_equal_to_the_average(cli: Cli) -> None:
    """1,440 requests/day at 1 a minute: a flat day, peak factor 1."""
    doc = cli.json(
        "limits", "-m", "gpt-4.1", "--input-tokens", "1000", "--max-tokens", "100",
        "--requests-per-day", "1440", "--peak-rpm", "1", "-f", "json",
    )  # fmt: skip
    assert doc["inputs"]["peak_rpm"] == 1


def test_the_api_names_its_parameters() -> None:
    import gpt41cost

    with pytest.raises(ParameterError, match=r"^peak_rpm 10 is below the day's average minute \(requests_per_day"):
        gpt41cost.limits(input_tokens=1000, max_tokens=100, requests_per_day=1_000_000, peak_rpm=10, models="gpt-4.1")


def test_plan_refuses_a_workload_whose_peak_is_below_the_average(cli: Cli, tmp_path: Path) -> None:
    """/tmp/review/wl/e.yaml: 1,000,000 requests/day (694.44 a minute) at a peak of 10 showed RPM 2%."""
    wl = tmp_path / "e.yaml"
    wl.write_text(
        "model: gpt-4.1-mini\ninput_tokens: 1000\noutput_tokens: 100\n"
        "traffic: {requests_per_day: 1000000, peak_rpm: 10}\ntier: 1\n"
    )
    run = cli("plan", wl, expect=3)
    assert run.stdout == ""
    assert run.stderr == (
        f"gpt41cost: error: {wl}:4: traffic: traffic.peak_rpm 10 is below the day's average minute "
        "(traffic.requests_per_day 1,000,000 / 1440 = 694.44 requests/min); give a traffic.peak_rpm of at least "
        "694.45, or leave it out to take the peak from traffic.peak_factor (default 3)\n"
    )


# --------------------------------------------------------------------------- B: a given size reports its cache

GIVEN = ["limits", "-m", "gpt-4.1", "--input-tokens", "1704", "--output-tokens", "100", "--requests-per-day", "1000"]


def test_limits_on_a_given_size_reports_the_cache_it_prices(cli: Cli) -> None:
    """0.8 of 1,704 input tokens in 128-token steps: 1,280 cached, as estimate takes it; the month
    ($68.64) priced them, but JSON said mean_cached_tokens 0, cache null, and no assumption line."""
    doc = cli.json(*GIVEN, "--cache-hit-rate", "0.8", "-f", "json")
    assert doc["models"][0]["monthly_cost_usd"]["total"] == "68.64"
    want = (1280, "hit rate 0.8 of the input, in 128-token steps")
    assert (doc["inputs"]["mean_cached_tokens"], doc["inputs"]["cache"]) == want
    m = doc["models"][0]["inputs"]
    assert (m["mean_cached_tokens"], m["cache"]) == want
    assert doc["inputs"]["input_tokens_total"] is None  # no request measured
    line = "cached input/request: mean 1,280 tokens (hit rate 0.8 of the input, in 128-token steps)"
    assert line in cli(*GIVEN, "--cache-hit-rate", "0.8").stdout
    assert line in cli(*GIVEN, "--cache-hit-rate", "0.8", "-f", "markdown").stdout


def test_limits_on_a_given_size_says_nothing_is_cached_without_a_rate(cli: Cli) -> None:
    doc = cli.json(*GIVEN, "-f", "json")
    assert (doc["inputs"]["mean_cached_tokens"], doc["inputs"]["cache"]) == (0, "none")
    assert "cached input/request: mean 0 tokens (none)" in cli(*GIVEN).stdout


def test_limits_and_plan_on_one_given_size_report_one_cache(cli: Cli, tmp_path: Path) -> None:
    wl = tmp_path / "w.yaml"
    wl.write_text(
        "model: gpt-4.1\ninput_tokens: 1704\noutput_tokens: 100\ntraffic: {requests_per_day: 1000}\n"
        "cache_hit_rate: 0.8\ntier: 1\n"
    )
    plan = cli.json("plan", wl, "-f", "json")
    limits = cli.json(*GIVEN, "--cache-hit-rate", "0.8", "-f", "json")
    keys = ("mean_cached_tokens", "cache")
    assert [plan["inputs"][k] for k in keys] == [limits["inputs"][k] for k in keys]
    assert plan["total_monthly_cost_usd"]["total"] == limits["models"][0]["monthly_cost_usd"]["total"]


# --------------------------------------------------------------------------- C: one month in all three commands


def test_limits_detects_the_cache_of_text_prompts_as_estimate_and_plan_do(cli: Cli, tmp_path: Path) -> None:
    """samples/support at 20,000 requests/day on gpt-4.1-mini: estimate --cache auto and plan's
    cache: auto give $433.86 (1,408 cached tokens a request); limits gave $687.30 and 0 cached, as
    it read the text prompts without cache blocks (README: it detects the cache of its prompts)."""
    support = ROOT / "samples" / "support"
    (est,) = cli.json(
        "estimate", support, "--cache", "auto", "--output-tokens", "300", "-m", "gpt-4.1-mini",
        "--requests-per-day", "20000", "-f", "json",
    )["models"]  # fmt: skip
    limits = cli.json(
        "limits", support, "-m", "gpt-4.1-mini", "--output-tokens", "300", "--requests-per-day", "20000", "-f", "json"
    )
    wl = tmp_path / "w.yaml"
    wl.write_text(
        f"model: gpt-4.1-mini\nprompts: ['{support}/*.txt']\noutput_tokens: 300\n"
        "traffic: {requests_per_day: 20000}\ncache: auto\ntier: 5\n"
    )
    plan = cli.json("plan", wl, "-f", "json")
    month = (
        est["monthly_usd"],
        limits["models"][0]["monthly_cost_usd"]["total"],
        plan["total_monthly_cost_usd"]["total"],
    )
    assert month == ("433.86",) * 3
    assert limits["inputs"]["mean_cached_tokens"] == plan["inputs"]["mean_cached_tokens"] == 1408
    # a hit rate given still wins over the detection
    rate = cli.json(
        "limits", support, "-m", "gpt-4.1-mini", "--output-tokens", "300", "--requests-per-day", "20000",
        "--cache-hit-rate", "0", "-f", "json",
    )  # fmt: skip
    assert rate["models"][0]["monthly_cost_usd"]["total"] == "687.3"


# --------------------------------------------------------------------------- D: assumptions and notes in JSON

LAUNCH_A = """\
name: launch-a
models: {gpt-4.1: 0.2, gpt-4.1-mini: 0.8}
input_tokens: 2000
output_tokens: 400
max_tokens: 1000
traffic:
  requests_per_day: 100000
  peak_factor: 3
cache_hit_rate: 0.6
batch_share: 0.25
tier: 3
budget_usd_per_month: "$20,000"
min_headroom_pct: 20
horizon_months: 1
"""


def _markdown_prose(text: str) -> tuple[list[str], list[str]]:
    """The Markdown report's Assumptions and Notes lines, without their bullets."""
    parts: dict[str, list[str]] = {"**Assumptions**": [], "**Notes**": []}
    head = None
    for line in text.splitlines():
        if line in parts:
            head = line
        elif head is not None and line.startswith("- "):
            parts[head].append(line[2:])
        elif head is not None and line and not line.startswith("- "):
            head = None
    return parts["**Assumptions**"], parts["**Notes**"]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            [
                "limits",
                ROOT / "samples" / "support",
                "--requests-per-day",
                "50000",
                "--output-tokens",
                "350",
                "--max-tokens",
                "800",
                "--backlog",
                "1000",
            ],
            id="limits-prompts",
        ),
        pytest.param(
            ["limits", "-m", "gpt-4.1", "--input-tokens", "1000", "--max-tokens", "500", "--peak-rpm", "30"],
            id="limits-given",
        ),
        pytest.param(["plan", "LAUNCH_A"], id="plan-batch-share"),
        pytest.param(
            ["plan", ROOT / "samples" / "workloads" / "support-bot.yaml", "--substitute"], id="plan-substitute"
        ),
    ],
)
def test_json_carries_the_assumptions_and_notes_the_table_shows(cli: Cli, tmp_path: Path, args: list) -> None:
    """README ("Reports"): assumptions and notes live in the JSON; limits and plan had neither key."""
    if "LAUNCH_A" in args:
        (tmp_path / "a.yaml").write_text(LAUNCH_A)
        args = [tmp_path / "a.yaml" if a == "LAUNCH_A" else a for a in args]
    doc = cli.json(*args, "-f", "json")
    assumptions, notes = _markdown_prose(cli(*args, "-f", "markdown").stdout.replace("\\$", "$"))  # $ escaped as \$
    assert assumptions and notes
    assert [f"{v}" for v in doc["assumptions"].values()] == [line.split(": ", 1)[1] for line in assumptions]
    assert doc["notes"] == notes
    assert "date_of_the_run" in doc["assumptions"] and "cached_input_request" in doc["assumptions"]


# --------------------------------------------------------------------------- E: plan's peak RPM, checkable


def test_plan_says_batch_requests_are_left_out_of_rpm(cli: Cli, tmp_path: Path) -> None:
    """/tmp/review/wl/a.yaml: gpt-4.1 at 20% of 100,000/day x 3 / 1440 shows a peak RPM of 41.67, its
    RPM use 0.6% of tier 3's 5,000 is the online 75% of it (31.25): the assumptions now say so."""
    (tmp_path / "a.yaml").write_text(LAUNCH_A)
    doc = cli.json("plan", tmp_path / "a.yaml", "-f", "json")
    (gpt41,) = (m for m in doc["models"] if m["model"] == "gpt-4.1")
    tier3 = next(t for t in gpt41["tiers"] if t["tier"] == 3)
    assert (gpt41["peak_rpm"], tier3["usage"]["rpm"]["used"]) == (41.6667, 31.25)
    line = (
        "batch share: 25% of requests through the Batch API (batch_share), left out of RPM, TPM and RPD (the batch "
        "queue is their limit): those count the 75% sent online of each peak RPM and requests/day shown"
    )
    assert line in cli("plan", tmp_path / "a.yaml").stdout.replace("\n  ", " ")
    assert doc["assumptions"]["batch_share"] == line.split(": ", 1)[1]


# --------------------------------------------------------------------------- F: the emitted workload keeps the cache


def test_emitted_workload_reproduces_the_logs_cost(cli: Cli, tmp_path: Path) -> None:
    """samples/calibration/support-log.jsonl: 30 gpt-4.1-mini requests in a day, $0.027035, half of
    them cached (24,960 of 49,740 input tokens). The workload said input_tokens 1658 and
    cache_hit_rate 0.5018: 832 tokens, under the 1,024-token minimum, so plan priced none cached and
    projected $1.04 a month against the log's $0.81. It now carries the mean cached tokens as given."""
    log = ROOT / "samples" / "calibration" / "support-log.jsonl"
    out = tmp_path / "sl.yaml"
    cli("usage", log, "--tier", "3", "--emit-workload", out, expect=0)
    text = out.read_text()
    assert "\ncached_tokens: 832 " in text and "cache hit rate 0.5018" in text
    assert "\ncache_hit_rate:" not in text
    observed = Decimal(cli.json("usage", log, "-f", "json")["total_usd"]) * 30  # one day of records
    doc = cli.json("plan", out, "-f", "json")
    planned = Decimal(doc["total_monthly_cost_usd"]["total"])
    assert (observed, planned) == (Decimal("0.811056"), Decimal("0.81144"))  # was $1.03608
    assert abs(planned - observed) / observed < Decimal("0.001")
    assert (doc["inputs"]["mean_cached_tokens"], doc["inputs"]["cache"]) == (
        832,
        "given per request (cached_tokens), not in OpenAI's steps",
    )
    # plan --check reads it (fails only on the model's shutdown within the horizon, not on the file)
    check = cli("plan", out, "--check", "--as-of", "2026-07-01")
    assert check.exit_code == 0, check.stderr


@pytest.mark.parametrize(
    ("more", "message"),
    [
        pytest.param("cached_tokens: 2000\n", "cached_tokens: 2,000 is more than input_tokens (1,000)", id="over"),
        pytest.param(
            "cached_tokens: 200\ncache_hit_rate: 0.5\n",
            "cached_tokens: give cache_hit_rate or cached_tokens",
            id="both",
        ),
        pytest.param("cached_tokens: -1\n", "cached_tokens: cannot be negative", id="negative"),
        pytest.param("cached_tokens: 1.5\n", "cached_tokens: expected a whole number, got 1.5", id="fraction"),
    ],
)
def test_bad_cached_tokens(cli: Cli, tmp_path: Path, more: str, message: str) -> None:
    wl = tmp_path / "w.yaml"
    wl.write_text(
        "model: gpt-4.1-mini\ninput_tokens: 1000\noutput_tokens: 10\ntraffic: {requests_per_day: 10}\ntier: 1\n" + more
    )
    run = cli("plan", wl, expect=3)
    assert run.stdout == "" and run.stderr.startswith(f"gpt41cost: error: {wl}:") and message in run.stderr


def test_cached_tokens_are_capped_at_each_prompts_input(cli: Cli, tmp_path: Path) -> None:
    """With prompts, each request takes at most its own input, as estimate --cached-tokens does."""
    support = ROOT / "samples" / "support"
    wl = tmp_path / "w.yaml"
    wl.write_text(
        f"model: gpt-4.1-mini\nprompts: ['{support}/*.txt']\noutput_tokens: 300\n"
        "traffic: {requests_per_day: 20000}\ncached_tokens: 100000\ntier: 5\n"
    )
    doc = cli.json("plan", wl, "-f", "json")
    (est,) = cli.json(
        "estimate", support, "--cached-tokens", "100000", "--output-tokens", "300", "-m", "gpt-4.1-mini",
        "--requests-per-day", "20000", "-f", "json",
    )["models"]  # fmt: skip
    assert doc["total_monthly_cost_usd"]["total"] == est["monthly_usd"]
    assert doc["inputs"]["mean_cached_tokens"] == doc["inputs"]["mean_input_tokens"]


# --------------------------------------------------------------------------- G: one rounding of a mean


def test_the_steady_state_cached_mean_reads_alike_in_estimate_limits_and_plan(cli: Cli, tmp_path: Path) -> None:
    """samples/support at 30 requests/day: 139.25 cached tokens a request in the month's steady
    state; estimate's JSON rounded it to one place (139.2), limits' and plan's to four (139.25)."""
    support = ROOT / "samples" / "support"
    common = ["--output-tokens", "300", "-m", "gpt-4.1-mini", "--requests-per-day", "30", "-f", "json"]
    (est,) = cli.json("estimate", support, "--cache", "auto", *common)["models"]
    limits = cli.json("limits", support, *common)
    wl = tmp_path / "w.yaml"
    wl.write_text(
        f"model: gpt-4.1-mini\nprompts: ['{support}/*.txt']\noutput_tokens: 300\n"
        "traffic: {requests_per_day: 30}\ncache: auto\ntier: 1\n"
    )
    plan = cli.json("plan", wl, "-f", "json")
    figures = (
        est["monthly_cached_tokens_per_request"],
        limits["inputs"]["mean_cached_tokens"],
        plan["inputs"]["mean_cached_tokens"],
    )
    assert figures == (139.25, 139.25, 139.25)
