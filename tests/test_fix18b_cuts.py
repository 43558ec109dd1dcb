"""Session 18, fix18b, 4: ``tokens.safe_cuts`` looks past a window with no safe cut (a long run of
digits, say) to the next window that has one, and cuts the rest of the text as usual. Before, it
stopped at the first such window and left the rest as one piece, counted on one core. The count
of the pieces stays the count of the whole (the laws of tests/test_tokens.py, and one here on texts
made of such runs)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import tokens

#: 300 digits (no safe cut among them), then 200 words: 1,305 characters
TEXT = "7" * 300 + " word" * 200


def test_a_run_without_a_cut_is_looked_past() -> None:
    spans = tokens.safe_cuts(TEXT, 100)
    assert spans[:2] == [(0, 305), (305, 405)]  # the first piece ends at the first cut after the run
    assert len(spans) == 11  # before: 1, [(0, 1305)]
    assert all(b - a <= 100 for a, b in spans[1:-1])
    enc = tokens.get_encoding()
    assert sum(len(enc.encode_ordinary(TEXT[a:b])) for a, b in spans) == len(enc.encode_ordinary(TEXT))
    assert tokens.count_parallel(TEXT, chunk_chars=100, workers=2) == len(enc.encode_ordinary(TEXT))


def test_a_text_with_no_cut_after_its_first_chunk_is_one_piece() -> None:
    assert tokens.safe_cuts("word " + "7" * 500, 100) == [(0, 505)]
    assert tokens.safe_cuts("7" * 500 + " ab", 100) == [(0, 503)]  # a space after digits is no cut


RUNS = st.sampled_from(["7" * 25, "x" * 25, "Ab", " ab", "\n", "\n\n", "ab\n", " 12", "é ", "🚀 "])


@settings(max_examples=60, deadline=None)
@given(st.lists(RUNS, max_size=60).map("".join), st.integers(min_value=1, max_value=30))
@example("7" * 40 + " ab" * 10 + "7" * 40 + " ab" * 10, 10)
def test_cut_law_past_runs_without_a_cut(text: str, chunk: int) -> None:
    """Law: the pieces reassemble the text, the last is cut no more only when no safe cut lies a
    chunk or more past its start (before, one window without a cut ended the cutting), and their
    counts sum to the whole's count."""
    spans = tokens.safe_cuts(text, chunk)
    assert "".join(text[a:b] for a, b in spans) == text
    last = spans[-1][0]
    assert len(text) - last <= chunk or tokens._find_cut(text, last + chunk, len(text)) is None
    enc = tokens.get_encoding()
    assert sum(len(enc.encode_ordinary(text[a:b])) for a, b in spans) == len(enc.encode_ordinary(text))
