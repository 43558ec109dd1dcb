"""`gpt41cost usage`: a priced :class:`~gpt41cost.usage.UsageResult` as a Report.

The JSON document is the contract (``schema_version`` 2); the keys are pinned by a test.
Money is an exact decimal string; ratios (cache hit rate, cost share) are decimal strings
rounded to 6 places, 0..1; token counts are integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..lifecycle import ACTIVE, ALWAYS_ACTIVE, NOT_YET_RELEASED, SHUT_DOWN, alias_words
from ..report import Cell, Chart, Pct, Report, Shown, Table, Usd, counted, dates, money_str, n_requests, usd_auto
from ..usage import SCHEMA_VERSION, SKIP_REASONS, AfterShutdown, BeforeRelease, Line, UsageResult
from .dated import catalog_notes, date_assumption

_TOKEN_COLUMNS = ("requests", "input tokens", "cached input", "output tokens")
_NUMERIC = frozenset(
    {
        *_TOKEN_COLUMNS,
        "cache hit",
        "cost",
        "share",
        "unpriced requests",
        "change",
        "output mean",
        "output p50",
        "output p95",
        "input mean",
    }
)


def ratio_str(value: Decimal | None, places: int = 6) -> Decimal | None:
    """A ratio or mean for JSON, rounded to ``places`` (a number in the JSON)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _pct(value: Decimal | None) -> Pct:
    return Pct(None if value is None else value * 100)


def mean_shown(value: Decimal | None) -> Shown | None:
    """A mean as JSON has it (one place, half-even) in every format."""
    if value is None:
        return None
    q = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return Shown(f"{q:,}", q)


def _line_json(line: Line, key_name: str) -> dict[str, Any]:
    return {
        key_name: line.key,
        "requests": line.requests,
        "input_tokens": line.input_tokens,
        "cached_input_tokens": line.cached_input_tokens,
        "output_tokens": line.output_tokens,
        "cost_usd": money_str(line.cost_usd),
        "cache_hit_rate": ratio_str(line.cache_hit_rate),
        "cost_share": ratio_str(line.cost_share),
        "unpriced_requests": line.unpriced_requests,
    }


def _tokens(line: Line) -> list[Cell]:
    return [line.requests, line.input_tokens, line.cached_input_tokens, line.output_tokens]


def _breakdown(title: str, first: str, lines: tuple[Line, ...], *, unpriced: bool) -> Table:
    columns: tuple[str, ...] = (first, *_TOKEN_COLUMNS, "cache hit", "cost", "share")
    rows: list[list[Cell]] = []
    for line in lines:
        row: list[Cell] = [
            line.key,
            *_tokens(line),
            _pct(line.cache_hit_rate),
            Usd(line.cost_usd),
            _pct(line.cost_share),
        ]
        if unpriced:
            row.append(line.unpriced_requests)
        rows.append(row)
    if unpriced:
        columns = (*columns, "unpriced requests")
    return Table(title, columns, rows, numeric=_NUMERIC, name="by-" + snake(first).replace("_", "-"))


def _unserved_note(dated: AfterShutdown | BeforeRelease, when: str, prices: str) -> str:
    """The note on a model's requests dated when it served none (``when``: after its shutdown,
    before its release), priced all the same at ``prices``."""
    return (
        f"{dated.model}: {n_requests(dated.requests)} dated {when} ({dates(dated.first_day, dated.last_day)}): "
        f"a proxy's log, a wrong clock or a mislabelled model? Priced at {prices}."
    )


def _after_run_date(result: UsageResult) -> list[str]:
    """A note on the requests dated after the run's date (``--as-of``, default today), from the
    by-day lines (ISO days, which sort as dates; "unknown" for undated records). A note, not a
    warning: replaying a past month with an earlier ``--as-of`` is a use (the forecast's)."""
    late = _after_run_date_json(result)
    if late is None or result.run_date is None:
        return []
    day = result.run_date.isoformat()
    first, last = late["first_day"], late["last_day"]
    span = first if first == last else f"{first} to {last}"
    one = late["requests"] == 1
    return [
        f"{n_requests(late['requests'])} {'is' if one else 'are'} dated after the run's date {day} ({span}): "
        f"counted here at the prices for {'its own day' if one else 'their own days'}, left out of a --forecast; "
        f"model status is as of {day}. "
        "A clock ahead, or --as-of before the log ends?"
    ]


