"""The README stays true: every ```console block is run and its output compared.

A console block holds `$ command` lines, each followed by the output it prints. Commands run
from the repository root under bash with this Python's scripts on PATH, stderr merged in
order; trailing spaces are ignored. `python -m tools.update_readme` rewrites the outputs.
"""

from __future__ import annotations

import pytest

from tools.update_readme import README, examples, normalise, run

EXAMPLES = examples(README.read_text(encoding="utf-8"))


def test_readme_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example(command, expected):
    assert run(command) == normalise(expected), f"$ {command}\n{run(command)}"
