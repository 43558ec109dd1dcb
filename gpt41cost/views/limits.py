"""`gpt41cost limits`: rate-limit use per model and tier, as one Report."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..cache import extended_note
from ..catalog import Catalog
from ..lifecycle import NOT_YET_RELEASED, SHUT_DOWN, active_first
from ..limits import (
    ASSUMPTIONS,
    DAYS_PER_MONTH,
    HUNDRED,
    Assessment,
    Demand,
    Drain,
    ModelTier,
    RequestProfile,
    TierFit,
    priority_notes,
    priority_text,
)
from ..measure import choices_note
from ..report import (
    MEAN_PLACES,
    Chart,
    Pct,
    Report,
    Shown,
    Table,
    Usd,
    first_named,
    money_str,
    n_requests,
    pct,
    places_apart,
    rounded,
    usd_auto,
)
from ..workload import PromptSummary
from .dated import catalog_notes, date_assumption, dated_json, status_text
from .uncounted import COLUMN as UNCOUNTED
from .uncounted import is_uncounted_note, uncounted_json, uncounted_notes, uncounted_table
from .usage import snake

#: 2: each model carries ``lifecycle``, its rows a status; the top level ``as_of`` (issue #13).
SCHEMA_VERSION = 3

#: Use keys shown as table columns, with their headers.
_COLUMNS = (
    ("rpm", "RPM %"),
    ("tpm", "TPM %"),
    ("rpd", "RPD %"),
    ("long_context_rpm", "LC RPM %"),
    ("long_context_tpm", "LC TPM %"),
    ("batch_queue", "batch queue %"),
    ("long_context_batch_queue", "LC batch queue %"),
)


# --------------------------------------------------------------------------- shared helpers


def pct_json(value: Decimal | None) -> float | None:
    """A percentage for JSON: a number (so `jq 'select(.tpm_used_pct > 80)'` works), 4 places."""
    if value is None:
        return None
    return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def rate_json(d: Decimal | None) -> Decimal | None:
    """A rate of requests (peak RPM, the max peak RPM a tier carries) for JSON: a number, 4 places
    half-even, as CSV has it (:func:`rate_shown`); one rounding for the peak and the max, so a
    fitting tier's max never reads under the peak. None: no limit binds."""
    return rounded(d, 4)


def yes_no(b: bool) -> str:
    return "yes" if b else "NO"


def duration(minutes: Decimal | None) -> str:
    if minutes is None:
        return "never (a request is too large)"
    m = float(minutes)  # display only
    if m < 90:
        return f"{m:,.1f} min"
    if m < 48 * 60:
        return f"{m / 60:,.1f} h"
    return f"{m / 1440:,.1f} days"


def use_columns(tiers: Sequence[TierFit]) -> list[tuple[str, str]]:
    """Only the limits some model uses at some tier (no RPD column when no tier has RPD, ...)."""
    used = {u.key for t in tiers for m in t.models for u in m.uses}
    return [(k, h) for k, h in _COLUMNS if k in used]


def use_cells(m: ModelTier, columns: Sequence[tuple[str, str]], ceiling: Decimal) -> list[Pct | None]:
    """Each use in ``columns`` as a percentage cell, with the places that set it apart from
    ``ceiling`` (the limit less the required headroom): a NO never sits beside a use that reads
    as fitting (80.002%, not 80.0%). None (shown "-"): the model has no such limit."""
    cells: list[Pct | None] = []
    for key, _ in columns:
        u = m.use(key)
        cells.append(None if u is None else apart(Pct(u.pct), ceiling))
    return cells


def apart(cell: Pct, ceiling: Decimal) -> Pct:
    """A percentage cell with the places that set it apart from ``ceiling`` (one when well apart;
    report.places_apart): a use or headroom just past the required headroom reads past it."""
    if cell.value is None:
        return cell
    return Pct(cell.value, max(cell.places, places_apart(cell.value, ceiling)))


