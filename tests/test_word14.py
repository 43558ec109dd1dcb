"""Session 14, word14: wording of skipped inputs, limits' priority assumption, the unrendered
note's ending and a model not yet released."""

from __future__ import annotations

from pathlib import Path

import pytest

# --------------------------------------------------------------------------- item 1: --skip-bad's own warning

BAD_INPUTS = [
    pytest.param("first.jsonl", "{bad\n", id="jsonl-not-json-at-line-1"),
    pytest.param("broken.json", '{"a": \n', id="json-document-not-json"),
    pytest.param("arr.json", '["hi", ""]\n', id="json-array-empty-prompt-item"),
    pytest.param("req.json", '{"messages": []}\n', id="request-openai-rejects"),
]


@pytest.mark.parametrize(("name", "text"), BAD_INPUTS)
@pytest.mark.parametrize("command", [("limits", "--peak-rpm", "10"), ("estimate",)], ids=["limits", "estimate"])
def test_a_skipped_input_is_not_told_to_pass_skip_bad(cli, tmp_path: Path, name, text, command) -> None:
    (tmp_path / name).write_text(text)
    r = cli(*command, tmp_path / name, "--skip-bad", expect=(0, 2, 3))
    skipped = [line for line in r.stderr.splitlines() if "skipped: " in line]
    assert skipped, r.stderr
    assert not any("--skip-bad" in line for line in skipped), skipped
    # without the flag, the error still says to pass it
    r = cli(*command, tmp_path / name, expect=3)
    assert "pass --skip-bad" in r.stderr


def test_a_skipped_json_document_still_offers_as_text(cli, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"a": \n')
    r = cli("estimate", tmp_path / "broken.json", "--skip-bad", expect=(2, 3))
    assert "fix it, or pass --as text=broken.json to count it as text" in r.stderr


# --------------------------------------------------------------------------- item 2: which knob gave a share

WORKLOAD = """\
model: gpt-4.1
input_tokens: 1000
output_tokens: 100
traffic: {peak_rpm: 10}
tier: 3
batch_share: 0.25
priority_share: 0.5
"""


def _assumption(stdout: str, key: str) -> str:
    import json

    value: str = json.loads(stdout)["assumptions"][key]
    return value


def test_limits_names_the_share_flags(cli) -> None:
    r = cli(
        "limits", "--input-tokens", "1000", "--output-tokens", "100", "--peak-rpm", "10",
        "--priority-share", "0.5", "--batch-share", "0.25", "-f", "json", expect=0,
    )  # fmt: skip
    assert "50% of requests (--priority-share)" in _assumption(r.stdout, "priority_processing")
    assert "(priority_share)" not in r.stdout
    assert "25% of requests through the Batch API (--batch-share)" in _assumption(r.stdout, "batch_share")


def test_plan_names_the_share_keys(cli, tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKLOAD)
    r = cli("plan", tmp_path / "w.yaml", "-f", "json", expect=0)
    assert "50% of requests (priority_share)" in _assumption(r.stdout, "priority_processing")
    assert "25% of requests through the Batch API (batch_share)" in _assumption(r.stdout, "batch_share")
    assert "(--priority-share)" not in r.stdout and "(--batch-share" not in r.stdout


# --------------------------------------------------------------------------- item 3: shared options are defined once


def test_priority_share_is_a_shared_option_beside_batch_share() -> None:
    import typing

    import gpt41cost.cli.limits as limits_cli
    from gpt41cost.cli import options

    assert not hasattr(limits_cli, "PriorityShare")  # defined in cli/options.py, not the command
    (info,) = typing.get_args(options.PriorityShare)[1:]
    assert info.default == "--priority-share"
    assert info.help == (
        "Share of requests sent at priority processing (0-1; with --batch-share at most 1): priority rates, "
        "the same rate limits."
    )


# --------------------------------------------------------------------------- item 4: the unrendered note's ending


def test_unrendered_note_ends_as_asked() -> None:
    from gpt41cost.readers.inputs import UNDER_INPUTS, unrendered_note

    assert unrendered_note(2).endswith("render them first to count the prompts sent (listed under Inputs)")
    assert unrendered_note(2) == unrendered_note(2, UNDER_INPUTS)
    named = unrendered_note(2, ": a.txt, b.txt")
    assert named.endswith("render them first to count the prompts sent: a.txt, b.txt")
    assert "listed under Inputs" not in named


def test_limits_names_the_unrendered_templates(cli, tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("Hello {{ name }}, {% if x %}yes{% endif %}\n")
    r = cli("limits", tmp_path / "t.txt", "--peak-rpm", "10", "--output-tokens", "100", "-f", "json", expect=0)
    import json

    (note,) = (n for n in json.loads(r.stdout)["notes"] if "unrendered template" in n)
    assert note.endswith(f"render it first to count the prompt sent: {tmp_path / 't.txt'}")


# --------------------------------------------------------------------------- item 5: a model not yet released


def test_limits_says_when_the_catalogs_limits_apply_to_a_model_not_yet_released(cli) -> None:
    r = cli(
        "limits", "--input-tokens", "1000", "--max-tokens", "10", "--peak-rpm", "5", "-m", "gpt-4.1-mini",
        "--tier", "1", "--as-of", "2025-01-01", expect=0,
    )  # fmt: skip
    assert r.stderr.endswith(
        "gpt41cost: warning: gpt-4.1-mini: not yet released (available from 2025-04-14), priced at its first "
        "prices; assessed at the catalog's limits for it, which apply once it is released (on 2025-04-14)\n"
    ), r.stderr
    assert "its limits are the catalog's" not in r.stdout + r.stderr
