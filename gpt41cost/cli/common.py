"""What every command shares: error handling, the catalog of the run, output (the options: options.py)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import typer

from ..errors import ExitCode, Gpt41CostError, OutputError, ParameterError, Terminated, UnknownModelError

F = TypeVar("F", bound=Callable[..., Any])


def flags_of(fn: Callable[..., Any]) -> dict[str, str]:
    """A command's parameters by the long flag that sets each (``read_as`` is ``--as``)."""
    import typing

    out: dict[str, str] = {}
    for name, hint in typing.get_type_hints(fn, include_extras=True).items():
        for meta in getattr(hint, "__metadata__", ()):
            # In Annotated[..., typer.Option("--flag", ...)] typer keeps the first declaration as `default`.
            decls = [getattr(meta, "default", None), *(getattr(meta, "param_decls", None) or ())]
            longs = [d.split("/")[0] for d in decls if isinstance(d, str) and d.startswith("--")]
            if longs:
                out[name] = longs[0]
    return out


def say(line: str) -> None:
    """One line on stderr, every control and invisible character in it escaped (no escape sequence
    or forged line reaches the terminal: ``report.printable``, the last guard, which leaves what
    :func:`shown` returned as it is). A closed or full stderr loses the line, not the exit code."""
    from ..report import printable

    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(printable(line) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # nowhere left to say it


def shown(message: str) -> str:
    """A message of the library (an error's, a warning's: input text in it as it is, ``errors.quoted``)
    as stderr shows it: escaped once as every report shows text (``report.display``), so a real
    U+200D (``\\u200d``) and the text ``\\u200d`` (``\\\\u200d``) read apart."""
    from ..report import display

    return display(message)


def die(err: Gpt41CostError, command: Callable[..., Any] | None = None) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise; API parameters are named as ``command``'s flags."""
    message = err.message
    if isinstance(err, ParameterError) and command is not None:
        flags = flags_of(command)
        message = err.named(lambda p: flags.get(p, p))
    say(f"gpt41cost: error: {shown(message)}")
    return typer.Exit(int(err.exit_code))


def handles_errors(fn: F) -> F:
    """Turn named errors into one stderr line and their exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Gpt41CostError as err:
            if isinstance(err, UnknownModelError) and not err.params and err.name in (kwargs.get("models") or ()):
                # a name given with -m, looked up outside the API: say so, as other flags do
                raise die(err.of("models"), fn) from None
            raise die(err, fn) from None
        except Terminated:
            say("gpt41cost: terminated")
            raise typer.Exit(int(ExitCode.TERMINATED)) from None
        except KeyboardInterrupt:
            say("gpt41cost: interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`); nothing more to say
            _drop_stdout()
            raise typer.Exit(int(ExitCode.OK)) from None

    return wrapper  # type: ignore[return-value]


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of what could not be written
    does not print an "Exception ignored" line on its way out."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def emit(text: str) -> None:
    """Write a finished report to stdout in one go, so a failure never leaves half a report.
    A closed, full or failing stdout is one error (exit 7), not a traceback."""
    out = sys.stdout
    if out is None:
        raise OutputError("stdout is closed; run again with it open (e.g. > report.txt)")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        _drop_stdout()
        why = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"cannot write the report to stdout: {why}") from None


def emit_report(report: Any, fmt: Any, table: str | None = None) -> None:
    """Render ``report`` and write it to stdout; its warnings (notes that change what a figure
    means: a stale catalog's among them, in the reports whose figures rest on its prices and
    limits) go to stderr first, in every format."""
    from ..report import pick_table, render

    value = fmt.value if isinstance(fmt, Enum) else str(fmt)
    if table is not None and value != "csv":
        from ..errors import UsageError

        raise UsageError("--table picks a CSV table; use it with --format csv")
    if table not in (None, "help"):
        pick_table(report, table)  # an unknown name is one line before anything is written
    warnings = report.warnings
    shown = report
    if value == "html":  # the page lists every warning of the run, those written while reading too
        from dataclasses import replace

        shown = replace(report, warnings=list(dict.fromkeys([*_WARNED, *warnings])))
    text = render(shown, value, table, terminal_width(), ascii=ascii_output(), encoding=output_encoding())
    for message in warnings:
        warn(message)
    emit(text)


#: What the table format's rules and bars are drawn with when stdout could not show them.
_BOX = "─█▏▎▍▌▋▊▉│▒░▓"


def ascii_output() -> bool:
    """Rules and bars in ASCII: stdout's encoding cannot write box and block characters (an
    ASCII or Latin-1 locale), or ``TERM=dumb``. ``NO_COLOR`` changes nothing: they have no colour."""
    import os

    if os.environ.get("TERM") == "dumb":
        return True
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        _BOX.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def output_encoding() -> str | None:
    """stdout's encoding when it may not carry every character (an ASCII or Latin-1 locale,
    ``PYTHONIOENCODING=ascii``): the report escapes what it cannot write. None for UTF-8."""
    import codecs

    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return None
    try:
        return None if codecs.lookup(encoding).name.startswith("utf") else encoding
    except LookupError:
        return "ascii"


def is_terminal(stream: Any) -> bool:
    """True when ``stream`` (sys.stdout or sys.stderr) is an open terminal; False when it is a
    file, a pipe, closed (``2>&-``: Python then sets it to None) or failing (whoever writes to it
    reports that)."""
    try:
        return stream is not None and bool(stream.isatty())
    except (OSError, ValueError):  # a closed file object
        return False


def terminal_width() -> int | None:
    """The width the table format fits: $COLUMNS, else the terminal's; None (no limit) when
    stdout is not a terminal and $COLUMNS is not set, so piped output keeps whole lines."""
    import os
    import shutil

    if os.environ.get("COLUMNS", "").isdigit() or is_terminal(sys.stdout):
        return max(40, shutil.get_terminal_size((100, 24)).columns)
    return None


#: The warnings this run wrote to stderr (the HTML report lists them all); cleared as a command starts.
_WARNED: list[str] = []


def warn(message: str) -> None:
    _WARNED.append(message)
    say(f"gpt41cost: warning: {shown(message)}")


def forget_warnings() -> None:
    """A new command: no warning written yet (one process may run several, as tests do)."""
    _WARNED.clear()


#: Environment variable fixing the date of every run (as --as-of does for one).
AS_OF_ENV = "GPT41COST_AS_OF"


def run_date(as_of: str | None) -> Any:
    """The date of the run: --as-of, else $GPT41COST_AS_OF, else today in UTC (the one place the CLI
    reads the clock)."""
    import os

    from .. import lifecycle
    from ..errors import UsageError
    from ..lifecycle import AS_OF, RunDate, parse_day

    where = AS_OF
    if as_of is None:
        as_of = os.environ.get(AS_OF_ENV) or None
        where = f"${AS_OF_ENV}"
    if as_of is None:
        return lifecycle.today()
    try:
        return RunDate.of(parse_day(as_of.strip()), where)  # the reports say where it came from
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}; give a date such as 2026-12-06") from None


def load_catalog_opt(pricing: str | None, as_of: str | None = None) -> Any:
    """The catalog as on the run's date (--as-of, else $GPT41COST_AS_OF, else today in UTC): the prices
    in force that day."""
    from ..catalog import catalog_path, load_catalog

    day = run_date(as_of)  # a bad flag is reported before the catalog is read
    return load_catalog(catalog_path(pricing)).on(day)


def show(result: Any, fmt: Any, table: str | None = None) -> None:
    """Print an API result in the format asked for (``table``: the CSV table); its warnings go
    to stderr (:func:`emit_report`)."""
    emit_report(result.report(), fmt, table)


def reading(
    include: list[str] | None,
    exclude: list[str] | None,
    encoding: str,
    read_as: list[str] | None,
    image_size: str | None,
    skip_bad: bool,
    bar: Any,
) -> dict[str, Any]:
    """The reading options estimate, limits and plan pass to the API (one reading path), with
    the progress bar ``bar`` told of bytes read and the skipped inputs warned of on stderr."""
    return {
        "include": include or (),
        "exclude": exclude or (),
        "encoding": encoding,
        "read_as": read_as,
        "image_size": image_size,
        "skip_bad": skip_bad,
        "on_progress": bar.advance,
        "on_total": bar.set_total,
        "on_warning": warn,
    }


def openai_client(
    key_variable: str, base_url: str | None, timeout: float, retries: int, backoff: float, connections: int = 1
) -> Any:
    """A client of OpenAI's API (usage --from-api, verify): the key read from ``key_variable``
    only; the base URL from --base-url, else $OPENAI_BASE_URL, else OpenAI's."""
    import os

    from ..openai_http import DEFAULT_BASE_URL, OpenAIClient

    url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    key = os.environ.get(key_variable, "")
    return OpenAIClient(
        key,
        base_url=url,
        key_variable=key_variable,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        connections=connections,
    )
