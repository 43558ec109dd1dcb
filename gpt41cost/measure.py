"""What readers hand to the estimate core: one measured request each."""

from __future__ import annotations

import array
import bisect
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, overload

from .spill import SpillArray

#: The kinds of input `estimate` reads (`--as` forces one).
KINDS = ("text", "chat", "responses", "batch", "finetune", "prompts", "image")


@dataclass(frozen=True)
class InputFile:
    """One input that was read: its path (``-`` for stdin), the kind it was read as, why
    (``extension .json``, ``content: ...``, ``--as text=*.j2``), and its records' span
    ``[start, stop)`` in the run's records."""

    source: str
    read_as: str
    reason: str
    start: int
    stop: int


class SharedCounts:
    """``{model: n for model in models}``, one dict per distinct ``n``, shared by every record
    with that count: most requests count the same on every model (no images), and a large
    batch file keeps one record per request. A shared dict costs a record one pointer and
    is read at C speed. Treat the dicts as read-only (they are typed ``Mapping``).
    """

    def __init__(self, models: tuple[str, ...], max_entries: int = 100_000) -> None:
        self.models = models
        self.max_entries = max_entries
        self._by_count: dict[int, dict[str, int]] = {}

    def same(self, n: int) -> Mapping[str, int]:
        got = self._by_count.get(n)
        if got is None:
            if len(self._by_count) >= self.max_entries:
                self._by_count.clear()
            got = self._by_count[n] = dict.fromkeys(self.models, n)
        return got

    def compact(self, tokens: Mapping[str, int]) -> Mapping[str, int]:
        """``tokens``, or the shared dict equal to it when every model has the same count."""
        values = set(tokens.values())
        if len(values) == 1 and tuple(tokens) == self.models:
            return self.same(values.pop())
        return tokens


@dataclass(frozen=True, slots=True)
class Measured:
    """One request, measured.

    ``input_tokens`` maps each base model name (gpt-4.1, gpt-4.1-mini, gpt-4.1-nano) to the
    request's input tokens on that model; they differ only when the request holds images.
    ``cache_blocks`` maps each base model name to the chained hashes of the request's
    full 128-token blocks, in the order OpenAI caches a prompt (tools, system and earlier
    messages, images); None when the input has no request structure to cache (plain text
    prompts use their own token stream). ``cached_tokens`` is filled in by cache detection.
    """

    source: str
    kind: str
    input_tokens: Mapping[str, int]
    line: int | None = None
    model: str | None = None  # the request's own "model", as written
    max_output_tokens: int | None = None  # max_tokens / max_completion_tokens / max_output_tokens
    custom_id: str | None = None
    uncounted: tuple[str, ...] = ()  # parts that could not be counted (e.g. a remote image without a size)
    cache_blocks: Mapping[str, tuple[int, ...]] | None = None
    training_tokens: int | None = None  # fine-tuning data: tokens of one example (one epoch)
    notes: tuple[str, ...] = field(default=())

    def without_blocks(self) -> Measured:
        """This record with ``cache_blocks`` None (what a streaming cache keeps)."""
        return Measured(
            self.source,
            self.kind,
            self.input_tokens,
            self.line,
            self.model,
            self.max_output_tokens,
            self.custom_id,
            self.uncounted,
            None,
            self.training_tokens,
            self.notes,
        )

    def __reduce__(self) -> tuple[type[Measured], tuple[Any, ...]]:
        # Pickled by the parallel reader for every request of a large file: the arguments
        # of __init__ unpickle several times faster than dataclass state (field by field).
        return (Measured, tuple(getattr(self, name) for name in _FIELDS))

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


_FIELDS = tuple(f.name for f in fields(Measured))


_NONE = -1  # a column's None
_LIMIT = 1 << 31  # columns are 32-bit: larger values (rare) go to a sparse table
_I64 = 1 << 63


