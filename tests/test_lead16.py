"""Small mends of session 16 (the lead's)."""

from __future__ import annotations

from gpt41cost.readers.inputs import unrendered_note
from gpt41cost.views.limits import unrendered_notes


def test_the_unrendered_note_counts_with_separators_as_its_list_of_names_does():
    assert unrendered_note(1_010).startswith("1,010 input(s) look like unrendered templates")  # was "1010 input(s)"
    (many,) = unrendered_notes([f"t{i}.txt" for i in range(1_010)])
    assert many.startswith("1,010 input(s)") and many.endswith(" and 1,005 more")
