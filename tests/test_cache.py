"""Prompt-cache detection: block hashes, cold and warm runs, each model's run."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from array import array
from collections.abc import Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost.cache import (
    CACHE_COLD_RUN,
    CACHE_FULL_BLOCKS,
    CACHE_STAYS_WARM,
    CACHE_WARM_RUN,
    PrefixCache,
    PrefixHashes,
    RunCache,
    block_hashes,
    cache_assumptions,
    prompt_hashes,
)
from gpt41cost.measure import Measured

from .conftest import TEST_DATE

ALL_MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
CHAINS = [tuple(range(k * 1000, k * 1000 + 30)) for k in range(3)]


def detect(
    blocks_per_request: Sequence[Sequence[int]], *, min_tokens: int = 1024, step: int = 128, warm: bool = False
) -> list[int]:
    """Each request's cached tokens, cold (as each is added) or warm (once all are); the warm
    totals the cache keeps as it goes, per group of requests (tag), must equal their sums."""
    cache = PrefixCache(min_tokens=min_tokens, step=step)
    cold = [cache.add(b, tag=i % 3) for i, b in enumerate(blocks_per_request)]  # three groups of requests
    each_warm = [cache.warm(b) for b in blocks_per_request]
    by_tag = {t: sum(each_warm[t::3]) for t in range(3)}
    assert {t: cache.warm_totals().get(t, 0) for t in range(3)} == by_tag
    return each_warm if warm else cold


def cached_by_model(
    items: Sequence[Measured], *, warm: bool = False, models: Sequence[str] = ALL_MODELS
) -> dict[str, list[int]]:
    """Each request's cached tokens on each model, through one RunCache: cold figures are what
    each request added to the cold totals; the warm totals must equal the warm figures' sum."""
    cache = RunCache(models)
    cold: dict[str, list[int]] = {name: [] for name in models}
    for m in items:
        before = cache.totals(warm=False)
        cache.add(m.cache_blocks, m.input_tokens)
        after = cache.totals(warm=False)
        for name in models:
            cold[name].append(after[name] - before[name])
    each = [cache.warm(m.cache_blocks, m.input_tokens) for m in items]
    hot = {name: [c[name] for c in each] for name in models}
    assert cache.totals(warm=True) == {name: sum(v) for name, v in hot.items()}
    return hot if warm else cold


def toks(start: int, n: int) -> list[int]:
    """n distinct token ids from ``start`` on: two calls with different starts share nothing."""
    return list(range(start, start + n))


PREFIX = toks(0, 1300)


def run(*requests: Sequence[int], warm: bool = False) -> list[int]:
    return detect([block_hashes(r) for r in requests], warm=warm)


# --------------------------------------------------------------------------- block_hashes


def test_one_hash_per_full_block() -> None:
    assert len(block_hashes(toks(0, 127))) == 0
    assert len(block_hashes(toks(0, 128))) == 1
    assert len(block_hashes(toks(0, 1300))) == 10  # 1,280 tokens in whole blocks, 20 left over
    assert len(block_hashes(toks(0, 10), step=4)) == 2


def test_hash_k_covers_the_whole_prefix() -> None:
    a = block_hashes(PREFIX + toks(10_000, 200))
    b = block_hashes(PREFIX + toks(20_000, 200))
    assert a[:10] == b[:10]  # blocks 0..9 lie inside the shared 1,300 tokens
    assert a[10] != b[10]  # block 10 (tokens 1,280..1,407) reaches past it
    # The same block content after a different prefix hashes differently: hashes are chained.
    c = block_hashes(toks(5, 128) + toks(0, 128))
    d = block_hashes(toks(6, 128) + toks(0, 128))
    assert c[1] != d[1]


def test_hashes_are_stable_across_processes() -> None:
    """Pinned values: not Python's salted hash(), the same on every run and machine."""
    assert block_hashes(toks(0, 256)) == (8724549354488958407, 4119702432091558506)
    code = "from gpt41cost.cache import block_hashes; print(block_hashes(list(range(128)))[0])"
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert out.stdout.strip() == "8724549354488958407"


def test_array_and_list_hash_alike() -> None:
    assert block_hashes(array("I", toks(0, 300))) == block_hashes(toks(0, 300))


def test_ids_beyond_32_bits_are_accepted_and_distinct() -> None:
    wide = block_hashes([2**40, 1, 2, 3], step=4)
    assert len(wide) == 1
    assert wide != block_hashes([0, 1, 2, 3], step=4)
    assert block_hashes([-1, 0, 0, 0], step=4) != block_hashes([0, 0, 0, 0], step=4)


