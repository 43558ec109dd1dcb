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
