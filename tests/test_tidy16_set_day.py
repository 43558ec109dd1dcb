"""usage_stream._set_day: the Usage API results put on their bucket's day, in both group maps
(session 16, item 4)."""

from __future__ import annotations

from gpt41cost.usage import Accumulator


def test_set_day_puts_both_group_maps_on_the_day():
    from gpt41cost.readers.usage_stream import _set_day

    acc = Accumulator()
    key = ("gpt-4.1", False, "default", None, "proj", "user", "key")
    acc.groups[key] = [1, 2, 3, 4]
    acc.long_priority[key] = [5, 6, 7, 8]
    _set_day(acc, 20_000)
    moved = ("gpt-4.1", False, "default", 20_000, "proj", "user", "key")
    assert acc.groups == {moved: [1, 2, 3, 4]} and acc.long_priority == {moved: [5, 6, 7, 8]}
