"""Session 17, fix17c.

1. ``--priority`` (the API's ``priority=True``) prices the online requests at priority rates; a
   Batch file's requests stay at Batch rates, as the Batch API has no priority processing
   (docs/accounting.md §8, "Batch files"). On Batch files alone it would change nothing: refused,
   naming the flag and why (exit 2). Before, every input was priced at priority, the Batch file's
   requests too, with no word that the Batch API cannot do that.
2. A newline in a name reads ``\\n`` in Markdown, as in the table and HTML formats (the escape
   rule of report.display), apart from a name holding the text ``\\n`` and from one holding a
   space: no Markdown table cell holds a newline, and a ``<br>`` would break a name across lines
   as no other format does (README, "Output").
3. limits' "Lowest tier that fits" shows the peak TPM with the places that set it apart from each
   tier's TPM and its allowance at the required headroom: 24,000.48 read 24,000, tier 1's
   allowance at 20% headroom, beside a lowest tier of 2.
5. A file not JSON that ``skip_bad`` skips is recorded in the command line's words through
   ``Advice``'s one spelling (its ``skipped`` a template as its message is), not built by hand.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import ExitCode, ParameterError

DATA = Path(__file__).parent / "data" / "batch_mode"
#: one Chat request of 1,724 input tokens, max_tokens 400 (tests/test_batch_mode.py)
CHAT = str(DATA / "chat-tools.json")
#: 5 Batch lines of 40 input tokens, max_tokens 200
BATCH = str(DATA / "batch.jsonl")
M = Decimal(1_000_000)
# gpt-4.1-mini by hand: priority $0.70 / $2.80, Batch $0.20 / $0.80 per 1M input / output tokens
CHAT_PRIORITY_USD = 1724 * Decimal("0.70") / M + 400 * Decimal("2.80") / M  # 0.0023268
BATCH_USD = 5 * (40 * Decimal("0.20") / M + 200 * Decimal("0.80") / M)  # 0.00084

# --------------------------------------------------------------------------- 1. --priority and Batch files


def test_the_hand_figures() -> None:
    assert Decimal("0.0023268") == CHAT_PRIORITY_USD
    assert Decimal("0.00084") == BATCH_USD


def test_priority_on_a_batch_file_alone_is_refused_on_the_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("estimate", BATCH, "-m", "gpt-4.1-mini", "--priority")
    assert run.exit_code == ExitCode.USAGE
    assert run.stdout == ""
    assert run.stderr == (
        f"gpt41cost: error: --priority: {BATCH} is a Batch API file, and the Batch API has no priority processing "
        "(its requests are priced at Batch rates); drop --priority, which prices online requests (prompts, Chat "
        "or Responses requests)\n"
    )


def test_priority_on_batch_files_alone_is_refused_in_the_api(tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_bytes(Path(BATCH).read_bytes())
    with pytest.raises(ParameterError) as err:
        gpt41cost.estimate([BATCH, str(other)], models="gpt-4.1-mini", priority=True, as_of="2026-12-06")
    assert str(err.value) == (
        f"priority: {BATCH}, {other} are Batch API files, and the Batch API has no priority processing (its "
        "requests are priced at Batch rates); drop priority, which prices online requests (prompts, Chat or "
        "Responses requests)"
    )
    assert err.value.exit_code == ExitCode.USAGE


def test_priority_prices_the_online_requests_and_leaves_a_batch_file_at_batch_rates() -> None:
    r = gpt41cost.estimate([CHAT, BATCH], models="gpt-4.1-mini", priority=True, as_of="2026-12-06").result
    assert r.modes == {"priority": 1, "batch": 5}
    assert [i.processing for i in r.inputs] == ["priority", "batch"]
    assert r.models[0].cost.total_usd == CHAT_PRIORITY_USD + BATCH_USD  # every request at priority: 0.0052668


def test_the_cli_says_priority_is_for_the_online_requests(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--priority", "-f", "json", expect=0)
    doc = json.loads(run.stdout)
    assert doc["assumptions"]["processing"] == "mixed"
    assert [i["processing"] for i in doc["inputs"]] == ["priority", "batch"]
    assert Decimal(doc["models"][0]["total_usd"]) == CHAT_PRIORITY_USD + BATCH_USD
    flat = " ".join(cli("estimate", CHAT, BATCH, "-m", "gpt-4.1-mini", "--priority", expect=0).stdout.split())
    assert (
        f"processing: batch rates (Batch API, 50% off input and output) for the 5 requests of {BATCH} (a Batch "
        "file), priority for the other 1 request (online);"
    ) in flat
    assert (
        "--batch prices every input at Batch rates, --priority every online one at priority rates (the Batch API "
        "has no priority processing)"
    ) in flat


# --------------------------------------------------------------------------- 2. a newline in a name, in Markdown


class _Cells(HTMLParser):
    """The text of each ``<td>`` of an HTML document, entities decoded, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "td":
            self._in, self.cells = True, [*self.cells, ""]

    def handle_endtag(self, tag: str) -> None:
        self._in = self._in and tag != "td"

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells[-1] += data


