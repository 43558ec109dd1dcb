"""Runs the tokenizer cannot take (#18): o200k's pre-tokenizer takes a run of letters, of
punctuation or symbols, or of white space as one piece, and the byte-pair merge of a piece needs
memory and time in proportion to it (a 16 MB run of one letter took ~0.9 GB); a run of ~1,000,000
spaces stops tiktoken's regular expression ("Max stack size exceeded for backtracking", a
traceback). A text holding a run over ``tokens.MAX_RUN_CHARS`` is refused before the tokenizer
sees it: one line naming the file and line, exit 3; in a request file, a bad line. A run of
letters is measured between the places where a capital follows a lowercase letter, where the
pre-tokenizer always cuts: a long camel-case run is counted, exactly."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost import tokens

MAX = tokens.MAX_RUN_CHARS


def _case_cut(text: str, i: int) -> bool:
    """A capital (Lu, Lt) after a lowercase letter (Ll), by the characters' Unicode categories."""
    return 0 < i < len(text) and unicodedata.category(text[i - 1]) == "Ll" and unicodedata.category(text[i])[1] in "ut"


def _longest(text: str, limit: int) -> set[tuple[int, int, str]]:
    """Every maximal run over ``limit`` characters, of each kind, by looking at each character
    (a run of letters ends at a case cut)."""
    out = set()
    for kind, chars in tokens.RUN_KINDS:
        one = regex.compile(f"[{chars}]")
        start = None
        for i, ch in enumerate([*text, None]):
            inside = ch is not None and one.fullmatch(ch) is not None
            if inside and start is not None and kind == "letters" and _case_cut(text, i):
                if i - start > limit:
                    out.add((start, i - start, kind))
                start = i
            elif inside and start is None:
                start = i
            elif not inside and start is not None:
                if i - start > limit:
                    out.add((start, i - start, kind))
                start = None
    return out


#: Characters of every class the pre-tokenizer tells apart: letters of each case (titlecase ǅ) and
#: script, a modifier letter, a combining mark, digits, punctuation, a symbol, white space with and
#: without line breaks.
ALPHABET = ["a", "Z", "é", "Ω", "ǅ", "ʰ", "\u0301", "漢", "1", "!", "-", "😀", " ", "\t", "\n", "\u00a0"]
runs = st.lists(st.tuples(st.sampled_from(ALPHABET), st.integers(1, 40)), max_size=12)

#: With the bound at 16, the edges the run search's mutants live on: a letter stretch of exactly 16
#: before a case cut; a case cut exactly at the end of the run's first block of 8; a case cut
#: exactly at the start of the block where the stretch over the bound begins; and in the law of
#: any run, a run of punctuation exactly at the bound.
AT_THE_BOUND = [("a", 16), ("Z", 2)]
CUT_AT_A_BLOCK_END = [("a", 8), ("Z", 1), ("a", 10)]
CUT_AT_A_BLOCK_START = [("a", 4), ("Z", 1), ("a", 3), ("Z", 1), ("a", 16)]


# 40 and 60 examples (100 and 200 before) with the edges as examples: three mutants of long_run and
# its letter stretches (a run at the bound refused; the case cut after a block, or before it,
# looked for one place off) fail 5 seeded runs in 5 in each law that can see them, where at 100
# and 200 drawn they failed 0-3 runs in 5. (A letter stretch at the bound refused in _uncut is
# caught by long_run's own check of the length: no law can see it.)
@settings(max_examples=40, deadline=None)
@given(runs)
@example(AT_THE_BOUND)
@example(CUT_AT_A_BLOCK_END)
@example(CUT_AT_A_BLOCK_START)
@example([("!", 16), ("a", 1)])
def test_long_run_finds_a_run_over_the_bound_exactly_when_there_is_one(pieces: list[tuple[str, int]]) -> None:
    text = "".join(ch * n for ch, n in pieces)
    with mock.patch.object(tokens, "MAX_RUN_CHARS", 16):
        found = tokens.long_run(text)
    expected = _longest(text, 16)
    assert (found is not None) == bool(expected)
    if found is not None:
        assert found in expected


