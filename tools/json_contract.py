"""The JSON contract: every key of every command's ``--format json``, with its type.

Usage: python -m tools.json_contract   (from the repository root, with gpt41cost installed)
writes the key lists into README.md's "JSON contract" section (between the
``<!-- json-keys:COMMAND -->`` markers); tests/test_json_contract.py walks every key of the same
runs and fails when the README's list, or a value's type, is not what the contract says.

The typing rules (checked for every value):
- keys are snake_case, except the keys of maps whose keys are data (``MAPS``: error codes, models);
- money (any key path naming ``usd``) is an exact decimal string, or null;
- counts (keys ending in ``tokens``, ``requests``, ``records``, ...) are integers, means excepted;
- shares, rates, ratios and percentages are numbers;
- no other value is a number written as a string.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_COUNT = re.compile(r"(^|_)(tokens|requests|records|files|count|waves|epochs|tier|days|requests_total|tokens_total)$")
_SHARE = re.compile(r"(_pct|share|_rate|ratio|tolerance)$")


def run_json(command: str, args: list[str]) -> Any:
    """The command's ``--format json`` document (each run made once per process)."""
    return json.loads(_run(command, tuple(args)))


@functools.cache
def _run(command: str, args: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    from gpt41cost.cli import app

    with contextlib.chdir(ROOT):  # the runs name files relative to the repository root
        out = CliRunner().invoke(
            app, [command, *args, "--format", "json"], env={"GPT41COST_AS_OF": DATE, "GPT41COST_PRICING": None}
        )
    if out.exit_code not in (0, 1):
        raise RuntimeError(f"{command} {' '.join(args)}: exit {out.exit_code}: {out.stderr.strip()}")
    return out.stdout


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
    """Every key path of the command's runs with the kinds of value seen there."""
    kinds: dict[str, set[str]] = {}
    for args in RUNS[command]:
        for path, _, kind, _ in walk(run_json(command, args)):
            kinds.setdefault(path, set()).add(kind)
    return kinds


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