def model_tier_json(m: ModelTier, t: TierFit) -> dict[str, Any]:
    def used_pct(key: str) -> int | float | None:
        u = m.use(key)
        return None if u is None else pct_json(u.pct)

    lc = m.use("long_context_rpm") or m.use("long_context_tpm") or m.use("long_context_batch_queue")
    return {
        "tier": m.tier,
        "fits": m.fits,
        "rpm_used_pct": used_pct("rpm"),
        "tpm_used_pct": used_pct("tpm"),
        "rpd_used_pct": used_pct("rpd"),
        "long_context": None
        if lc is None
        else {
            "rpm_used_pct": used_pct("long_context_rpm"),
            "tpm_used_pct": used_pct("long_context_tpm"),
            "batch_queue_used_pct": used_pct("long_context_batch_queue"),
        },
        "batch_queue_used_pct": used_pct("batch_queue"),
        "headroom_pct": pct_json(m.headroom_pct),
        "usage": {u.key: {"used": rounded(u.used, 4), "limit": u.limit, "used_pct": pct_json(u.pct)} for u in m.uses},
        "reasons": list(m.reasons),
    }


#: What gave the batch and priority shares, as limits names them: its flags (plan: the workload's keys).
FLAG_SHARES = ("--batch-share", "--priority-share")
WORKLOAD_SHARES = ("batch_share", "priority_share")


def input_assumptions(
    demand: Demand,
    summary: PromptSummary | None,
    output_source: str,
    catalog: Catalog,
    share_sources: tuple[str, str] = FLAG_SHARES,
    peak_places: int = 2,
) -> list[tuple[str, str]]:
    """The named values every figure rests on. ``share_sources``: what gave the batch share and the
    priority share, named beside a share that is not 0. ``peak_places``: the places the peak is
    shown with (:func:`peak_places`), as the tables show it beside the tiers' max peak RPM."""
    t, p = demand.traffic, demand.profile
    out = [("peak requests/min", f"{_dec(t.peak_rpm, peak_places)} ({t.peak_source})")]
    out.append(
        (
            "requests/day",
            "not given: no monthly spend projected" if t.requests_per_day is None else _dec(t.requests_per_day),
        )
    )
    if summary is not None and summary.files:
        out.append(
            (
                "input tokens/request",
                f"{n_requests(summary.files)} measured: mean {_dec(summary.mean_input_tokens, 1)}, "
                f"largest {summary.max_input_tokens:,} (exact o200k_base counts)",
            )
        )
    else:
        out.append(("input tokens/request", f"{p.input_tokens[0]:,} (given)"))
    if p.reserves:
        mean = Decimal(sum(p.reserves)) / len(p.reserves)
        out.append(
            (
                "output reservation/request",
                f"each request's own max_tokens, else {p.reserve_tokens:,} (mean {_dec(mean, 1)} tokens; "
                "counts toward TPM at admission)",
            )
        )
    else:
        out.append(("output reservation/request", f"{p.reserve_tokens:,} tokens (counts toward TPM at admission)"))
    if p.outputs:
        below, mean = _capped_below(p), _mean_output(p)
        expected = (
            f"{p.output_tokens:,} tokens ({output_source}), or the request's own max_tokens where lower "
            f"({n_requests(below)}): mean {_dec(mean, 1)} tokens (for spend)"
        )
    else:
        expected = f"{p.output_tokens:,} tokens ({output_source}; for spend)"
    out.append(("expected output/request", expected))
    if summary is not None and summary.multi_choice:
        reserves = "n x its output reservation"
        if p.output_whole:  # the observed output is a whole request's
            reserves = "n x its max_tokens (its own, else the workload's), else its output once"
        out.append(("choices", f"{choices_note(summary.multi_choice, p.output_whole)}; each reserves {reserves}"))
    if summary is not None and summary.extended_cache:
        out.append(("cache retention", extended_note(summary.extended_cache)))
    if summary is not None:
        out.append(
            ("cached input/request", f"mean {_dec(summary.mean_cached_tokens, 1)} tokens ({summary.cache_basis})")
        )
    out.append(("batch share", batch_text(demand, summary, share_sources[0])))
    priority = priority_text(demand, catalog.long_context_threshold, share_sources[1])
    if priority is not None:
        out.append(("priority processing", priority))
    out.append(("min headroom", f"{_dec(demand.min_headroom_pct)}%"))
    out.append(
        (
            "long-context pool",
            f"requests over {catalog.long_context_threshold:,} input tokens "
            f"({_dec(_lc_share(demand, catalog) * 100, 1)}% of requests)",
        )
    )
    out += list(ASSUMPTIONS)
    out.append(date_assumption(catalog.day))
    return out


