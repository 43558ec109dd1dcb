"""Prompt files: files, directories (recursive, with include/exclude globs) and stdin.

Each file is one request's prompt. Text is decoded strictly (no newline translation: the
count is of the file's exact characters, CRLF included, but for a byte order mark at its start,
which no program sends); a file that is binary, not valid
in the chosen encoding, empty, missing or unreadable raises :class:`InputError` naming it.
"""

from __future__ import annotations

import codecs
import fnmatch
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import BinaryIO

from msgspec import Struct

from ..errors import STDIN, InputError, InputParameterError, ParameterError, quoted, slot, slots, source_name
from .files import BOM, BadLink, UnreadableDirectory, blank, path_kind, read_limited, read_whole, stdin_stream, walk

#: Bytes inspected for a NUL byte to tell binary files from text.
SNIFF_BYTES = 8192


def check_encoding(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ParameterError(
            f"{slot('encoding')}: unknown text encoding {quoted(encoding)} (try utf-8, utf-16, latin-1)"
        ) from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, bz2, base64: codecs, not text encodings
        raise ParameterError(
            f"{slot('encoding')}: {quoted(encoding)} is not a text encoding (try utf-8, utf-16, latin-1)",
        )
    return info.name


#: How the API spells a reading argument that a message tells the caller to give: ``skip_bad`` is
#: a switch, given as True (the others as themselves, or with :class:`Advice`'s value).
READING_API = {"skip_bad": "skip_bad=True"}
#: The command line's flag for each reading argument, for a skipped input's record: a report note,
#: which the CLI prints as the library words it (``--skip-bad``'s notes: "skipped: ...").
READING_FLAGS = {
    "include": "--include",
    "exclude": "--exclude",
    "encoding": "--encoding",
    "read_as": "--as",
    "skip_bad": "--skip-bad",
}


def _flag(param: str) -> str:
    """How the command line names a reading parameter (:data:`READING_FLAGS`)."""
    return READING_FLAGS.get(param, param)


class Advice(InputParameterError):
    """A bad input whose message says which reading argument to give, as a
    :class:`~gpt41cost.errors.ParameterError` names one: ``slot('name')`` in ``template``, spelled as the
    API's parameter (``skip_bad=True``, ``include``) in :attr:`message` and as its flag by the CLI
    (``--skip-bad``, ``--include``). ``values``: the value to give with a parameter, which the API
    writes as a keyword argument (``encoding='utf-16'``) and the CLI after its flag
    (``--encoding utf-16``); several, for a parameter the template names several times, one a place
    in order (``read_as='finetune=a.jsonl' or read_as='prompts=a.jsonl'``); ``api``: another
    spelling for the API (``include=GLOB``).

    Still an :class:`InputError` (exit 3). ``skipped``: how the input is recorded when it is
    skipped (:meth:`skipped`), a template as ``template`` is (its parameters written with
    ``slot``, given ``values``); default: the message. Either is worded as the command line words
    it, the flags :data:`READING_FLAGS`."""

    def __init__(
        self,
        template: str,
        *,
        values: Mapping[str, str | Sequence[str]] | None = None,
        skipped: str | None = None,
        api: Mapping[str, str] | None = None,
    ) -> None:
        self.values = {p: (v,) if isinstance(v, str) else tuple(v) for p, v in (values or {}).items()}
        super().__init__(template, api={**READING_API, **(api or {})})
        self.skipped_message = self._spelled(self.template if skipped is None else skipped, _flag)

    def named(self, spell: Callable[[str], str]) -> str:
        """The message with each parameter spelled by ``spell``; a flag followed by its value (the
        API's parameter as a keyword argument given it, unless ``api`` spells it otherwise)."""
        return self._spelled(self.template, spell)

    def _spelled(self, text: str, spell: Callable[[str], str]) -> str:
        """The template ``text`` with each parameter spelled by ``spell``, as :meth:`named` says."""
        for p in slots(text):
            word = spell(p)
            values = self.values.get(p)
            if not values or word == self.api.get(p):
                text = text.replace(slot(p), word)
                continue
            first, *rest = text.split(slot(p))
            given = [f"{p}={v!r}" if word == p else f"{word} {v}" for v in values]
            text = first + "".join(given[min(i, len(given) - 1)] + piece for i, piece in enumerate(rest))
        return text

    def then(self, text: str) -> Advice:
        """This advice followed by ``text`` (a template, its parameters written with ``slot``), its values kept."""
        return Advice(self.template + text, values=self.values, api=self.api)

    def skipped(self) -> InputError:
        """The error as a skipped input's record."""
        return InputError(self.skipped_message)


class Found(Struct, frozen=True):
    """An input file, and whether it was found inside a directory (or by a glob) rather than
    named on its own: an empty file found is skipped, an empty file named is an error."""

    path: str
    in_directory: bool = False


def expand_paths(paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """The paths of :func:`find_inputs`."""
    return [f.path for f in find_inputs(paths, include, exclude)]


def find_inputs(
    paths: Sequence[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    on_error: Callable[[UnreadableDirectory], None] | None = None,
    globs: bool = False,
    on_link: Callable[[BadLink], None] | None = None,
    skippable: bool = False,
) -> list[Found]:
    """Files named directly, plus the files under each directory that match the globs, sorted.

    ``include``/``exclude`` are fnmatch globs tried against the path relative to the
    directory and against the bare file name. Hidden files and directories (``.git``) are
    skipped inside directories. Files named directly are always taken. ``on_error``
    (``--skip-bad``) takes an unreadable subdirectory, which is then left out; ``on_link``
    (``--skip-bad``) a broken link or a link loop kept by the globs, as a skipped input's record;
    without it one is an error saying what to do. A path excluded is never looked at.
    ``globs``: the caller takes ``include``/``exclude`` arguments, which a directory with no file
    left and a bad link name; ``skippable``: it takes ``skip_bad`` without them (usage), which a bad
    link's error names.
    """
    out: list[Found] = []
    for raw in paths:
        if raw == STDIN:
            out.append(Found(STDIN))
            continue
        if path_kind(raw) == "dir":
            found = sorted(_walk(raw, include, exclude, on_error, on_link, globs, skippable))
            if not found:
                what = f" matching {', '.join(include)}" if include else ""
                if not globs:  # a reader without include/exclude (usage, costs): no argument to name
                    raise InputError(f"{raw}: directory has no files{what}; check the path")
                hint = f"check the path or {slot('include')}/{slot('exclude')}"
                raise Advice(f"{raw}: directory has no files{what}; {hint}")
            out += [Found(f, True) for f in found]
        else:
            out.append(Found(raw))  # a named FIFO or device is read as a stream, with read_whole's bound
    return out


def matches(rel: str, name: str, globs: Sequence[str]) -> bool:
    """Does the path ``rel`` (or the bare file ``name``) match one of the ``globs``?

    fnmatch globs (``*`` also matches ``/``), read as .gitignore reads them besides: ``**/``
    matches zero or more directories (``**/drafts/**`` takes ``drafts/a.txt`` as well as
    ``x/drafts/a.txt``), and a glob that matches a directory on the path (``drafts``,
    ``**/drafts``) matches every file under it."""
    rel = rel.replace(os.sep, "/")
    dirs = [d for d in rel.split("/")[:-1] if d]
    # the directories on the path, as paths (a, a/b) and as names (a, b)
    above = ["/".join(dirs[: i + 1]) for i in range(len(dirs))] + dirs
    for g in globs:
        for v in _zero_dirs(g):
            if fnmatch.fnmatch(rel, v) or fnmatch.fnmatch(name, v) or any(fnmatch.fnmatch(d, v) for d in above):
                return True
    return False


@functools.lru_cache(maxsize=64)
def _zero_dirs(glob: str) -> tuple[str, ...]:
    """``glob`` and its forms with any ``**/`` (at the start or after a ``/``) matching no directory."""
    pieces = re.split(r"(?:^|(?<=/))\*\*/", glob)
    if len(pieces) > 6:  # no one writes five **/ in a glob; do not try 2**n forms
        return (glob,)
    forms = [pieces[0]]
    for piece in pieces[1:]:
        forms = [f + sep + piece for f in forms for sep in ("**/", "")]
    return tuple(dict.fromkeys(forms))


def kept(rel: str, name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Does ``--include``/``--exclude`` keep the path ``rel`` (file ``name``)? (:func:`matches`)"""
    return (not include or matches(rel, name, include)) and not (exclude and matches(rel, name, exclude))


def dir_excluded(rel: str, exclude: Sequence[str]) -> bool:
    """Is every file under the directory ``rel`` excluded, whatever its name? True when a glob
    matches the directory (as a path or a name) or one above it, as :func:`matches` reads it for
    a file under it: such a directory is not walked."""
    if not exclude:
        return False
    dirs = [d for d in rel.replace(os.sep, "/").split("/") if d]
    above = ["/".join(dirs[: i + 1]) for i in range(len(dirs))] + dirs
    return any(fnmatch.fnmatch(d, v) for g in exclude for v in _zero_dirs(g) for d in above)


def bad_link(err: BadLink, root: str, globs: bool, skippable: bool = False) -> Advice:
    """The error for a broken link or a link loop found under ``root``: what to do, with the
    ``exclude`` value that leaves it out and ``skip_bad`` when the caller takes globs (estimate and
    limits), ``skip_bad`` alone when it takes that only (``skippable``: usage); :meth:`Advice.skipped`
    is its record for ``--skip-bad``."""
    if not globs:
        fix = "point it at a file or remove it"
        if not skippable:  # costs files: no skip_bad to offer
            return Advice(f"{err.path}: {err.why}; {fix}")
        return Advice(
            f"{err.path}: {err.why}; {fix}, or pass {slot('skip_bad')} to skip it",
            skipped=f"{err.path}: {err.why}; {fix}",
        )
    rel = os.path.relpath(err.path, root).replace(os.sep, "/")
    fix = f"point it at a file or leave it out with {slot('exclude')}"
    return Advice(
        f"{err.path}: {err.why}; {fix}, or pass {slot('skip_bad')} to skip it",
        values={"exclude": rel},
        api={"exclude": f"exclude=[{rel!r}]"},
        skipped=f"{err.path}: {err.why}; {fix}",
    )


def _walk(
    root: str,
    include: Sequence[str],
    exclude: Sequence[str],
    on_error: Callable[[UnreadableDirectory], None] | None,
    on_link: Callable[[BadLink], None] | None = None,
    globs: bool = False,
    skippable: bool = False,
) -> Iterator[str]:
    def keep(rel: str, name: str) -> bool:
        return kept(rel, name, include, exclude)

    def link(err: BadLink) -> None:
        advice = bad_link(err, root, globs, skippable)
        if on_link is None:
            raise advice
        on_link(BadLink(err.path, advice.skipped_message.removeprefix(f"{err.path}: ")))

    prune = functools.partial(dir_excluded, exclude=exclude) if exclude else None
    for full, _rel in walk(root, on_error, keep if include or exclude else None, prune, link):
        yield full


def read_bytes(source: str, stdin: BinaryIO | None = None) -> bytes:
    if source == STDIN:
        return read_limited(stdin if stdin is not None else stdin_stream(), "stdin", what="prompt")
    return read_whole(source, what="prompt or single-request file")


class NotText(Advice):
    """A prompt file that is not text: binary (a PDF, a zip, NUL bytes) or not valid in the
    encoding. ``--skip-bad`` skips the file, as it skips a data file that does not parse; its
    record keeps the advice, in the command line's words."""


#: The leading bytes of common binary files, which no encoding makes a prompt of (a PDF read as
#: latin-1 decodes, and would be counted as thousands of tokens of noise).
_MAGICS = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip archive (docx, xlsx, odt, epub, jar)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (doc, xls, ppt, msg)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x1f\x8b", "gzip data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
)
#: C0 control bytes text does not hold (tab, newline, vertical tab, form feed, CR and ESC do).
_CONTROLS = bytes(b for b in range(32) if b not in (8, 9, 10, 11, 12, 13, 27)) + b"\x7f"


@functools.lru_cache(maxsize=8)
def _nul_free(encoding: str) -> bool:
    """Is ``encoding``'s text free of NUL bytes (so that a NUL byte marks a binary file)?"""
    try:
        return b"\x00" not in "a\n".encode(encoding)
    except (UnicodeError, LookupError):
        return False


def binary_reason(data: bytes, encoding: str = "utf-8") -> str | None:
    """Why the raw bytes ``data`` look binary in any encoding, or None: a known file signature
    (a PDF, a zip), or, in an encoding whose text has no NUL bytes (every one but UTF-16 and
    UTF-32), a NUL byte or more than 10% of control bytes in the first ``SNIFF_BYTES``."""
    for magic, what in _MAGICS:
        if data.startswith(magic):
            return what
    if not _nul_free(encoding):  # UTF-16/32: NUL bytes are text
        return None
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return "NUL bytes"
    controls = len(head) - len(head.translate(None, _CONTROLS))
    if controls * 10 > len(head):
        return "control bytes"
    return None


#: A template's markup on one line: a Jinja or mustache (Handlebars, Go template) variable or
#: section ``{{ name }}``, ``{{#items}}``, ``{{/items}}``, ``{{> partial}}``, ``{{{raw}}}``,
#: ``{{ .Name }}``; a Jinja tag ``{% for x in y %}``; a Jinja comment ``{# ... #}``. A name must
#: follow ``{{`` (a JSON or Python literal such as ``{{1, 2}}`` or ``{{'a': 1}}`` is no template).
_TEMPLATE = re.compile(
    r"\{\{\{?-?[ \t]*[#/^>&!.]?[ \t]*[A-Za-z_][^{}\n]{0,200}?\}\}"
    r"|\{%-?[ \t]*[A-Za-z_]\w*\b[^\n{}%]{0,200}%\}"
    r"|\{#[^\n{}#]{0,200}#\}"
)  # no brace inside: a try ends at the next one, so a run of "{#{#{#" is read in linear time


def looks_unrendered(text: str) -> bool:
    """Does the prompt hold template markup (:data:`_TEMPLATE`), left to render? It is counted as
    written, its placeholders and tags for tokens, not the text they would become."""
    if "{{" not in text and "{%" not in text and "{#" not in text:  # most prompts: at C speed
        return False
    return _TEMPLATE.search(text) is not None


#: A byte order mark (U+FEFF) as text: Windows editors save "UTF-8 with BOM", and it marks the
#: encoding, it is no prompt text (the JSON readers drop it too).
BOM_TEXT = "\ufeff"


def decode_text(source: str, data: bytes, encoding: str = "utf-8") -> str:
    """Decode strictly, without a byte order mark at the very start; refuse binary data (in any
    encoding: :func:`binary_reason` reads the raw bytes) and empty files (a mark alone too)."""
    label = source_name(source)
    if blank(data.removeprefix(BOM)):  # a mark alone is empty too
        raise InputError(f"{label}: empty file; a prompt needs some text")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and b"\x00" in data[:SNIFF_BYTES] and _nul_free(encoding):
        raise NotText(
            f"{label}: a UTF-16 text file (byte order mark); add {slot('encoding')}",
            values={"encoding": "utf-16"},
        )
    why = binary_reason(data, encoding)
    if why is not None:
        raise NotText(
            f"{label}: looks like a binary file ({why}), not a prompt; pass text files, or {slot('include')} to filter",
            api={"include": "include=GLOB"},
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise NotText(
            f"{label}: not valid {encoding} at byte {exc.start}; convert the file or pass {slot('encoding')} "
            "(e.g. latin-1)",
        ) from None
    return text.removeprefix(BOM_TEXT)  # a copy only when the mark is there (utf-16-le keeps one too)
