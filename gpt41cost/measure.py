"""What readers hand to the estimate core (one measured request each), and what the core keeps
of a run: :class:`Totals`, fed one request at a time, like :class:`gpt41cost.usage.Accumulator`.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

#: The service tiers that ask for priority processing (``fast`` is its name since 2026-07-30).
PRIORITY_TIERS = frozenset({"priority", "fast"})
#: ``priority_excludes(input_tokens, threshold)``: whether priority prices exclude a request of
#: ``input_tokens`` input tokens, ``threshold`` being the catalog's ``long_context_threshold``:
#: an input over it is long context, and a request sent at priority with one is priced at
#: standard rates (docs/accounting.md §2, "Priority and long context"; the rule's text is
#: estimate.LONG_CONTEXT_PRIORITY). The one test of it for estimate, limits, plan and usage;
#: ``operator.gt``, a C function, so a reader maps it over a column of counts at C speed.
priority_excludes: Callable[[int, int], bool] = operator.gt

if TYPE_CHECKING:
    from .cache import RunCache
    from .catalog import Catalog

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


#: A request's cache block hashes per base model (:attr:`Measured.cache_blocks`).
_Blocks = Mapping[str, tuple[int, ...]]


class Measured(NamedTuple):
    """One request, measured (a named tuple: readers make one per request of a large file, where a
    frozen dataclass cost ~2 µs more each, an ``object.__setattr__`` call per field).

    ``input_tokens`` maps each base model name (gpt-4.1, gpt-4.1-mini, gpt-4.1-nano) to the
    request's input tokens on that model; they differ only when the request holds images.
    ``cache_blocks`` maps each base model name to the chained hashes of the request's
    full 128-token blocks, in the order OpenAI caches a prompt (tools, system and earlier
    messages, images); None when the input has no request structure to cache (plain text
    prompts use their own token stream). ``cache_prompts`` maps each base model name to the hash
    of the request's whole stream, its last partial block included (:func:`gpt41cost.cache.prompt_hashes`):
    it tells a repeat of a prompt from another prompt with the same full blocks.
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
    choices: int = 1  # a Chat request's ``n``: completions generated and billed, each within its cap
    cache_prompts: Mapping[str, int] | None = None
    extended_cache: bool = False  # prompt_cache_retention "24h" (cache.EXTENDED_RETENTION)
    responses_n: str | None = None  # a Responses body's n as written (JSON), which OpenAI refuses
    #: the body's ``service_tier`` as written (a string), None when the body has none
    service_tier: str | None = None

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


@dataclass(frozen=True)
class Misfit:
    """A request that does not fit the model: over the context window or over max output.
    ``over_max``: its own cap is over the model's maximum output (:data:`CAP_OVER_MAX`)."""

    where: str
    input_tokens: int
    output_tokens: int
    problem: str
    over_max: bool = False


#: The output rule (``gpt41cost rules``, which fills in the default output): gpt41cost's policy on
#: the documented cap.
OUTPUT_WITHIN_CAP = (
    "a request's expected output is the output assumption ({default}, --output-tokens, --calibrate-from, a workload's "
    "output_tokens), or its own max_tokens (max_completion_tokens, max_output_tokens) where lower: OpenAI "
    "generates at most that many tokens and bills the output generated; the worst case has every capped "
    "request produce its whole cap"
)
#: The rules for a Chat request's ``n`` (``gpt41cost rules``): the billing documented (the API
#: reference), the cap per choice and the reservation inferred.
CHOICES_BILLED = (
    "a Chat request with n choices (1 to 128; default 1) is billed the output tokens of all n and its input once"
)
CHOICES_CAPPED = (
    "max_tokens (max_completion_tokens) caps each of a request's n choices, so its expected output and worst case "
    "are n times one choice's, and its TPM output reservation is n x max_tokens (n x the expected output without "
    "a cap), as OpenAI's cookbook rate limiter reserves it; the context window holds the input and one choice "
    "(inference: the reference bounds the tokens of 'a completion', and the rate-limit guide says nothing of n)"
)


#: The rule for an output assumption taken from usage records (``gpt41cost rules``): a log's
#: output per request is what OpenAI billed, all the request's choices together.
CALIBRATED_WHOLE = (
    "the output tokens per request taken from usage records (--calibrate-from) are what OpenAI billed: "
    "completion_tokens (output_tokens) covers all of a request's choices, so a request with n > 1 choices is "
    "expected to produce that output once, not n times, and at most n x its own max_tokens; calibrate from traffic "
    "asking for as many choices as the requests priced (a log's records do not say their n)"
)


