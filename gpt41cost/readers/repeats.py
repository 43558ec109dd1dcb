"""Keys and columns given twice: found, never resolved in silence.

RFC 8259 leaves a repeated name to the parser, and orjson, msgspec and the standard library all
keep the last one. A reader whose figures would depend on which one wins (``"data"`` twice in a
Usage API page loses a day of buckets; ``"messages"`` twice in a request counts one of two
conversations) parses with :func:`loads`, whose objects (:class:`Obj`) remember the keys that came
more than once, and refuses where a key it reads is one of them (:func:`repeated`,
:func:`anywhere`). Readers that parse with orjson for speed parse again with :func:`loads` only
when the text may repeat a key they read. A CSV header that names a column twice is the same
question (which cell to read), refused by :func:`column_twice`; so is a CSV row with more or fewer
cells than its header names (:func:`cells_astray`): a value holding an unquoted comma shifts every
cell after it, and a row cut short leaves its last cells to guess.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import orjson


class Obj(dict[str, Any]):
    """A parsed JSON object. When a key came more than once (the last value is kept, as every
    parser keeps it): ``again``, the keys that did; ``objects``, those of them whose value was an
    object more than once."""

    __slots__ = ("again", "objects")
    again: frozenset[str]
    objects: frozenset[str]


def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads``: the object, with its repeated keys noted."""
    obj = Obj(items)
    if len(obj) < len(items):
        obj.again = frozenset(k for k, n in Counter(k for k, _ in items).items() if n > 1)
        obj.objects = frozenset(k for k, n in Counter(k for k, v in items if isinstance(v, dict)).items() if n > 1)
    return obj


class TooDeep(ValueError):
    """JSON nested deeper than the standard library's parse goes (about 1,000 levels; orjson reads
    1,024): its keys cannot be checked, so it is refused rather than read unchecked."""

    def __init__(self) -> None:
        super().__init__("nested too deep to check for a key given twice")


class LoneSurrogate(ValueError):
    """A string escapes half of a UTF-16 surrogate pair (``"\\ud800"``): no Unicode character,
    so no output could write it (orjson, the usage reader's parser, refuses it too)."""

    def __init__(self) -> None:
        super().__init__("a string holds half a surrogate pair (\\ud800-\\udfff), which is no character")


def loads(text: bytes | str, **options: Any) -> Any:
    """``json.loads`` of ``text`` (``options`` as it takes them) with the repeated keys of every
    object noted (:class:`Obj`). Raises ``ValueError`` (``json.JSONDecodeError``) as it does,
    :class:`TooDeep` (a ``ValueError``) where it would recurse too deep, and
    :class:`LoneSurrogate` (a ``ValueError``) for half a surrogate pair, which ``json.loads``
    reads and no output can write (a report would fail only once made)."""
    try:
        value = json.loads(text, object_pairs_hook=pairs, **options)
    except RecursionError:
        raise TooDeep from None
    if lone_surrogate(text, value):
        raise LoneSurrogate
    return value


def lone_surrogate(text: bytes | str, value: Any) -> bool:
    """Whether ``value``, ``json.loads``'s parse of ``text``, holds half a surrogate pair in a
    string (which ``json.loads`` reads and orjson refuses): looked for only when ``text`` escapes one."""
    escaped = _SURROGATE.search(text) if isinstance(text, str) else _SURROGATE_BYTES.search(text)
    return escaped is not None and _lone_surrogate(value)


#: A surrogate's escape: only where one is can a parsed string hold one.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any) -> bool:
    """Whether a string of ``value`` (a key too) holds half a surrogate pair (a pair is one
    character once parsed), walked without recursion."""
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            todo.extend(v)
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
        elif isinstance(v, str) and not v.isascii():
            try:
                v.encode()
            except UnicodeEncodeError:
                return True
    return False


def repeated(value: Any, keys: tuple[str, ...], *, objects: bool = False) -> str | None:
    """The first of ``keys`` that the object ``value`` (from :func:`loads`) gave more than once;
    with ``objects``: more than once with an object as the value. None when none did (and for
    any value not parsed by :func:`loads`)."""
    found = getattr(value, "objects" if objects else "again", None)
    if found:
        for key in keys:
            if key in found:
                return key
    return None