def test_a_wide_id_later_does_not_change_earlier_hashes() -> None:
    narrow = block_hashes(toks(0, 8), step=4)
    mixed = block_hashes([*toks(0, 8), 2**40, 0, 0, 0], step=4)
    assert mixed[:2] == narrow
    assert len(mixed) == 3


def test_bad_step_or_id() -> None:
    with pytest.raises(ValueError, match="step"):
        block_hashes([1, 2], step=0)
    with pytest.raises(ValueError, match="token ids"):
        block_hashes([2**70], step=1)


# --------------------------------------------------------------------------- detect, by hand


@pytest.mark.parametrize(
    ("requests", "cold", "warm"),
    [
        pytest.param(
            [PREFIX + toks(10_000, 200), PREFIX + toks(20_000, 200), PREFIX + toks(30_000, 200)],
            [0, 1280, 1280],
            [1280, 1280, 1280],
            id="three-share-1300-token-prefix",
        ),
        pytest.param(
            [toks(0, 1000), toks(0, 1000)],
            [0, 0],
            [0, 0],
            id="1000-token-repeat-below-minimum",
        ),
        pytest.param(
            [toks(0, 1000) + toks(5000, 500), toks(0, 1000) + toks(6000, 500)],
            [0, 0],
            [0, 0],
            id="shared-1000-below-minimum",
        ),
        pytest.param(
            [toks(0, 1100) + toks(5000, 500), toks(0, 1100) + toks(6000, 500)],
            [0, 1024],
            [1024, 1024],
            id="shared-1100-gives-1024",
        ),
        pytest.param(
            [toks(0, 1280), toks(0, 1280)],
            [0, 1280],
            [1280, 1280],
            id="exact-repeat-1280-fully-cached",
        ),
        pytest.param(
            [
                toks(0, 1500) + toks(5000, 100),
                toks(0, 1500) + toks(6000, 100),
                toks(0, 1200) + toks(7000, 300),
            ],
            [0, 1408, 1152],
            [1408, 1408, 1152],
            id="longest-earlier-prefix-wins",
        ),
        pytest.param(
            [toks(0, 1100), toks(9000, 3000), toks(0, 1100)],
            [0, 0, 1024],
            [1024, 0, 1024],
            id="unrelated-request-between",
        ),
        pytest.param(
            [toks(100, 1500), toks(0, 1500)],
            [0, 0],
            [0, 0],
            id="nothing-shared",
        ),
        pytest.param([], [], [], id="empty-run"),
    ],
)
def test_detect_by_hand(requests: list[list[int]], cold: list[int], warm: list[int]) -> None:
    assert run(*requests) == cold
    assert run(*requests, warm=True) == warm


def test_warm_first_request_gets_a_prefix_shared_only_with_later_ones() -> None:
    assert run(toks(0, 2000), toks(0, 1500) + toks(9000, 10), warm=True) == [1408, 1408]
    assert run(toks(0, 2000), toks(0, 1500) + toks(9000, 10)) == [0, 1408]


def test_other_step_and_minimum() -> None:
    a, b = [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 9]
    blocks = [block_hashes(a, step=2), block_hashes(b, step=2)]
    assert detect(blocks, min_tokens=4, step=2) == [0, 6]
    assert detect(blocks, min_tokens=8, step=2) == [0, 0]


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="step"):
        PrefixCache(step=0)
    with pytest.raises(ValueError, match="min_tokens"):
        PrefixCache(min_tokens=-1)


# --------------------------------------------------------------------------- per model


def measured(blocks: dict[str, tuple[int, ...]] | None, tokens: dict[str, int], line: int) -> Measured:
    return Measured(source="f.jsonl", kind="batch", input_tokens=tokens, line=line, cache_blocks=blocks)


def test_cached_by_model_runs_each_model_in_order() -> None:
    text = block_hashes(PREFIX + toks(10_000, 200))
    # On mini the request carries an image that changes its stream after 1,100 tokens.
    mini_a = block_hashes(toks(0, 1100) + [2**33] * 300)
    mini_b = block_hashes(toks(0, 1100) + [2**34] * 300)
    items = [
        measured({"gpt-4.1": text, "gpt-4.1-mini": mini_a}, {"gpt-4.1": 1500, "gpt-4.1-mini": 1400}, 1),
        measured(None, {"gpt-4.1": 50, "gpt-4.1-mini": 50}, 2),
        measured({"gpt-4.1": text, "gpt-4.1-mini": mini_b}, {"gpt-4.1": 1500, "gpt-4.1-mini": 1400}, 3),
    ]
    assert cached_by_model(items, models=["gpt-4.1", "gpt-4.1-mini"]) == {
        "gpt-4.1": [0, 0, 1408],
        "gpt-4.1-mini": [0, 0, 1024],
    }
    assert cached_by_model(items, warm=True, models=["gpt-4.1"])["gpt-4.1"] == [1408, 0, 1408]
    assert cached_by_model(items, models=["gpt-4.1-nano"]) == {"gpt-4.1-nano": [0, 0, 0]}


