"""Parts of requests that were not counted (a remote image without ``--image-size``, a PDF, audio,
a built-in tool): said in every format by ``estimate``, ``limits`` and ``plan`` alike, so no
format loses them. Each figure of the report leaves them out.

- table, Markdown, HTML: a ``NOT COUNTED where: what`` note per part (the first 20), which is
  also a warning (stderr in every format);
- JSON: ``uncounted``, a list of ``{"where", "what"}``;
- CSV: the default table's ``uncounted parts`` column (their number, on every row: every
  model's figures leave them out), and ``--table uncounted`` lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..report import Table

#: The CSV column of the default table that counts them.
COLUMN = "uncounted parts"
#: How many are listed in the notes (JSON and ``--table uncounted`` list all).
LISTED = 20


def uncounted_notes(parts: Sequence[tuple[str, str]]) -> list[str]:
    """The notes (and warnings) naming each part, the first :data:`LISTED`."""
    notes = [f"NOT COUNTED {where}: {what}" for where, what in parts[:LISTED]]
    if len(parts) > LISTED:
        notes.append(f"... and {len(parts) - LISTED} more uncounted parts (see --format json)")
    return notes


def is_uncounted_note(note: str) -> bool:
    return note.startswith("NOT COUNTED ") or (note.startswith("... and ") and note.endswith("(see --format json)"))


def uncounted_json(parts: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"where": where, "what": what} for where, what in parts]


def uncounted_table(parts: Sequence[tuple[str, str]]) -> Table:
    """Every part, for ``--format csv --table uncounted`` (the notes say it to people)."""
    return Table(
        "Not counted (left out of every figure)",
        ["where", "what"],
        [[where, what] for where, what in parts],
        name="uncounted",
        people=False,
    )
