"""Every test runs on TEST_DATE, with no $COLUMNS or $LINES, from before its first fixture: a
fixture of any scope that runs the program sees the pinned environment too."""

from __future__ import annotations

import os

import pytest

from .conftest import TEST_DATE


@pytest.fixture(scope="module")
def seen_by_a_module_fixture() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ("GPT41COST_AS_OF", "COLUMNS", "LINES")}


def test_a_module_fixture_sees_the_pinned_environment(seen_by_a_module_fixture):
    assert seen_by_a_module_fixture == {"GPT41COST_AS_OF": TEST_DATE, "COLUMNS": None, "LINES": None}


def test_a_module_fixture_run_is_dated_as_the_tests(seen_by_a_module_fixture, cli):
    assert cli.json("pricing")["as_of"] == TEST_DATE == seen_by_a_module_fixture["GPT41COST_AS_OF"]


def test_a_test_changes_them_for_itself(monkeypatch, cli):
    monkeypatch.setenv("GPT41COST_AS_OF", "2025-06-01")
    monkeypatch.setenv("COLUMNS", "60")
    assert cli.json("pricing")["as_of"] == "2025-06-01"