def _over_max_note(over: Sequence[tuple[str, int]], top: int, models: Sequence[str]) -> str:
    """The note on the requests whose own output cap (``over``: where, cap as written; at least
    one) is over the maximum output ``top`` of ``models`` (measure.CAP_OVER_MAX): they do not fit,
    and every figure takes the maximum. One wording for estimate, limits and plan."""
    n = len(over)
    shown = first_named([f"{where} (output cap {cap:,})" for where, cap in over])
    names = models[0] if len(models) == 1 else f"{', '.join(models[:-1])} and {models[-1]}"
    return (
        f"{n_requests(n)} {'does' if n == 1 else 'do'} not fit: {shown} ask{'s' if n == 1 else ''} for more "
        f"than the maximum output of {names} ({top:,} tokens), which OpenAI refuses (inferred: a 400 error); "
        f"lower the cap (max_tokens, max_completion_tokens or max_output_tokens) to {top:,} or less. Figures take "
        f"such a cap as {top:,} tokens a choice (expected output, TPM reservation), never as written"
    )


def over_max_notes(each: Sequence[tuple[str, Sequence[tuple[str, int]], int | None]]) -> list[str]:
    """The notes on the requests over a model's maximum output (:func:`_over_max_note`) for each
    model (label, its requests over its maximum output, that maximum), in order: one note for the
    models with the same requests over the same maximum (the family shares one), naming them all.
    Every command's grouping (estimate, limits, plan)."""
    groups: dict[tuple[tuple[tuple[str, int], ...], int], list[str]] = {}
    for label, over, top in each:
        if over and top is not None:
            groups.setdefault((tuple(over), top), []).append(label)
    return [_over_max_note(over, top, labels) for (over, top), labels in groups.items()]


def over_max_json(summary: PromptSummary | None) -> list[dict[str, Any]]:
    """JSON ``requests_over_max_output``: each request whose own cap is over the maximum output."""
    return [{"request": w, "output_cap_tokens": c} for w, c in summary.over_max] if summary else []


def unrendered_notes(sources: Sequence[str]) -> list[str]:
    """The note on the prompt files that look like unrendered templates, in estimate's words
    (:func:`gpt41cost.readers.inputs.unrendered_note`), naming the files: limits and plan list no
    inputs."""
    from ..readers.inputs import unrendered_note

    return [unrendered_note(len(sources), f": {first_named(sources, 5)}")] if sources else []


def batch_text(demand: Demand, summary: PromptSummary | None, source: str = FLAG_SHARES[0]) -> str:
    """Which requests go through the Batch API: a Batch file's, and the batch share of the others
    (docs/accounting.md §8, "Batch files"); ``source`` (what gave the share) is named beside a share
    that is not 0."""
    p = demand.profile
    share = f"{_dec(demand.batch_share * 100)}% of requests through the Batch API"
    if not p.batch_kinds:
        if demand.batch_share:  # the peak RPM shown is every request's: what the use % is of, to check by hand
            share += (
                f" ({source}), left out of RPM, TPM and RPD (the batch queue is their limit): those count the "
                f"{_dec((1 - demand.batch_share) * 100)}% sent online of each peak RPM and requests/day shown"
            )
        return share
    if demand.batch_share:
        share += f" ({source}; left out of RPM, TPM and RPD too)"
    files = summary.batch_sources if summary is not None else ()
    named = first_named(files)
    n = p.batch_kinds
    whose = "a Batch file's" if len(files) == 1 else "Batch files'"
    text = (
        f"{n:,} of the {p.kinds:,} requests measured are {whose} "
        f"({named}): sent through the Batch API, priced at Batch rates and counted against the batch queue "
        "(enqueued input tokens per model), not the online RPM, TPM and RPD; the traffic keeps the sample's mix"
    )
    if n < p.kinds:
        text += f"; of the others, {share}"
    if demand.traffic.requests_per_day is None:
        text += "; give the requests per day to check the batch queue"
    return text


