"""One grouping of the note on requests over a model's maximum output, for every command (review
13, item 7: views.limits.over_max_notes; estimate's warning is built in its view). With maxima that
differ (a catalog where gpt-4.1's is 20,000, mini's and nano's 32,768) and a request capped at 40,000,
estimate, limits and plan give the same two notes, gpt-4.1's and mini-and-nano's; limits gave three
(one a model) and plan one (gpt-4.1's alone, as if mini's maximum were not passed too)."""

from __future__ import annotations

import json
from pathlib import Path

import gpt41cost

from .conftest import DATA

AS_OF = "2026-12-06"
MODELS = ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"]


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    text = (DATA / "pricing-fixture.yaml").read_text(encoding="utf-8")
    first = text.index("max_output_tokens: 32768")  # gpt-4.1's, the catalog's first model
    (tmp_path / "pricing.yaml").write_text(text[:first] + "max_output_tokens: 20000" + text[first + 24 :])
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 40_000}
    (tmp_path / "big.json").write_text(json.dumps(body))
    return tmp_path / "pricing.yaml", tmp_path / "big.json"


def _over(notes: list[str]) -> list[str]:
    return [n for n in notes if "asks for more than the maximum output of" in n]


def test_every_command_groups_the_models_alike(tmp_path: Path) -> None:
    pricing, big = _setup(tmp_path)
    est = _over(gpt41cost.estimate(str(big), models=MODELS, catalog=pricing, as_of=AS_OF).report().warnings)
    lim = _over(gpt41cost.limits(str(big), models=MODELS, output_tokens=300, requests_per_day=100, catalog=pricing,
                                 as_of=AS_OF).report().warnings)  # fmt: skip
    w = {"models": {"gpt-4.1": 0.4, "gpt-4.1-mini": 0.3, "gpt-4.1-nano": 0.3}, "prompts": [str(big)],
         "output_tokens": 500, "traffic": {"requests_per_day": 100}, "tier": 5}  # fmt: skip
    plan = _over(gpt41cost.plan(w, catalog=pricing, as_of=AS_OF).report().warnings)
    assert [("gpt-4.1 (20,000 tokens)" in n, "gpt-4.1-mini and gpt-4.1-nano (32,768 tokens)" in n) for n in est] == [
        (True, False),
        (False, True),
    ]
    assert lim == est
    assert plan == est
