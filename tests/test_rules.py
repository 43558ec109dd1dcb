from __future__ import annotations

import json

from gpt41cost.rules import all_rules

from .conftest import DATA


def test_every_rule_has_a_basis_and_text(catalog):
    rules = all_rules(catalog)
    assert len(rules) >= 30
    assert {r.basis for r in rules} == {"documented", "inference", "policy"}
    assert all(r.text and r.name and r.area for r in rules)
    names = {(r.area, r.name) for r in rules}
    assert len(names) == len(rules), "rule names repeat"


def test_named_inferences_are_listed(catalog):
    by_name = {r.name: r for r in all_rules(catalog)}
    assert by_name["batch cached tokens"].basis == "inference"
    assert by_name["nano long-context limits"].basis == "inference"
    assert by_name["messages"].basis == "inference"  # docs/accounting.md §4: checked for gpt-4o only
    assert by_name["LOW_DETAIL_ON_PATCH_MODELS"].basis == "inference"
    assert by_name["encoding"].basis == "documented"
    # docs/accounting.md §9: OpenAI documents the charge from max_tokens; with no cap, what is
    # reserved is gpt41cost's reading
    assert (by_name["TPM at admission"].basis, by_name["TPM without a cap"].basis) == ("documented", "inference")


def test_rules_command_json(cli):
    r = cli(["rules", "-f", "json", "--pricing", str(DATA / "pricing-fixture.yaml")])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1
    assert set(doc["rules"][0]) == {"area", "name", "basis", "text", "source", "evidence"}


def test_tool_rules_name_their_evidence(catalog):
    tools = [r for r in all_rules(catalog) if r.area == "tools"]
    names = {r.name for r in tools}
    assert {"tool definitions", "tool calls", "tool results", "parallel tool calls", "tool_choice"} <= names
    assert all(r.basis == "inference" and r.evidence for r in tools)
    assert any(r.evidence.startswith("unmeasured") for r in tools)
    assert "exact on o200k" in next(r for r in tools if r.name == "tool calls").evidence


def test_rules_are_the_rule_book(catalog):
    """docs/accounting.md's rule index lists exactly the rules `gpt41cost rules` prints, with the
    same basis; every source the rules name is in its table of sources."""
    import re

    from .conftest import ROOT

    doc = (ROOT / "docs" / "accounting.md").read_text(encoding="utf-8")
    index = doc.split("## Rule index", 1)[1]
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| (documented|inference|policy) \| §(\d+) \|$", index, re.M)
    rules = all_rules(catalog)
    assert {(a, n, b) for a, n, b, _ in rows} == {(r.area, r.name, r.basis) for r in rules}
    assert len(rows) == len(rules)
    sections = set(re.findall(r"^## §(\d+) ", doc, re.M))
    assert {s for *_, s in rows} <= sections
    sources = set(re.findall(r"^\| (\w+) \| ", doc.split("## Sources", 1)[1].split("\n## ", 1)[0], re.M))
    assert {r.source for r in rules} - {"-"} <= sources
