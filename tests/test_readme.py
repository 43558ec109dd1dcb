"""The README stays true: every ```console block is run and its output compared.

A console block holds `$ command` lines, each followed by the output it prints. Commands run
from the repository root (:func:`run`'s real processes from a scratch directory of links to its
files) under bash with this Python's scripts on PATH, stderr merged in order; trailing spaces
are ignored. `python -m tools.update_readme` rewrites the outputs.

An example that asks nothing of the shell but to start one `gpt41cost WORDS` and show what it
writes (:data:`ALONE`: maybe with a variable set for it, its stdout or stderr dropped, its stdout
piped to `jq` with a single-quoted program, its exit code echoed) runs in the test process
through the `cli` fixture, from such a scratch directory and in the examples' environment, its
stdout and stderr in the order written, a `jq` it pipes to a process of jq's reading its stdout:
some 40 CPU ms less an example than bash, the shim and a fork (:data:`ALONE_CHECKS` runs two of
them both ways). In every other example every `gpt41cost` is a fork of the test process calling
the installed script's entry point on the same arguments, environment and streams (`Cli.shell`
in conftest.py), in a scratch directory of links as :func:`run` gives them (an example that
writes a file by a relative name writes it there), so the suite does not pay Python's start-up
and the vocabulary load once per example; an example that is `python -m MODULE` alone runs the
module in such a fork too, as `python -m` runs it. What a real process adds is checked
elsewhere: that a forked run shows what a real process of the installed script shows, on the
command lines of :data:`FORK_CHECKS` (each run both ways, the real one by the README refresher's
own :func:`run`); a fresh interpreter loading the vocabulary and estimating samples/support, in
tests/test_api.py's done-when check.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tools.update_readme import README, ROOT, environment, examples, normalise, run

EXAMPLES = examples(README.read_text(encoding="utf-8"))
#: An example that runs a module with this Python and nothing else: ``python -m MODULE``.
PYTHON_M = re.compile(r"python -m ([\w.]+)")


def test_readme_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example(cli, monkeypatch, tmp_path, command, expected):
    shown = _shown(cli, monkeypatch, tmp_path, command)
    assert shown == normalise(expected), f"$ {command}\n{shown}"


def _shown(cli, monkeypatch, tmp_path: Path, command: str) -> str:  # type: ignore[no-untyped-def]
    """What ``command`` shows, run as its kind needs (see the module's docstring)."""
    if module := PYTHON_M.fullmatch(command):
        return _forked_module(cli, monkeypatch, module[1])
    if alone := _alone(command):
        return _in_process(cli, monkeypatch, tmp_path, alone)
    return normalise(cli.shell(f"cd {shlex.quote(str(_links(tmp_path)))} || exit 99\n{command}", environment()))


#: A word the shell passes on as written: no quote, expansion, glob or operator in it.
_WORD = r"[\w./=:%-]+"
#: An example that asks nothing of the shell but to start one ``gpt41cost WORDS`` and show what
#: it writes: maybe with a variable set for it (``NAME=WORD gpt41cost``), its stdout or stderr
#: dropped (``> /dev/null``, ``2>/dev/null``), its stdout piped to ``jq`` (options, one
#: single-quoted program), its exit code echoed after it (``; echo "exit $?"``, or
#: ``${PIPESTATUS[0]}`` behind a pipe, where ``$?`` would be jq's).
ALONE = re.compile(
    rf"(?:(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>{_WORD})? )?gpt41cost(?P<words>(?: {_WORD})+)"
    r"(?P<no_out> > /dev/null)?(?P<no_err> 2>/dev/null)?"
    r"(?:(?P<jq> \| jq(?P<jq_options>(?: -[a-z])*) '(?P<program>[^']*)')"
    r"(?P<piped_code>; echo \"exit \$\{PIPESTATUS\[0\]\}\")?|(?P<code>; echo \"exit \$\?\")?)"
)


def _alone(command: str) -> re.Match[str] | None:
    """``command`` as an :data:`ALONE` example, or None (also for a stdout both dropped and piped)."""
    alone = ALONE.fullmatch(command)
    return None if alone is None or (alone["no_out"] and alone["jq"]) else alone


def _in_process(cli, monkeypatch, tmp_path: Path, alone: re.Match[str]) -> str:  # type: ignore[no-untyped-def]
    """An :data:`ALONE` example: ``gpt41cost WORDS`` run in this process (the ``cli`` fixture) from
    a scratch directory of links as :func:`run` gives it, in the examples' environment, stdout
    and stderr as a terminal shows them (in the order written), then what ``jq`` writes (jq's own
    process, reading that stdout) and the echoed exit code."""
    monkeypatch.chdir(_links(tmp_path))
    env = environment()
    if alone["name"]:
        env[alone["name"]] = alone["value"] or ""
    done = cli(alone["words"].split(), env={**dict.fromkeys(set(os.environ) - set(env)), **env})
    if alone["jq"] or alone["no_out"]:
        shown = "" if alone["no_err"] else done.stderr
    else:
        shown = done.stdout if alone["no_err"] else done.output
    if alone["jq"]:
        jq = subprocess.run(
            ["jq", *alone["jq_options"].split(), alone["program"]],
            input=done.stdout.encode(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
        shown += jq.stdout.decode()
    if alone["code"] or alone["piped_code"]:
        shown += f"exit {done.exit_code}\n"
    return normalise(shown)


def _links(scratch: Path) -> Path:
    """``scratch`` made what :func:`run` runs an example in: a link to each of the root's files."""
    scratch.mkdir(exist_ok=True)
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (scratch / entry.name).symlink_to(entry)
    return scratch


def _forked_module(cli, monkeypatch, module: str) -> str:  # type: ignore[no-untyped-def]
    """``python -m MODULE`` from the repository root in the examples' environment, stdout and stderr
    merged: the module run as ``__main__`` (as ``-m`` runs it) in a fork of the test process."""
    env = environment()
    for name in set(os.environ) - set(env):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    script = (
        f"import runpy, sys; sys.modules.pop({module!r}, None)\n"  # a fresh run of it, as -m's
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    )
    return normalise(cli.process(script=script, stderr=subprocess.STDOUT).stdout)


#: :data:`ALONE` examples run in the shell too: the same output either way (the quick start:
#: stderr's warning before stdout's table; an error on stderr, the findings through jq and the
#: exit code behind the pipe).
ALONE_CHECKS = [
    EXAMPLES[0][0],
    next(c for c, _ in EXAMPLES if c.endswith('; echo "exit ${PIPESTATUS[0]}"') and _alone(c)),
]


@pytest.mark.parametrize("command", ALONE_CHECKS)
def test_an_example_alone_shows_in_process_what_it_shows_in_the_shell(cli, monkeypatch, tmp_path, command):
    alone = _alone(command)
    assert alone is not None
    shell = cli.shell(f"cd {shlex.quote(str(_links(tmp_path / 'shell')))} || exit 99\n{command}", environment())
    assert _in_process(cli, monkeypatch, tmp_path / "in-process", alone) == normalise(shell)


def test_readme_has_examples_of_every_kind():
    """Most examples run in this process (:data:`ALONE`), the rest in bash; each kind has examples,
    and each form of :data:`ALONE`."""
    alone = [m for c, _ in EXAMPLES if (m := _alone(c))]
    assert len(alone) >= 25 and len(EXAMPLES) - len(alone) >= 5
    for form in ("name", "no_out", "no_err", "jq", "piped_code", "code"):
        assert [m for m in alone if m[form]], form
    assert "gpt41cost: warning: " in dict(EXAMPLES)[ALONE_CHECKS[0]]


def test_readme_examples_write_no_shared_path():
    """An example writes by a relative name, in the scratch directory :func:`run` gives it: a fixed
    path such as /tmp/x.yaml is shared by every checkout's suite, so two runs at once would race."""
    assert [c for c, _ in EXAMPLES if "/tmp/" in c] == []


def test_readme_has_a_module_example():
    assert [c for c, _ in EXAMPLES if PYTHON_M.fullmatch(c)] == ["python -m tools.fidelity"]


#: Command lines where a forked run could differ from a real process if Cli.shell (or Cli.start,
#: which forks the same way) were wrong: the exit code through $? and PIPESTATUS, a pipe closed
#: early, a closed stdout, stderr or stdin (tests/test_hostile.py's closed streams are forks on
#: the strength of these), stderr merged in order, stdin from a pipe, the environment given to
#: one command.
FORK_CHECKS = [
    'gpt41cost pricing --format csv | head -2; echo "exit ${PIPESTATUS[0]}"',
    'gpt41cost pricing >&-; echo "exit $?"',
    'gpt41cost estimate --input-tokens 1000 -m gpt-4.1 -f csv 2>&-; echo "exit $?"',
    'gpt41cost estimate --input-tokens x; echo "exit $?"',
    'gpt41cost usage - <&-; echo "exit $?"',
    # (usage, not estimate: a real process of estimate on text would pay the vocabulary load for it)
    """printf '{"model": "gpt-4.1", "usage": {"prompt_tokens": 1200, "completion_tokens": 300}}\\n' """
    "| GPT41COST_AS_OF=2026-03-01 gpt41cost usage -",
]


@pytest.mark.parametrize("command", FORK_CHECKS)
def test_a_forked_run_shows_what_a_real_process_shows(cli, command):
    assert normalise(cli.shell(command, environment())) == run(command)


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
