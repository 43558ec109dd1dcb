"""`gpt41cost plan`: a workload file's cost, headroom and verdict, as one Report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..lifecycle import add_months
from ..limits import (
    DAYS_PER_MONTH,
    HUNDRED,
    Assessment,
    DatedMonths,
    Demand,
    Verdict,
    dated_notes,
    priority_notes,
    usd_apart,
)
from ..report import (
    MEAN_PLACES,
    Chart,
    Pct,
    Report,
    Shown,
    Table,
    Usd,
    money_str,
    pct,
    places_apart,
    rounded,
    usd_cents,
)
from ..workload import PromptSummary, Workload, model_summaries
from .dated import catalog_notes, dated_json, status_text
from .limits import (
    WORKLOAD_SHARES,
    apart,
    cap_cell,
    common_inputs,
    expected_output_json,
    input_assumptions,
    max_peak_shown,
    merged,
    model_tier_json,
    over_max_json,
    over_max_notes,
    pct_json,
    peak_places,
    prose_json,
    rate_json,
    rate_shown,
    unrendered_notes,
    use_cells,
    use_columns,
    yes_no,
)
from .uncounted import COLUMN as UNCOUNTED
from .uncounted import is_uncounted_note, uncounted_json, uncounted_notes, uncounted_table

#: 2: each model carries ``lifecycle``; the top level ``as_of``, ``horizon_months`` and, with
#: --substitute, ``with_substitutes`` (issue #13).
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Alternative:
    """The same workload with shut-down or expiring models routed to their substitutes."""

    workload: Workload
    assessment: Assessment
    verdict: Verdict
    swaps: tuple[str, ...]


def plan_report(
    w: Workload,
    a: Assessment,
    v: Verdict,
    summary: PromptSummary,
    catalog: Catalog,
    alt: Alternative | None = None,
) -> Report:
    at = a.tier(w.tier)
    spend = a.monthly_spend_usd
    status = "PASS" if v.passed else "FAIL"
    day = catalog.day
    lifecycles = {m.label: m.lifecycle for m, _ in w.models}
    cost_rows: list[list[Any]] = []
    peak = w.traffic.peak_rpm
    # the peak, wherever it is shown, at the places that set it apart from each tier's max peak RPM
    places = peak_places(peak, a.tiers)
    for c in a.costs:
        cost_rows.append(
            [
                c.model,
                status_text(lifecycles[c.model], day),
                Pct(c.share * 100, 1),
                rate_shown(c.requests_per_day),
                rate_shown(c.peak_rpm, places if c.peak_rpm == peak else 2),
                Usd(c.standard_usd),
                Usd(c.batch_usd),
                Usd(c.total_usd),
                status,
                len(summary.uncounted),
            ]
        )
    std_total = _sum(c.standard_usd for c in a.costs)
    batch_total = _sum(c.batch_usd for c in a.costs)
    cost_footer: list[list[Any]] = [
        [
            "total",
            "",
            Pct(Decimal(100), 1),
            rate_shown(w.traffic.requests_per_day),
            rate_shown(peak, places),
            Usd(std_total),
            Usd(batch_total),
            Usd(spend),
            status,
        ]
    ]
    budget_used = None
    budget_shown = ""
    if w.budget_usd_per_month is not None:
        # what the verdict holds against the budget: the most expensive 30 days, each day at its own
        # prices, when a price changes within the horizon; else the month shown
        checked = spend if v.months is None else v.months.usd
        if checked is not None and w.budget_usd_per_month:
            budget_used = checked * 100 / w.budget_usd_per_month
        by = "" if v.months is None else " by the 30 days checked"
        # a use over the budget never reads equal to it: "$83.996 (100.005% used)", not "$84.00 (100.0% used)"
        budget_shown = budget_cell(w.budget_usd_per_month, checked)
        used_places = 1 if budget_used is None else places_apart(budget_used, HUNDRED)
        budget_text = f"{budget_shown} ({pct(budget_used, used_places)} used{by})"
        cost_footer.append(["budget", "", "", "", "", "", "", Shown(budget_text, None), status])

    columns = use_columns([at])
    # a NO never sits beside figures that read as fitting: a use or headroom past the required
    # headroom by less than a tenth of a point takes the places that show it (80.002%, 19.998%)
    ceiling = HUNDRED - w.min_headroom_pct
    head_rows = [
        [
            m.model,
            *use_cells(m, columns, ceiling),
            apart(Pct(m.headroom_pct), w.min_headroom_pct),
            yes_no(m.fits),
        ]
        for m in at.models
    ]
    head_footer = [["monthly usage cap", *([""] * len(columns)), "", f"{yes_no(at.cap_fits)}: {cap_cell(at)}"]]
    tier_rows = [
        # the max at the peak's own precision and rounding: a fitting tier never reads a max under the peak
        [
            t.tier,
            apart(Pct(t.headroom_pct), w.min_headroom_pct),
            max_peak_shown(t, peak),
            Shown(cap_cell(t), t.cap_used_pct),
            yes_no(t.fits),
        ]
        for t in a.tiers
    ]
    lowest = a.lowest_tier
    if v.passed:
        footer = (
            f"PASS: tier {w.tier} fits with at least {_n(w.min_headroom_pct)}% headroom"
            + ("" if w.budget_usd_per_month is None else " and the plan is within budget")
            + "."
        )
    else:
        footer = f"FAIL: {len(v.reasons)} reason{'s' if len(v.reasons) != 1 else ''}, listed under Notes."
    notes = [f"FAIL: {r}" for r in v.reasons]
    if w.budget_usd_per_month is None:
        notes.append("No budget_usd_per_month in the workload: the budget is not checked.")
    if spend is None:
        notes.append("No traffic.requests_per_day: no monthly spend projected; the tiers' usage caps are not checked.")
    notes.append(f"Lowest tier that fits: {'none' if lowest is None else lowest}.")
    if any(m.fine_tuned for m, _ in w.models):
        state, why = catalog.fine_tuning.training(day)
        if state != "open":
            notes.append(f"Fine-tuning: {why}; a routed fine-tuned model must be trained already.")
    notes += uncounted_notes(summary.uncounted)
    templates = unrendered_notes(summary.unrendered)
    notes += templates
    # each model's own summary (a mix: image and cached tokens, the maximum output differ by model)
    summaries = model_summaries(w, a.demand, summary)
    # the requests whose own cap is over a model's maximum output, each model's
    overs = over_max_notes(
        [(m.label, s.over_max, s.max_output_tokens) for (m, _), s in zip(w.models, summaries, strict=True)]
    )
    notes += overs
    notes += priority_notes(a.demand, catalog.long_context_threshold)
    notes += dated_notes(v.months, w.budget_usd_per_month)
    stale = catalog_notes(catalog.as_of, day)  # a warning too, the last one
    notes += stale
    # each model's own requests (a mix: image and cached tokens differ by model), as limits shows them
    each = [
        (m.label, replace(a.demand, profile=a.demand.profile_of(k), profiles=()), own)
        for k, ((m, _), own) in enumerate(zip(w.models, summaries, strict=True))
    ]
    model_inputs = [_model_inputs(d, s) for _, d, s in each]
    data = {
        "schema_version": SCHEMA_VERSION,
        **dated_json(day, catalog.as_of),
        "workload": {"file": w.path, "name": w.name},
        "horizon_months": w.horizon_months,
        "tier": w.tier,
        "min_headroom_pct": pct_json(w.min_headroom_pct),
        "budget_usd_per_month": money_str(w.budget_usd_per_month),
        "inputs": common_inputs(
            {
                "prompt_files": summary.files,
                **model_inputs[0],
                "cache": summary.cache_basis,
                "output_tokens": w.output_tokens,
                "max_tokens": w.max_tokens,
                "requests_per_day": rounded(w.traffic.requests_per_day, 4),
                "peak_rpm": rate_json(w.traffic.peak_rpm),
                "peak_rpm_source": w.traffic.peak_source,
                "batch_share": w.batch_share,
                "priority_share": w.priority_share,
                "batch_file_requests": a.demand.profile.batch_kinds,
            },
            model_inputs,
            PER_MODEL,
        ),
        "models": [
            {
                "model": c.model,
                "lifecycle": lifecycles[c.model].as_json(day),
                "share": c.share,
                "requests_per_day": rounded(c.requests_per_day, 4),
                "peak_rpm": rate_json(c.peak_rpm),
                "monthly_cost_usd": _cost_json(c.standard_usd, c.batch_usd, c.total_usd),
                "inputs": own,
                "lowest_tier": a.model_lowest_tier(c.model),
                "tiers": [model_tier_json(t.model(c.model), t) for t in a.tiers],
            }
            for c, own in zip(a.costs, model_inputs, strict=True)
        ],
        "total_monthly_cost_usd": _cost_json(std_total, batch_total, spend),
        "budget_used_pct": pct_json(budget_used),
        "budget_checked": _checked_json(v.months, w.budget_usd_per_month),
        "price_changes": _changes_json(v.months),
        "tiers": [
            {
                "tier": t.tier,
                "fits": t.fits,
                "headroom_pct": pct_json(t.headroom_pct),
                "max_peak_rpm": rate_json(t.max_peak_rpm),
                "monthly_usage_cap_usd": money_str(t.monthly_cap_usd),
                "cap_used_pct": pct_json(t.cap_used_pct),
                "reasons": list(t.reasons),
            }
            for t in a.tiers
        ],
        "lowest_tier": lowest,
        "verdict": {"pass": v.passed, "reasons": list(v.reasons)},
        "uncounted": uncounted_json(summary.uncounted),
    }
    shares = WORKLOAD_SHARES
    assumptions = merged(
        [
            (label, input_assumptions(d, s, w.output_source_for(m.spec.name), catalog, shares, places))
            for (label, d, s), (m, _) in zip(each, w.models, strict=True)
        ]
    )
    assumptions.append(
        (
            "horizon",
            f"{w.horizon_months} months (to {add_months(day, w.horizon_months)}): every routed model must run "
            "that long (horizon_months; default 6)",
        )
    )
    extra: list[Table] = []
    if alt is not None:
        data["with_substitutes"] = _alt_json(alt, catalog)
        extra.append(_side_by_side(w, a, v, alt))
        notes += [f"--substitute: {s}" for s in alt.swaps] or ["--substitute: no routed model needs a substitute"]
        notes += [f"with substitutes, FAIL: {r}" for r in alt.verdict.reasons]
    data.update(prose_json(assumptions, notes))
    return Report(
        title=f"Plan {w.name}: {status} (tier {w.tier}, {w.path})",
        data=data,
        tables=[
            Table(
                f"Monthly cost ({DAYS_PER_MONTH} days)",
                (
                    "model",
                    "status",
                    "share",
                    "requests/day",
                    "peak RPM",
                    "standard",
                    "batch",
                    "total",
                    "verdict",
                    UNCOUNTED,
                ),
                cost_rows,
                numeric=frozenset({"share", "requests/day", "peak RPM", "standard", "batch", "total", UNCOUNTED}),
                name="cost",
                csv_only=frozenset({"verdict", UNCOUNTED}),
                footer_rows=cost_footer,
            ),
            Table(
                f"Headroom at tier {w.tier} (required: {_n(w.min_headroom_pct)}%)",
                ("model", *(h for _, h in columns), "headroom", "fits"),
                head_rows,
                numeric=frozenset({*(h for _, h in columns), "headroom"}),
                name="headroom",
                footer_rows=head_footer,
            ),
            Table(
                "Every tier",
                ("tier", "headroom", "max peak RPM", "monthly cap use %", "fits"),
                tier_rows,
                numeric=frozenset({"tier", "headroom", "max peak RPM", "monthly cap use %"}),
                name="tiers",
            ),
            *extra,
            uncounted_table(summary.uncounted),
        ],
        assumptions=assumptions,
        notes=notes,
        footer=footer,
        headline=footer + ("" if v.passed else " " + " ".join(f"FAIL: {r}" for r in v.reasons)),
        # a FAIL note is the verdict, not a warning: the report shows it, and --check writes each
        # reason on stderr once ("check failed: ...")
        warnings=[
            n
            for n in notes
            if not n.startswith("FAIL: ")
            and ("shut down" in n or "shuts down" in n or is_uncounted_note(n) or n in overs or n in templates)
        ]
        + stale,
        charts=[
            Chart(
                "Monthly cost by model",
                "Projected monthly cost per routed model and in total (standard and Batch API)"
                + ("" if w.budget_usd_per_month is None else f", against the budget of {budget_shown}")
                + f". Verdict: {status}.",
                [c.model for c in a.costs] + (["total"] if len(a.costs) > 1 else []),
                [
                    ("standard", [c.standard_usd for c in a.costs] + ([std_total] if len(a.costs) > 1 else [])),
                    ("batch", [c.batch_usd for c in a.costs] + ([batch_total] if len(a.costs) > 1 else [])),
                ],
                stacked=True,
                line=None if w.budget_usd_per_month is None else ("budget", w.budget_usd_per_month),
                table="cost",
                terminal=2,
            )
        ],
    )


#: The input figures each model of a mix has its own of (JSON ``models[].inputs``; the top-level
#: ``inputs`` has the models' common value, null when they differ, as in ``limits``).
PER_MODEL = (
    "mean_input_tokens",
    "input_tokens_total",
    "max_input_tokens",
    "mean_cached_tokens",
    "expected_output_capped_requests",
    "mean_expected_output_tokens",
    "mean_output_reservation_tokens",
    "requests_over_max_output",
)


def _model_inputs(demand: Demand, summary: PromptSummary) -> dict[str, Any]:
    """One model's own input figures (JSON ``models[].inputs``)."""
    return {
        "mean_input_tokens": rounded(summary.mean_input_tokens, MEAN_PLACES),
        "input_tokens_total": summary.input_tokens_total,
        "max_input_tokens": summary.max_input_tokens,
        "mean_cached_tokens": rounded(summary.mean_cached_tokens, MEAN_PLACES),
        **expected_output_json(demand.profile),
        "requests_over_max_output": over_max_json(summary),
    }


