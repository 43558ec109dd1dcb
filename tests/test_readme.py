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


def test_readme_python_examples(monkeypatch):
    """Every ```pycon block runs, in order and in one namespace, and prints what the README shows."""
    import doctest
    import re

    from tools.update_readme import ROOT

    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {}
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, globs, f"README pycon block {i + 1}", str(README), 0)
        runner.run(test, clear_globs=False)
        globs = test.globs  # the next block sees what this one defined
    failed, tried = runner.summarize(verbose=False)
    assert tried >= 10
    assert failed == 0
