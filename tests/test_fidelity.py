"""The fidelity table: every API-measured count found in public sources, counted exactly.

Each case in tests/data/fidelity is a request as it was sent, the prompt_tokens the API
reported for it (gpt-4o or gpt-4o-mini: the o200k_base encoding and chat format of gpt-4.1)
and where that figure was published. The README's table (tools/fidelity.py) compares these
counts with the cookbook's rule.
"""

from __future__ import annotations

import pytest

from tools.fidelity import Case, cases, cookbook_count, gpt41cost_count, table

CASES = cases()


def test_every_kind_is_covered() -> None:
    kinds = {c.kind for c in CASES}
    assert {"message", "image", "tool", "tool-history"} <= kinds
    assert len(CASES) >= 28
    assert all(c.source.startswith("https://") and c.model.startswith("gpt-4o") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_measured_count_is_exact(case: Case) -> None:
    assert gpt41cost_count(case.request) == case.measured, case.source


def test_seven_call_agent_conversation_is_exact() -> None:
    last = next(c for c in CASES if c.id == "wolby-agent-call-7")
    assert sum(len(m.get("tool_calls") or []) for m in last.request["messages"]) == 3
    assert gpt41cost_count(last.request) == last.measured == 737


def test_cookbook_rule_is_the_baseline_it_was() -> None:
    # the cookbook's own two examples are exact under its rule; agent conversations are not
    by_id = {c.id: c for c in CASES}
    assert cookbook_count(by_id["cookbook-messages-gpt-4o"].request) == 124
    assert cookbook_count(by_id["cookbook-tools-gpt-4o"].request) == 101
    assert cookbook_count(by_id["wolby-agent-call-7"].request) > 737 + 27


def test_table_has_every_kind_and_a_total() -> None:
    lines = table().splitlines()
    assert [line.split(" | ")[0].strip("| ") for line in lines[2:]] == [
        "message",
        "image",
        "tool",
        "tool-history",
        "all",
    ]
