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
