"""Named errors and exit codes.

Every error a user can cause is a subclass of :class:`Gpt41CostError`; the CLI prints its
message as one line on stderr and exits with its ``exit_code``. Nothing else is caught.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    CHECK_FAILED = 1  # a gate failed: over budget, over limits, a batch file OpenAI would reject
    USAGE = 2  # a bad flag or flag value (also what click uses for its own usage errors)
    INPUT = 3  # a bad input file: missing, unreadable, not UTF-8, malformed, empty
    CATALOG = 4  # a bad pricing catalog
    VOCABULARY = 5  # the tokenizer vocabulary is missing or does not match its sha256


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


class CheckFailed(Gpt41CostError):
    """A gate (budget, limits, batch pre-flight) failed; the report is still printed."""

    exit_code = ExitCode.CHECK_FAILED
