from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from gpt41cost.catalog import Catalog, load_catalog

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


# Property tests are judged on their examples, not on time: under `-n auto` or on a loaded CI
# machine an example can take longer than hypothesis' 200 ms deadline, and generating data can
# trip its too-slow check, without anything being wrong. Each test's own settings still size it.
settings.register_profile("gpt41cost", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("gpt41cost")

#: The date CLI tests run on (the date of the run decides prices in force and model status).
TEST_DATE = "2026-12-06"
#: Every process a test starts runs under this address-space limit (MB) and timeout (s).
MEMORY_MB = 2048
TIMEOUT_S = 60


def process_limits(close: int | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: close the child's descriptor ``close`` (a caller that closed a standard
    stream), then put the child under the memory limit, with no core dump."""

    def pre() -> None:
        if close is not None:
            os.close(close)
        limit = MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return pre


@pytest.fixture(autouse=True)
def _pinned_run_date(monkeypatch):
    """Tests never depend on today's date: every run is dated TEST_DATE unless it says otherwise.
    Nor on the terminal they run in: no $COLUMNS or $LINES (pytest-xdist's workers set 80x24), so
    tables keep whole lines unless a test gives a width."""
    monkeypatch.setenv("GPT41COST_AS_OF", TEST_DATE)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """A frozen copy of the catalog: tests that check arithmetic must not move when prices change."""
    return load_catalog(DATA / "pricing-fixture.yaml")


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    return load_catalog(ROOT / "gpt41cost" / "pricing.yaml")


@dataclass(frozen=True)
class Run:
    """One ``gpt41cost`` run: what a caller of the program sees."""

    exit_code: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr as a terminal shows them, interleaved in the order written

    @classmethod
    def of_process(cls, done: subprocess.CompletedProcess[bytes]) -> Run:
        """The same view of a run in a process of its own (stdout and stderr captured apart)."""
        out, err = (b.decode("utf-8", "replace") if b else "" for b in (done.stdout, done.stderr))
        return cls(done.returncode, out, err, err + out)

    def json(self, code: int | None = None) -> Any:
        """stdout parsed as JSON (with ``code``, once the exit code is checked)."""
        assert code is None or self.exit_code == code, self.stderr
        try:
            return json.loads(self.stdout)
        except ValueError:
            message = f"exit {self.exit_code}, stdout is not JSON: {self.stdout[:200]!r} {self.stderr}"
            raise AssertionError(message) from None


Arg = str | PathLike[str] | int


class Cli:
    """Runs the program's entry point (``gpt41cost.cli.main``, what the ``gpt41cost`` script
    calls) in this process, with stdin, stdout, stderr and the environment of its own. An
    exception the program lets escape fails the test with its traceback, as it would print one."""

    def __init__(self, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()) -> None:
        self.head, self.tail = head, tail

    def __call__(
        self,
        *args: Arg | Sequence[Arg],
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        expect: int | tuple[int, ...] | None = None,
        encoding: str = "utf-8",
    ) -> Run:
        """``gpt41cost ARGS`` (each argument a string, path or number, or a list of them); with
        ``expect``, the exit code (or one of them) the run must end with; ``encoding`` is that of
        the standard streams (an ASCII or Latin-1 terminal)."""
        from typer.testing import CliRunner

        from gpt41cost.cli import main

        argv = [*self.head, *(str(a) for arg in args for a in _flat(arg)), *self.tail]
        sigterm = signal.getsignal(signal.SIGTERM)  # main() installs its own handler: keep pytest's
        try:
            with CliRunner(charset=encoding).isolation(input=input, env=env) as (out, err, both):
                try:
                    main(argv)
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                run = Run(code, *(_text(stream, encoding) for stream in (out, err, both)))
        finally:
            signal.signal(signal.SIGTERM, sigterm)
        if expect is not None:
            assert run.exit_code in ((expect,) if isinstance(expect, int) else expect), run.stderr
        return run

    def start(
        self,
        *args: Arg | Sequence[Arg],
        script: str | None = None,
        stdin: Any = subprocess.DEVNULL,
        stdout: Any = subprocess.PIPE,
        stderr: Any = subprocess.PIPE,
        close: int | None = None,
    ) -> subprocess.Popen[bytes]:
        """``gpt41cost ARGS`` (or ``python -c SCRIPT ARGS``) in a process of its own, from the
        repository root, under the memory limit (:func:`process_limits`): for what only a real
        process shows (signals, closed or full streams, killed workers, a hang or a memory blow-up
        stopped by the limits). The environment is the test's (its pinned date)."""
        head = ["-c", script] if script is not None else ["-m", "gpt41cost"]
        argv = [*self.head, *(str(a) for arg in args for a in _flat(arg)), *self.tail]
        return subprocess.Popen(
            [sys.executable, *head, *argv],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=process_limits(close),
            cwd=ROOT,
        )

    def process(self, *args: Arg | Sequence[Arg], **kw: Any) -> Run:
        """:meth:`start`, then wait for the end (at most TIMEOUT_S, then it is killed and the test fails)."""
        with self.start(*args, **kw) as p:
            try:
                out, err = p.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
                raise
        return Run.of_process(subprocess.CompletedProcess(p.args, p.returncode, out, err))

    def json(self, *args: Arg | Sequence[Arg], code: int = 0, **kw: Any) -> Any:
        """The ``--format json`` document of a run that exits ``code`` (``-f json`` is added)."""
        run = self(*args, "-f", "json", **kw)
        assert run.exit_code == code, run.stderr
        return run.json()

    def bound(self, *head: str, tail: Sequence[str] = ()) -> Cli:
        """The same runner with arguments put before and after each run's own."""
        return Cli((*self.head, *head), (*tuple(tail), *self.tail))


def _flat(arg: Arg | Sequence[Arg]) -> Iterator[Arg]:
    if isinstance(arg, (list, tuple)):
        yield from arg
    else:
        yield arg  # type: ignore[misc]


def _text(stream: Any, encoding: str) -> str:
    return stream.getvalue().decode(encoding, "replace").replace("\r\n", "\n")


@pytest.fixture
def cli() -> Cli:
    """``cli(*args, input=None, env=None)`` runs ``gpt41cost ARGS``; see :class:`Cli`."""
    return Cli()