def budget_cell(budget: Decimal, checked: Decimal | None) -> str:
    """The budget in cents, or with the places that set it apart from the spend it is checked
    against when cents would read them equal."""
    return usd_cents(budget) if checked is None else usd_apart(budget, checked)[0]


def _checked_json(months: DatedMonths | None, budget: Decimal | None) -> dict[str, Any] | None:
    """The 30 days the budget is checked against, when a price changes within the horizon."""
    if months is None or budget is None:
        return None
    return {"start": months.start.isoformat(), "end": months.end.isoformat(), "usd": money_str(months.usd)}


def _changes_json(months: DatedMonths | None) -> list[dict[str, Any]]:
    """Each change of the workload's cost within the horizon: its day, the models whose cost
    changes, and a month at the prices from then."""
    if months is None:
        return []
    return [
        {"day": c.day.isoformat(), "models": list(c.models), "monthly_usd": money_str(c.monthly_usd)}
        for c in months.changes
    ]


def _sum(values: Any) -> Decimal | None:
    vals = list(values)
    if any(x is None for x in vals):
        return None
    return sum(vals, Decimal(0))


def _n(d: Decimal | None) -> str:
    if d is None:
        return "-"
    q = d.quantize(Decimal("0.01")).normalize()
    return f"{q:,f}"


