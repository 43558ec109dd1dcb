"""The installed script's entry point, ``gpt41cost.cli:run`` (also ``python -m gpt41cost``): it
ends the process without the interpreter's object-by-object teardown, so it must end it as the
interpreter would: the report flushed whole, exit functions run, the exit code of ``main``, 120
when the final flush fails, and a traceback (exit 1) for an exception ``main`` lets through.

Each run is a process of its own, a fork of the test process (``Cli.start``, tests/conftest.py)
that runs ``python -m gpt41cost`` or ``python -c CODE`` as a fresh interpreter would, its end
included: what is tested here is that end, not Python's start-up. The one exception is the pool
left running at the end, a real interpreter: what it tests is the interpreter's own exit hooks
for a pool (a fork drops the exit functions the test process registered)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from gpt41cost.cli import main

from .conftest import Cli, Run


def _line(i: int, model: str = "gpt-4.1") -> str:
    return json.dumps(
        {"id": f"r{i}", "model": model, "usage": {"prompt_tokens": 10, "completion_tokens": 2}, "created": 1745000000}
    )


@pytest.fixture
def run(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``run(*args, stdout=PIPE, code=None)``: ``gpt41cost ARGS`` (or ``python -c CODE ARGS``) in
    a process of its own, with buffered streams, as a user's: PYTHONUNBUFFERED (set here) would
    make every write reach the pipe at once."""
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)

    def run(*args: str, stdout: int = subprocess.PIPE, code: str | None = None) -> Run:
        return cli.process(*args, script=code, stdout=stdout)

    return run


def test_the_report_is_written_whole_and_as_main_writes_it(
    run: Callable[..., Run], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(_line(i) for i in range(3)))
    got = run("usage", str(log), "-f", "json", "--as-of", "2026-12-06")
    assert got.exit_code == 0, got.stderr
    with pytest.raises(SystemExit) as done:
        main(["usage", str(log), "-f", "json", "--as-of", "2026-12-06"])
    assert done.value.code in (0, None)
    assert got.stdout == capsys.readouterr().out
    assert json.loads(got.stdout)["requests"] == 3


def test_a_long_report_to_a_pipe_is_flushed_whole(run: Callable[..., Run], tmp_path: Path) -> None:
    """A write longer than stdout's buffer goes to the pipe as it is made, so this passes with no
    flush at all; the flushes are shown by a short report: ``emit``'s by the one /dev/full cannot
    hold, the end's by what is left in the streams' buffers (the tests below)."""
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(_line(i, f"model-{i}") for i in range(300)))  # a report row each (~470 bytes)
    got = run("usage", str(log), "-f", "json", "--as-of", "2026-12-06")
    assert got.exit_code == 0, got.stderr
    assert len(got.stdout) > 2 * 65536  # more than twice a pipe's buffer, and than stdout's own
    assert len(json.loads(got.stdout)["unpriced"]) == 300


@pytest.mark.parametrize(
    ("args", "code"),
    [(["usage", "/nonexistent/log.jsonl"], 3), (["estimate", "-f", "xml"], 2), (["--version"], 0), ([], 2)],
)
def test_exit_codes_are_main_s(run: Callable[..., Run], args: list[str], code: int) -> None:
    assert run(*args).exit_code == code


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "fmt",
    [
        pytest.param("json", id="longer-than-the-buffer-its-write-fails"),
        pytest.param("csv", id="held-in-the-buffer-its-flush-fails"),
    ],
)
def test_a_report_that_cannot_be_written_is_exit_7_and_one_line(run: Callable[..., Run], fmt: str) -> None:
    """The CSV catalog (under 1 kB) fits stdout's buffer: only ``emit``'s own flush finds that it
    cannot be written, where the error can still be said; the end's flush would exit 120, silent."""
    with open("/dev/full", "wb") as full:
        got = run("pricing", "-f", fmt, stdout=full.fileno())
    assert got.exit_code == 7
    assert len(got.stderr.strip().splitlines()) == 1


def test_exit_functions_run_a_failed_final_flush_is_120_and_an_escaped_exception_a_traceback(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    mark = tmp_path / "mark"
    code = textwrap.dedent(f"""
        import atexit, sys
        import gpt41cost.cli as cli
        atexit.register(lambda: open({str(mark)!r}, "w").write("ran"))
        what = sys.argv[1]
        def fake(args=None):
            if what == "unflushed":
                class Broken:
                    def write(self, s): return len(s)
                    def flush(self): raise OSError("cannot")
                sys.stdout = Broken()
                print("x")
                sys.exit(0)
            if what == "message":
                sys.exit("gone")
            raise RuntimeError("escaped")
        cli.main = fake
        cli.run()
    """)
    got = run("unflushed", code=code)
    assert got.exit_code == 120 and mark.read_text() == "ran"
    got = run("message", code=code)
    assert got.exit_code == 1 and got.stderr.strip() == "gone"
    got = run("escaped", code=code)
    assert got.exit_code == 1 and "RuntimeError: escaped" in got.stderr


def test_what_is_left_in_the_streams_buffers_is_written_at_the_end(run: Callable[..., Run]) -> None:
    """The report writers flush their own output, so no other test shows the end's flush: text
    left in stdout's buffer (a pipe: block-buffered) and a line's start in stderr's is written."""
    code = textwrap.dedent("""
        import sys
        import gpt41cost.cli as cli

        def fake(args=None):
            sys.stdout.write("kept in stdout's buffer")
            sys.stderr.write("and a line's start in stderr's")

        cli.main = fake
        cli.run()
    """)
    got = run(code=code)
    assert (got.exit_code, got.stdout, got.stderr) == (
        0,
        "kept in stdout's buffer",
        "and a line's start in stderr's",
    )


def test_a_worker_pool_still_running_at_the_end_does_not_hold_the_process(cli: Cli) -> None:
    """The interpreter tells a process pool left running that it is shutting down before it joins
    the pool's thread; joining that thread without telling it waits forever. A real interpreter:
    its exit hooks are what is tested (see the module's docstring)."""
    code = textwrap.dedent("""
        import gpt41cost.cli as cli
        from gpt41cost.readers import pool

        def fake(args=None):
            cli.left = pool.executor(2)
            assert cli.left.submit(abs, -1).result() == 1

        cli.main = fake
        cli.run()
    """)
    try:
        got = cli.process(script=code, real=True)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not end")
    assert got.exit_code == 0, got.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["estimate", "--help"], ["pricing"]])
def test_a_pipe_closed_by_its_reader_is_exit_0_and_silent(cli, args: list[str]) -> None:
    """``gpt41cost --help | head -0``: the framework writes --help and --version itself, and exits
    1 on the closed pipe's EPIPE; the commands (``pricing``) end such a run with 0, and so does
    the framework's text now."""
    read, write = os.pipe()
    os.close(read)  # the reader went away before a byte was written: every write is EPIPE
    try:
        with cli.start(*args, stdout=write) as p:
            _, err = p.communicate(timeout=60)
    finally:
        os.close(write)
    assert (p.returncode, err) == (0, b"")