@pytest.mark.parametrize(
    ("input_tokens", "expected"),
    [
        pytest.param(1500, 1280, id="blocks-within-input"),
        pytest.param(1100, 1024, id="capped-to-input-in-steps"),
        pytest.param(1000, 0, id="capped-below-minimum"),
    ],
)
def test_cached_never_exceeds_input_tokens(input_tokens: int, expected: int) -> None:
    blocks = block_hashes(PREFIX)
    items = [
        measured({"gpt-4.1": blocks}, {"gpt-4.1": 1300}, 1),
        measured({"gpt-4.1": blocks}, {"gpt-4.1": input_tokens}, 2),
    ]
    assert cached_by_model(items, models=["gpt-4.1"])["gpt-4.1"] == [0, expected]


def test_assumptions_name_the_rules() -> None:
    assert dict(cache_assumptions(warm=False)) == {
        "cache_full_blocks": CACHE_FULL_BLOCKS,
        "cache_cold": CACHE_COLD_RUN,
        "cache_stays_warm": CACHE_STAYS_WARM,
    }
    assert dict(cache_assumptions(warm=True))["cache_warm"] == CACHE_WARM_RUN


# --------------------------------------------------------------------------- laws

STEP, MIN = 4, 8  # small blocks keep the examples small; the rules do not depend on the sizes


def _bits(rnd: random.Random, most: int) -> list[int]:
    """Up to ``most`` tokens of a 2-letter alphabet."""
    n = rnd.randint(0, most)
    return [int(b) for b in format(rnd.getrandbits(n), f"0{n}b")] if n else []


def _requests(seed: int) -> list[list[int]]:
    """Up to 12 requests, each one of 4 stems (up to 24 tokens) and a tail of its own (up to 16),
    over a 2-letter alphabet, so runs are full of partly shared prefixes. Built from a seed:
    hypothesis drew the same lists a token at a time (st.lists of st.integers, some 300 draws an
    example), which cost several times the laws' own work."""
    rnd = random.Random(seed)
    stem_list = [_bits(rnd, 24) for _ in range(4)]
    return [stem_list[rnd.randrange(4)] + _bits(rnd, 16) for _ in range(rnd.randint(0, 12))]


runs = st.integers(0, 2**64).map(_requests)


def reference(requests: list[list[int]], warm: bool) -> list[int]:
    """The rule by brute force: compare every pair (what detect must never do)."""

    def shared_blocks(a: list[int], b: list[int]) -> int:
        n = 0
        while (n + 1) * STEP <= min(len(a), len(b)) and a[: (n + 1) * STEP] == b[: (n + 1) * STEP]:
            n += 1
        return n

    out = []
    for i, r in enumerate(requests):
        others = [o for j, o in enumerate(requests) if (j != i if warm else j < i)]
        n = max((shared_blocks(r, o) for o in others), default=0)
        out.append(n * STEP if n * STEP >= MIN else 0)
    return out


def detect_small(requests: list[list[int]], warm: bool) -> list[int]:
    return detect([block_hashes(r, STEP) for r in requests], min_tokens=MIN, step=STEP, warm=warm)


# 12 examples a law (25, were 50-60, and 100-120 before that; the suite-time budget of #12), with the
# edge a planted bug lives on as an example (THIRD_HOLDER: a third request holding a prefix two
# earlier ones already share). Mutants of PrefixCache, 5 seeded runs, at 50-60 -> at 25 with the
# example: a holder of an already shared prefix losing its warm hit 4/5 (pairwise, shape laws),
# 5/5 (order, each-model laws) -> 5/5 each (the order law: 3/5 at 25 without the example); the
# first holder losing its warm hit 5/5 -> 5/5 each; one cold block too many 5/5 -> 5/5 (pairwise,
# shape; the order and each-model laws compare the cache with itself: 0/5 both). (warm() passing
# over an unshared block instead of stopping: equivalent, the hashes are chained.) At 12 a law, the
# same mutants, 5 seeded runs (pairwise / shape / order / each-model laws): a later holder losing
# its warm hit 5,5,5,5 -> 5,5,5,5; the first holder losing its 5,5,5,5 -> 5,5,5,5; one cold block
# too many 5,5,0,0 -> 5,5,0,0.
THIRD_HOLDER = [[0] * 8, [0] * 8 + [1], [0] * 8 + [1, 1]]