class IdSource(Protocol):
    """Where a table finds the custom_ids of a batch file's records: the file's custom_id log
    (:class:`gpt41cost.readers.requests.CustomIds`), looked up by line."""

    def last_is(self, line: int, custom_id: str) -> bool:
        """Is ``custom_id`` on ``line`` the id added last?"""
        ...

    def id_on_line(self, line: int) -> str | None:
        """The custom_id of ``line``, if it has one."""
        ...


class _Runs:
    """A column stored as runs: the first index of each run of equal values, and the value."""

    __slots__ = ("n", "starts", "values")

    def __init__(self) -> None:
        self.starts = array.array("q")
        self.values: list[Any] = []
        self.n = 0

    def append(self, value: Any) -> None:
        values = self.values
        if not values or values[-1] != value or type(values[-1]) is not type(value):
            self.starts.append(self.n)
            values.append(value)
        self.n += 1

    def extend(self, other: _Runs) -> None:
        base = self.n
        for start, value in zip(other.starts, other.values, strict=True):
            self.n = base + start
            self.append(value)
        self.n = base + other.n

    def at(self, i: int) -> Any:
        return self.values[bisect.bisect_right(self.starts, i) - 1]

    def runs(self) -> Iterator[tuple[int, int, Any]]:
        """(start, end, value) of each run."""
        starts, values = self.starts, self.values
        for k, value in enumerate(values):
            yield starts[k], starts[k + 1] if k + 1 < len(values) else self.n, value


