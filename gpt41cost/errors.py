"""Named errors and exit codes.

Every error a user can cause is a subclass of :class:`Gpt41CostError`; the CLI prints its
message as one line on stderr and exits with its ``exit_code``. Nothing else is caught.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: How an input is given on the command line and named in results: ``-`` is standard input.
STDIN = "-"


def source_name(source: str) -> str:
    """How a message names an input: standard input (``-``) as ``stdin``, a path as given (the
    one wording of every reader's errors and skipped records)."""
    return "stdin" if source == STDIN else source


def quoted(value: object) -> str:
    """A value from an input as a message quotes it: text in quotes, as it is (``'gpt-5'``; in
    double quotes when it holds a single one), anything else as Python writes it (``-1``,
    ``b'RIFF'``). The one way input text reaches a message: never escaped here, so that whatever
    shows the message escapes it once (``report.display``, by the CLI's stderr and the reports),
    and a real U+200D and the text ``\\u200d`` read differently there (``repr`` escaped the first,
    and the display escaped both again)."""
    if not isinstance(value, str):
        return repr(value)
    q = '"' if "'" in value and '"' not in value else "'"
    return q + value + q


#: What opens a parameter's place in a message template (:func:`slot`): a NUL and a random token
#: drawn when the package is imported. Text from an input can hold any character (a file name all
#: but NUL and '/', a log's text even NUL), so no fixed spelling is safe from it; a token the input
#: never sees is. Forked workers inherit it: their errors' templates read the same in the parent.
_SLOT = "\x00" + os.urandom(8).hex() + ":"
#: What closes a parameter's place.
_SLOT_END = "\x00"
#: A parameter's place in a template, the parameter's name its group.
_SLOTS = re.compile(re.escape(_SLOT) + "([^\x00]*)" + _SLOT_END)


def slot(param: str) -> str:
    """The place in a :class:`ParameterError`'s template where the parameter ``param`` is named:
    the one way to write it (``f"{path}: ...; pass {slot('skip_bad')} to skip it"``), spelled by
    :meth:`ParameterError.named` as the API's argument or the CLI's flag. No input's text, however
    it is interpolated into the template, reads as one."""
    return _SLOT + param + _SLOT_END


def slots(template: str) -> tuple[str, ...]:
    """The parameters ``template`` names with :func:`slot`, each once, in the order they first
    come: what a :class:`ParameterError` of ``template`` names (it is never told them again)."""
    return tuple(dict.fromkeys(_SLOTS.findall(template))) if _SLOT in template else ()


def unslotted(template: str, spell: Callable[[str], str]) -> str:
    """``template`` with each parameter's place spelled by ``spell`` (its name): the one way a
    place becomes text, so no message shows the marker."""
    return _SLOTS.sub(lambda m: spell(m.group(1)), template) if _SLOT in template else template


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    CHECK_FAILED = 1  # a gate failed: over budget, over limits, a batch file failing the pre-flight
    USAGE = 2  # a bad flag or flag value (also what click uses for its own usage errors)
    INPUT = 3  # a bad input file: missing, unreadable, not UTF-8, malformed, empty
    CATALOG = 4  # a bad pricing catalog
    VOCABULARY = 5  # the tokenizer vocabulary is missing or does not match its sha256
    API = 6  # an opt-in OpenAI API call failed: no or wrong key, unreachable, refused, a malformed answer
    OUTPUT = 7  # stdout is closed, full or failing: the report could not be written
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM


class Gpt41CostError(Exception):
    """A user-facing error: one line, no traceback."""

    exit_code: ExitCode = ExitCode.INPUT

    def __init__(self, message: str) -> None:
        # a parameter's place (slot) in an error that names no parameter: its name, never the marker
        message = unslotted(message, str)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # whole across a process boundary (a forked reader's error): its attributes as they are,
        # whatever its __init__ takes (pickle's default calls it again with the message alone)
        return _rebuilt, (type(self), self.__dict__)


def _rebuilt(cls: type[Gpt41CostError], state: dict[str, Any]) -> Gpt41CostError:
    err = cls.__new__(cls)
    Exception.__init__(err, state["message"])
    err.__dict__.update(state)
    return err


class UsageError(Gpt41CostError):
    """A bad command-line flag or flag value."""

    exit_code = ExitCode.USAGE


class ParameterError(UsageError):
    """A bad argument: an API parameter, which is a flag on the command line.

    The message template writes each parameter it names with :func:`slot`; :attr:`message` spells
    it as the Python parameter (``output_tokens: must be 0 or more``), and the CLI re-spells it as
    its flag with :meth:`named` (``--output-tokens: must be 0 or more``). Only those places are
    spelled: text from an input in the template is left as it is (a file named ``{skip_bad}.jsonl``).
    """

    def __init__(self, template: str, *, api: Mapping[str, str] | None = None) -> None:
        self.template = template
        #: the parameters the message names, read from its slots in the order the template first
        #: names them: one way, so no slot goes without its parameter and no parameter without a slot
        self.params = slots(template)
        #: how the API spells a parameter that is no argument of the function raising the error (the
        #: CLI's --emit-workload is the API's ``Usage.workload_yaml()``); the others as themselves
        self.api = dict(api or {})
        super().__init__(self.named(lambda p: self.api.get(p, p)))

    def named(self, spell: Callable[[str], str]) -> str:
        """The message with each named parameter spelled by ``spell``."""
        return unslotted(self.template, spell)


class InputError(Gpt41CostError):
    """A bad input file; the message names the file (and line)."""

    exit_code = ExitCode.INPUT


#: How the API names the command line's ``--emit-workload`` (parameter ``emit_workload``): the usage
#: result's method, which takes ``tier`` and ``budget`` (``ParameterError(..., api=WORKLOAD_YAML)``).
WORKLOAD_YAML = {"emit_workload": "Usage.workload_yaml()"}


class InputParameterError(InputError, ParameterError):
    """An input that cannot serve what an argument asks (``forecast`` of usage with no dated
    record): a bad input, with its exit code, whose message names the argument as a
    :class:`ParameterError` does (the API's parameter; the CLI's flag)."""

    exit_code = ExitCode.INPUT


class Uncountable(InputError):
    """An input gpt41cost will not count (a run too long for its tokenizer, a key given twice):
    its own limit or rule, not OpenAI's, so never a Batch pre-flight finding; the message names
    the file and line."""


class CatalogError(Gpt41CostError):
    """A bad pricing catalog; the message names the file and the key path."""

    exit_code = ExitCode.CATALOG


class UnknownModelError(ParameterError):
    """A model name the catalog does not know; the message lists close matches. Raised where a
    name is looked up (a file's, a flag's), naming no parameter; :meth:`of` names the one that
    gave it (an API argument, a flag), as every bad argument is named."""

    def __init__(self, name: str, suggestions: list[str], known: list[str], param: str | None = None) -> None:
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else f"known: {', '.join(known)}"
        text = f"unknown model {quoted(name)}: {hint}"
        if param is None:
            super().__init__(text)
        else:
            super().__init__(slot(param) + ": " + text)
        self.name = name
        self.suggestions = suggestions
        self.known = known

    def of(self, param: str) -> UnknownModelError:
        """The same error, the name given as ``param``."""
        return UnknownModelError(self.name, self.suggestions, self.known, param)


class VocabularyError(Gpt41CostError):
    """The o200k_base vocabulary could not be loaded offline or failed its sha256 check."""

    exit_code = ExitCode.VOCABULARY


class ApiError(Gpt41CostError):
    """An opt-in call to OpenAI's API failed (missing or refused key, network, HTTP error, a page
    that is not what the endpoint documents). The message never holds the key; ``status`` is the
    HTTP status of a refused call (None when there was no answer)."""

    exit_code = ExitCode.API

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OutputError(Gpt41CostError):
    """The report could not be written: stdout closed, full (``> /dev/full``) or failing."""

    exit_code = ExitCode.OUTPUT


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread by the CLI's handler: the command stops as on Ctrl-C
    (pools stop their workers on the way out) and says so in one line."""


class CheckFailed(Gpt41CostError):
    """A gate (budget, limits, batch pre-flight) failed; the report is still printed."""

    exit_code = ExitCode.CHECK_FAILED


class BatchRejected(CheckFailed):
    """Batch files failing the pre-flight and no request left to price: ``result`` is their
    pre-flight (a result with a report, which the CLI prints before this error's line)."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class Skipped(Generic[T]):
    """Bad inputs skipped: the first :attr:`keep` kept whole, in order, for the user to see; the
    rest only counted (in all and per reason), so a file of millions of bad lines stays small.

    The one "keep the first N, count the rest" of the package: ``--skip-bad`` keeps
    :class:`InputError` s (10), ``usage`` keeps its :class:`~gpt41cost.usage.Skip` records (20).
    """

    KEEP = 10

    def __init__(self, keep: int | None = None) -> None:
        self.keep = self.KEEP if keep is None else keep
        self.first: list[T] = []
        self.count = 0
        #: skips per reason, when the caller names one
        self.by_reason: dict[str, int] = {}

    def append(self, item: T, reason: str | None = None) -> None:
        self.count += 1
        if reason is not None:
            self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.first) < self.keep:
            self.first.append(item)

    def __iadd__(self, other: Skipped[T]) -> Skipped[T]:
        self.first += other.first[: max(0, self.keep - len(self.first))]
        self.count += other.count
        for reason, n in other.by_reason.items():
            self.by_reason[reason] = self.by_reason.get(reason, 0) + n
        return self

    def __len__(self) -> int:
        return self.count

    def __getstate__(self) -> dict[str, object]:
        # InputError subclasses may not pickle (their __init__ differs): plain InputErrors
        first = [InputError(e.message) if isinstance(e, Gpt41CostError) else e for e in self.first]
        return {"keep": self.keep, "first": first, "count": self.count, "by_reason": self.by_reason}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.keep = state["keep"]
        self.first = state["first"]
        self.count = state["count"]
        self.by_reason = state["by_reason"]