@settings(max_examples=12, deadline=None)
@given(runs)
@example(THIRD_HOLDER)
def test_law_matches_pairwise_reference(requests: list[list[int]]) -> None:
    assert detect_small(requests, warm=False) == reference(requests, warm=False)
    assert detect_small(requests, warm=True) == reference(requests, warm=True)


@settings(max_examples=12, deadline=None)
@given(runs)
@example(THIRD_HOLDER)
def test_law_shape_of_each_figure(requests: list[list[int]]) -> None:
    cold = detect_small(requests, warm=False)
    warm = detect_small(requests, warm=True)
    for r, c, w in zip(requests, cold, warm, strict=True):
        for x in (c, w):
            assert x % STEP == 0
            assert x == 0 or x >= MIN
            assert x <= (len(r) // STEP) * STEP  # never more than the request's full blocks
        assert w >= c
    if requests:
        assert cold[0] == 0


@settings(max_examples=12, deadline=None)
@given(runs, st.randoms(use_true_random=False))
@example(THIRD_HOLDER, random.Random(0))
def test_law_warm_total_ignores_order(requests: list[list[int]], rnd: random.Random) -> None:
    shuffled = list(requests)
    rnd.shuffle(shuffled)
    assert sum(detect_small(shuffled, warm=True)) == sum(detect_small(requests, warm=True))
    # Per request too: each request's warm figure does not depend on where it stands.
    assert sorted(detect_small(shuffled, warm=True)) == sorted(detect_small(requests, warm=True))


_MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")


def _runs(seed: int) -> list[Measured]:
    """1 to 25 requests whose blocks are prefixes of a few shared chains; some differ per model
    (images). Built from a seed, as :func:`_requests` is."""
    rnd = random.Random(seed)
    out: list[Measured] = []
    for _ in range(rnd.randint(1, 25)):
        base = rnd.choice(CHAINS)
        n = rnd.randint(0, 30)
        same = rnd.random() < 0.5 or not out
        if same:
            blocks = dict.fromkeys(_MODELS, base[:n])
        else:
            blocks = {m: rnd.choice(CHAINS)[: rnd.randint(0, 30)] for m in _MODELS}
        tokens = {m: len(b) * 128 + rnd.randint(0, 127) for m, b in blocks.items()}
        out.append(Measured("f", "batch", tokens, cache_blocks=blocks if n or not same else None))
    return out


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**64).map(_runs), st.booleans())
def test_law_each_model_runs_alone(requests, warm) -> None:  # type: ignore[no-untyped-def]
    """One RunCache (one cache for every model until their blocks differ) gives each model what
    a cache of that model's blocks alone gives."""
    got = cached_by_model(requests, warm=warm, models=_MODELS)
    for name in _MODELS:
        blocks = [(m.cache_blocks or {}).get(name, ())[: m.input_tokens[name] // 128] for m in requests]
        assert got[name] == detect(blocks, warm=warm)


# --------------------------------------------------------------------------- PrefixHashes

_ids = st.lists(st.integers(0, 2**32 - 1), max_size=60).map(lambda xs: array("I", xs))


# 15 examples (100, then 30 before), with each prefix used twice as an example: mutants of
# PrefixHashes (the kept hash state not copied, the prefix's tail cut one short, a partial block
# hashed as a full one) fail 5 seeded runs in 5 at 30 as at 100, and at 15 as at 30.
@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 1, 2]), _ids), min_size=1, max_size=6), st.sampled_from([1, 4, 7]))
@example([(w, array("I", [w, 9, 9, 9, 9])) for w in (0, 1, 2, 1, 2)], 4)
def test_law_prefix_hashes_equal_block_hashes(requests: list[tuple[int, array[int]]], step: int) -> None:
    # a few shared prefixes (some of them empty or under one block), each with its own rests
    prefixes = [array("I"), array("I", range(step * 2 + 1)), array("I", [7] * (step * 3))]
    memo = PrefixHashes(max_entries=2)  # small: entries are also dropped and made again
    for which, rest in requests:
        prefix = prefixes[which]
        blocks, own = memo.prompt_hashes(prefix, rest, step)
        assert (blocks, own) == prompt_hashes(prefix + rest, step)
        assert blocks == block_hashes(prefix + rest, step)


