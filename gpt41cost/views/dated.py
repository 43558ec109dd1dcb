"""What every report says about the date of its run: the assumption, the catalog's age, statuses."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..lifecycle import ACTIVE, Lifecycle, date_source, staleness_note


def date_assumption(day: date) -> tuple[str, str]:
    """The run's date, and where it came from when the date says (--as-of, $GPT41COST_AS_OF, today)."""
    source = date_source(day)
    where = f" ({source})" if source else ""
    return ("date of the run", f"{day}{where}: prices in force and model status on this date")


def status_text(lc: Lifecycle, day: date) -> str:
    """The status cell: 'active', or the mark naming the dates and the substitute."""
    return lc.mark(day) or ACTIVE


def dated_json(day: date, catalog_as_of: str) -> dict[str, Any]:
    """The top-level keys every JSON report carries: the run's date and the catalog's."""
    return {"as_of": day.isoformat(), "catalog_as_of": catalog_as_of}


def catalog_notes(catalog_as_of: str, day: date) -> list[str]:
    note = staleness_note(catalog_as_of, day)
    return [note] if note else []
