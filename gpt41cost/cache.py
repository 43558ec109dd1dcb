"""Automatic prompt-cache detection (ACCOUNTING.md §7).

OpenAI caches a prompt by exact prefix, in 128-token steps from 1,024 tokens on. To find
what a run of requests would get from the cache without comparing pairs of requests,
each request's token stream (in the order OpenAI caches it: tools, system and earlier
messages, images) is cut into full ``step``-token blocks and block *k* gets a hash of the
whole prefix ``tokens[0 : (k + 1) * step]`` (:func:`block_hashes`). Two requests share
their first *k* blocks exactly when their *k*-th hashes are equal, so one pass over the
requests with a set of seen hashes gives each request's cached prefix (:func:`detect`):
O(total blocks), about a tenth of the time it takes to tokenize the same requests.

Rules, each a named value shown in reports:

- :data:`CACHE_FULL_BLOCKS`: only whole blocks of the request's own prompt are cached.
- :data:`CACHE_COLD_RUN` / :data:`CACHE_WARM_RUN`: what the first request of a run gets.
- :data:`CACHE_STAYS_WARM`: nothing is evicted during the run and every request reaches a
  server that holds its prefix.
"""

from __future__ import annotations

import array
import bisect
import hashlib
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from .measure import Measured, MeasuredTable, input_column
from .spill import SpillArray, SpillSet

if TYPE_CHECKING:
    from .catalog import Catalog

#: Tokens per cache block: OpenAI reports cache hits in 128-token steps [CACHE].
DEFAULT_STEP = 128
#: Prompts shorter than this are never cached [CACHE].
DEFAULT_MIN_TOKENS = 1024

#: The rule for how much of a request can be cached, as the README and reports state it.
CACHE_FULL_BLOCKS = (
    "a request's cached tokens are its longest prefix seen before, counted in whole 128-token blocks of "
    "its own prompt: 0 below 1,024, otherwise 1,024, 1,152, 1,280, ... and never more than "
    "floor(input / 128) * 128 (OpenAI documents no rule that the last token is always recomputed, so an "
    "exact repeat of a 1,280-token prompt is counted as fully cached)"
)
#: Cold run (``--cache-warm`` off): the default.
CACHE_COLD_RUN = (
    "cold cache: the first request of a run pays full price; each later request gets the prefix it shares "
    "with any earlier request of the run"
)
#: Warm run (``--cache-warm``).
CACHE_WARM_RUN = (
    "warm cache: every request, the first included, gets the prefix it shares with any other request of "
    "the run, as if earlier traffic had already cached it"
)
#: Inference: the cache keeps everything seen in the run (ACCOUNTING.md §7: 5-10 minutes idle, up to
#: an hour) and routing always finds it; OpenAI routes by a prefix hash and heavy traffic on one prefix
#: can overflow to servers without it, so real hit rates can be lower.
CACHE_STAYS_WARM = (
    "inference: prefixes stay cached for the whole run and every request is routed to a server holding "
    "its prefix (real hits can be lower when a run spans more than the cache lifetime or one prefix gets "
    "very heavy traffic)"
)

# Domain tag for the hash: blocks hashed by another scheme (or version) never compare equal.
_PERSON = b"gpt41cost-pc1"
_BIG_ENDIAN = sys.byteorder == "big"
# Each block is fed to the hash as a 1-byte tag and its packed ids: 4 bytes an id when all of
# the block's ids fit in 0 .. 2**32 - 1, else 8 bytes (signed). The tag fixes the block's
# length, so the byte stream reads back one way only, and a block's bytes depend on that
# block alone: equal prefixes always hash equal, whatever follows them.
_NARROW = b"\x00"
_WIDE = b"\x01"


def _pack(ids: Sequence[int], code: str) -> memoryview:
    arr = array.array(code, ids)
    if _BIG_ENDIAN:  # pragma: no cover - hashes must not depend on the machine
        arr.byteswap()
    return memoryview(arr).cast("B")