def anywhere(value: Any) -> tuple[str, str] | None:
    """(where, key) of the first key given twice in any object of ``value`` (from :func:`loads`),
    ``where`` as a path (``messages[2].content``, empty at the top); None when no key is."""
    todo: list[tuple[str, Any]] = [("", value)]
    while todo:
        where, v = todo.pop()
        if isinstance(v, dict):
            again = getattr(v, "again", None)
            if again:
                return where, min(again)
            todo.extend((f"{where}.{k}" if where else k, item) for k, item in reversed(v.items()))
        elif isinstance(v, list):
            todo.extend((f"{where}[{n}]", item) for n, item in reversed(list(enumerate(v))))
    return None


def first_repeat(text: bytes, value: Any) -> tuple[str, str] | None:
    """(where, key) of the first key the JSON ``text`` gives twice (as :func:`anywhere` says),
    ``value`` being orjson's parse of it; None when it gives none.

    Exact, and cheap when no key is repeated: a member the parse dropped took at least its key's
    two quotes with it, so ``value`` written out again by orjson (which writes every quote inside
    a string as ``\\"``) has fewer quote characters than ``text``, unless ``text`` wrote a quote
    as ``\\u0022``. When the counts are equal and it did not, no key was repeated; otherwise (and
    past the 255 levels orjson writes) the text is parsed again (:func:`loads`, which may raise
    :class:`TooDeep`: a request that deep is refused before the counting walks it)."""
    return None if _screen(text, value) is False else anywhere(loads(text))


def _screen(text: bytes, value: Any) -> bool | None:
    """The screen of :func:`first_repeat`: whether ``text`` may give a key twice; None when orjson
    cannot write ``value`` (nested past 255 levels, or an int past 64 bits) and ``text`` writes no
    quote as ``\\u0022``. A ``text`` that is byte for byte what orjson writes for ``value`` (then at
    most a line end) gives none, being a writing of objects that hold each key once: one
    comparison, where the quote counts are two passes over the text and one over the writing.
    That is how ``JSON.stringify`` and ``json.dumps(..., separators=(",", ":"),
    ensure_ascii=False)`` write a line."""
    try:
        written = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return True if b"\\u0022" in text else None
    if 0 <= len(text) - len(written) <= 2 and text.startswith(written) and not text[len(written) :].strip():
        return False
    return b"\\u0022" in text or text.count(b'"') != written.count(b'"')


def may_repeat(text: bytes, value: Any) -> bool:
    """False when the JSON ``text`` surely gives no key twice, however its keys are written
    (``"us\\u0061ge"`` is ``"usage"``), ``value`` being its parse (by orjson, or any parser that
    keeps the last of a repeated key): the screen of :func:`first_repeat`, at any depth."""
    found = _screen(text, value)
    return text.count(b'"') != _quotes(value) if found is None else found


def _quotes(value: Any) -> int:
    """The quotes ``value`` holds written as JSON (``"`` as ``\\"``), counted without recursion."""
    n, todo = 0, [value]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            n += 2 + v.count('"')
        elif isinstance(v, dict):
            n += sum(2 + k.count('"') for k in v)
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return n


def twice(key: str, what: str = "to price", fix: str = "keep one") -> str:
    """The words for a refusal: ``"data" appears twice in one object; which one to price is
    unclear: keep one``."""
    return f'"{key}" appears twice in one object; which one {what} is unclear: {fix}'


def twice_at(found: tuple[str, str], what: str = "to price", fix: str = "keep one") -> str:
    """:func:`twice` for the (where, key) that :func:`anywhere` found, led by where it is."""
    at, key = found
    return f"{at}: {twice(key, what, fix)}" if at else twice(key, what, fix)


def column_twice(header: list[str], columns: tuple[str, ...]) -> str | None:
    """The refusal for the first of ``columns`` (the ones a reader reads) that ``header`` names
    more than once; None when it names each at most once."""
    for name in columns:
        if header.count(name) > 1:
            return f"the header names the column {name} twice; which one to read is unclear: keep one"
    return None


def cells_astray(cells: int, width: int) -> str | None:
    """The refusal for a CSV row of ``cells`` cells under a header naming ``width`` columns; None
    when the counts agree."""
    if cells == width:
        return None
    if cells > width:
        why = "a value holding an unquoted comma shifts the cells after it"
        fix = "quote that value"
    else:
        why = "the row is cut short, or a value holding an unquoted line break splits it"
        fix = "fix the row"
    return f"row has {cells} cells, the header has {width} ({why}); which column each cell is in is unclear: {fix}"


__all__ = [
    "LoneSurrogate",
    "Obj",
    "TooDeep",
    "anywhere",
    "cells_astray",
    "column_twice",
    "first_repeat",
    "loads",
    "may_repeat",
    "pairs",
    "repeated",
    "twice",
    "twice_at",
]
