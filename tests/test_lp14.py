"""Session 14, lp14: limits and plan (unrendered templates, --priority-share, the tier table's max
peak, the --skip-bad summary line, stale-catalog and not-yet-released warnings)."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE_NOTE = (
    "{n} input(s) look like unrendered templates (Jinja or mustache markup: {{{{ }}}}, {{% %}} or {{# #}}): each is "
    "counted as written, its placeholders and tags for tokens, not the text they render to; render them first "
    "to count the prompts sent: {files}"
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
    assert "unrendered templates" in table.stdout


def test_limits_api_carries_the_templates(tmp_path: Path):
    from gpt41cost import limits

    folder = _prompts(tmp_path / "p")
    result = limits(folder, output_tokens=100, peak_rpm=10, models="gpt-4.1", as_of="2026-07-04")
    assert result.summary is not None and result.summary.unrendered == (str(folder / "system.md.j2"),)
