"""Hostile and broken inputs (#18): the promise for every command, attacked by class.

The promise: one line on stderr (``gpt41cost: error: ...``), the documented exit code, nothing on
stdout, no traceback, no hang past the timeout, memory under the bound, no input modified; and on
success, no string from an input reaching the terminal raw or a spreadsheet as a formula.

- strings from inputs (hypothesis): control characters, bidi overrides and formula starts in model
  names, project ids and file names, through every format;
- YAML catalogs and workloads (hypothesis): duplicate keys, alias bombs, deep nesting, numbers;
- a table of filesystem cases (tests/test_hostile_files.py);
- subprocesses for what only a real process shows: closed and full standard streams, SIGTERM;
  each run under a timeout and an address-space limit (``resource.setrlimit`` in ``preexec_fn``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpt41cost.report import Report, Table, csv_safe, printable, render

from .conftest import TIMEOUT_S, Cli, Run

#: Raw bytes a terminal acts on: C0 but newline, DEL, C1, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

hostile_text = st.text(
    alphabet=st.sampled_from(
        ["\x1b", "]", "[", "0", ";", "\x07", "\n", "\r", "\t", "\x9b", "\u202e", "\u2066", "=", "+", "-", "@", "a", "|"]
    ),
    min_size=1,
    max_size=24,
) | st.sampled_from(
    [
        "\x1b]0;pwned\x07",
        "\x1b[2J\x1b[31mred",
        '=HYPERLINK("http://x","y")',
        "@SUM(A1)",
        "+1+1",
        "-2+3",
        "gpt-4.1\nfake line",
        "\u202egnp.exe",
    ]
)


def _check_terminal_safe(text: str) -> None:
    assert not RAW_CONTROL.search(text), repr(text)


def _check_csv_safe(text: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            _check_terminal_safe(cell.replace("\n", ""))
            if len(cell) > 1 and cell[0] in "=+-@":
                assert re.fullmatch(r"[+-]?[\d.,]+(e[+-]?\d+)?%?", cell), cell


# --------------------------------------------------------------------------- the report layer


@settings(max_examples=30)
@given(hostile_text, hostile_text, hostile_text)
# a formula's @ in a cell, a bidi override and a C1 CSI in the title and the note
@example("@SUM(A1)", "\u202etitle", "\x1b[2J\x9b")
def test_every_format_makes_input_strings_safe(cell: str, title: str, note: str) -> None:
    report = Report(
        title=title,
        data={"model": cell},
        tables=(Table(title, ("model", cell), [[cell, 5], [cell, None]]),),
        assumptions=((cell, note),),
        notes=(note,),
    )
    for fmt in ("table", "markdown"):
        out = render(report, fmt)
        _check_terminal_safe(out.replace("\n", ""))
        assert out.count("\n") == render(
            Report(title="t", data={}, tables=report.tables, assumptions=report.assumptions, notes=("n",)), fmt
        ).count("\n")  # no forged line
    _check_csv_safe(render(report, "csv"))
    out = render(report, "json")
    _check_terminal_safe(out.replace("\n", ""))
    assert json.loads(out)["model"] == cell  # escaped, not changed


@settings(max_examples=30)
@given(hostile_text)
def test_printable_is_idempotent_and_keeps_printable_text(text: str) -> None:
    once = printable(text)
    assert printable(once) == once
    assert printable("gpt-4.1-mini ünïcode 漢字") == "gpt-4.1-mini ünïcode 漢字"


@pytest.mark.parametrize(
    ("cell", "out"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("+cmd", "'+cmd", id="plus"),
        pytest.param("-cmd", "'-cmd", id="minus"),
        pytest.param("-5", "-5", id="negative-number"),
        pytest.param("-12.5%", "-12.5%", id="negative-percent"),
        pytest.param("-", "-", id="dash"),
        pytest.param("gpt-4.1", "gpt-4.1", id="model"),
    ],
)
def test_csv_cells_as_owasp_recommends(cell: str, out: str) -> None:
    assert csv_safe(cell) == out


# --------------------------------------------------------------------------- strings from records, end to end


def _usage_line(model: str, project: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1764979200,
            "model": model,
            "project_id": project,
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=hostile_text, project=hostile_text)
def test_usage_report_of_hostile_records(cli, tmp_path_factory, model: str, project: str) -> None:
    path = tmp_path_factory.mktemp("u") / "log.jsonl"
    path.write_text(_usage_line(model, project) + "\n" + _usage_line("gpt-4.1", project) + "\n")
    for fmt in ("table", "csv", "markdown", "json"):
        r = cli(["usage", str(path), "-f", fmt])
        assert r.exit_code in (0, 3), r.output
        assert "Traceback" not in r.stderr
        _check_terminal_safe(r.stderr.replace("\n", ""))
        if fmt == "csv":
            _check_csv_safe(r.stdout)
        else:
            _check_terminal_safe(r.stdout.replace("\n", ""))


def test_stderr_lines_are_printable(cli, tmp_path) -> None:
    """An error naming a hostile file or model shows it escaped, on one line."""
    r = cli(["estimate", "--input-tokens", "5", "-m", "\x1b]0;x\x07\nforged"])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1
    assert "\\x1b]0;x\\x07\\nforged" in r.stderr


# --------------------------------------------------------------------------- YAML workloads and catalogs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(["input_tokens", "output_tokens", "tier", "budget_usd_per_month", "cache_hit_rate"]),
    value=st.one_of(
        st.sampled_from(["1e308", "1e300", "1e999999999", "-1", "NaN", ".inf", "1_000", "1,000", "80%", "'1e6'", "[]"]),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=False).map(repr),
    ),
)
def test_workload_numbers_are_values_or_one_line(cli, tmp_path_factory, key: str, value: str) -> None:
    base = {
        "model": "gpt-4.1",
        "input_tokens": "1000",
        "output_tokens": "100",
        "tier": "3",
        "traffic": "{requests_per_day: 10000}",
    }
    base[key] = value
    path = tmp_path_factory.mktemp("w") / "w.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in base.items()))
    r = cli(["plan", str(path), "-f", "json"])
    assert r.exit_code in (0, 3), r.stderr
    if r.exit_code:
        assert r.stdout == ""
        assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"gpt41cost: error: {path}:"), r.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("model: gpt-4.1\nmodel: gpt-4.1-nano\n", ":2: model: key appears twice", id="duplicate"),
        pytest.param(
            "a: &a ["
            + ",".join(["x"] * 10)
            + "]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)),
            "aliases expand the document",
            id="billion-laughs",
        ),
        pytest.param("x: " + "[" * 3000 + "]" * 3000 + "\n", "nested more than 64 levels", id="deep"),
    ],
)
def test_hostile_workloads_in_a_process(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    before = path.read_bytes()
    r = cli.process("plan", path)
    _one_line(r, 3, message)
    assert path.read_bytes() == before
    cat = cli.process("pricing", "--pricing", path)
    _one_line(cat, 4, message)


# --------------------------------------------------------------------------- processes: streams and signals


def _one_line(r: Run, code: int, message: str) -> None:
    assert r.exit_code == code, r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("gpt41cost: "), r.stderr
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_stdout_full(cli: Cli) -> None:
    with open("/dev/full", "wb") as full:
        r = cli.process("pricing", stdout=full)
    _one_line(r, 7, "cannot write the report to stdout: No space left on device")


@pytest.mark.parametrize("args", [["--help"], ["usage", "--help"], ["--version"]], ids=" ".join)
def test_help_or_version_to_a_full_stdout(cli: Cli, args: list[str]) -> None:
    """What the command-line framework writes itself: a traceback (exit 1) before."""
    with open("/dev/full", "wb") as full:
        r = cli.process(args, stdout=full)
    _one_line(r, 7, "cannot write to stdout: No space left on device")


@pytest.mark.parametrize(
    ("args", "fd", "code", "message"),
    [
        pytest.param(["pricing"], 1, 7, "stdout is closed", id="stdout"),
        pytest.param(["estimate", "-"], 0, 3, "stdin is closed", id="stdin"),
        pytest.param(["usage", "-"], 0, 3, "stdin is closed", id="stdin-usage"),
    ],
)
def test_closed_streams(cli: Cli, args: list[str], fd: int, code: int, message: str) -> None:
    """In a fork of the test process, which makes its standard streams from descriptors 0-2 as
    Python's start-up does (a closed one is None): tests/test_readme.py's FORK_CHECKS show a real
    process printing the same for a closed stdin, stdout and stderr."""
    r = cli.process(
        args,
        stdin=None if fd == 0 else subprocess.DEVNULL,
        stdout=None if fd == 1 else subprocess.PIPE,
        close=fd,
    )
    _one_line(r, code, message)


def test_closed_stderr_keeps_the_exit_code(cli: Cli) -> None:
    r = cli.process("estimate", "--input-tokens", "x", stderr=None, close=2)
    assert (r.exit_code, r.stdout) == (2, "")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", "samples/support"], id="estimate"),
        pytest.param(
            ["limits", "samples/support", "--requests-per-day", "1000", "--output-tokens", "300"], id="limits"
        ),
        pytest.param(["plan", "samples/workloads/support-bot.yaml"], id="plan"),
        pytest.param(["usage", "samples/usage"], id="usage"),
    ],
)
def test_closed_stderr_is_no_reason_to_fail(cli: Cli, args: list[str]) -> None:
    """``2>&-``: Python sets sys.stderr to None; asking it whether it is a terminal (for the
    progress bar) was an AttributeError that ended the run with exit 1 and nothing printed."""
    r = cli.process(args, stderr=None, close=2)
    assert r.exit_code == 0
    assert r.stdout.startswith(("gpt41cost estimate", "Plan ", "Usage:", "Rate-limit"))


def test_sigterm_is_one_line(cli: Cli) -> None:
    """SIGTERM while a command waits on its input: one line, exit 143, like Ctrl-C's 130."""
    p = cli.start("estimate", "-", stdin=subprocess.PIPE)
    try:
        assert p.stdin is not None
        # 200 KiB, more than a pipe holds: the write returns once the command reads its input (the
        # handler is set before any reading), which then waits for more
        p.stdin.write(b"a prompt that never ends " * 8192)
        p.stdin.flush()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=TIMEOUT_S)
    finally:
        p.kill()
    assert p.returncode == 143, err
    assert out == b""
    assert err.decode() == "gpt41cost: terminated\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["estimate", "--input-tokens", "10", "--requests-per-day", "1e18"], "--requests-per-day", id="huge-traffic"
        ),
        pytest.param(
            ["limits", "--input-tokens", "10", "--max-tokens", "10", "--peak-rpm", "1e999999999"],
            "--peak-rpm",
            id="huge-exponent",
        ),
        pytest.param(["usage", "samples/usage", "--jobs", "100000"], "--jobs: must be between 1 and 64", id="jobs"),
        pytest.param(["usage", "samples/usage", "--forecast", "--budget", "1e300"], "--budget", id="budget"),
    ],
)
def test_numbers_past_their_range(cli: Cli, args: list[str], message: str) -> None:
    _one_line(cli.process(args), 2, message)