def _after_run_date_json(result: UsageResult) -> dict[str, Any] | None:
    """The requests dated after the run's date: how many, their first and last day (JSON's
    ``after_run_date``; None when there are none, or no run date)."""
    if result.run_date is None:
        return None
    day = result.run_date.isoformat()
    later = [line for line in result.by_day if line.key != "unknown" and line.key > day]
    if not later:
        return None
    return {"requests": sum(line.requests for line in later), "first_day": later[0].key, "last_day": later[-1].key}


def _days_by_model(result: UsageResult, *, unpriced: bool) -> Table:
    """Each day's traffic by model: CSV (``--table days-by-model``) and JSON; the HTML draws it as
    the stacked daily chart, whose data table it is (a terminal gets the by-day and by-model tables)."""
    columns: tuple[str, ...] = ("day", "model", *_TOKEN_COLUMNS, "cache hit", "cost", "share")
    rows: list[list[Cell]] = []
    for d in result.by_day_model:
        line = d.line
        row: list[Cell] = [d.day, line.key, *_tokens(line), _pct(line.cache_hit_rate), Usd(line.cost_usd)]
        row.append(_pct(line.cost_share))
        rows.append([*row, line.unpriced_requests] if unpriced else row)
    if unpriced:
        columns = (*columns, "unpriced requests")
    return Table("By day and model (UTC)", columns, rows, numeric=_NUMERIC, name="days-by-model", people=False)


