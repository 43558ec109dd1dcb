"""One decision each: an alias's kind of dates (the snapshot notes of estimate and usage), and
what has a basis (JSON and the pricing table). In-process, no files but a catalog in tmp_path."""

from __future__ import annotations

from datetime import date

import pytest

from gpt41cost.lifecycle import DOCUMENTED, INFERRED, UNDATED, Lifecycle, alias_kind, alias_words, snapshot_notes

DAY = date(2026, 12, 6)
SNAP = Lifecycle(deprecated_on=date(2026, 10, 14), shutdown_on=date(2027, 1, 14), replacement="gpt-6-luna")


@pytest.mark.parametrize(
    ("own", "kind", "words", "note"),
    [
        pytest.param(Lifecycle(), UNDATED, "carries no dates of its own", "the alias carries no dates of its own",
                     id="undated"),
        pytest.param(Lifecycle(deprecated_on=date(2027, 3, 1), shutdown_on=date(2027, 9, 1)), DOCUMENTED,
                     "has dates of its own", "the alias has dates of its own", id="own-dates"),
        pytest.param(Lifecycle(deprecated_on=date(2026, 9, 1), shutdown_on=date(2027, 2, 1), basis=INFERRED,
                               reason="r"), INFERRED, "shuts down with it (inferred)",
                     "the alias shuts down with its last snapshot (inferred)", id="inferred"),
    ],
)  # fmt: skip
def test_the_snapshot_note_and_the_usage_words_name_the_same_kind(own, kind, words, note) -> None:
    assert alias_kind(own) == kind
    assert alias_words("gpt-4.1", own) == f"the alias gpt-4.1 {words}"
    assert snapshot_notes([({"gpt-4.1-2025-04-14": SNAP}, own)], DAY) == [
        "snapshot gpt-4.1-2025-04-14: deprecated, shuts down 2027-01-14, OpenAI recommends gpt-6-luna "
        f"(not in this catalog); {note}"
    ]
