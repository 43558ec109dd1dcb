"""Prompt files: files, directories (recursive, with include/exclude globs) and stdin.

Each file is one request's prompt. Text is decoded strictly (no newline translation: the
count is of the file's exact characters, CRLF included); a file that is binary, not valid
in the chosen encoding, empty, missing or unreadable raises :class:`InputError` naming it.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import InputError, ParameterError
from .files import UnreadableDirectory, blank, path_kind, read_limited, read_whole, stdin_stream, walk

#: Bytes inspected for a NUL byte to tell binary files from text.
SNIFF_BYTES = 8192
STDIN = "-"


def check_encoding(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ParameterError(
            "{encoding}: unknown text encoding " + repr(encoding) + " (try utf-8, utf-16, latin-1)", "encoding"
        ) from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, bz2, base64: codecs, not text encodings
        raise ParameterError(
            "{encoding}: " + repr(encoding) + " is not a text encoding (try utf-8, utf-16, latin-1)", "encoding"
        )
    return info.name


@dataclass(frozen=True)
class Found:
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
) -> list[Found]:
    """Files named directly, plus the files under each directory that match the globs, sorted.

    ``include``/``exclude`` are fnmatch globs tried against the path relative to the
    directory and against the bare file name. Hidden files and directories (``.git``) are
    skipped inside directories. Files named directly are always taken. ``on_error``
    (``--skip-bad``) takes an unreadable subdirectory, which is then left out.
    """
    out: list[Found] = []
    for raw in paths:
        if raw == STDIN:
            out.append(Found(STDIN))
            continue
        if path_kind(raw) == "dir":
            found = sorted(_walk(raw, include, exclude, on_error))
            if not found:
                what = f" matching {', '.join(include)}" if include else ""
                raise InputError(f"{raw}: directory has no files{what}; check the path or --include/--exclude")
            out += [Found(f, True) for f in found]
        else:
            out.append(Found(raw))  # a named FIFO or device is read as a stream, with read_whole's bound
    return out


def matches(rel: str, name: str, globs: Sequence[str]) -> bool:
    """Does the path ``rel`` (or the bare file ``name``) match one of the fnmatch ``globs``?"""
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in globs)


def _walk(
    root: str, include: Sequence[str], exclude: Sequence[str], on_error: Callable[[UnreadableDirectory], None] | None
) -> Iterator[str]:
    for full, rel in walk(root, on_error):
        name = os.path.basename(full)
        if include and not matches(rel, name, include):
            continue
        if exclude and matches(rel, name, exclude):
            continue
        yield full


def read_bytes(source: str, stdin: BinaryIO | None = None) -> bytes:
    if source == STDIN:
        return read_limited(stdin if stdin is not None else stdin_stream(), "stdin", what="prompt")
    return read_whole(source, what="prompt or single-request file")


def decode_text(source: str, data: bytes, encoding: str = "utf-8") -> str:
    """Decode strictly; refuse binary data and empty files."""
    label = "stdin" if source == STDIN else source
    if blank(data):
        raise InputError(f"{label}: empty file; a prompt needs some text")
    if encoding.replace("-", "").lower() in ("utf8",) and b"\x00" in data[:SNIFF_BYTES]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise InputError(f"{label}: a UTF-16 text file (byte order mark); add --encoding utf-16")
        raise InputError(f"{label}: looks like a binary file (NUL bytes); pass text files, or --include to filter")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{label}: not valid {encoding} at byte {exc.start}; convert the file or pass --encoding (e.g. latin-1)"
        ) from None