def usage_report(result: UsageResult) -> Report:
    t = result.totals
    any_unpriced = t.unpriced_requests > 0
    unpriced = result.unpriced
    model_rows: list[list[Cell]] = [
        [m.key, *_tokens(m), _pct(m.cache_hit_rate), Usd(m.cost_usd), _pct(m.cost_share)] for m in result.models
    ]
    priced = Line(
        "total priced",
        t.requests - sum(u.requests for u in result.unpriced),
        t.input_tokens - sum(u.input_tokens for u in result.unpriced),
        t.cached_input_tokens - sum(u.cached_input_tokens for u in result.unpriced),
        t.output_tokens - sum(u.output_tokens for u in result.unpriced),
        t.cost_usd,
    )
    model_rows.append(
        [
            priced.key,
            *_tokens(priced),
            _pct(priced.cache_hit_rate),
            Usd(t.cost_usd),
            _pct(Decimal(1)) if result.models and t.cost_usd else None,  # no share of $0, as each row's
        ]
    )
    tables = [
        Table(
            "Cost by model",
            ("model", *_TOKEN_COLUMNS, "cache hit", "cost", "share"),
            model_rows[:-1],
            numeric=_NUMERIC,
            name="models",
            footer_rows=model_rows[-1:],
        )
    ]
    if result.unpriced:
        tables.append(
            Table(
                "Not priced (left out of the total)",
                ("model", *_TOKEN_COLUMNS, "why"),
                [
                    [u.model or "(none)", u.requests, u.input_tokens, u.cached_input_tokens, u.output_tokens, u.reason]
                    for u in result.unpriced
                ],
                numeric=_NUMERIC,
                name="unpriced",
            )
        )
    tables.append(_breakdown("By processing mode", "mode", result.by_mode, unpriced=any_unpriced))
    tables.append(_breakdown("By day (UTC)", "day", result.by_day, unpriced=any_unpriced))
    if result.by_day_model:
        tables.append(_days_by_model(result, unpriced=any_unpriced))
    for title, first, lines in (
        ("By project", "project", result.by_project),
        ("By user", "user", result.by_user),
        ("By API key", "API key", result.by_api_key),
    ):
        if lines:
            tables.append(_breakdown(title, first, lines, unpriced=any_unpriced))
    if result.what_if:
        tables.append(
            Table(
                "What if",
                ("scenario", "cost", "change"),
                # money cells: each column at one number of places (report.money_places)
                [[w.scenario, Usd(w.cost_usd), Usd(w.delta_usd, signed=True)] for w in result.what_if],
                numeric=_NUMERIC,
                name="what-if",
            )
        )
    cal = result.calibration.models
    if cal:
        tables.append(
            Table(
                "Calibration: observed per request (feeds estimate --calibrate-from)",
                ("model", "requests", "output mean", "output p50", "output p95", "input mean", "cache hit"),
                [
                    [
                        c.model,
                        c.requests,
                        mean_shown(c.output_tokens_mean),
                        None if c.output_tokens_p50 is None else int(c.output_tokens_p50),
                        None if c.output_tokens_p95 is None else int(c.output_tokens_p95),
                        mean_shown(c.input_tokens_mean),
                        _pct(c.cache_hit_rate),
                    ]
                    for c in cal.values()
                ],
                numeric=_NUMERIC,
                name="calibration",
            )
        )

    notes: list[str] = []
    warned: list[str] = []  # the notes that are warnings too (on stderr)

    def warn(note: str) -> None:
        """A note that is a warning too: records dated when their model served none, of a model
        shut down on the run's date, over what a model serves in one request; a stale catalog."""
        notes.append(note)
        warned.append(note)

    if any(c.distribution_requests < c.requests for c in cal.values()):
        notes.append(
            "Usage API pages and CSV exports hold sums, not single requests: from them calibration gives "
            "means only; p50/p95 come from per-request records (responses, Batch output)."
        )
    if result.failed_batch:
        parts = ", ".join(f"{code}: {n:,}" for code, n in sorted(result.failed_batch.items()))
        notes.append(f"Failed or expired Batch requests, not billed and not priced: {parts}.")
    if result.proxy_cache_hits:
        hits = result.proxy_cache_hits
        notes.append(
            f"LiteLLM proxy cache hits, not billed and not priced: {counted(hits, 'spend-log row')} with "
            f"cache_hit true {'was' if hits == 1 else 'were'} answered by the proxy from its own cache and never "
            "reached OpenAI."
        )
    if result.uncached_rows:
        notes.append(
            f"No cached-token count in {counted(result.uncached_rows, 'record')} (LiteLLM spend-log rows with no "
            "usage_object or additional_usage_values in their metadata, Langfuse observations with usage and no "
            "usageDetails): priced with none cached, so that cost is an upper bound."
        )
    if result.priority_long_context:
        from ..estimate import long_priority_note

        n, threshold = result.priority_long_context, result.long_context_threshold
        assert threshold is not None, "requests told over a threshold come with it"
        where = ", in the standard row of the processing modes"
        notes.append(long_priority_note(n_requests(n), n != 1, threshold, where) + ".")
    if result.skipped:
        parts = ", ".join(f"{SKIP_REASONS.get(r, r)}: {n:,}" for r, n in sorted(result.skipped.items()))
        notes.append(f"Skipped records ({sum(result.skipped.values()):,}): {parts}.")
    if result.duplicates:
        notes.append(
            f"Duplicates dropped: {counted(result.duplicates, 'record')} "
            f"{'repeats' if result.duplicates == 1 else 'repeat'} a response id already counted "
            "(the same response in two files, or logged twice); each response is counted once."
        )
    if result.unchecked:
        notes.append(
            f"{counted(result.unchecked, 'record')} {'was' if result.unchecked == 1 else 'were'} counted without a "
            "duplicate check: more distinct response ids than the reader remembers."
        )
    for late in result.after_shutdown:
        because = result.lifecycles.get(late.model, ALWAYS_ACTIVE).because()
        warn(_unserved_note(late, f"after its shutdown on {late.shutdown_on}{because}", "the last prices in force"))
    for big in result.over_limits:
        said = []
        if big.largest_input_tokens:
            said.append(
                f"a response of {big.largest_input_tokens:,} input tokens with its output over its "
                f"context window of {big.context_window:,}"
            )
        if big.requests_over_max_output:
            said.append(
                f"{big.requests_over_max_output:,} with output over its maximum output of {big.max_output_tokens:,}"
            )
        # How many responses are over the context window is not known (only the largest sum is kept),
        # only that one is; one over the maximum output as well may be that response or another.
        if big.requests_over_max_output > 1:
            who = "responses report"
        elif big.largest_input_tokens:
            who = "one or more responses report"
        else:
            who = "a response reports"
        warn(
            f"{big.model}: {who} more tokens than OpenAI serves in one request ({'; '.join(said)}): "
            "a mislabelled model or a broken log? Priced all the same."
        )
    for early in result.before_release:
        warn(_unserved_note(early, f"before its release on {early.released_on}", "its first prices"))
    if result.run_date is not None:
        day = result.run_date
        noted = {snap.counted_under for snap in result.snapshots if snap.lifecycle.status(day) != ACTIVE}
        for label, life in result.lifecycles.items():
            status = life.status(day)
            if status == NOT_YET_RELEASED:
                released = life.released_on
                notes.append(f"{label} is not yet released on the run's date {day} (available from {released}).")
            elif status == SHUT_DOWN:
                warn(f"{label} is {life.mark(day)}: these figures price its past use.")
            elif status != ACTIVE and label not in noted:  # a snapshot's note names its alias
                move = "must move before then" if life.shutdown_on else "should move (OpenAI has named no date yet)"
                notes.append(f"{label} is {life.mark(day)}: traffic on it {move}.")
        for snap in result.snapshots:  # dated apart from the alias whose row prices it
            status = snap.lifecycle.status(day)
            named = f"{snap.model} ({n_requests(snap.requests)}, priced in the {snap.counted_under} row)"
            if status == NOT_YET_RELEASED:
                continue  # its alias's note says it: the snapshot is released with it
            if status == SHUT_DOWN:
                warn(f"{named} is {snap.lifecycle.mark(day)}: these figures price its past use.")
            elif status != ACTIVE:
                notes.append(
                    f"the records name {named}: {snap.lifecycle.mark(day)}; "
                    + alias_words(snap.counted_under, result.lifecycles.get(snap.counted_under, ALWAYS_ACTIVE))
                )
    notes += _after_run_date(result)
    if result.undated_requests:
        notes.append(
            f"{n_requests(result.undated_requests)} {'carries' if result.undated_requests == 1 else 'carry'} no "
            f"timestamp: priced at the prices of the run's date ({result.run_date})."
        )
    if result.run_date is not None:
        for stale in catalog_notes(result.catalog_as_of, result.run_date):
            warn(stale)
    notes.append(f"Sources: {', '.join(result.sources)}")
    footer = (
        f"Total {usd_auto(t.cost_usd)} for {counted(t.requests - t.unpriced_requests, 'priced request')}; "
        f"{n_requests(t.unpriced_requests)} not priced (see above)."
        if any_unpriced
        else f"Total {usd_auto(t.cost_usd)} for {n_requests(t.requests)}."
    )
    return Report(
        title=f"Usage: {counted(result.records, 'record')}, {n_requests(t.requests)}, {usd_auto(t.cost_usd)}",
        data={**usage_json(result), "notes": list(notes)},  # the Notes the table prints, as limits and plan
        tables=tables,
        assumptions=[*result.assumptions, *([date_assumption(result.run_date)] if result.run_date else [])],
        notes=notes,
        footer=footer,
        warnings=[
            *(f"not priced: {u.model or '(no model)'}: {n_requests(u.requests)} ({u.reason})" for u in unpriced),
            *warned,
        ],
        charts=_charts(result),
    )