def choices_note(requests: int, whole: bool = False) -> str:
    """The report's note on the ``requests`` that ask for more than one choice (``n``); ``whole``:
    the output assumption is a whole request's (:data:`CALIBRATED_WHOLE`)."""
    many = requests != 1
    how = (
        "the observed output per request is all of a request's choices together (at most n x max_tokens)"
        if whole
        else "output is priced for each choice (each within max_tokens)"
    )
    return f"{requests:,} request{'s' if many else ''} ask{'' if many else 's'} for n > 1 choices: {how}, input once"


def expected_output(output_tokens: int, cap: int | None, choices: int = 1, whole: bool = False) -> int:
    """A request's expected output tokens: ``output_tokens`` (the estimate's assumption), or the
    request's own cap (``max_tokens`` and friends) where lower: it can generate no more, and OpenAI
    bills the output generated; times its ``choices`` (a Chat request's ``n``: each choice is
    generated, capped and billed: :data:`CHOICES_CAPPED`). ``whole``: ``output_tokens`` is a whole
    request's output, all its choices together (a calibration: what a log's requests were billed,
    :data:`CALIBRATED_WHOLE`), so it is taken once, at most ``choices`` times the cap. The one rule
    of every command that prices a request's output."""
    if whole:
        return output_tokens if cap is None else min(output_tokens, cap * choices)
    return (output_tokens if cap is None or cap >= output_tokens else cap) * choices


#: The rule for a request's own cap above the model's maximum output (``gpt41cost rules``): the
#: refusal inferred (a 400, reported by users; OpenAI's model pages give the maximum), the figure policy.
CAP_OVER_MAX = (
    "a request's own max_tokens (max_completion_tokens, max_output_tokens) above the model's maximum output "
    "(the catalog's max_output_tokens) does not fit: every command lists it as not fitting (a warning on "
    "stderr; estimate's 'Requests that do not fit', limits' and plan's JSON requests_over_max_output; a Batch "
    "file's line is a pre-flight error, max_output_too_large) and takes its cap as the model's maximum "
    "output, the most the model generates, in every figure (expected output, worst case, TPM reservation) and "
    "in the context-window check, never the cap as written (inference: OpenAI refuses such a request with a "
    "400, so as written it costs nothing until its cap is lowered)"
)


def over_max(cap: int | None, max_output: int) -> bool:
    """Whether a request's own output cap is over the model's maximum output: it does not fit, and
    every figure takes it at the maximum (:data:`CAP_OVER_MAX`; the one test of every command)."""
    return cap is not None and cap > max_output


def within_max(cap: int | None, max_output: int) -> int | None:
    """A request's own output cap as every figure takes it: at most the model's maximum output
    (:data:`CAP_OVER_MAX`); None (no cap) stays None."""
    return max_output if over_max(cap, max_output) else cap


def over_max_problem(value: int, label: str, max_output: int) -> str:
    """What is wrong with an output count over a model's maximum output, and what to do: one
    wording for a flag (limits, estimate) and a workload key (plan)."""
    return f"{value:,} is over {label}'s maximum output of {max_output:,} tokens; give {max_output:,} or less"


def output_reservation(reserve_tokens: int, cap: int | None, choices: int = 1) -> int:
    """What a request reserves for its output at admission (TPM): its own cap where it has one,
    else ``reserve_tokens``; times its ``choices`` (:data:`CHOICES_CAPPED`)."""
    return (reserve_tokens if cap is None else cap) * choices


def output_sum(
    output_tokens: int,
    requests: int,
    caps: Mapping[int, int],
    more: Mapping[tuple[int | None, int], int] | None = None,
    whole: bool = False,
) -> int:
    """The expected output tokens of ``requests`` requests together (:func:`expected_output`
    of each), ``caps`` counting the capped ones by cap (cap -> requests), ``more`` the requests
    with more than one choice by (cap, choices) (cap None: uncapped; :attr:`Group.more`);
    ``whole`` as for :func:`expected_output`."""
    capped = sum(caps.values())
    total = output_tokens * (requests - capped) + sum(expected_output(output_tokens, c) * k for c, k in caps.items())
    for (c, n), k in (more or {}).items():  # each such request counted above as one choice
        total += (expected_output(output_tokens, c, n, whole) - expected_output(output_tokens, c)) * k
    return total


