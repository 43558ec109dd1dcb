from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.catalog import Catalog, load_catalog

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


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
