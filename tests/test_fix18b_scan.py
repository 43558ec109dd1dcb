"""Session 18, fix18b, 2: telling a request file's kind does not walk a first line's escapes.

``_scan_first`` found each string's end with a regex that stepped over every escape of it, so a
request made of escaped no-break spaces (``\\u00a0`` a million times, 6 MB) cost the regex engine
the whole line (0.13-0.37 CPU s) before a file's kind was known. It now finds a string's end with
``str.find`` from quote to quote: the regex matches only the structure (quotes, brackets, commas).
Timing is in bench/bench_detect.py; here, the characters the regex's matches cover, and every
kind as the regex scan told it (its code kept below as the reference)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpt41cost.readers import requests as rq

_OLD_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(")?|[{\[]+|[}\]]+|,', re.DOTALL)


def _old_scan(text: str) -> tuple[frozenset[str], bool, int | None]:
    """``_scan_first`` before, as the reference (its result as a tuple)."""
    keys: set[str] = set()
    depth, top, want_key, end = 0, text[0], False, None
    for m in _OLD_TOKEN.finditer(text):
        start, stop = m.span()
        ch = text[start]
        if ch == '"':
            if m.start(1) < 0:
                break
            if depth == 1 and want_key:
                keys.add(rq._key(text[start + 1 : stop - 1]))
                want_key = False
            elif depth == 0:
                end = stop
                break
        elif ch in "{[":
            if depth == 0:
                want_key = ch == "{"
            depth += stop - start
        elif ch in "}]":
            if stop - start >= depth:
                end = start + max(depth, 1)
                break
            depth -= stop - start
        elif depth == 1:
            want_key = top == "{"
    more = False
    if end is not None:
        rest = text[end:]
        nl = rest.find("\n")
        more = nl >= 0 and bool(rest[nl:].strip()) and not rest[:nl].strip()
    return frozenset(keys), more, end


class _Counting:
    """``_TOKEN`` that counts the characters its matches cover: what the regex engine stepped over."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.chars = pattern, 0

    def _seen(self, m: re.Match[str] | None) -> re.Match[str] | None:
        if m is not None:
            self.chars += m.end() - m.start()
        return m

    def finditer(self, text: str, *args: Any) -> Iterator[re.Match[str]]:
        for m in self.pattern.finditer(text, *args):
            yield m
            self.chars += m.end() - m.start()

    def search(self, text: str, *args: Any) -> re.Match[str] | None:
        return self._seen(self.pattern.search(text, *args))


LINE = '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "' + "\\u00a0" * 1_000_000 + '"}]}\n'


def test_a_million_escapes_are_not_walked_by_the_regex(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    counting = _Counting(rq._TOKEN)
    monkeypatch.setattr(rq, "_TOKEN", counting)
    assert rq.detect_kind("x", LINE.encode()) == "chat"
    assert counting.chars < 100  # before: 6,000,054 (the content string's match)
    counting.chars = 0
    trains = LINE.replace("user", "assistant")  # a JSONL line holding an assistant message: fine-tuning data
    assert rq.detect_kind("x", (trains + LINE).encode()) == "finetune"
    assert counting.chars < 100


# strings with every escape that matters (a quote, a backslash, runs of them), keys spelled with escapes
_piece = st.sampled_from(
    ["{", "}", "[", "]", ",", ":", " ", "\n", '"', "\\", '\\"', "\\\\", "\\u00a0", "a", "1", '"messages"', '"input"',
     '"custom_id"', '"\\u006dethod"', '"url"', '"body"', '"role"', '"assistant"', "\ufeff"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_piece, min_size=1, max_size=40).map("".join))
@example('{"a": "x\\\\", "messages": 1}\n{}')
@example('{"a": "x\\\\\\"y", "input": 1}')
@example('["\\\\\\\\"]\n[1]')
@example('{"a": "\\')
def test_the_scan_finds_what_the_regex_scan_found(text: str) -> None:
    new = rq._scan_first(text)
    assert (new.keys, new.more, new.end) == _old_scan(text)
    head = text.encode()
    assert rq.detect_kind("x", head) == _detect_before(head)


def _detect_before(head: bytes) -> str | None:
    """``detect_kind`` with the reference scan."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text[0] not in '{["':
        return None
    keys, more, end = _old_scan(text)
    if text[0] == '"':
        return "prompts"
    if text[0] == "[":  # a messages array opens with a message (review 20b: not an array of requests)
        first = text[1:].lstrip(" \t\r\n")
        return "prompts" if more else "chat" if first[:1] == "{" and "role" in _old_scan(first)[0] else None
    if "custom_id" in keys or {"method", "url", "body"} <= keys:
        return "batch"
    if "messages" in keys:
        return ("finetune" if rq._trains(text[:end]) else "prompts") if more else "chat"
    if "input" in keys:
        return "prompts" if more else "responses"
    return None
