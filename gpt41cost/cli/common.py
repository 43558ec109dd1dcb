"""What every command shares: options defined once, error handling, output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from ..errors import ExitCode, Gpt41CostError

F = TypeVar("F", bound=Callable[..., Any])


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        metavar="table|json|csv|markdown",
        help="Output format: table (for people), json, csv or markdown.",
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


def die(err: Gpt41CostError) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    typer.echo(f"gpt41cost: error: {err.message}", err=True)
    return typer.Exit(int(err.exit_code))


def handles_errors(fn: F) -> F:
    """Turn named errors into one stderr line and their exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Gpt41CostError as err:
            raise die(err) from None
        except KeyboardInterrupt:
            typer.echo("gpt41cost: interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`); nothing more to say
            sys.stderr.close()
            raise typer.Exit(int(ExitCode.OK)) from None

    return wrapper  # type: ignore[return-value]


def emit(text: str) -> None:
    """Write a finished report to stdout in one go, so a failure never leaves half a report."""
    sys.stdout.write(text)
    sys.stdout.flush()


def warn(message: str) -> None:
    typer.echo(f"gpt41cost: warning: {message}", err=True)


def load_catalog_opt(pricing: str | None) -> Any:
    from ..catalog import catalog_path, load_catalog

    return load_catalog(catalog_path(pricing))
