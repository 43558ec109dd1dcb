"""Session 16, fixN16: review 16b's R7: usage()'s callable parameter is checked up front, as the
reading options' callbacks are (api._reading)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import ParameterError

ROOT = Path(__file__).parent.parent


def test_usage_checks_progress_up_front() -> None:
    """R7: progress='yes' raised a bare TypeError mid-read."""
    log = ROOT / "samples" / "usage"
    with pytest.raises(ParameterError) as e:
        gpt41cost.usage(log, progress="yes")  # type: ignore[arg-type]
    assert e.value.params == ("progress",)
    assert str(e.value) == "progress: give a function or None, not str"
    seen: list[int] = []
    gpt41cost.usage(log, progress=lambda done, total, records: seen.append(records))
    assert seen


def test_usage_progress_never_passes_the_size() -> None:
    """Review 20d: a plain file read by one process counted its first line twice, (2818, 2079, 0)
    then (2079, 2079, 2) on batch_output.jsonl: a bar past 100% that stepped back."""
    log = ROOT / "samples" / "usage" / "batch_output.jsonl"
    calls: list[tuple[int, int, int]] = []
    gpt41cost.usage(log, progress=lambda done, total, records: calls.append((done, total, records)))
    size = log.stat().st_size
    assert calls and all(done <= total == size for done, total, _ in calls)
    assert calls[-1][0] == size
