"""How inputs are read: kinds by extension first, content second, never a refused prompt;
per-glob --as; empty files; one-line framework errors."""

from __future__ import annotations

import functools
import gzip
import json
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.catalog import Catalog
from gpt41cost.cli import main
from gpt41cost.errors import ExitCode, InputError, ParameterError
from gpt41cost.readers.inputs import classify, content_kind, gather, parse_as
from gpt41cost.readers.requests import HEAD_BYTES
from gpt41cost.tokens import count_tokens

from .conftest import ROOT

MIXED = ROOT / "samples" / "mixed"
CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hello"}]}
#: The text files of samples/mixed, each a prompt counted exactly.
TEXT_FILES = (
    "extract.yaml",
    "glossary.txt",
    "guide.md",
    "helpers.py",
    "reply.mustache",
    "settings.json",
    "summarize.j2",
    "triage.prompt",
)


def read_as(path: Path, *rules: str) -> tuple[str, str]:
    got = classify(str(path), parse_as(list(rules)))
    return got.kind, got.reason


# --------------------------------------------------------------------------- detection rules


@pytest.mark.parametrize(
    ("name", "content", "kind", "reason"),
    [
        pytest.param("a.j2", "{{ system_prompt }}\nSummarize.", "text", "extension .j2", id="jinja-variable"),
        pytest.param("a.jinja", "{% set x = 1 %}\n{{ x }}", "text", "extension .jinja", id="jinja-statement"),
        pytest.param("a.mustache", "{{#user}}Hi {{name}}{{/user}}", "text", "extension .mustache", id="mustache"),
        pytest.param("a.txt", "[System] You are terse.", "text", "extension .txt", id="bracket-role"),
        pytest.param("a.md", "[Guide](https://example.com) first", "text", "extension .md", id="markdown-link"),
        pytest.param("a.txt", '"Affiliate" means any entity.', "text", "extension .txt", id="quoted-term"),
        pytest.param("a.txt", '"hello"', "text", "extension .txt", id="lone-json-string"),
        pytest.param("a.py", '"""Docstring."""\nx = 1\n', "text", "extension .py", id="python-docstring"),
        pytest.param("a.yaml", "task: x\nfields: [a, b]\n", "text", "extension .yaml", id="yaml"),
        pytest.param("prompt", "{ not json", "text", "no extension", id="no-extension-text"),
        pytest.param("a.txt", "[1, 2, 3]", "text", "extension .txt", id="json-but-no-request"),
        pytest.param(
            "a.txt",
            json.dumps(CHAT),
            "chat",
            "content: the whole file is a Chat Completions request (extension .txt)",
            id="txt-whole-chat",
        ),
        pytest.param(
            "request",
            json.dumps({"input": "hi"}),
            "responses",
            "content: the whole file is a Responses API request (no extension)",
            id="no-extension-responses",
        ),
        pytest.param(
            "lines",
            '"one"\n"two"\n',
            "prompts",
            "content: the whole file is a JSONL list of prompts (no extension)",
            id="no-extension-prompts",
        ),
        pytest.param(
            "a.txt",
            json.dumps(CHAT) + "\n{ broken\n",
            "text",
            "extension .txt",
            id="request-then-garbage-is-text",
        ),
        pytest.param("a.json", json.dumps(CHAT), "chat", "extension .json", id="json-chat"),
        pytest.param(
            "a.json",
            '{"temperature": 0.2}',
            "text",
            "extension .json, but valid JSON that is no request (a config?)",
            id="json-config",
        ),
        pytest.param("a.ndjson", '"one"\n"two"\n', "prompts", "extension .ndjson", id="ndjson-prompts"),
        pytest.param(
            "a.jsonl",
            json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n" * 2,
            "chat",
            "extension .jsonl",
            id="jsonl-one-object",
        ),
    ],
)
def test_kind_by_extension_then_content(tmp_path: Path, name: str, content: str, kind: str, reason: str) -> None:
    p = tmp_path / name
    p.write_text(content)
    assert read_as(p) == (kind, reason)


