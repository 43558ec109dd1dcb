"""Automatic prompt-cache detection (docs/accounting.md §7).

OpenAI caches a prompt by exact prefix, in 128-token steps from 1,024 tokens on. To find
what a run of requests would get from the cache without comparing pairs of requests,
each request's token stream (in the order OpenAI caches it: tools, system and earlier
messages, images) is cut into full ``step``-token blocks and block *k* gets a hash of the
whole prefix ``tokens[0 : (k + 1) * step]`` (:func:`block_hashes`). Two requests share
their first *k* blocks exactly when their *k*-th hashes are equal, so one pass over the
requests with a set of seen hashes gives each request's cached prefix (:class:`PrefixCache`):
O(total blocks), about a tenth of the time it takes to tokenize the same requests.

Rules, each a named value shown in reports:

- :data:`CACHE_FULL_BLOCKS`: only whole blocks of the request's own prompt are cached.
- :data:`CACHE_COLD_RUN` / :data:`CACHE_WARM_RUN`: what the first request of a run gets.
- :data:`CACHE_STAYS_WARM`: nothing is evicted during the run and every request reaches a
  server that holds its prefix.
"""

from __future__ import annotations

import array
import hashlib
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
#: Inference: the cache keeps everything seen in the run (docs/accounting.md §7: 5-10 minutes idle, up to
#: an hour) and routing always finds it; OpenAI routes by a prefix hash and heavy traffic on one prefix
#: can overflow to servers without it, so real hit rates can be lower.
CACHE_STAYS_WARM = (
    "inference: prefixes stay cached for the whole run and every request is routed to a server holding "
    "its prefix (real hits can be lower when a run spans more than the cache lifetime or one prefix gets "
    "very heavy traffic)"
)

