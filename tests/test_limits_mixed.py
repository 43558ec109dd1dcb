"""limits in a mixed run: a Batch file beside an online request (per-request and monthly figures
cover the same requests, review2 item 11), and several models whose requests differ (images: each
model's input and cached figures its own, as estimate's are). gpt-4.1: $2 input, $0.50 cached,
$8 output per 1M tokens, Batch half; gpt-4.1-mini $0.40, $0.10, $1.60."""

from __future__ import annotations

import base64
import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost import cache

AS_OF = "2026-12-06"
DATA = Path(__file__).parent / "data"
TAGLINE = {"role": "user", "content": "Write a tagline"}  # 10 tokens as a request
HELLO = {"role": "user", "content": "Hello"}  # 3 + 1 + 1 + 3 = 8 tokens
SYSTEM = "Vous êtes l'agent d'assistance d'Acme — règles: sois poli, précis, concis. " * 57


@pytest.fixture
def mixed(tmp_path: Path) -> list[str]:
    """One online Chat request (10 tokens) and a Batch file of one request (8 tokens)."""
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"model": "gpt-4.1", "messages": [TAGLINE]}))
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({**line, "body": {"model": "gpt-4.1", "messages": [HELLO]}}) + "\n")
    return [str(chat), str(batch)]


def test_per_request_and_monthly_cover_the_same_requests(mixed: list[str]) -> None:
    """Output 200. Online: 10 x $2/M + 200 x $8/M = $0.00162; the Batch file's: 8 x $1/M + 200 x
    $4/M = $0.000808. 1,000 a day for 30 days, half of each: 15,000 x $0.00162 = $24.30 standard,
    15,000 x $0.000808 = $12.12 Batch. Before, per_request_usd.standard was both requests at
    standard ($0.001618) and .batch both at Batch ($0.000809), beside monthly figures of one each."""
    assert [gpt41cost.count_request(b).input_tokens for b in ({"messages": [TAGLINE]}, {"messages": [HELLO]})] == [
        10,
        8,
    ]
    r = gpt41cost.limits(mixed, models="gpt-4.1", requests_per_day=1000, output_tokens=200, as_of=AS_OF)
    (c,) = r.assessments[0].costs
    assert (c.per_request_standard_usd, c.per_request_batch_usd) == (D("0.00162"), D("0.000808"))
    assert (c.standard_usd, c.batch_usd) == (15_000 * D("0.00162"), 15_000 * D("0.000808")) == (D("24.3"), D("12.12"))
    m = r.to_dict()["models"][0]
    assert m["per_request_usd"] == {"standard": "0.00162", "batch": "0.000808"}
    assert m["covers"]["standard"] == "sent online: the 1 of 2 requests measured that are not a Batch file's"
    assert m["covers"]["batch"] == "sent through the Batch API: the 1 Batch file requests"
    assert any(name == "spend" and "mean over the requests its monthly figure covers" in text
               for name, text in r.report().assumptions)  # fmt: skip


def test_a_batch_share_weighs_the_batch_price(mixed: list[str]) -> None:
    """--batch-share 0.5 moves half the online requests to Batch: 7,500 of them at $0.00081 (10 x
    $1/M + 200 x $4/M) beside the file's 15,000 at $0.000808: (7,500 x 0.00081 + 15,000 x 0.000808)
    / 22,500 = $0.00080866..., and 7,500 x $0.00162 = $12.15 standard."""
    r = gpt41cost.limits(
        mixed, models="gpt-4.1", requests_per_day=1000, output_tokens=200, batch_share="0.5", as_of=AS_OF
    )
    (c,) = r.assessments[0].costs
    assert c.standard_usd == D("12.15") and c.per_request_standard_usd == D("0.00162")
    assert c.batch_usd == 7_500 * D("0.00081") + 15_000 * D("0.000808") == D("18.195")
    assert c.per_request_batch_usd * 22_500 == pytest.approx(D("18.195"), abs=D("1e-20"))