def test_gzipped_data_file(tmp_path: Path, cli: Any) -> None:
    plain = tmp_path / "p.jsonl"
    plain.write_text('"one"\n"two"\n')
    gz = tmp_path / "p.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_as(gz) == ("prompts", "extension .jsonl.gz")
    a, b = cli.json("estimate", str(plain)), cli.json("estimate", str(gz))
    assert a["models"] == b["models"]
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip at all")
    r = cli("estimate", str(bad))
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr.count("\n") == 1 and f"{bad}: not a valid gzip file" in r.stderr
    lines = "".join(json.dumps(f"prompt {i} with a few more words") + "\n" for i in range(6_000))
    data = gzip.compress(lines.encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])  # cut mid-stream: found while the lines are read,
    assert len(zlib.decompressobj(31).decompress(data[: len(data) // 2])) > HEAD_BYTES  # past the head sniffed
    r = cli("estimate", str(cut))
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert r.stderr.count("\n") == 1 and f"{cut}: not a valid gzip file" in r.stderr


def test_image_by_extension_and_by_content(tmp_path: Path) -> None:
    png = ROOT / "tests" / "data" / "requests" / "square-1024.png"
    assert read_as(png) == ("image", "extension .png")
    shutil.copy(png, tmp_path / "picture")
    assert read_as(tmp_path / "picture") == ("image", "content: image bytes (no extension)")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{{ q }}\n", id="template"),
        pytest.param('"quoted" start\n', id="quote"),
        pytest.param("[System] x\n", id="bracket"),
    ],
)
def test_stdin_follows_the_content_rule(cli: Any, content: str) -> None:
    d = cli.json("estimate", "-", input=content)
    [inp] = d["inputs"]
    # a template is read as text too, and said to be counted as written (review 14, out14 item 19)
    reason = "stdin; unrendered template markup, counted as written" if "{{" in content else "stdin"
    assert (inp["source"], inp["read_as"], inp["reason"]) == ("-", "text", reason)
    assert d["models"][0]["input_tokens_total"] == count_tokens(content)


def test_stdin_request_by_content(cli: Any) -> None:
    d = cli.json("estimate", "-", input=json.dumps(CHAT))
    assert d["inputs"][0]["read_as"] == "chat"
    assert d["inputs"][0]["reason"] == "content: the whole input is a Chat Completions request (stdin)"


def test_content_kind_never_takes_a_prefix_for_the_whole() -> None:
    big = b'"""' + b"x = 1\n" * 100_000  # a large source file that starts like a JSON string
    assert content_kind(big) is None
    assert content_kind(json.dumps(CHAT).encode()) == "chat"
    assert content_kind(b'{"custom_id": "a", "method": "POST", "url": "/v1/responses", "body": {}}') == "batch"
    two = json.dumps({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]})
    assert content_kind(f"{two}\n{two}\n".encode()) == "finetune"
    # JSON lines of mixed shapes are read as their first line says, as a .jsonl is (the reader refuses line 2)
    assert content_kind(f'{two}\n"a string"\n'.encode()) == "finetune"
    assert content_kind(f"{two}\nx = 1\n".encode()) is None  # a line that is no JSON: text


# --------------------------------------------------------------------------- the mixed folder


def test_mixed_folder_is_estimated_every_text_file_counted_exactly(cli: Any) -> None:
    d = cli.json("estimate", str(MIXED), "--cache", "none")
    by_name = {Path(i["source"]).name: i for i in d["inputs"]}
    for name in TEXT_FILES:
        i = by_name[name]
        assert i["read_as"] == "text", name
        text = (MIXED / name).read_text(encoding="utf-8")
        assert {f["input_tokens"] for f in i["models"]} == {count_tokens(text)}, name
    assert by_name["chat-request.json"]["read_as"] == "chat"
    assert by_name["faq-prompts.jsonl"]["read_as"] == "prompts"
    assert by_name["faq-prompts.jsonl"]["requests"] == 3
    assert by_name["saved-request"]["read_as"] == "responses"
    assert d["skipped_inputs"] == [{"source": str(MIXED / "empty.txt"), "reason": "empty file (found in a directory)"}]
    # the inputs' figures sum to each model's totals
    for m in d["models"]:
        rows = [f for i in d["inputs"] for f in i["models"] if f["model"] == m["model"]]
        assert sum(f["input_tokens"] for f in rows) == m["input_tokens_total"]
        assert sum(f["output_tokens"] for f in rows) == m["output_tokens_total"]
        assert sum(int(i["requests"]) for i in d["inputs"]) == m["requests"]


def test_mixed_folder_table_lists_every_input_and_the_skipped_file(cli: Any) -> None:
    r = cli("estimate", str(MIXED))
    assert r.exit_code == 0, r.stderr
    assert "Inputs" in r.stdout
    assert "extension .json, but valid JSON that is no request (a config?)" in r.stdout
    assert "empty file (found in a directory)" in r.stdout
    assert "skipped 1 empty file:" in r.stderr and "empty.txt" in r.stderr


