"""Batch API pre-flight (docs/accounting.md §8, §9): what OpenAI would fail a batch file on, and
which usage tiers can enqueue it.

:func:`preflight` takes what the batch reader found while streaming the file (a
:class:`BatchFactsLike`, i.e. :class:`gpt41cost.readers.requests.BatchFacts`: size, lines,
rejected lines, custom_ids, methods and urls) and what it keeps of the measured requests
(:class:`BatchTally`, fed each :class:`~gpt41cost.measure.Measured` as it is read: line, model,
input tokens, max output), and returns a :class:`BatchCheck`. It never raises for a bad file: every problem
is a :class:`Finding` naming its line; ``BatchCheck.rejected`` says whether the file fails the
pre-flight (the CLI then exits with ``CheckFailed``), ``BatchCheck.openai_rejects`` whether one
of its errors is one OpenAI documents as failing a batch (:data:`BATCH_REJECTIONS`).

Prices: a batch is priced with ``rates_for(model, "batch")``; cached tokens bill at the
batch input rate (:data:`~gpt41cost.cost.BATCH_CACHED_AT_INPUT_RATE`, an inference).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Literal, Protocol

from .catalog import Catalog, ModelSpec, ResolvedModel
from .cost import BATCH_CACHED_AT_INPUT_RATE
from .errors import UnknownModelError, quoted, source_name
from .lifecycle import SHUT_DOWN, UNSERVED
from .measure import Measured, over_max, within_max

#: The only HTTP method a batch line may use [BATCH].
BATCH_METHOD = "POST"
#: Endpoints gpt41cost prices in a batch file [BATCH]. OpenAI creates a batch for one
#: ``endpoint``, used by all its requests, so every line must name the same one.
BATCH_URLS = ("/v1/chat/completions", "/v1/responses")

#: The parameter each endpoint's request body is built on [API reference]: Chat Completions requires
#: ``messages``; the Responses API takes ``input`` and has no ``messages``. A line whose body is
#: written for the other endpoint fails at OpenAI (a required parameter missing, an unknown one).
BODY_KEYS = {"/v1/chat/completions": "messages", "/v1/responses": "input"}
_API_NAMES = {"/v1/chat/completions": "Chat Completions", "/v1/responses": "Responses"}


def body_for_other_url(url: str, body: Mapping[str, Any]) -> bool:
    """True when ``url`` is one of :data:`BATCH_URLS` and ``body`` is written for the other one, by
    its shape as it is counted (``count_request``: ``messages`` first, else ``input``): a Chat body
    sent to /v1/responses, a Responses body to /v1/chat/completions. A body with neither key is
    refused when it is counted, and a url outside BATCH_URLS is ``bad_url``: neither is this."""
    if url == "/v1/responses":
        return "messages" in body
    return url == "/v1/chat/completions" and "input" in body and "messages" not in body


#: Named rule: how many batches a file needs when it does not fit a tier's queue at once.
QUEUE_SPLIT_RULE = (
    "batches needed = the most of ceil(input tokens / batch queue limit) for each pool, "
    "ceil(requests / 50,000) and ceil(file bytes / 200 MB): a lower bound, each batch enqueued once "
    "the one before it has finished; a split in file order can need one more"
)
#: Named inference: how a file mixing standard and long-context requests uses the two queues.
QUEUE_POOLS_RULE = (
    "inference: requests above the long-context threshold count against the long-context batch queue, "
    "the others against the standard one; a file must fit both"
)
#: Named inference: a batch for a model that shuts down before the batch can finish.
SHUTDOWN_WINDOW_RULE = (
    "inference: a model shut down (or not yet released) on the run's date fails the pre-flight; one that "
    "shuts down within the 24 h completion window from that date is a warning, since requests still "
    "pending at the shutdown would fail"
)
#: Named inference: what "one model" means for a batch file.
ONE_MODEL_RULE = (
    "requests naming different models fail the batch, a model gpt41cost does not know and each fine-tuned "
    "model counting as one of them; the same model spelled two ways (gpt-4.1 and gpt-4.1-2025-04-14) is only "
    "a warning (inference: OpenAI does not say whether it compares names or models)"
)

Severity = Literal["error", "warning"]

#: How long OpenAI may take to finish a batch [BATCH]: ``completion_window`` "24h", its only value.
#: A model whose shutdown falls within it from the run's date may stop serving the batch's requests
#: still pending (a warning of the pre-flight; one already shut down is an error).
COMPLETION_WINDOW = timedelta(days=1)

#: The error findings OpenAI documents as failing a whole batch [BATCH] (docs/accounting.md §8):
#: more than 50,000 requests, a file over 200 MB, a line that is not JSON (the file is JSONL), a
#: line without a ``custom_id``, with one that is not a string (the request input object types it
#: string) or one used twice (unique per batch), a ``method`` other than POST, a ``url`` it does
#: not serve, two endpoints or two models in one file (any two names but an alias and its
#: snapshot, :data:`ONE_MODEL_RULE`). The other errors
#: (a request over its model's context window or output limit, a request the API refuses, a
#: model gpt41cost does not know or none, a model shut down or not yet released on the run's
#: date, an empty file) are not documented as failing the batch: such a request would fail on
#: its own, or gpt41cost cannot price it. Both fail the
#: pre-flight (exit 1); only the first are said to be "OpenAI would reject this batch".
BATCH_REJECTIONS = frozenset(
    {
        "too_many_requests",
        "file_too_large",
        "not_json",
        "missing_custom_id",
        "custom_id_not_string",
        "duplicate_custom_id",
        "bad_method",
        "bad_url",
        "mixed_urls",
        "mixed_models",
    }
)
#: What the errors outside :data:`BATCH_REJECTIONS` are, where a file fails the pre-flight
#: though OpenAI would not reject the batch: said by the one-line error and the report alike.
PREFLIGHT_ONLY = "requests OpenAI would fail one by one, or gpt41cost cannot price"


@dataclass(frozen=True)
class Finding:
    """One problem in a batch file. ``line`` is the first (1-based) line it concerns, None for
    the file as a whole; ``lines`` lists every line when it concerns several."""

    severity: Severity
    code: str
    message: str
    line: int | None = None
    lines: tuple[int, ...] = ()


class BatchFactsLike(Protocol):
    """What the batch reader records while streaming a file.

    :class:`gpt41cost.readers.requests.BatchFacts` satisfies this; attributes are read-only
    here. Lines are 1-based physical lines of the file.
    """

    @property
    def source(self) -> str:
        """The file as the user named it."""
        ...

    @property
    def lines(self) -> int:
        """Non-blank lines: each is a request OpenAI counts, parseable or not."""
        ...

    @property
    def file_bytes(self) -> int:
        """Size of the file in bytes."""
        ...

    @property
    def urls(self) -> Mapping[str, int]:
        """Each string ``url`` as written -> how many lines use it."""
        ...

    @property
    def duplicate_ids(self) -> Sequence[tuple[str, int, int]]:
        """(custom_id, line, line it was first used on) for each repeat."""
        ...

    @property
    def missing_ids(self) -> Sequence[int]:
        """Lines without a (non-empty string) ``custom_id``."""
        ...

    @property
    def id_values(self) -> Mapping[int, str]:
        """Of :attr:`missing_ids`, the lines that give a ``custom_id`` (not a non-empty string), each
        with the value as JSON text: ``101``, ``null``, ``["x"]``; an empty string as itself."""
        ...

    @property
    def bad_method_url(self) -> Sequence[tuple[int, str, str]]:
        """(line, method, url) as written (JSON text if not a string) where either is wrong."""
        ...

    @property
    def body_for_other_url(self) -> Sequence[tuple[int, str]]:
        """(line, url) where the body is written for the other endpoint (:func:`body_for_other_url`)."""
        ...

    @property
    def non_json_lines(self) -> Sequence[int]:
        """Lines that are not valid JSON."""
        ...

    @property
    def bad_lines(self) -> Sequence[tuple[int, str]]:
        """(line, error message) for every line the reader rejected, non-JSON ones included."""
        ...

    @property
    def models(self) -> Mapping[str, int]:
        """Each string ``model`` of a body as written -> how many lines name it, lines the reader
        then rejected included (a model the catalog does not know)."""
        ...

    @property
    def model_first_line(self) -> Mapping[str, int]:
        """Each string ``model`` as written -> the first line naming it."""
        ...


@dataclass(frozen=True)
class PoolQueue:
    """One batch-queue pool (standard or long-context) of one tier, against the file."""

    pool: Literal["standard", "long_context"]
    limit: int  # batch queue limit: input tokens of all pending batches, this model and tier
    input_tokens: int  # the file's input tokens drawing on this pool
    requests: int
    largest_request: int  # input tokens of the largest request in this pool (0 if none)
    inferred: bool  # the limit is assumed, not published (catalog ``inferred``)
    fits_at_once: bool  # input_tokens <= limit
    possible: bool  # largest_request <= limit: else no split can enqueue it at this tier
    batches_needed: int | None  # ceil(input_tokens / limit); 0 for an empty pool; None if impossible


@dataclass(frozen=True)
class TierQueue:
    """Can a tier enqueue the file? Both pools together (:data:`QUEUE_POOLS_RULE`)."""

    tier: int
    standard: PoolQueue
    long_context: PoolQueue
    fits_at_once: bool  # one batch: both pools fit, within the request and size caps
    possible: bool
    batches_needed: int | None  # :data:`QUEUE_SPLIT_RULE`; None when a request can never fit


@dataclass(frozen=True)
class BatchCheck:
    """The pre-flight of one Batch API input file."""

    source: str
    findings: tuple[Finding, ...]
    requests: int  # non-blank lines, as OpenAI counts them
    file_bytes: int
    models: tuple[str, ...]  # ``model`` values as written, most used first
    input_tokens: Mapping[str, int]  # base model -> input tokens of all measured requests
    queue: Mapping[str, tuple[TierQueue, ...]]  # base model -> tiers 1..5
    assumptions: tuple[tuple[str, str], ...] = field(default=())

    @property
    def rejected(self) -> bool:
        """True when the file fails the pre-flight: any error finding (the CLI exits 1)."""
        return any(f.severity == "error" for f in self.findings)

    @property
    def openai_rejects(self) -> bool:
        """True when OpenAI documents failing the whole batch for one of its errors
        (:data:`BATCH_REJECTIONS`)."""
        return bool(self._openai_errors)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def _openai_errors(self) -> list[Finding]:
        """The errors OpenAI documents as failing a whole batch (:data:`BATCH_REJECTIONS`)."""
        return [f for f in self.errors if f.code in BATCH_REJECTIONS]

    @property
    def rejection(self) -> str:
        """One line saying why the file fails the pre-flight: "OpenAI would reject this batch"
        only for the errors OpenAI documents as failing a batch (:data:`BATCH_REJECTIONS`)."""
        errors = self.errors
        batch = self._openai_errors
        one = len(errors) == 1
        count = "1 error" if one else f"{len(errors)} errors"
        first = ":" if one else ", first:"
        if not batch:
            return (
                f"{source_name(self.source)}: the batch fails the pre-flight: {count} ({PREFLIGHT_ONLY}){first} "
                f"{errors[0].message}; fix {'it' if one else 'them'} or leave {'it' if one else 'them'} out"
            )
        if len(batch) == 1 < len(errors):  # the one said is the error that fails the whole batch
            first = ", 1 of which fails the whole batch:"
        elif len(batch) < len(errors):
            first = f", {len(batch)} of which fail the whole batch, first:"
        return f"{source_name(self.source)}: OpenAI would reject this batch: {count}{first} {batch[0].message}"

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


def _n(x: int) -> str:
    return f"{x:,}"


def _lines_text(lines: Sequence[int], most: int = 10) -> str:
    shown = ", ".join(str(n) for n in lines[:most])
    more = len(lines) - most
    return f"{shown} and {more:,} more" if more > 0 else shown


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# --------------------------------------------------------------------------- checks


class BatchTally:
    """What the pre-flight keeps of a Batch file's measured requests, fed one at a time in file
    order: the ``model`` of each line as written (as runs of consecutive lines with one model),
    the requests over their model's context window or max output, and each base model's count
    of requests by input size (for the queue)."""

    def __init__(self, catalog: Catalog | None, *, sizes: bool = True) -> None:
        """``sizes=False``: :meth:`add` leaves out the requests' input sizes, which the caller
        counts already and gives afterwards (:meth:`take_sizes`)."""
        self.catalog = catalog  # None in a part read by another process (see merge)
        self._count_sizes = sizes
        self.requests = 0
        self.uses: Counter[str | None] = Counter()  # requests per ``model``, in order of first use
        self.runs: list[list[Any]] = []  # [first line, last line, model], in file order
        self.sizes: dict[str, Counter[int]] = {}  # base model -> input tokens -> requests
        self.window: list[Finding] = []
        self._resolved: dict[str, ResolvedModel | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # A part crosses from a reading process without the catalog; the window findings are made.
        return {**self.__dict__, "catalog": None, "_resolved": {}}

    def add(self, m: Measured) -> None:
        self.requests += 1
        model, line = m.model, m.line
        self.uses[model] += 1
        if line is not None:
            runs = self.runs
            last = runs[-1] if runs else None
            if last is not None and last[1] == line - 1 and last[2] == model:
                last[1] = line
            else:
                runs.append([line, line, model])
        if self._count_sizes:
            for base, n in m.input_tokens.items():
                sizes = self.sizes.get(base)
                if sizes is None:
                    sizes = self.sizes[base] = Counter()
                sizes[n] = sizes.get(n, 0) + 1
        if m.responses_n is not None:
            self._refused(m)
        resolved = self._resolved.get(model) if model is not None else None
        if resolved is None:
            resolved = self.resolve(model)
        if resolved is not None:
            self._window(m, resolved.spec)

    def take_sizes(self, sizes: Mapping[str, Counter[int]]) -> None:
        """The input sizes of the requests added with ``sizes=False`` (each base model's count of
        requests by input tokens, as :class:`~gpt41cost.measure.Totals` keeps them), as
        :meth:`add` would have counted them: a base model only once a request was added."""
        for base, counts in sizes.items():
            if counts:
                self.sizes.setdefault(base, Counter()).update(counts)

    def merge(self, part: BatchTally) -> None:
        """Take in the tally of the next part of the file, as if its requests were added here."""
        self.requests += part.requests
        self.uses.update(part.uses)
        for run in part.runs:
            last = self.runs[-1] if self.runs else None
            if last is not None and last[1] == run[0] - 1 and last[2] == run[2]:
                last[1] = run[1]
            else:
                self.runs.append(list(run))
        for base, sizes in part.sizes.items():
            self.sizes.setdefault(base, Counter()).update(sizes)
        self.window += part.window

    def resolve(self, name: str | None) -> ResolvedModel | None:
        """The catalog model a non-blank ``model`` names; None when blank or unknown."""
        if name is None or not name.strip() or self.catalog is None:
            return None
        if name not in self._resolved:
            try:
                self._resolved[name] = self.catalog.resolve(name)
            except UnknownModelError:
                self._resolved[name] = None
        return self._resolved[name]

    def lines(self, name: str | None) -> list[int]:
        """The lines of the requests naming ``name``, in order."""
        return [line for first, last, model in self.runs if model == name for line in range(first, last + 1)]

    def first_line(self, name: str | None) -> int | None:
        return next((first for first, _, model in self.runs if model == name), None)

    def line_of(self, k: int) -> int | None:
        """The line of the ``k``-th request (from 0), if there are that many."""
        for first, last, _ in self.runs:
            if k <= last - first:
                return int(first + k)
            k -= last - first + 1
        return None

    def _refused(self, m: Measured) -> None:
        """A Responses body's ``n`` (:attr:`Measured.responses_n`): OpenAI refuses the line (inferred,
        requests.RESPONSES_NO_N), as it refuses a cap over the maximum output: an error of the
        pre-flight, not only a part not counted."""
        self.window.append(
            Finding(
                "error",
                "responses_n",
                f"{_at(m)}: n={m.responses_n}: the Responses API has no n and OpenAI refuses the "
                "parameter (inferred); remove n (one line for each response wanted)",
                m.line,
            )
        )

    def _window(self, m: Measured, spec: ModelSpec) -> None:
        tokens = m.input_tokens.get(spec.name)
        if tokens is None:
            return
        cap = m.max_output_tokens
        over = over_max(cap, spec.max_output_tokens)  # CAP_OVER_MAX: OpenAI fails the line
        # the window holds the input and the cap as every figure takes it, at most the maximum
        # output (CAP_OVER_MAX): a cap over it is its own error, not a second one of the window
        held = within_max(cap, spec.max_output_tokens) or 0
        if not over and tokens + held <= spec.context_window:
            return  # the common case: no finding, so no message
        where = _at(m)
        if over and cap is not None:
            self.window.append(
                Finding(
                    "error",
                    "max_output_too_large",
                    f"{where}: max output {_n(cap)} tokens exceeds {spec.name}'s limit of {_n(spec.max_output_tokens)}",
                    m.line,
                )
            )
        need = tokens + held
        if need > spec.context_window:
            taken = " (the cap taken at the maximum output)" if over else ""
            parts = f"{_n(tokens)} input + {_n(held)} max output{taken} = {_n(need)}" if held else f"{_n(tokens)} input"
            self.window.append(
                Finding(
                    "error",
                    "over_context_window",
                    f"{where}: {parts} tokens exceeds {spec.name}'s context window of {_n(spec.context_window)}",
                    m.line,
                )
            )


def _file_checks(facts: BatchFactsLike, tally: BatchTally, catalog: Catalog) -> list[Finding]:
    out: list[Finding] = []
    if facts.lines == 0:
        out.append(Finding("error", "empty_file", "the file holds no requests: nothing to send"))
    if facts.lines > catalog.batch_max_requests:
        out.append(
            Finding(
                "error",
                "too_many_requests",
                f"{_n(facts.lines)} requests; a batch holds at most {_n(catalog.batch_max_requests)}: split the file",
                tally.line_of(catalog.batch_max_requests),
            )
        )
    if facts.file_bytes > catalog.batch_max_file_bytes:
        out.append(
            Finding(
                "error",
                "file_too_large",
                f"file is {_n(facts.file_bytes)} bytes; a batch input file may be at most "
                f"{_n(catalog.batch_max_file_bytes)} bytes: split it",
            )
        )
    non_json = set(facts.non_json_lines)
    reported: set[int] = set()
    prefix = f"{source_name(facts.source)}: "  # the reader's messages name stdin so
    for line, message in facts.bad_lines:
        text = message[len(prefix) :] if facts.source and message.startswith(prefix) else message
        if not text.startswith(f"line {line}"):
            text = f"line {line}: {text}"
        code = "not_json" if line in non_json else "bad_request"
        out.append(Finding("error", code, text, line))
        reported.add(line)
    for line in sorted(non_json - reported):
        out.append(Finding("error", "not_json", f"line {line} is not valid JSON", line))
    return out


def _id_checks(facts: BatchFactsLike) -> list[Finding]:
    values = facts.id_values
    out = [_id_finding(line, values.get(line)) for line in facts.missing_ids]
    lines_of: dict[str, list[int]] = {}
    for cid, line, first in facts.duplicate_ids:
        lines_of.setdefault(cid, [first]).append(line)
    for cid, lines in lines_of.items():
        lines.sort()
        out.append(
            Finding(
                "error",
                "duplicate_custom_id",
                f"line {lines[1]}: custom_id {quoted(cid)} is used on {len(lines)} lines: "
                f"{_lines_text(lines)}; each must be unique",
                lines[1],
                tuple(lines),
            )
        )
    return out


#: How a JSON value that is not a string is named, by its first character (a number otherwise).
_JSON_KINDS = {"[": "an array", "{": "an object", "t": "a boolean", "f": "a boolean"}


def _id_finding(line: int, value: str | None) -> Finding:
    """A line without a usable ``custom_id``: none or null (missing_custom_id, as an empty string),
    or a value that is not a string (custom_id_not_string: OpenAI's request input object types it
    string [BATCH])."""
    if value is None or value == "null":
        said = "no custom_id" if value is None else "custom_id is null"
        return Finding("error", "missing_custom_id", f"line {line}: {said}; every request needs one", line)
    if value == "":
        return Finding("error", "missing_custom_id", f"line {line}: custom_id is empty; every request needs one", line)
    kind = _JSON_KINDS.get(value[0], "a number")
    shown = value if len(value) <= 40 else value[:40] + "..."
    return Finding(
        "error", "custom_id_not_string", f"line {line}: custom_id {shown} is {kind}; it must be a string", line
    )


def _shown(value: str) -> str:
    """A method or url as the reader wrote it: a JSON string is quoted, other JSON text is not."""
    return "none" if value == "null" else quoted(value)


def _method_url_checks(facts: BatchFactsLike) -> list[Finding]:
    out: list[Finding] = []
    for line, method, url in facts.bad_method_url:
        if method != BATCH_METHOD:
            out.append(
                Finding(
                    "error",
                    "bad_method",
                    f"line {line}: method {_shown(method)}; batch lines must use POST",
                    line,
                )
            )
        if url not in BATCH_URLS:
            out.append(
                Finding(
                    "error",
                    "bad_url",
                    f"line {line}: url {_shown(url)}; use one of {', '.join(BATCH_URLS)}",
                    line,
                )
            )
    for line, url in facts.body_for_other_url:
        other = next(u for u in BATCH_URLS if u != url)
        out.append(
            Finding(
                "error",
                "body_for_other_url",
                f"line {line}: a {_API_NAMES[other]} body ({BODY_KEYS[other]}) sent to {url}: OpenAI fails it "
                f"(priced here as the {_API_NAMES[other]} request it is); use url {other} or write a "
                f"{_API_NAMES[url]} body ({BODY_KEYS[url]})",
                line,
            )
        )
    valid = sorted(((n, u) for u, n in facts.urls.items() if u in BATCH_URLS and n > 0), reverse=True)
    if len(valid) > 1:
        used = ", ".join(f"{u} on {_n(n)} lines" for n, u in valid)
        out.append(
            Finding(
                "error",
                "mixed_urls",
                f"requests name {len(valid)} endpoints ({used}); a batch has one endpoint for all its requests",
            )
        )
    return out


def _at(m: Measured) -> str:
    return f"line {m.line}" if m.line is not None else m.where


def _resolve_all(
    tally: BatchTally, catalog: Catalog
) -> tuple[dict[str, ResolvedModel], list[Finding], Counter[str], dict[str, list[int]]]:
    """Resolve each distinct ``model`` once; unknown or missing models become findings.

    Returns (resolved names, findings, requests per name, lines per name).
    """
    resolved: dict[str, ResolvedModel] = {}
    unknown: dict[str, str] = {}
    out: list[Finding] = []
    named = tally.uses
    blank = {name for name in named if name is None or name.strip() == ""}
    for name in blank:
        for line in tally.lines(name):
            out.append(Finding("error", "missing_model", f"line {line}: the request body has no model", line))
    uses: Counter[str] = Counter({name: n for name, n in named.items() if name is not None and name not in blank})
    for name in uses:
        try:
            resolved[name] = catalog.resolve(name)
        except UnknownModelError as exc:
            unknown[name] = exc.message
    lines_of: dict[str, list[int]] = {}
    if unknown or len(resolved) > 1:  # the findings name every line of a model but the main one
        main = next((name for name, _ in uses.most_common() if name in resolved), None)
        for name in uses:
            first = tally.first_line(name)
            if first is not None:
                lines_of[name] = [first] if name == main else tally.lines(name)
    for name, message in unknown.items():
        lines = lines_of.get(name, [])
        first = lines[0] if lines else None
        where = f"line {first}: " if first is not None else ""
        out.append(
            Finding(
                "error",
                "unknown_model",
                f"{where}{message} (lines {_lines_text(lines)})",
                first,
                tuple(lines),
            )
        )
    return resolved, out, uses, lines_of


def _model_checks(facts: BatchFactsLike, tally: BatchTally, catalog: Catalog) -> list[Finding]:
    """The one-model rule (:data:`ONE_MODEL_RULE`) over every ``model`` the file names as written:
    those of the measured requests and those of lines the reader refused (a model the catalog does
    not know is refused there, yet it is a second model in the batch all the same). Names of one
    catalog model (an alias and its snapshots: :attr:`ResolvedModel.family`) are one model, a
    warning; any other name, known or not, is another model, an error."""
    uses: Counter[str] = Counter({name: n for name, n in tally.uses.items() if name is not None and name.strip()})
    for name, n in facts.models.items():
        if name.strip() and n > uses[name]:  # the reader counts lines it refused too
            uses[name] = n
    if len(uses) < 2:
        return []

    def first_line(name: str) -> int:
        lines = [n for n in (tally.first_line(name), facts.model_first_line.get(name)) if n is not None]
        return min(lines, default=0)

    # the most used first; of equal counts, the first used (as the reader met them)
    names = sorted(uses, key=lambda name: (-uses[name], first_line(name)))
    families = {name: _family(name, catalog) for name in names}
    main = names[0]
    main_family, main_base = families[main]
    out: list[Finding] = []
    for name in names[1:]:
        family = families[name][0]
        lines = sorted(set(tally.lines(name)) | {first_line(name)})
        first = lines[0]
        same = family == main_family
        severity: Severity = "warning" if same else "error"
        why = f"names {main_base} differently from {quoted(main)}" if same else f"differs from {quoted(main)}"
        n = uses[name]
        shown = f"lines {_lines_text(lines)}" if len(lines) >= n else f"{_n(n)} lines from line {first}"
        out.append(
            Finding(
                severity,
                "model_spelling" if same else "mixed_models",
                f"line {first}: model {quoted(name)} {why} (used from line {first_line(main)}, "
                f"{_n(uses[main])} requests); a batch runs one model; {shown}",
                first,
                tuple(lines),
            )
        )
    return out


def _family(name: str, catalog: Catalog) -> tuple[str, str]:
    """(the model ``name`` is for OpenAI's one-model rule, the base model it names): a catalog
    name's :attr:`~ResolvedModel.family` and base; a name the catalog does not know, itself."""
    try:
        resolved = catalog.resolve(name)
    except UnknownModelError:
        return name, name
    return resolved.family, resolved.spec.name


def _lifecycle_checks(
    uses: Counter[str],
    lines_of: Mapping[str, Sequence[int]],
    resolved: Mapping[str, ResolvedModel],
    tally: BatchTally,
    catalog: Catalog,
) -> list[Finding]:
    """Each model named that serves no request on the run's date (shut down by then, or not yet
    released: the status ``price()`` refuses and every report marks), an error: OpenAI would fail
    every request for it. One deprecated and announced to shut down within the batch's
    :data:`COMPLETION_WINDOW` from that date, a warning: the requests still pending then fail."""
    day = catalog.day
    out: list[Finding] = []
    for name, n in uses.most_common():
        model = resolved.get(name)
        if model is None:
            continue
        lc = model.lifecycle
        status = lc.status(day)
        first = tally.first_line(name)
        lines = tuple(lines_of.get(name) or ([first] if first is not None else []))
        where = f"line {first}: " if first is not None else ""
        count = f"{_n(n)} request{'' if n == 1 else 's'}" + (f", lines {_lines_text(lines)}" if len(lines) > 1 else "")
        if status in UNSERVED:
            code, fix = (
                ("model_shut_down", "change the model")
                if status == SHUT_DOWN
                else ("model_not_released", f"send it from {lc.released_on} or change the model")
            )
            message = (
                f"{where}model {quoted(name)} serves no request on {day} (the run's date): {lc.mark(day)}; "
                f"OpenAI would fail every request for it ({count}): {fix}"
            )
            out.append(Finding("error", code, message, first, lines))
        elif lc.expires_within(day, day + COMPLETION_WINDOW):
            message = (
                f"{where}model {quoted(name)}: {lc.mark(day)}: within the batch's 24 h completion window from "
                f"{day} (the run's date); requests still pending then would fail ({count}): submit well "
                "before the shutdown or change the model"
            )
            out.append(Finding("warning", "model_shuts_down", message, first, lines))
    return out


# --------------------------------------------------------------------------- queue


def _pool(
    name: Literal["standard", "long_context"], limit: int, inferred: bool, total: int, count: int, largest: int
) -> PoolQueue:
    possible = largest <= limit
    return PoolQueue(
        pool=name,
        limit=limit,
        input_tokens=total,
        requests=count,
        largest_request=largest,
        inferred=inferred,
        fits_at_once=total <= limit,
        possible=possible,
        batches_needed=_ceil_div(total, limit) if possible else None,
    )


def queue_analysis(
    spec: ModelSpec, sizes: Mapping[int, int], *, requests: int, file_bytes: int, catalog: Catalog
) -> tuple[TierQueue, ...]:
    """Tiers 1..5 of ``spec`` against a file whose requests have these input ``sizes`` (input
    tokens -> how many requests).

    ``requests`` and ``file_bytes`` are the file's (they also bound one batch).
    """
    threshold = catalog.long_context_threshold
    std_sum = std_n = std_max = lc_sum = lc_n = lc_max = 0
    for s, c in sizes.items():
        if not c:
            continue
        if s > threshold:
            lc_sum, lc_n, lc_max = lc_sum + s * c, lc_n + c, max(lc_max, s)
        else:
            std_sum, std_n, std_max = std_sum + s * c, std_n + c, max(std_max, s)
    by_caps = max(_ceil_div(requests, catalog.batch_max_requests), _ceil_div(file_bytes, catalog.batch_max_file_bytes))
    out: list[TierQueue] = []
    for tier in sorted(spec.limits):
        limits = spec.limits[tier]
        std = _pool("standard", limits.standard.batch_queue, limits.standard.inferred, std_sum, std_n, std_max)
        lc = _pool("long_context", limits.long_context.batch_queue, limits.long_context.inferred, lc_sum, lc_n, lc_max)
        possible = std.possible and lc.possible
        needed = None
        if possible:
            needed = max(std.batches_needed or 0, lc.batches_needed or 0, by_caps, 1 if std_n + lc_n else 0)
        out.append(
            TierQueue(
                tier=tier,
                standard=std,
                long_context=lc,
                fits_at_once=std.fits_at_once and lc.fits_at_once and by_caps <= 1,
                possible=possible,
                batches_needed=needed,
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- entry point


def preflight(
    facts: BatchFactsLike,
    measured: BatchTally | Iterable[Measured],
    catalog: Catalog,
    *,
    models: Sequence[ResolvedModel] | None = None,
) -> BatchCheck:
    """Pre-flight a Batch API input file.

    ``facts``: what the reader saw while streaming the file (:class:`BatchFactsLike`; pass the
    ``BatchFacts`` filled by ``read_requests(..., facts=...)``, read with ``on_error`` so
    that every bad line is recorded rather than raised).
    ``measured``: the :class:`BatchTally` of the file's measured requests, or the requests
    themselves (:class:`Measured`, in file order, with ``line``, ``model``, ``input_tokens``
    and ``max_output_tokens``).
    ``models``: base models to run the queue analysis for (e.g. ``--model``); by default the
    models the file names, or every catalog model when it names none that resolve.
    """
    if isinstance(measured, BatchTally):
        tally = measured
    else:
        tally = BatchTally(catalog)
        for m in measured:
            tally.add(m)
    resolved, model_findings, uses, lines_of = _resolve_all(tally, catalog)
    findings = [
        *_file_checks(facts, tally, catalog),
        *_method_url_checks(facts),
        *_id_checks(facts),
        *model_findings,
        *_model_checks(facts, tally, catalog),
        *_lifecycle_checks(uses, lines_of, resolved, tally, catalog),
        *tally.window,
    ]
    findings.sort(key=lambda f: (f.line is not None, f.line or 0, f.severity != "error", f.code))

    totals = {base: sum(n * c for n, c in sizes.items()) for base, sizes in tally.sizes.items()}

    if models is not None:
        specs = [r.spec for r in models]
    else:
        specs = []
        for name, _ in uses.most_common():
            if name in resolved and resolved[name].spec not in specs:
                specs.append(resolved[name].spec)
        if not specs:
            specs = list(catalog.models.values())
    queue: dict[str, tuple[TierQueue, ...]] = {}
    for spec in specs:
        queue[spec.name] = queue_analysis(
            spec, tally.sizes.get(spec.name, {}), requests=facts.lines, file_bytes=facts.file_bytes, catalog=catalog
        )
    return BatchCheck(
        source=facts.source,
        findings=tuple(findings),
        requests=facts.lines,
        file_bytes=facts.file_bytes,
        models=tuple(name for name, _ in uses.most_common()),
        input_tokens=MappingProxyType(totals),
        queue=MappingProxyType(queue),
        assumptions=(
            ("batch_cached_rate", BATCH_CACHED_AT_INPUT_RATE),
            ("batch_queue_split", QUEUE_SPLIT_RULE),
            ("batch_queue_pools", QUEUE_POOLS_RULE),
            ("batch_one_model", ONE_MODEL_RULE),
        ),
    )
