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
them both ways). So does an example made of such runs (:func:`_script`: loops over words, chains
with `&&`, echoes of `$?`, `${PIPESTATUS[0]}` or a run's stdout, stdout piped through `jq`, `sed -n`
or `grep -v`, each its own process), each `gpt41cost` in this process (:data:`SCRIPT_CHECKS`
runs every form both ways). In any other example every `gpt41cost` is a fork of the test process calling
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
from typing import Any

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
    if (script := _script(command)) is not None:
        return _scripted(cli, monkeypatch, tmp_path, script)
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


#: A process a step's stdout is piped through: ``jq`` (options, one single-quoted program), ``sed -n``
#: or ``grep -v`` (one single-quoted script).
_FILTER = r" \| (?:jq(?: -[a-z])*|sed -n|grep -v) '[^']*'"
#: One step of a :func:`_script`: ``gpt41cost WORDS``, its output maybe dropped (stdout, stderr or
#: both), its stdout maybe piped through filters.
STEP = re.compile(
    rf"gpt41cost(?P<words>(?: {_WORD})+)"
    rf"(?P<drop> > /dev/null 2>&1| > /dev/null| 2>/dev/null)?(?P<filters>(?:{_FILTER})*)"
)
#: An ``echo`` of a :func:`_script`: text, then a step's stdout (``$(STEP)``, its trailing newlines
#: dropped) or the last exit code (``exit $?``, or ``exit ${PIPESTATUS[0]}``: the first command's of
#: the last pipeline).
ECHO = re.compile(r'echo "(?P<text>[^"$]*)(?:\$\((?P<step>[^"]*)\)|(?P<code>exit \$\?|exit \$\{PIPESTATUS\[0\]\}))?"')
#: A loop of a :func:`_script` over words: its body's statements run with ``$NAME`` each word in turn.
LOOP = re.compile(rf"for (?P<name>[a-z_]+) in(?P<words>(?: {_WORD})+)")


def _script(command: str) -> list[Any] | None:
    """``command`` as statements this module runs in the test process (:func:`_scripted`), or
    None: statements apart by ``; `` (none inside quotes), each a chain of :data:`STEP` s (``A &&
    B``: ``("and", [A, B])``), an :data:`ECHO` (``("echo", text)``) or a loop (``for NAME in WORDS;
    do STATEMENTS; done``: ``("for", NAME, WORDS, statements)``), whose ``$NAME`` stands for a word."""
    pieces = command.split("; ")
    if any(p.count("'") % 2 or p.count('"') % 2 for p in pieces):
        return None
    return _statements(pieces, set())


def _statements(pieces: list[str], names: set[str]) -> list[Any] | None:
    statements: list[Any] = []
    while pieces:
        piece = pieces.pop(0)
        plain = re.sub(rf"\$({'|'.join(names) or '(?!)'})\b", "word", piece)  # as a word would read
        if loop := LOOP.fullmatch(piece):
            if not pieces or not pieces[0].startswith("do ") or "done" not in pieces:
                return None
            end = pieces.index("done")
            body, pieces = [pieces[0][3:], *pieces[1:end]], pieces[end + 1 :]
            inner = _statements(body, names | {loop["name"]})
            if inner is None:
                return None
            statements.append(("for", loop["name"], loop["words"].split(), inner))
        elif (echo := ECHO.fullmatch(plain)) and (not echo["step"] or STEP.fullmatch(echo["step"])):
            statements.append(("echo", piece))
        elif all(STEP.fullmatch(step) for step in plain.split(" && ")):
            statements.append(("and", piece.split(" && ")))
        else:
            return None
    return statements