# --------------------------------------------------------------------------- --as


def test_as_for_every_input_and_per_glob(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "req.json").write_text(json.dumps(CHAT))
    (tmp_path / "t.j2").write_text(json.dumps(CHAT))  # a template that happens to be a whole request
    d = cli.json("estimate", str(tmp_path))
    assert [i["read_as"] for i in d["inputs"]] == ["chat", "chat"]
    # --as text reads the request file as text too; --as text=*.j2 steers only the template
    d = cli.json("estimate", str(tmp_path), "--as", "text")
    assert [(i["read_as"], i["reason"]) for i in d["inputs"]] == [("text", "--as text")] * 2
    d = cli.json("estimate", str(tmp_path), "--as", "text=*.j2")
    got = [(i["read_as"], i["reason"]) for i in d["inputs"]]
    assert got == [("chat", "extension .json"), ("text", "--as text=*.j2")]
    # repeatable; a glob rule wins over the rule for every input, in any order
    d = cli.json("estimate", str(tmp_path), "--as", "text", "--as", "chat=req.*")
    assert [i["reason"] for i in d["inputs"]] == ["--as chat=req.*", "--as text"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(["pdf"], "--as pdf: unknown kind 'pdf'", id="unknown-kind"),
        pytest.param(["pdf=*.x"], "--as pdf=*.x: unknown kind 'pdf'", id="unknown-kind-with-glob"),
        pytest.param(["text="], "--as text=: no glob after '='", id="empty-glob"),
        pytest.param(["text", "chat"], "not two KINDs", id="two-global-kinds"),
    ],
)
def test_bad_as(values: list[str], message: str, cli: Any, tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as err:
        parse_as(values)
    assert message in err.value.named(lambda param: "--as")  # the core names read_as, the CLI --as
    p = tmp_path / "a.txt"
    p.write_text("hi")
    args = [a for v in values for a in ("--as", v)]
    r = cli("estimate", str(p), *args)
    assert r.exit_code == ExitCode.USAGE and r.stdout == "" and r.stderr.count("\n") == 1
    assert message in r.stderr


# --------------------------------------------------------------------------- empty files


@pytest.mark.parametrize("content", [pytest.param("", id="empty"), pytest.param(" \n\t\n", id="whitespace")])
def test_empty_file_in_a_directory_is_skipped_and_named_alone_is_an_error(
    tmp_path: Path, cli: Any, catalog: Catalog, content: str
) -> None:
    (tmp_path / "a.txt").write_text("Hello there")
    (tmp_path / "b.txt").write_text(content)
    (tmp_path / "c.json").write_text(content)
    got = gather([str(tmp_path)], catalog)
    assert got.empty == [str(tmp_path / "b.txt"), str(tmp_path / "c.json")]
    assert [i.source for i in got.inputs] == [str(tmp_path / "a.txt")]
    for name in ("b.txt", "c.json"):
        with pytest.raises(InputError, match="empty file"):
            gather([str(tmp_path / name)], catalog)
        r = cli("estimate", str(tmp_path / name))
        assert r.exit_code == ExitCode.INPUT and r.stdout == "" and "empty file" in r.stderr


def test_a_folder_of_only_empty_files_has_nothing_to_estimate(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "a.txt").write_text("")
    r = cli("estimate", str(tmp_path))
    assert r.exit_code == ExitCode.USAGE and r.stdout == "" and "nothing to estimate" in r.stderr


# --------------------------------------------------------------------------- broken data files


def test_broken_data_file_is_an_error_or_skipped(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "a.txt").write_text("Hello there")
    bad = tmp_path / "b.json"
    bad.write_text('{"a": 1,\n "b": }')
    r = cli("estimate", str(tmp_path))
    assert r.exit_code == ExitCode.INPUT and r.stdout == "" and r.stderr.count("\n") == 1
    assert f"{bad}: line 2, column 7: not valid JSON" in r.stderr
    d = cli.json("estimate", str(tmp_path), "--skip-bad")
    assert [Path(i["source"]).name for i in d["inputs"]] == ["a.txt"]
    jsonl = tmp_path / "b.json"
    jsonl.write_text('{"a": 1}\n{"b": ]\n')
    r = cli("estimate", str(jsonl))
    assert r.exit_code == ExitCode.INPUT and f"{jsonl}: line 2, column 7: not valid JSON" in r.stderr


# --------------------------------------------------------------------------- framework errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["estimate", "--bogus"], "No such option: --bogus; see 'gpt41cost estimate --help'", id="option"),
        pytest.param(["estimate", "-f", "xml", "x"], "'xml' is not one of", id="bad-choice"),
        pytest.param(
            ["estimate", "--input-tokens", "5", "--requests-per-day", "lots"],
            "--requests-per-day: 'lots' is not a number; give e.g. 1000000",
            id="not-an-int",
        ),
        pytest.param(["limits", "--tier", "x"], "--tier: 'x' is not a number", id="tier"),
        pytest.param(["usage", "--concurrency", "4"], "No such option: --concurrency", id="option-of-another"),
        pytest.param(["verify", "--concurrency", "x"], "--concurrency: 'x' is not a number", id="int"),
        pytest.param(["verify", "--concurrency", "33"], "--concurrency: must be between 1 and 32", id="int-range"),
        pytest.param(["nosuch"], "No such command 'nosuch'", id="command"),
        pytest.param(["estimate", "--input-tokens"], "requires an argument", id="missing-value"),
    ],
)
def test_framework_errors_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == ExitCode.USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("gpt41cost: error: ")
    assert message in err