def _lc_share(demand: Demand, catalog: Catalog) -> Decimal:
    p = demand.profile
    return Decimal(sum(1 for i in p.input_tokens if i > catalog.long_context_threshold)) / p.kinds


def _dec(d: Decimal, places: int = 2) -> str:
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN).normalize()
    return f"{q:,f}"


def rate_shown(d: Decimal | None, places: int = 2) -> Shown:
    """A rate of requests (peak RPM, the max peak RPM a tier carries, requests a day) in a table:
    2 places (or ``places``), half-even (4 in CSV); one rounding for the peak and the max, so a
    fitting tier's max never reads under the peak. "-": no limit binds."""
    return Shown("-" if d is None else _dec(d, places), rate_json(d))


def max_peak_shown(t: TierFit, peak: Decimal) -> Shown:
    """A tier's max peak RPM beside the workload's ``peak``, with the places that set them apart
    (report.places_apart): a tier that does not fit by a hair never reads a max equal to the peak
    (24 beside 24.0005, not 24 twice)."""
    m = t.max_peak_rpm
    return rate_shown(m, 2 if m is None else places_apart(m, peak, least=2))


def peak_places(peak: Decimal, tiers: Sequence[TierFit]) -> int:
    """The places the peak is shown with: those that set it apart from every tier's max peak RPM
    shown (:func:`max_peak_shown`), 2 when none is close."""
    return max((places_apart(peak, t.max_peak_rpm, least=2) for t in tiers if t.max_peak_rpm is not None), default=2)


def tpm_shown(tpm: Decimal, tiers: Sequence[TierFit], headroom: Decimal) -> Shown:
    """The peak TPM (of the standard pool) in a table: whole tokens, or the places that set it
    apart from every tier's TPM and its allowance at the required ``headroom`` (%)
    (report.places_apart): a peak just over tier 1's 24,000 reads 24,000.5, not 24,000 beside a
    tier that does not fit (CSV: 4 places)."""
    limits = [Decimal(u.limit) for t in tiers for m in t.models if (u := m.use("tpm")) is not None]
    bounds = {b for limit in limits for b in (limit, limit * (HUNDRED - headroom) / HUNDRED)}
    return Shown(_dec(tpm, max((places_apart(tpm, b, least=0) for b in bounds), default=0)), rounded(tpm, 4))


def cap_cell(t: TierFit) -> str:
    """The share of the tier's monthly usage cap the projected spend uses, with the places that
    show a spend over the cap (100.004%, not 100.0%)."""
    if t.monthly_spend_usd is None:
        return f"{usd_auto(t.monthly_cap_usd)} (not checked)"
    used = t.cap_used_pct
    places = 1 if used is None else places_apart(used, HUNDRED)
    return f"{pct(used, places)} of {usd_auto(t.monthly_cap_usd)}"


# --------------------------------------------------------------------------- the report


#: The label's mark in the per-tier table of a model OpenAI does not serve on the run's date.
_UNSERVED_SUFFIX = {SHUT_DOWN: " (shut down)", NOT_YET_RELEASED: " (not yet released)"}