def test_warm_answers_again_after_more_requests() -> None:
    blocks = dict.fromkeys(_MODELS, tuple(range(10)))
    cache = RunCache(_MODELS)
    for _ in range(2):
        cache.add(blocks, dict.fromkeys(_MODELS, 1280))
    assert cache.totals(warm=True)["gpt-4.1"] == 2 * 1280
    cache.add(None, dict.fromkeys(_MODELS, 10))  # no blocks
    cache.add(blocks, dict.fromkeys(_MODELS, 1280))
    assert cache.totals(warm=True)["gpt-4.1"] == 3 * 1280
    assert cache.warm(blocks, dict.fromkeys(_MODELS, 1280))["gpt-4.1-nano"] == 1280


def _prompts(tmp_path, names):  # type: ignore[no-untyped-def]
    """Text prompts sharing a long prefix (well past 1,024 tokens) and a request file of its own."""
    shared = "You answer questions about our product catalogue. " * 300
    for name in names:
        path = tmp_path / name
        if name.endswith(".jsonl"):
            line = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "A request of its own. " * 300}]}
            path.write_text(json.dumps(line) + "\n", encoding="utf-8")
        else:
            path.write_text(shared + f"Question {name}: where is my order?", encoding="utf-8")
    return [str(tmp_path / n) for n in names]


def test_plain_text_gets_a_cache_what_if_equal_to_cache_auto(tmp_path) -> None:
    from gpt41cost import api

    paths = _prompts(tmp_path, ["a.txt", "b.txt"])
    plain = api.estimate(paths, requests_per_day=1000, as_of=TEST_DATE).result
    auto = api.estimate(paths, requests_per_day=1000, cache="auto", as_of=TEST_DATE).result
    assert plain.assumptions.cache_mode == "none"
    for m, a in zip(plain.models, auto.models, strict=True):
        assert m.usage.cached_input_tokens == 0 and m.monthly_usd == m.monthly_without_cache_usd  # the run: uncached
        assert m.if_cached is not None and a.if_cached is None
        assert m.if_cached.usage == a.usage and a.usage.cached_input_tokens > 0
        assert (m.if_cached.cost, m.if_cached.monthly_usd, m.if_cached.per_request_usd) == (
            a.cost,
            a.monthly_usd,
            a.per_request_usd,
        )


@pytest.mark.parametrize("names", [["a.txt", "b.txt", "c.jsonl"], ["0.jsonl", "a.txt", "b.txt"]])
def test_by_default_text_beside_request_files_stays_out_of_the_cache(tmp_path, names) -> None:
    # the default is auto for request files and none for plain text: text prefixes fed for a
    # what-if are dropped when a request file comes (the run then has no what-if)
    from gpt41cost import api

    paths = _prompts(tmp_path, names)
    default = api.estimate(paths, as_of=TEST_DATE).result
    assert default.assumptions.cache_mode == "auto"
    assert all(m.usage.cached_input_tokens == 0 and m.if_cached is None for m in default.models)
    assert all(i.models[0].cached_input_tokens == 0 for i in default.inputs)
    auto = api.estimate(paths, cache="auto", as_of=TEST_DATE).result  # asked for: text shares its prefix
    assert all(m.usage.cached_input_tokens > 0 for m in auto.models)


def test_the_what_if_note_only_when_the_cache_would_save(cli) -> None:
    """At Batch prices cached input costs what other input does: the what-if is the run's own
    figure, so the table says nothing of it (it said 'What-if ... $109.91/month' beside $109.91).
    Two of samples/support's tickets (their system prompt shared), not the seven."""
    two = ["samples/support/ticket-01.txt", "samples/support/ticket-02.txt"]
    plain = cli("estimate", two, "--requests-per-day", "1000", "-m", "gpt-4.1", expect=0)
    assert "What-if with the prompt cache (as --cache auto would detect): gpt-4.1 $" in plain.stdout
    batch = cli("estimate", two, "--requests-per-day", "1000", "-m", "gpt-4.1", "--batch", expect=0)
    assert "What-if" not in batch.stdout
    doc = cli.json("estimate", two, "--requests-per-day", "1000", "-m", "gpt-4.1", "--batch")
    assert doc["models"][0]["monthly_cache_savings_if_cached_usd"] == "0"
