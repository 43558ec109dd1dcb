"""What readers hand to the estimate core: one measured request each."""

from __future__ import annotations

import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, overload

#: The kinds of input `estimate` reads (`--as` forces one).
KINDS = ("text", "chat", "responses", "batch", "finetune", "prompts", "image")


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


class MeasuredTable(Sequence[Measured]):
    """:class:`Measured` records stored by column, for files of many requests.

    A record kept as an object costs ~450 bytes (the object, its line number, its custom_id
    string, a list slot); here a plain request costs 32 bytes plus its custom_id's UTF-8:
    32-bit columns in arrays (input tokens, line, model, output cap, training tokens, notes),
    repeated values (sources, kinds, models, notes) stored once and referred to by index, and
    what few records carry (per-model counts that differ, uncounted parts, cache blocks, values
    too large for a column) in sparse tables. Indexing and iteration give back equal
    :class:`Measured` records; the column methods (:meth:`inputs`, :meth:`caps`, ...) give the
    estimate and pre-flight what they read without making a record per request.
    """

    def __init__(self, models: Sequence[str] = ()) -> None:
        self.models = tuple(models)
        self._counts = SharedCounts(self.models)
        self._runs: list[tuple[int, str, str]] = []  # (first index, source, kind)
        self._tokens = array.array("i")  # input tokens when equal on every model (else _NONE)
        self._line = array.array("i")
        self._model = array.array("I")  # index into _names
        self._names: list[str | None] = [None]
        self._name_of: dict[str | None, int] = {None: 0}
        self._cap = array.array("i")
        self._training = array.array("i")
        self._notes = array.array("I")  # index into _note_sets
        self._note_sets: list[tuple[str, ...]] = [()]
        self._notes_of: dict[tuple[str, ...], int] = {(): 0}
        self._ids = bytearray()  # each custom_id as b"\x01" + UTF-8; a None is no bytes
        self._id_end = array.array("Q")
        self._odd_tokens: dict[int, Mapping[str, int]] = {}
        self._uncounted: dict[int, tuple[str, ...]] = {}
        self._blocks: dict[int, Mapping[str, tuple[int, ...]]] = {}
        self._big: dict[tuple[int, str], int] = {}  # (index, column) -> a value past the column's range

    # ------------------------------------------------------------------ building

    def _int(self, column: array.array[int], value: int | None, i: int, name: str) -> None:
        if value is None:
            column.append(_NONE)
        elif 0 <= value < _LIMIT:
            column.append(value)
        else:  # negative or past 64 bits: rare, kept whole
            column.append(_NONE)
            self._big[(i, name)] = value

    def append(self, m: Measured) -> None:
        i = len(self._line)
        runs = self._runs
        if not runs or runs[-1][1] != m.source or runs[-1][2] != m.kind:
            runs.append((i, m.source, m.kind))
        tokens = m.input_tokens
        values = set(tokens.values())
        if not self.models:
            self.models = tuple(tokens)
            self._counts = SharedCounts(self.models)
        if len(values) == 1 and tuple(tokens) == self.models:
            self._int(self._tokens, values.pop(), i, "tokens")
        else:
            self._tokens.append(_NONE)
            self._odd_tokens[i] = tokens
        self._int(self._line, m.line, i, "line")
        k = self._name_of.get(m.model)
        if k is None:
            k = self._name_of[m.model] = len(self._names)
            self._names.append(m.model)
        self._model.append(k)
        self._int(self._cap, m.max_output_tokens, i, "cap")
        self._int(self._training, m.training_tokens, i, "training")
        k = self._notes_of.get(m.notes)
        if k is None:
            k = self._notes_of[m.notes] = len(self._note_sets)
            self._note_sets.append(m.notes)
        self._notes.append(k)
        if m.custom_id is not None:
            self._ids += b"\x01"
            self._ids += m.custom_id.encode("utf-8", "surrogatepass")
        self._id_end.append(len(self._ids))
        if m.uncounted:
            self._uncounted[i] = m.uncounted
        if m.cache_blocks is not None:
            self._blocks[i] = m.cache_blocks

    def extend(self, records: Iterable[Measured]) -> None:
        if isinstance(records, MeasuredTable):
            self.extend_table(records)
            return
        for m in records:
            self.append(m)

    def extend_table(self, other: MeasuredTable) -> None:
        """Append every record of ``other`` (column by column)."""
        base = len(self)
        if not self.models:
            self.models = other.models
            self._counts = SharedCounts(self.models)
        if other.models != self.models and len(other):
            for m in other:  # different model lists: record by record
                self.append(m)
            return
        for start, source, kind in other._runs:
            if not self._runs or self._runs[-1][1:] != (source, kind):
                self._runs.append((base + start, source, kind))
        self._tokens += other._tokens
        self._line += other._line
        self._cap += other._cap
        self._training += other._training
        self._model += _remapped(other._model, other._names, self._names, self._name_of)
        self._notes += _remapped(other._notes, other._note_sets, self._note_sets, self._notes_of)
        offset = len(self._ids)
        self._ids += other._ids
        ends = other._id_end
        if offset:
            ends = array.array("Q", [e + offset for e in ends])
        self._id_end += ends
        for i, t in other._odd_tokens.items():
            self._odd_tokens[base + i] = t
        for i, u in other._uncounted.items():
            self._uncounted[base + i] = u
        for i, b in other._blocks.items():
            self._blocks[base + i] = b
        for (i, name), v in other._big.items():
            self._big[(base + i, name)] = v

    # ------------------------------------------------------------------ cache blocks

    def tokens_at(self, i: int) -> Mapping[str, int]:
        """Input tokens of record ``i`` on each model."""
        odd = self._odd_tokens.get(i)
        if odd is not None:
            return odd
        t = self._tokens[i]
        return self._counts.same(t if t != _NONE else self._big[(i, "tokens")])

    @property
    def blocks(self) -> Mapping[int, Mapping[str, tuple[int, ...]]]:
        """Index -> cache blocks, for the records that have them."""
        return self._blocks

    def drop_blocks(self) -> None:
        """Forget every record's cache blocks (a streaming cache detector has seen them)."""
        self._blocks = {}

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._line)

    @overload
    def __getitem__(self, i: int) -> Measured: ...

    @overload
    def __getitem__(self, i: slice) -> MeasuredTable: ...

    def __getitem__(self, i: int | slice) -> Measured | MeasuredTable:
        n = len(self)
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
        return self._record(i, self._run_of(i))

    def _run_of(self, i: int) -> tuple[int, str, str]:
        runs = self._runs
        lo, hi = 0, len(runs) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if runs[mid][0] <= i:
                lo = mid
            else:
                hi = mid - 1
        return runs[lo]

    def _value(self, column: array.array[int], i: int, name: str) -> int | None:
        v = column[i]
        if v == _NONE:
            return self._big.get((i, name))
        return v

    def _custom_id(self, i: int) -> str | None:
        start = self._id_end[i - 1] if i else 0
        end = self._id_end[i]
        if start == end:
            return None
        return self._ids[start + 1 : end].decode("utf-8", "surrogatepass")

    def _record(self, i: int, run: tuple[int, str, str]) -> Measured:
        return Measured(
            run[1],
            run[2],
            self.tokens_at(i),
            self._value(self._line, i, "line"),
            self._names[self._model[i]],
            self._value(self._cap, i, "cap"),
            self._custom_id(i),
            self._uncounted.get(i, ()),
            self._blocks.get(i),
            self._value(self._training, i, "training"),
            self._note_sets[self._notes[i]],
        )

    def __iter__(self) -> Iterator[Measured]:
        runs = self._runs
        for r, run in enumerate(runs):
            end = runs[r + 1][0] if r + 1 < len(runs) else len(self)
            for i in range(run[0], end):
                yield self._record(i, run)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MeasuredTable({len(self)} records)"

    # ------------------------------------------------------------------ columns

    def _column(self, column: array.array[int], name: str) -> list[int | None]:
        values: list[int | None] = [None if v < 0 else v for v in column] if _NONE in column else list(column)
        for (k, which), v in self._big.items():
            if which == name:
                values[k] = v
        return values

    def inputs(self, base: str, default: int | None = None) -> list[int]:
        """Each record's input tokens on ``base`` (``default`` where a record has none)."""
        plain = base in self.models
        values: list[int]
        if plain:
            values = self._tokens.tolist()
        elif default is None and len(self._odd_tokens) < len(self):
            raise KeyError(base)
        else:
            values = [default or 0] * len(self)
        for k, odd in self._odd_tokens.items():
            got = odd.get(base, default)
            if got is None:
                raise KeyError(base)
            values[k] = got
        if plain:
            for (k, which), v in self._big.items():
                if which == "tokens":
                    values[k] = v
        return values

    def caps(self) -> list[int | None]:
        """Each record's ``max_output_tokens``."""
        return self._column(self._cap, "cap")

    def lines(self) -> list[int | None]:
        return self._column(self._line, "line")

    def training(self) -> list[int | None]:
        return self._column(self._training, "training")

    def model_names(self) -> list[str | None]:
        """Each record's ``model``, as written."""
        return list(map(self._names.__getitem__, self._model))

    def kinds(self) -> list[tuple[str, str]]:
        """(source, kind) of each run of records, in order."""
        return [(source, kind) for _, source, kind in self._runs]

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


def _remapped(
    column: array.array[int], values: Sequence[Any], into: list[Any], index: dict[Any, int]
) -> array.array[int]:
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
    return array.array(column.typecode, map(mapping.__getitem__, column))


# Column readers for any sequence of records: a MeasuredTable's columns, else one pass.


def input_column(requests: Sequence[Measured], base: str, default: int | None = None) -> list[int]:
    if isinstance(requests, MeasuredTable):
        return requests.inputs(base, default)
    if default is None:
        return [r.input_tokens[base] for r in requests]
    return [r.input_tokens.get(base, default) for r in requests]


def cap_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.caps()
    return [r.max_output_tokens for r in requests]


def model_column(requests: Sequence[Measured]) -> list[str | None]:
    if isinstance(requests, MeasuredTable):
        return requests.model_names()
    return [r.model for r in requests]


def line_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.lines()
    return [r.line for r in requests]


def training_column(requests: Sequence[Measured]) -> list[int | None]:
    if isinstance(requests, MeasuredTable):
        return requests.training()
    return [r.training_tokens for r in requests]


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