def limits_report(
    assessments: Sequence[Assessment],
    catalog: Catalog,
    output_source: str,
    drains: Sequence[Drain] = (),
    shown_tier: int | None = None,
    summaries: Sequence[PromptSummary] = (),
) -> Report:
    """One Assessment per model (each model carrying the whole traffic on its own). ``shown_tier``: list
    that tier only; the lowest tier that fits still comes from every tier assessed. ``summaries``: each
    assessment's own summary of its prompts (none: sizes given, no prompts read)."""

    def shown(a: Assessment) -> list[TierFit]:
        return [t for t in a.tiers if shown_tier is None or t.tier == shown_tier]

    tiers_all = [t for a in assessments for t in shown(a)]
    # the peak (one traffic for every model) at the places that set it apart from each max shown
    places = max(peak_places(a.demand.traffic.peak_rpm, shown(a)) for a in assessments)
    columns = use_columns(tiers_all)
    rows: list[list[Any]] = []
    summary_rows: list[list[Any]] = []
    models_json: list[dict[str, Any]] = []
    each: list[PromptSummary | None] = list(summaries) or [None] * len(assessments)
    uncounted = tuple(dict.fromkeys(u for s in each if s is not None for u in s.uncounted))
    notes: list[str] = uncounted_notes(uncounted)
    # every model's summary names the same files read
    template_notes = unrendered_notes(next((s.unrendered for s in each if s is not None), ()))
    notes += template_notes
    day = catalog.day
    # a shut-down model is still assessed, but listed after the others and marked in every format
    pairs = active_first(list(zip(assessments, each, strict=True)), lambda p: p[0].demand.models[0][0].lifecycle, day)
    assessments = [a for a, _ in pairs]
    for a, own in pairs:
        ((model, _),) = a.demand.models
        cost = a.costs[0]
        lc = model.lifecycle
        status = lc.status(day)
        if status == SHUT_DOWN:
            notes.append(f"{model.label}: {lc.mark(day)}; its limits are the last OpenAI published")
        elif status == NOT_YET_RELEASED:
            # the catalog has no limits OpenAI published before the release: say which are used, and from when
            notes.append(
                f"{model.label}: {lc.mark(day)}; assessed at the catalog's limits for it, which apply once it is "
                f"released (on {lc.released_on})"
            )
        tiers_json = []
        for t in shown(a):
            m = t.models[0]
            rows.append(
                [
                    Shown(model.label + _UNSERVED_SUFFIX.get(status, ""), model.label),
                    t.tier,
                    # a NO never sits beside figures that read as fitting (80.002%, 19.998%)
                    *use_cells(m, columns, HUNDRED - a.demand.min_headroom_pct),
                    apart(Pct(m.headroom_pct), a.demand.min_headroom_pct),
                    max_peak_shown(t, a.demand.traffic.peak_rpm),  # at the peak's precision, as plan's
                    Shown(cap_cell(t), t.cap_used_pct),
                    yes_no(t.fits),
                    lc.status(day),
                    Usd(t.monthly_cap_usd),
                    len(uncounted),
                ]
            )
            j = model_tier_json(m, t)
            j["fits"] = t.fits
            j["reasons"] = list(t.reasons)
            j["max_peak_rpm"] = rate_json(t.max_peak_rpm)
            j["monthly_usage_cap_usd"] = money_str(t.monthly_cap_usd)
            j["cap_used_pct"] = pct_json(t.cap_used_pct)
            tiers_json.append(j)
        lowest = a.lowest_tier
        std_tpm = next((u.used for u in a.tiers[0].models[0].uses if u.key == "tpm"), None)
        summary_rows.append(
            [
                model.label,
                status_text(lc, day),
                rate_shown(a.demand.traffic.peak_rpm, places),
                None if std_tpm is None else tpm_shown(std_tpm, a.tiers, a.demand.min_headroom_pct),
                Usd(cost.total_usd),
                Shown("none", None) if lowest is None else lowest,
            ]
        )
        if lowest is None:
            last = a.tiers[-1]
            notes.append(f"{model.label}: no tier fits; at tier {last.tier}: " + "; ".join(_short(last.reasons)))
        models_json.append(
            {
                "model": model.label,
                "lifecycle": lc.as_json(day),
                "lowest_tier": lowest,
                "peak_tpm": rounded(std_tpm, 4),
                "monthly_cost_usd": None
                if cost.total_usd is None
                else {
                    "standard": money_str(cost.standard_usd),
                    "batch": money_str(cost.batch_usd),
                    "total": money_str(cost.total_usd),
                },
                "per_request_usd": {
                    "standard": money_str(cost.per_request_standard_usd),
                    "batch": money_str(cost.per_request_batch_usd),
                },
                "covers": covers(a.demand),
                "inputs": _model_inputs_json(a.demand, own),
                "tiers": tiers_json,
                "backlog": [_drain_json(d) for d in drains if d.model == model.label] or None,
            }
        )
    demand = assessments[0].demand
    labels = [a.demand.models[0][0].label for a, _ in pairs]
    owned = [(label, own) for label, (_, own) in zip(labels, pairs, strict=True) if own is not None]
    over_notes = over_max_notes([(label, own.over_max, own.max_output_tokens) for label, own in owned])
    notes += over_notes
    notes += priority_notes(demand, catalog.long_context_threshold)  # the same traffic on each model
    if demand.traffic.requests_per_day is None:
        notes.append(
            "No daily volume given (--requests-per-day): monthly spend is not projected, so the tiers' "
            "monthly usage caps are not checked" + (" and RPD is not checked." if _has_rpd(assessments) else ".")
        )
    notes.append("max peak RPM: the highest peak request rate at which the tier still fits (same request mix).")
    tables = [
        Table(
            "Rate-limit use at the peak minute, per usage tier",
            (
                "model",
                "tier",
                *(h for _, h in columns),
                "headroom",
                "max peak RPM",
                "monthly cap use %",
                "fits",
                "status",
                "monthly cap",
                UNCOUNTED,
            ),
            rows,
            numeric=frozenset(
                {
                    "tier",
                    *(h for _, h in columns),
                    "headroom",
                    "max peak RPM",
                    "monthly cap use %",
                    "monthly cap",
                    UNCOUNTED,
                }
            ),
            name="tiers",
            csv_only=frozenset({"status", "monthly cap", UNCOUNTED}),
        ),
        Table(
            f"Lowest tier that fits (min headroom {_dec(demand.min_headroom_pct)}%)",
            ("model", "status", "peak RPM", "peak TPM", f"spend/month ({DAYS_PER_MONTH} d)", "lowest tier"),
            summary_rows,
            numeric=frozenset({"peak RPM", "peak TPM", f"spend/month ({DAYS_PER_MONTH} d)", "lowest tier"}),
            name="lowest-tier",
        ),
    ]
    assumptions = merged([(a.demand.models[0][0].label,
                            input_assumptions(a.demand, own, output_source, catalog, peak_places=places))
                           for a, own in pairs])  # fmt: skip
    if any(a.demand.profile.batch_kinds for a in assessments):
        assumptions.append(("spend", SPEND_PARTS))
    tables.append(uncounted_table(uncounted))
    if drains:
        tables.insert(-1, _drain_table(drains))
        assumptions.append(
            (
                "backlog drain",
                "online at 100% of the tier's RPM/TPM (RPD a day at a time); Batch API: the queue holds as many "
                "requests' input tokens as it allows, each wave takes the full 24 h window, the next wave is "
                "enqueued right after",
            )
        )
    stale = catalog_notes(catalog.as_of, day)
    notes += stale
    data = {
        "schema_version": SCHEMA_VERSION,
        **dated_json(day, catalog.as_of),
        "inputs": common_inputs(_inputs_json(demand, pairs[0][1]), [m["inputs"] for m in models_json]),
        "monthly_spend_projected": demand.spend_projected,
        "models": models_json,
        "uncounted": uncounted_json(uncounted),
        **prose_json(assumptions, notes),
    }
    return Report(
        title="Rate-limit headroom per usage tier",
        data=data,
        tables=tables,
        assumptions=assumptions,
        notes=notes,
        warnings=[
            n
            for n in notes
            if "shut down" in n
            or "not yet released" in n
            or is_uncounted_note(n)
            or n in over_notes
            or n in template_notes
            or n in stale
        ],
        charts=_charts(assessments, columns, demand),
    )


