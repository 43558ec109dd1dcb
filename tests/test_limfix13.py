"""limits and plan, review 13 (items A-G of the limits/plan trial): a peak minute below the day's
average is refused; a given input size reports the cache it prices; the same prompts give the same
month in estimate, limits and plan; limits/plan JSON carry their assumptions and notes; plan's peak
RPM column is checkable against its headroom; usage --emit-workload keeps the observed caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.errors import ParameterError

from .conftest import Cli

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
