"""A ``gpt41cost`` run in the test process (the ``cli`` fixture) and the report it rendered.

A command builds one report whatever the format asked for, and writes it through one call of
:func:`gpt41cost.report.render` with the format, the CSV table, the terminal's width and the
output's ASCII and encoding options (``cli/common.emit_report``; no view reads the format or the
width). A test that reads one run in several formats runs it once and renders the other formats
from its report as the CLI would on the same terminal (:meth:`Rendered.again`), the run itself
checked to be that report's rendering. HTML aside: the CLI's page also lists the warnings written
while the inputs were read, which a report rendered again does not carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gpt41cost.report import Report

    from .conftest import Arg, Cli, Run


@dataclass(frozen=True)
class Rendered:
    """A run, and the arguments of the one render call it made."""

    run: Run
    report: Report
    fmt: str
    table: str | None
    width: int | None
    options: dict[str, Any]

    def again(self, fmt: str, table: str | None = None) -> str:
        """The report in ``fmt`` (and CSV ``table``), as the CLI writes it on the run's terminal."""
        from gpt41cost.report import render

        return render(self.report, fmt, table, self.width, **self.options)


def rendered(cli: Cli, monkeypatch: pytest.MonkeyPatch, *args: Arg | Sequence[Arg], **kw: Any) -> Rendered:
    """``gpt41cost ARGS`` (``kw``: the ``cli`` fixture's) and the report it rendered; the run's
    stdout is checked to be that rendering."""
    from gpt41cost import report

    calls: list[tuple[Any, ...]] = []
    render = report.render

    def kept(*args: Any, **options: Any) -> str:
        calls.append((*args, options))
        return render(*args, **options)

    monkeypatch.setattr(report, "render", kept)
    try:
        run = cli(*args, **kw)
    finally:
        monkeypatch.setattr(report, "render", render)
    assert len(calls) == 1, calls
    [(shown, fmt, table, width, options)] = calls
    done = Rendered(run, shown, fmt, table, width, options)
    assert done.again(fmt, table) == run.stdout
    return done