def _cost_json(std: Decimal | None, batch: Decimal | None, total: Decimal | None) -> dict[str, Any] | None:
    if total is None:
        return None
    return {"standard": money_str(std), "batch": money_str(batch), "total": money_str(total)}


def _mix(w: Workload) -> str:
    return ", ".join(f"{m.label} {pct(share * 100)}" for m, share in w.models)


def _side_by_side(w: Workload, a: Assessment, v: Verdict, alt: Alternative) -> Table:
    b = alt.assessment

    def row(name: str, x: Any, y: Any) -> list[Any]:
        return [name, x, y]

    def lowest(t: int | None) -> str:
        return "none" if t is None else str(t)

    return Table(
        "As written vs with substitutes (--substitute)",
        ("", "as written", "with substitutes"),
        [
            row("routing", _mix(w), _mix(alt.workload)),
            row("monthly cost", Usd(a.monthly_spend_usd), Usd(b.monthly_spend_usd)),
            row(f"tier {w.tier} fits", yes_no(a.tier(w.tier).fits), yes_no(b.tier(w.tier).fits)),
            row("lowest tier that fits", lowest(a.lowest_tier), lowest(b.lowest_tier)),
            row("verdict", "PASS" if v.passed else "FAIL", "PASS" if alt.verdict.passed else "FAIL"),
        ],
        name="substitutes",
    )


def _alt_json(alt: Alternative, catalog: Catalog) -> dict[str, Any]:
    b, day = alt.assessment, catalog.day
    lifecycles = {m.label: m.lifecycle for m, _ in alt.workload.models}
    return {
        "replaced": list(alt.swaps),
        "models": [
            {
                "model": c.model,
                "lifecycle": lifecycles[c.model].as_json(day),
                "share": c.share,
                "monthly_cost_usd": _cost_json(c.standard_usd, c.batch_usd, c.total_usd),
            }
            for c in b.costs
        ],
        "total_monthly_cost_usd": money_str(b.monthly_spend_usd),
        "lowest_tier": b.lowest_tier,
        "verdict": {"pass": alt.verdict.passed, "reasons": list(alt.verdict.reasons)},
    }