class MeasuredTable(Sequence[Measured]):
    """:class:`Measured` records stored by column, for files of many requests.

    A record kept as an object costs ~450 bytes (the object, its line number, its custom_id
    string, a list slot); here a plain batch request costs 12 bytes: 32-bit columns of input
    tokens, output cap and notes; lines, models, sources and kinds as runs of equal values
    (a line is its index plus the run's offset); the custom_ids looked up by line in the batch
    file's own id log (:meth:`link_ids`) rather than stored twice; and what few records carry
    (per-model counts that differ, uncounted parts, cache blocks, training tokens, values too
    large for a column, ids not in a log) in sparse tables. Indexing and iteration give back
    equal :class:`Measured` records; the column methods (:meth:`inputs`, :meth:`caps`, ...)
    give the estimate and pre-flight what they read without making a record per request.
    """

    def __init__(self, models: Sequence[str] = ()) -> None:
        self.models = tuple(models)
        self._counts = SharedCounts(self.models)
        self._n = 0
        # (source, kind, where the ids are found) by runs
        self._runs = _Runs()
        self._ids_from: IdSource | None = None
        # Columns that grow with the file go to disk past a bound (spill.SPILL_ITEMS each).
        self._tokens = SpillArray("i")  # input tokens when equal on every model (else _NONE)
        self._line = _Runs()  # line - index (None for records without a line)
        self._model = _Runs()
        self._cap = SpillArray("i")
        self._training: SpillArray | None = None  # made at the first training count
        self._notes = SpillArray("I")  # index into _note_sets
        self._note_sets: list[tuple[str, ...]] = [()]
        self._notes_of: dict[tuple[str, ...], int] = {(): 0}
        self._ids: dict[int, str | None] = {}  # custom_ids not found in the linked log
        # Records whose counts differ between the models (images): sparse columns, spilled like
        # the others, one per model; the index of each such record.
        self._multi_at = SpillArray("Q")
        self._multi: dict[str, SpillArray] = {}
        self._odd_tokens: dict[int, Mapping[str, int]] = {}  # other model lists (rare)
        self._uncounted: dict[int, tuple[str, ...]] = {}
        self._blocks: dict[int, Mapping[str, tuple[int, ...]]] = {}
        self._big: dict[tuple[int, str], int] = {}  # (index, column) -> a value past the column's range

    # ------------------------------------------------------------------ building

    def link_ids(self, ids: IdSource | None) -> None:
        """Records appended from now on find their custom_ids in ``ids`` (by line) when the id
        their reader saw last is theirs; each of the others keeps its own."""
        self._ids_from = ids

    def relink_ids(self, ids: IdSource | None) -> None:
        """Every linked run finds its ids in ``ids`` from now on (the parallel reader joins the
        ranges' logs into the file's log, which holds the same line -> id pairs)."""
        self._runs.values = [(src, kind, ids if was is not None else None) for src, kind, was in self._runs.values]
        self._ids_from = ids if self._ids_from is not None else None

    def _int(self, column: SpillArray, value: int | None, i: int, name: str) -> None:
        if value is None:
            column.append(_NONE)
        elif 0 <= value < _LIMIT:
            column.append(value)
        else:  # negative or past 31 bits: rare, kept whole
            column.append(_NONE)
            self._big[(i, name)] = value

    def append(self, m: Measured) -> None:
        i = self._n
        self._n += 1
        ids = self._ids_from
        self._runs.append((m.source, m.kind, ids))
        tokens = m.input_tokens
        values = set(tokens.values())
        if not self.models:
            self.models = tuple(tokens)
            self._counts = SharedCounts(self.models)
        if len(values) == 1 and tuple(tokens) == self.models:
            self._int(self._tokens, values.pop(), i, "tokens")
        else:
            self._tokens.append(_NONE)
            if tuple(tokens) == self.models and all(-_I64 <= v < _I64 for v in values):
                self._multi_at.append(i)
                for name in self.models:
                    self._multi_column(name).append(tokens[name])
            else:
                self._odd_tokens[i] = tokens
        self._line.append(m.line - i if m.line is not None else None)
        self._model.append(m.model)
        self._int(self._cap, m.max_output_tokens, i, "cap")
        if m.training_tokens is not None and self._training is None:
            self._training = _nones(i)
        if self._training is not None:
            self._int(self._training, m.training_tokens, i, "training")
        k = self._notes_of.get(m.notes)
        if k is None:
            k = self._notes_of[m.notes] = len(self._note_sets)
            self._note_sets.append(m.notes)
        self._notes.append(k)
        cid = m.custom_id
        if cid is None:
            if ids is not None and m.line is not None and ids.id_on_line(m.line) is not None:
                self._ids[i] = None
        elif not (ids is not None and m.line is not None and ids.last_is(m.line, cid)):
            self._ids[i] = cid
        if m.uncounted:
            self._uncounted[i] = m.uncounted
        if m.cache_blocks is not None:
            self._blocks[i] = m.cache_blocks

    def _multi_column(self, name: str) -> SpillArray:
        column = self._multi.get(name)
        if column is None:
            column = self._multi[name] = SpillArray("q")
        return column

    def extend(self, records: Iterable[Measured]) -> None:
        if isinstance(records, MeasuredTable):
            self.extend_table(records)
            return
        for m in records:
            self.append(m)

    def extend_table(self, other: MeasuredTable) -> None:
        """Append every record of ``other`` (column by column)."""
        base = self._n
        if not self.models:
            self.models = other.models
            self._counts = SharedCounts(self.models)
        if other.models != self.models and len(other):
            for m in other:  # different model lists: record by record
                self.append(m)
            return
        self._n += other._n
        self._runs.extend(other._runs)
        self._tokens += other._tokens
        for start, _, offset in other._line.runs():
            self._line.n = base + start
            self._line.append(offset - base if offset is not None else None)
        self._line.n = self._n
        self._model.extend(other._model)
        self._cap += other._cap
        if other._training is not None or self._training is not None:
            if self._training is None:
                self._training = _nones(base)
            self._training += other._training if other._training is not None else _nones(len(other))
        self._notes += _remapped(other._notes, other._note_sets, self._note_sets, self._notes_of)
        if len(other._multi_at):
            self._multi_at.extend(k + base for k in other._multi_at)
            for name in self.models:
                self._multi_column(name).extend(other._multi[name])
        for name in ("_ids", "_odd_tokens", "_uncounted", "_blocks"):
            mine = getattr(self, name)
            for i, v in getattr(other, name).items():
                mine[base + i] = v
        for (i, name), v in other._big.items():
            self._big[(base + i, name)] = v

    # ------------------------------------------------------------------ cache blocks

    def tokens_at(self, i: int) -> Mapping[str, int]:
        """Input tokens of record ``i`` on each model."""
        odd = self._odd_tokens.get(i)
        if odd is not None:
            return odd
        t = self._tokens[i]
        if t != _NONE:
            return self._counts.same(t)
        at = self._multi_at
        k = bisect.bisect_left(at, i)
        if k < len(at) and at[k] == i:
            return {name: self._multi[name][k] for name in self.models}
        return self._counts.same(self._big[(i, "tokens")])

    @property
    def blocks(self) -> Mapping[int, Mapping[str, tuple[int, ...]]]:
        """Index -> cache blocks, for the records that have them."""
        return self._blocks

    def drop_blocks(self) -> None:
        """Forget every record's cache blocks (a streaming cache detector has seen them)."""
        self._blocks = {}

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Measured: ...

    @overload
    def __getitem__(self, i: slice) -> MeasuredTable: ...

    def __getitem__(self, i: int | slice) -> Measured | MeasuredTable:
        n = self._n
        if isinstance(i, slice):
            start, stop, stride = i.indices(n)
            if (start, stop, stride) == (0, n, 1):
                return self
            out = MeasuredTable(self.models)
            for k in range(start, stop, stride):
                out.append(self[k])
            return out
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("record index out of range")
        return self._record(i, self._runs.at(i))

    def _value(self, column: SpillArray | None, i: int, name: str) -> int | None:
        v = column[i] if column is not None else _NONE
        if v == _NONE:
            return self._big.get((i, name))
        return v

    def _record(self, i: int, run: tuple[str, str, IdSource | None]) -> Measured:
        offset = self._line.at(i)
        line = i + offset if offset is not None else None
        if i in self._ids:
            cid = self._ids[i]
        else:
            ids = run[2]
            cid = ids.id_on_line(line) if ids is not None and line is not None else None
        return Measured(
            run[0],
            run[1],
            self.tokens_at(i),
            line,
            self._model.at(i),
            self._value(self._cap, i, "cap"),
            cid,
            self._uncounted.get(i, ()),
            self._blocks.get(i),
            self._value(self._training, i, "training"),
            self._note_sets[self._notes[i]],
        )

    def __iter__(self) -> Iterator[Measured]:
        for start, end, run in self._runs.runs():
            for i in range(start, end):
                yield self._record(i, run)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MeasuredTable({len(self)} records)"

    # ------------------------------------------------------------------ columns

    def _column(self, column: SpillArray | None, name: str) -> list[int | None]:
        values: list[int | None]
        if column is None:
            values = [None] * self._n
        else:
            values = [None if v < 0 else v for v in column] if _NONE in column else list(column)
        for (k, which), v in self._big.items():
            if which == name:
                values[k] = v
        return values

    def inputs(self, base: str, default: int | None = None) -> Sequence[int]:
        """Each record's input tokens on ``base`` (``default`` where a record has none): the
        column itself (read-only) when every record counts the same on every model, else a
        patched copy (spilled like the column)."""
        plain = base in self.models
        multi = len(self._multi_at) > 0
        if plain and not self._odd_tokens and not multi and _NONE not in self._tokens:
            return self._tokens
        if not plain and default is None and len(self._odd_tokens) < len(self):
            raise KeyError(base)
        fixes: dict[int, int] = {}
        for k, odd in self._odd_tokens.items():
            got = odd.get(base, default)
            if got is None:
                raise KeyError(base)
            fixes[k] = got
        if plain:
            fixes.update((k, v) for (k, which), v in self._big.items() if which == "tokens")
        # The records counted differently per model, in order (a record of another model list
        # is in fixes): (index, tokens on base).
        patches = zip(self._multi_at, self._multi[base], strict=True) if plain and multi else iter(())
        if any(not -_I64 <= v < _I64 for v in fixes.values()):  # past 64 bits: absurd, but kept exact
            values = self._tokens.tolist() if plain else [default or 0] * len(self)
            for k, v in itertools.chain(patches, fixes.items()):
                values[k] = v
            return values
        out = SpillArray("q")
        start = 0
        nxt = next(patches, None)
        for block in self._tokens.blocks():
            end = start + len(block)
            part = array.array("q", block) if plain else array.array("q", [default or 0]) * len(block)
            while nxt is not None and nxt[0] < end:
                part[nxt[0] - start] = nxt[1]
                nxt = next(patches, None)
            for k in [k for k in fixes if start <= k < end] if fixes else ():
                part[k - start] = fixes[k]
            out.extend(part)
            start = end
        return out

    def caps(self) -> list[int | None]:
        """Each record's ``max_output_tokens``."""
        return self._column(self._cap, "cap")

    def cap_summary(self) -> tuple[int, int, int]:
        """(records with a cap, their caps summed, the largest cap), from the column."""
        column = self._cap
        missing = column.count(_NONE)
        big = [v for (_, which), v in self._big.items() if which == "cap"]
        total = column.total() + missing + sum(big)  # each missing one is a -1 in the sum
        given = len(column) - missing
        largest = max([*([column.largest(0)] if given else []), *big], default=0)
        return given + len(big), total, largest

    def lines(self) -> list[int | None]:
        out: list[int | None] = []
        for start, end, offset in self._line.runs():
            out += range(start + offset, end + offset) if offset is not None else [None] * (end - start)
        return out

    def training_summary(self) -> tuple[int, int]:
        """(records with training tokens, those summed), from the column."""
        column = self._training
        big = [v for (_, which), v in self._big.items() if which == "training"]
        if column is None:
            return len(big), sum(big)
        missing = column.count(_NONE)
        return len(column) - missing + len(big), column.total() + missing + sum(big)

    def training(self) -> list[int | None]:
        return self._column(self._training, "training")

    def model_names(self) -> list[str | None]:
        """Each record's ``model``, as written."""
        out: list[str | None] = []
        for start, end, model in self._model.runs():
            out += [model] * (end - start)
        return out

    def model_counts(self) -> Counter[str | None]:
        """How many records name each ``model``, in order of first use."""
        out: Counter[str | None] = Counter()
        for start, end, model in self._model.runs():
            out[model] += end - start
        return out

    def kinds(self) -> list[tuple[str, str]]:
        """(source, kind) of each run of records, in order."""
        out: list[tuple[str, str]] = []
        for source, kind, _ in self._runs.values:
            if not out or out[-1] != (source, kind):
                out.append((source, kind))
        return out

    def uncounted(self) -> list[tuple[int, tuple[str, ...]]]:
        """(index, uncounted parts) of the records that have any, in order."""
        return sorted(self._uncounted.items())

    def token_models(self) -> list[str]:
        """Every model any record has input tokens for, in order of first appearance."""
        odd = self._odd_tokens
        plain = next((i for i in range(len(self)) if i not in odd), None)  # the first plain record
        names: list[str] = []
        for i, t in [*sorted(odd.items()), *([(plain, dict.fromkeys(self.models))] if plain is not None else [])]:
            if plain is not None and plain < i:
                names += [name for name in self.models if name not in names]
                plain = None
            names += [name for name in t if name not in names]
        return names