#: Minutes a prefix stays cached after its last use (in-memory retention): OpenAI documents 5 to 10
#: minutes of inactivity, always evicted within an hour; the documented lower end, conservative [CACHE].
RETENTION_MINUTES = 5
#: The models of the family that accept extended retention (``prompt_cache_retention: "24h"``): gpt-4.1
#: only [CACHE]; on another model such a request keeps the in-memory lifetime.
EXTENDED_RETENTION_MODELS = frozenset({"gpt-4.1"})
#: Minutes a prefix cached by a request asking for extended retention stays cached after its last
#: use: OpenAI documents "up to a maximum of 24 hours" [CACHE]; the steady state takes the whole 24 h
#: (an upper bound: entries are typically kept for less).
EXTENDED_RETENTION_MINUTES = 24 * 60
#: The rule (``gpt41cost rules``, docs/accounting.md §7).
EXTENDED_RETENTION = (
    'a request setting prompt_cache_retention "24h" (extended retention, which gpt-4.1 accepts; not mini or nano) '
    "leaves its prefixes cached for 24 hours after its last use in the month's steady state on gpt-4.1 ({minutes} "
    "minutes otherwise), so a prefix held at r requests/min, e of them extended, is cached with probability "
    "1 - exp(-((r - e) x {minutes} + e x 1,440)); OpenAI documents up to 24 hours, so this is an upper bound; "
    "a run's cold and warm figures do not change (the cache stays warm for the whole run already)"
)
#: The steady-state model of a month (inference from the retention above, shown in reports).
CACHE_STEADY_MONTH = (
    "inference: monthly figures come from a steady state, not from the sample's first requests: requests arrive "
    "at random (Poisson) at the traffic given, each prefix at its share of it; a prefix is cached when a request "
    "holding it came within the last {minutes} minutes (OpenAI: cached prefixes stay 5 to 10 minutes after last "
    "use; the lower end), so a request hits it with probability 1 - exp(-r x {minutes}) at r requests/min "
    "holding it; a prefix only one distinct prompt of the sample holds is that request's own content, never reused "
    "(prompts that differ in any token, their last partial block included, are distinct; exact repeats are one)"
)
#: The same, in short, where a report names the basis of a figure.
CACHE_STEADY_SHORT = (
    "Poisson arrivals; a prefix stays cached {minutes} min after last use, so at r requests/min holding it a "
    "request hits it with probability 1 - exp(-r x {minutes}); a prefix held by one distinct prompt only "
    "(exact repeats are one prompt) is never reused"
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
# A prompt's own hash (:func:`prompt_hashes`) goes on from its last full block's state with one of
# these tags and the ids after that block (the partial block, maybe empty): nothing follows it, so
# it too reads back one way only.
_TAIL = b"\x02"
_TAIL_WIDE = b"\x03"


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
    return _block_hashes(hashlib.blake2b(digest_size=8, person=_PERSON), tokens, n, step)


def _block_hashes(h: Any, tokens: Sequence[int], n: int, step: int) -> tuple[int, ...]:
    out: list[int] = []
    for tag, data in _packed_blocks(tokens, n, step):
        h.update(tag)
        h.update(data)
        # copy(): the running hash goes on; the copy's digest is this prefix's hash.
        out.append(int.from_bytes(h.copy().digest(), "little"))
    return tuple(out)


def prompt_hashes(tokens: Sequence[int], step: int = DEFAULT_STEP) -> tuple[tuple[int, ...], int]:
    """:func:`block_hashes` of ``tokens`` and the prompt's own hash: the same chain fed on with the
    ids after the last full block, so it covers every token, the partial last block included.

    Two prompts with the same whole blocks differ in their own hashes when their last partial
    blocks differ: it tells a repeat of one prompt from two prompts sharing a prefix
    (:meth:`PrefixCache.add`)."""
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    n = len(tokens) // step
    h = hashlib.blake2b(digest_size=8, person=_PERSON)
    blocks = _block_hashes(h, tokens, n, step) if n else ()
    return blocks, _own(h, tokens[n * step :])


def _own(h: Any, tail: Sequence[int]) -> int:
    """The prompt's own hash: ``h`` (the state after its full blocks) fed the ids after them."""
    try:
        tag, data = _TAIL, _pack(tail, "I")
    except OverflowError:
        try:
            tag, data = _TAIL_WIDE, _pack(tail, "q")
        except OverflowError:
            raise ValueError("token ids must be integers from -2**63 to 2**63 - 1") from None
    h.update(tag)
    h.update(data)
    return int.from_bytes(h.digest(), "little")


class PrefixHashes:
    """:func:`prompt_hashes` of streams that start with a prefix seen before, without hashing
    that prefix again: batch files repeat the same tools and system prompt on many lines.

    ``prompt_hashes(prefix, rest, step)`` equals ``prompt_hashes(prefix + rest, step)`` (ids are
    uint32 arrays, as the request counter makes them). Keeps at most ``max_entries`` prefixes.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        # key -> (hashes of the prefix's full blocks, hash state after them, the prefix's
        # ids after its last full block)
        self._done: dict[tuple[int, bytes], tuple[tuple[int, ...], Any, array.array[int]]] = {}

    def prompt_hashes(self, prefix: array.array[int], rest: array.array[int], step: int) -> tuple[tuple[int, ...], int]:
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
        h = state.copy()
        if n:
            head += _chain(h, memoryview(stream).cast("B"), n, step)
        return head, _own(h, stream[n * step :])


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


class _FirstHolders:
    """Each prefix hash seen, with the number of the request that first held it: an open-addressing
    table of 8-byte keys and 4-byte values in two arrays (~24 bytes a hash at the average load),
    where a dict of Python ints took ~145 bytes a hash with the int objects it kept alive. Hashes
    outside 1 .. 2**64 - 1 (0 marks an empty slot; tests use any int) go to a small dict."""

    __slots__ = ("_holders", "_keys", "_mask", "_other", "_used")

    def __init__(self, capacity: int = 1024) -> None:
        self._keys = array.array("Q", bytes(8 * capacity))
        self._holders = array.array("I", bytes(4 * capacity))
        self._mask = capacity - 1  # capacity is a power of two
        self._used = 0
        self._other: dict[int, int] = {}

    def __len__(self) -> int:
        return self._used + len(self._other)

    def copy(self) -> _FirstHolders:
        out = _FirstHolders.__new__(_FirstHolders)
        out._keys, out._holders = array.array("Q", self._keys), array.array("I", self._holders)
        out._mask, out._used, out._other = self._mask, self._used, dict(self._other)
        return out

    def get(self, h: int) -> int:
        """The number of the first request that held ``h``, or -1."""
        if not 0 < h <= _U64:
            return self._other.get(h, -1)
        keys, mask = self._keys, self._mask
        i = (h ^ (h >> 32)) & mask
        while True:
            k = keys[i]
            if k == h:
                return self._holders[i]
            if not k:
                return -1
            i = (i + 1) & mask

    def add(self, hashes: Sequence[int], holder: int) -> None:
        """Hashes first held by request number ``holder`` (one already there keeps its holder)."""
        if 3 * (self._used + len(hashes)) > 2 * (self._mask + 1):
            self._grow(self._used + len(hashes))
        keys, holders, mask = self._keys, self._holders, self._mask
        for h in hashes:
            if not 0 < h <= _U64:
                self._other.setdefault(h, holder)
                continue
            i = (h ^ (h >> 32)) & mask
            while True:
                k = keys[i]
                if not k:
                    keys[i] = h
                    holders[i] = holder
                    self._used += 1
                    break
                if k == h:
                    break
                i = (i + 1) & mask

    def _grow(self, need: int) -> None:
        size = self._mask + 1
        while 3 * need > 2 * size:
            size *= 2
        old_keys, old_holders = self._keys, self._holders
        self._keys = array.array("Q", bytes(8 * size))
        self._holders = array.array("I", bytes(4 * size))
        self._mask = size - 1
        keys, holders, mask = self._keys, self._holders, self._mask
        for h, v in zip(old_keys, old_holders, strict=True):
            if not h:
                continue
            i = (h ^ (h >> 32)) & mask
            while keys[i]:
                i = (i + 1) & mask
            keys[i] = h
            holders[i] = v


_U64 = 2**64 - 1


class PrefixCache:
    """The prefixes of a run's requests, fed one request at a time in run order.

    :meth:`add` returns what the request gets from a cold cache (the leading blocks it shares
    with an earlier request) and remembers its prefixes. Only hashes at or past the shortest
    possible hit (block ``min_tokens / step``) are kept: a shorter shared prefix is worth 0
    tokens anyway. A hash held by two or more requests is *shared*: what a warm run gets
    (:data:`CACHE_WARM_RUN`). The warm figure of the run is kept as the requests come, per
    ``tag`` (the caller's name for a group of requests, e.g. an input file), so nothing per
    request is stored; :meth:`warm` answers for one request once every request has been added.

    Memory grows with the run's distinct prefixes only: each hash seen with the number of the
    request that first held it (:class:`_FirstHolders`, ~24 bytes a hash), that request's tag,
    number of kept blocks and own hash (20 bytes a request that brought new hashes), and Python
    sets and dicts for the shared hashes alone (held by two requests or more), which a run of
    distinct prompts does not have.
    """

    def __init__(self, *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP) -> None:
        _check(min_tokens, step)
        self.min_tokens = min_tokens
        self.step = step
        self._first = _min_blocks(min_tokens, step) - 1  # index of the shortest hit's last block
        self._seen = _FirstHolders()  # hash -> number of the request that first held it
        # Per such request (by number): its tag, how many hashes it kept, and its own hash (of
        # every token, :func:`prompt_hashes`). Two requests are the same prompt when the later
        # one's last hash was first held by the earlier one and both have the same own hash: two
        # prompts with the same whole blocks and different last partial blocks are distinct.
        self._tags: list[int] = []
        self._lengths = array.array("I")
        self._prompts = array.array("Q")
        self._shared: set[int] = set()
        # Per tag, how many of its requests hold a shared shortest hit; its requests' shared hashes
        # (each counted once per holder) are the sum of its _tag_holders. Hashes are chained, so a
        # request's shared hashes are a leading run: a warm request gets first + (its shared hashes) blocks.
        self._warm_hits: Counter[int] = Counter()
        # For the steady state (:meth:`steady`): how many requests hold each shared hash, and the
        # hashes held by two or more distinct prompts (True for one at the first kept position:
        # the shortest hit; hashes are chained, so a hash has one position).
        self._holders: Counter[int] = Counter()
        self._reused: dict[int, bool] = {}
        # Per tag, how many of its requests hold each shared hash (:meth:`steady_totals`, :meth:`warm_totals`).
        self._tag_holders: dict[int, Counter[int]] = {}
        # Extended retention (EXTENDED_RETENTION): per first holder whether it asked for it, and per
        # shared hash how many of its holders did.
        self._ext = array.array("B")
        self._ext_holders: Counter[int] = Counter()

    def copy(self) -> PrefixCache:
        out = PrefixCache(min_tokens=self.min_tokens, step=self.step)
        out._seen, out._tags, out._lengths = self._seen.copy(), list(self._tags), array.array("I", self._lengths)
        out._prompts = array.array("Q", self._prompts)
        out._shared = set(self._shared)
        out._warm_hits = Counter(self._warm_hits)
        out._holders, out._reused = Counter(self._holders), dict(self._reused)
        out._tag_holders = {t: Counter(c) for t, c in self._tag_holders.items()}
        out._ext, out._ext_holders = array.array("B", self._ext), Counter(self._ext_holders)
        return out

    def add(self, blocks: Sequence[int], tag: int = 0, prompt: int | None = None, extended: bool = False) -> int:
        """Cached tokens of a request with these block hashes in a cold run; then remember its prefixes.

        ``prompt`` is the request's own hash (:func:`prompt_hashes`), which tells a repeat of an
        earlier prompt from another prompt with the same whole blocks (the steady state counts only
        the latter as reuse); None for a prompt that is its whole blocks alone (no partial block).
        ``extended``: the request asks for extended retention (:data:`EXTENDED_RETENTION`)."""
        kept = blocks[self._first :]
        if not kept:
            return 0
        seen, shared, holders = self._seen, self._shared, self._holders
        by_tag = self._tag_holders
        own = 0 if prompt is None else prompt & _U64
        # Which request first held this request's last hash (-1: none, the request is new), and
        # whether this request repeats it: the same blocks and the same tokens after them.
        last_holder = seen.get(kept[-1])
        same_as = (
            last_holder
            if last_holder >= 0 and self._lengths[last_holder] == len(kept) and self._prompts[last_holder] == own
            else -1
        )
        cold = 0
        mine = by_tag.get(tag)  # this request's tag's holders, made at its first shared hash
        for k, h in enumerate(kept):
            if h in shared:  # one more holder of a shared prefix
                holders[h] += 1
                if extended:
                    self._ext_holders[h] += 1
                if mine is None:
                    mine = by_tag[tag] = Counter()
                mine[h] += 1
                if k == 0:
                    self._warm_hits[tag] += 1
                owner = -2
            else:
                owner = seen.get(h)
                if owner < 0:  # chained: no longer prefix of this request was seen
                    self._tags.append(tag)
                    self._lengths.append(len(kept))
                    self._prompts.append(own)
                    self._ext.append(extended)
                    seen.add(kept[k:], len(self._tags) - 1)
                    break
                # shared from now on: by its first holder and this request
                shared.add(h)
                holders[h] = 2
                ext = self._ext[owner] + extended
                if ext:
                    self._ext_holders[h] = ext
                owner_tag = self._tags[owner]
                if mine is None:
                    mine = by_tag[tag] = Counter()
                mine[h] += 1
                by_tag.setdefault(owner_tag, Counter())[h] += 1
                if k == 0:
                    self._warm_hits[tag] += 1
                    self._warm_hits[owner_tag] += 1
            if h not in self._reused:
                first = owner if owner >= 0 else seen.get(h)
                if first != same_as:  # held by a prompt other than its first holder
                    self._reused[h] = k == 0
            cold += 1
        return _tokens(self._first + cold if cold else 0, self.min_tokens, self.step)

    def warm_totals(self) -> dict[int, int]:
        """Cached tokens of the requests added, summed per tag, in a warm run."""
        return {
            t: (sum(held.values()) + self._first * self._warm_hits[t]) * self.step
            for t, held in self._tag_holders.items()
        }

    def warm(self, blocks: Sequence[int]) -> int:
        """Cached tokens of one request added before, in a warm run (after every request is added)."""
        n = 0
        for h in blocks[self._first :]:
            if h not in self._shared:
                break
            n += 1
        return _tokens(self._first + n if n else 0, self.min_tokens, self.step)

    def _hit(
        self, h: int, per_minute: Decimal, requests: int, minutes: Decimal, extended: Decimal | None = None
    ) -> Decimal:
        """Probability that a request holding ``h`` finds it cached: 1 - exp(-r T), each holder's
        requests with their own lifetime T (``extended`` minutes for those asking for extended
        retention, :data:`EXTENDED_RETENTION`; None: ``minutes`` for every request)."""
        if h not in self._reused:
            return Decimal(0)
        held, ext = self._holders[h], self._ext_holders.get(h, 0) if extended is not None else 0
        rate = per_minute * (held - ext) / requests
        if not ext:
            return 1 - (-rate * minutes).exp()
        assert extended is not None
        return 1 - (-(rate * minutes + per_minute * ext / requests * extended)).exp()

    def steady(self, per_minute: Decimal, requests: int, minutes: Decimal, extended: Decimal | None = None) -> Decimal:
        """Expected cached tokens of all the requests added, summed, in the steady state
        (:data:`CACHE_STEADY_MONTH`) at ``per_minute`` requests in all, ``requests`` of them in
        the sample (each stands for an equal share of the traffic)."""
        total = Decimal(0)
        # A hit of the shortest cached length (block ``first``) is worth first + 1 blocks; each
        # further block held adds one.
        for h, head in self._reused.items():
            blocks = self._first + 1 if head else 1
            total += self._holders[h] * self._hit(h, per_minute, requests, minutes, extended) * blocks
        return total * self.step

    def steady_totals(
        self, per_minute: Decimal, requests: int, minutes: Decimal, extended: Decimal | None = None
    ) -> dict[int, Decimal]:
        """Expected cached tokens of the requests added, summed per tag, in the steady state: each
        tag's is the sum of its own requests' (:meth:`steady_one`); together they make :meth:`steady`."""
        hits: dict[int, Decimal] = {}
        out: dict[int, Decimal] = {}
        for tag, counts in self._tag_holders.items():
            total = Decimal(0)
            for h, held in counts.items():
                head = self._reused.get(h)
                if head is None:
                    continue
                hit = hits.get(h)
                if hit is None:
                    hit = hits[h] = self._hit(h, per_minute, requests, minutes, extended)
                total += held * hit * (self._first + 1 if head else 1)
            out[tag] = total * self.step
        return out

    def steady_one(
        self,
        blocks: Sequence[int],
        per_minute: Decimal,
        requests: int,
        minutes: Decimal,
        extended: Decimal | None = None,
    ) -> Decimal:
        """Expected cached tokens of one request added before, in the steady state."""
        total = Decimal(0)
        for k, h in enumerate(blocks[self._first :]):
            if h not in self._reused:
                break
            total += self._hit(h, per_minute, requests, minutes, extended) * (self._first + 1 if k == 0 else 1)
        return total * self.step


def _tokens(blocks: int, min_tokens: int, step: int) -> int:
    cached = blocks * step
    return cached if cached >= min_tokens else 0


class RunCache:
    """:class:`PrefixCache` of each base model, fed each request's blocks on every model.

    The run is every request in order, as if all were sent to that model. One cache serves
    every model while every request so far had the same blocks on all of them (no images):
    the same hashes are then not stored once per model. A request never caches more than
    its own input on a model, in whole blocks (its token stream has one entry per input token,
    so its blocks never pass that; the cut is a guard).
    """

    def __init__(self, models: Sequence[str], *, min_tokens: int = DEFAULT_MIN_TOKENS, step: int = DEFAULT_STEP):
        self.models = tuple(models)
        self.min_tokens = min_tokens
        self._one: PrefixCache | None = PrefixCache(min_tokens=min_tokens, step=step)
        self._each: dict[str, PrefixCache] = {}
        self.step = step
        self._cold = dict.fromkeys(self.models, 0)

    def fresh(self) -> RunCache:
        """An empty cache with the same models and rules."""
        return RunCache(self.models, min_tokens=self.min_tokens, step=self.step)

    def _blocks(self, blocks: Mapping[str, Sequence[int]], tokens: Mapping[str, int]) -> list[Sequence[int]]:
        step = self.step
        return [blocks.get(name, ())[: tokens.get(name, 0) // step] for name in self.models]

    def add(
        self,
        blocks: Mapping[str, Sequence[int]] | None,
        tokens: Mapping[str, int],
        tag: int = 0,
        prompts: Mapping[str, int] | None = None,
        extended: bool = False,
    ) -> dict[str, int]:
        """One request, in run order: its block hashes and input tokens on each model, the tag of
        its group (:meth:`warm_totals`), its own hash on each model and whether it asks for
        extended retention (:meth:`PrefixCache.add`). Returns its cached tokens per model, cold."""
        if not blocks:  # nothing to hit or to leave behind (e.g. under the cache minimum)
            return dict.fromkeys(self.models, 0)
        per_model = self._blocks(blocks, tokens)
        own = [None if prompts is None else prompts.get(name) for name in self.models]
        one = self._one
        if one is not None and all(b == per_model[0] for b in per_model) and all(p == own[0] for p in own):
            got = one.add(per_model[0], tag, own[0], extended)
            out = dict.fromkeys(self.models, got)
        else:
            if one is not None:  # from now on each model keeps its own copy
                self._each = {name: one.copy() for name in self.models}
                self._one = None
            out = {
                name: self._each[name].add(b, tag, p, extended)
                for name, b, p in zip(self.models, per_model, own, strict=True)
            }
        for name, got in out.items():
            self._cold[name] += got
        return out

    def totals(self, *, warm: bool) -> dict[str, int]:
        """Cached input tokens of all the requests added, per model (cold or warm run)."""
        if not warm:
            return dict(self._cold)
        return {name: sum(self._cache(name).warm_totals().values()) for name in self.models}

    def warm_totals(self) -> dict[str, dict[int, int]]:
        """Cached input tokens in a warm run, per model, per tag."""
        return {name: self._cache(name).warm_totals() for name in self.models}

    def warm(self, blocks: Mapping[str, Sequence[int]] | None, tokens: Mapping[str, int]) -> dict[str, int]:
        """One added request's cached tokens per model in a warm run (after every request is added)."""
        if not blocks:
            return dict.fromkeys(self.models, 0)
        per_model = self._blocks(blocks, tokens)
        return {name: self._cache(name).warm(b) for name, b in zip(self.models, per_model, strict=True)}

    def steady(self, per_minute: Mapping[str, Decimal], requests: int, minutes: Decimal) -> dict[str, Decimal]:
        """Expected cached tokens of all the requests added, per model, in the steady state at
        ``per_minute[model]`` requests a minute (:meth:`PrefixCache.steady`)."""
        return {
            n: self._cache(n).steady(per_minute[n], requests, minutes, _extended(n))
            for n in self.models
            if n in per_minute
        }

    def steady_totals(
        self, per_minute: Mapping[str, Decimal], requests: int, minutes: Decimal
    ) -> dict[str, dict[int, Decimal]]:
        """Expected cached tokens of the requests added, per model, per tag, in the steady state at
        ``per_minute[model]`` requests a minute (:meth:`PrefixCache.steady_totals`)."""
        return {
            n: self._cache(n).steady_totals(per_minute[n], requests, minutes, _extended(n))
            for n in self.models
            if n in per_minute
        }

    def steady_one(
        self, blocks: Mapping[str, Sequence[int]] | None, tokens: Mapping[str, int], name: str,
        per_minute: Decimal, requests: int, minutes: Decimal,
    ) -> Decimal:  # fmt: skip
        """One added request's expected cached tokens on model ``name`` in the steady state."""
        if not blocks:
            return Decimal(0)
        b = self._blocks(blocks, tokens)[self.models.index(name)]
        return self._cache(name).steady_one(b, per_minute, requests, minutes, _extended(name))

    def _cache(self, name: str) -> PrefixCache:
        return self._one if self._one is not None else self._each[name]


def extended_note(requests: int) -> str:
    """The report's note on the ``requests`` that ask for extended retention (:data:`EXTENDED_RETENTION`)."""
    many = requests != 1
    return (
        f'{requests:,} request{"s" if many else ""} set{"" if many else "s"} prompt_cache_retention "24h" '
        "(extended retention, gpt-4.1 only): on gpt-4.1 the month's steady state keeps their prefixes cached "
        f"24 hours after last use, not {RETENTION_MINUTES} minutes (rule 'extended cache retention'); no other "
        "figure depends on the cache's lifetime"
    )


def _extended(model: str) -> Decimal | None:
    """The lifetime of a prefix cached by a request asking for extended retention on ``model``
    (:data:`EXTENDED_RETENTION`), None where the model keeps the in-memory one."""
    return Decimal(EXTENDED_RETENTION_MINUTES) if model in EXTENDED_RETENTION_MODELS else None


def cache_assumptions(warm: bool) -> tuple[tuple[str, str], ...]:
    """The named rules a cache-detected figure rests on, as (name, sentence) for reports."""
    run = ("cache_warm", CACHE_WARM_RUN) if warm else ("cache_cold", CACHE_COLD_RUN)
    return (
        ("cache_full_blocks", CACHE_FULL_BLOCKS),
        run,
        ("cache_stays_warm", CACHE_STAYS_WARM),
    )


def run_cache(catalog: Catalog) -> RunCache:
    """A :class:`RunCache` with the catalog's caching rules, for every model it prices."""
    return RunCache(list(catalog.models), min_tokens=catalog.cache_min_tokens, step=catalog.cache_step_tokens)