def worst_output(
    output_tokens: int,
    requests: int,
    caps: Mapping[int, int],
    more: Mapping[tuple[int | None, int], int] | None = None,
    max_output: int | None = None,
    whole: bool = False,
) -> int:
    """The output tokens of the requests of :func:`output_sum` in the worst case: every capped
    choice produces its whole cap, every uncapped one ``output_tokens`` (with ``whole``, every
    uncapped request: :func:`expected_output`); with ``max_output`` (the model's maximum output) a
    cap above it counts as the maximum (:func:`within_max`)."""
    capped = sum(caps.values())
    top = max_output

    def taken(c: int) -> int:
        return c if top is None else within_max(c, top) or 0

    total = sum(taken(c) * k for c, k in caps.items()) + output_tokens * (requests - capped)
    for (c, n), k in (more or {}).items():
        if c is not None or not whole:
            total += (output_tokens if c is None else taken(c)) * (n - 1) * k
    return total


def capped_below(
    output_tokens: int,
    caps: Mapping[int, int],
    more: Mapping[tuple[int | None, int], int] | None = None,
    whole: bool = False,
) -> int:
    """How many of the requests counted in ``caps`` have a cap below ``output_tokens`` (with
    ``whole``, a request of n choices: n times its cap below it; ``more`` as for :func:`output_sum`)."""
    below = sum(k for c, k in caps.items() if c < output_tokens)
    if whole:
        below -= sum(k for (c, n), k in (more or {}).items() if c is not None and c < output_tokens <= c * n)
    return below


