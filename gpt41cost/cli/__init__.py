"""The typer app: thin commands over readers -> core -> report."""

from __future__ import annotations

import functools
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__

#: The commands, in the order ``--help`` lists them; each is declared in the module of its name
#: (``gpt41cost/cli/usage.py``: ``usage``), which registers it on :data:`app` when imported.
COMMANDS = ("estimate", "limits", "plan", "usage", "pricing", "rules", "verify")


def _build(name: str) -> Any:
    """The framework's command ``name``, built from its module alone (imported here)."""
    import importlib

    from typer.main import get_command_from_info

    importlib.import_module(f"{__name__}.{name}")
    info = next(i for i in app.registered_commands if i.name == name)
    return get_command_from_info(
        info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
    )


class _Commands(MutableMapping[str, Any]):
    """The group's commands by name, each built on first use: a run builds (and imports) only the
    command it runs, where typer would build every command of the app (and the CLI imports every
    command's module) first. Its keys are :data:`COMMANDS`, in order, and any command added."""

    def __init__(self, built: MutableMapping[str, Any]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._built if n not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(n not in COMMANDS for n in self._built)


class _Group(TyperGroup):
    """typer's group over :class:`_Commands`: ``--help``, shell completion and the suggestion for a
    mistyped command see every command; running one builds only it."""

    def __init__(self, *, commands: Any = None, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(commands or {})

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    name="gpt41cost",
    cls=_Group,
    help=(
        "Cost and capacity planning for OpenAI's GPT-4.1 family (gpt-4.1, gpt-4.1-mini, gpt-4.1-nano), "
        "from your real prompt, request and usage files. Offline: nothing is downloaded."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gpt41cost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Cost and capacity planning for OpenAI's GPT-4.1 family, offline."""
    from .common import forget_warnings

    forget_warnings()


def _framework() -> Any:
    """The command-line framework's exceptions module: typer 0.28 vendors click as
    ``typer._click``; older typer releases use click itself."""
    import importlib

    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:
        return importlib.import_module("click.exceptions")


def _abort_type() -> type[BaseException]:
    """The framework's Abort (raised on Ctrl-C inside the framework): click keeps it in
    ``click.exceptions``; typer 0.28 moved it to ``typer.exceptions``, not ``typer._click``."""
    import importlib

    for name in ("typer.exceptions", "typer._click.exceptions", "click.exceptions"):
        try:
            found = getattr(importlib.import_module(name), "Abort", None)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, BaseException):
            return found
    return KeyboardInterrupt


def _terminate(signum: int, frame: Any) -> None:
    from ..errors import Terminated

    raise Terminated()


def _guard_streams() -> None:
    """SIGTERM ends a command as Ctrl-C does (one line, workers stopped, exit 143); a standard
    stream closed by the caller is held by /dev/null, so no file the command opens later takes
    its descriptor (and what would go to it goes nowhere). Python leaves such a stream None: a
    closed stdout is the report's error (exit 7), a closed stdin the reader's."""
    import os
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                held = os.open(os.devnull, os.O_RDWR)
                if held != fd:
                    os.dup2(held, fd)
                    os.close(held)
            except OSError:
                pass


@functools.cache
def _command() -> Any:
    """The command-line framework's command that typer builds from ``app``, built once in a
    process: the group only (each command is built when first used, :class:`_Commands`), and what
    it builds holds no state of a run, so a program that calls :func:`main` again (the tests) reuses it. Calling
    it is what ``app()`` does, less installing typer's exception hook, which with
    ``pretty_exceptions_enable=False`` hands every exception to Python's own."""
    from typer.main import get_command

    return get_command(app)


def main(args: list[str] | None = None) -> None:
    """Run the CLI. Errors the command-line framework finds itself (an unknown option, a bad
    choice such as ``-f xml``, a non-integer value) are one line on stderr with the usage exit
    code, like the project's own errors, not the framework's usage block."""
    import sys

    from ..errors import ExitCode
    from .common import say

    _guard_streams()
    fw = _framework()
    abort = _abort_type()
    try:
        code = _command()(args=args, prog_name="gpt41cost", standalone_mode=False)
    except fw.ClickException as exc:
        no_args = getattr(fw, "NoArgsIsHelpError", None)
        if no_args is not None and isinstance(exc, no_args):  # a bare command: its help, as before
            exc.show()
            sys.exit(exc.exit_code)
        usage = isinstance(exc, fw.UsageError)
        ctx = getattr(exc, "ctx", None)
        hint = f"; see '{_help_path(ctx, sys.argv[1:] if args is None else args)} --help'" if usage else ""
        message = " ".join(line.strip() for line in exc.format_message().splitlines() if line.strip()).rstrip(".")
        say(f"gpt41cost: error: {message}{hint}")
        sys.exit(int(ExitCode.USAGE) if usage else exc.exit_code)
    except abort:
        say("gpt41cost: interrupted")
        sys.exit(130)
    except SystemExit as exc:
        if _closed_pipe(exc):  # the reader went away during --help or --version: as the commands do
            from .common import _drop_stdout

            _drop_stdout()
            sys.exit(int(ExitCode.OK))
        raise
    except OSError as exc:
        if not _framework_wrote(exc):  # not the framework's own writing (help, version): a bug, its traceback
            raise
        from .common import _drop_stdout

        _drop_stdout()  # so the process's last flush does not fail again
        say(f"gpt41cost: error: cannot write to stdout: {exc.strerror or exc}")
        sys.exit(int(ExitCode.OUTPUT))
    sys.exit(code if isinstance(code, int) else 0)


def _help_path(ctx: Any, args: list[str]) -> str:
    """The command whose ``--help`` a usage error points to: the error's own, else (an option's
    missing or extra value, which the framework's parser raises without one) the command named
    first on the command line, the one the option belongs to; else the program's."""
    if ctx is not None:
        return str(ctx.command_path)
    name = next((a for a in args if not a.startswith("-")), None)
    return f"gpt41cost {name}" if name in COMMANDS else "gpt41cost"


def _closed_pipe(exc: SystemExit) -> bool:
    """Is ``exc`` the framework's own exit (code 1) for a closed pipe, raised while it handled the
    EPIPE of writing ``--help`` or ``--version`` (e.g. ``| head -0``)? The commands end such a run
    with exit 0 (:func:`~gpt41cost.cli.common.handles_errors`), and so does this."""
    import errno

    cause = exc.__context__
    return exc.code == 1 and isinstance(cause, OSError) and cause.errno == errno.EPIPE


def _framework_wrote(exc: BaseException) -> bool:
    """Was ``exc`` raised writing what the command-line framework writes itself (``--help``,
    ``--version``: its ``echo``) to a full or failing stdout? The commands write through
    :func:`~gpt41cost.cli.common.emit`, which says so itself."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_globals.get("__name__") in ("click.utils", "typer._click.utils")


def run() -> None:
    """The installed script's entry point (and ``python -m gpt41cost``): :func:`main`, then the end
    the interpreter would give it (:func:`finish`) without freeing every object one by one first.
    After ``usage`` on a 200,000-line log that teardown (every module and what it holds) cost 46.5
    million instructions after the report was written (callgrind). An exception :func:`main` does
    not turn into an exit code leaves through the interpreter as before (its traceback). Large
    structures the readers are done with are kept until then too (``readers.KEPT_TILL_EXIT``): the
    id hashes of a 1,000,000-line usage log took 37 ms to free, after its last worker had finished."""
    import os

    from .. import readers

    readers.KEPT_TILL_EXIT = []
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exit_code(exc)
    os._exit(finish(code))


def exit_code(exc: SystemExit) -> int:
    """The exit code the interpreter gives ``exc`` (a message in ``exc.code`` is printed to stderr
    and gives 1)."""
    import sys

    if not isinstance(exc.code, int | None):
        print(exc.code, file=sys.stderr)
        return 1
    return exc.code or 0


def finish(code: int) -> int:
    """What the interpreter does as it ends, but freeing nothing: the threading module's exit hooks
    (a process pool left running is told to shut down), then the other threads joined (joining
    them alone would wait forever on such a pool's thread), the exit functions run and the
    standard streams flushed. Returns ``code``, or 120 when a flush fails (as the interpreter)."""
    import atexit
    import sys
    import threading

    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            code = 120
    return code