def snake(key: str) -> str:
    """A JSON key from a label: lower case, words joined by underscores."""
    return "_".join("".join(c if c.isalnum() else " " for c in key.lower()).split())


def _charts(result: UsageResult) -> list[Chart]:
    charts = []
    if result.by_day:
        days = [str(d.key) for d in result.by_day]
        cost = {(d.day, d.line.key): d.line.cost_usd for d in result.by_day_model}
        charts.append(
            Chart(
                "Daily cost by model",
                "Cost of each UTC day's priced requests, stacked by model.",
                days,
                [(m.key, [cost.get((day, m.key)) for day in days]) for m in result.models],
                stacked=True,
                table="days-by-model",
            )
        )
    if result.models:
        charts.append(
            Chart(
                "Cost by model",
                "Cost of each model's priced requests.",
                [m.key for m in result.models],
                [("cost", [m.cost_usd for m in result.models])],
                table="models",
                terminal=1,
            )
        )
        charts.append(
            Chart(
                "Cached share by model",
                "Share of each model's input tokens served from the prompt cache.",
                [m.key for m in result.models],
                [
                    (
                        "cache hit",
                        [
                            # exact: rounded once where shown, as the tables' figure is
                            m.cache_hit_rate * 100 if m.cache_hit_rate is not None else None
                            for m in result.models
                        ],
                    )
                ],
                unit="pct",
                table="models",
            )
        )
    if result.what_if:
        charts.append(
            Chart(
                "What if",
                "Cost of the same traffic under each scenario, beside the cost as billed.",
                ["as recorded", *(w.scenario for w in result.what_if)],
                [("cost", [result.totals.cost_usd, *(w.cost_usd for w in result.what_if)])],
                table="what-if",
            )
        )
    return charts


def with_sections(
    report: Report,
    key: str,
    data: dict[str, Any],
    tables: Sequence[Table],
    notes: Sequence[str],
    assumptions: Sequence[tuple[str, str]] = (),
) -> Report:
    """The usage report with one more section (reconciliation, forecast): its JSON under ``key``,
    its tables after the usage tables, its notes first (in the JSON ``notes`` too)."""
    return replace(
        report,
        data={**report.data, key: data, "notes": [*notes, *report.data.get("notes", ())]},
        tables=[*report.tables, *tables],
        notes=[*notes, *report.notes],
        assumptions=[*report.assumptions, *assumptions],
    )


