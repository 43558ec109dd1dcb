"""plan's prompt cache: one build of the requests' cache serves every model of a mix (and the
alternative of --substitute); the warm run is worked out only where a model has no steady
state; requests without cache blocks cache nothing either way. In-process, small text files."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
import gpt41cost.workload as workload_module

AS_OF = "2026-12-06"
SYSTEM = "You are the support agent of Acme: answer politely, precisely and briefly. " * 90  # over 1,024 tokens
MIX = {"gpt-4.1": "0.5", "gpt-4.1-mini": "0.3", "gpt-4.1-nano": "0.2"}  # nano shut down 2026-10-23


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    """Four text prompts sharing one long system prompt, then a short question each."""
    d = tmp_path / "p"
    d.mkdir()
    for k in range(4):
        (d / f"q{k}.txt").write_text(f"{SYSTEM}\nQuestion {k}: where is invoice {k}?", encoding="utf-8")
    return d


@pytest.fixture
def short(tmp_path: Path) -> Path:
    """Three short Chat requests: under the cache minimum, so read without cache blocks."""
    d = tmp_path / "s"
    d.mkdir()
    for k in range(3):
        body = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": f"Classify ticket {k}: fire."}]}
        (d / f"s{k}.json").write_text(json.dumps(body), encoding="utf-8")
    return d


def _plan(d: Path, traffic: dict[str, int], models: dict[str, str] = MIX, **kw: Any) -> gpt41cost.api.Plan:
    w = {"models": models, "prompts": [f"{d}/*"], "output_tokens": 100, "tier": 3, "cache": "auto"}
    return gpt41cost.plan({**w, "traffic": traffic}, as_of=AS_OF, **kw)


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(workload_module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workload_module, name, counted)
    return calls


@pytest.mark.parametrize("traffic", [{"requests_per_day": 20000}, {"peak_rpm": 40}], ids=["steady", "warm"])
def test_one_cache_serves_every_model_of_the_mix(monkeypatch, prompts, traffic) -> None:
    before = _plan(prompts, traffic)
    builds = _counting(monkeypatch, "measured_cache")
    warms = _counting(monkeypatch, "warm_cached")
    after = _plan(prompts, traffic)
    assert len(builds) == 1  # was once per model for the steady state (3), and once more for the warm run
    # the warm run only where there is no steady state (no requests a day): was always worked out
    assert len(warms) == (0 if "requests_per_day" in traffic else 1)
    assert after.assessment == before.assessment and after.summary == before.summary
    assert after.summary.mean_cached_tokens > 1024


@pytest.mark.parametrize("traffic", [{"requests_per_day": 20000}, {"peak_rpm": 40}], ids=["steady", "warm"])
def test_no_cache_blocks_cache_nothing(short, traffic) -> None:
    p = _plan(short, traffic)
    assert p.summary.mean_cached_tokens == D(0) and p.summary.cache_basis == "none"
    assert all(c.cached_tokens == (0, 0, 0) for c in [*p.assessment.demand.profiles])


def test_substitute_with_nothing_replaced_prices_the_workload_once(monkeypatch, prompts) -> None:
    models = {"gpt-4.1": "0.5", "gpt-4.1-mini": "0.5"}  # no substitute in the catalog: both kept
    profiled = _counting(monkeypatch, "workload_profiles")
    p = _plan(prompts, {"requests_per_day": 20000}, models, substitute=True)
    assert len(profiled) == 1  # was twice: the alternative rebuilt the same profiles
    assert p.alternative is not None and p.alternative.workload == p.workload
    assert p.alternative.assessment == p.assessment and p.alternative.verdict == p.verdict
    assert p.alternative.swaps == (
        "gpt-4.1 kept: OpenAI recommends gpt-6-luna (not in this catalog)",
        "gpt-4.1-mini kept: OpenAI recommends gpt-6-luna (not in this catalog)",
    )


@pytest.mark.parametrize("traffic", [{"requests_per_day": 20000}, {"peak_rpm": 40}], ids=["steady", "warm"])
def test_the_alternative_shares_the_cache_and_prices_as_if_written(monkeypatch, prompts, traffic) -> None:
    written = _plan(prompts, traffic, {"gpt-4.1": "0.5", "gpt-4.1-mini": "0.5"})  # nano's 0.2 on mini
    builds = _counting(monkeypatch, "measured_cache")
    p = _plan(prompts, traffic, substitute=True)
    assert len(builds) == 1  # was one more for the alternative
    assert p.alternative is not None and "gpt-4.1-nano -> gpt-4.1-mini (20% of the traffic)" in p.alternative.swaps
    assert p.alternative.assessment == written.assessment