# --------------------------------------------------------------------------- times in records


@pytest.mark.parametrize(
    ("created", "day"),
    [
        pytest.param(1764979200, "2025-12-06", id="seconds"),
        pytest.param(1764979200123, "2025-12-06", id="milliseconds"),
        pytest.param(1764979200.5, "2025-12-06", id="float-seconds"),
        pytest.param(-5, None, id="negative"),
        pytest.param(10**30, None, id="absurd"),
        pytest.param(1e308, None, id="huge-float"),
        pytest.param(17649792001234567, None, id="nanoseconds"),
    ],
)
def test_record_times(cli, tmp_path: Path, created: float, day: str | None) -> None:
    """Milliseconds are read as such; any other time out of 2000-2099 is a bad record, skipped
    with its reason (never an OverflowError), and the rest of the log is counted."""
    good = json.loads(_usage_line("gpt-4.1", "p"))
    bad = {**good, "id": "chatcmpl-2", "created": created}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    r = cli(["usage", str(path), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    days = {d["day"] for d in doc["by_day"]}
    if day is None:
        assert doc["skipped"] == {"bad_record": 1}
        assert "log.jsonl:2: time" in r.stderr and "not a Unix time" in r.stderr
        assert days == {"2025-12-06"}
    else:
        assert days == {day}
        assert not doc["skipped"]


def test_csv_numbers_past_their_range(cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "start_time,model,num_model_requests,input_tokens,output_tokens\n"
        "1764979200,gpt-4.1,1,1e999999999,5\n"
        "1e999999999,gpt-4.1,1,10,5\n"
        "1764979200,gpt-4.1,1,10,5\n"
    )
    r = cli(["usage", str(path), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["skipped"] == {"bad_tokens": 1, "bad_record": 1}


def test_a_line_over_the_csv_field_limit(cli, tmp_path: Path) -> None:
    """A long non-JSON line given to usage is tried as a CSV header: past csv's field limit
    (128 KiB) it is not a usage file (one line, exit 3), not a _csv.Error traceback."""
    path = tmp_path / "long.txt"
    path.write_text("x" * 200_000 + "\n")
    r = cli(["usage", str(path)])
    assert r.exit_code == 3, (r.stdout, r.stderr)
    assert r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert "long.txt:1: not a usage file" in line


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param('{"a": ' + "[" * 1000 + "]" * 1000 + "}", "no usage object", id="1000-levels"),
        pytest.param('{"a": ' + "[" * 1100 + "]" * 1100 + "}", "depth limit exceeded", id="past-orjson"),
        pytest.param('{"data": 1, "data": ' + "[" * 1000 + "]" * 1000 + "}", "nested too deep", id="key-twice"),
    ],
)
@pytest.mark.parametrize("path", ["plain", "parallel", "gzip"])
def test_a_usage_line_nested_past_the_recursion_limit(tmp_path: Path, line: str, reason: str, path: str) -> None:
    """A line nested about 1,000 levels deep was a RecursionError traceback from the typed decoder
    (msgspec); now it is a bad record with its reason, on every path, and the rest is counted."""
    import gzip

    from gpt41cost.readers.usage import read_usage

    good = '{"model": "gpt-4.1", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}'
    data = f"{good}\n{line}\n{good}\n".encode()
    f = tmp_path / ("u.jsonl.gz" if path == "gzip" else "u.jsonl")
    f.write_bytes(gzip.compress(data) if path == "gzip" else data)
    jobs, limit = (2, 0) if path == "parallel" else (1, 1 << 30)
    acc = read_usage([str(f)], jobs=jobs, parallel_min_bytes=limit)
    assert acc.records == 2 and len(acc.skips) == 1 and acc.skips[0].line == 2
    assert reason in acc.skips[0].detail


def _tools_body(params: dict[str, object]) -> dict[str, object]:
    return {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": params}}],
    }


def _refs(n: int, fan: int) -> dict[str, object]:
    """Parameters whose property is a chain of ``n`` $ref definitions, each used ``fan`` times by the one before."""
    defs: dict[str, object] = {f"d{i}": {"anyOf": [{"$ref": f"#/$defs/d{i + 1}"}] * fan} for i in range(n)}
    defs[f"d{n}"] = {"type": "string"}
    return {"type": "object", "properties": {"x": {"$ref": "#/$defs/d0"}}, "$defs": defs}


#: Two calls are one multi_tool_use.parallel call, whose text holds the arguments parsed.
_CALLS = [
    {"id": f"c{n}", "type": "function", "function": {"name": "f", "arguments": "[" * 5000 + "]" * 5000}} for n in (1, 2)
]
_DEEP_OBJECT = '{"type":"object","properties":{"a":' * 490 + '{"type":"string"}' + "}}" * 490


@pytest.mark.parametrize(
    ("body", "message", "document"),
    [
        pytest.param(json.dumps(_tools_body(_refs(1200, 1))), "nested too deep to count", True, id="ref-chain"),
        pytest.param(
            json.dumps(_tools_body(_refs(18, 2))),
            "the tools' parameter schemas expand past 100,000 nodes",
            True,
            id="ref-bomb",
        ),
        pytest.param(
            json.dumps(
                {"model": "gpt-4.1", "messages": [{"role": "assistant", "content": None, "tool_calls": _CALLS}]}
            ),
            "nested too deep to count",
            True,
            id="call-arguments",
        ),
        # a request this deep is refused before it is counted: its keys cannot be checked for one given twice
        pytest.param(
            json.dumps(_tools_body({})).replace("{}", _DEEP_OBJECT),
            "nested too deep to check for a key given twice",
            True,
            id="schema",
        ),
    ],
)
def test_a_request_too_deep_or_too_large_to_render(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str, document: bool
) -> None:
    """A request whose tool schemas, $ref chain or call arguments nest about 1,000 levels deep was a
    RecursionError traceback, and $ref used twice at each of 40 levels rendered without end (18 here:
    past the bound, and quick to render were the bound gone); each
    is one line (exit 3), as a document and as a Batch line, and --skip-bad counts the other lines.
    The bound on the nodes a render expands is met at its size by the document; the Batch runs
    render the same schemas under a bound of 1,000 (each run to 100,000 nodes took 0.11 CPU s)."""
    from gpt41cost import tooldefs

    doc = tmp_path / "r.json"
    doc.write_text(body)
    line = '{"custom_id": "%s", "method": "POST", "url": "/v1/chat/completions", "body": %s}'
    batch = tmp_path / "b.jsonl"
    batch.write_text(line % ("1", body) + "\n" + line % ("2", json.dumps(_tools_body({}))) + "\n")
    for path, at in ((doc, f"{doc}: "), (batch, f"{batch}: line 1: "))[0 if document else 1 :]:
        r = cli("estimate", path, "-m", "gpt-4.1")
        assert r.exit_code == 3 and r.stdout == "", r.stderr
        assert r.stderr.count("\n") == 1 and f"{at}{message}" in r.stderr, r.stderr
        if f"past {tooldefs.MAX_NODES:,} nodes" in message:
            monkeypatch.setattr(tooldefs, "MAX_NODES", 1_000)
            message = message.replace("100,000", "1,000")
    r = cli("estimate", batch, "-m", "gpt-4.1", "--skip-bad", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["models"][0]["requests"] == 1, r.stderr


@pytest.mark.parametrize("path", ["plain", "parallel", "gzip", "document"])
def test_a_usage_line_of_lists_nested_past_the_recursion_limit(tmp_path: Path, path: str) -> None:
    """A JSONL line of 1,000 nested lists was a RecursionError traceback (the walk of a parsed line
    opened each list by recursion); its lists are opened in place, as the document stream opens
    them: the record inside is counted, on every path."""
    import gzip

    from gpt41cost.readers.usage import read_usage

    good = '{"model": "gpt-4.1", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}'
    deep = "[" * 1000 + good + "]" * 1000
    if path == "document":
        data = f"[\n{good},\n{deep},\n{'[' * 1000 + ']' * 1000}\n]\n".encode()
    else:
        data = f"{good}\n{deep}\n{'[' * 1000 + ']' * 1000}\n{good}\n".encode()
    f = tmp_path / ("u.jsonl.gz" if path == "gzip" else "u.json" if path == "document" else "u.jsonl")
    f.write_bytes(gzip.compress(data) if path == "gzip" else data)
    jobs, limit = (2, 0) if path == "parallel" else (1, 1 << 30)
    acc = read_usage([str(f)], jobs=jobs, parallel_min_bytes=limit)
    assert (acc.records, acc.skips) == (2 if path == "document" else 3, [])


def test_a_usage_document_with_half_a_surrogate_pair_is_not_json(tmp_path: Path) -> None:
    """A pretty-printed Usage API page whose string escapes a lone low surrogate ("\\udfff") was a
    UnicodeDecodeError traceback from the document stream; it is not JSON, as a JSONL line holding
    one is (orjson refuses it)."""
    from gpt41cost.errors import InputError
    from gpt41cost.readers.repeats import LoneSurrogate
    from gpt41cost.readers.usage import read_usage

    result = (
        '{"object":"organization.usage.completions.result","input_tokens":5,"output_tokens":1,'
        '"num_model_requests":1,"model":"gpt-4.1","project_id":"p\\udfff"}'
    )
    page = f'{{"object":"page","data":[{{"object":"bucket","start_time":1764979200,"results":[{result}]}}]}}'
    doc, line = tmp_path / "page.json", tmp_path / "page.jsonl"
    doc.write_text("{\n" + page[1:] + "\n")
    line.write_text(page + "\n")
    with pytest.raises(InputError) as err:
        read_usage([str(doc)], jobs=1)
    assert err.value.message.endswith(f"page.json:1: not valid JSON: {LoneSurrogate()}")  # every reader's words
    with pytest.raises(InputError, match=r"page\.jsonl:1: not JSON"):
        read_usage([str(line)], jobs=1)