def prose_json(assumptions: Sequence[tuple[str, str]], notes: Sequence[str]) -> dict[str, Any]:
    """JSON ``assumptions`` (each line of the table's and Markdown's Assumptions, by its name in
    snake_case) and ``notes`` (their Notes, in order), as ``usage`` writes its assumptions."""
    return {"assumptions": {snake(name): text for name, text in assumptions}, "notes": list(notes)}


def _charts(assessments: Sequence[Assessment], columns: Sequence[tuple[str, str]], demand: Demand) -> list[Chart]:
    """Per model: RPM and TPM use at each tier against the limit (100%) and the headroom line."""
    charts = []
    for a in assessments:
        ((model, _),) = a.demand.models
        series = []
        for key, head in columns:
            if key not in ("rpm", "tpm"):
                continue
            values: list[Decimal | int | None] = []
            for t in a.tiers:
                u = t.models[0].use(key)
                values.append(None if u is None else u.pct)
            series.append((head, values))
        lowest = "no tier fits" if a.lowest_tier is None else f"the lowest tier that fits is {a.lowest_tier}"
        charts.append(
            Chart(
                f"{model.label}: RPM and TPM use per tier",
                f"Share of each tier's limit used at the peak minute; {lowest}. "
                f"The line marks {100 - demand.min_headroom_pct}% (the required headroom of "
                f"{_dec(demand.min_headroom_pct)}%).",
                [f"tier {t.tier}" + (" (lowest that fits)" if t.tier == a.lowest_tier else "") for t in a.tiers],
                series,
                unit="pct",
                line=("limit less headroom", 100 - demand.min_headroom_pct),
                table="tiers",
                terminal=len(series),
            )
        )
    return charts


