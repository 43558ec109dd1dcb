"""Session 14, small items (small14): each test fails before its fix."""

from __future__ import annotations

import hashlib
import sys
import types

import pytest

import gpt41cost

from gpt41cost import catalog as cat


# 1. Python 3.12 renamed the lean _sha256 module _sha2: the catalog's sidecar hash takes it there.
def test_sha256_takes_the_312_sha2_module_when_sha256_is_absent(monkeypatch):
    calls: list[bytes] = []

    def sha256(data: bytes = b"") -> object:
        calls.append(data)
        return hashlib.sha256(data)

    fake = types.ModuleType("_sha2")
    fake.sha256 = sha256  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_sha256", None)  # as on Python 3.12 and later
    monkeypatch.setitem(sys.modules, "_sha2", fake)
    data = cat.Path(cat.default_catalog_path()).read_bytes()
    assert cat._sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert calls == [data]
    assert cat._sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert calls == [data, b"abc"]


def test_sha256_falls_back_to_hashlib_without_either_lean_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "_sha256", None)
    monkeypatch.setitem(sys.modules, "_sha2", None)
    assert cat._sha256(b"abc").hexdigest() == hashlib.sha256(b"abc").hexdigest()


# 2. estimate's JSON carries its Notes, as limits' and plan's do (README: "notes ... in the JSON").
def _markdown_notes(text: str) -> list[str]:
    lines = [*text.split("**Notes**\n\n", 1)[1].splitlines(), ""]
    return [line[2:] for line in lines[: lines.index("")]]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["samples/support", "--requests-per-day", "20000"], id="traffic-what-if-batch"),
        pytest.param(["samples/mixed", "--per-input"], id="mixed-uncounted"),
        pytest.param(["--input-tokens", "1000", "-m", "gpt-4.1-nano"], id="shut-down-model"),
    ],
)
def test_estimate_json_has_the_notes_its_table_prints(cli, args):
    doc = cli("estimate", *args, "-f", "json", expect=0).json()
    shown = _markdown_notes(cli("estimate", *args, "-f", "markdown", expect=0).stdout)
    assert shown  # every estimate has a note (what was measured, or the catalog's age)
    assert doc["notes"] == shown


def test_estimate_api_to_dict_has_the_same_notes(cli):
    result = gpt41cost.estimate(["samples/support"], output_tokens=300, as_of="2026-12-06")
    doc = result.to_dict()
    assert doc["notes"] == list(result.report().notes)
    assert doc == cli("estimate", "samples/support", "--output-tokens", "300", "-f", "json", expect=0).json()


# 3. `gpt41cost rules` lists the substitute chain the catalog walks (Catalog._followed).
def test_rules_list_the_substitute_chain(cli):
    rules = cli("rules", "-f", "json", expect=0).json()["rules"]
    chain = [r for r in rules if r["name"] == "substitute chain"]
    assert len(chain) == 1
    rule = chain[0]
    assert (rule["area"], rule["basis"], rule["source"]) == ("dates", "policy", "DEPRECATIONS")
    assert "passed over for its own substitute" in rule["text"]
    # what it says, on the shipped catalog: gpt-4.1-nano's substitute gpt-4.1-mini shuts down
    # 2027-01-14 (inferred) and names none of its own, so the chain ends with none
    before = cli("estimate", "--input-tokens", "1000", "-m", "gpt-4.1-nano", "--as-of", "2027-01-13", "-f", "json")
    after = cli("estimate", "--input-tokens", "1000", "-m", "gpt-4.1-nano", "--as-of", "2027-01-14", "-f", "json")
    assert before.json()["models"][0]["lifecycle"]["substitute"] == "gpt-4.1-mini"
    assert after.json()["models"][0]["lifecycle"]["substitute"] is None
    assert "substitute gpt-4.1-mini shut down 2027-01-14 too; OpenAI recommends gpt-5.6-luna" in after.stderr