def _packed_blocks(tokens: Sequence[int], n: int, step: int) -> Iterator[tuple[bytes, memoryview]]:
    """(tag, bytes) of each of the first ``n`` full blocks."""
    try:
        if isinstance(tokens, array.array) and tokens.typecode == "I" and not _BIG_ENDIAN:
            # What the request counter builds: hash its bytes in place, no copy.
            data = memoryview(tokens).cast("B")
        else:
            # Common case, one C call: every id fits 4 bytes.
            data = _pack(tokens[: n * step], "I")
    except OverflowError:
        for k in range(n):
            block = tokens[k * step : (k + 1) * step]
            try:
                yield _NARROW, _pack(block, "I")
            except OverflowError:
                try:
                    yield _WIDE, _pack(block, "q")
                except OverflowError:
                    raise ValueError("token ids must be integers from -2**63 to 2**63 - 1") from None
        return
    size = 4 * step
    for k in range(n):
        yield _NARROW, data[k * size : (k + 1) * size]


def block_hashes(tokens: Sequence[int], step: int = DEFAULT_STEP) -> tuple[int, ...]:
    """Hashes of every full ``step``-token block of ``tokens``, each covering the whole prefix.

    Hash *k* identifies ``tokens[0 : (k + 1) * step]``: it is a blake2b digest (8 bytes, as an
    unsigned int) of the packed token ids of blocks 0..k, so it is the same on every machine
    and every run (unlike Python's salted ``hash()``). A trailing partial block gets no hash.
    Token ids are ints from -2**63 to 2**63 - 1; ids outside 0 .. 2**32 - 1 (stand-ins for
    images, say) never collide with ordinary ones.
    """
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    n = len(tokens) // step
    if n == 0:
        return ()
    h = hashlib.blake2b(digest_size=8, person=_PERSON)
    out: list[int] = []
    for tag, data in _packed_blocks(tokens, n, step):
        h.update(tag)
        h.update(data)
        # copy(): the running hash goes on; the copy's digest is this prefix's hash.
        out.append(int.from_bytes(h.copy().digest(), "little"))
    return tuple(out)