# The long texts below are made by the tests that take them: made as parameters, their ~20 MB would
# be held by every test process from collection to the end of the run, and weigh on each of its
# forks (which copy the page table of all its memory).
@pytest.mark.parametrize(
    ("make", "kind"),
    [
        pytest.param(lambda: "a" * (MAX + 1), "letters", id="one-letter"),
        pytest.param(lambda: "ab" * (MAX // 2 + 1), "letters", id="two-letters"),
        pytest.param(lambda: "ABC" + "d" * MAX, "letters", id="capitals-then-lowercase"),
        pytest.param(lambda: "漢a" * (MAX // 2 + 1), "letters", id="no-case-cut-after-cjk"),
        pytest.param(lambda: "a\u0301B" * (MAX // 3 + 1), "letters", id="no-case-cut-after-a-mark"),
        pytest.param(lambda: "ʰA" * (MAX // 2 + 1), "letters", id="no-case-cut-after-a-modifier"),
        pytest.param(lambda: "e\u0301" * (MAX // 2 + 1), "letters", id="with-marks"),
        pytest.param(lambda: "漢" * (MAX + 1), "letters", id="cjk"),
        pytest.param(lambda: "!" * (MAX + 1), "punctuation or symbol characters", id="punctuation"),
        pytest.param(lambda: "😀" * (MAX + 1), "punctuation or symbol characters", id="emoji"),
        pytest.param(lambda: " " * (MAX + 1), "white-space characters", id="spaces"),
        pytest.param(lambda: "\n" * (MAX + 1), "white-space characters", id="newlines"),
    ],
)
def test_each_kind_of_run_past_the_bound(make: Callable[[], str], kind: str) -> None:
    text = make()
    assert tokens.long_run("x1" + text + "1x") == (2, len(text), kind)
    assert tokens.long_run("x1" + text[:MAX] + "1x") is None  # at the bound: counted


def test_ordinary_and_digit_texts_are_not_runs() -> None:
    assert tokens.long_run("12" * MAX) is None  # digits go three at a time
    assert tokens.long_run(("word " * 200_000) + "end") is None


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: "aB" * (MAX // 2 + 1), id="camel"),
        pytest.param(lambda: "wordWord" * (MAX // 8 + 1), id="words"),
        pytest.param(lambda: "x" * (MAX - 1) + "yZ" + "z" * (MAX - 1), id="two-stretches-at-the-bound"),
        pytest.param(lambda: "éΩǅa" * (MAX // 4 + 1), id="greek-and-titlecase"),
    ],
)
def test_a_long_letter_run_cut_by_case_is_not_refused(make: Callable[[], str]) -> None:
    """Refused before: every stretch between case cuts is within the bound, so no piece is over it."""
    assert tokens.long_run("x1" + make() + "1x") is None


def test_the_first_stretch_over_the_bound_is_named() -> None:
    text = "1" + "aB" * 100 + "C" * (MAX + 1) + "dE" * 100
    assert tokens.long_run(text) == (200, MAX + 3, "letters")  # the last B, the capitals and the d
    assert "a run of 524,291 letters with nothing else between them and no capital after a lowercase" in (
        tokens.run_problem(text) or ""
    )


#: Letters of every class the pattern tells apart (Ll, Lu, Lt, Lm, Lo, M), for long runs.
LETTERS = ["a", "z", "é", "ь", "B", "Z", "É", "Ω", "ǅ", "ʰ", "漢", "\u0301"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(LETTERS), min_size=1, max_size=400).map("".join), st.sampled_from(["", " ", "1", "'s"]))
@example("".join(ch * n for ch, n in AT_THE_BOUND), "")
@example("".join(ch * n for ch, n in CUT_AT_A_BLOCK_END), "1")
@example("".join(ch * n for ch, n in CUT_AT_A_BLOCK_START), " ")
def test_long_letter_runs_are_counted_exactly_or_refused(run: str, edge: str) -> None:
    """With the bound lowered to 16: a letter run (with any neighbour) is refused exactly when a
    stretch between case cuts is over it, and otherwise counted as tiktoken counts it, in one
    piece or cut in chunks of 8 at safe places (case cuts included)."""
    enc = tokens.get_encoding()
    text = edge + run + edge
    with mock.patch.object(tokens, "MAX_RUN_CHARS", 16):
        found = tokens.long_run(text)
        if found is not None:
            assert found in _longest(text, 16)
            return
        assert _longest(text, 16) == set()
        assert tokens.count_tokens(text) == len(enc.encode_ordinary(text))
        spans = tokens.safe_cuts(text, 8)
        assert list(tokens.encode_ids(text)) == enc.encode_ordinary(text)
        assert sum(len(enc.encode_ordinary(text[a:b])) for a, b in spans) == len(enc.encode_ordinary(text))


def _request_with_a_run() -> str:
    """A request document whose message is a run of no-break spaces, written as UTF-8 (not as
    524,289 ``\\u00a0`` escapes: see test_a_run_over_the_bound_is_one_line)."""
    message = {"role": "user", "content": "\u00a0" * (MAX + 1)}
    return json.dumps({"model": "gpt-4.1", "messages": [message]}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "p.txt", lambda: "Hi.\n" + "a" * (MAX + 1) + "\n", "p.txt: line 2: a run of 524,289 letters", id="prompt"
        ),
        pytest.param(
            "s.txt",
            lambda: "x" + " " * 1_200_000 + "y",
            "s.txt: line 1: a run of 1,200,000 white-space",
            id="spaces-crash",
        ),
        pytest.param("r.json", _request_with_a_run, "r.json: a run of 524,289 white-space", id="request"),
    ],
)
def test_a_run_over_the_bound_is_one_line(
    cli, tmp_path: Path, name: str, content: Callable[[], str], message: str
) -> None:
    """The request document's run is of no-break spaces as UTF-8: written as escapes (3 MB), the
    reader's first look at the document (readers/requests._scan_first's regular expression, which
    keeps state for each escape of a string) took 0.06-0.3 CPU s of page faults before the run was
    seen, 0.09 -> 0.015 s for the test."""
    (tmp_path / name).write_text(content(), encoding="utf-8")
    r = cli("estimate", tmp_path / name, "-m", "gpt-4.1", "--cache", "auto")
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert "break the run up or leave it out" in r.stderr


def test_a_request_line_with_a_long_run_is_skipped_with_skip_bad(cli, tmp_path: Path) -> None:
    lines = [{"messages": [{"role": "user", "content": c}]} for c in ("hi", "!" * (MAX + 1), "bye")]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    r = cli("estimate", path, "--as", "prompts", "-m", "gpt-4.1")
    assert r.exit_code == 3 and "p.jsonl: line 2: a run of 524,289 punctuation or symbol characters" in r.stderr
    doc = cli.json("estimate", path, "--as", "prompts", "-m", "gpt-4.1", "--skip-bad")
    assert doc["models"][0]["requests"] == 2


def _batch_with_a_long_run(tmp_path: Path) -> Path:
    body = {"model": "gpt-4.1", "max_tokens": 10}
    lines = [
        {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": {**body, "messages": [{"role": "user", "content": c}]}}
        for i, c in enumerate(("hi", "a" * (MAX + 1), "bye"))
    ]  # fmt: skip
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


@pytest.mark.parametrize("command", ["estimate", "limits", "plan"])
def test_a_batch_line_with_a_long_run_is_the_same_error_in_every_command(cli, tmp_path: Path, command: str) -> None:
    """The limit is gpt41cost's, not OpenAI's: never an 'OpenAI would reject' pre-flight finding
    (estimate said so, exit 1), never a request dropped without a word (limits and plan did)."""
    path = _batch_with_a_long_run(tmp_path)
    if command == "plan":
        args: list[object] = ["plan", tmp_path / "w.yaml"]
        (tmp_path / "w.yaml").write_text(
            f"models: {{gpt-4.1: 1.0}}\nprompts: [{path.name}]\ntraffic: {{requests_per_day: 100, peak_rpm: 10}}\n"
            "output_tokens: 10\ntier: 5\n"
        )
    else:
        peak = ["--peak-rpm", "10"] if command == "limits" else []
        args = [command, path, "-m", "gpt-4.1", "--output-tokens", "10", *peak]
    r = cli(*args)
    assert (r.exit_code, r.stdout) == (3, ""), r.stderr
    assert r.stderr.count("\n") == 1 and "batch.jsonl: line 2: a run of 524,289 letters" in r.stderr, r.stderr
    assert "OpenAI would reject" not in r.stderr
    doc = cli.json(*args, "--skip-bad")
    requests = doc["models"][0]["requests"] if command == "estimate" else doc["inputs"]["prompt_files"]
    assert requests == 2


def test_limits_refuses_a_batch_line_openai_would_reject(cli, tmp_path: Path) -> None:
    """limits has no Batch pre-flight report: a line OpenAI would reject is one line, exit 3, as a
    bad line of any other request file, or skipped and said with --skip-bad (it was dropped
    silently)."""
    path = _batch_with_a_long_run(tmp_path)
    path.write_text(path.read_text().replace("a" * (MAX + 1), "fine").replace('"custom_id": "r1"', '"custom_id": 1', 1)
                    + "{not json\n")  # fmt: skip
    r = cli("limits", path, "-m", "gpt-4.1", "--output-tokens", "10", "--peak-rpm", "10")
    assert (r.exit_code, r.stdout) == (3, ""), r.stderr
    assert r.stderr.count("\n") == 1 and "batch.jsonl: line 4 is not valid JSON" in r.stderr, r.stderr
    r = cli("limits", path, "-m", "gpt-4.1", "--output-tokens", "10", "--peak-rpm", "10", "--skip-bad")
    assert r.exit_code == 0 and "skipped: " in r.stderr and "line 4" in r.stderr