def _cells(html: str) -> list[str]:
    p = _Cells()
    p.feed(html)
    return p.cells


def test_a_newline_in_a_name_reads_as_in_the_table_and_html(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A Markdown cell holds no newline: a name's newline reads ``\\n`` there (as GitHub renders
    the Markdown: CommonMark with GFM tables), as the table and HTML formats show it, apart from
    the name holding the text ``\\n`` and from the name holding a space (README, "Output")."""
    from markdown_it import MarkdownIt

    for name, text in (("a\nb.txt", "hello there"), ("a\\nb.txt", "hi"), ("a b.txt", "hey")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    shown = {f"{tmp_path}/a\\nb.txt", f"{tmp_path}/a\\\\nb.txt", f"{tmp_path}/a b.txt"}

    def run(fmt: str) -> str:
        return str(cli("estimate", tmp_path, "--per-input", "-m", "gpt-4.1", "-f", fmt, expect=0).stdout)

    md = MarkdownIt("commonmark").enable(["table"]).render(run("markdown"))
    assert shown <= set(_cells(md))
    assert shown <= set(_cells(run("html")))
    table = run("table")
    assert all(f" {name} " in table for name in shown)
    assert "<br" not in md


# --------------------------------------------------------------------------- 3. limits' peak TPM beside the tiers


def _lowest_tier_row(cli, *args: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The Markdown cells of limits' "Lowest tier that fits" row for gpt-4.1 (900 input + 100
    output tokens a request: 1,000 TPM per request a minute) at 20% headroom."""
    argv = ["limits", "-m", "gpt-4.1", "--input-tokens", "900", "--output-tokens", "100", "--min-headroom", "20"]
    out = cli(*argv, *args, "-f", "markdown", expect=0).stdout
    table = out[out.index("**Lowest tier that fits") :]
    row = next(line for line in table.splitlines() if line.startswith("| gpt-4.1 |"))
    return [c.strip() for c in row.strip("|").split(" | ")]


@pytest.mark.parametrize(
    ("peak_rpm", "tpm", "lowest"),
    [
        # review16c's rpm.yaml: 24.00048 x 1,000 = 24,000.48 TPM, just over tier 1's 30,000 x 80%
        pytest.param("24.00048", "24,000.5", "2", id="just-over-tier-1-allowance"),
        pytest.param("23.9996", "23,999.6", "1", id="just-under-tier-1-allowance"),
        pytest.param("24", "24,000", "1", id="at-tier-1-allowance"),
        pytest.param("30.0004", "30,000.4", "2", id="just-over-tier-1-limit"),
        pytest.param("10.00048", "10,000", "1", id="far-from-any-bound"),
    ],
)
def test_the_lowest_tier_table_shows_the_peak_tpm_apart_from_the_tier_allowances(
    cli, peak_rpm: str, tpm: str, lowest: str
) -> None:  # type: ignore[no-untyped-def]
    cells = _lowest_tier_row(cli, "--peak-rpm", peak_rpm)
    assert (cells[3], cells[5]) == (tpm, lowest)


# --------------------------------------------------------------------------- 5. a skipped input's words, one way


def test_an_advice_words_its_skipped_record_as_its_message_the_command_lines_flags() -> None:
    """``skipped`` is a template, as the message is: its parameters are the command line's flags
    with their values (Advice.named), the one way every skipped input is worded."""
    from gpt41cost.errors import slot
    from gpt41cost.readers.text import Advice

    advice = Advice(
        f"a.json: bad; pass {slot('skip_bad')} to skip it, or {slot('read_as')} to count it as text",
        values={"read_as": "text=a.json"},
        skipped=f"a.json: bad, or pass {slot('read_as')} to count it as text",
    )
    assert advice.message == "a.json: bad; pass skip_bad=True to skip it, or read_as='text=a.json' to count it as text"
    assert advice.skipped().message == "a.json: bad, or pass --as text=a.json to count it as text"


def test_a_file_not_json_skipped_is_recorded_in_the_command_lines_words(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1,,}', encoding="utf-8")
    ok = tmp_path / "ok.txt"
    ok.write_text("x", encoding="utf-8")
    record = (
        f"{bad}: line 1, column 9: not valid JSON (unexpected character, expected a string key); fix it, or pass "
        "--as text=bad.json to count it as text"
    )
    r = gpt41cost.estimate([str(bad), str(ok)], skip_bad=True, models="gpt-4.1", as_of="2026-12-06")
    assert r.skipped == (record,)
    run = cli("estimate", bad, ok, "--skip-bad", "-m", "gpt-4.1", "-f", "json", expect=0)
    assert f"gpt41cost: warning: skipped: {record}\n" in run.stderr
