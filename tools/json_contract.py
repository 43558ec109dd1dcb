"""The JSON contract: every key of every command's ``--format json``, with its type.

Usage: python -m tools.json_contract   (from the repository root, with gpt41cost installed)
writes the key lists into README.md's "JSON contract" section (between the
``<!-- json-keys:COMMAND -->`` markers); tests/test_reports.py
(test_json_follows_the_typing_rules_and_the_readme_lists_every_key) walks every key of the same
runs and fails when the README's list, or a value's type, is not what the contract says.

Each key's types are those its runs write, plus ``null`` wherever the result types allow it
(:func:`type_nulls`): a sample run shows a key as null only if its data happen to have the case.

The typing rules (checked for every value):
- keys are snake_case, except the keys of maps whose keys are data (``MAPS``: error codes, models);
- money (any key path naming ``usd``) is an exact decimal string, or null;
- counts (keys ending in ``tokens``, ``requests``, ``records``, ...) are integers, means excepted;
- shares, rates, ratios and percentages are numbers;
- no other value is a number written as a string.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import dataclasses
import functools
import inspect
import json
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
DATE = "2026-12-06"

#: Runs whose keys together make each command's contract (every optional section present once).
RUNS: dict[str, list[list[str]]] = {
    "estimate": [
        ["samples/support", "--requests-per-day", "20000", "--cache", "auto"],
        ["samples/support", "--requests-per-day", "20000"],  # no cache assumed: the what-if keys
        ["samples/mixed", "--per-input", "--image-size", "1024x1024"],
        ["samples/requests/finetune-train.jsonl", "--epochs", "3"],
        ["samples/requests/batch-support.jsonl"],
        ["--input-tokens", "1000", "--calibrate-from", "samples/usage"],
    ],
    "limits": [
        ["samples/support", "--requests-per-day", "50000", "--output-tokens", "350", "--max-tokens", "800"],
        ["--input-tokens", "1000", "--max-tokens", "500", "--peak-rpm", "300", "--backlog", "100000"],
        ["--input-tokens", "200000", "--max-tokens", "500", "--peak-rpm", "30", "-m", "gpt-4.1"],
    ],
    "plan": [
        ["samples/workloads/support-bot.yaml"],
        ["samples/workloads/support-bot-2026-03.yaml", "--substitute"],
        # a dated price change within the horizon: price_changes and budget_checked
        ["samples/workloads/support-bot.yaml", "--pricing", "tests/data/fixN16/pricing-dated.yaml"],
    ],
    "usage": [
        ["samples/usage"],
        ["samples/bill-2026-11/completions", "--billed", "samples/bill-2026-11/costs"],
        ["samples/bill-2026-11/completions", "--forecast", "--budget", "5000", "--tier", "3", "--as-of", "2026-11-20"],
    ],
    "pricing": [[]],
    "rules": [[]],
}

#: Keys whose values are maps keyed by data (a model, an error code, a reason), not by name.
MAPS = {
    "skipped",
    "failed_batch_requests",
    "output_tokens_by_model",
    "cache_hit_rate_by_model",
    "snapshots_lifecycle",
    "input_tokens_by_model",
    "queue_by_model",
    "requests_by_processing",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_COUNT = re.compile(r"(^|_)(tokens|requests|records|files|count|waves|epochs|tier|days|requests_total|tokens_total)$")
_SHARE = re.compile(r"(_pct|share|_rate|ratio|tolerance)$")


def run_json(command: str, args: list[str]) -> Any:
    """The command's ``--format json`` document (each run made once per process)."""
    return json.loads(_run(command, tuple(args))[0])


