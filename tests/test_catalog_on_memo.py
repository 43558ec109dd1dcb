"""Catalog.on makes each day's catalog once: the same frozen catalog again for the same day, a
new one for another day or for the catalog of a changed file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gpt41cost.catalog import load_catalog
from gpt41cost.lifecycle import AS_OF, TODAY, RunDate, date_source

from .conftest import DATA, dump_yaml, fixture_doc


def test_the_same_day_gives_the_same_catalog(catalog):
    day = date(2026, 12, 6)
    dated = catalog.on(day)
    assert dated is catalog.on(day)
    assert dated.run_date == day and catalog.run_date is None
    other = catalog.on(date(2025, 6, 1))
    assert other is not dated and other.run_date == date(2025, 6, 1)
    assert catalog.on(day) is dated


def test_a_changed_file_gives_its_own_prices(tmp_path):
    day = date(2026, 12, 6)
    path = tmp_path / "p.yaml"
    path.write_bytes((DATA / "pricing-fixture.yaml").read_bytes())
    before = load_catalog(path).on(day).models["gpt-4.1"].prices.standard.input
    doc = fixture_doc()
    doc["models"]["gpt-4.1"]["prices"]["standard"]["input"] = "7.25"
    path.write_text(dump_yaml(doc, sort_keys=False))
    after = load_catalog(path).on(day).models["gpt-4.1"].prices.standard.input
    assert before == Decimal("2.00") and after == Decimal("7.25")


def test_a_run_date_keeps_where_it_came_from(catalog):
    flag, today, plain = RunDate(2026, 6, 1, AS_OF), RunDate(2026, 6, 1, TODAY), date(2026, 6, 1)
    dated = [catalog.on(day) for day in (flag, today, plain, flag)]
    assert [date_source(d.run_date) for d in dated] == [AS_OF, TODAY, None, AS_OF]
    assert dated[0] is dated[3]
