"""Session 14, small items (small14): each test fails before its fix."""

from __future__ import annotations

import hashlib
import os
import sys
import types
from decimal import Decimal

import pytest

import gpt41cost
from gpt41cost import catalog as cat
from gpt41cost.errors import ParameterError
from gpt41cost.limits import Demand, RequestProfile, Traffic


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
    shown = _markdown_notes(cli("estimate", *args, "-f", "markdown", expect=0).stdout.replace("\\$", "$"))  # \$ reads $
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


# 4. limits: a user-reachable error names its flag or parameter and what to do; no traceback.
@pytest.mark.parametrize(
    ("files", "flags"),
    [
        pytest.param({"d/a.txt": "", "d/b.txt": ""}, [], id="every-file-empty"),
        pytest.param({"d/bad.jsonl": "not json\n{bad\n"}, ["--skip-bad"], id="every-line-skipped"),
    ],
)
def test_limits_on_files_that_hold_no_request(cli, tmp_path, files, flags):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    r = cli("limits", tmp_path / "d", "--peak-rpm", "10", "--max-tokens", "100", *flags)
    assert r.exit_code == 2
    assert r.stdout == ""
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert errors == [
        "gpt41cost: error: nothing to assess: the files hold no request; give prompt files, a directory, '-' "
        "or --input-tokens N"
    ]
    assert "Traceback" not in r.stderr


def test_limits_api_on_files_that_hold_no_request(tmp_path):
    (tmp_path / "a.txt").write_text("")
    with pytest.raises(ParameterError) as caught:
        gpt41cost.limits([tmp_path], peak_rpm=10, max_tokens=100, as_of="2026-12-06")
    assert caught.value.params == ("input_tokens",)
    assert "or input_tokens N" in str(caught.value)


D = Decimal


def _demand(catalog, **kw):
    profile = RequestProfile.uniform(1000, 100, 100)
    return Demand(((catalog.resolve("gpt-4.1"), D(1)),), Traffic(D(10)), profile, **kw)


@pytest.mark.parametrize(
    ("make", "param"),
    [
        pytest.param(lambda c: Traffic.from_daily(D(100), D("0.5")), "peak_factor", id="peak-factor"),
        pytest.param(lambda c: Traffic(D(10), D(-1)), "requests_per_day", id="negative-rpd"),
        pytest.param(lambda c: _demand(c, batch_share=D(2)), "batch_share", id="batch-share"),
        pytest.param(lambda c: _demand(c, min_headroom_pct=D(100)), "min_headroom", id="headroom"),
        pytest.param(lambda c: RequestProfile((), (), 1, 1), "input_tokens", id="no-requests"),
    ],
)
def test_limits_core_errors_name_their_parameter(catalog, make, param):
    with pytest.raises(ParameterError) as caught:
        make(catalog)
    assert caught.value.params == (param,)
    flag = "--" + param.replace("_", "-")
    assert caught.value.named(lambda p: "--" + p.replace("_", "-")).count(flag) == 1


# 6. A small file given a kind with --as is read once (it was read three times in a directory:
# classify's sniff, gather's blank check, its reader; twice when named).
@pytest.fixture
def opens(monkeypatch):
    import builtins

    counted: dict[str, int] = {}
    real = builtins.open

    def counting(file, *args, **kwargs):
        counted[os.fspath(file)] = counted.get(os.fspath(file), 0) + 1
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    return counted


CHAT = '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "Classify the ticket below."}]}\n'
BATCH = (
    '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4.1", '
    '"messages": [{"role": "user", "content": "Classify the ticket below."}], "max_tokens": 50}}\n'
)


@pytest.mark.parametrize(
    ("kind", "text"), [pytest.param("chat", CHAT, id="chat"), pytest.param("batch", BATCH, id="batch")]
)
@pytest.mark.parametrize("in_directory", [False, True], ids=["named", "in-a-directory"])
def test_a_small_file_given_a_kind_is_read_once(tmp_path, opens, kind, text, in_directory):
    path = tmp_path / "d" / "request.txt"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    given = path.parent if in_directory else path
    result = gpt41cost.estimate([given], read_as=kind, models="gpt-4.1", output_tokens=10, as_of="2026-12-06")
    assert opens.get(str(path)) == 1
    doc = result.to_dict()
    assert doc["models"][0]["requests"] == 1
    assert doc["models"][0]["input_tokens_total"] > 0
    assert doc["inputs"][0]["read_as"] == kind


def test_a_blank_small_file_given_a_kind_in_a_directory_is_still_skipped_as_empty(cli, tmp_path):
    (tmp_path / "blank.txt").write_text("\n \n", encoding="utf-8")
    (tmp_path / "request.txt").write_text(CHAT, encoding="utf-8")
    r = cli("estimate", tmp_path, "--as", "chat", "-m", "gpt-4.1", "-f", "json", expect=0)
    assert [i["source"].rsplit("/", 1)[-1] for i in r.json()["inputs"]] == ["request.txt"]
    assert "skipped 1 empty file: " in r.stderr and r.stderr.rstrip().endswith("blank.txt")


# 7. Assessment.long_context_share covers every model's own requests, weighted by its share.
def test_long_context_share_weighs_each_models_own_requests(catalog):
    from gpt41cost.limits import assess

    over = catalog.long_context_threshold + 1
    long_ones = RequestProfile((over, over, 1000), (0, 0, 0), 100, 100)  # 2 of 3 kinds over it
    short_ones = RequestProfile((1000, 2000), (0, 0), 100, 100)  # none
    mix = ((catalog.resolve("gpt-4.1"), D("0.75")), (catalog.resolve("gpt-4.1-mini"), D("0.25")))
    a = assess(Demand(mix, Traffic(D(10)), long_ones, profiles=(long_ones, short_ones)), catalog)
    assert a.long_context_share == D("0.5")  # 0.75 x 2/3 + 0.25 x 0 (it read the first profile's 2/3)
    b = assess(Demand(mix, Traffic(D(10)), short_ones, profiles=(long_ones, short_ones)), catalog)
    assert b.long_context_share == D("0.5")  # the same requests, whichever profile is the demand's first
    one = assess(Demand(((catalog.resolve("gpt-4.1"), D(1)),), Traffic(D(10)), long_ones), catalog)
    assert one.long_context_share == D(2) / 3
