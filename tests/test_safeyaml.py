"""The one YAML loader (gpt41cost.safeyaml) behind catalogs and workload files: duplicate keys,
deep nesting and alias bombs are one line naming the file and line, for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost.catalog import load_catalog
from gpt41cost.errors import CatalogError, InputError
from gpt41cost.safeyaml import MAX_DEPTH, MAX_NODES, YamlProblem, load
from gpt41cost.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        pytest.param("a: 1\nb: 2\na: 3\n", 3, "a: key appears twice", id="duplicate-top"),
        pytest.param("a:\n  b: 1\n  b: 2\n", 3, "b: key appears twice", id="duplicate-nested"),
        pytest.param("[" * 3000 + "]" * 3000, 1, f"nested more than {MAX_DEPTH} levels deep", id="deep-lists"),
        pytest.param("a:\n" + "".join("  " * i + " b:\n" for i in range(1, 80)), None, "nested more", id="deep-maps"),
        pytest.param(BOMB, None, f"past {MAX_NODES:,} values", id="billion-laughs"),
        pytest.param("a: *nowhere\n", 1, "YAML syntax error", id="unknown-alias"),
        pytest.param("a: !!python/object:os.system x\n", 1, "could not determine a constructor", id="python-tag"),
    ],
)
def test_hostile_yaml_is_one_problem(text: str, line: int | None, problem: str) -> None:
    with pytest.raises(YamlProblem) as info:
        load(text)
    assert problem in str(info.value)
    assert "\n" not in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_a_few_aliases_are_fine() -> None:
    assert load("a: &x {k: 1}\nb: *x\n") == {"a": {"k": 1}, "b": {"k": 1}}


def test_merge_keys_are_not_duplicates() -> None:
    assert load("base: &b {k: 1}\nc:\n  <<: *b\n  j: 2\n") == {"base": {"k": 1}, "c": {"k": 1, "j": 2}}


def test_catalog_and_workload_share_it(tmp_path: Path, catalog) -> None:
    shipped = (ROOT / "gpt41cost" / "pricing.yaml").read_text()
    # a second standard: block inside gpt-4.1's prices would re-price it (PyYAML keeps the last)
    line = '      standard: [{from: "2025-04-14", input: "2.00", cached_input: "0.50", output: "8.00"}]\n'
    doubled = shipped.replace(line, line + '      standard: [{from: "2025-04-14", input: "0", output: "0"}]\n', 1)
    assert doubled != shipped
    cat = tmp_path / "dup.yaml"
    cat.write_text(doubled)
    with pytest.raises(CatalogError, match=r"dup\.yaml:\d+: standard: key appears twice"):
        load_catalog(cat)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    with pytest.raises(CatalogError, match=r"bomb\.yaml:\d+: aliases expand"):
        load_catalog(bomb)
    with pytest.raises(InputError, match=r"bomb\.yaml:\d+: aliases expand"):
        load_workload(bomb, catalog)
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 3000 + "]" * 3000)
    with pytest.raises(InputError, match=r"deep\.yaml:1: nested more than"):
        load_workload(deep, catalog)


def test_quoted_tier_key_is_the_tier(tmp_path: Path) -> None:
    shipped = (ROOT / "gpt41cost" / "pricing.yaml").read_text()
    quoted = shipped.replace("\n  1: {", "\n  '1': {", 1)
    assert quoted != shipped
    p = tmp_path / "q.yaml"
    p.write_text(quoted)
    assert 1 in load_catalog(p).tiers
