"""Append-only columns that keep a bounded part in memory and the rest in a temporary file.

A large request file keeps a few numbers per request (input tokens, output cap, the custom_id
log); held in memory they grow with the file. :class:`SpillArray` and :class:`SpillBytes` keep
at most :data:`SPILL_ITEMS` items (:data:`SPILL_BYTES` bytes) in memory and move each full block
to an unnamed temporary file (deleted when closed, never visible by name), read back block by
block. Files below the threshold never touch the disk. Reading is by position (``os.pread``),
so iterating and indexing can interleave.
"""

from __future__ import annotations

import array
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, overload

from .errors import InputError

#: Items of one column kept in memory before a block goes to disk (1-2 MB for 4-8 byte items).
SPILL_ITEMS = 1 << 18
#: Bytes of a byte column kept in memory before they go to disk.
SPILL_BYTES = 4 << 20
#: Hashes a :class:`SpillSet` keeps in a Python set (about 70 bytes each, ~4.5 MB in all) before
#: they go to disk. A cold cache detector holds one set (three once images make the models'
#: blocks differ), a warm one twice as many.
SPILL_SET_ITEMS = 1 << 16
#: Page cache of a spilled :class:`SpillSet`'s database, in KiB (SQLite's negative cache_size).
SPILL_SET_CACHE_KIB = 4 << 10

_U64 = 1 << 63  # unsigned 64-bit hashes are stored shifted into SQLite's signed range


def _no_temp(exc: BaseException) -> InputError:
    reason = getattr(exc, "strerror", None) or exc
    return InputError(
        f"a large input needs a temporary file and none could be made in {tempfile.gettempdir()} "
        f"({reason}); set TMPDIR to a writable directory"
    )


class _File:
    """An unnamed temporary file that is only appended to and read by position."""

    def __init__(self) -> None:
        try:
            self.fh: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as its column
        except OSError as exc:
            raise _no_temp(exc) from None
        self.size = 0

    def append(self, data: bytes | bytearray | memoryview) -> None:
        fd = self.fh.fileno()
        view = memoryview(data)
        while view:
            try:
                n = os.pwrite(fd, view, self.size)
            except OSError as exc:  # a full disk, a file-size limit
                raise _disk_error(exc) from None
            self.size += n
            view = view[n:]

    def read(self, start: int, end: int) -> bytes:
        out = bytearray()
        fd = self.fh.fileno()
        while start + len(out) < end:
            try:
                got = os.pread(fd, end - start - len(out), start + len(out))
            except OSError as exc:
                raise _disk_error(exc) from None
            if not got:
                raise _disk_error(OSError(f"temporary file ended at {start + len(out)} of {end}"))
            out += got
        return bytes(out)


