"""A progress bar on stderr, shown only when stderr is a terminal and the work lasts."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

from .common import is_terminal

#: Seconds of work before the bar appears; quick runs never flash one.
SHOW_AFTER_SECONDS = 0.8


class Progress:
    """``with Progress(total, "Counting", unit="B") as p: p.advance(n)``; silent off a terminal."""

    def __init__(self, total: int | None, description: str, unit: str = "files", enabled: bool | None = None) -> None:
        self.total = total
        self.description = description
        self.unit = unit
        self.enabled = is_terminal(sys.stderr) if enabled is None else enabled
        self._start = time.monotonic()
        self._done = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def set_total(self, total: int) -> None:
        self.total = total or None
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if not self.enabled:
            return
        if self._bar is None and time.monotonic() - self._start >= SHOW_AFTER_SECONDS:
            self._open()
        if self._bar is not None:
            self._bar.update(self._task, completed=self._done)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
        columns += [MofNCompleteColumn()] if self.unit != "B" else []
        columns += [TextColumn(f"{self.unit}" if self.unit != "B" else ""), TimeElapsedColumn()]
        self._bar = RichProgress(*columns, console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, completed=self._done)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
