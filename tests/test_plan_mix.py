"""plan with a model mix: each model's figures come from its own share of the traffic and its
own token counts, whatever the order of the mix (review2 items 1 and 2)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.api import Plan

DATA = Path(__file__).parent / "data" / "plan_mix"
AS_OF = "2026-10-13"
SYSTEM = "Vous êtes l'agent d'assistance d'Acme — règles: sois poli, précis, concis. " * 57


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """20 Chat requests with one 1,312-token system prompt, different short user messages."""
    d = tmp_path / "ss"
    d.mkdir()
    for k in range(20):
        body = {
            "model": "gpt-4.1-mini",
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Où est ma facture n°{k} ?"},
            ],
            "max_tokens": 100,
        }
        (d / f"r{k:02}.json").write_text(json.dumps(body), encoding="utf-8")
    return d


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Five inputs of several kinds, one a Chat request with a 512x512 image (detail low, n 3)."""
    d = tmp_path / "mix"
    shutil.copytree(DATA, d)
    return d


def _plan(prompts: Path, models: dict[str, str], **extra: Any) -> Plan:
    w = {"models": models, "prompts": [f"{prompts}/*"], "output_tokens": 500, "tier": 1, **extra}
    w.setdefault("traffic", {"requests_per_day": 1000})
    return gpt41cost.plan(w, as_of=AS_OF)


def _figures(p: Plan) -> dict[str, tuple[D | None, tuple[tuple[str, D], ...]]]:
    """Per model: the monthly total, and its tier-1 uses."""
    t1 = p.assessment.tier(1)
    return {c.model: (c.total_usd, tuple((u.key, u.used) for u in t1.model(c.model).uses)) for c in p.assessment.costs}


def _estimate_monthly(prompts: Path, model: str, rpd: int, *, cache: str | None = None) -> D | None:
    e = gpt41cost.estimate(
        [str(prompts)], models=model, requests_per_day=rpd, output_tokens=500, cache=cache, as_of=AS_OF
    )
    (m,) = [m for m in e.result.models if m.model == model]
    return m.monthly_usd


def test_steady_cache_per_model_share_whatever_the_order(shared: Path) -> None:
    a = _plan(shared, {"gpt-4.1": "0.9", "gpt-4.1-mini": "0.1"}, cache="auto")
    b = _plan(shared, {"gpt-4.1-mini": "0.1", "gpt-4.1": "0.9"}, cache="auto")
    assert _figures(a) == _figures(b)
    assert a.assessment.monthly_spend_usd == b.assessment.monthly_spend_usd == D("45.706575")
    cached = {m.label: s.mean_cached_tokens for (m, _), s in zip(a.workload.models, a.summaries, strict=True)}
    assert cached == {m.label: s.mean_cached_tokens for (m, _), s in zip(b.workload.models, b.summaries, strict=True)}
    assert cached == {"gpt-4.1": D("1223.75"), "gpt-4.1-mini": D("375.5")}
    costs = {c.model: c.total_usd for c in a.assessment.costs}
    # by hand: gpt-4.1 at 900/day holds the prefix 1-e^(-3.125) of the time (1,223.8 cached tokens),
    # mini at 100/day 1-e^(-0.3472) (375.5); 27,000 and 3,000 requests a month
    assert costs["gpt-4.1"] == D("43.966125")
    assert costs["gpt-4.1-mini"] == D("1.74045")
    assert (
        costs["gpt-4.1-mini"] == D(3000) * (D("956.5") * D("0.40") + D("375.5") * D("0.10") + 100 * D("1.60")) / 10**6
    )
    assert costs["gpt-4.1"] == _estimate_monthly(shared, "gpt-4.1", 900, cache="auto")
    assert costs["gpt-4.1-mini"] == _estimate_monthly(shared, "gpt-4.1-mini", 100, cache="auto")
    assert "gpt-4.1 at 900, gpt-4.1-mini at 100 requests/day" in a.summary.cache_basis


def test_image_tokens_per_model_whatever_the_order(mixed: Path) -> None:
    a = _plan(mixed, {"gpt-4.1": "0.5", "gpt-4.1-mini": "0.5"})
    b = _plan(mixed, {"gpt-4.1-mini": "0.5", "gpt-4.1": "0.5"})
    assert _figures(a) == _figures(b)
    assert a.assessment.monthly_spend_usd == b.assessment.monthly_spend_usd == D("59.0184")
    costs = {c.model: c.total_usd for c in a.assessment.costs}
    assert costs == {"gpt-4.1": D("49.017"), "gpt-4.1-mini": D("10.0014")}
    assert costs["gpt-4.1"] == _estimate_monthly(mixed, "gpt-4.1", 500)
    assert costs["gpt-4.1-mini"] == _estimate_monthly(mixed, "gpt-4.1-mini", 500)
    # the image is 94 input tokens on gpt-4.1 and 424 on mini: the models' TPM differ
    tpm = {m: dict(uses)["tpm"] for m, (_, uses) in _figures(a).items()}
    assert tpm["gpt-4.1"] < tpm["gpt-4.1-mini"]
    on_41, on_mini = (a.assessment.demand.profile_of(k).input_tokens for k in range(2))
    assert [(x, y) for x, y in zip(on_41, on_mini, strict=True) if x != y] == [(94, 424)]
