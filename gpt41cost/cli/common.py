"""What every command shares: options defined once, error handling, output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from ..errors import ExitCode, Gpt41CostError, OutputError, ParameterError, Terminated

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        metavar="table|json|csv|markdown|html",
        help="Output format: table (for people), json, csv (one table, see --table), markdown or html "
        "(one self-contained page with charts).",
    ),
]
TableOpt = Annotated[
    str | None,
    typer.Option(
        "--table",
        metavar="NAME",
        help="With --format csv: the table to write instead of the default one; --table help lists them.",
        show_default=False,
    ),
]
PricingOpt = Annotated[
    str | None,
    typer.Option(
        "--pricing",
        help="Pricing catalog YAML to use instead of the shipped one (also $GPT41COST_PRICING).",
        metavar="FILE",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="The date of the run: prices in force and model status (active, deprecated, shut down) on it "
        "[default: today].",
        show_default=False,
    ),
]
# Options of the commands that call OpenAI's API (usage --from-api, verify), defined once.
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        metavar="URL",
        help="API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1).",
        show_default=False,
        rich_help_panel="From the API",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", min=0.1, metavar="SECONDS", help="Per connect and per read.", rich_help_panel="From the API"
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        help="Retries on 429, 5xx and network failures, with backoff.",
        rich_help_panel="From the API",
    ),
]
BackoffOpt = Annotated[
    float,
    typer.Option(
        "--backoff",
        min=0,
        metavar="SECONDS",
        help="First wait before a retry; doubles each time (a Retry-After from the server wins).",
        rich_help_panel="From the API",
    ),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        help="Model to report (alias, snapshot or ft: name); repeat for several. Default: all three.",
        show_default=False,
    ),
]


CalibrateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--calibrate-from",
        metavar="FILE",
        help="Usage records (anything `gpt41cost usage` reads): use each model's observed output tokens per "
        "request and cache hit rate instead of assumed ones (explicit flags still win).",
        show_default=False,
    ),
]


# Options of every command that reads prompt and request files (estimate, limits, plan): one
# reading path (gpt41cost.readers.inputs.gather), the same options.
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--include", metavar="GLOB", help="Glob of files to take from directories (repeatable).", show_default=False
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude", metavar="GLOB", help="Glob of files to skip in directories (repeatable).", show_default=False
    ),
]
EncodingOpt = Annotated[str, typer.Option("--encoding", metavar="NAME", help="Text encoding of prompt files.")]
AsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--as",
        metavar="KIND[=GLOB]",
        help="Read every input as KIND (text, chat, responses, batch, finetune, prompts or image), or with "
        "KIND=GLOB only the files matching GLOB (repeatable, e.g. --as text=*.j2), instead of deciding from "
        "the extension and content.",
        show_default=False,
    ),
]
ImageSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--image-size",
        metavar="WxH",
        help="Size to assume for remote images (http URLs, file ids), which cannot be read offline.",
        show_default=False,
    ),
]
SkipBadOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Skip bad lines of JSONL files and data files that do not parse (each reported on stderr) "
        "instead of stopping at the first.",
    ),
]


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
    """One line on stderr, every character from an input shown printable (no escape sequence or
    forged line reaches the terminal). A closed or full stderr loses the line, not the exit code."""
    from ..report import printable

    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(printable(line) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # nowhere left to say it


def die(err: Gpt41CostError, command: Callable[..., Any] | None = None) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise; API parameters are named as ``command``'s flags."""
    message = err.message
    if isinstance(err, ParameterError) and command is not None:
        flags = flags_of(command)
        message = err.named(lambda p: flags.get(p, p))
    say(f"gpt41cost: error: {message}")
    return typer.Exit(int(err.exit_code))


