"""The typer app: thin commands over readers -> core -> report."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__

app = typer.Typer(
    name="gpt41cost",
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


# Commands register themselves on import, in the order --help lists them.
from . import estimate, limits, plan, usage, pricing, rules, verify  # noqa: E402, F401, I001


def main() -> None:
    app(prog_name="gpt41cost")