def usage_json(result: UsageResult) -> dict[str, Any]:
    t = result.totals
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": None if result.run_date is None else result.run_date.isoformat(),
        "catalog_as_of": result.catalog_as_of,
        "undated_requests": result.undated_requests,
        "snapshots": [
            {
                "model": s.model,
                "counted_under": s.counted_under,
                "requests": s.requests,
                "lifecycle": None if result.run_date is None else s.lifecycle.as_json(result.run_date),
            }
            for s in result.snapshots
        ],
        "after_shutdown": [
            {
                "model": a.model,
                "requests": a.requests,
                "first_day": a.first_day,
                "last_day": a.last_day,
                "shutdown_on": a.shutdown_on,
            }
            for a in result.after_shutdown
        ],
        "over_limits": [
            {
                "model": b.model,
                "largest_input_tokens": b.largest_input_tokens,
                "context_window": b.context_window,
                "requests_over_max_output": b.requests_over_max_output,
                "max_output_tokens": b.max_output_tokens,
            }
            for b in result.over_limits
        ],
        "before_release": [
            {
                "model": b.model,
                "requests": b.requests,
                "first_day": b.first_day,
                "last_day": b.last_day,
                "released_on": b.released_on,
            }
            for b in result.before_release
        ],
        "after_run_date": _after_run_date_json(result),
        "sources": list(result.sources),
        "records": result.records,
        "requests": t.requests,
        "input_tokens": t.input_tokens,
        "cached_input_tokens": t.cached_input_tokens,
        "output_tokens": t.output_tokens,
        "cache_hit_rate": ratio_str(t.cache_hit_rate),
        "total_usd": money_str(result.total_usd),
        "unpriced_requests": t.unpriced_requests,
        "models": [
            {
                "model": m.key,
                "lifecycle": None
                if result.run_date is None or m.key not in result.lifecycles
                else result.lifecycles[m.key].as_json(result.run_date),
                "requests": m.requests,
                "input_tokens": m.input_tokens,
                "cached_input_tokens": m.cached_input_tokens,
                "output_tokens": m.output_tokens,
                "cost_usd": money_str(m.cost_usd),
                "cost_share": ratio_str(m.cost_share),
                "cache_hit_rate": ratio_str(m.cache_hit_rate),
            }
            for m in result.models
        ],
        "unpriced": [
            {
                "model": u.model,
                "reason": u.reason,
                "requests": u.requests,
                "input_tokens": u.input_tokens,
                "cached_input_tokens": u.cached_input_tokens,
                "output_tokens": u.output_tokens,
            }
            for u in result.unpriced
        ],
        "by_mode": [_line_json(x, "mode") for x in result.by_mode],
        "by_day": [_line_json(x, "day") for x in result.by_day],
        "by_day_model": [{"day": d.day, **_line_json(d.line, "model")} for d in result.by_day_model],
        "by_project": [_line_json(x, "project_id") for x in result.by_project],
        "by_user": [_line_json(x, "user_id") for x in result.by_user],
        "by_api_key": [_line_json(x, "api_key_id") for x in result.by_api_key],
        "what_if": [
            {
                "scenario": w.scenario,
                "cost_usd": money_str(w.cost_usd),
                "delta_usd": money_str(w.delta_usd),
                "note": w.note,
            }
            for w in result.what_if
        ],
        "calibration": [
            {
                "model": c.model,
                "requests": c.requests,
                "output_tokens_mean": ratio_str(c.output_tokens_mean, 3),
                "output_tokens_p50": None if c.output_tokens_p50 is None else int(c.output_tokens_p50),
                "output_tokens_p95": None if c.output_tokens_p95 is None else int(c.output_tokens_p95),
                "input_tokens_mean": ratio_str(c.input_tokens_mean, 3),
                "cache_hit_rate": ratio_str(c.cache_hit_rate),
                "distribution_requests": c.distribution_requests,
            }
            for c in result.calibration.models.values()
        ],
        "skipped": dict(sorted(result.skipped.items())),
        "failed_batch_requests": dict(sorted(result.failed_batch.items())),
        "duplicates_dropped": result.duplicates,
        "proxy_cache_hits": result.proxy_cache_hits,
        "priority_long_context_requests": result.priority_long_context,
        "records_not_deduplicated": result.unchecked,
        "assumptions": {snake(k): v for k, v in result.assumptions},
    }