def handles_errors(fn: F) -> F:
    """Turn named errors into one stderr line and their exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Gpt41CostError as err:
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
    means) go to stderr first, in every format."""
    from ..report import pick_table, render

    value = fmt.value if isinstance(fmt, Enum) else str(fmt)
    if table is not None and value != "csv":
        from ..errors import UsageError

        raise UsageError("--table picks a CSV table; use it with --format csv")
    if table not in (None, "help"):
        pick_table(report, table)  # an unknown name is one line before anything is written
    shown = report
    if value == "html":  # the page lists every warning of the run, those written while reading too
        from dataclasses import replace

        shown = replace(report, warnings=list(dict.fromkeys([*_WARNED, *report.warnings])))
    text = render(shown, value, table, terminal_width())
    for message in report.warnings:
        warn(message)
    emit(text)


def terminal_width() -> int | None:
    """The width the table format fits: $COLUMNS, else the terminal's; None (no limit) when
    stdout is not a terminal and $COLUMNS is not set, so piped output keeps whole lines."""
    import os
    import shutil

    try:
        tty = sys.stdout is not None and sys.stdout.isatty()
    except (OSError, ValueError):  # closed or failing: emit() reports it
        tty = False
    if os.environ.get("COLUMNS", "").isdigit() or tty:
        return max(40, shutil.get_terminal_size((100, 24)).columns)
    return None


#: The warnings this run wrote to stderr (the HTML report lists them all); cleared as a command starts.
_WARNED: list[str] = []


def warn(message: str) -> None:
    _WARNED.append(message)
    say(f"gpt41cost: warning: {message}")


def forget_warnings() -> None:
    """A new command: no warning written yet (one process may run several, as tests do)."""
    _WARNED.clear()


#: Environment variable fixing the date of every run (as --as-of does for one).
AS_OF_ENV = "GPT41COST_AS_OF"


def run_date(as_of: str | None) -> Any:
    """The date of the run: --as-of, else $GPT41COST_AS_OF, else today (the one place the CLI
    reads the clock)."""
    import os
    from datetime import date

    from ..errors import UsageError
    from ..lifecycle import parse_day

    where = "--as-of"
    if as_of is None:
        as_of = os.environ.get(AS_OF_ENV) or None
        where = f"${AS_OF_ENV}"
    if as_of is None:
        return date.today()
    try:
        return parse_day(as_of.strip())
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}; give a date such as 2026-12-06") from None


def load_catalog_opt(pricing: str | None, as_of: str | None = None) -> Any:
    """The catalog as on the run's date (--as-of, default today): the prices in force that day."""
    from ..catalog import catalog_path, load_catalog

    day = run_date(as_of)  # a bad flag is reported before the catalog is read
    return load_catalog(catalog_path(pricing)).on(day)


def _number_parser(flag: str, parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A typer ``parser=`` for a number flag: the one parser (gpt41cost.numbers), its one-line error."""
    from ..errors import UsageError
    from ..numbers import NumberError

    def convert(value: Any) -> Any:
        if not isinstance(value, str):  # a default, already a value
            return value
        try:
            return parse(value)
        except NumberError as exc:
            raise die(UsageError(f"{flag}: {exc}")) from None

    convert.__name__ = "N"  # what --help shows as the metavar when none is given
    return convert


def count(flag: str, rng: Any = None) -> Callable[[Any], Any]:
    """Parser of a whole-number flag: 1000000, 1_000_000, 1,000,000 or 1e6, within ``rng``
    (default: tokens per request)."""
    from ..numbers import TOKENS, parse_count

    return _number_parser(flag, lambda text: parse_count(text, rng or TOKENS))


def decimal(flag: str, rng: Any) -> Callable[[Any], Any]:
    """Parser of an exact decimal flag within ``rng``."""
    from ..numbers import parse_decimal

    return _number_parser(flag, lambda text: parse_decimal(text, rng))


def share(flag: str, rng: Any = None) -> Callable[[Any], Any]:
    """Parser of a rate or share flag: 0.8 or 80% (0 to 1 unless ``rng`` says otherwise)."""
    from ..numbers import SHARE, parse_share

    return _number_parser(flag, lambda text: parse_share(text, rng or SHARE))


def show(result: Any, fmt: Format, table: str | None = None) -> None:
    """Print an API result in the format asked for (``table``: the CSV table); its warnings go
    to stderr (:func:`emit_report`)."""
    emit_report(result.report(), fmt, table)