def test_no_batch_file_keeps_every_figure(tmp_path: Path) -> None:
    """Without a Batch file both per-request prices are every request's: 10 x $2/M + 200 x $8/M."""
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"model": "gpt-4.1", "messages": [TAGLINE]}))
    r = gpt41cost.limits(str(path), models="gpt-4.1", requests_per_day=10, output_tokens=200, as_of=AS_OF)
    (c,) = r.assessments[0].costs
    assert (c.per_request_standard_usd, c.per_request_batch_usd) == (D("0.00162"), D("0.00081"))
    assert r.to_dict()["models"][0]["covers"]["batch"].startswith("none is sent through the Batch API")


@pytest.fixture
def images(tmp_path: Path) -> str:
    """20 requests: one 1,312-token system prompt, a small PNG (its tokens differ by model), a short question."""
    png = base64.b64encode((DATA / "images" / "png-37x21.png").read_bytes()).decode()
    d = tmp_path / "img"
    d.mkdir()
    for k in range(20):
        image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}
        user = {"role": "user", "content": [image, {"type": "text", "text": f"Où est ma facture n°{k} ?"}]}
        body = {"model": "gpt-4.1", "messages": [{"role": "system", "content": SYSTEM}, user], "max_tokens": 100}
        (d / f"r{k:02}.json").write_text(json.dumps(body), encoding="utf-8")
    return str(d)


def _by_model(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["model"]: m for m in doc["models"]}


def test_each_model_has_its_own_input_and_cache(images: str) -> None:
    """gpt-4.1 and gpt-4.1-mini count the image differently, so their mean input and steady-state cached
    tokens differ; each is the model's own, as estimate finds it at the same traffic (was the first
    model's for every model). Hand check, gpt-4.1-mini at 100 a day: (1,336 - 375.5) x $0.40/M +
    375.5 x $0.10/M + 100 x $1.60/M = $581.75/M a request; 3,000 a month: $1.74525."""
    models = ["gpt-4.1", "gpt-4.1-mini"]
    r = gpt41cost.limits(images, models=models, requests_per_day=100, as_of=AS_OF)
    e = gpt41cost.estimate(images, models=models, requests_per_day=100, as_of=AS_OF)
    doc = r.to_dict()
    got = _by_model(doc)
    for m in e.result.models:
        own = got[m.model]["inputs"]
        assert D(str(own["mean_cached_tokens"])) == m.monthly_cached_tokens
        assert own["input_tokens_total"] == m.usage.input_tokens
    mini = got["gpt-4.1-mini"]["inputs"]
    assert (mini["mean_input_tokens"], mini["mean_cached_tokens"]) == (1336, D("375.5"))
    assert got["gpt-4.1"]["inputs"]["mean_cached_tokens"] != mini["mean_cached_tokens"]
    assert got["gpt-4.1-mini"]["monthly_cost_usd"]["total"] == "1.74525"
    assert 3000 * (D("960.5") * D("0.40") + D("375.5") * D("0.10") + 100 * D("1.60")) / 10**6 == D("1.74525")
    # the top level holds what the models share, null where they differ
    assert (doc["inputs"]["mean_cached_tokens"], doc["inputs"]["mean_input_tokens"]) == (None, None)
    assert doc["inputs"]["expected_output_tokens"] == 100
    said = dict(r.report().assumptions)
    assert "gpt-4.1: mean 450.6 tokens" in said["cached input/request"]
    assert "gpt-4.1-mini: mean 375.5 tokens" in said["cached input/request"]


def test_one_prompt_cache_serves_every_model(images: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The requests' prompt cache is built once however many models (it was built once per model)."""
    calls: list[int] = []
    real = cache.run_cache

    def counted(catalog: Any) -> cache.RunCache:
        calls.append(1)
        return real(catalog)

    monkeypatch.setattr(cache, "run_cache", counted)
    gpt41cost.limits(images, requests_per_day=100, as_of=AS_OF)
    assert len(calls) == 1
