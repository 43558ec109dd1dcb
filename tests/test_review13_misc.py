"""Review 13's findings on model names, counts, budgets, API errors, usage skips, reconcile
money and lifecycle substitutes: each test failed before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import DATA, model

REVIEW = DATA / "review13"


# ------------------------------------------------------------- 1. --model with fine-tuning data


@pytest.mark.parametrize("name", ["gpt-4.1-mini", "ft:gpt-4.1-mini"])
def test_base_model_flag_on_finetune_data_is_the_fine_tuned_model(cli, name):
    """Fine-tuning data with ``-m gpt-4.1-mini`` is priced as the ft:gpt-4.1-mini it trains (as
    with no --model at all), not at the base model's inference rates."""
    d = cli.json("estimate", REVIEW / "ft.jsonl", "--epochs", "2", "-m", name)
    [m] = d["models"]
    assert m["model"] == "ft:gpt-4.1-mini" and m["fine_tuned"] is True
    every = cli.json("estimate", REVIEW / "ft.jsonl", "--epochs", "2")
    assert m["per_request_usd"] == model(every, "ft:gpt-4.1-mini")["per_request_usd"] == "0.0016192"
    table = cli("estimate", REVIEW / "ft.jsonl", "--epochs", "2", "-m", name, expect=0).stdout
    assert "Batch API (50% off, results within 24 h): ft:gpt-4.1-mini $0.000810 a request" in table
    assert Decimal(m["training_usd"]) == Decimal(96) * Decimal("5.00") / 10**6
