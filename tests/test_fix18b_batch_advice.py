"""Session 18, fix18b, 3: a Batch file's bad line is recorded for the pre-flight as the command line
words it, as a skipped input's record is: a message naming a parameter (an ``Advice``) spells it as
its flag through ``ParameterError.named`` (``--skip-bad``, ``--as``), where it was stored in the
API's words (``skip_bad=True``), so ``gpt41cost estimate`` refused the batch telling the user to
pass ``skip_bad=True``. No Batch line raises an Advice today: the test makes one do so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.errors import ExitCode, slot
from gpt41cost.readers import requests as rq

BATCH = str(Path(__file__).parent / "data" / "batch_mode" / "batch.jsonl")  # 5 Batch lines of gpt-4.1-mini


@pytest.fixture
def advising(monkeypatch: pytest.MonkeyPatch) -> None:
    """Line 2 of a Batch file raises an Advice naming two reading parameters, one with a value."""
    line = rq._batch_line

    def batch_line(ctx: Any, obj: Any, n: int, facts: rq.BatchFacts) -> Any:
        if n == 2:
            raise rq.Advice(
                f"{ctx.where}: line {n}: made up; pass {slot('read_as')}, or {slot('skip_bad')} to go on",
                values={"read_as": "prompts=batch.jsonl"},
            )
        return line(ctx, obj, n, facts)

    monkeypatch.setattr(rq, "_batch_line", batch_line)


RECORD = "line 2: made up; pass --as prompts=batch.jsonl, or --skip-bad to go on"


@pytest.mark.usefixtures("advising")
def test_the_cli_pre_flight_names_the_flags(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("estimate", BATCH, "-m", "gpt-4.1-mini")
    assert run.exit_code == ExitCode.CHECK_FAILED
    assert run.stderr.endswith(f": {RECORD}; fix it or leave it out\n"), run.stderr
    assert "   2   bad_request   made up; pass --as prompts=batch.jsonl, or --skip-bad to go on" in run.stdout


@pytest.mark.usefixtures("advising")
def test_the_finding_reads_as_a_skipped_record_does() -> None:
    checks = gpt41cost.estimate([BATCH], models="gpt-4.1-mini", as_of="2026-12-06").checks
    assert [f.message for c in checks for f in c.findings if f.line == 2] == [RECORD]
    skipped = gpt41cost.estimate([BATCH], models="gpt-4.1-mini", as_of="2026-12-06", skip_bad=True).skipped
    assert skipped == (f"{BATCH}: line 2: made up; pass --as prompts=batch.jsonl, or --skip-bad to go on",)


@pytest.mark.usefixtures("advising")
def test_limits_refuses_the_line_naming_the_flags(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("limits", BATCH, "-m", "gpt-4.1-mini", "--requests-per-day", "100")
    assert (run.exit_code, run.stdout) == (ExitCode.INPUT, "")
    assert run.stderr == (
        f"gpt41cost: error: {BATCH}: {RECORD}; nothing was counted: fix the line or pass --skip-bad to count the "
        "other lines\n"
    )
