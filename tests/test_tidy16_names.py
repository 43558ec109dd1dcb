"""limits and plan name unrendered templates as every list of names is joined
(report.first_named; session 16, item 5)."""

from __future__ import annotations

from gpt41cost.views.limits import unrendered_notes


def test_unrendered_notes_name_five_then_count_the_rest_with_separators():
    (few,) = unrendered_notes([f"t{i}.txt" for i in range(5)])
    assert few.endswith(": t0.txt, t1.txt, t2.txt, t3.txt, t4.txt")
    (many,) = unrendered_notes([f"t{i}.txt" for i in range(1_006)])
    assert many.endswith(": t0.txt, t1.txt, t2.txt, t3.txt, t4.txt and 1,001 more")  # was "1001 more"
    assert unrendered_notes([]) == []