class Totals:
    """What an estimate needs from a run, kept as the requests are read: per base model the
    count of requests by input size (for sums and percentiles) and the requests that do not
    fit; the requests by output cap (:attr:`caps`); the models the requests name; fine-tuning examples; what could not
    be counted; and, with a ``cache``, the prompt-cache prefixes (:class:`~gpt41cost.cache.RunCache`).
    Memory grows with distinct sizes and distinct cache prefixes, not with requests.

    ``output_tokens`` maps each base model to the output tokens a request is expected to
    reserve where it gives no cap of its own (the estimate's assumption), to find misfits.

    ``text_alone``: the default cache mode (auto for request files, none for plain text), where
    plain-text prompts feed the ``cache`` (for a what-if) only while every request is plain text:
    the first request of another kind starts the cache afresh, and later text is left out of it.
    """

    def __init__(
        self,
        catalog: Catalog,
        output_tokens: Mapping[str, int],
        cache: RunCache | None = None,
        *,
        defer: bool = False,
        text_alone: bool = False,
    ) -> None:
        self.bases = tuple(catalog.models)
        self.output_tokens = {base: output_tokens[base] for base in self.bases}
        self._limits = {b: (s.context_window, s.max_output_tokens) for b, s in catalog.models.items()}
        self.cache = cache
        self.requests = 0
        self.misfits: dict[str, list[Misfit]] = {base: [] for base in self.bases}
        self.named: Counter[str | None] = Counter()  # each request's ``model``, in order of first use
        self.examples = 0  # fine-tuning examples (requests with training tokens)
        self.extended_cache = 0  # requests asking for extended prompt-cache retention ("24h")
        self.training_sum = 0  # their training tokens (one epoch)
        self.kinds: list[tuple[str, str]] = []  # (source, kind read as), in order
        self.uncounted: list[tuple[str, str]] = []  # (where, what)
        # Each run of requests from one source (an input), in order: its first request's index,
        # and per base model its requests by input size and the cold-cache tokens they got.
        self.groups: list[Group] = []
        # The groups of the current input by request class (:meth:`class_of`), which the next
        # request of its source and class joins; a request of another source starts afresh.
        self._current: dict[tuple[bool, tuple[bool, ...]], Group] = {}
        self._current_source: str | None = None
        #: the input tokens over which a request draws on the long-context pool, and which
        #: priority rates exclude (docs/accounting.md §2, §9)
        self.long_threshold = catalog.long_context_threshold
        #: requests whose bodies ask for a service tier (``service_tier`` as written -> requests)
        self.tiers_asked: Counter[tuple[str, str]] = Counter()  # (kind read as, tier) -> requests
        # ``defer``: the totals of one part of a run, read apart (another process): each request's
        # group, blocks, tokens and own hashes wait here, for the run's cache to take in order
        # (:meth:`merge`).
        self.deferred: list[tuple[int, _Blocks, Mapping[str, int], Mapping[str, int] | None, bool]] | None = (
            [] if defer else None
        )
        # with ``text_alone``: "text" while every request so far is plain text, then "mixed"; else "all"
        self._feeds = "text" if text_alone else "all"

    def _feeds_cache(self, kind: str) -> bool:
        """Whether a request of this kind feeds the cache (see ``text_alone``)."""
        if self._feeds == "all":
            return True
        if kind == "text":
            return self._feeds == "text"
        if self._feeds == "text":  # the text's prefixes were for a what-if only: start afresh
            self._feeds = "mixed"
            if self.cache is not None:
                self.cache = self.cache.fresh()
                for g in self.groups:
                    g.cold = dict.fromkeys(self.bases, 0)
        return True

    def start_input(self) -> None:
        """The next request begins another input: a group of its own, even where the input before
        had the same source (a file named twice)."""
        self._current = {}
        self._current_source = None

    def class_of(self, m: Measured) -> tuple[bool, tuple[bool, ...]]:
        """A request's class, which its group keeps: whether its body asks for priority processing
        (``service_tier`` priority, or fast, its name since 2026-07-30), and per base model whether
        its input is over the long-context threshold (priority rates exclude such a request)."""
        threshold = self.long_threshold
        tokens = m.input_tokens
        longs = tuple(priority_excludes(tokens[base], threshold) for base in self.bases)
        return m.service_tier in PRIORITY_TIERS, longs

    def _group_for(self, source: str, cls: tuple[bool, tuple[bool, ...]], start: int) -> Group:
        """The current input's group of ``cls``, begun at ``start`` when it has none."""
        if self._current_source != source:
            self._current, self._current_source = {}, source
        group = self._current.get(cls)
        if group is None:
            group = self._current[cls] = Group(source, start, self.bases, cls)
            group.tag = len(self.groups)
            self.groups.append(group)
        return group

    @property
    def caps(self) -> Counter[int]:
        """The requests with an output cap, by cap (cap -> requests; the groups' together): few
        distinct caps, however many requests, and enough to sum :func:`expected_output` of every
        request for any output assumption (:func:`output_sum`)."""
        out: Counter[int] = Counter()
        for g in self.groups:
            out.update(g.caps)
        return out

    @property
    def capped(self) -> int:
        """Requests with an output cap."""
        return sum(g.caps.total() for g in self.groups)

    @property
    def more(self) -> Counter[tuple[int | None, int]]:
        """The requests asking for more than one choice (a Chat request's ``n``), by the request's
        cap (None: uncapped) and ``n`` (the groups' together), for :func:`output_sum`."""
        out: Counter[tuple[int | None, int]] = Counter()
        for g in self.groups:
            out.update(g.more)
        return out

    @property
    def multi(self) -> int:
        """Requests asking for more than one choice (``n`` > 1)."""
        return sum(g.multi for g in self.groups)

    @property
    def sizes(self) -> dict[str, Counter[int]]:
        """Per base model, the requests by input size (the groups' together: each request is
        counted once, in its group's sizes)."""
        out: dict[str, Counter[int]] = {base: Counter() for base in self.bases}
        for g in self.groups:
            for base, counts in g.sizes.items():
                out[base].update(counts)
        return out

    def add(self, m: Measured) -> None:
        group = self._group_for(m.source, self.class_of(m), self.requests)
        if m.service_tier is not None:
            self.tiers_asked[(m.kind, m.service_tier)] += 1
        group.requests += 1
        self.requests += 1
        if not self.kinds or self.kinds[-1] != (m.source, m.kind):
            self.kinds.append((m.source, m.kind))
        self.named[m.model] += 1
        cap = m.max_output_tokens
        if cap is not None:
            caps = group.caps
            caps[cap] = caps.get(cap, 0) + 1
        if m.choices != 1:  # each choice is one more output within the cap (misfits are per choice)
            more = group.more
            key = (cap, m.choices)
            more[key] = more.get(key, 0) + 1
            group.multi += 1
        if m.extended_cache:
            self.extended_cache += 1
        if m.training_tokens is not None:
            self.examples += 1
            self.training_sum += m.training_tokens
        if m.uncounted:
            self.uncounted += [(m.where, u) for u in m.uncounted]
        tokens = m.input_tokens
        output_tokens, limits, group_sizes = self.output_tokens, self._limits, group.sizes
        for base in self.bases:
            i = tokens[base]
            counts = group_sizes[base]
            counts[i] = counts.get(i, 0) + 1  # not Counter's += 1: its __missing__ is Python code
            reserved = output_tokens[base] if cap is None else cap  # a capped request reserves its cap
            window, max_output = limits[base]
            # the window holds one choice's output, a cap over the maximum taken at it (within_max, inlined:
            # a call per request and model on the estimate's hot path), as plan checks it
            held = reserved if cap is None or reserved <= max_output else max_output
            if i + held > window:
                problem = f"input + output {i + held:,} > context window {window:,}"
                self.misfits[base].append(Misfit(m.where, i, held, problem))
            if reserved > max_output:
                problem = f"output {reserved:,} > max output {max_output:,}"
                own = over_max(cap, max_output)  # CAP_OVER_MAX
                if own:
                    problem += f" (OpenAI refuses it; figured at {max_output:,})"
                self.misfits[base].append(Misfit(m.where, i, reserved, problem, own))
        if not m.cache_blocks or not self._feeds_cache(m.kind):  # nothing to hit or to leave behind
            return
        tag = group.tag
        if self.deferred is not None:
            self.deferred.append((tag, m.cache_blocks, tokens, m.cache_prompts, m.extended_cache))
        elif self.cache is not None:
            self._cache(group, tag, m.cache_blocks, tokens, m.cache_prompts, m.extended_cache)

    def _cache(
        self,
        group: Group,
        tag: int,
        blocks: Mapping[str, tuple[int, ...]] | None,
        tokens: Mapping[str, int],
        prompts: Mapping[str, int] | None,
        extended: bool = False,
    ) -> None:
        assert self.cache is not None
        for base, n in self.cache.add(blocks, tokens, tag, prompts, extended).items():
            group.cold[base] += n

    def merge(self, part: Totals) -> None:
        """Take in the totals of the next part of the run (made with ``defer``), as if its
        requests had been added here one by one."""
        for pair in part.kinds:
            if not self.kinds or self.kinds[-1] != pair:
                self.kinds.append(pair)
            self._feeds_cache(pair[1])
        self.named.update(part.named)
        self.examples += part.examples
        self.extended_cache += part.extended_cache
        self.training_sum += part.training_sum
        self.uncounted += part.uncounted
        for base in self.bases:
            self.misfits[base] += part.misfits[base]
        tags = []  # the part's groups, as groups of this run
        for g in part.groups:
            group = self._group_for(g.source, g.cls, self.requests + g.start)
            group.merge(g)
            tags.append(group.tag)
        self.tiers_asked.update(part.tiers_asked)
        self.requests += part.requests
        if self.cache is not None:
            for at, blocks, tokens, prompts, extended in part.deferred or ():
                self._cache(self.groups[tags[at]], tags[at], blocks, tokens, prompts, extended)

    def kind_set(self) -> set[str]:
        """The kinds the requests were read as."""
        return {kind for _, kind in self.kinds}