@functools.cache
def _run(command: str, args: tuple[str, ...]) -> tuple[str, Any]:
    """The run's JSON text and the result object (:class:`gpt41cost.api.Result`) it rendered."""
    from typer.testing import CliRunner

    from gpt41cost.api import Result
    from gpt41cost.cli import app

    shown: list[Result] = []
    kinds = Result.__subclasses__()
    reports = {cls: cls.__dict__["report"] for cls in kinds}

    def keep(report: Callable[[Result], Any]) -> Callable[[Result], Any]:
        def kept(self: Result) -> Any:
            shown.append(self)
            return report(self)

        return kept

    with contextlib.ExitStack() as patched, contextlib.chdir(ROOT):  # the runs name files relative to the root
        for cls in kinds:
            patched.enter_context(mock.patch.object(cls, "report", keep(reports[cls])))
        out = CliRunner().invoke(
            app, [command, *args, "--format", "json"], env={"GPT41COST_AS_OF": DATE, "GPT41COST_PRICING": None}
        )
    if out.exit_code not in (0, 1):
        raise RuntimeError(f"{command} {' '.join(args)}: exit {out.exit_code}: {out.stderr.strip()}")
    return out.stdout, shown[-1]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def walk(value: Any, path: str = "", key: str = "") -> Iterator[tuple[str, str, str, Any]]:
    """(path, key, kind, value) of every value; lists as ``[]``, data-keyed maps as ``{*}``."""
    yield path or ".", key, _kind(value), value
    if isinstance(value, dict):
        for k, v in value.items():
            if key in MAPS:
                yield from walk(v, f"{path}.{{*}}", key)
            else:
                yield from walk(v, f"{path}.{k}", k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, f"{path}[]", key)


def problems(doc: Any) -> list[str]:
    """Every value that breaks a typing rule, with its path."""
    found = []
    for path, key, kind, value in walk(doc):
        if kind in ("object", "array", "null", "bool"):
            if kind == "object" and key not in MAPS:
                found += [f"{path}: key {k!r} is not snake_case" for k in value if not _SNAKE.fullmatch(k)]
            continue
        money = "usd" in path
        if ".assumptions." in path and kind == "string":
            continue  # prose: what a figure rests on
        if money and kind != "string":
            found.append(f"{path}: money must be a decimal string, not {kind} {value!r}")
        elif money and not _NUMBER.fullmatch(value) and not _DATE.fullmatch(value):
            found.append(f"{path}: money {value!r} is not a plain decimal")
        elif not money and kind == "string" and _NUMBER.fullmatch(value):
            found.append(f"{path}: a number written as a string: {value!r}")
        elif _COUNT.search(key) and "mean" not in key and "avg" not in key and kind not in ("int",) and not money:
            if not (kind == "string" and key == "tier"):
                found.append(f"{path}: a count must be an integer, not {kind} {value!r}")
        elif _SHARE.search(key) and kind not in ("int", "number"):
            found.append(f"{path}: a share or rate must be a number, not {kind} {value!r}")
    return found


def contract(command: str) -> dict[str, set[str]]:
    """Every key path of the command's runs with the kinds of value seen there, and null wherever
    the result types allow it (:func:`type_nulls`)."""
    kinds: dict[str, set[str]] = {}
    for args in RUNS[command]:
        for path, _, kind, _ in walk(run_json(command, args)):
            kinds.setdefault(path, set()).add(kind)
    for path in type_nulls(command) | view_nulls(command):
        kinds.setdefault(path, set()).add("null")
    return kinds


def view_nulls(command: str) -> frozenset[str]:
    """The key paths a view writes null of its own (no result type's None): the top-level ``inputs``
    figures each model of a run has its own of, null when the models' values differ
    (:func:`gpt41cost.views.limits.common_inputs`; a mix of images, or of maxima)."""
    from gpt41cost.views import limits, plan

    keys = {"limits": limits.PER_MODEL, "plan": plan.PER_MODEL}.get(command, ())
    return frozenset(f".inputs.{k}" for k in keys)