class SpillArray(Sequence[int]):
    """An ``array.array`` of one typecode that can only grow, spilling full blocks to disk."""

    def __init__(self, typecode: str, items: Iterable[int] = ()) -> None:
        self.typecode = typecode
        self._tail = array.array(typecode)
        self.itemsize = self._tail.itemsize
        self._file: _File | None = None
        self._spilled = 0  # items in the file
        self.extend(items)

    # ------------------------------------------------------------------ growing

    def _flush(self) -> None:
        if self._file is None:
            self._file = _File()
        self._file.append(self._tail.tobytes())
        self._spilled += len(self._tail)
        self._tail = array.array(self.typecode)

    def append(self, value: int) -> None:
        self._tail.append(value)
        if len(self._tail) >= SPILL_ITEMS:
            self._flush()

    def extend(self, items: Iterable[int]) -> None:
        if isinstance(items, SpillArray):
            for block in items.blocks():
                self._extend_array(block)
        elif isinstance(items, array.array) and items.typecode == self.typecode:
            self._extend_array(items)
        else:
            self._extend_array(array.array(self.typecode, items))

    def _extend_array(self, block: array.array[int]) -> None:
        start = 0
        while start < len(block):
            room = SPILL_ITEMS - len(self._tail)
            self._tail += block[start : start + room]
            start += room
            if len(self._tail) >= SPILL_ITEMS:
                self._flush()

    def __iadd__(self, items: Iterable[int]) -> SpillArray:
        self.extend(items)
        return self

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self._spilled + len(self._tail)

    def blocks(self) -> Iterator[array.array[int]]:
        """The items as arrays of at most :data:`SPILL_ITEMS`, in order."""
        if self._file is not None:
            step = SPILL_ITEMS * self.itemsize
            for start in range(0, self._spilled * self.itemsize, step):
                block = array.array(self.typecode)
                block.frombytes(self._file.read(start, min(start + step, self._spilled * self.itemsize)))
                yield block
        if self._tail:
            yield self._tail

    def __iter__(self) -> Iterator[int]:
        for block in self.blocks():
            yield from block

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        n = len(self)
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("SpillArray index out of range")
        if i >= self._spilled:
            return self._tail[i - self._spilled]
        assert self._file is not None
        one = array.array(self.typecode)
        one.frombytes(self._file.read(i * self.itemsize, (i + 1) * self.itemsize))
        return one[0]

    def count(self, value: Any) -> int:
        return sum(block.count(value) for block in self.blocks())

    def __contains__(self, value: object) -> bool:
        return any(value in block for block in self.blocks())

    def tolist(self) -> list[int]:
        return list(self)

    def total(self) -> int:
        """Sum of the items, a block at a time."""
        return sum(sum(block) for block in self.blocks())

    def largest(self, default: int) -> int:
        return max((max(block) for block in self.blocks() if block), default=default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (SpillArray, array.array, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SpillArray({self.typecode!r}, {len(self)} items, {self._spilled} on disk)"

    # ------------------------------------------------------------------ pickling (small parts only)

    def __getstate__(self) -> dict[str, Any]:
        whole = array.array(self.typecode)
        for block in self.blocks():
            whole += block
        return {"typecode": self.typecode, "items": whole}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["typecode"], state["items"])  # type: ignore[misc]


class SpillBytes:
    """A ``bytearray`` that can only grow, spilling full blocks to disk; read by slices."""

    def __init__(self, data: bytes = b"") -> None:
        self._tail = bytearray()
        self._file: _File | None = None
        self._spilled = 0
        self.extend(data)

    def extend(self, data: bytes | bytearray | SpillBytes) -> None:
        if isinstance(data, SpillBytes):
            for block in data.blocks():
                self.extend(block)
            return
        self._tail += data
        if len(self._tail) >= SPILL_BYTES:
            if self._file is None:
                self._file = _File()
            self._file.append(self._tail)
            self._spilled += len(self._tail)
            self._tail = bytearray()

    def __iadd__(self, data: bytes | bytearray | SpillBytes) -> SpillBytes:
        self.extend(data)
        return self

    def __len__(self) -> int:
        return self._spilled + len(self._tail)

    def blocks(self) -> Iterator[bytes | bytearray]:
        if self._file is not None:
            for start in range(0, self._spilled, SPILL_BYTES):
                yield self._file.read(start, min(start + SPILL_BYTES, self._spilled))
        if self._tail:
            yield self._tail

    def read(self, start: int, end: int) -> bytes:
        """The bytes from ``start`` to ``end``."""
        if start >= self._spilled:
            return bytes(self._tail[start - self._spilled : end - self._spilled])
        assert self._file is not None
        head = self._file.read(start, min(end, self._spilled))
        if end <= self._spilled:
            return head
        return head + bytes(self._tail[: end - self._spilled])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpillBytes):
            return len(self) == len(other) and self.read(0, len(self)) == other.read(0, len(other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.read(0, len(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["data"])  # type: ignore[misc]


class SpillSet:
    """A set of unsigned 64-bit ints that keeps at most :data:`SPILL_SET_ITEMS` in memory.

    New items go to a Python set; when it holds more than the bound, its items go, sorted, into
    an SQLite table (a B-tree on the item) in a temporary file that is unlinked as soon as it is
    open, and the set starts again empty. Sorted batches keep the inserts near-sequential (one
    insert at a time into a large B-tree costs a page read and write each); lookups ask the set,
    then the table, one query per call rather than per item. The table's page cache is
    :data:`SPILL_SET_CACHE_KIB`. Only what a prompt cache needs: membership, the length of a
    leading run of members, adding many, copying.
    """

    def __init__(self, items: Iterable[int] = ()) -> None:
        self._mem: set[int] = set()  # everything, until the table is made; then the newest items
        self._db: Any = None
        self._error: type[Exception] = OSError  # sqlite3.Error once the database is open
        # A Python built without sqlite3 keeps the set in memory: the same answers, unbounded.
        self._in_memory_only = False
        self.update(items)

    @property
    def memory(self) -> set[int] | None:
        """The whole set while it is all in memory (read it, do not change it); else None."""
        return self._mem if self._db is None else None

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def __len__(self) -> int:
        if self._db is None:
            return len(self._mem)
        self._flush()
        return int(self._query("SELECT count(*) FROM seen").fetchone()[0])

    def __contains__(self, item: object) -> bool:
        if item in self._mem:
            return True
        if self._db is None or not isinstance(item, int) or not 0 <= item < 2 * _U64:
            return False
        return self._query("SELECT 1 FROM seen WHERE h = ?", (item - _U64,)).fetchone() is not None

    def __iter__(self) -> Iterator[int]:
        if self._db is None:
            yield from self._mem
            return
        self._flush()
        rows = self._query("SELECT h FROM seen")
        try:
            for (h,) in rows:
                yield h + _U64
        except self._error as exc:
            raise _disk_error(exc) from None

    def present(self, items: Sequence[int]) -> set[int]:
        """The members of ``items`` that are in the set."""
        got = self._mem.intersection(items)
        if self._db is None or len(got) == len(items):
            return got
        rest = [h - _U64 for h in items if h not in got]
        for start in range(0, len(rest), 500):
            part = rest[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._query(f"SELECT h FROM seen WHERE h IN ({marks})", part)
            got.update(h + _U64 for (h,) in self._fetch(rows, None))
        return got

    def leading(self, items: Sequence[int]) -> int:
        """How many of ``items``, from the first, are in the set before the first that is not."""
        mem: set[int] | Iterable[int] = self._mem
        if self._db is not None:
            if not items or items[0] not in self:
                return 0
            mem = self.present(items)
        n = 0
        for h in items:
            if h not in mem:
                break
            n += 1
        return n

    def update(self, items: Iterable[int]) -> None:
        self._mem.update(items)
        if len(self._mem) > SPILL_SET_ITEMS and not self._in_memory_only:
            self._flush()

    def copy(self) -> SpillSet:
        out = SpillSet()
        if self._db is None:
            out.update(self._mem)
            return out
        self._flush()
        out._open()
        rows = self._query("SELECT h FROM seen")
        while part := self._fetch(rows):
            out._insert("INSERT INTO seen VALUES (?)", part)
        return out

    def _flush(self) -> None:
        """Move the items in memory into the table (made now if need be), in sorted order."""
        if self._db is None:
            try:
                import sqlite3  # noqa: F401 - only to learn whether this Python has it
            except ImportError:
                self._in_memory_only = True
                return
            self._open()
        if self._mem:
            self._insert("INSERT OR IGNORE INTO seen VALUES (?)", ((h - _U64,) for h in sorted(self._mem)))
            self._mem = set()

    def _insert(self, sql: str, rows: Iterable[tuple[int]]) -> None:
        """Many rows in one transaction (a transaction a row writes the dirty pages out each time:
        ~13 us a row against ~1.2 us)."""
        try:
            self._db.execute("BEGIN")
            self._db.executemany(sql, rows)
            self._db.execute("COMMIT")
        except self._error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _disk_error(exc) from None

    def _open(self) -> None:
        import sqlite3

        try:
            fd, path = tempfile.mkstemp(prefix="gpt41cost-", suffix=".seen")
        except OSError as exc:
            raise _no_temp(exc) from None
        os.close(fd)
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(f"PRAGMA cache_size=-{SPILL_SET_CACHE_KIB}")
            db.execute("CREATE TABLE seen (h INTEGER PRIMARY KEY) WITHOUT ROWID")
        except sqlite3.Error as exc:
            raise _disk_error(exc) from None
        finally:
            os.unlink(path)  # the open database keeps its file; nothing is left behind
        self._db = db
        self._error = sqlite3.Error

    def _fetch(self, rows: Any, size: int | None = 1 << 14) -> list[tuple[int]]:
        try:
            got: list[tuple[int]] = rows.fetchall() if size is None else rows.fetchmany(size)
        except self._error as exc:
            raise _disk_error(exc) from None
        return got

    def _query(self, sql: str, args: Sequence[int] = ()) -> Any:
        try:
            return self._db.execute(sql, args)
        except self._error as exc:
            raise _disk_error(exc) from None

    def __repr__(self) -> str:
        return f"SpillSet({len(self)} items, {'on disk' if self.on_disk else 'in memory'})"


def _disk_error(exc: BaseException) -> InputError:
    return InputError(
        f"a temporary file in {tempfile.gettempdir()} failed ({exc}); set TMPDIR to a directory with free space"
    )
