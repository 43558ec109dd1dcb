"""Opening input files: the one place where the OS's errors become one-line :class:`InputError` s.

Every reader opens its files through :func:`open_input` (or words an error of a later read with
:func:`cannot_read`), so a missing file, a directory, a permission problem or an I/O error reads
the same whatever the command.
"""

from __future__ import annotations

from typing import BinaryIO

from ..errors import InputError


def cannot_read(source: str, exc: OSError) -> InputError:
    """The one-line error for an OS error met while opening or reading ``source``."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{source}: no such file")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{source}: is a directory; pass it as a directory argument")
    if isinstance(exc, PermissionError):
        return InputError(f"{source}: permission denied; check the file's permissions")
    return InputError(f"{source}: cannot read: {exc.strerror or exc}")


def stdin_stream() -> BinaryIO:
    """Standard input as bytes, for ``-``; a closed stdin is one error, not an AttributeError."""
    import sys

    if sys.stdin is None:
        raise InputError("stdin is closed; pipe the input in, or name a file instead of '-'")
    return sys.stdin.buffer


def open_input(source: str) -> BinaryIO:
    """Open an input file for reading bytes; OS errors become one-line InputErrors naming it."""
    try:
        return open(source, "rb")
    except OSError as exc:
        raise cannot_read(source, exc) from None
