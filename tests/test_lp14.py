"""Session 14, lp14: limits and plan (unrendered templates, --priority-share, the tier table's max
peak, the --skip-bad summary line, stale-catalog and not-yet-released warnings)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

TEMPLATE_NOTE = (
    "{n} input looks like an unrendered template (Jinja or mustache markup: {{{{ }}}}, {{% %}} or {{# #}}): it is "
    "counted as written, its placeholders and tags for tokens, not the text they render to; render it first "
    "to count the prompt sent: {files}"
)


def _prompts(folder: Path) -> Path:
    folder.mkdir()
    (folder / "system.md.j2").write_text("You answer in {{ language }}.\n{% if vip %}Be brief.{% endif %}\n")
    (folder / "ticket.md").write_text("# Ticket 1\n\nMy order never arrived.\n")
    return folder


# -- I: limits and plan say which prompts look like unrendered templates, as estimate does ----------


def test_limits_says_templates_are_counted_as_written(cli, tmp_path: Path):
    folder = _prompts(tmp_path / "p")
    args = ["limits", str(folder), "--output-tokens", "100", "--peak-rpm", "10", "-m", "gpt-4.1", "-m", "gpt-4.1-mini"]
    r = cli([*args, "-f", "json"])
    assert r.exit_code == 0, r.stderr
    note = TEMPLATE_NOTE.format(n=1, files=folder / "system.md.j2")
    assert json.loads(r.stdout)["notes"].count(note) == 1
    assert r.stderr.count(f"gpt41cost: warning: {note}\n") == 1
    plain = cli(["limits", str(folder / "ticket.md"), *args[2:], "-f", "json"])
    assert "unrendered" not in plain.stdout and "unrendered" not in plain.stderr


def test_plan_says_templates_are_counted_as_written(cli, tmp_path: Path):
    folder = _prompts(tmp_path / "p")
    w = tmp_path / "w.yaml"
    w.write_text(
        "name: x\nmodels: {gpt-4.1: 0.5, gpt-4.1-mini: 0.5}\nprompts: [p/*]\noutput_tokens: 100\n"
        "traffic: {requests_per_day: 1000}\ntier: 3\nhorizon_months: 1\n",
        encoding="utf-8",
    )
    r = cli(["plan", str(w), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    note = TEMPLATE_NOTE.format(n=1, files=folder / "system.md.j2")
    assert json.loads(r.stdout)["notes"].count(note) == 1
    assert r.stderr.count(f"gpt41cost: warning: {note}\n") == 1
    table = cli(["plan", str(w)])
    assert "unrendered template" in table.stdout  # one input: "looks like an unrendered template"


def test_limits_api_carries_the_templates(tmp_path: Path):
    from gpt41cost import limits

    folder = _prompts(tmp_path / "p")
    result = limits(folder, output_tokens=100, peak_rpm=10, models="gpt-4.1", as_of="2026-07-04")
    assert result.summary is not None and result.summary.unrendered == (str(folder / "system.md.j2"),)


# -- F: limits --priority-share, as a workload's priority_share ---------------------------------------

LIMITS_1000 = ["limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "1000"]


def test_limits_priority_share_prices_that_share_at_priority_rates(cli):
    # gpt-4.1: standard $2 / $8, priority $3.5 / $14 per 1M: $0.0028 and $0.0049 a request, 30,000 a month
    args = [*LIMITS_1000, "-m", "gpt-4.1", "--as-of", "2026-07-04", "-f", "json"]
    plain = json.loads(cli(args).stdout)
    half = cli([*args, "--priority-share", "50%"])
    assert half.exit_code == 0, half.stderr
    doc = json.loads(half.stdout)
    assert plain["models"][0]["monthly_cost_usd"]["total"] == "84"
    assert doc["models"][0]["monthly_cost_usd"]["total"] == "115.5"  # 15,000 x 0.0028 + 15,000 x 0.0049
    assert (plain["inputs"]["priority_share"], doc["inputs"]["priority_share"]) == (0, 0.5)
    assert doc["assumptions"]["priority_processing"].startswith("sent at priority processing: 50% of requests")
    # the rate limits are shared between standard and priority: the same use
    assert [t["usage"] for t in doc["models"][0]["tiers"]] == [t["usage"] for t in plain["models"][0]["tiers"]]


def test_limits_priority_share_with_batch_share_over_one_is_refused(cli):
    r = cli([*LIMITS_1000, "--priority-share", "0.6", "--batch-share", "0.5"])
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "gpt41cost: error: --priority-share: must be between 0 and 1, and with --batch-share at most 1 "
        "(a request sent through the Batch API is not sent at priority)\n"
    )


def test_limits_api_priority_share():
    from gpt41cost import limits
    from gpt41cost.errors import ParameterError

    r = limits(input_tokens=1000, output_tokens=100, requests_per_day=1000, models="gpt-4.1",
               priority_share="50%", as_of="2026-07-04")  # fmt: skip
    assert r.assessments[0].costs[0].total_usd == Decimal("115.5")
    with pytest.raises(ParameterError, match="priority_share"):
        limits(input_tokens=1000, output_tokens=100, peak_rpm=5, priority_share=0.6, batch_share=0.5)


# -- J: limits' per-tier table shows the max peak at the peak's precision ------------------------------


@pytest.mark.parametrize("per_day", [1000, 1188, 7777, 54321])
def test_limits_tier_max_peak_never_reads_under_the_peak_on_a_fitting_tier(cli, per_day: int):
    """Peak 2.08 RPM at 1,000 requests a day; tier 1 fits at up to 2.4802: the table read 'max peak
    RPM 2, fits yes' (floored to a whole number), as plan's did before ad84c5d."""
    args = ["limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", str(per_day)]
    lines = cli([*args, "-m", "gpt-4.1", "-f", "markdown"]).stdout.splitlines()
    start = lines.index("**Rate-limit use at the peak minute, per usage tier**")
    head = [h.strip() for h in lines[start + 2].split("|")[1:-1]]
    rows = [dict(zip(head, (c.strip() for c in x.split("|")[1:-1]), strict=True))
            for x in lines[start + 4 : lines.index("", start + 2)]]  # fmt: skip
    low = lines.index("**Lowest tier that fits (min headroom 0%)**")
    peak = Decimal(lines[low + 4].split("|")[3].strip().replace(",", ""))
    fitting = [Decimal(r["max peak RPM"].replace(",", "")) for r in rows if r["fits"] == "yes"]
    assert fitting and all(m >= peak for m in fitting), (peak, rows)
    if per_day == 1000:
        assert (peak, rows[0]["max peak RPM"]) == (Decimal("2.08"), "2.48")
        csv_rows = cli([*args, "-m", "gpt-4.1", "-f", "csv"]).stdout.splitlines()
        assert csv_rows[1].split(",")[5] == "2.4802"  # CSV: the 4 places plan's CSV has


# -- E: --skip-bad's summary line does not say the others were counted when none was -----------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["limits", "--output-tokens", "10", "--peak-rpm", "5"], id="limits"),
        pytest.param(["estimate", "--output-tokens", "10"], id="estimate"),
    ],
)
def test_skip_bad_says_when_nothing_was_left_to_count(cli, tmp_path: Path, command: list[str]):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a":\nnot json\n', encoding="utf-8")
    r = cli([command[0], str(bad), "--skip-bad", *command[1:]])
    assert r.exit_code != 0 and r.stdout == ""
    assert "gpt41cost: warning: 1 bad line or file skipped; no request was left to count\n" in r.stderr
    assert "the others were counted" not in r.stderr
    ok = tmp_path / "ok.txt"
    ok.write_text("hello\n", encoding="utf-8")
    mixed = cli([command[0], str(bad), str(ok), "--skip-bad", *command[1:]])
    assert mixed.exit_code == 0, mixed.stderr
    assert "gpt41cost: warning: 1 bad line or file skipped; the others were counted\n" in mixed.stderr


# -- K: a stale catalog is a warning on stderr in estimate, limits, plan and usage alike -------------

FIXTURE = str(Path(__file__).parent / "data" / "pricing-fixture.yaml")  # checked 2025-04-14
ROOT = Path(__file__).parent.parent
STALE_140 = "gpt41cost: warning: prices last checked 140 days ago; see `gpt41cost pricing`\n"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", "--input-tokens", "1000", "-m", "gpt-4.1"], id="estimate"),
        pytest.param(["limits", "--input-tokens", "1000", "--max-tokens", "100", "--peak-rpm", "5"], id="limits"),
        pytest.param(["plan", str(ROOT / "samples" / "workloads" / "ticket-classifier.yaml")], id="plan"),
        pytest.param(["usage", str(ROOT / "samples" / "usage")], id="usage"),
    ],
)
@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_every_command_warns_of_a_stale_catalog_on_stderr(cli, args: list[str], fmt: str):
    base = [*args, "--pricing", FIXTURE, "-f", fmt]
    stale = cli([*base, "--as-of", "2025-09-01"])
    fresh = cli([*base, "--as-of", "2025-07-13"])  # 90 days: not stale
    assert stale.exit_code == fresh.exit_code, stale.stderr  # a warning: the exit code unchanged
    assert stale.stderr.count(STALE_140) == 1 and "prices last checked" not in fresh.stderr
    assert stale.stderr.replace(STALE_140, "") == fresh.stderr  # the one line more
    if fmt == "html":  # the page lists the run's warnings, this one too, beside its note
        assert stale.stdout.count("prices last checked 140 days ago") == 2


def test_pricing_does_not_warn_of_its_own_age(cli):
    r = cli(["pricing", "--pricing", FIXTURE, "--as-of", "2025-09-01"])
    assert r.exit_code == 0 and r.stderr == ""


# -- K: a model not yet released is a warning in estimate and marked in limits, as a shut-down one ---

NOT_YET = "not yet released (available from 2025-04-14), priced at its first prices"


def test_estimate_warns_of_a_model_not_yet_released(cli):
    r = cli(["estimate", "--input-tokens", "1000", "-m", "gpt-4.1", "--as-of", "2025-01-01"])
    assert r.exit_code == 0
    assert r.stderr == f"gpt41cost: warning: gpt-4.1: {NOT_YET}\n"
    released = cli(["estimate", "--input-tokens", "1000", "-m", "gpt-4.1", "--as-of", "2025-04-14"])
    assert released.stderr == ""


def test_limits_marks_a_model_not_yet_released(cli):
    args = ["limits", "--input-tokens", "1000", "--max-tokens", "10", "--peak-rpm", "5", "-m", "gpt-4.1", "--tier", "1"]
    r = cli([*args, "--as-of", "2025-01-01", "-f", "csv"])
    assert r.exit_code == 0
    assert next(csv.DictReader(io.StringIO(r.stdout)))["model"] == "gpt-4.1"  # CSV: the raw label
    md = cli([*args, "--as-of", "2025-01-01", "-f", "markdown"]).stdout
    assert "| gpt-4.1 (not yet released) | 1 |" in md
    applies = "assessed at the catalog's limits for it, which apply once it is released (on 2025-04-14)"
    note = f"gpt-4.1: {NOT_YET}; {applies}"
    assert f"- {note}" in md and r.stderr == f"gpt41cost: warning: {note}\n"
    released = cli([*args, "--as-of", "2025-04-14", "-f", "markdown"])
    assert "not yet released" not in released.stdout + released.stderr
