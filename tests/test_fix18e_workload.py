"""A workload file's mistakes named as written: a cache value YAML 1.1 reads as a boolean, and a
tab where YAML wants spaces."""

from __future__ import annotations

import pytest

from .conftest import Cli

HEAD = "models: {gpt-4.1: 1}\nprompts: [p.txt]\noutput_tokens: 100\ntraffic: {requests_per_day: 1000}\ntier: 1\n"


@pytest.mark.parametrize(
    "value, said",
    [
        pytest.param("NO", "cache: 'NO' (YAML reads it as false): the only value is 'auto'", id="NO"),
        pytest.param("off", "cache: 'off' (YAML reads it as false): the only value is 'auto'", id="off"),
        pytest.param("Yes", "cache: 'Yes' (YAML reads it as true): the only value is 'auto'", id="Yes"),
        pytest.param("manual", "cache: 'manual': the only value is 'auto'", id="text"),
    ],
)
def test_cache_value_is_quoted_as_written(cli: Cli, tmp_path, value, said):
    """'cache: NO' answered 'False: the only value is ...'."""
    (tmp_path / "p.txt").write_text("hello", encoding="utf-8")
    wl = tmp_path / "wl.yaml"
    wl.write_text(HEAD + f"cache: {value}\n", encoding="utf-8")
    run = cli("plan", wl, expect=3)
    assert run.stdout == ""
    assert run.stderr == f"gpt41cost: error: {wl}:6: {said} (or use cache_hit_rate: 0.5)\n"


@pytest.mark.parametrize(
    "text, line",
    [
        pytest.param("models:\n\tgpt-4.1: 1\ninput_tokens: 100\n", 2, id="tab-alone"),
        pytest.param("models:\n  gpt-4.1: 1\n \tinput_tokens: 100\n", 3, id="space-then-tab"),
        pytest.param("models: {gpt-4.1: 1}\ntraffic:\n  requests_per_day: 1000\n\ttier: 1\n", 4, id="tab-after-block"),
    ],
)
def test_a_tab_in_the_indentation_is_named(cli: Cli, tmp_path, text, line):
    """PyYAML's 'found character that cannot start any token' said nothing of the tab."""
    wl = tmp_path / "wl.yaml"
    wl.write_text(text, encoding="utf-8")
    run = cli("plan", wl, expect=3)
    assert run.stdout == ""
    assert run.stderr == f"gpt41cost: error: {wl}:{line}: YAML does not allow tabs for indentation; use spaces\n"


def test_a_tab_after_a_key_is_no_indentation(cli: Cli, tmp_path):
    """A tab between a key and its value is white space YAML allows: the workload loads."""
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        "models: {gpt-4.1: 1}\ninput_tokens: 100\noutput_tokens:\t100\ntraffic: {requests_per_day: 10}\ntier: 1\n"
        "horizon_months: 1\n",
        encoding="utf-8",
    )
    cli("plan", wl, "--as-of", "2026-12-07", expect=0)