def _nones(n: int) -> SpillArray:
    """A 32-bit column of ``n`` Nones."""
    out = SpillArray("i")
    out.extend(array.array("i", [_NONE]) * n)
    return out


def _remapped(column: SpillArray, values: Sequence[Any], into: list[Any], index: dict[Any, int]) -> Iterable[int]:
    """``column`` (indexes into ``values``) as indexes into ``into``, adding what it lacks."""
    mapping = []
    for v in values:
        k = index.get(v)
        if k is None:
            k = index[v] = len(into)
            into.append(v)
        mapping.append(k)
    if mapping == list(range(len(mapping))):
        return column
    return map(mapping.__getitem__, column)


# Column readers for any sequence of records: a MeasuredTable's columns, else one pass.


def input_column(requests: Sequence[Measured], base: str, default: int | None = None) -> Sequence[int]:
    if isinstance(requests, MeasuredTable):
        return requests.inputs(base, default)
    if default is None:
        return [r.input_tokens[base] for r in requests]
    return [r.input_tokens.get(base, default) for r in requests]


def cap_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.caps()
    return [r.max_output_tokens for r in requests]


def cap_summary(requests: Sequence[Measured]) -> tuple[int, int, int]:
    """(requests with a ``max_output_tokens``, those caps summed, the largest cap or 0)."""
    if isinstance(requests, MeasuredTable):
        return requests.cap_summary()
    given = [c for c in cap_column(requests) if c is not None]
    return len(given), sum(given), max(given, default=0)


