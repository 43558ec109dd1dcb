"""A Responses API body with ``n``: the Responses API has no ``n`` (OpenAI's migration guide), so it is
priced as 1 choice and listed with the parts not counted, naming the file and the field, in every
command and in ``count_request`` (docs/accounting.md §2, rule "no n in Responses"; review2 item 8).
gpt-4.1: $2 input, $8 output per 1M tokens."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import gpt41cost

AS_OF = "2026-12-06"
BODY = {"model": "gpt-4.1", "input": "Write a tagline", "n": 3, "max_output_tokens": 100}  # 10 input tokens


def test_estimate_lists_n_and_prices_one_choice(tmp_path: Path) -> None:
    """10 x $2/M + 1 x 100 x $8/M = $0.00082 (one response, not 3 choices), and the run says so."""
    path = tmp_path / "resp.json"
    path.write_text(json.dumps(BODY))
    warnings: list[str] = []
    e = gpt41cost.estimate(str(path), models="gpt-4.1", as_of=AS_OF, on_warning=warnings.append)
    (m,) = e.result.models
    assert m.per_request_usd == D("0.00002") + D("0.0008") == D("0.00082")
    doc = e.to_dict()
    [entry] = doc["uncounted"]
    assert entry["where"] == str(path) and entry["what"].startswith("n=3: the Responses API has no n")
    assert any(w.startswith(f"NOT COUNTED {path}: n=3") for w in e.report().warnings)


def test_limits_and_plan_list_it_too(tmp_path: Path) -> None:
    path = tmp_path / "resp.jsonl"
    path.write_text(json.dumps({**BODY, "n": 2}) + "\n")
    r = gpt41cost.limits(str(path), models="gpt-4.1", peak_rpm=1, as_of=AS_OF)
    assert [u["where"] for u in r.to_dict()["uncounted"]] == [str(path)]
    tpm = r.assessments[0].tier(1).models[0].use("tpm")
    assert tpm is not None and tpm.used == 10 + 100  # one response reserves its cap once
    w = {
        "model": "gpt-4.1",
        "prompts": [str(path)],
        "output_tokens": 500,
        "traffic": {"requests_per_day": 10},
        "tier": 1,
    }
    p = gpt41cost.plan(w, as_of=AS_OF)
    assert [u["what"][:4] for u in p.to_dict()["uncounted"]] == ["n=2:"]


def test_count_request_and_a_body_without_n(tmp_path: Path) -> None:
    rt = gpt41cost.count_request(BODY)
    assert (rt.input_tokens, rt.choices) == (10, 1)
    assert any(u.startswith("n=3: the Responses API has no n") for u in rt.uncounted)
    plain = gpt41cost.count_request({k: v for k, v in BODY.items() if k != "n"})
    assert plain.uncounted == ()
