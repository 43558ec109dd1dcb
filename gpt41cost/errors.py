"""Named errors and exit codes.

Every error a user can cause is a subclass of :class:`Gpt41CostError`; the CLI prints its
message as one line on stderr and exits with its ``exit_code``. Nothing else is caught.
"""

from __future__ import annotations

import signal
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    CHECK_FAILED = 1  # a gate failed: over budget, over limits, a batch file OpenAI would reject
    USAGE = 2  # a bad flag or flag value (also what click uses for its own usage errors)
    INPUT = 3  # a bad input file: missing, unreadable, not UTF-8, malformed, empty
    CATALOG = 4  # a bad pricing catalog
    VOCABULARY = 5  # the tokenizer vocabulary is missing or does not match its sha256
    API = 6  # an opt-in OpenAI API call failed: no or wrong key, unreachable, refused, a malformed answer


class Gpt41CostError(Exception):
    """A user-facing error: one line, no traceback."""

    exit_code: ExitCode = ExitCode.INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(Gpt41CostError):
    """A bad command-line flag or flag value."""

    exit_code = ExitCode.USAGE


class InputError(Gpt41CostError):
    """A bad input file; the message names the file (and line)."""

    exit_code = ExitCode.INPUT


class CatalogError(Gpt41CostError):
    """A bad pricing catalog; the message names the file and the key path."""

    exit_code = ExitCode.CATALOG


class UnknownModelError(UsageError):
    """A model name the catalog does not know; the message lists close matches."""

    def __init__(self, name: str, suggestions: list[str], known: list[str]) -> None:
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else f"known: {', '.join(known)}"
        super().__init__(f"unknown model {name!r}: {hint}")
        self.name = name
        self.suggestions = suggestions


class VocabularyError(Gpt41CostError):
    """The o200k_base vocabulary could not be loaded offline or failed its sha256 check."""

    exit_code = ExitCode.VOCABULARY


class ApiError(Gpt41CostError):
    """An opt-in call to OpenAI's API failed (missing or refused key, network, HTTP error, a page
    that is not what the endpoint documents). The message never holds the key."""

    exit_code = ExitCode.API


class CheckFailed(Gpt41CostError):
    """A gate (budget, limits, batch pre-flight) failed; the report is still printed."""

    exit_code = ExitCode.CHECK_FAILED


class Skipped:
    """Bad lines skipped (``--skip-bad``): the first :attr:`KEEP` errors kept whole, in order, for
    the user to see; the rest only counted, so a file of millions of bad lines stays small."""

    KEEP = 10

    def __init__(self) -> None:
        self.first: list[InputError] = []
        self.count = 0

    def append(self, error: InputError) -> None:
        self.count += 1
        if len(self.first) < self.KEEP:
            self.first.append(error)

    def __iadd__(self, other: Skipped) -> Skipped:
        self.first += other.first[: self.KEEP - len(self.first)]
        self.count += other.count
        return self

    def __len__(self) -> int:
        return self.count

    def __getstate__(self) -> dict[str, object]:
        # InputError subclasses may not pickle (their __init__ differs): plain messages
        return {"first": [e.message for e in self.first], "count": self.count}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.first = [InputError(m) for m in state["first"]]  # type: ignore[attr-defined]
        self.count = state["count"]  # type: ignore[assignment]


def worker_ignores_interrupt() -> None:
    """Pool initializer: a worker process leaves Ctrl-C to the parent, which stops the pool and
    reports "interrupted" once (a terminal sends SIGINT to every process of the group, and each
    worker would otherwise print its own traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
