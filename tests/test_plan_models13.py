"""plan's figures per model (review 13, item 3): JSON requests_over_max_output per model, as limits
gives it (the top level the models' common list, null where they differ), and the Python API's
``Plan.summary`` no share-weighted blend of the models' input figures (no model's figure, which the
report never shows): the first model's, each model's own in ``Plan.summaries``."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import gpt41cost

from .conftest import DATA
from .test_cap12 import _image_workload

AS_OF = "2026-12-06"


def test_plan_summary_is_no_blend_of_the_models(tmp_path: Path) -> None:
    """A photo and a text prompt on gpt-4.1 / gpt-4.1-mini 50/50: 390 and 837 input tokens a
    request, 780 and 1,674 in all (Plan.summary said 613.5 and 1,227, neither model's)."""
    p = gpt41cost.plan(_image_workload(tmp_path), as_of=AS_OF)
    assert [(s.mean_input_tokens, s.input_tokens_total) for s in p.summaries] == [(D(390), 780), (D(837), 1674)]
    assert (p.summary.mean_input_tokens, p.summary.input_tokens_total) == (D(390), 780)
    shown = [(m["inputs"]["mean_input_tokens"], m["inputs"]["input_tokens_total"]) for m in p.to_dict()["models"]]
    assert shown == [(390, 780), (837, 1674)]


def test_requests_over_max_output_per_model(tmp_path: Path) -> None:
    """A catalog where gpt-4.1's maximum output is 20,000 (mini's 32,768) and a request capped at
    25,000: over gpt-4.1's maximum only. Was listed at the top level alone, for the whole plan."""
    text = (DATA / "pricing-fixture.yaml").read_text(encoding="utf-8")
    first = text.index("max_output_tokens: 32768")  # gpt-4.1's, the catalog's first model
    (tmp_path / "pricing.yaml").write_text(text[:first] + "max_output_tokens: 20000" + text[first + 24 :])
    (tmp_path / "r.json").write_text(json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}],
                                                 "max_tokens": 25_000}))  # fmt: skip
    w = {"models": {"gpt-4.1": 0.5, "gpt-4.1-mini": 0.5}, "prompts": [f"{tmp_path}/r.json"], "output_tokens": 100,
         "traffic": {"requests_per_day": 100}, "tier": 5}  # fmt: skip
    doc = gpt41cost.plan(w, catalog=tmp_path / "pricing.yaml", as_of=AS_OF).to_dict()
    over = [{"request": f"{tmp_path}/r.json", "output_cap_tokens": 25_000}]
    assert [(m["model"], m["inputs"]["requests_over_max_output"]) for m in doc["models"]] == [
        ("gpt-4.1", over),
        ("gpt-4.1-mini", []),
    ]
    assert doc["inputs"]["requests_over_max_output"] is None