def model_counts(requests: Sequence[Measured]) -> Counter[str | None]:
    """How many requests name each ``model``, in order of first use."""
    if isinstance(requests, MeasuredTable):
        return requests.model_counts()
    return Counter(r.model for r in requests)


def model_column(requests: Sequence[Measured]) -> list[str | None]:
    if isinstance(requests, MeasuredTable):
        return requests.model_names()
    return [r.model for r in requests]


def models_and_lines(requests: Sequence[Measured]) -> Iterator[tuple[str | None, int | None]]:
    """(model as written, line) of each request, in order, one at a time (no per-request list)."""
    if not isinstance(requests, MeasuredTable):
        yield from ((r.model, r.line) for r in requests)
        return
    models = itertools.chain.from_iterable(
        itertools.repeat(model, end - start) for start, end, model in requests._model.runs()
    )
    lines = itertools.chain.from_iterable(
        range(start + offset, end + offset) if offset is not None else itertools.repeat(None, end - start)
        for start, end, offset in requests._line.runs()
    )
    yield from zip(models, lines, strict=True)


def line_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.lines()
    return [r.line for r in requests]


def training_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.training()
    return [r.training_tokens for r in requests]


def training_summary(requests: Sequence[Measured]) -> tuple[int, int]:
    """(requests with training tokens (fine-tuning examples), their training tokens summed)."""
    if isinstance(requests, MeasuredTable):
        return requests.training_summary()
    values = [t for t in training_column(requests) if t is not None]
    return len(values), sum(values)


