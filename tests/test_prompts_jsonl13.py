"""A `.jsonl` whose first line is ``{"prompt": "..."}`` is a prompts list as its first line says
(review 13, item 5; README, data files): a later line that is no prompt (``{}``) is a bad line of
it, refused or skipped with ``--skip-bad``, as in any JSONL file; it was read whole as text
("valid JSON that is no request (a config?)": 15 tokens for two 3-token prompts)."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli

LINES = '{"prompt": "Say hi"}\n{}\n{"prompt": "Say bye"}\n'


def test_a_bad_line_is_refused_with_its_number(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "evals.jsonl").write_text(LINES)
    r = cli("estimate", tmp_path / "evals.jsonl", "-m", "gpt-4.1", expect=3)
    assert r.stdout == ""
    assert r.stderr.startswith(
        f"gpt41cost: error: {tmp_path / 'evals.jsonl'}: line 2: a prompts line must be a JSON string, a "
        '{"prompt": "..."} object, a list of messages or a request body (messages or input); nothing was counted'
    )


def test_skip_bad_counts_the_prompts(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "evals.jsonl").write_text(LINES)
    doc = cli.json("estimate", tmp_path / "evals.jsonl", "-m", "gpt-4.1", "--skip-bad")
    (inp,) = doc["inputs"]
    assert (inp["read_as"], inp["reason"], inp["requests"]) == ("prompts", "extension .jsonl", 2)
    assert doc["models"][0]["input_tokens_total"] == 4  # "Say hi", "Say bye": 2 tokens each
