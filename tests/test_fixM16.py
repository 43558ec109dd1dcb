"""Session 16, fixM16: an error raised to a Python API caller names the API's parameters, not the
CLI's flags (README "Python API": errors name the parameter; the CLI maps them to flags).

Each case is one bad input, run twice: through the API, whose message names the parameter
(``skip_bad=True``, ``include``, ``encoding='utf-16'``, ``read_as=...``, ``exclude``, the catalog's
path), which failed before (it named ``--skip-bad``, ``--include``...); and through the CLI, whose
line is pinned byte for byte as it was before the change (these pass before and after)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.errors import CatalogError, ExitCode, Gpt41CostError, InputError


def _dir_include(d: Path) -> None:
    (d / "dnone").mkdir()
    (d / "dnone" / "a.txt").write_text("hi\n")


def _utf16(d: Path) -> None:
    (d / "u16.txt").write_bytes("hi".encode("utf-16"))


def _binary(d: Path) -> None:
    (d / "b.txt").write_bytes(b"%PDF-1.4 \x00\x00\x00 binary")


def _latin1(d: Path) -> None:
    (d / "l1.txt").write_bytes("café au lait\n".encode("latin-1"))


def _bad_line(d: Path) -> None:
    (d / "bad.jsonl").write_text('{"prompt":"a"}\n{bad\n')


def _bad_json(d: Path) -> None:
    (d / "bad.json").write_text('{"a": ')


def _empty_item(d: Path) -> None:
    (d / "items.json").write_text('["a", "  "]')


def _no_messages(d: Path) -> None:
    (d / "chat.json").write_text('{"messages": []}')


def _jsonl_as_chat(d: Path) -> None:
    line = json.dumps({"messages": [{"role": "user", "content": "a"}]})
    (d / "two.json").write_text(f"{line}\n{line}\n")


def _workload(d: Path) -> None:
    (d / "p1.txt").write_text("hello there\n")
    (d / "w.yaml").write_text(
        "name: t\nmodel: gpt-4.1\nprompts: [p1.txt]\noutput_tokens: 10\n"
        "traffic: {requests_per_day: 1000, peak_factor: 2}\ntier: 2\n"
    )


BAD_LINE = "bad.jsonl: line 2 is not valid JSON: unexpected character, expected a string key at column 2; "
BAD_JSON = "bad.json: line 1, column 7: not valid JSON (unexpected end of data (truncated?)); fix it, "
TWO = "two.json: line 2 is not valid JSON: unexpected content after document at column 1; a JSONL file? pass "

#: (id, make the input in the run's folder, CLI arguments, API call, the CLI's line, the API's message)
CASES: list[tuple[str, Callable[[Path], None], list[str], Callable[[], Any], str, str]] = [
    ("directory-include", _dir_include, ["estimate", "dnone", "--include", "*.zzz"],
     lambda: gpt41cost.estimate(["dnone"], include="*.zzz"),
     "dnone: directory has no files matching *.zzz; check the path or --include/--exclude",
     "dnone: directory has no files matching *.zzz; check the path or include/exclude"),
    ("utf-16", _utf16, ["estimate", "u16.txt"], lambda: gpt41cost.estimate(["u16.txt"]),
     "u16.txt: a UTF-16 text file (byte order mark); add --encoding utf-16",
     "u16.txt: a UTF-16 text file (byte order mark); add encoding='utf-16'"),
    ("binary", _binary, ["estimate", "b.txt"], lambda: gpt41cost.estimate(["b.txt"]),
     "b.txt: looks like a binary file (a PDF), not a prompt; pass text files, or --include to filter",
     "b.txt: looks like a binary file (a PDF), not a prompt; pass text files, or include=GLOB to filter"),
    ("latin-1", _latin1, ["estimate", "l1.txt"], lambda: gpt41cost.estimate(["l1.txt"]),
     "l1.txt: not valid utf-8 at byte 3; convert the file or pass --encoding (e.g. latin-1)",
     "l1.txt: not valid utf-8 at byte 3; convert the file or pass encoding (e.g. latin-1)"),
    ("bad-line", _bad_line, ["estimate", "bad.jsonl"], lambda: gpt41cost.estimate(["bad.jsonl"]),
     BAD_LINE + "nothing was counted: fix the line or pass --skip-bad to count the other lines",
     BAD_LINE + "nothing was counted: fix the line or pass skip_bad=True to count the other lines"),
    ("bad-json", _bad_json, ["estimate", "bad.json"], lambda: gpt41cost.estimate(["bad.json"]),
     BAD_JSON + "pass --skip-bad to skip the file, or --as text=bad.json to count it as text",
     BAD_JSON + "pass skip_bad=True to skip the file, or read_as='text=bad.json' to count it as text"),
    ("empty-item", _empty_item, ["estimate", "items.json"], lambda: gpt41cost.estimate(["items.json"]),
     "items.json: item 2 of the JSON array: an empty prompt, nothing to send; remove it, or pass --skip-bad to "
     "count the other items",
     "items.json: item 2 of the JSON array: an empty prompt, nothing to send; remove it, or pass skip_bad=True "
     "to count the other items"),
    ("rejected-request", _no_messages, ["estimate", "chat.json"], lambda: gpt41cost.estimate(["chat.json"]),
     "chat.json: 'messages' is empty: OpenAI rejects a request without messages, or pass --skip-bad to skip the file",
     "chat.json: 'messages' is empty: OpenAI rejects a request without messages, or pass skip_bad=True to skip "
     "the file"),
    ("jsonl-as-chat", _jsonl_as_chat, ["estimate", "--as", "chat", "two.json"],
     lambda: gpt41cost.estimate(["two.json"], read_as="chat"),
     TWO + "--as batch, finetune or prompts", TWO + "read_as='batch', 'finetune' or 'prompts'"),
    ("workload-include", _workload, ["plan", "w.yaml", "--include", "*.zzz"],
     lambda: gpt41cost.plan("w.yaml", include="*.zzz"),
     "w.yaml: prompts: no file left after --include/--exclude; check the globs",
     "w.yaml: prompts: no file left after include/exclude; check the globs"),
]  # fmt: skip


PARAMS = [pytest.param(*c[1:], id=c[0]) for c in CASES]


@pytest.mark.parametrize(("make", "args", "call", "line", "message"), PARAMS)
def test_the_api_names_the_parameter(tmp_path, monkeypatch, make, args, call, line, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    with pytest.raises(InputError) as exc:  # still an InputError (exit 3)
        call()
    assert str(exc.value) == exc.value.message == message
    assert exc.value.exit_code == ExitCode.INPUT


@pytest.mark.parametrize(("make", "args", "call", "line", "message"), PARAMS)
def test_the_cli_names_its_flag_as_before(cli, tmp_path, monkeypatch, make, args, call, line, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    r = cli(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", f"gpt41cost: error: {line}\n")


def _over_window(tmp_path: Path) -> str:
    from .test_fixF15 import _small_window  # the fixture catalog with a 40,000-token window

    pricing = _small_window(tmp_path)
    big = "hello" + " hello" * 34_999  # 35,000 tokens
    line = json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": big}], "max_tokens": 10_000})
    Path("win.jsonl").write_text(line + "\n")
    Path("win.yaml").write_text(
        "name: win\nmodels: {gpt-4.1: 1.0}\nprompts: [win.jsonl]\noutput_tokens: 500\n"
        "traffic: {requests_per_day: 100, peak_rpm: 10}\ntier: 5\nhorizon_months: 1\n"
    )
    return str(pricing)


#: workload.refuse_over_window's line, in limits and plan
OVER_WINDOW = (
    "win.jsonl: 35,007 input tokens plus 10,000 output do not fit gpt-4.1's 40,000-token context window; "
    "lower its max_tokens to 4,993 or less, shorten its input, or leave the file out "
)


def test_a_request_over_the_window_names_exclude(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    pricing = _over_window(tmp_path)
    with pytest.raises(InputError) as lim:
        gpt41cost.limits(["win.jsonl"], peak_rpm=1, requests_per_day=100, models="gpt-4.1", catalog=pricing)
    with pytest.raises(InputError) as plan:
        gpt41cost.plan("win.yaml", catalog=pricing)
    assert str(lim.value) == str(plan.value) == OVER_WINDOW + "(exclude)"


def test_a_request_over_the_window_names_the_flag_as_before(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    pricing = _over_window(tmp_path)
    r = cli(
        "limits", "win.jsonl", "--peak-rpm", "1", "--requests-per-day", "100", "-m", "gpt-4.1", "--pricing", pricing
    )
    p = cli("plan", "win.yaml", "--pricing", pricing)
    line = f"gpt41cost: error: {OVER_WINDOW}(--exclude)\n"
    assert (r.exit_code, r.stdout, r.stderr) == (p.exit_code, p.stdout, p.stderr) == (3, "", line)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: gpt41cost.estimate(input_tokens=10, catalog="nope.yaml"), id="estimate-catalog"),
        pytest.param(lambda: gpt41cost.load_catalog("nope.yaml"), id="load_catalog-path"),
    ],
)
def test_a_missing_catalog_names_the_path_not_the_flag_and_variable(cli, tmp_path, monkeypatch, call) -> None:  # type: ignore[no-untyped-def]
    """The API reads no environment variable: it named --pricing and $GPT41COST_PRICING."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CatalogError) as exc:
        call()
    assert str(exc.value) == "nope.yaml: pricing catalog not found; check the path"
    assert exc.value.exit_code == ExitCode.CATALOG