@functools.cache
def type_nulls(command: str) -> frozenset[str]:
    """The key paths that read null when a field or property its result types declare ``X | None``
    is None: for each such (class, name) in a run's result, that one is set to None in every object
    of the class, and the JSON is written again (the report code handles every None its types allow:
    strict mypy checks it). A (class, name) already None in every object of the class changes
    nothing: its nulls are the run's own document's, which is not written again for it (a quarter
    of the some 480 places, each a whole document)."""
    found: set[str] = set()
    for args in RUNS[command]:
        result = _run(command, tuple(args))[1]
        below: dict[int, frozenset[type]] = {}
        _classes_below(result, below)
        objects = _objects(result)
        holes = _holes(objects)
        _null_paths(run_json(command, args), "", "", found)
        for hole in sorted(holes, key=lambda h: (h[0].__qualname__, h[1])):
            cls, name, _ = hole
            if any(getattr(o, name) is not None for o in objects[cls]):
                _null_paths(_nulled(result, hole, below, {}).to_dict(), "", "", found)
    return frozenset(found)


def _null_paths(value: Any, path: str, key: str, found: set[str]) -> None:
    """Add to ``found`` the path of every null in ``value``: the paths :func:`walk` gives the values
    of kind ``null``, found without making a tuple for each value (type_nulls walks some 450 whole
    documents, one per place a result type allows None). Its path rules are walk's, written again
    for speed: tests/test_tidy16.py checks that the two find the same paths."""
    if value is None:
        found.add(path or ".")
    elif isinstance(value, dict):
        wild = key in MAPS
        for k, v in value.items():
            if v is None or isinstance(v, (dict, list)):
                _null_paths(v, f"{path}.{{*}}" if wild else f"{path}.{k}", key if wild else k, found)
    elif isinstance(value, list):
        below = f"{path}[]"
        for v in value:
            if v is None or isinstance(v, (dict, list)):
                _null_paths(v, below, key, found)


#: (class, attribute name, whether a property): one place a result type allows None
_Hole = tuple[type, str, bool]