def _has_rpd(assessments: Sequence[Assessment]) -> bool:
    return any(
        m.spec.limits[t.tier].standard.rpd is not None for a in assessments for m, _ in a.demand.models for t in a.tiers
    )


def _capped_below(p: RequestProfile) -> int:
    """Requests (kinds) whose own cap is below the expected output, each expected to produce its cap."""
    return sum(p.output_of(k) < p.output_tokens * (1 if p.output_whole else p.choices_of(k)) for k in range(p.kinds))


def _mean_output(p: RequestProfile) -> Decimal:
    return Decimal(sum(map(p.output_of, range(p.kinds)))) / p.kinds


def expected_output_json(p: RequestProfile) -> dict[str, Any]:
    """The expected output of the profile's requests, for JSON: how many are capped below the
    assumption, and the mean over all (what spend is priced at); the mean output reservation
    (what TPM counts at admission: each request's own cap or the reservation, times its choices)."""
    return {
        "expected_output_capped_requests": _capped_below(p),
        "mean_expected_output_tokens": rounded(_mean_output(p), MEAN_PLACES),
        "mean_output_reservation_tokens": rounded(
            Decimal(sum(map(p.reserve_of, range(p.kinds)))) / p.kinds, MEAN_PLACES
        ),
    }


def _short(reasons: Sequence[str]) -> list[str]:
    return [r.split(": ", 1)[1] if r.startswith("tier ") else r for r in reasons]


#: The requests each monthly figure covers, and its per-request price (ModelCost).
SPEND_PARTS = (
    "standard covers the requests sent online (not a Batch file's, less the batch share), batch those sent "
    "through the Batch API (a Batch file's, and the batch share of the others); each per-request price (JSON "
    "per_request_usd) is the mean over the requests its monthly figure covers"
)

#: Input figures each model has its own of (images and the cache differ by model, the cap's maximum too):
#: JSON ``models[].inputs``; the top-level ``inputs`` has the models' common value, null when they differ.
PER_MODEL = (
    "mean_input_tokens",
    "input_tokens_total",
    "max_input_tokens",
    "expected_output_tokens",
    "expected_output_capped_requests",
    "mean_expected_output_tokens",
    "mean_output_reservation_tokens",
    "mean_cached_tokens",
    "cache",
    "requests_over_max_output",
)


def covers(demand: Demand) -> dict[str, str]:
    """Which requests ``monthly_cost_usd`` and ``per_request_usd`` cover in each mode (JSON)."""
    p, bs = demand.profile, demand.batch_share
    files, others = p.batch_kinds, p.kinds - p.batch_kinds
    share = f"{_dec(bs * 100)}%"
    online = "every request"
    if files:
        online = f"the {others:,} of {p.kinds:,} requests measured that are not a Batch file's"
    if not others or bs == 1:
        std = f"none is sent online: per request, {online if others else 'every request'} at standard rates (a what-if)"
    else:
        std = f"sent online: {online}" + (f", less the {share} batch share" if bs else "")
    parts = ([f"the {files:,} Batch file requests"] if files else []) + (
        [f"the {share} batch share of {'the others' if files else 'every request'}"] if bs and others else []
    )
    bat = "sent through the Batch API: " + " and ".join(parts)
    if not parts:
        bat = "none is sent through the Batch API: per request, every request at Batch rates (a what-if)"
    return {"standard": std, "batch": bat}


