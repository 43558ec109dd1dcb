"""usage JSON over_limits[].largest_input_tokens is what README says: the input of the response over
the window, not the largest input (session 16, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gpt41cost


def _responses(tmp_path: Path, rows: list[tuple[str, int, int]]) -> str:
    import json

    path = tmp_path / "responses.jsonl"
    lines = [
        {"id": f"r{i}", "object": "chat.completion", "created": 1764547200, "model": model,
         "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}}
        for i, (model, inp, out) in enumerate(rows)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        # the response over the window has less input than another one, under it
        pytest.param([("gpt-4.1", 1_040_000, 20_000), ("gpt-4.1", 1_045_000, 100)], 1_040_000, id="one-name"),
        # an alias and its snapshot: each name's response over the window, the one with the larger
        # input + output named (1,060,000 against 1,050,000), as under one name (it named the larger
        # input, 1,045,000, until session 16's lead mended it)
        pytest.param(
            [("gpt-4.1", 1_040_000, 20_000), ("gpt-4.1-2025-04-14", 1_045_000, 5_000)], 1_040_000, id="two-names"
        ),
        pytest.param(
            [("gpt-4.1-2025-04-14", 1_040_000, 20_000), ("gpt-4.1", 1_045_000, 5_000)], 1_040_000, id="swapped"
        ),
        # one name over the window, the other not: the one over named, whatever its input
        pytest.param(
            [("gpt-4.1", 1_040_000, 20_000), ("gpt-4.1-2025-04-14", 1_045_000, 100)], 1_040_000, id="one-of-two-over"
        ),
    ],
)
def test_largest_input_tokens_is_the_input_of_a_response_over_the_window(tmp_path: Path, rows, named: int):
    """What README says ``over_limits[].largest_input_tokens`` is (the key keeps its name: a contract)."""
    got = gpt41cost.usage([_responses(tmp_path, rows)], as_of="2026-12-06").to_dict()
    (over,) = got["over_limits"]
    assert over["model"] == "gpt-4.1" and over["largest_input_tokens"] == named
    assert over["context_window"] == 1_047_576