class Group:
    """The requests of one input (a run of requests from one source) in a :class:`Totals`:
    per base model how many of each input size, and the tokens a cold cache gave them; the
    requests with an output cap, by cap; the requests with more than one choice by (cap, choices)
    (``more``), and how many they are (``multi``)."""

    def __init__(
        self, source: str, start: int, bases: tuple[str, ...], cls: tuple[bool, tuple[bool, ...]] = (False, ())
    ) -> None:
        self.source = source
        self.start = start  # the index of its first request in the run
        #: its requests' class (:meth:`Totals.class_of`): whether their bodies ask for priority
        #: processing, and per base model whether their input is over the long-context threshold
        self.cls = cls
        self.tag = 0  # its index in the run's groups (the cache's tag for its requests)
        self.requests = 0
        self.sizes: dict[str, Counter[int]] = {base: Counter() for base in bases}
        self.cold = dict.fromkeys(bases, 0)
        self.caps: Counter[int] = Counter()
        self.more: Counter[tuple[int | None, int]] = Counter()
        self.multi = 0

    def merge(self, other: Group) -> None:
        self.requests += other.requests
        self.caps.update(other.caps)
        self.more.update(other.more)
        self.multi += other.multi
        for base, sizes in other.sizes.items():
            self.sizes[base].update(sizes)
            self.cold[base] += other.cold[base]