class PrefixHashes:
    """:func:`block_hashes` of streams that start with a prefix seen before, without hashing
    that prefix again: batch files repeat the same tools and system prompt on many lines.

    ``hashes(prefix, rest, step)`` equals ``block_hashes(prefix + rest, step)`` (ids are
    uint32 arrays, as the request counter makes them). Keeps at most ``max_entries`` prefixes.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        # key -> (hashes of the prefix's full blocks, hash state after them, the prefix's
        # ids after its last full block)
        self._done: dict[tuple[int, bytes], tuple[tuple[int, ...], Any, array.array[int]]] = {}

    def hashes(self, prefix: array.array[int], rest: array.array[int], step: int) -> tuple[int, ...]:
        key = (step, prefix.tobytes())
        got = self._done.get(key)
        if got is None:
            h = hashlib.blake2b(digest_size=8, person=_PERSON)
            full = len(prefix) // step
            head = _chain(h, memoryview(prefix).cast("B"), full, step)
            if len(self._done) >= self.max_entries:
                self._done.clear()
            got = self._done[key] = (head, h, prefix[full * step :])
        head, state, tail = got
        stream = tail + rest
        n = len(stream) // step
        if n == 0:
            return head
        return head + _chain(state.copy(), memoryview(stream).cast("B"), n, step)


def _chain(h: Any, data: memoryview, n: int, step: int) -> tuple[int, ...]:
    """Feed ``h`` the first ``n`` full blocks of native uint32 ``data``, as block_hashes does."""
    if _BIG_ENDIAN:  # pragma: no cover - hashes must not depend on the machine
        ids = array.array("I", data.cast("I"))
        ids.byteswap()
        data = memoryview(ids).cast("B")
    size = 4 * step
    out: list[int] = []
    for k in range(n):
        h.update(_NARROW)
        h.update(data[k * size : (k + 1) * size])
        out.append(int.from_bytes(h.copy().digest(), "little"))
    return tuple(out)


def _min_blocks(min_tokens: int, step: int) -> int:
    """Fewest leading blocks a hit can have: ceil(min_tokens / step), at least 1."""
    return max(1, -(-min_tokens // step))


def _check(min_tokens: int, step: int) -> None:
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    if min_tokens < 0:
        raise ValueError(f"min_tokens cannot be negative, got {min_tokens}")


class PrefixCache:
    """A cold cache fed one request at a time, in run order (for streaming callers).

    ``admit(blocks)`` returns the tokens the request gets from the cache, then caches its
    prefix. Only hashes at or past the shortest possible hit (block ``min_tokens / step``)
    are kept: a shorter shared prefix is worth 0 tokens anyway. They are kept in a
    :class:`~gpt41cost.spill.SpillSet`, in memory up to a bound and on disk past it, so a run
    of any length fits in bounded memory.
    """

    def __init__(self, *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP) -> None:
        _check(min_tokens, step)
        self.min_tokens = min_tokens
        self.step = step
        self._first = _min_blocks(min_tokens, step) - 1  # index of the shortest hit's last block
        self._seen = SpillSet()

    def admit(self, blocks: Sequence[int]) -> int:
        """Cached tokens for a request with these block hashes; then remember its prefix."""
        seen = self._seen
        mem = seen.memory
        first = self._first
        n = 0
        if len(blocks) > first:
            # Hashes are chained: if block k was seen, so were all blocks before it.
            if mem is None:
                n = seen.leading(blocks[first:])
                n = first + n if n else 0
            elif blocks[first] in mem:
                n = first + 1
                for h in blocks[first + 1 :]:
                    if h not in mem:
                        break
                    n += 1
            seen.update(blocks[first:])
        return _tokens(n, self.min_tokens, self.step)


def _tokens(blocks: int, min_tokens: int, step: int) -> int:
    cached = blocks * step
    return cached if cached >= min_tokens else 0


def detect(
    blocks_per_request: Sequence[Sequence[int]],
    *,
    min_tokens: int = DEFAULT_MIN_TOKENS,
    step: int = DEFAULT_STEP,
    warm: bool = False,
) -> list[int]:
    """Cached input tokens of each request, in run order (ACCOUNTING.md §7).

    ``blocks_per_request`` holds each request's :func:`block_hashes` (same ``step``).
    Cold (the default, :data:`CACHE_COLD_RUN`): a request gets the leading blocks it shares
    with any earlier request. Warm (:data:`CACHE_WARM_RUN`): it gets the leading blocks it
    shares with any other request of the run, before or after it. Either way the result is
    ``blocks * step`` when that reaches ``min_tokens``, else 0 (:data:`CACHE_FULL_BLOCKS`).
    One pass (cold) or two (warm) over the hashes; requests are never compared pairwise.
    """
    _check(min_tokens, step)
    if not warm:
        cache = PrefixCache(min_tokens=min_tokens, step=step)
        return [cache.admit(blocks) for blocks in blocks_per_request]
    first = _min_blocks(min_tokens, step) - 1
    # A prefix held by two or more requests is shared (a request holds a given hash once: each
    # hash is a different prefix length). Both sets spill to disk past a bound.
    seen, multi = SpillSet(), SpillSet()
    for blocks in blocks_per_request:
        _note_shared(seen, multi, blocks[first:])
    out: list[int] = []
    for blocks in blocks_per_request:
        n = multi.leading(blocks[first:])
        out.append(_tokens(first + n if n else 0, min_tokens, step))
    return out


def _note_shared(seen: SpillSet, multi: SpillSet, kept: Sequence[int]) -> None:
    """Count one request's hashes: those seen before are now shared."""
    if kept:
        again = seen.present(kept)
        if again:
            multi.update(again)
        seen.update(kept)


