"""`gpt41cost pricing`: the catalog as tables."""

from __future__ import annotations

from typing import Any

from ..catalog import Catalog, Rates, describe_path
from ..report import Report, Table, Usd, money_str

_RATE_COLUMNS = ("model", "line", "input", "cached input", "output")


def _rate_rows(name: str, line: str, r: Rates) -> list[Any]:
    return [name, line, r.input, r.cached_input, r.output]


def _rates_json(r: Rates) -> dict[str, Any]:
    return {
        "input": money_str(r.input),
        "cached_input": money_str(r.cached_input),
        "output": money_str(r.output),
    }


def pricing_report(catalog: Catalog) -> Report:
    price_rows: list[list[Any]] = []
    limit_rows: list[list[Any]] = []
    models_json: list[dict[str, Any]] = []
    for spec in catalog.models.values():
        p = spec.prices
        lines = [
            ("standard", p.standard),
            ("batch", p.batch),
            ("priority", p.priority),
            ("fine-tuned", p.fine_tuned_standard),
            ("fine-tuned batch", p.fine_tuned_batch),
        ]
        price_rows += [_rate_rows(spec.name, line, r) for line, r in lines]
        price_rows.append([spec.name, "fine-tuning training", p.training, None, None])
        tiers_json = []
        for t, lim in spec.limits.items():
            s, lc = lim.standard, lim.long_context
            limit_rows.append(
                [
                    spec.name,
                    t,
                    s.rpm,
                    s.rpd,
                    s.tpm,
                    s.batch_queue,
                    lc.rpm,
                    lc.tpm,
                    lc.batch_queue,
                    "assumed (= gpt-4.1-mini)" if lc.inferred else "published",
                ]
            )
            tiers_json.append(
                {
                    "tier": t,
                    "rpm": s.rpm,
                    "rpd": s.rpd,
                    "tpm": s.tpm,
                    "batch_queue_tokens": s.batch_queue,
                    "long_context": {
                        "rpm": lc.rpm,
                        "tpm": lc.tpm,
                        "batch_queue_tokens": lc.batch_queue,
                        "inferred": lc.inferred,
                    },
                }
            )
        models_json.append(
            {
                "model": spec.name,
                "aliases": list(spec.aliases),
                "snapshots": list(spec.snapshots),
                "encoding": spec.encoding,
                "context_window": spec.context_window,
                "max_output_tokens": spec.max_output_tokens,
                "knowledge_cutoff": spec.knowledge_cutoff,
                "prices_usd_per_1m_tokens": {
                    "standard": _rates_json(p.standard),
                    "batch": _rates_json(p.batch),
                    "priority": _rates_json(p.priority),
                    "fine_tuned_standard": _rates_json(p.fine_tuned_standard),
                    "fine_tuned_batch": _rates_json(p.fine_tuned_batch),
                    "training": money_str(p.training),
                },
                "limits": tiers_json,
            }
        )
    tier_rows = [
        [t.number, Usd(t.paid_usd), t.days_since_first_payment, Usd(t.monthly_usage_cap_usd)]
        for t in catalog.tiers.values()
    ]
    model_rows = [
        [s.name, ", ".join(s.snapshots + s.aliases), s.context_window, s.max_output_tokens, s.encoding]
        for s in catalog.models.values()
    ]
    data = {
        "schema_version": 1,
        "as_of": catalog.as_of,
        "catalog": catalog.path,
        "currency": catalog.currency,
        "sources": dict(catalog.sources),
        "caching": {"min_tokens": catalog.cache_min_tokens, "step_tokens": catalog.cache_step_tokens},
        "batch": {"max_requests": catalog.batch_max_requests, "max_file_bytes": catalog.batch_max_file_bytes},
        "long_context_threshold_tokens": catalog.long_context_threshold,
        "tiers": [
            {
                "tier": t.number,
                "paid_usd": money_str(t.paid_usd),
                "days_since_first_payment": t.days_since_first_payment,
                "monthly_usage_cap_usd": money_str(t.monthly_usage_cap_usd),
            }
            for t in catalog.tiers.values()
        ],
        "models": models_json,
    }
    return Report(
        title=f"GPT-4.1 family prices and limits (as of {catalog.as_of})",
        data=data,
        tables=[
            Table(
                "Prices, USD per 1M tokens",
                _RATE_COLUMNS,
                price_rows,
                numeric=frozenset({"input", "cached input", "output"}),
            ),
            Table(
                "Rate limits per usage tier (long-context: requests over "
                f"{catalog.long_context_threshold:,} input tokens)",
                (
                    "model",
                    "tier",
                    "RPM",
                    "RPD",
                    "TPM",
                    "batch queue",
                    "LC RPM",
                    "LC TPM",
                    "LC batch queue",
                    "LC source",
                ),
                limit_rows,
                numeric=frozenset({"tier", "RPM", "RPD", "TPM", "batch queue", "LC RPM", "LC TPM", "LC batch queue"}),
            ),
            Table(
                "Usage tiers",
                ("tier", "paid at least", "days since first payment", "monthly usage cap"),
                tier_rows,
                numeric=frozenset({"tier", "paid at least", "days since first payment", "monthly usage cap"}),
            ),
            Table(
                "Models",
                ("model", "names", "context window", "max output", "encoding"),
                model_rows,
                numeric=frozenset({"context window", "max output"}),
            ),
        ],
        notes=[
            f"Catalog: {describe_path(catalog.path)}",
            f"Prompt caching: prompts of {catalog.cache_min_tokens:,}+ tokens, hits in "
            f"{catalog.cache_step_tokens}-token steps.",
            f"Batch: at most {catalog.batch_max_requests:,} requests and {catalog.batch_max_file_bytes:,} bytes "
            "per input file; cached tokens in batch are billed at the batch input rate (inference).",
        ],
    )
