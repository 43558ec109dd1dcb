"""`gpt41cost pricing`: the catalog as tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..catalog import Catalog, ModelSpec, Rates, describe_path
from ..lifecycle import Lifecycle, days_since
from ..report import Report, Shown, Table, Usd, counted, money_str
from .dated import catalog_notes, date_assumption, dated_json, status_text

#: 2: ``as_of`` is now the run's date (the catalog's is ``catalog_as_of``); each model carries
#: ``lifecycle``, ``snapshots_lifecycle`` and ``price_entries``; ``days_since_checked`` and
#: ``fine_tuning`` at the top level (issue #13). 3: ``price_entries`` is
#: ``price_entries_usd_per_1m_tokens`` (money keys name usd, issue #16).
SCHEMA_VERSION = 3
_RATE_COLUMNS = ("model", "line", "from", "input", "cached input", "output", "in force")
_LINE_NAMES = {
    "standard": "standard",
    "batch": "batch",
    "priority": "priority",
    "fine_tuned.standard": "fine-tuned",
    "fine_tuned.batch": "fine-tuned batch",
    "training": "fine-tuning training",
}


def _entry_rows(spec: ModelSpec, day: date) -> list[list[Any]]:
    """Every dated entry of every price line; the one in force on ``day`` is marked."""
    rows: list[list[Any]] = []
    for line, entries in spec.price_entries:
        in_force = max((i for i, (start, _) in enumerate(entries) if start is None or start <= day), default=0)
        for i, (start, value) in enumerate(entries):
            raw = None if start is None else start.isoformat()
            text = raw or "always"
            # people read the mark in the date's cell; CSV keeps the date plain and says it in a column
            when = Shown(f"{text} (in force)" if len(entries) > 1 and i == in_force else text, raw)
            flag = "yes" if i == in_force and (start is None or start <= day) else "no"
            if isinstance(value, Rates):
                rows.append([spec.name, _LINE_NAMES[line], when, value.input, value.cached_input, value.output, flag])
            else:
                rows.append([spec.name, _LINE_NAMES[line], when, value, None, None, flag])
    return rows


#: The lifecycle table's mark on what was announced after the run's date.
LATER = "announced later"


def _lifecycle_row(name: str, lc: Lifecycle, day: date) -> list[Any]:
    """A name's lifecycle row: the JSON's values (so they cannot drift); people read a date or
    successor announced after ``day`` marked so in its cell, CSV keeps it plain and says it in a
    column (as the prices' "in force")."""
    j = lc.as_json(day)
    later = j["announced_later"]
    cells: list[Any] = [j["deprecated_on"], j["shutdown_on"], j["basis"], j["substitute"], j["replacement"]]
    if later:
        cells = [c if c is None or k == 2 else Shown(f"{c} ({LATER})", c) for k, c in enumerate(cells)]
    return [name, j["status"], *cells, "yes" if later else "no"]


def _entries_json(spec: ModelSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line, entries in spec.price_entries:
        out[line.replace(".", "_")] = [
            {"from": None if start is None else start.isoformat(), **_value_json(value)} for start, value in entries
        ]
    return out


def _value_json(value: Rates | Decimal) -> dict[str, Any]:
    if isinstance(value, Rates):
        return _rates_json(value)
    return {"usd": money_str(value)}


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
    day = catalog.day
    for spec in catalog.models.values():
        p = spec.prices
        price_rows += _entry_rows(spec, day)
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
                "lifecycle": spec.lifecycle.as_json(day),
                "snapshots_lifecycle": {n: spec.lifecycle_for(n).as_json(day) for n in spec.snapshots},
                "lifecycle_source": spec.lifecycle.source,
                "price_entries_usd_per_1m_tokens": _entries_json(spec),
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
    status_rows: list[list[Any]] = []
    announced_later: set[str] = set()  # the dates of deprecations announced after the run's date
    for spec in catalog.models.values():
        for name in (spec.name, *spec.aliases, *spec.snapshots):
            life = spec.lifecycle_for(name)
            status_rows.append(_lifecycle_row(name, life, day))
            if life.announced_later(day):
                announced_later.add(str(life.deprecated_on))
    later = sorted(announced_later)
    ft = catalog.fine_tuning
    age = days_since(catalog.as_of, day)
    data = {
        "schema_version": SCHEMA_VERSION,
        **dated_json(day, catalog.as_of),
        "days_since_checked": age,
        "catalog": catalog.path,
        "fine_tuning": {
            "new_orgs_closed_on": None if ft.new_orgs_closed_on is None else ft.new_orgs_closed_on.isoformat(),
            "inactive_orgs_closed_on": None
            if ft.inactive_orgs_closed_on is None
            else ft.inactive_orgs_closed_on.isoformat(),
            "closed_on": None if ft.closed_on is None else ft.closed_on.isoformat(),
            "training_on_as_of": ft.training(day)[0],
            "source": ft.source,
        },
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
    # a catalog checked after the run's date (a past --as-of) is that many days after it, not "-645 days before"
    checked = f"checked {catalog.as_of}" + (
        ""
        if age is None
        else f", {counted(age, 'day')} before {day}"
        if age >= 0
        else f", {counted(-age, 'day')} after {day}"
    )
    ft_state, ft_why = ft.training(day)
    notes = [
        f"Status on {day}: " + "; ".join(f"{s.name} {status_text(s.lifecycle, day)}" for s in catalog.models.values())
    ]
    if later:
        notes.append(
            f"Lifecycle: dates and successors marked '{LATER}' were announced after {day} (on "
            f"{' and '.join(later)}): not known on that date; the status and plan --check go by what was"
        )
    if ft_state != "open":
        notes.append(f"Fine-tuning: {ft_why}; inference on a fine-tuned model ends when its base model shuts down.")
    return Report(
        title=f"GPT-4.1 family prices and limits ({checked})",
        data=data,
        assumptions=[date_assumption(day)],
        tables=[
            Table(
                "Prices, USD per 1M tokens (each entry applies from its date until the next)",
                _RATE_COLUMNS,
                price_rows,
                numeric=frozenset({"input", "cached input", "output"}),
                name="prices",
                csv_only=frozenset({"in force"}),
            ),
            Table(
                f"Lifecycle on {day} (OpenAI's deprecations page; basis: dates documented there or inferred)",
                ("name", "status", "deprecated", "shuts down", "basis", "substitute", "OpenAI's replacement", LATER),
                status_rows,
                name="lifecycle",
                csv_only=frozenset({LATER}),
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
                name="rate-limits",
                secondary=("LC source", "LC batch queue", "batch queue"),
            ),
            Table(
                "Usage tiers",
                ("tier", "paid at least", "days since first payment", "monthly usage cap"),
                tier_rows,
                numeric=frozenset({"tier", "paid at least", "days since first payment", "monthly usage cap"}),
                name="tiers",
            ),
            Table(
                "Models",
                ("model", "names", "context window", "max output", "encoding"),
                model_rows,
                numeric=frozenset({"context window", "max output"}),
                name="models",
            ),
        ],
        notes=[
            *notes,
            *catalog_notes(catalog.as_of, day),
            f"Catalog: {describe_path(catalog.path)}",
            f"Prompt caching: prompts of {catalog.cache_min_tokens:,}+ tokens, hits in "
            f"{catalog.cache_step_tokens}-token steps.",
            f"Batch: at most {catalog.batch_max_requests:,} requests and {catalog.batch_max_file_bytes:,} bytes "
            "per input file; cached tokens in batch are billed at the batch input rate (inference).",
        ],
    )
