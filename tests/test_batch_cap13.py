"""The Batch pre-flight's context-window check takes a line's cap as every figure does, at most the
model's maximum output (review 13, item 2; rule 'cap over the maximum output'): a cap over the
maximum is its own error (max_output_too_large), not a second one of the window, and the window
error left is the one still there once the cap is lowered to the maximum."""

from __future__ import annotations

from pathlib import Path

from gpt41cost.catalog import Catalog

from .conftest import Cli
from .test_batch import check, facts, only, req


def test_a_cap_over_the_maximum_is_one_error(catalog: Catalog) -> None:
    """16 input + 2,000,000 was also 'over_context_window' (2,000,016 > 1,047,576); with the cap
    taken at 32,768 the line fits the window: one error."""
    result = check(facts(1), [req(1, 16, cap=2_000_000)], catalog)
    assert [f.code for f in result.findings] == ["max_output_too_large"]


def test_the_window_error_left_takes_the_cap_at_the_maximum(catalog: Catalog) -> None:
    """1,020,000 input + 40,000 cap: over the maximum, and over the window even at 32,768
    (1,052,768 > 1,047,576), which the window error says (was '+ 40,000 ... = 1,060,000')."""
    result = check(facts(1), [req(1, 1_020_000, cap=40_000)], catalog)
    assert [f.code for f in result.findings] == ["max_output_too_large", "over_context_window"]
    assert only(result, "over_context_window").message == (
        "line 1: 1,020,000 input + 32,768 max output (the cap taken at the maximum output) = 1,052,768 tokens "
        "exceeds gpt-4.1's context window of 1,047,576"
    )


def test_cli_counts_one_error(cli: Cli, tmp_path: Path) -> None:
    line = (
        '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4.1", '
        '"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2000000}}\n'
    )
    (tmp_path / "b.jsonl").write_text(line)
    r = cli("estimate", tmp_path / "b.jsonl", "-m", "gpt-4.1", expect=1)
    assert "the batch fails the pre-flight: 1 error " in r.stderr
    assert "over_context_window" not in r.stdout
