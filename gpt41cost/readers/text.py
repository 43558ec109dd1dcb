"""Prompt files: files, directories (recursive, with include/exclude globs) and stdin.

Each file is one request's prompt. Text is decoded strictly (no newline translation: the
count is of the file's exact characters, CRLF included); a file that is binary, not valid
in the chosen encoding, empty, missing or unreadable raises :class:`InputError` naming it.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError, ParameterError
from .files import cannot_read, open_input, stdin_stream

#: Bytes inspected for a NUL byte to tell binary files from text.
SNIFF_BYTES = 8192
STDIN = "-"


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError(
            "{encoding}: unknown text encoding " + repr(encoding) + " (try utf-8, utf-16, latin-1)", "encoding"
        ) from None


@dataclass(frozen=True)
class Found:
    """An input file, and whether it was found inside a directory (or by a glob) rather than
    named on its own: an empty file found is skipped, an empty file named is an error."""

    path: str
    in_directory: bool = False


def expand_paths(paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """The paths of :func:`find_inputs`."""
    return [f.path for f in find_inputs(paths, include, exclude)]


def find_inputs(paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Found]:
    """Files named directly, plus the files under each directory that match the globs, sorted.

    ``include``/``exclude`` are fnmatch globs tried against the path relative to the
    directory and against the bare file name. Hidden files and directories (``.git``) are
    skipped inside directories. Files named directly are always taken.
    """
    out: list[Found] = []
    for raw in paths:
        if raw == STDIN:
            out.append(Found(STDIN))
            continue
        p = Path(raw)
        if p.is_dir():
            found = sorted(_walk(p, include, exclude))
            if not found:
                what = f" matching {', '.join(include)}" if include else ""
                raise InputError(f"{raw}: directory has no files{what}; check the path or --include/--exclude")
            out += [Found(f, True) for f in found]
        elif p.exists():
            out.append(Found(raw))
        else:
            raise InputError(f"{raw}: no such file or directory")
    return out


def matches(rel: str, name: str, globs: Sequence[str]) -> bool:
    """Does the path ``rel`` (or the bare file ``name``) match one of the fnmatch ``globs``?"""
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in globs)


def _walk(root: Path, include: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if include and not matches(rel, name, include):
                continue
            if exclude and matches(rel, name, exclude):
                continue
            yield full


def read_bytes(source: str, stdin: BinaryIO | None = None) -> bytes:
    if source == STDIN:
        stream = stdin if stdin is not None else stdin_stream()
        return stream.read()
    with open_input(source) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise cannot_read(source, exc) from None


def decode_text(source: str, data: bytes, encoding: str = "utf-8") -> str:
    """Decode strictly; refuse binary data and empty files."""
    label = "stdin" if source == STDIN else source
    if not data.strip():
        raise InputError(f"{label}: empty file; a prompt needs some text")
    if encoding.replace("-", "").lower() in ("utf8",) and b"\x00" in data[:SNIFF_BYTES]:
        raise InputError(f"{label}: looks like a binary file (NUL bytes); pass text files, or --include to filter")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{label}: not valid {encoding} at byte {exc.start}; convert the file or pass --encoding (e.g. latin-1)"
        ) from None