@functools.cache
def _command_flags() -> dict[str, frozenset[str]]:
    """Each command's flags, read from the app itself, once a process: building every command's
    parameters cost some 15 CPU ms, which each of the tests below spent again."""
    import typer

    from gpt41cost.cli import app

    group: Any = typer.main.get_command(app)
    return {n: frozenset(o for p in c.params for o in p.opts) for n, c in group.commands.items()}


def _commands_with(flag: str) -> list[str]:
    """Every command that declares ``flag``, read from the app itself so a new one is covered too."""
    return sorted(n for n, flags in _command_flags().items() if flag in flags)


#: The commands that declare each flag below (read from the app: a new one must be added here).
_FLAG_COMMANDS = {"--tier": ["limits", "usage"], "--timeout": ["usage", "verify"], "--backoff": ["usage", "verify"],
                  "--retries": ["usage", "verify"]}  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        pytest.param("--tier", "9", "--tier: must be between 1 and 5, got 9", id="tier-over"),
        pytest.param("--tier", "0", "--tier: must be between 1 and 5, got 0", id="tier-under"),
        pytest.param(
            "--tier", "x", "--tier: 'x' is not a number; give e.g. 5 (a whole number, 1 to 5)", id="tier-word"
        ),
        pytest.param("--tier", "2.5", "--tier: expected a whole number, got 2.5", id="tier-fraction"),
        pytest.param("--timeout", "inf", "--timeout: 'inf' is not a number", id="timeout-inf"),
        pytest.param("--timeout", "nan", "--timeout: 'nan' is not a number", id="timeout-nan"),
        pytest.param("--timeout", "1e400", "--timeout: must be between 0.1 and 3,600, got 1e400", id="timeout-huge"),
        pytest.param("--timeout", "0.05", "--timeout: must be between 0.1 and 3,600, got 0.05", id="timeout-tiny"),
        pytest.param("--backoff", "nan", "--backoff: 'nan' is not a number", id="backoff-nan"),
        pytest.param("--backoff", "-1", "--backoff: cannot be negative, got -1", id="backoff-negative"),
        pytest.param("--retries", "99999999999", "--retries: must be between 0 and 20", id="retries-unbounded"),
        pytest.param("--retries", "x", "--retries: 'x' is not a number", id="retries-word"),
    ],
)
def test_a_flag_shared_by_commands_has_one_parser(cli, flag: str, value: str, message: str) -> None:
    """``usage --tier 9`` gave typer's range message, ``limits --tier 9`` the number parser's;
    ``--timeout inf``/``nan``/``1e400`` were OverflowError/ValueError tracebacks from the socket once
    a server was reached, and ``--retries`` had no bound: one parser, one line, exit 2, in every
    command that has the flag."""
    commands = _commands_with(flag)
    assert commands == _FLAG_COMMANDS[flag]
    for command in commands:
        r = cli([command, flag, value])
        assert (r.exit_code, r.stdout) == (ExitCode.USAGE, ""), command
        assert r.stderr.startswith("gpt41cost: error: " + message) and r.stderr.count("\n") == 1, (command, r.stderr)


def test_framework_abort_is_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C inside a command: the framework turns it into its Abort (which typer 0.28 keeps in
    typer.exceptions, not typer._click.exceptions); it must end as 'interrupted', exit 130, not a
    second traceback."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("gpt41cost.api.pricing", interrupted)
    r = cli("pricing")
    assert (r.exit_code, r.stdout) == (130, "")
    assert r.stderr == "gpt41cost: interrupted\n"