def _scripted(cli, monkeypatch, tmp_path: Path, script: list[Any]) -> str:  # type: ignore[no-untyped-def]
    """What a :func:`_script` shows, each ``gpt41cost`` run in this process as :func:`_in_process`
    runs one, from one scratch directory of links, each filter a process of its own reading the
    step's stdout. A step's stderr is shown before its filters' output and before the ``echo``
    that shows its stdout (a command writes its warnings before its report)."""
    monkeypatch.chdir(_links(tmp_path))
    env = environment()
    shown: list[str] = []
    codes = [0, 0]  # $? and ${PIPESTATUS[0]}

    def step(text: str, captured: bool = False) -> str:
        """Run a step: what it shows goes to ``shown``; returns its stdout (``captured``: $(STEP))."""
        m = STEP.fullmatch(text)
        assert m is not None, text
        done = cli(m["words"].split(), env={**dict.fromkeys(set(os.environ) - set(env)), **env})
        codes[:] = [done.exit_code, done.exit_code]
        drop = m["drop"] or ""
        err = "" if drop in (" 2>/dev/null", " > /dev/null 2>&1") else done.stderr
        out = "" if drop in (" > /dev/null", " > /dev/null 2>&1") else done.stdout
        if not captured and not m["filters"]:
            shown.append(done.output if not drop else err + out)  # a terminal's order, written as written
            return ""
        shown.append(err)
        for name, program in re.findall(r" \| ((?:jq|sed|grep)(?: -[a-z])*) '([^']*)'", m["filters"]):
            filtered = subprocess.run(
                [*name.split(), program],
                input=out.encode(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                check=False,
            )
            out, codes[0] = filtered.stdout.decode(), filtered.returncode
        if not captured:
            shown.append(out)
        return out

    def run(statements: list[Any], words: dict[str, str]) -> None:
        def given(text: str) -> str:
            for name, value in words.items():
                text = re.sub(rf"\${name}\b", value, text)
            return text

        for statement in statements:
            if statement[0] == "for":
                _, name, values, body = statement
                for value in values:
                    run(body, {**words, name: value})
            elif statement[0] == "echo":
                echo = ECHO.fullmatch(given(statement[1]))
                assert echo is not None, statement
                line = echo["text"]
                if echo["step"]:
                    line += step(echo["step"], captured=True).rstrip("\n")
                elif echo["code"]:
                    line += f"exit {codes[0] if echo['code'].endswith('$?') else codes[1]}"
                shown.append(line + "\n")
                codes[:] = [0, 0]
            else:
                for chained in statement[1]:
                    step(given(chained))
                    if codes[0]:
                        break

    run(script, {})
    return normalise("".join(shown))


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


#: A :func:`_script` run in the shell too, the same output either way: every form it takes (a
#: loop, a step's stdout through sed and grep taken by an echo, its stderr before the echo's line,
#: both outputs dropped, a chain stopped by a failing step, $?, stderr dropped before a pipe and
#: ${PIPESTATUS[0]} where $? is grep's), on four quick runs.
SCRIPT_CHECKS = [
    """for x in 1 x; do echo "$x: $(gpt41cost estimate --input-tokens $x -m gpt-4.1 -f csv | sed -n '2p' """
    """| grep -v '^model')"; done; gpt41cost estimate --input-tokens x > /dev/null 2>&1 && gpt41cost pricing; """
    """echo "exit $?"; gpt41cost estimate --input-tokens x 2>/dev/null | grep -v 'z'; """
    'echo "exit ${PIPESTATUS[0]}"',
]


@pytest.mark.parametrize("command", SCRIPT_CHECKS)
def test_a_script_shows_in_process_what_it_shows_in_the_shell(cli, monkeypatch, tmp_path, command):
    script = _script(command)
    assert script is not None and [s[0] for s in script] == ["for", "and", "echo", "and", "echo"]
    shell = cli.shell(f"cd {shlex.quote(str(_links(tmp_path / 'shell')))} || exit 99\n{command}", environment())
    assert normalise(shell).endswith("or 1e6\nx:\nexit 2\nexit 2")  # stderr, then the echo; both codes 2
    assert _scripted(cli, monkeypatch, tmp_path / "in-process", script) == normalise(shell)


def test_readme_has_examples_of_every_kind():
    """Most examples run in this process (:data:`ALONE`), the others but ``python -m`` too
    (:func:`_script`); each kind has examples, each form of :data:`ALONE` and each statement of a
    script (a loop, a chain of two, an echo of a run's stdout and one of an exit code)."""
    alone = [m for c, _ in EXAMPLES if (m := _alone(c))]
    assert len(alone) >= 25 and len(EXAMPLES) - len(alone) >= 5
    for form in ("name", "no_out", "no_err", "jq", "piped_code", "code"):
        assert [m for m in alone if m[form]], form
    assert "gpt41cost: warning: " in dict(EXAMPLES)[ALONE_CHECKS[0]]
    scripts = [s for c, _ in EXAMPLES if not _alone(c) and (s := _script(c)) is not None]
    assert len(scripts) == len(EXAMPLES) - len(alone) - 1 >= 5  # all but python -m tools.fidelity
    statements = [t for s in scripts for t in s]
    statements += [inner for t in statements if t[0] == "for" for inner in t[3]]  # a loop's body
    assert [t for t in statements if t[0] == "for"] and [t for t in statements if t[0] == "and" and len(t[1]) == 2]
    assert [t for t in statements if t[0] == "echo" and "$(" in t[1]]
    assert [t for t in statements if t[0] == "echo" and "exit $" in t[1]]


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
