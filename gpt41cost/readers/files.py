"""Opening input files: the one place where the OS's errors become one-line :class:`InputError` s.

Every reader opens its files through :func:`open_input` (or words an error of a later read with
:func:`cannot_read`), so a missing file, a directory, a permission problem or an I/O error reads
the same whatever the command. Also here, for every reader:

- :func:`walk`: the files under a directory. Only regular files are taken (a FIFO, a socket or a
  device found there is not an input, and reading one could block forever); a broken symbolic
  link, a link loop or a subdirectory that cannot be read is an error naming it, or a skipped
  input with ``--skip-bad``, never skipped in silence; one excluded is never looked at.
- :func:`path_kind`: what a named path is, with a path too long or a link loop as one line.
- :func:`read_whole`: the whole of a file read at once (a prompt, a workload, a catalog), at most
  a bound: a named special file (``/dev/zero``, a FIFO) is read as a stream and stops there.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from typing import IO, BinaryIO

from ..errors import InputError


def cannot_read(source: str, exc: OSError) -> InputError:
    """The one-line error for an OS error met while opening or reading ``source``."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{source}: no such file")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{source}: is a directory; pass it as a directory argument")
    if isinstance(exc, PermissionError):
        return InputError(f"{source}: permission denied; check the file's permissions")
    if exc.errno == errno.ELOOP:
        return InputError(f"{source}: a symbolic link loop; point the link at a file")
    if exc.errno == errno.ENAMETOOLONG:
        return InputError(f"{source[:60]}...: path too long for this system")
    return InputError(f"{source}: cannot read: {exc.strerror or exc}")


class UnreadableDirectory(InputError):
    """A directory found while walking that cannot be listed: ``path`` and ``why``."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


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


#: The most bytes read whole from one file: a prompt, a single-request JSON file, a workload or a
#: catalog. Larger inputs are streamed by their readers (JSONL, usage logs) or refused.
MAX_WHOLE_BYTES = 64 * 1024 * 1024
#: The most bytes of a workload file or a catalog (the shipped catalog is under 20 KB).
MAX_YAML_BYTES = 4 * 1024 * 1024
#: A UTF-8 byte order mark, which some editors write first: no text of a prompt, and orjson refuses
#: it; the one spelling of it every reader strips.
BOM = b"\xef\xbb\xbf"


def blank(data: bytes) -> bool:
    """Is ``data`` empty or only ASCII white space (what ``bytes.strip`` removes)? Unlike
    ``not data.strip()``, it does not copy a large file to answer no."""
    return not data or data.isspace()


def read_whole(source: str, limit: int = MAX_WHOLE_BYTES, what: str = "file") -> bytes:
    """All of ``source`` (a path), refused past ``limit`` bytes without reading further."""
    with open_input(source) as fh:
        return read_limited(fh, source, limit, what)


#: The first read of a stream whose size is not known (stdin, a pipe); each next one doubles.
FIRST_READ = 1 << 20


def read_limited(
    fh: BinaryIO,
    source: str,
    limit: int = MAX_WHOLE_BYTES,
    what: str = "file",
    error: Callable[[str, OSError], InputError] = cannot_read,
) -> bytes:
    """All of the stream ``fh``, refused past ``limit`` bytes without reading further. A regular
    file is read in one call of its size (and one more to see its end); ``read(limit + 1)`` would
    have Python set aside a buffer of the limit for each file (64 MiB: some 45 us a file, with
    thousands of prompt files), so a stream of unknown size is read in growing pieces instead.
    An OS error is ``error(source, exc)`` (a gzip stream's says the file is no valid gzip)."""
    try:
        size = regular_size(fh)
        step = FIRST_READ if size is None else size + 1
        pieces: list[bytes] = []
        got = 0
        while got <= limit:
            piece = fh.read(min(step, limit + 1 - got))
            if not piece:
                break
            got += len(piece)
            if got > limit:  # refused before the pieces are joined: a copy of the limit not made
                raise too_large(source, limit, what)
            pieces.append(piece)
            step = max(step, FIRST_READ) * 2
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)
    except OSError as exc:
        raise error(source, exc) from None


def too_large(source: str, limit: int, what: str = "file") -> InputError:
    """The error for ``source``, read whole, found over ``limit`` bytes."""
    return InputError(
        f"{source}: over {limit // (1024 * 1024)} MiB read whole; a {what} is at most that "
        "(request and usage logs are streamed: give them as .jsonl)"
    )


def regular_size(fh: IO[bytes]) -> int | None:
    """The size of ``fh`` when it is a regular file (None: a pipe, a device, a stream in memory)."""
    try:
        st = os.fstat(fh.fileno())
    except (OSError, AttributeError, ValueError):  # io.UnsupportedOperation is an OSError and a ValueError
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def path_kind(source: str) -> str:
    """``"dir"``, ``"file"`` (regular) or ``"special"`` (FIFO, device, socket) for a named path,
    following links; a missing path, a broken link, a loop or a path too long is an InputError."""
    try:
        mode = os.stat(source).st_mode
    except FileNotFoundError:
        if os.path.islink(source):
            raise InputError(f"{source}: a broken symbolic link; point it at a file") from None
        raise InputError(f"{source}: no such file or directory") from None
    except OSError as exc:
        raise cannot_read(source, exc) from None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "special"


class BadLink(UnreadableDirectory):
    """A symbolic link found while walking that leads to no file: broken, or a loop (``why``)."""


def _link_problem(path: str, exc: OSError) -> str:
    """Why the entry ``path`` found in a directory cannot be followed (``os.stat`` raised ``exc``)."""
    if isinstance(exc, FileNotFoundError):
        return "a broken symbolic link" if os.path.islink(path) else "no such file (removed while it was read)"
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    return cannot_read(path, exc).message.removeprefix(f"{path}: ")


def walk(
    root: str,
    on_error: Callable[[UnreadableDirectory], None] | None = None,
    keep: Callable[[str, str], bool] | None = None,
    prune: Callable[[str], bool] | None = None,
    on_link: Callable[[BadLink], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """``(path, path relative to root)`` of the regular files under ``root``, hidden entries left
    out, in sorted order per directory. Links to files are followed, links to directories are not
    (no loop). ``keep(rel, name)`` says whether a file is wanted and ``prune(rel)`` whether a whole
    subdirectory is not (``--include``/``--exclude``): an entry left out is never looked at, so a
    broken link or an unreadable directory excluded is no error. A broken link or a link loop
    kept is a :class:`BadLink`, passed to ``on_link`` (``--skip-bad``) or raised; an unreadable
    directory is an InputError; with ``on_error`` (``--skip-bad``) an unreadable subdirectory is
    passed to it (an :class:`UnreadableDirectory`) and left out."""

    def fail(exc: OSError) -> None:
        where = exc.filename if isinstance(exc.filename, str) else root
        if isinstance(exc, PermissionError):
            err = UnreadableDirectory(where, "directory cannot be read (permission denied); fix it or leave it out")
        else:
            said = cannot_read(where, exc).message
            err = UnreadableDirectory(where, said.removeprefix(f"{where}: "))
        if on_error is None or where == root:
            raise err from None
        on_error(err)

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        below = os.path.relpath(dirpath, root)
        below = "" if below == os.curdir else below
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (prune is None or not prune(os.path.join(below, d)))
        )
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.join(below, name)
            if keep is not None and not keep(rel, name):
                continue
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                err = BadLink(full, _link_problem(full, exc))
                if on_link is None:
                    raise err from None
                on_link(err)
                continue
            if not stat.S_ISREG(mode):
                continue  # a FIFO, socket or device inside a directory is not an input
            yield full, rel