def test_a_missing_catalog_names_the_flag_and_variable_as_before(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    line = "gpt41cost: error: nope.yaml: pricing catalog not found; check --pricing or $GPT41COST_PRICING\n"
    for args in (["pricing", "--pricing", "nope.yaml"], ["estimate", "--input-tokens", "10", "--pricing", "nope.yaml"]):
        r = cli(*args)
        assert (r.exit_code, r.stdout, r.stderr) == (4, "", line)
    r = cli("pricing", env={"GPT41COST_PRICING": "nope.yaml"})
    assert (r.exit_code, r.stdout, r.stderr) == (4, "", line)


def test_usage_names_no_glob_it_does_not_take(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """usage takes no include/exclude (API or CLI), and estimate's do not filter --calibrate-from's
    files: an empty directory said 'check the path or --include/--exclude'; now 'check the path'."""
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    with pytest.raises(InputError) as exc:
        gpt41cost.usage(["empty"])
    assert str(exc.value) == "empty: directory has no files; check the path"
    line = "gpt41cost: error: empty: directory has no files; check the path\n"
    r = cli("usage", "empty")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", line)
    assert "--include" not in cli("usage", "--help").stdout  # the flag it named is not usage's
    # nor do estimate's globs filter its calibration files
    r = cli("estimate", "--input-tokens", "10", "--calibrate-from", "empty")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", line)


def test_skipped_inputs_are_listed_as_before(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With skip_bad the bad inputs are records, not errors: the CLI's warnings are unchanged (the
    advice to pass --skip-bad left out, the rest in the command line's words)."""
    monkeypatch.chdir(tmp_path)
    for make in (_dir_include, _binary, _utf16, _bad_json, _empty_item, _jsonl_as_chat):
        make(tmp_path)
    files = ["dnone", "b.txt", "u16.txt", "bad.json", "items.json"]
    r = cli("estimate", "--skip-bad", *files, "-m", "gpt-4.1")
    assert r.exit_code == 0
    skipped = [x for x in r.stderr.splitlines() if x.startswith("gpt41cost: warning: skipped: ")]
    assert [x.removeprefix("gpt41cost: warning: skipped: ") for x in skipped] == [
        "b.txt: looks like a binary file (a PDF), not a prompt; pass text files, or --include to filter",
        "u16.txt: a UTF-16 text file (byte order mark); add --encoding utf-16",
        "bad.json: line 1, column 7: not valid JSON (unexpected end of data (truncated?)); fix it, or pass "
        "--as text=bad.json to count it as text",
        "items.json: item 2 of the JSON array: an empty prompt, nothing to send",
    ]
    r = cli("estimate", "--skip-bad", "--as", "chat", "two.json", "dnone/a.txt", expect=2)
    assert r.stderr.splitlines()[0] == "gpt41cost: warning: skipped: " + TWO + "--as batch, finetune or prompts"
    got = gpt41cost.estimate(files, skip_bad=True, models="gpt-4.1")
    assert got.skipped_count == 4


def test_an_api_error_is_still_what_it_was() -> None:
    """The classes that carry the template are the ones callers catch: InputError (exit 3)."""
    from gpt41cost.errors import slot
    from gpt41cost.readers.requests import BadDocument, Skippable
    from gpt41cost.readers.text import Advice, NotText

    for cls in (Advice, NotText, BadDocument, Skippable):
        assert issubclass(cls, InputError) and cls.exit_code == ExitCode.INPUT
    assert issubclass(NotText, Advice) and issubclass(BadDocument, Skippable)
    e = Advice(f"x: pass {slot('skip_bad')} or {slot('encoding')}", values={"encoding": "utf-16"})
    assert e.message == "x: pass skip_bad=True or encoding='utf-16'"
    assert e.named({"skip_bad": "--skip-bad", "encoding": "--encoding"}.__getitem__) == (
        "x: pass --skip-bad or --encoding utf-16"
    )
    assert e.skipped().message == "x: pass --skip-bad or --encoding utf-16"
    assert isinstance(e, Gpt41CostError)


# --------------------------------------------------------------------------- usage's strict (readers/usage.py)

BAD_USAGE = "usage has neither prompt_tokens/completion_tokens (Chat) nor input_tokens/output_tokens (Responses)"


def _usage_log(path: Path, lines: int, bad_at: int) -> None:
    from .conftest import chat_response

    rows = [chat_response(f"r{i}", "gpt-4.1", 1764547200 + i) for i in range(1, lines + 1)]
    rows[bad_at - 1] = json.dumps({"id": "bad", "model": "gpt-4.1", "usage": {}})
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("parallel", [pytest.param(False, id="one-process"), pytest.param(True, id="ranges")])
def test_usage_strict_names_the_parameter(tmp_path, monkeypatch, request, parallel) -> None:  # type: ignore[no-untyped-def]
    """The first bad record, as strict=True stops there: read in one process, or in ranges by
    several (the message is made where their pieces are merged)."""
    monkeypatch.chdir(tmp_path)
    line = 250 if parallel else 2
    _usage_log(tmp_path / "u.jsonl", 400 if parallel else 3, line)
    ranges = request.getfixturevalue("small_usage_ranges") if parallel else None
    with pytest.raises(InputError) as exc:
        gpt41cost.usage(["u.jsonl"], strict=True)
    assert str(exc.value) == f"u.jsonl:{line}: {BAD_USAGE} (strict=True stops at the first bad record)"
    assert exc.value.exit_code == ExitCode.INPUT
    if ranges is not None:
        ranges(tmp_path / "u.jsonl")


def test_usage_strict_names_the_flag_as_before(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    _usage_log(Path("u.jsonl"), 3, 2)
    r = cli("usage", "u.jsonl", "--strict")
    line = f"gpt41cost: error: u.jsonl:2: {BAD_USAGE} (--strict stops at the first bad record)\n"
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", line)