def cached_by_model(
    measured: Iterable[Measured],
    *,
    min_tokens: int = DEFAULT_MIN_TOKENS,
    step: int = DEFAULT_STEP,
    warm: bool = False,
    models: Sequence[str] | None = None,
) -> dict[str, list[int]]:
    """Cached input tokens per request, for each base model, in run order.

    For each model (``models``, or every model any request has blocks or input tokens for),
    the run is every request in order, as if all were sent to that model; a request without
    blocks for it (``cache_blocks`` None, or no entry) caches nothing but stays in place.
    The result never exceeds the request's input tokens on that model rounded down to
    ``step`` (and is 0 again if that falls below ``min_tokens``), so it is always a valid
    :class:`~gpt41cost.cost.TokenUsage` ``cached_input_tokens``.
    """
    items = measured if isinstance(measured, Sequence) else list(measured)
    table = items if isinstance(items, MeasuredTable) else None
    names: list[str] = list(models) if models is not None else []
    if models is None:
        if table is not None:
            names = table.token_models()
            for b in table.blocks.values():
                names += [name for name in b if name not in names]
        else:
            for m in items:
                for name in (*m.input_tokens, *(m.cache_blocks or {})):
                    if name not in names:
                        names.append(name)
    out: dict[str, list[int]] = {}
    for name in names:
        blocks: list[Sequence[int]]
        if table is not None:
            blocks = [()] * len(table)
            for i, b in table.blocks.items():
                blocks[i] = b.get(name, ())
        else:
            blocks = [(m.cache_blocks or {}).get(name, ()) for m in items]
        cached = detect(blocks, min_tokens=min_tokens, step=step, warm=warm)
        capped: list[int] = []
        for i, c in zip(input_column(items, name, 0), cached, strict=True):
            c = min(c, (i // step) * step)
            capped.append(c if c >= min_tokens else 0)
        out[name] = capped
    return out


class SparseColumn(Sequence[int]):
    """``n`` whole numbers, 0 but at the indexes ``at`` (ascending), which hold ``values``."""

    def __init__(self, n: int, at: Sequence[int], values: Sequence[int]) -> None:
        self.n = n
        self.at = at
        self.values = values

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        done = 0
        for i, v in zip(self.at, self.values, strict=True):
            yield from itertools.repeat(0, i - done)
            yield v
            done = i + 1
        yield from itertools.repeat(0, self.n - done)

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("SparseColumn index out of range")
        k = bisect.bisect_left(self.at, i)
        return self.values[k] if k < len(self.at) and self.at[k] == i else 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class _Stream:
    """What :class:`CacheStream` and :class:`WarmStream` share: fed requests in run order, each
    model's cached tokens kept sparse (hits only), in columns that spill to disk."""

    def __init__(self, models: Sequence[str], *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP):
        _check(min_tokens, step)
        self.min_tokens = min_tokens
        self.step = step
        self.models = tuple(models)
        self._first = _min_blocks(min_tokens, step) - 1
        self._fed = 0
        # Only requests with blocks can get cached tokens: the others are zeros, not stored.
        # Hits are kept sparse, in columns (spilled to disk past a bound): the request's index,
        # and per model its cached tokens.
        self._hit_at = SpillArray("Q")
        self._hits: dict[str, SpillArray] = {name: SpillArray("Q") for name in self.models}
        self._done: dict[str, SparseColumn] | None = None  # WarmStream's answer, until fed again

    def feed(self, m: Measured) -> Measured:
        i = self._fed
        self._fed += 1
        self._done = None
        blocks = m.cache_blocks
        if not blocks:  # nothing to hit or to leave behind (e.g. under the cache minimum)
            return m
        self._admit(i, blocks, m.input_tokens)
        return m.without_blocks()

    def feed_table(self, table: MeasuredTable) -> None:
        """:meth:`feed` for every record of ``table``, in order; then ``table`` drops its blocks."""
        base = self._fed
        self._done = None
        for i, blocks in sorted(table.blocks.items()):
            if blocks:
                self._admit(base + i, blocks, table.tokens_at(i))
        self._fed = base + len(table)
        table.drop_blocks()

    def _admit(self, i: int, blocks: Mapping[str, tuple[int, ...]], tokens: Mapping[str, int]) -> None:
        raise NotImplementedError

    def _same(self, per_model: list[tuple[int, ...]]) -> bool:
        return all(b is per_model[0] or b == per_model[0] for b in per_model)

    def _hit(self, i: int, blocks: Sequence[int], caps: Sequence[int]) -> None:
        """Record request ``i``'s cached blocks (``blocks[k]`` on model k) under each model's cap."""
        row = []
        for n, cap in zip(blocks, caps, strict=True):
            c = min(n, cap) * self.step
            row.append(c if c >= self.min_tokens else 0)
        if any(row):
            self._hit_at.append(i)
            for name, c in zip(self.models, row, strict=True):
                self._hits[name].append(c)


class CacheStream(_Stream):
    """:func:`cached_by_model` for a cold run, fed one request at a time as it is read.

    ``feed(m)`` records the request's cached tokens on each of ``models`` and returns ``m``
    without its cache blocks, so a caller that keeps the records does not keep the blocks;
    ``feed_table(t)`` does the same for every record of a
    :class:`~gpt41cost.measure.MeasuredTable`. After the last request, ``cached`` equals
    ``cached_by_model(records, models=models)``.
    """

    def __init__(self, models: Sequence[str], *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP):
        super().__init__(models, min_tokens=min_tokens, step=step)
        # One cache serves every model while every request so far had the same blocks on
        # all of them (no images): the same hashes are then not stored once per model.
        self._shared: PrefixCache | None = PrefixCache(min_tokens=min_tokens, step=step)
        self._caches: dict[str, PrefixCache] = {}

    @property
    def cached(self) -> dict[str, SparseColumn]:
        """Cached tokens of each request fed so far, per model, in run order."""
        return {name: SparseColumn(self._fed, self._hit_at, hits) for name, hits in self._hits.items()}

    def _admit(self, i: int, blocks: Mapping[str, tuple[int, ...]], tokens: Mapping[str, int]) -> None:
        per_model = [blocks.get(name, ()) for name in self.models]
        if self._shared is not None and self._same(per_model):
            got = self._shared.admit(per_model[0])
            admitted = [got] * len(self.models)
        else:
            if self._shared is not None:  # from now on each model keeps its own copy
                for name in self.models:
                    cache = PrefixCache(min_tokens=self.min_tokens, step=self.step)
                    cache._seen = self._shared._seen.copy()
                    self._caches[name] = cache
                self._shared = None
            admitted = [self._caches[name].admit(b) for name, b in zip(self.models, per_model, strict=True)]
        caps = [tokens.get(name, 0) // self.step for name in self.models]
        self._hit(i, [c // self.step for c in admitted], caps)


class WarmStream(_Stream):
    """:func:`cached_by_model` for a warm run (``--cache-warm``), fed as the files are read.

    A warm request hits any prefix another request of the run holds, later ones included, so
    the answer needs two passes: ``feed`` notes which prefixes are shared and keeps the
    request's hashes (from the shortest possible hit on) in columns that spill to disk;
    ``cached`` then walks them once. Memory stays bounded whatever the run's length.
    """

    _ALL = -1  # a stored row that holds the same blocks on every model

    def __init__(self, models: Sequence[str], *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP):
        super().__init__(models, min_tokens=min_tokens, step=step)
        self._sets: dict[str, tuple[SpillSet, SpillSet]] | None = None  # per model, once they differ
        self._shared_sets = (SpillSet(), SpillSet())  # (seen, held by two or more requests)
        # One row per stored hash list: request index, model (or _ALL), length; the hashes
        # one after another; each model's cap in blocks (0 for a row of another model).
        self._row_at = SpillArray("Q")
        self._row_model = SpillArray("b")
        self._row_len = SpillArray("I")
        self._flat = SpillArray("Q")
        self._caps: dict[str, SpillArray] = {name: SpillArray("Q") for name in self.models}

    def _admit(self, i: int, blocks: Mapping[str, tuple[int, ...]], tokens: Mapping[str, int]) -> None:
        first = self._first
        per_model = [blocks.get(name, ()) for name in self.models]
        caps = [tokens.get(name, 0) // self.step for name in self.models]
        if self._sets is None and self._same(per_model):
            _note_shared(*self._shared_sets, per_model[0][first:])
            self._row(i, self._ALL, per_model[0][first:], caps)
            return
        if self._sets is None:  # from now on each model keeps its own sets
            seen, multi = self._shared_sets
            self._sets = {name: (seen.copy(), multi.copy()) for name in self.models}
        for k, (name, b) in enumerate(zip(self.models, per_model, strict=True)):
            _note_shared(*self._sets[name], b[first:])
            self._row(i, k, b[first:], [cap if j == k else 0 for j, cap in enumerate(caps)])

    def _row(self, i: int, model: int, kept: Sequence[int], caps: Sequence[int]) -> None:
        if not kept:
            return
        self._row_at.append(i)
        self._row_model.append(model)
        self._row_len.append(len(kept))
        self._flat.extend(kept)
        for name, cap in zip(self.models, caps, strict=True):
            self._caps[name].append(cap)

    @property
    def cached(self) -> dict[str, SparseColumn]:
        """Cached tokens of each request fed so far, per model, in run order."""
        if self._done is None:
            self._walk()
            self._done = {name: SparseColumn(self._fed, self._hit_at, hits) for name, hits in self._hits.items()}
        return self._done

    def _walk(self) -> None:
        self._hit_at = SpillArray("Q")
        self._hits = {name: SpillArray("Q") for name in self.models}
        multis = [self._sets[name][1] if self._sets else self._shared_sets[1] for name in self.models]
        flat = iter(self._flat)
        caps = [iter(self._caps[name]) for name in self.models]
        first = self._first
        pending_i = -1
        pending = [0] * len(self.models)
        pending_caps = [0] * len(self.models)
        for i, model, n in zip(self._row_at, self._row_model, self._row_len, strict=True):
            kept = list(itertools.islice(flat, n))
            row_caps = [next(c) for c in caps]
            if i != pending_i:
                if pending_i >= 0:
                    self._hit(pending_i, pending, pending_caps)
                pending_i, pending, pending_caps = i, [0] * len(self.models), [0] * len(self.models)
            asked: dict[int, int] = {}  # one question per set: before the models differ, they share one
            for k, multi in enumerate(multis):
                if model == self._ALL or model == k:
                    got = asked.get(id(multi))
                    if got is None:
                        got = asked[id(multi)] = multi.leading(kept)
                    pending[k] = first + got if got else 0
                    pending_caps[k] = row_caps[k]
        if pending_i >= 0:
            self._hit(pending_i, pending, pending_caps)


def cache_assumptions(warm: bool) -> tuple[tuple[str, str], ...]:
    """The named rules a cache-detected figure rests on, as (name, sentence) for reports."""
    run = ("cache_warm", CACHE_WARM_RUN) if warm else ("cache_cold", CACHE_COLD_RUN)
    return (
        ("cache_full_blocks", CACHE_FULL_BLOCKS),
        run,
        ("cache_stays_warm", CACHE_STAYS_WARM),
    )


def cached_for_catalog(measured: Sequence[Measured], catalog: Catalog, *, warm: bool) -> dict[str, list[int]]:
    """:func:`cached_by_model` with the catalog's caching rules, for every model it prices."""
    return cached_by_model(
        measured,
        min_tokens=catalog.cache_min_tokens,
        step=catalog.cache_step_tokens,
        warm=warm,
        models=list(catalog.models),
    )