def kind_set(requests: Sequence[Measured]) -> set[str]:
    """The kinds the requests were read as."""
    if isinstance(requests, MeasuredTable):
        return {kind for _, kind in requests.kinds()}
    return {r.kind for r in requests}


def has_blocks(requests: Sequence[Measured]) -> bool:
    """Does any request hold cache blocks?"""
    if isinstance(requests, MeasuredTable):
        return any(requests.blocks.values())
    return any(r.cache_blocks for r in requests)


def token_models(requests: Sequence[Measured]) -> list[str]:
    """Every model any request has input tokens for, in order of first appearance."""
    if isinstance(requests, MeasuredTable):
        return requests.token_models()
    names: list[str] = []
    for r in requests:
        for name in r.input_tokens:
            if name not in names:
                names.append(name)
    return names


class Keeper(Protocol):
    """What a reader hands each record to before storing it (e.g. a streaming cache detector,
    which takes the record's cache blocks and keeps the rest)."""

    def feed(self, m: Measured) -> Measured:
        """The record to store in place of ``m``."""
        ...

    def feed_table(self, table: MeasuredTable) -> None:
        """:meth:`feed` for every record of ``table``, in order; changes ``table`` in place."""
        ...


class DropBlocks:
    """A :class:`Keeper` that keeps every record but its cache blocks (nothing will read them)."""

    def feed(self, m: Measured) -> Measured:
        return m.without_blocks() if m.cache_blocks is not None else m

    def feed_table(self, table: MeasuredTable) -> None:
        table.drop_blocks()
