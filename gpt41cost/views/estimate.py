"""`gpt41cost estimate`: EstimateResult -> Report. The JSON here is a contract (schema_version 2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..batch import BatchCheck
from ..cache import CACHE_STEADY_MONTH, CACHE_STEADY_SHORT, RETENTION_MINUTES, cache_assumptions
from ..catalog import describe_path
from ..cost import BATCH_CACHED_AT_INPUT_RATE
from ..estimate import (
    DAYS_PER_MONTH,
    DEFAULT_OUTPUT_TOKENS,
    PROMPT_TEXT,
    EstimateResult,
    InputEstimate,
    ModelEstimate,
    per_minute,
)
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
    rounded,
    usd_auto,
    usd_cents,
)
from ..workload import NOT_IN_LOG
from .batch import batch_json, batch_tables
from .dated import catalog_notes, date_assumption, dated_json, status_text
from .limits import over_max_notes
from .uncounted import COLUMN, is_uncounted_note, uncounted_json, uncounted_notes, uncounted_table

#: 2: each model carries ``lifecycle``; the top level ``as_of`` and ``catalog_as_of`` (issue #13).
SCHEMA_VERSION = 3
#: Keys every entry of "models" carries; pinned by a test.
MODEL_KEYS = (
    "model",
    "requests",
    "input_tokens_total",
    "cached_input_tokens_total",
    "output_tokens_total",
    "per_request_usd",
    "total_usd",
    "monthly_usd",
    "lifecycle",
)


def _not_in_log(r: EstimateResult, logged: Sequence[str]) -> list[str]:
    """The base models of the report that ``logged`` (a calibration's models) leaves out, in the
    report's order: their figures rest on what the calibration gives every model."""
    return [b for b in dict.fromkeys(m.base_model for m in r.models) if b not in logged]


def _cache_text(r: EstimateResult) -> str:
    a = r.assumptions
    text = _cache_text_logged(r)
    if a.cache_mode == "rate" and (a.cache_by_model or a.hit_rate_by_model):
        rated = [m for m in a.hit_rate_by_model if m not in a.cache_by_model]
        if a.cache_by_model and rated:
            text += "; " + ", ".join(f"{m} observed hit rate {pct(a.hit_rate_by_model[m] * 100)}" for m in rated)
        others = _not_in_log(r, [*a.cache_by_model, *a.hit_rate_by_model])
        if others:
            text += f"; {', '.join(others)}: none cached ({NOT_IN_LOG}, and the prompt cache is per model)"
    return text


def _cache_text_logged(r: EstimateResult) -> str:
    a = r.assumptions
    if a.cache_mode == "fixed":
        return f"{a.cached_tokens:,} cached input tokens per request (given; capped at the request's input)"
    if a.cache_mode == "rate" and a.cache_by_model:
        return (
            "from the log's requests of the same size (mean cached tokens per request by 128-token input band; "
            + "; ".join(
                f"{m}: {n_requests(c.distribution_requests)}, "
                + ", ".join(
                    f"{b * 128:,}-{b * 128 + 127:,} in: {Decimal(cc) / n:,.0f} cached"
                    for b, (n, cc) in list(c.bands.items())[:6]
                )
                + (" ..." if len(c.bands) > 6 else "")
                for m, c in a.cache_by_model.items()
            )
            + "); a size without log requests takes the nearest band up to 256 tokens away, "
            "else the log's hit rate in 128-token steps; 0 under 1,024 input tokens"
        )
    if a.cache_mode == "rate":
        rate = (
            f"hit rate {a.cache_hit_rate}"
            if not a.hit_rate_by_model
            else "observed hit rate per model ("
            + ", ".join(f"{m} {pct(v * 100)}" for m, v in a.hit_rate_by_model.items())
            + ")"
        )
        return f"{rate} of each request's input, applied with OpenAI's 1,024-token minimum and 128-token steps"
    if a.cache_mode == "auto":
        warm = "warm (the first request hits too)" if a.cache_warm else "cold (the first request pays full price)"
        return f"auto: shared prefixes across the run, cache {warm}"
    return "none"


def prompt_text_rule() -> str:
    from ..requests import REPLY_PRIMING, TOKENS_PER_MESSAGE

    frame = TOKENS_PER_MESSAGE + 1 + REPLY_PRIMING
    return PROMPT_TEXT.format(frame=frame, per_message=TOKENS_PER_MESSAGE, priming=REPLY_PRIMING)


def assumptions(r: EstimateResult) -> list[tuple[str, str]]:
    a = r.assumptions
    out_src = {
        "default": f"default {DEFAULT_OUTPUT_TOKENS}; set --output-tokens",
        "flag": "--output-tokens",
    }.get(a.output_source, a.output_source)
    others = _not_in_log(r, list(a.output_by_model)) if a.output_by_model else []
    unlogged = (
        f"; {', '.join(others)} {a.output_tokens:,} ({NOT_IN_LOG}: the mean over all its requests)" if others else ""
    )
    rows = [
        (
            "output tokens per request",
            (
                f"{a.output_tokens:,} ({out_src})"
                if not a.output_by_model
                else ", ".join(f"{m} {n:,}" for m, n in a.output_by_model.items()) + f" ({out_src})" + unlogged
            )
            + _capped_text(r),
        ),
        ("cached input", _cache_text(r)),
        ("processing", processing_text(r)),
        (
            "traffic",
            f"{a.traffic_source} (a month is {DAYS_PER_MONTH} days)"
            if a.requests_per_month is not None
            else "none given (no monthly figures); set --requests-per-day or --requests-per-month",
        ),
        ("prices", f"{describe_path(r.catalog_path)} (as of {r.catalog_as_of})"),
        date_assumption(_day(r)),
        ("percentiles", "nearest-rank over the requests measured"),
    ]
    if any(i.read_as in ("text", "prompts") for i in r.inputs):
        rows.append(("prompt text", prompt_text_rule()))
    if "batch" in r.modes:
        rows.append(("batch cached tokens", BATCH_CACHED_AT_INPUT_RATE))
    steady = [m for m in r.models if m.monthly_cached_tokens is not None]
    if steady and a.requests_per_month is not None:
        rate = per_minute(Decimal(a.requests_per_month))
        rows.append(
            (
                "month in steady state",
                f"{_dec_text(rate)} requests/min on average (from {a.traffic_source}); cached input per request in "
                "the month: "
                + ", ".join(
                    f"{m.model} {_dec_text(m.monthly_cached_tokens)}"
                    for m in steady
                    if m.monthly_cached_tokens is not None
                )
                + " tokens (the 'all requests once' figures keep the "
                + ("warm" if a.cache_warm else "cold")
                + " run); "
                + CACHE_STEADY_MONTH.format(minutes=RETENTION_MINUTES),
            )
        )
    if any(m.training_tokens is not None for m in r.models):
        rows.append(("fine-tuning epochs", f"{a.epochs}"))
    return rows


MODE_TEXT = {
    "standard": "standard",
    "batch": "batch (50% off input and output)",
    "priority": "priority",
}

#: How a run mixing Batch files and online requests words the Batch files' rates.
BATCH_FILES_TEXT = "batch rates (Batch API, 50% off input and output)"
#: What the processing flags do in a run mixing Batch files and online requests.
FLAGS_TEXT = (
    "--batch prices every input at Batch rates, --priority every online one at priority rates (the Batch API has "
    "no priority processing)"
)


def processing_text(r: EstimateResult) -> str:
    """How the run's requests are priced (docs/accounting.md §8, "Batch files"): a Batch file's
    requests through the Batch API, the other inputs' as online requests at standard rates,
    or at the rates --batch or --priority sets (--batch every input's; --priority the online
    ones': the Batch API has no priority processing)."""
    a, modes = r.assumptions, r.modes
    batch_files = [i.source for i in r.inputs if i.read_as == "batch" and i.requests]
    # requests at priority because their body asks for it (no flag sets every input's mode)
    asked = modes.get("priority", 0) if a.honours_bodies else 0
    if len(modes) <= 1:
        mode = next(iter(modes), a.mode)
        text = MODE_TEXT[mode]
        if asked:
            each = "the request's body asks" if asked == 1 else f"each of the {asked:,} requests' bodies asks"
            return text + f": {each} for it (service_tier priority or fast)"
        if batch_files and a.mode == "batch":  # --batch set it for every input
            files = "the Batch file's" if len(batch_files) == 1 else "the Batch files'"
            return text + f" (--{mode}: every input, {files} requests too)"
        if batch_files:
            return text + ": the input is a Batch API file, so batch rates apply"
        return text
    batch_n = sum(i.requests for i in r.inputs if i.read_as == "batch")
    n = sum(modes.values())
    kind = "a Batch file" if len(batch_files) == 1 else "Batch files"
    rest = modes.get(a.mode, 0)
    if asked:
        parts = [f"{BATCH_FILES_TEXT} for the {n_requests(batch_n)} of {first_named(batch_files)} ({kind})"]
        parts = parts if batch_n else []
        whose = "whose body asks" if asked == 1 else "whose bodies ask"
        parts.append(f"priority for the {n_requests(asked)} {whose} for it (service_tier priority or fast)")
        if rest:
            parts.append(f"{a.mode} for the other {n_requests(rest)}" + (" (online)" if batch_n else ""))
        mix = [f"{batch_n:,} through the Batch API"] if batch_n else []
        mix.append(f"{asked:,} at priority")
        return (
            ", ".join(parts) + "; each request is priced at its own rates and the run's figures are their sum; "
            f"monthly figures keep the sample's mix (of {n_requests(n)}, {' and '.join(mix)}); {FLAGS_TEXT}"
        )
    return (
        f"{BATCH_FILES_TEXT} for the {n_requests(batch_n)} of {first_named(batch_files)} ({kind}), "
        f"{a.mode} for the other {n_requests(rest)} (online); each input is priced at its own rates and the "
        f"run's figures are their sum; monthly figures keep the sample's mix ({batch_n:,} of {n:,} requests "
        f"through the Batch API); {FLAGS_TEXT}"
    )


def _capped_text(r: EstimateResult) -> str:
    """The output rule's second half, where it applies: a request's own cap below the assumption
    is its expected output (:func:`gpt41cost.measure.expected_output`)."""
    counts = {m.model: m.output_capped_requests for m in r.models}
    if not any(counts.values()):
        return ""
    if len(set(counts.values())) == 1:
        n = next(iter(counts.values()))
        which = n_requests(n)
    else:
        which = ", ".join(f"{model} {n:,}" for model, n in counts.items()) + " requests"
    return f", or the request's own max_tokens where lower ({which})"


def _dec_text(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.1')):,}"


def _day(r: EstimateResult) -> date:
    return r.run_date if r.run_date is not None else date.fromisoformat(r.catalog_as_of)


def _model_json(m: ModelEstimate, day: date) -> dict[str, Any]:
    return {
        "model": m.model,
        "requested": m.requested,
        "lifecycle": m.lifecycle.as_json(day),
        "base_model": m.base_model,
        "fine_tuned": m.fine_tuned,
        "requests": m.requests,
        "input_tokens_total": m.usage.input_tokens,
        "cached_input_tokens_total": m.usage.cached_input_tokens,
        "output_tokens_total": m.usage.output_tokens,
        "input_tokens_per_request": {
            "mean": rounded(m.input_stats.mean, MEAN_PLACES),
            "p50": m.input_stats.p50,
            "p95": m.input_stats.p95,
            "max": m.input_stats.max,
        },
        "per_request_usd": money_str(m.per_request_usd),
        "total_usd": money_str(m.cost.total_usd),
        "total_without_cache_usd": money_str(m.cost_without_cache.total_usd),
        "monthly_usd": money_str(m.monthly_usd),
        "monthly_without_cache_usd": money_str(m.monthly_without_cache_usd),
        **_json(_batch_figures(m)),
        "monthly_cached_tokens_per_request": rounded(m.monthly_cached_tokens, MEAN_PLACES),
        **_json(_what_if_figures(m)),
        "saving_vs_gpt_4_1_pct": rounded(m.saving_vs_baseline_pct, 4),
        "worst_case_total_usd": money_str(m.worst_case_usd),
        "output_capped_requests": m.output_capped_requests,
        "cost_lines_usd": {
            "uncached_input": money_str(m.cost.uncached_input_usd),
            "cached_input": money_str(m.cost.cached_input_usd),
            "output": money_str(m.cost.output_usd),
        },
        "fits": not m.misfits,
        "misfits": [
            {"where": f.where, "input_tokens": f.input_tokens, "output_tokens": f.output_tokens, "problem": f.problem}
            for f in m.misfits
        ],
        "training_tokens": m.training_tokens,
        "training_usd": money_str(m.training_usd),
    }


def _batch_figures(m: ModelEstimate) -> dict[str, Decimal | None]:
    """The model's requests through the Batch API, by JSON key (JSON and CSV carry them; the
    notes give them rounded, :func:`_batch_notes`)."""
    batch = m.batch_cost.total_usd
    per_request = batch / m.requests
    return dict(zip(BATCH_KEYS, (per_request, batch, m.monthly_batch_usd), strict=True))


def _what_if_figures(m: ModelEstimate) -> dict[str, Decimal | int | None]:
    """The what-if of a run with no prompt cache assumed (None otherwise), by JSON key: the same
    requests with the cache as ``--cache auto`` would detect it; savings are against the run's own
    figures. JSON and CSV carry them."""
    w = m.if_cached
    if w is None:
        return dict.fromkeys(WHAT_IF_KEYS)
    monthly_saved = None if w.monthly_usd is None or m.monthly_usd is None else m.monthly_usd - w.monthly_usd
    return {
        "cached_input_tokens_if_cached_total": w.usage.cached_input_tokens,
        "per_request_if_cached_usd": w.per_request_usd,
        "total_if_cached_usd": w.cost.total_usd,
        "monthly_if_cached_usd": w.monthly_usd,
        "cache_savings_if_cached_usd": m.cost.total_usd - w.cost.total_usd,
        "monthly_cache_savings_if_cached_usd": monthly_saved,
    }


def _json(figures: Mapping[str, Decimal | int | None]) -> dict[str, Any]:
    """Figures as JSON writes them: money (Decimal) as exact strings; counts and None as they are."""
    return {k: money_str(v) if isinstance(v, Decimal) else v for k, v in figures.items()}


#: The what-if keys of every entry of "models" (null unless the run assumes no prompt cache).
WHAT_IF_KEYS = (
    "cached_input_tokens_if_cached_total",
    "per_request_if_cached_usd",
    "total_if_cached_usd",
    "monthly_if_cached_usd",
    "cache_savings_if_cached_usd",
    "monthly_cache_savings_if_cached_usd",
)
#: The Batch keys of every entry of "models".
BATCH_KEYS = ("per_request_batch_usd", "total_batch_usd", "monthly_batch_usd")
#: How the what-if series are named in the HTML report.
WHAT_IF_LABEL = "what-if: with the prompt cache (as --cache auto would detect)"


#: Inputs listed one by one in the table without --per-input; past this, grouped by kind and reason.
LIST_INPUTS = 12
#: Keys of every entry of "inputs"; pinned by a test.
INPUT_KEYS = ("source", "read_as", "reason", "requests", "processing", "requests_by_processing", "models")


def _empty_reason(source: str) -> str:
    """Why a file found in a directory was skipped: what it holds (an empty file, or a data file of
    only ``[]`` or ``{}``: :class:`gpt41cost.readers.inputs.Empty`), as the error names it alone."""
    from ..readers.inputs import holds

    return f"{holds(source)} (found in a directory)"


def _input_json(i: InputEstimate) -> dict[str, Any]:
    return {
        "source": i.source,
        "read_as": i.read_as,
        "reason": i.reason,
        "requests": i.requests,
        "processing": i.processing,
        "requests_by_processing": dict(i.requests_by_processing or ((i.processing, i.requests),)),
        "models": [
            {
                "model": f.model,
                "input_tokens": f.input_tokens,
                "cached_input_tokens": f.cached_input_tokens,
                "output_tokens": f.output_tokens,
                "total_usd": money_str(f.total_usd),
            }
            for f in i.models
        ],
    }


def _priced_at(i: InputEstimate) -> str:
    """The Inputs table's "priced at": the input's processing mode, or its requests per mode
    (``priority 2, standard 1``) when some of them ask for priority processing and some not."""
    if i.processing != "mixed":
        return i.processing
    return ", ".join(f"{mode} {n:,}" for mode, n in i.requests_by_processing)


def _inputs_tables(r: EstimateResult, per_input: bool) -> list[Table]:
    """What each input was read as and why, and the rates it is priced at when they differ; with
    ``per_input`` its tokens and cost per model too. CSV's ``inputs`` lists every input; people
    read it when the inputs were read in more than one way, grouped by way past LIST_INPUTS
    inputs, and otherwise in the note ("Measured: 8 inputs (read as text: extension .txt)")."""
    mixed = len(r.modes) > 1
    if per_input:
        models = [f.model for f in r.inputs[0].models] if r.inputs else []
        same = all(len({f.input_tokens for f in i.models}) <= 1 for i in r.inputs)
        token_cols = ["input tokens"] if same else [f"input tokens {m}" for m in models]
        cost_cols = [f"{m} (all once)" for m in models]
        priced = ["priced at"] if mixed else []
        cols = ["input", "read as", "why", "requests", *priced, *token_cols, *cost_cols]
        rows: list[list[Any]] = []
        for i in r.inputs:
            tokens = [i.models[0].input_tokens] if same and i.models else [f.input_tokens for f in i.models]
            mode = [_priced_at(i)] if mixed else []
            rows.append(
                [i.source, i.read_as, i.reason, i.requests, *mode, *tokens, *(Usd(f.total_usd) for f in i.models)]
            )
        blank = [None] * (len(priced) + len(token_cols) + len(cost_cols))
        rows += [[e, "skipped", _empty_reason(e), 0, *blank] for e in r.empty_inputs]
        return [Table("Inputs", cols, rows, numeric=frozenset(cols[3:]) - set(priced), name="inputs")]
    rows = [[i.source, i.read_as, i.reason, *([_priced_at(i)] if mixed else [])] for i in r.inputs]
    rows += [[e, "skipped", _empty_reason(e), *([None] if mixed else [])] for e in r.empty_inputs]
    one_way = len({(i.read_as, i.reason) for i in r.inputs}) <= 1 and not r.empty_inputs
    people = not one_way and len(rows) <= LIST_INPUTS
    cols = ["input", "read as", "why", *(["priced at"] if mixed else [])]
    listed = Table("Inputs", cols, rows, name="inputs", people=people)
    if people or one_way:
        return [listed]
    groups: dict[tuple[str, str], list[str]] = {}
    for i in r.inputs:
        groups.setdefault((i.read_as, i.reason), []).append(i.source)
    for e in r.empty_inputs:
        groups.setdefault(("skipped", _empty_reason(e)), []).append(e)
    grouped = [[len(v), k[0], k[1], v[0]] for k, v in groups.items()]
    return [
        Table(
            "Inputs (--per-input lists each)",
            ["inputs", "read as", "why", "first"],
            grouped,
            numeric=frozenset({"inputs"}),
            csv=False,
        ),
        listed,
    ]


def estimate_report(
    r: EstimateResult,
    checks: Sequence[BatchCheck] = (),
    extra_assumptions: Sequence[tuple[str, str]] = (),
    *,
    per_input: bool = False,
) -> Report:
    a = r.assumptions
    day = _day(r)
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        **dated_json(day, r.catalog_as_of),
        "assumptions": {
            "output_tokens": a.output_tokens,
            "output_tokens_by_model": dict(a.output_by_model),
            "cache_hit_rate_by_model": dict(a.hit_rate_by_model),
            "output_tokens_source": a.output_source,
            "cache": a.cache_mode,
            "cached_tokens": a.cached_tokens,
            "cache_hit_rate": a.cache_hit_rate,
            "cache_warm": a.cache_warm,
            "processing": r.processing,
            "requests_by_processing": r.modes,
            "requests_per_month": a.requests_per_month,
            "days_per_month": DAYS_PER_MONTH,
            "prices_as_of": r.catalog_as_of,
        },
        "requested_model": next((m.model for m in r.models if m.requested), None),
        "inputs": [_input_json(i) for i in r.inputs],
        "skipped_inputs": [{"source": e, "reason": _empty_reason(e)} for e in r.empty_inputs],
        "models": [_model_json(m, day) for m in r.models],
        "uncounted": uncounted_json(r.uncounted),
        "batch_preflight": [batch_json(c) for c in checks],
    }
    monthly = a.requests_per_month is not None
    cols = [
        "model",
        "status",
        "requests",
        "input tokens",
        "cached tokens",
        "output tokens",
        "per request",
        "all requests once",
    ]
    if monthly:
        cols.append("monthly")
    cols += ["vs gpt-4.1", "fits", "requested", COLUMN]
    # CSV only, by JSON's keys and from JSON's figures: the Batch variant and the cache what-if
    # (empty where JSON has null); people read them in the HTML's charts and the notes
    variants = [*BATCH_KEYS, *WHAT_IF_KEYS]
    rows: list[list[Any]] = []
    for m in r.models:
        label = m.model + (" (requested)" if m.requested else "")
        row: list[Any] = [
            Shown(label, m.model),
            status_text(m.lifecycle, day),
            m.requests,
            m.usage.input_tokens,
            m.usage.cached_input_tokens,
            m.usage.output_tokens,
            Usd(m.per_request_usd),
            Usd(m.cost.total_usd),
        ]
        if monthly:
            row.append(Usd(m.monthly_usd))
        saving = m.saving_vs_baseline_pct
        baseline = Shown("baseline", Decimal(0))
        row.append(None if saving is None else (baseline if m.model == "gpt-4.1" else Pct(-saving)))
        row.append("yes" if not m.misfits else Shown(f"NO ({len(m.misfits)})", "no"))
        row.append("yes" if m.requested else "no")
        row.append(len(r.uncounted))
        figures = {**_batch_figures(m), **_what_if_figures(m)}
        row += [Usd(v) if isinstance(v, Decimal) else v for v in map(figures.__getitem__, variants)]
        rows.append(row)
    stats_rows = [
        [m.model, m.input_stats.mean.quantize(Decimal("0.1")), m.input_stats.p50, m.input_stats.p95, m.input_stats.max]
        for m in r.models
    ]
    if len({tuple(row[1:]) for row in stats_rows}) == 1:  # no images: the same on every model
        stats_rows = [["all models", *stats_rows[0][1:]]]
    tables = [
        Table(
            "Cost per model",
            [*cols, *variants],
            rows,
            numeric=frozenset([*cols[2:-3], COLUMN, *variants]),
            name="models",
            csv_only=frozenset({"requested", COLUMN, *variants}),
            secondary=("output tokens", "cached tokens", "input tokens"),
        ),
        Table(
            "Input tokens per request",
            ["model", "mean", "p50", "p95", "max"],
            stats_rows,
            numeric=frozenset({"mean", "p50", "p95", "max"}),
            name="input-sizes",
        ),
    ]
    # A CSV table the README names is always there (``--table misfits`` on a run where every request
    # fits is its header, not a bad flag); people see it when it has something to say.
    crow = []
    for m in r.models:
        saved = m.cost_without_cache.total_usd - m.cost.total_usd
        crow.append(
            [
                m.model,
                m.usage.cached_input_tokens,
                Usd(m.cost_without_cache.total_usd),
                Usd(m.cost.total_usd),
                Usd(saved),
                Usd(m.monthly_without_cache_usd),
                Usd(m.monthly_usd),
            ]
        )
    tables.append(
        Table(
            "Prompt caching",
            ["model", "cached tokens", "without cache", "with cache", "saved", "monthly without", "monthly with"],
            crow,
            numeric=frozenset(
                {"cached tokens", "without cache", "with cache", "saved", "monthly without", "monthly with"}
            ),
            name="cache",
            people=any(m.cost.cached_input_usd or m.usage.cached_input_tokens for m in r.models)
            or a.cache_mode != "none",
        )
    )
    tables.append(
        Table(
            "Expected vs worst case (each request's own output cap)",
            ["model", "requests with a cap", "cap below output", "expected", "worst case"],
            [
                [
                    m.model,
                    m.worst_case_requests,
                    m.output_capped_requests,
                    Usd(m.cost.total_usd),
                    Usd(m.worst_case_usd),
                ]
                for m in r.models
            ],
            numeric=frozenset({"requests with a cap", "cap below output", "expected", "worst case"}),
            name="worst-case",
            people=any(m.worst_case_usd is not None for m in r.models),
        )
    )
    tables.append(
        Table(
            f"Fine-tuning training ({a.epochs} epochs)",
            ["model", "training tokens", "training cost"],
            [[m.model, m.training_tokens, Usd(m.training_usd)] for m in r.models],
            numeric=frozenset({"training tokens", "training cost"}),
            name="training",
            people=any(m.training_usd is not None for m in r.models),
        )
    )
    tables += _inputs_tables(r, per_input)
    tables += batch_tables(checks)
    tables.append(uncounted_table(r.uncounted))
    misfit_rows = [[m.model, f.where, f.input_tokens, f.output_tokens, f.problem] for m in r.models for f in m.misfits]
    tables.append(
        Table(
            "Requests that do not fit",
            ["model", "request", "input", "output", "problem"],
            misfit_rows,
            numeric=frozenset({"input", "output"}),
            name="misfits",
            people=bool(misfit_rows),
        )
    )
    notes = []
    why = {(i.read_as, i.reason) for i in r.inputs}
    if len(r.inputs) == 1 and r.inputs[0].reason:
        notes.append(f"Measured: {r.inputs[0].source} (read as {r.inputs[0].read_as}: {r.inputs[0].reason})")
    elif len(why) == 1 and r.inputs[0].reason:
        notes.append(f"Measured: {len(r.inputs)} inputs (read as {r.inputs[0].read_as}: {r.inputs[0].reason})")
    elif len(r.sources) == 1:
        notes.append(f"Measured: {r.sources[0]} (read as {r.kinds[0][1]})")
    else:
        kinds = sorted({k for _, k in r.kinds})
        notes.append(f"Measured: {len(r.sources)} inputs (read as {', '.join(kinds)})")
    if r.empty_inputs:
        from ..readers.inputs import nothing_to_send

        notes.append(f"Skipped {nothing_to_send(r.empty_inputs)} found in directories (listed under Inputs)")
    notes += uncounted_notes(r.uncounted)
    from ..readers.inputs import unrendered, unrendered_note

    templates = sum(unrendered(i.reason) for i in r.inputs)
    template_notes = [unrendered_note(templates)] if templates else []
    notes += template_notes
    notes += list(r.notes)
    notes += _what_if_note(r)
    notes += _batch_notes(r)
    stale = catalog_notes(r.catalog_as_of, day)
    notes += stale
    data["notes"] = list(notes)  # the Notes, in order, as limits' and plan's JSON
    warnings = [n for n in notes if is_uncounted_note(n) or n in template_notes]
    # a model OpenAI does not serve on the run's date (shut down, or not yet released), as limits marks it
    from ..lifecycle import UNSERVED

    warnings += [f"{m.model}: {status_text(m.lifecycle, day)}" for m in r.models if m.status in UNSERVED]
    # the requests whose own cap is over a model's maximum output, in the words of limits' and
    # plan's (measure.CAP_OVER_MAX; the table lists them among the requests that do not fit)
    warnings += over_max_notes(
        [(m.model, tuple(dict.fromkeys((f.where, f.output_tokens) for f in m.misfits if f.over_max)),
          m.max_output_tokens) for m in r.models]
    )  # fmt: skip
    # a stale catalog: the last warning (unless the pre-flight rejects a batch: that says the one thing wrong)
    warnings += [] if any(c.rejected for c in checks) else stale
    return Report(
        title="gpt41cost estimate",
        data=data,
        tables=tables,
        assumptions=[*assumptions(r), *extra_assumptions],
        notes=notes,
        warnings=warnings,
        charts=_charts(r, monthly, stats_rows),
        chart_notes=_what_if_basis(r),
    )


def _charts(r: EstimateResult, monthly: bool, stats_rows: list[list[Any]]) -> list[Chart]:
    names = [m.model for m in r.models]
    batch_run = r.processing == "batch"

    def each(n: int, total: Decimal | None) -> Decimal | None:
        return None if total is None or not n else total / n

    # the variants: as estimated, without the prompt cache (when one is assumed) or with it as a
    # what-if (when none is: as --cache auto would detect it), and through the Batch API (no cached
    # rate there); a run already at batch prices has no separate Batch series
    mixed = r.processing == "mixed"
    cached = r.assumptions.cache_mode != "none"
    what_if = not cached and any(m.if_cached is not None for m in r.models)
    variants = "as estimated" + (
        " (Batch API)"
        if batch_run
        else " (Batch files' requests at Batch rates, the rest online)"
        if mixed and "batch" in r.modes
        else " (each request at the rates its body asks for: priority or standard)"
        if mixed
        else ""
    )
    if cached:
        variants += ", without the prompt cache"
    elif what_if:
        variants += f" (no prompt cache assumed); {WHAT_IF_LABEL}: the figures of --cache auto, see the notes"
    else:
        variants += " (no prompt cache assumed: --cache auto detects shared prefixes)"
    if not batch_run:
        every = " (every request)" if mixed else ""
        variants += f"; through the Batch API{every} (no cached rate there: cached tokens at the batch input rate)"

    def series(
        estimated: list[Decimal | None],
        no_cache: list[Decimal | None],
        if_cached: list[Decimal | None],
        batch: list[Decimal | None],
    ) -> list[tuple[str, Sequence[Decimal | int | None]]]:
        out: list[tuple[str, Sequence[Decimal | int | None]]] = [("as estimated", estimated)]
        if cached:
            out.append(("without cache", no_cache))
        elif what_if:
            out.append((WHAT_IF_LABEL, if_cached))
        if not batch_run:
            out.append(("Batch API", batch))
        return out

    per_request = series(
        [m.per_request_usd for m in r.models],
        [each(m.requests, m.cost_without_cache.total_usd) for m in r.models],
        [None if m.if_cached is None else m.if_cached.per_request_usd for m in r.models],
        [each(m.requests, m.batch_cost.total_usd) for m in r.models],
    )
    charts = [
        Chart(
            "Cost per request by model",
            f"Mean cost of one request on each model: {variants}.",
            names,
            per_request,
            table="models",
            terminal=0 if monthly else 1,
        )
    ]
    if monthly:
        per_month = series(
            [m.monthly_usd for m in r.models],
            [m.monthly_without_cache_usd for m in r.models],
            [None if m.if_cached is None else m.if_cached.monthly_usd for m in r.models],
            [m.monthly_batch_usd for m in r.models],
        )
        charts.append(
            Chart(
                "Cost per month by model",
                f"Monthly cost on each model at the assumed traffic: {variants}.",
                names,
                per_month,
                table="models",
                terminal=1,
            )
        )
    charts.append(
        Chart(
            "Input size per request",
            "Input tokens per request: mean, median (p50), 95th percentile and largest.",
            [str(row[0]) for row in stats_rows],
            [(k, [row[i] for row in stats_rows]) for i, k in enumerate(("mean", "p50", "p95", "max"), start=1)],
            unit="count",
            table="input-sizes",
        )
    )
    if any(m.cost.cached_input_usd or m.usage.cached_input_tokens for m in r.models):
        charts.append(
            Chart(
                "Prompt-cache savings",
                "Cost of all requests once, without and with prompt caching, per model.",
                names,
                [
                    ("without cache", [m.cost_without_cache.total_usd for m in r.models]),
                    ("with cache", [m.cost.total_usd for m in r.models]),
                ],
                table="cache",
            )
        )
    elif what_if:
        charts.append(
            Chart(
                "Prompt-cache savings (what-if)",
                f"Cost of all requests once per model: as estimated (no prompt cache assumed) and {WHAT_IF_LABEL}"
                ": the figures of --cache auto, see the notes.",
                names,
                [
                    ("as estimated (no cache)", [m.cost.total_usd for m in r.models]),
                    (WHAT_IF_LABEL, [None if m.if_cached is None else m.if_cached.cost.total_usd for m in r.models]),
                ],
                table="models",
            )
        )
    return charts


def _what_if_basis(r: EstimateResult) -> list[str]:
    """What the HTML's what-if series rest on: --cache auto's rules, and the month's steady state."""
    if r.assumptions.cache_mode != "none" or all(m.if_cached is None for m in r.models):
        return []
    head = (
        "What-if series ('" + WHAT_IF_LABEL + "'): the same requests and traffic with the prompt cache as "
        "--cache auto would detect it (the run's own figures assume no cache); it assumes: "
    )
    rules = [sentence for _, sentence in cache_assumptions(r.assumptions.cache_warm)]
    if r.assumptions.requests_per_month is not None:
        rules.append("monthly figures in the steady state: " + CACHE_STEADY_SHORT.format(minutes=RETENTION_MINUTES))
    return [head + "; ".join(rules)]


def _what_if_note(r: EstimateResult) -> list[str]:
    """One line for every format: the what-if of the first model when the cache would save anything
    (the HTML and JSON have every model's)."""
    m = next((m for m in r.models if m.if_cached is not None), None)
    if m is None or m.if_cached is None or m.if_cached.per_request_usd >= m.per_request_usd:
        return []  # nothing saved (nothing cached, or Batch prices bill cached input as any other)
    w = m.if_cached
    per = f"{usd_auto(w.per_request_usd)} a request"
    figure = per if w.monthly_usd is None else f"{usd_cents(w.monthly_usd)}/month"
    return [f"What-if with the prompt cache (as --cache auto would detect): {m.model} {figure}"]


def _batch_notes(r: EstimateResult) -> list[str]:
    """One line for every format: what each model's requests cost through the Batch API, a month
    when traffic is given, else a request; none when the run is already at batch prices."""
    if r.processing == "batch":
        return []
    figures = []
    for m in r.models:
        f = _batch_figures(m)
        monthly, each = f["monthly_batch_usd"], f["per_request_batch_usd"]
        if monthly is not None:
            figures.append(f"{m.model} {usd_cents(monthly)}/month")
        elif each is not None:
            figures.append(f"{m.model} {usd_auto(each)} a request")
    # The Batch variant's terms (ACCOUNTING.md section 8): half of standard prices, not of the
    # run's (priority) figures; no cached rate, so cached input bills at the batch input rate.
    off = "50% off" if r.processing == "standard" else "50% off standard prices"
    cached = any(m.usage.cached_input_tokens or m.monthly_cached_tokens for m in r.models)
    rate = "; cached input at the batch input rate" if cached else ""
    head = "Every request through the Batch API" if r.processing == "mixed" else "Batch API"
    return [f"{head} ({off}, results within 24 h{rate}): {', '.join(figures)}"] if figures else []