def test_main_exit_codes_pass_through(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "--input-tokens", "100", "-f", "json"])
    assert exc.value.code == 0 and json.loads(capsys.readouterr().out)["schema_version"] == 3
    with pytest.raises(SystemExit) as exc:
        main(["estimate", str(tmp_path / "missing.txt")])
    assert exc.value.code == ExitCode.INPUT
    assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and "gpt41cost" in capsys.readouterr().out


# --------------------------------------------------------------------------- one reading path


def _same_inputs_dir(tmp_path: Path) -> Path:
    """samples/mixed plus a Chat request holding a base64 image and a Batch file with max_tokens."""
    import base64

    d = tmp_path / "prompts"
    shutil.copytree(MIXED, d)
    png = base64.b64encode((ROOT / "tests" / "data" / "requests" / "square-1024.png").read_bytes()).decode()
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}
    chat = {"model": "gpt-4.1", "messages": [{"role": "user", "content": [{"type": "text", "text": "What?"}, image]}]}
    (d / "image-request.json").write_text(json.dumps(chat))
    lines = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4.1", "max_tokens": 7, "messages": [{"role": "user", "content": f"Label {i}"}]},
        }
        for i in range(5)
    ]
    (d / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return d


def test_estimate_limits_and_plan_read_the_same_input_tokens(tmp_path: Path, cli: Any, catalog: Catalog) -> None:
    d = _same_inputs_dir(tmp_path)
    est = cli.json("estimate", str(d), "-m", "gpt-4.1", "--cache", "none")["models"][0]
    r = cli("limits", str(d), "-m", "gpt-4.1", "--peak-rpm", "10", "--output-tokens", "100", "-f", "json")
    assert r.exit_code == 0, r.stderr
    lim = r.json()["inputs"]
    w = tmp_path / "w.yaml"
    w.write_text("model: gpt-4.1\nprompts: prompts/*\noutput_tokens: 100\ntraffic: {peak_rpm: 10}\ntier: 5\n")
    r = cli("plan", str(w), "-f", "json")
    assert r.exit_code == 0, r.stderr
    plan = r.json()["inputs"]
    # 11 files of samples/mixed (13 requests), the image request, 5 batch lines; empty.txt skipped
    assert est["requests"] == lim["prompt_files"] == plan["prompt_files"] == 19
    assert est["input_tokens_total"] == lim["input_tokens_total"] == plan["input_tokens_total"]
    image_tokens = 765  # 1024x1024 at detail auto on gpt-4.1: 85 + 4 tiles x 170
    assert est["input_tokens_total"] > 475 + image_tokens
    # plan honours each request's own max_tokens as its reservation, and reads --as like estimate
    from gpt41cost.workload import load_workload, workload_profiles

    (profile,), _ = workload_profiles(load_workload(w, catalog), catalog)
    assert sorted(profile.reserves).count(7) == 5
    r = cli("plan", str(w), "-f", "json", "--as", "text=*.jsonl")
    assert r.json()["inputs"]["prompt_files"] == 19 - 3 - 5 + 2  # the two JSONL files: one request each


def test_limits_and_plan_take_the_reading_options(tmp_path: Path, cli: Any) -> None:
    d = _same_inputs_dir(tmp_path)
    args = ["-m", "gpt-4.1", "--peak-rpm", "10", "--output-tokens", "100", "-f", "json"]
    r = cli("limits", str(d), *args, "--include", "*.txt", "--include", "*.md")
    assert r.json()["inputs"]["prompt_files"] == 2  # glossary.txt, guide.md (empty.txt skipped)
    w = tmp_path / "w.yaml"
    w.write_text("model: gpt-4.1\nprompts: prompts/*\noutput_tokens: 100\ntraffic: {peak_rpm: 10}\ntier: 5\n")
    r = cli("plan", str(w), "-f", "json", "--exclude", "*.json*", "--exclude", "empty.txt")
    assert r.exit_code == 0, r.stderr
    assert r.json()["inputs"]["prompt_files"] == 8  # 14 files less 5 .json/.jsonl and empty.txt
    (d / "broken.json").write_text("{")
    for cmd in (["limits", str(d), *args], ["plan", str(w)]):
        r = cli(*cmd)
        assert r.exit_code == ExitCode.INPUT and "broken.json: line 1, column 2" in r.stderr
        r = cli(*cmd, "--skip-bad")
        assert r.exit_code == 0 and "skipped: " in r.stderr
