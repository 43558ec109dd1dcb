from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.catalog import Catalog, load_catalog

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


#: The date CLI tests run on (the date of the run decides prices in force and model status).
TEST_DATE = "2026-12-06"


@pytest.fixture(autouse=True)
def _pinned_run_date(monkeypatch):
    """Tests never depend on today's date: every run is dated TEST_DATE unless it says otherwise.
    Nor on the terminal they run in: no $COLUMNS or $LINES (pytest-xdist's workers set 80x24), so
    tables keep whole lines unless a test gives a width."""
    monkeypatch.setenv("GPT41COST_AS_OF", TEST_DATE)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """A frozen copy of the catalog: tests that check arithmetic must not move when prices change."""
    return load_catalog(DATA / "pricing-fixture.yaml")


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    return load_catalog(ROOT / "gpt41cost" / "pricing.yaml")


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()