def merged(each: Sequence[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    """Each model's assumptions as one list: a line every model has alike once, a line that
    differs (or that only some models have) as each model's own ("model: text; model: text"),
    in the order the lines first appear."""
    names = list(dict.fromkeys(name for _, lines in each for name, _ in lines))
    texts = [dict(lines) for _, lines in each]
    out = []
    for name in names:
        own = [t.get(name) for t in texts]
        if all(x == own[0] for x in own) and own[0] is not None:
            out.append((name, own[0]))
        else:
            out.append((name, "; ".join(f"{label}: {x}" for (label, _), x in zip(each, own, strict=True) if x)))
    return out


def _model_inputs_json(demand: Demand, summary: PromptSummary | None) -> dict[str, Any]:
    """One model's own input figures (JSON ``models[].inputs``)."""
    full = _inputs_json(demand, summary)
    return {k: full[k] for k in PER_MODEL}


def common_inputs(
    top: dict[str, Any], models: Sequence[dict[str, Any]], keys: Sequence[str] = PER_MODEL
) -> dict[str, Any]:
    """The top-level ``inputs``: a per-model figure there (``keys``) is the models' common value,
    null when they differ (each model's own is in ``models[].inputs``)."""
    out = dict(top)
    for k in keys:
        values = [m[k] for m in models]
        out[k] = values[0] if all(v == values[0] for v in values) else None
    return out


def _inputs_json(demand: Demand, summary: PromptSummary | None) -> dict[str, Any]:
    t, p = demand.traffic, demand.profile
    return {
        "peak_rpm": rate_json(t.peak_rpm),
        "peak_rpm_source": t.peak_source,
        "requests_per_day": rounded(t.requests_per_day, 4),
        "prompt_files": summary.files if summary else 0,
        "mean_input_tokens": rounded(p.mean_input_tokens, MEAN_PLACES),
        "input_tokens_total": summary.input_tokens_total if summary else None,
        "max_input_tokens": p.max_input_tokens,
        "output_reservation_tokens": p.reserve_tokens,
        "expected_output_tokens": p.output_tokens,
        **expected_output_json(p),
        "mean_cached_tokens": rounded(summary.mean_cached_tokens if summary else Decimal(0), MEAN_PLACES),
        "cache": summary.cache_basis if summary else None,
        "requests_over_max_output": over_max_json(summary),
        "batch_share": demand.batch_share,
        "priority_share": demand.priority_share,
        "batch_file_requests": p.batch_kinds,
        "min_headroom_pct": pct_json(demand.min_headroom_pct),
    }


def _drain_table(drains: Sequence[Drain]) -> Table:
    rows = [
        [
            d.model,
            d.tier,
            Shown(duration(d.online_minutes), rounded(d.online_minutes, 2)),
            d.online_limited_by,
            Shown("never (a request is over the queue)", None)
            if d.batch_hours is None
            else Shown(duration(Decimal(d.batch_hours * 60)), d.batch_hours * 60),
            d.batch_waves,
        ]
        for d in drains
    ]
    return Table(
        f"Backlog of {n_requests(drains[0].backlog)}: time to drain",
        ("model", "tier", "online time", "limited by", "Batch API time", "24 h waves"),
        rows,
        numeric=frozenset({"tier", "online time", "Batch API time", "24 h waves"}),
        name="backlog",
        # people read each time in its own unit (45.0 min, 2.1 days); CSV has minutes throughout
        csv_names=(("online time", "online minutes"), ("Batch API time", "Batch API minutes")),
    )


def _drain_json(d: Drain) -> dict[str, Any]:
    return {
        "tier": d.tier,
        "backlog_requests": d.backlog,
        "online_minutes": rounded(d.online_minutes, 2),
        "online_limited_by": d.online_limited_by,
        "batch_waves": d.batch_waves,
        "batch_hours": d.batch_hours,
        "batch_files_per_wave": d.batch_files,
    }
