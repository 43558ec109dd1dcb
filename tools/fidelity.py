"""gpt41cost against the cookbook's rule on every API-measured public case (tests/data/fidelity).

Usage: python -m tools.fidelity   (prints the table the README shows; tests/test_fidelity.py
asserts gpt41cost's count on each case, and the README example runs this script)

The cookbook's rule (docs/accounting.md §4, §5): 3 tokens per message plus the tokens of every
string value in it (ids, names and arguments of tool calls included), 1 per name, 3 for the
reply priming, and tool definitions by its constants 7/3/3/-3/3/12; images by the same
documented image rule as gpt41cost (the cookbook gives none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpt41cost.images import image_part_tokens
from gpt41cost.requests import count_request
from gpt41cost.tokens import count_tokens

CASES = Path(__file__).parent.parent / "tests" / "data" / "fidelity"
#: gpt-4o's image rule (85 + 170 per tile) is gpt-4.1's; its text counts are every o200k model's.
MODEL = "gpt-4.1"
KINDS = ("message", "image", "tool", "tool-history")


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    model: str
    measured: int
    source: str
    request: Mapping[str, Any]


def cases() -> list[Case]:
    out = []
    for path in sorted(CASES.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        out.append(Case(raw["id"], raw["kind"], raw["model"], raw["measured"], raw["source"], raw["request"]))
    return out


def _image(part: Mapping[str, Any]) -> int:
    tokens, why = image_part_tokens(part, MODEL)
    if tokens is None:
        raise ValueError(why)
    return tokens


def gpt41cost_count(request: Mapping[str, Any]) -> int:
    rc = count_request(request, models=(MODEL,), count=count_tokens, images=lambda p: {MODEL: _image(p)})
    if rc.uncounted:
        raise ValueError(f"uncounted parts: {rc.uncounted}")
    return rc.input_tokens[MODEL]


def cookbook_count(request: Mapping[str, Any]) -> int:
    total = 3  # reply priming
    for msg in request["messages"]:
        total += 3
        for key, value in msg.items():
            if key == "content" and isinstance(value, list):
                for part in value:
                    total += count_tokens(part["text"]) if part["type"] == "text" else _image(part)
            else:
                total += _strings(value)
            if key == "name":
                total += 1
    functions = [t["function"] for t in request.get("tools", [])]
    for fn in functions:
        total += 7 + count_tokens(f"{fn['name']}:{fn.get('description', '').removesuffix('.')}")
        props = fn.get("parameters", {}).get("properties", {})
        if props:
            total += 3
            for key, prop in props.items():
                total += 3
                for item in prop.get("enum", []):
                    total += 3 + count_tokens(item)
                if "enum" in prop:
                    total -= 3
                desc = prop.get("description", "").removesuffix(".")
                total += count_tokens(f"{key}:{prop.get('type', '')}:{desc}")
    if functions:
        total += 12
    return total


def _strings(value: Any) -> int:
    if isinstance(value, str):
        return count_tokens(value)
    if isinstance(value, Mapping):
        return sum(_strings(v) for k, v in value.items() if k != "type")
    if isinstance(value, list):
        return sum(_strings(v) for v in value)
    return 0


def _summary(errors: list[int]) -> str:
    exact = sum(e == 0 for e in errors)
    mean = sum(abs(e) for e in errors) / len(errors)
    worst = max(errors, key=abs)
    return f"{exact}/{len(errors)} | {mean:.1f} | {worst:+d}"


def table() -> str:
    found = cases()
    rows = [
        "| cases | n | gpt41cost exact | mean error | worst | cookbook rule exact | mean error | worst |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ours: dict[str, list[int]] = {}
    theirs: dict[str, list[int]] = {}
    for case in found:
        ours.setdefault(case.kind, []).append(gpt41cost_count(case.request) - case.measured)
        theirs.setdefault(case.kind, []).append(cookbook_count(case.request) - case.measured)
    for kind in [*KINDS, "all"]:
        a = [e for k, v in ours.items() for e in v] if kind == "all" else ours.get(kind, [])
        b = [e for k, v in theirs.items() for e in v] if kind == "all" else theirs.get(kind, [])
        if a:
            rows.append(f"| {kind} | {len(a)} | {_summary(a)} | {_summary(b)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
