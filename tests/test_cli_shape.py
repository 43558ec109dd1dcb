"""The CLI stays a thin layer (issue #12): short command functions, every option declared in one module."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from .conftest import ROOT

CLI = ROOT / "gpt41cost" / "cli"
#: "No command function longer than about 40 lines": from ``def`` to its last line, signature
#: (one line per option) included; the help text is the command's HELP constant.
MOST_LINES = 40


@functools.cache
def _tree(path: Path) -> ast.Module:
    """A CLI module's syntax tree, parsed once a process for both tests (only read)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _decorated(tree: ast.AST, attr: str) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == attr
            for d in node.decorator_list
        ):
            yield node


def _commands() -> dict[str, int]:
    """Each command function (``@app.command``) with its length in lines."""
    out: dict[str, int] = {}
    for path in sorted(CLI.glob("*.py")):
        for fn in _decorated(_tree(path), "command"):
            assert fn.end_lineno is not None
            out[f"{path.name}:{fn.name}"] = fn.end_lineno - fn.lineno + 1
    return out


def test_every_command_function_is_short() -> None:
    lengths = _commands()
    assert {name.split(":")[1] for name in lengths} >= {"estimate_cmd", "limits", "plan", "usage", "pricing", "rules"}
    assert {name: n for name, n in lengths.items() if n > MOST_LINES} == {}


def _typer_calls(path: Path) -> list[str]:
    """The ``typer.Option(...)`` and ``typer.Argument(...)`` calls in ``path``, by line."""
    found = []
    for node in ast.walk(_tree(path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("Option", "Argument")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "typer"
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_options_are_declared_in_one_module() -> None:
    """Commands name their options (``fmt: opt.Format``); the flags, parsers and help live in options.py."""
    assert _typer_calls(CLI / "options.py")
    elsewhere = [
        c for p in sorted(CLI.glob("*.py")) if p.name not in ("options.py", "__init__.py") for c in _typer_calls(p)
    ]
    assert elsewhere == []
