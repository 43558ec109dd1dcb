"""The installed script's entry point, ``gpt41cost.cli:run`` (also ``python -m gpt41cost``): it
ends the process without the interpreter's object-by-object teardown, so it must end it as the
interpreter would: the report flushed whole, exit functions run, the exit code of ``main``, 120
when the final flush fails, and a traceback (exit 1) for an exception ``main`` lets through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gpt41cost.cli import main


def _line(i: int, model: str = "gpt-4.1") -> str:
    return json.dumps(
        {"id": f"r{i}", "model": model, "usage": {"prompt_tokens": 10, "completion_tokens": 2}, "created": 1745000000}
    )


def _run(
    *args: str, stdout: int | None = subprocess.PIPE, code: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "gpt41cost", *args]
    # buffered streams, as a user's: PYTHONUNBUFFERED (set here) would make every write reach the pipe at once
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=120, check=False)


def test_the_report_is_written_whole_and_as_main_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(_line(i) for i in range(3)))
    got = _run("usage", str(log), "-f", "json", "--as-of", "2026-12-06")
    assert got.returncode == 0, got.stderr
    with pytest.raises(SystemExit) as done:
        main(["usage", str(log), "-f", "json", "--as-of", "2026-12-06"])
    assert done.value.code in (0, None)
    assert got.stdout.decode() == capsys.readouterr().out
    assert json.loads(got.stdout)["requests"] == 3


def test_a_long_report_to_a_pipe_is_flushed_whole(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(_line(i, f"model-{i}") for i in range(2000)))  # a report row each
    got = _run("usage", str(log), "-f", "json", "--as-of", "2026-12-06")
    assert got.returncode == 0, got.stderr
    assert len(got.stdout) > 4 * 65536  # more than a pipe's buffer and stdout's own
    assert len(json.loads(got.stdout)["unpriced"]) == 2000


@pytest.mark.parametrize(
    ("args", "code"),
    [(["usage", "/nonexistent/log.jsonl"], 3), (["estimate", "-f", "xml"], 2), (["--version"], 0), ([], 2)],
)
def test_exit_codes_are_main_s(args: list[str], code: int) -> None:
    assert _run(*args).returncode == code


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_report_that_cannot_be_written_is_exit_7_and_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        got = _run("pricing", "-f", "json", stdout=full.fileno())
    assert got.returncode == 7
    assert len(got.stderr.decode().strip().splitlines()) == 1


def test_exit_functions_run_a_failed_final_flush_is_120_and_an_escaped_exception_a_traceback(tmp_path: Path) -> None:
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
    got = _run("unflushed", code=code)
    assert got.returncode == 120 and mark.read_text() == "ran"
    got = _run("message", code=code)
    assert got.returncode == 1 and got.stderr.decode().strip() == "gone"
    got = _run("escaped", code=code)
    assert got.returncode == 1 and "RuntimeError: escaped" in got.stderr.decode()


def test_what_is_left_in_the_streams_buffers_is_written_at_the_end() -> None:
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
    got = _run(code=code)
    assert (got.returncode, got.stdout, got.stderr) == (
        0,
        b"kept in stdout's buffer",
        b"and a line's start in stderr's",
    )


def test_a_worker_pool_still_running_at_the_end_does_not_hold_the_process() -> None:
    """The interpreter tells a process pool left running that it is shutting down before it joins
    the pool's thread; joining that thread without telling it waits forever."""
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
        got = _run(code=code)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not end")
    assert got.returncode == 0, got.stderr


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
