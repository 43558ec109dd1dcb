"""Everything `estimate`, `limits` and `plan` read: prompt files and request-shaped files.

One reading path for the three commands. Each input's kind is decided by :func:`classify`:

1. ``--as KIND`` forces every input; ``--as KIND=GLOB`` (repeatable, first match wins) forces
   the files whose path or name matches GLOB.
2. The extension: ``.json``, ``.jsonl``, ``.ndjson`` (also ``.gz``) are data files: a request,
   a batch, fine-tuning data or a prompts list by their content (also one JSON array of prompt
   strings); a ``.json`` that parses but holds no request (a config file, an array of numbers
   or records) is text, its reason naming an array's first item that is no prompt; one holding
   only ``[]`` or ``{}`` is empty (nothing to send); one that does not parse is an error naming
   the line and column (skipped with ``--skip-bad``).
   ``.png``, ``.jpg``, ``.jpeg``, ``.gif`` and ``.webp`` are images.
3. Every other extension, none at all, and stdin: a prompt, read as text, unless its WHOLE
   content parses as a request shape, or is JSON lines of one with some lines broken
   (:func:`content_kind`); content that merely starts like JSON (a template's ``{{ x }}``,
   ``[System]``, a quoted word, a JSON example followed by prose) is text. Image bytes are an image.

A file found inside a directory (or by a workload's glob) that is empty or only whitespace
(or holds only ``[]`` or ``{}``: a data file, content without a data extension, a file ``--as``
makes a request file) is skipped and listed (:attr:`Gathered.empty`, with what it holds); an
empty file named on its own is an error.
Plain text is one request per file; request files give one or many. Batch input files are
read to the end with every bad line recorded, so the pre-flight can list every finding.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from ..batch import BatchTally
from ..catalog import Catalog
from ..errors import STDIN, InputError, ParameterError, Skipped, Uncountable, quoted, slot, source_name
from ..images import BadImage, ImageSize
from ..measure import KINDS, InputFile, Measured, Totals
from ..report import counted
from . import pool
from .files import BOM, MAX_WHOLE_BYTES, blank, read_limited
from .repeats import may_repeat
from .requests import (
    ANSWERED,
    CONVERSATION,
    HEAD_BYTES,
    BadDocument,
    BatchFacts,
    as_skipped,
    as_value,
    detect_kind,
    is_prompt_array,
    line_kind,
    may_be_prompt_array,
    no_prompt_item,
    opens_conversation,
    prompt_text,
    read_head,
    read_head_from,
    read_requests,
)
from .text import (
    Advice,
    Found,
    NotText,
    check_encoding,
    decode_text,
    find_inputs,
    looks_unrendered,
    matches,
    read_bytes,
)

#: Receives the number of bytes of input finished, for a progress bar.
OnProgress = Callable[[int], None]
#: Receives each measured request, in run order.
OnRequest = Callable[[Measured], None]
#: Kinds of file read in ranges on every core when large (one JSON value a line).
_SPLIT = ("batch", "prompts", "finetune")
#: What each kind of first line makes of JSON lines, and the kinds of later line that agree with it
#: (the readers refuse any other as a bad line: :func:`~gpt41cost.readers.requests.read_requests`).
_FIRST_LINE = {
    "batch": ("batch", {"batch"}),
    "finetune": ("finetune", {"finetune", ANSWERED}),
    ANSWERED: ("finetune", {"finetune", ANSWERED}),
    CONVERSATION: ("prompts", {"prompts", CONVERSATION, ANSWERED}),
    "prompts": ("prompts", {"prompts", CONVERSATION, ANSWERED, "finetune"}),
}
#: How a line opens that may be a JSON line of a request (an object, an array or a string).
_JSON_VALUE = re.compile(rb'[ \t\r\x0b\x0c]*[{\["]')
#: How a request line of JSON lines opens: an object's first key, or a messages array's first
#: object. A line that does not parse and opens so is a broken line of them (cut short); one that
#: opens otherwise is prose, or a template's ``{{ x }}`` or ``{% for %}``.
_JSON_LINE = re.compile(rb'[ \t\r\x0b\x0c]*(?:\{[ \t]*"|\[[ \t]*\{)')
#: Bytes of a small file read whole to decide its kind when ``--as`` forces a request kind.
_SNIFF = 4096
#: The white space ``bytes.strip()`` takes off (JSON's four, the vertical tab and the form feed),
#: matched in place to find where content starts: no copy of a large prompt made to find that out.
_BLANK = re.compile(rb"[ \t\n\r\x0b\x0c]*")
#: JSON's own white space, all a ``[]`` or ``{}`` may hold around and between its brackets.
_JSON_BLANK = re.compile(rb"[ \t\n\r]*")

#: Extensions of data files (also with ``.gz``): read by their JSON content.
DATA_EXTENSIONS = (".json", ".jsonl", ".ndjson")
#: Extensions of image files.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
#: What each request kind is called in a reason given for content detection.
_SHAPES = {
    "chat": "a Chat Completions request",
    "responses": "a Responses API request",
    "batch": "Batch API input lines",
    "finetune": "fine-tuning examples",
    "prompts": "a JSONL list of prompts",
}


@dataclass(frozen=True)
class AsRule:
    """One ``--as`` value: ``kind`` for every input (``glob`` None), or for inputs matching ``glob``."""

    kind: str
    glob: str | None = None

    @property
    def flag(self) -> str:
        return f"--as {self.kind}" if self.glob is None else f"--as {self.kind}={self.glob}"

    def matches(self, source: str) -> bool:
        if self.glob is None:
            return True
        if source == STDIN:
            return False
        return matches(source, os.path.basename(source), (self.glob,))


#: What an empty file (or one of whitespace only) holds, in errors and in the lists of skipped files.
EMPTY_FILE = "empty file"


class Empty(str):
    """A file found in a directory and skipped for having nothing to send: its path (the string
    itself) and ``what`` it holds, as the error names it when the file is given alone ("empty
    file", "an empty JSON array", "an empty JSON object")."""

    what: str

    def __new__(cls, source: str, what: str | None = None) -> Empty:
        self = super().__new__(cls, source)
        self.what = what or EMPTY_FILE
        return self


def holds(source: str) -> str:
    """What a skipped file holds (:class:`Empty`'s ``what``; a plain path: an empty file)."""
    return getattr(source, "what", EMPTY_FILE)


def all_empty(skipped: Sequence[str]) -> bool:
    """Is every skipped file an empty file (not one holding nothing else to send)?"""
    return all(holds(e) == EMPTY_FILE for e in skipped)


def nothing_to_send(empty: Sequence[str]) -> str:
    """The skipped files counted: "1 empty file", "2 empty files" when every one is (:func:`all_empty`),
    else "1 file with nothing to send", "2 files with nothing to send"."""
    if all_empty(empty):
        return counted(len(empty), EMPTY_FILE)
    return counted(len(empty), "file with nothing to send", "files with nothing to send")


#: How an input's reason (:class:`InputFile`) says it holds template markup, counted as written.
UNRENDERED = "unrendered template markup, counted as written"


def unrendered(reason: str) -> bool:
    """Does an input's reason say it looks like an unrendered template (:data:`UNRENDERED`)?"""
    return reason.endswith(UNRENDERED)


#: Where estimate's note on unrendered templates points for their names: its Inputs table.
UNDER_INPUTS = " (listed under Inputs)"


def unrendered_note(n: int, names: str = UNDER_INPUTS) -> str:
    """The note for ``n`` prompts that look like unrendered templates, ending with ``names``: where
    they are named (estimate: :data:`UNDER_INPUTS`; limits and plan, which list no inputs: ``": "``
    and the files)."""
    one = n == 1
    return (
        f"{counted(n, 'input')} {'looks like an unrendered template' if one else 'look like unrendered templates'} "
        f"(Jinja or mustache markup: {{{{ }}}}, {{% %}} or {{# #}}): {'it' if one else 'each'} is counted as written, "
        "its placeholders and tags for tokens, not the text they render to; "
        f"render {'it' if one else 'them'} first to count the {'prompt' if one else 'prompts'} sent{names}"
    )


@dataclass
class Gathered:
    """What was read besides the requests (which went to ``totals`` and ``on_request``): how
    many, one :class:`InputFile` per input read (its span of the run's requests), the files
    skipped for being empty, each batch file's facts and pre-flight tally, and the bad lines
    (and files) skipped."""

    requests: int = 0
    batches: list[tuple[BatchFacts, BatchTally]] = field(default_factory=list)
    skipped: Skipped[InputError] = field(default_factory=Skipped)
    total_bytes: int = 0
    inputs: list[InputFile] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # files found in a directory and skipped: :class:`Empty`


def parse_as(values: str | Sequence[str] | None) -> tuple[AsRule, ...]:
    """``--as`` values -> rules. ``KIND`` forces every input (once at most); ``KIND=GLOB`` the
    inputs whose path or file name matches GLOB. A bad kind or an empty glob is a ParameterError."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    rules: list[AsRule] = []
    for raw in values:
        kind, eq, glob = raw.partition("=")
        kind = kind.strip()
        if kind not in KINDS:
            raise ParameterError(
                f"{slot('read_as')} {raw}: unknown kind {quoted(kind)}; "
                f"use one of {', '.join(KINDS)}, alone or as KIND=GLOB",
            )
        if eq and not glob.strip():
            raise ParameterError(f"{slot('read_as')} {raw}: no glob after '='; write e.g. {slot('read_as')} text=*.j2")
        rules.append(AsRule(kind, glob.strip() if eq else None))
    if sum(r.glob is None for r in rules) > 1:
        raise ParameterError(
            f"{slot('read_as')}: give one KIND for every input, or KIND=GLOB forms (repeatable), not two KINDs",
        )
    # A KIND=GLOB rule wins over a KIND for every input, whatever the order given.
    return tuple(sorted(rules, key=lambda r: r.glob is None))


def _extension(source: str) -> tuple[str, bool]:
    """The file's extension (lower case, with its dot; "" for none or stdin) and whether it is
    gzipped (the extension is then the one before ``.gz``)."""
    if source == STDIN:
        return "", False
    name = os.path.basename(source).lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return os.path.splitext(name)[1], gz


def _is_image(head: bytes) -> bool:
    return detect_kind("", head[:64]) == "image"


def content_kind(data: bytes) -> str | None:
    """The request kind ``data`` is, when its WHOLE content parses as a request shape (or is JSON
    lines of one, some broken), else None.

    Shapes: one Chat request (an object with a ``messages`` list, or a list of messages),
    one Responses request (an object with ``input``), one Batch line, or JSON lines each a Batch
    line, a fine-tuning example or a prompt (message lists, ``{"prompt": ...}``, ``{"input": ...}``,
    or JSON strings when there are two lines or more: a lone quoted sentence is a prompt): those
    are read as their first line says, as a ``.jsonl`` is, a line that disagrees being a bad line,
    and so are JSON lines with some lines broken (:func:`_lines_kind`). Anything that merely starts
    like JSON (``{{ name }}``, ``[System] ...``, ``"Affiliate" means``) is None.
    """
    return _content_shape(data)[0]


def _content_shape(data: bytes) -> tuple[str | None, bool]:
    """:func:`content_kind`, and whether every JSON line agrees with the first (True for one
    document)."""
    body = data.removeprefix(BOM)
    # where the content starts, matched in place: cc39756 counted it from the length of the whole
    # body, not of the 4 KiB it looked at, so content over 4 KiB was never JSON (review 15)
    first = _past(_BLANK, body)
    if body[first : first + 1] not in (b"{", b"[", b'"'):
        return None, True  # not JSON: no copy of a large prompt made to find that out
    body = body.strip()
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if not exc.msg.startswith("unexpected content after"):
            return None, True
        return _lines_kind(body)
    return line_kind(value, alone=True), True


def _lines_kind(body: bytes) -> tuple[str | None, bool]:
    """The kind of JSON lines each of a request line's shape, as their first line makes it (as a
    data file's is: lines of ``messages`` are fine-tuning examples when the first has an assistant
    message, else Chat requests' inputs, a prompts list), and whether every line agrees with it
    (when not, the reader refuses the first that does not, as in a ``.jsonl``).

    Some lines of a Batch file may be broken (cut short by an interrupted write, two lines run
    together): the content is still a Batch file, read with those lines bad as in a ``.jsonl``
    (its pre-flight fails), when the first line is a Batch line, every line that is no such line
    opens like one (:data:`_JSON_LINE`: ``{"`` or ``[{``), and at least half of the lines are Batch
    lines. Other JSON lines with a line that does not parse are a prompt: a few-shot prompt whose
    examples are JSON lines leaves its last one open for the model (``{"input": "...", "label":``),
    and the reader never refuses a prompt. A line of prose (``Summarize the above.``, ``x = 1``,
    ``"Affiliate" means``) or of template markup (``{{ x }}``) makes it text at once."""
    kinds: list[str] = []  # the kinds met, in order
    agree: set[str] = set()  # the kinds of line that agree with the first
    opens = False  # the first line opens as a request line does (:data:`_JSON_LINE`)
    lines = agreeing = broken = 0  # lines; of them, of the first line's kind; of no request line's shape
    start = 0
    while start < len(body):  # line by line, without splitting a large file up front
        end = body.find(b"\n", start)
        end = len(body) if end < 0 else end
        raw, start = body[start:end], end + 1
        if _JSON_VALUE.match(raw) is None:  # no copy of a long line of prose made to find that out
            if _past(_BLANK, raw) == len(raw):
                continue
            return None, True  # prose (or a number): text
        try:
            kind = line_kind(orjson.loads(raw))
        except orjson.JSONDecodeError:
            kind = None
        if kind is None and (not kinds or _JSON_LINE.match(raw) is None):
            return None, True  # a first line of no request's shape, or prose: text
        lines += 1
        if kind is None:
            broken += 1
            continue
        if not kinds:
            opens, agree = _JSON_LINE.match(raw) is not None, _FIRST_LINE[kind][1]
        if kind not in kinds:
            kinds.append(kind)
        agreeing += kind in agree
    if not kinds:
        return None, True
    read_as = _FIRST_LINE[kinds[0]][0]
    if not broken:
        return read_as, set(kinds) <= agree
    if read_as == "batch" and opens and 2 * agreeing >= lines:
        return read_as, False  # a Batch file cut short: its pre-flight must see it
    return None, True  # a prompt (a few-shot prompt's last example left open is no broken line)


@dataclass
class _Input:
    """One input while it is read: its kind, why, and the bytes read so far (if any)."""

    source: str
    kind: str
    reason: str
    data: bytes | None = None  # the whole content, when it had to be read to decide
    gz: bool = False
    items: list[Any] | None = None  # a prompts list's items, when deciding parsed the JSON array
    void: str = ""  # kind "empty" for a data file holding only ``[]`` or ``{}``: which of them
    forced: bool = False  # the kind is an ``--as`` rule's, not told from the content
    # prompts told from a first line of ``messages`` without an assistant message: a later line
    # ending with one (a fine-tuning example's shape) disagrees with it
    conversations: bool = False
    # JSON lines told from the content whose lines do not all agree with the first (or parse): a
    # bad line's error says how to count the content as one prompt instead
    mixed: bool = False


#: What a usage record's ``object`` says it is: a response with its ``usage``, not a request.
_RESPONSE_OBJECTS = {"chat.completion": "Chat Completions responses", "response": "Responses API responses"}


def usage_records(head: bytes, whole: bool) -> str | None:
    """What the file is when ``head`` (its first bytes; ``whole``: all of it) starts with a usage
    record rather than a request: a response object (``object`` ``chat.completion`` or
    ``response``, with its ``usage``) or a Batch output line (``custom_id`` with ``response`` or
    ``error``, no ``body``). None otherwise, or when its first line is cut off in ``head``."""
    body = head.removeprefix(BOM).lstrip()
    if not body.startswith(b"{"):
        return None
    end = body.find(b"\n")
    pieces = ([body[:end]] if end > 0 else []) + ([body] if whole or end < 0 else [])
    for piece in pieces:
        try:
            value = orjson.loads(piece)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(value, dict) or "messages" in value or "input" in value:  # a request: never a record
            return None
        what = _RESPONSE_OBJECTS.get(value.get("object")) if "usage" in value else None  # type: ignore[arg-type]
        if what is not None:
            return what
        if "custom_id" in value and ("response" in value or "error" in value) and "body" not in value:
            return "Batch output lines"
        return None
    return None


def _refuse_usage(source: str, what: str) -> None:
    """Refuse a usage log given as requests, naming the command that reads it."""
    name = source_name(source)
    arg = "-" if source == STDIN else source
    raise Advice(
        f"{name}: holds {what} (usage records: what OpenAI billed), not requests; run gpt41cost usage {arg} "
        f"to price them, or pass {slot('read_as')} to count the file as a prompt",
        values={"read_as": f"text={os.path.basename(source) if source != STDIN else '-'}"},
    )


def classify(source: str, rules: Sequence[AsRule], stdin: BinaryIO | None = None) -> _Input:
    """Decide how ``source`` is read (see the module docstring). Reads the head of a data file,
    or the whole of any other file (a prompt is read whole anyway)."""
    ext, gz = _extension(source)
    for rule in rules:
        if rule.matches(source):
            data = None  # a larger request file is streamed by its reader
            if source == STDIN:
                data = read_bytes(source, stdin)
            elif rule.kind == "text":  # read whole anyway: read now, so a blank one is seen as empty
                data = _gunzip_all(source) if gz else read_bytes(source)
            elif not gz and os.path.getsize(source) <= _SNIFF:
                # small: read once, here, for the checks below and gather's blank check, and handed
                # to its reader as it is (it was read three times: here, for blank, by the reader)
                data = read_bytes(source)
            # a request kind forced on a file of [] or {}: nothing to send, as without --as
            void = _void(data) if data is not None and rule.kind not in ("text", "image") else ""
            return _Input(source, "empty" if void else rule.kind, rule.flag, data, gz, void=void, forced=True)
    shown = f"{ext}.gz" if gz else ext
    if ext in DATA_EXTENSIONS:
        head = _gz_head(source) if gz else read_head(source)
        if (usage := usage_records(head, len(head) < HEAD_BYTES)) is not None:
            _refuse_usage(source, usage)
        kind = detect_kind(source, head)
        if kind == "image":  # image bytes under a data name: an image, not a prompt
            return _Input(source, "image", f"content: image bytes (extension {shown})", None, gz)
        if kind is not None:
            chats = kind == "prompts" and opens_conversation(head)
            return _Input(source, kind, f"extension {shown}", None, gz, conversations=chats)
        data = _gunzip_all(source) if gz else read_bytes(source)
        if blank(data):
            return _Input(source, "empty", f"extension {shown}", data, gz)
        kind, value = _data_kind(source, data, lines=ext != ".json")
        if kind == "empty":  # [] or {}: nothing to send, as an empty file
            void = "an empty JSON array" if isinstance(value, list) else "an empty JSON object"
            return _Input(source, kind, f"extension {shown}", data, gz, void=void)
        if kind != "text":
            chats = kind == "prompts" and opens_conversation(data[:HEAD_BYTES])
            return _Input(source, kind, f"extension {shown}", data, gz, value, conversations=chats)
        why = no_prompt_item(value) or "a config?"
        return _Input(source, "text", f"extension {shown}, but valid JSON that is no request ({why})", data, gz)
    if ext in IMAGE_EXTENSIONS and not gz:
        return _Input(source, "image", f"extension {shown}")
    data = _gunzip_all(source) if gz else read_bytes(source, stdin)
    what = "stdin" if source == STDIN else f"extension {shown}" if ext else "no extension"
    if not gz and _is_image(data):
        return _Input(source, "image", f"content: image bytes ({what})", data)
    kind, agree = _content_shape(data)
    # A usage record's shape is no request's, but a Batch output line's is a Batch line's: only then
    # is the file looked at again, its first line however long (the whole read already, not a head)
    if kind in (None, "batch") and (usage := usage_records(data, True)) is not None:
        _refuse_usage(source, usage)
    void = "" if kind is not None else _void(data)
    if void:  # [] or {}: nothing to send, as a data file of them
        return _Input(source, "empty", f"content: {void} ({what})", data, gz, void=void)
    if kind is not None:
        chats = kind == "prompts" and opens_conversation(data[:HEAD_BYTES])
        why = (
            f"content: the whole {_noun(source)} is {_SHAPES[kind]} ({what})"
            if agree
            else f"content: JSON lines, read as {_SHAPES[kind]} by the first ({what})"
        )
        return _Input(source, kind, why, data, gz, conversations=chats, mixed=not agree)
    return _Input(source, "text", what, data, gz)


def _past(blank: re.Pattern[bytes], data: bytes, pos: int = 0) -> int:
    """The first position of ``data`` from ``pos`` that ``blank`` does not match (its length when
    all of the rest does), found in place."""
    found = blank.match(data, pos)
    return found.end() if found is not None else pos


def _void(data: bytes) -> str:
    """What ``data`` is when it holds only ``[]`` or ``{}`` (white space aside, of any length),
    else "". Matched in place: a large prompt is not copied to find it holds more."""
    start = 3 if data.startswith(BOM) else 0
    i = _past(_JSON_BLANK, data, start)
    opening = data[i : i + 1]
    if opening not in (b"[", b"{"):
        return ""
    j = _past(_JSON_BLANK, data, i + 1)
    if data[j : j + 1] != (b"]" if opening == b"[" else b"}") or _past(_JSON_BLANK, data, j + 1) != len(data):
        return ""
    return "an empty JSON array" if opening == b"[" else "an empty JSON object"


def _noun(source: str) -> str:
    return "input" if source == STDIN else "file"


def _data_kind(source: str, data: bytes, *, lines: bool = False) -> tuple[str, Any]:
    """A data file whose head shows no request: its kind from all of it, "empty" when it holds only
    ``[]`` or ``{}``, or "text" when it is valid JSON (or JSON lines) of something else; an
    InputError naming where it does not parse. With the kind, the document as parsed (None for
    JSON lines): a prompts list's items are not parsed again. ``lines``: a JSONL file (``.jsonl``,
    ``.ndjson``), whose one line ``{"prompt": "..."}`` is a prompts list's, as two such lines are."""
    body = data.removeprefix(BOM)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        kind = content_kind(data)  # JSON lines; or JSON inside \v or \f, which only strip() removes
        if kind is not None:
            return kind, None
        if not exc.msg.startswith("unexpected content after"):
            _not_json(source, exc)
        if lines and _first_line_prompt(body):  # as its first line says: a later line is a bad line
            return "prompts", None
        for n, raw in enumerate(body.splitlines(), 1):
            if raw.strip():
                try:
                    orjson.loads(raw)
                except orjson.JSONDecodeError as line_exc:
                    _not_json(source, line_exc, line=n)
        return "text", None
    kind = line_kind(value, alone=True)  # as content_kind finds it, without parsing again
    if kind is not None:
        return kind, None
    if is_prompt_array(value):  # ["...", "..."]: each string one request
        # items that give a key twice are refused by the reader, which reads the text (None)
        return "prompts", None if may_repeat(body, value) else value
    if lines and isinstance(value, dict) and prompt_text(value) is not None:  # an eval set of one line
        return "prompts", None
    if value == [] or value == {}:
        return "empty", value
    return "text", value


def _first_line_prompt(body: bytes) -> bool:
    """Whether the first line of JSON lines ``body`` is a ``{"prompt": "..."}`` object: a JSONL
    file's kind is its first line's (the head tells the other request lines' kinds already:
    :func:`~gpt41cost.readers.requests.detect_kind`), so one bad line is a bad line of a prompts
    list, not the whole file taken as text."""
    line = next((raw for raw in body.splitlines() if raw.strip()), b"")
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and line_kind(value) == "prompts"


def _not_json(source: str, exc: orjson.JSONDecodeError, line: int | None = None) -> None:
    where = f"line {line}, column {exc.colno}" if line is not None else f"line {exc.lineno}, column {exc.colno}"
    msg = exc.msg + (" (truncated?)" if exc.msg == "unexpected end of data" else "")
    what = f"{source_name(source)}: {where}: not valid JSON ({msg}); fix it"
    as_text = {"read_as": f"text={os.path.basename(source)}"}
    raise BadDocument(
        f"{what}, pass {slot('skip_bad')} to skip the file, or {slot('read_as')} to count it as text",
        values=as_text,
        skipped=f"{what}, or pass {slot('read_as')} to count it as text",
    )


class _Gunzip(gzip.GzipFile):
    """A gzip stream that hides its file descriptor, so the size a reader finds is the
    decompressed one it reads, not the compressed file's."""

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def _open_gz(source: str) -> BinaryIO:
    from .files import open_input

    return _Gunzip(fileobj=open_input(source), mode="rb")  # type: ignore[return-value]


def _gz_error(source: str, exc: BaseException) -> InputError:
    return InputError(f"{source_name(source)}: not a valid gzip file ({exc}); decompress it or fix the file")


def _gz_head(source: str) -> bytes:
    try:
        with _open_gz(source) as fh:
            return read_head_from(fh)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gz_error(source, exc) from None


def _gunzip_all(source: str) -> bytes:
    try:
        with _open_gz(source) as fh:  # a small gzip can inflate without end: refused at the limit, in pieces
            return read_limited(fh, source, MAX_WHOLE_BYTES, "prompt or single-request file", error=_gz_error)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gz_error(source, exc) from None


def gather(
    paths: Sequence[str],
    catalog: Catalog,
    *,
    force: str | Sequence[str] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    encoding: str = "utf-8",
    image_size: ImageSize | None = None,
    skip_bad: bool = False,
    text_blocks: bool = False,
    stdin: BinaryIO | None = None,
    on_progress: OnProgress | None = None,
    on_total: OnProgress | None = None,
    found: Sequence[Found] | None = None,
    totals: Totals | None = None,
    on_request: OnRequest | None = None,
) -> Gathered:
    """Read every input under ``paths``, adding each measured request to ``totals`` and handing
    it to ``on_request``, in run order, as it is read (nothing is kept per request here). A large
    JSONL file is read on every core (:mod:`~gpt41cost.readers.pool`) when only ``totals`` takes
    the requests.

    ``force``: the ``--as`` values (:func:`parse_as`). ``text_blocks``: also hash plain-text
    prompts into cache blocks (for ``--cache auto``). ``skip_bad``: a bad JSONL line, or a
    data file that does not parse, is recorded in ``skipped`` and reading goes on; without it
    the first one stops everything (batch files always read on, for the pre-flight).
    ``found``: the files to read, already expanded (a workload's globs), instead of ``paths``.
    """
    rules = parse_as(force)
    encoding = check_encoding(encoding)
    out = Gathered()
    skip_dir = out.skipped.append if skip_bad else None  # an unreadable subdirectory or a bad link: skipped, listed
    files = (
        list(found)
        if found is not None
        else find_inputs(paths, include, exclude, skip_dir, globs=True, on_link=skip_dir)
    )
    # A prompt alone in the run shares its prefix with no other request: its blocks could never
    # be a hit, cold, warm or in the steady state. Hashing them cost ~0.2 s on a 24 MB text.
    text_blocks = text_blocks and len(files) > 1

    def take(m: Measured) -> None:
        out.requests += 1
        if totals is not None:
            totals.add(m)
        if on_request is not None:
            on_request(m)

    sizes = [0 if f.path == STDIN else os.path.getsize(f.path) for f in files]
    out.total_bytes = sum(sizes)
    if on_total is not None:
        on_total(out.total_bytes)
    for entry, size in zip(files, sizes, strict=True):
        source = entry.path
        if entry.in_directory and size == 0:
            out.empty.append(Empty(source))
            continue
        try:
            inp = classify(source, rules, stdin)
            if (
                inp.kind == "empty"
                or (inp.kind == "text" and inp.data is not None and blank(inp.data.removeprefix(BOM)))
                or (
                    entry.in_directory
                    and inp.forced
                    and (blank(inp.data) if inp.data is not None else _blank_file(source, inp.gz))
                )
            ):
                if entry.in_directory:
                    out.empty.append(Empty(source, inp.void))
                    continue
                if inp.void:
                    named = source_name(source)
                    raise InputError(f"{named}: {inp.void}, nothing to count; add prompts or leave it out")
                if inp.kind == "empty":
                    raise InputError(f"{source_name(source)}: empty file; expected JSON ({inp.reason})")
            text = _prompt_text(inp, stdin, encoding)  # a blank prompt named on its own: refused there
            reason = inp.reason if text is None or not looks_unrendered(text) else f"{inp.reason}; {UNRENDERED}"
        except (BadDocument, NotText) as exc:
            if not skip_bad:
                raise
            out.skipped.append(as_skipped(exc))
            continue
        start = out.requests
        if totals is not None:
            totals.start_input()
        if text is not None:
            take(_text(source, text, catalog, text_blocks, _scaled(on_progress, size, len(text))))
        else:
            stream: BinaryIO | None = io.BytesIO(inp.data) if inp.data is not None else None
            if stream is None and inp.gz:
                stream = _open_gz(source)
            reported = 0

            def on_bytes(n: int) -> None:
                nonlocal reported
                reported += n
                if on_progress is not None:
                    on_progress(n)

            try:
                if (
                    stream is None
                    and on_request is None
                    and totals is not None
                    and inp.kind in _SPLIT
                    and pool.eligible(size)
                    and not (inp.kind == "prompts" and may_be_prompt_array(read_head(source)))
                ):
                    _requests_on_every_core(
                        out, totals, source, inp.kind, catalog, image_size, skip_bad, on_bytes, inp.conversations
                    )
                else:
                    _requests(out, source, inp, catalog, image_size, skip_bad, stream, on_bytes, take, totals)
            except BadDocument as exc:
                if not skip_bad:
                    raise
                out.skipped.append(as_skipped(exc))
                continue
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise _gz_error(source, exc) from None
            finally:
                if stream is not None:
                    stream.close()
            if on_progress is not None:
                on_progress(max(0, size - reported))
        out.inputs.append(InputFile(source, inp.kind, reason, start, out.requests))
    return out


def _blank_file(source: str, gz: bool) -> bool:
    """Is the file (inflated, if gzipped) empty or only white space? For a file ``--as`` makes a
    request file, which its reader streams: read until the first byte that is not white space."""
    from .files import cannot_read, open_input

    try:
        with _open_gz(source) if gz else open_input(source) as fh:
            while chunk := fh.read(_SNIFF):
                if not chunk.isspace():
                    return False
    except OSError as exc:
        raise (_gz_error(source, exc) if gz else cannot_read(source, exc)) from None
    except (EOFError, zlib.error) as exc:  # gzip only
        raise _gz_error(source, exc) from None
    return True


def _prompt_text(inp: _Input, stdin: BinaryIO | None, encoding: str) -> str | None:
    """A prompt file's text (None: not a prompt); :class:`NotText` for a binary file or one not
    valid in ``encoding``."""
    if inp.kind != "text":
        return None
    source = inp.source
    data = inp.data if inp.data is not None else _gunzip_all(source) if inp.gz else read_bytes(source, stdin)
    return decode_text(source, data, encoding)


def _scaled(on_progress: OnProgress | None, size: int, chars: int) -> OnProgress | None:
    """Report characters counted as the matching share of the file's bytes."""
    if on_progress is None:
        return None
    done = [0, 0]  # characters seen, bytes reported

    def advance(n: int) -> None:
        done[0] += n
        target = size * done[0] // max(chars, 1)
        on_progress(target - done[1])
        done[1] = target

    return advance


def _text(source: str, text: str, catalog: Catalog, blocks: bool, on_chars: OnProgress | None = None) -> Measured:
    from ..tokens import count_tokens

    names = list(catalog.models)
    if not blocks:
        n = count_tokens(text, on_chars, source)
        return Measured(source=source, kind="text", input_tokens=dict.fromkeys(names, n))
    from ..cache import prompt_hashes
    from ..tokens import encode_ids

    ids = encode_ids(text, on_chars, source)  # refuses a run too long to tokenize, as counting does
    hashes, own = prompt_hashes(ids, catalog.cache_step_tokens)
    return Measured(
        source=source,
        kind="text",
        input_tokens=dict.fromkeys(names, len(ids)),
        cache_blocks=dict.fromkeys(names, hashes),
        cache_prompts=dict.fromkeys(names, own),
    )


def _requests(
    out: Gathered,
    source: str,
    inp: _Input,
    catalog: Catalog,
    image_size: ImageSize | None,
    skip_bad: bool,
    stream: BinaryIO | None,
    on_bytes: OnProgress | None,
    take: OnRequest,
    totals: Totals | None,
) -> None:
    kind = inp.kind
    facts = tally = None
    groups = len(totals.groups) if totals is not None else 0
    if kind == "batch":  # its input sizes are the totals' (the same requests): counted once, there
        facts, tally = BatchFacts(), BatchTally(catalog, sizes=totals is None)
    skipped_here: Skipped[InputError] = Skipped()
    on_error = skipped_here.append if (skip_bad or kind == "batch") else None

    def take_and_tally(m: Measured) -> None:
        take(m)
        if tally is not None:
            tally.add(m)

    try:
        _read_into(
            take_and_tally,
            source,
            kind,
            catalog,
            image_size,
            on_error,
            facts,
            stream=stream,
            on_bytes=on_bytes,
            items=inp.items,
            conversations=inp.conversations,
        )
    except InputError as exc:
        _requests_error(exc, kind, source if inp.mixed else None)
    if facts is not None and tally is not None:
        if totals is not None:
            for group in totals.groups[groups:]:  # this input's (one: it began a group of its own)
                tally.take_sizes(group.sizes)
        out.batches.append((facts, tally))
        if skip_bad:
            out.skipped += skipped_here
    else:
        out.skipped += skipped_here


@dataclass
class _Part:
    """What a reading process hands back of one range of a file: its totals, not its requests."""

    totals: Totals
    tally: BatchTally | None
    facts: BatchFacts
    skipped: Skipped[InputError]
    nbytes: int
    error: InputError | None = None  # the range's first bad line, when reading stopped there


def _requests_on_every_core(
    out: Gathered,
    totals: Totals,
    source: str,
    kind: str,
    catalog: Catalog,
    image_size: ImageSize | None,
    skip_bad: bool,
    on_bytes: OnProgress | None,
    conversations: bool,
) -> None:
    """:func:`_requests` with the file read in ranges by forked processes; the same result."""
    collect = skip_bad or kind == "batch"

    def read(span: pool.Span) -> _Part:
        return _read_part(source, kind, catalog, image_size, totals.output_tokens, collect, span, conversations)

    facts, tally = BatchFacts(), BatchTally(catalog)
    skipped: Skipped[InputError] = Skipped()
    size = os.path.getsize(source)
    read_here = 0
    for part in pool.map_spans(source, read, pool.spans(source, size)):
        if part.error is not None:
            _requests_error(part.error, kind)
        totals.merge(part.totals)
        read_here += part.totals.requests
        if part.tally is not None:
            tally.merge(part.tally)
        facts.merge(part.facts)
        skipped += part.skipped
        if on_bytes is not None:
            on_bytes(part.nbytes)
    facts.file_bytes = size
    out.requests += read_here
    if not read_here and not skipped and not facts.lines:
        raise InputError(f"{source_name(source)}: empty file; expected {kind} JSONL (one JSON value per line)")
    if kind == "batch":
        out.batches.append((facts, tally))
    if skip_bad or kind != "batch":
        out.skipped += skipped


def _read_part(
    source: str,
    kind: str,
    catalog: Catalog,
    image_size: ImageSize | None,
    output_tokens: Mapping[str, int],
    collect: bool,
    span: pool.Span,
    conversations: bool = False,
) -> _Part:
    """What a reading process hands back of one range of a file (``collect``: its bad lines are
    kept, not raised)."""
    totals = Totals(catalog, output_tokens, defer=True)
    # The tally's input sizes are the totals' sizes (the same requests): counted once, here.
    tally = BatchTally(catalog, sizes=False) if kind == "batch" else None
    part = _Part(totals, tally, BatchFacts(), Skipped(), span[1] - span[0])
    add_total, add_tally = totals.add, tally.add if tally is not None else None

    def take(m: Measured) -> None:
        add_total(m)
        if add_tally is not None:
            add_tally(m)

    try:
        on_error = part.skipped.append if collect else None
        _read_into(
            take, source, kind, catalog, image_size, on_error, part.facts, span=span, conversations=conversations
        )
    except InputError as exc:
        part.error = exc  # pickled whole: an Advice's parameters are spelled in the parent as its caller's
    if tally is not None:
        tally.take_sizes(totals.sizes)
    return part


def _read_into(
    take: OnRequest,
    source: str,
    kind: str,
    catalog: Catalog,
    image_size: ImageSize | None,
    on_error: Callable[[InputError], None] | None,
    facts: BatchFacts | None,
    *,
    stream: BinaryIO | None = None,
    on_bytes: OnProgress | None = None,
    span: pool.Span | None = None,
    items: list[Any] | None = None,
    conversations: bool = False,
) -> None:
    """Hand every request of ``source`` (or of its ``span``, or its prompts list's ``items``,
    parsed already) to ``take``, in file order."""
    for m in read_requests(
        source,
        kind,
        catalog,
        image_size=image_size,
        on_error=on_error,
        facts=facts,
        stream=stream,
        on_bytes=on_bytes,
        span=span,
        items=items,
        conversations=conversations,
    ):
        take(m)


#: What a bad line of a request file stops, and how to go on (said after the line's own message),
#: naming the parameter as :class:`~gpt41cost.readers.text.Advice` does (``slot('skip_bad')``).
BAD_LINE_ADVICE = f"nothing was counted: fix the line or pass {slot('skip_bad')} to count the other lines"


class UncountableAdvice(Uncountable, Advice):
    """A line gpt41cost will not count (still an :class:`~gpt41cost.errors.Uncountable`), whose
    message names ``skip_bad`` as :class:`~gpt41cost.readers.text.Advice` does."""


def _requests_error(exc: InputError, kind: str, mixed: str | None = None) -> None:
    """Raise a request file's error, said as a bad line of its kind is; ``mixed``: the source of JSON
    lines told from the content whose lines did not all agree (or parse): one prompt, maybe."""
    if kind == "image" and isinstance(exc, BadImage):  # an image file that cannot be read: skippable
        fix = "replace the file or leave it out"
        raise BadDocument(
            f"{exc.message}; {fix}, or pass {slot('skip_bad')} to skip it", skipped=f"{exc.message}; {fix}"
        ) from None
    if kind in ("finetune", "prompts") and " line " in exc.message:
        if isinstance(exc, Advice):  # its own advice (read_as), then the bad line's
            raise exc.then(f"; {BAD_LINE_ADVICE}") from None
        if mixed is None:
            raise Advice(f"{exc.message}; {BAD_LINE_ADVICE}") from None
        raise Advice(
            f"{exc.message}; {BAD_LINE_ADVICE}, or {slot('read_as')} if it is one prompt",
            values={"read_as": as_value("text", mixed)},
        ) from None
    raise exc


__all__ = [
    "BAD_LINE_ADVICE",
    "DATA_EXTENSIONS",
    "EMPTY_FILE",
    "IMAGE_EXTENSIONS",
    "AsRule",
    "Empty",
    "Gathered",
    "UncountableAdvice",
    "all_empty",
    "classify",
    "content_kind",
    "gather",
    "holds",
    "nothing_to_send",
    "parse_as",
]
