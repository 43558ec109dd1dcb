"""One decision each: an alias's kind of dates (the snapshot notes of estimate and usage), and
what has a basis (JSON and the pricing table). In-process, no files but a catalog in tmp_path."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.lifecycle import DOCUMENTED, INFERRED, UNDATED, Lifecycle, alias_kind, alias_words, snapshot_notes
from gpt41cost.report import render

SHIPPED = Path(gpt41cost.__file__).parent / "pricing.yaml"
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


NANO_DATES = """    lifecycle:
      deprecated_on: "2026-04-22"
      shutdown_on: "2026-10-23"
      substitute: gpt-4.1-mini
      replacement: gpt-5.6-luna
"""


@pytest.fixture
def deprecated_only(tmp_path: Path) -> str:
    """The shipped catalog with gpt-4.1-nano deprecated and no shutdown date named yet."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(NANO_DATES) == 1
    p = tmp_path / "deprecated-only.yaml"
    undated = [line for line in NANO_DATES.splitlines(keepends=True) if "shutdown_on" not in line]
    undated = [line for line in undated if "substitute" not in line]  # a substitute needs a shutdown date
    p.write_text(text.replace(NANO_DATES, "".join(undated)), encoding="utf-8")
    return str(p)


def _bases(catalog: str | None) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Each name's basis in the pricing JSON and in the pricing table's lifecycle rows."""
    result = gpt41cost.pricing(catalog=catalog, as_of="2026-12-06")
    doc = result.to_dict()
    in_json: dict[str, str | None] = {}
    for m in doc["models"]:
        in_json[m["model"]] = m["lifecycle"]["basis"]
        in_json.update((n, lc["basis"]) for n, lc in m["snapshots_lifecycle"].items())
    rows = list(csv.DictReader(io.StringIO(render(result.report(), "csv", "lifecycle"))))
    in_table = {r["name"]: r["basis"] or None for r in rows if r["name"] in in_json}
    return in_json, in_table


@pytest.mark.parametrize("custom", [False, True], ids=["shipped", "deprecated-only"])
def test_the_pricing_table_and_json_give_the_same_basis(request, custom) -> None:
    in_json, in_table = _bases(request.getfixturevalue("deprecated_only") if custom else None)
    assert in_table == in_json
    # a deprecation date is a date OpenAI announced: it has a basis (the table gave none before)
    assert in_json["gpt-4.1-nano"] == in_json["gpt-4.1-nano-2025-04-14"] == "documented"
    assert in_json["gpt-4.1"] == "inferred"


def test_a_deprecation_without_a_shutdown_date_reads_as_such(deprecated_only) -> None:
    out = " ".join(gpt41cost.pricing(catalog=deprecated_only, as_of="2026-12-06").render().split())
    assert "gpt-4.1-nano deprecated, no shutdown date announced, OpenAI recommends gpt-5.6-luna" in out
    assert "None" not in out  # was "deprecated, shuts down None, ..."
    own = Lifecycle(deprecated_on=date(2026, 4, 22))
    assert alias_kind(own) == DOCUMENTED  # a date of its own (was taken for no dates at all)
    assert alias_words("gpt-4.1-nano", own) == "the alias gpt-4.1-nano has dates of its own"


def test_usage_on_a_model_deprecated_without_a_date_says_no_date(deprecated_only, tmp_path: Path) -> None:
    """usage's note on a deprecated model gives no 'before then' when OpenAI named no shutdown date."""
    log = tmp_path / "app.jsonl"
    log.write_text(
        '{"id": "r1", "created": 1764979200, "model": "gpt-4.1-nano",'
        ' "usage": {"prompt_tokens": 10, "completion_tokens": 5}}\n',
        encoding="utf-8",
    )
    out = " ".join(gpt41cost.usage(str(log), catalog=deprecated_only, as_of="2026-12-06").render().split())
    assert "gpt-4.1-nano is deprecated, no shutdown date announced" in out
    assert "traffic on it should move (OpenAI has named no date yet)" in out
    assert "before then" not in out