def _optional(annotation: object) -> bool:
    """Whether a (string, ``from __future__ import annotations``) annotation admits None."""
    if not isinstance(annotation, str):
        return False

    def union(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return union(node.left) + union(node.right)
        return [node]

    node = ast.parse(annotation, mode="eval").body
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional":
        return True
    return any(isinstance(n, ast.Constant) and n.value is None for n in union(node))


def _fields(value: Any) -> list[tuple[str, object]] | None:
    """(name, annotation) of each field of a result object (a dataclass or a msgspec Struct, with
    its annotations as written: strings); None for anything else."""
    if isinstance(value, type):
        return None
    return _class_fields(type(value))


@functools.cache
def _class_fields(cls: type) -> list[tuple[str, object]] | None:
    """:func:`_fields` of the objects of ``cls``, worked out once per class (type_nulls asks
    some 45,000 times, for a few dozen classes)."""
    if dataclasses.is_dataclass(cls):
        return [(f.name, f.type) for f in dataclasses.fields(cls)]
    return _struct_fields(cls)


def _struct_fields(cls: type) -> list[tuple[str, object]] | None:
    """(name, annotation) of each field of a msgspec Struct class; None for any other class."""
    names = getattr(cls, "__struct_fields__", None)
    if names is None:
        return None
    written: dict[str, object] = {}
    for c in reversed(cls.__mro__):
        written.update(inspect.get_annotations(c))
    return [(name, written.get(name)) for name in names]


def _set(obj: Any, name: str, value: Any) -> None:
    """Set field ``name`` of a copy made here, frozen or not (a Struct's through its slot)."""
    if dataclasses.is_dataclass(obj):
        object.__setattr__(obj, name, value)  # frozen dataclasses
    else:
        getattr(type(obj), name).__set__(obj, value)  # a frozen Struct refuses object.__setattr__


def _parts(value: Any) -> list[Any]:
    if (fields := _fields(value)) is not None:
        return [getattr(value, name) for name, _ in fields]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if isinstance(value, (dict, types.MappingProxyType)):
        return list(value.values())
    return []


def _classes_below(value: Any, below: dict[int, frozenset[type]]) -> frozenset[type]:
    """The result classes (dataclasses, Structs) of ``value`` and everything under it, by ``id`` in ``below``."""
    if id(value) not in below:
        below[id(value)] = frozenset()  # a cycle ends here
        mine = {type(value)} if _fields(value) is not None else set()
        below[id(value)] = frozenset(mine.union(*(_classes_below(v, below) for v in _parts(value))))
    return below[id(value)]


def _objects(result: Any) -> dict[type, list[Any]]:
    """Every result object (dataclass, Struct) in the result's tree, by class."""
    found: dict[type, list[Any]] = {}
    seen: set[int] = set()
    todo = [result]
    while todo:
        value = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if _fields(value) is not None:
            found.setdefault(type(value), []).append(value)
        todo += _parts(value)
    return found


def _holes(objects: dict[type, list[Any]]) -> set[_Hole]:
    """Every field and property typed ``X | None`` of the classes of ``objects`` (:func:`_objects`)."""
    return {hole for cls, of in objects.items() for hole in _class_holes(cls, tuple(_fields(of[0]) or ()))}


@functools.cache
def _class_holes(cls: type, fields: tuple[tuple[str, object], ...]) -> frozenset[_Hole]:
    """The fields (``fields``: name, annotation) and properties of ``cls`` typed ``X | None``
    (worked out once per class, not for each of its objects in a result)."""
    found = {(cls, name, False) for name, written in fields if _optional(written)}
    for name in dir(cls):
        attr = inspect.getattr_static(cls, name, None)
        if isinstance(attr, property) and _optional(getattr(attr.fget, "__annotations__", {}).get("return")):
            found.add((cls, name, True))
    return frozenset(found)


def _nulled(value: Any, hole: _Hole, below: dict[int, frozenset[type]], memo: dict[int, Any]) -> Any:
    """A copy of ``value`` with ``hole`` None in every object of its class (the rest shared)."""
    cls, name, is_property = hole
    if cls not in below.get(id(value), ()):
        return value
    if id(value) in memo:
        return memo[id(value)]
    new = value
    if (fields := _fields(value)) is not None:
        mine = type(value) is cls
        changes = {}
        for field, _ in fields:
            old = getattr(value, field)
            now = None if mine and field == name and not is_property else _nulled(old, hole, below, memo)
            if now is not old:
                changes[field] = now
        if changes or (mine and is_property):
            new = copy.copy(value)
            for key, now in changes.items():
                _set(new, key, now)
            if mine and is_property:
                if dataclasses.is_dataclass(value):
                    object.__setattr__(new, "__class__", _none_property(cls, name))
                else:  # a Struct's class cannot be swapped: the same fields in the subclass
                    new = _none_property(cls, name)(*(getattr(new, field) for field, _ in fields))
    elif isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        items = [_nulled(v, hole, below, memo) for v in value]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            new = type(value)(items)
    elif isinstance(value, (dict, types.MappingProxyType)):
        entries = {k: _nulled(v, hole, below, memo) for k, v in value.items()}
        if any(entries[k] is not value[k] for k in value):
            new = types.MappingProxyType(entries) if isinstance(value, types.MappingProxyType) else type(value)(entries)
    memo[id(value)] = new
    return new


@functools.cache
def _none_property(cls: type, name: str) -> type:
    """``cls`` with property ``name`` returning None (same layout, so an object can take it as its class)."""

    def none(_: object) -> None:
        return None

    if hasattr(cls, "__struct_fields__"):  # a msgspec Struct (which takes no __slots__)
        return type(cls)(cls.__name__, (cls,), {"__module__": cls.__module__, name: property(none)})
    return type(cls.__name__, (cls,), {"__slots__": (), "__module__": cls.__module__, name: property(none)})


def block(command: str, kinds: dict[str, set[str]] | None = None) -> str:
    kinds = contract(command) if kinds is None else kinds
    lines = [f"{path}  {' | '.join(sorted(seen))}" for path, seen in sorted(kinds.items())]
    return "```text\n" + "\n".join(lines) + "\n```\n"


def marker(command: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- json-keys:{command} -->\n)(.*?)(<!-- /json-keys -->)", flags=re.S)


def readme_block(text: str, command: str) -> str | None:
    m = marker(command).search(text)
    return None if m is None else m.group(2)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    for command in RUNS:
        text = marker(command).sub(lambda m, c=command: m.group(1) + block(c) + m.group(3), text)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
