"""`gpt41cost usage`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from ..numbers import JOBS
from . import app
from .common import (
    AsOfOpt,
    BackoffOpt,
    BaseUrlOpt,
    Format,
    FormatOpt,
    PricingOpt,
    RetriesOpt,
    TableOpt,
    TimeoutOpt,
    count,
    handles_errors,
    load_catalog_opt,
    say,
    show,
    warn,
)

if TYPE_CHECKING:
    from ..api import Usage
    from ..readers.usage import ProgressFn
    from ..usage import UsageResult

#: Examples of skipped records printed on stderr before the summary line.
SHOW_SKIPS = 5


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A rich progress bar on stderr with records per second; refreshed by the reader, no thread."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("reading"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,  # no refresh thread: the reader may fork worker processes
    ) as bar:
        task = bar.add_task("read", total=None, rate="")
        start = time.monotonic()
        last = [0.0]

        def update(done: int, total: int | None, records: int) -> None:
            now = time.monotonic()
            if now - last[0] < 0.1:
                return
            last[0] = now
            rate = records / max(now - start, 1e-9)
            bar.update(task, completed=done, total=total, rate=f"{records:,} records  {rate:,.0f}/s")
            bar.refresh()

        yield update


@contextmanager
def _sources(
    paths: list[str],
    from_api: bool,
    since: str | None,
    until: str | None,
    projects: list[str] | None,
    groups: list[str] | None,
    costs: bool,
    base_url: str | None,
    save: str | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> Iterator[tuple[list[str], list[str]]]:
    """The usage files to read and the costs files fetched: PATHs, or pages pulled from the API
    into --save DIR (or a temporary folder, removed after reading)."""
    from ..errors import UsageError

    if not from_api:
        for flag, value in (
            ("--since", since),
            ("--until", until),
            ("--project", projects),
            ("--group-by", groups),
            ("--costs", costs),
            ("--base-url", base_url),
            ("--save", save),
        ):
            if value:
                raise UsageError(f"{flag} works with --from-api only; add --from-api, or give usage files")
        if not paths:
            raise UsageError("give usage files or directories (PATH...), or --from-api --since DATE --until DATE")
        yield paths, []
        return
    if paths:
        raise UsageError(f"--from-api reads the API, not files: drop {paths[0]!r} (or drop --from-api)")
    import os
    import tempfile

    from ..openai_http import DEFAULT_BASE_URL, OpenAIClient
    from ..usage_api import check_groups, period, pull

    p = period(since, until)
    wanted = check_groups(groups or [])
    url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    key = os.environ.get(ADMIN_KEY_VARIABLE, "")
    with OpenAIClient(
        key, base_url=url, key_variable=ADMIN_KEY_VARIABLE, timeout=timeout, retries=retries, backoff=backoff
    ) as client:
        if save is not None:
            got = pull(client, p, save, groups=wanted, projects=projects or [], costs=costs)
            yield list(got.usage_paths), list(got.costs_paths)
            return
        with tempfile.TemporaryDirectory(prefix="gpt41cost-api-") as tmp:
            got = pull(client, p, tmp, groups=wanted, projects=projects or [], costs=costs)
            yield list(got.usage_paths), list(got.costs_paths)


#: The environment variable the admin key is read from (and only from there).
ADMIN_KEY_VARIABLE = "OPENAI_ADMIN_KEY"


PathsOpt = Annotated[
    list[str] | None,
    typer.Argument(
        help="Usage files or directories (any mix of formats, gzip too); - reads stdin.",
        metavar="PATH...",
        show_default=False,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Fail on the first bad record (exit 3) and on unpriced models (exit 1)."),
]
WhatIfOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--what-if",
        metavar="batch=SHARE",
        help="Also price moving SHARE (0..1 or %) of non-batch traffic to the Batch API.",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        parser=count("--jobs", JOBS),
        help="Processes for a large JSONL file (at most 64). Default: every core.",
        show_default=False,
    ),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bar on stderr. Default: when it is a terminal.",
        show_default=False,
    ),
]
FromApiOpt = Annotated[
    bool,
    typer.Option(
        "--from-api",
        help="Read the Usage API (GET /v1/organization/usage/completions) for --since..--until with the "
        "admin key in OPENAI_ADMIN_KEY. usage goes online only with this flag.",
        rich_help_panel="From the API",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="DATE", help="First UTC day (YYYY-MM-DD).", rich_help_panel="From the API"),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Last UTC day, included.", rich_help_panel="From the API"),
]
ProjectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--project", metavar="ID", help="Only this project (repeat for more).", rich_help_panel="From the API"
    ),
]
GroupByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by",
        metavar="FIELD",
        help="Also group by project_id, user_id or api_key_id (model, batch, service_tier always).",
        rich_help_panel="From the API",
    ),
]
CostsOpt = Annotated[
    bool,
    typer.Option(
        "--costs",
        help="Also read the Costs API (GET /v1/organization/costs, by line item) and reconcile against it.",
        rich_help_panel="From the API",
    ),
]
SaveOpt = Annotated[
    str | None,
    typer.Option(
        "--save",
        metavar="DIR",
        help="Keep the pages as JSON in DIR/completions (and DIR/costs) to repeat the run offline.",
        rich_help_panel="From the API",
    ),
]
BilledOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--billed",
        metavar="COSTS",
        help="Reconcile against what was billed: Costs API pages or the dashboard's cost CSV export.",
        rich_help_panel="Reconcile",
    ),
]
ToleranceOpt = Annotated[
    str,
    typer.Option(
        "--tolerance",
        metavar="SHARE",
        help="Flag differences over this (0.01 or 1%); with --strict, exit 1.",
        rich_help_panel="Reconcile",
    ),
]
DoForecastOpt = Annotated[
    bool,
    typer.Option(
        "--forecast",
        help="Project the month to its end: spend so far, run rate (last 7 days), range, crossing dates, "
        "peak day vs the tier's limits.",
        rich_help_panel="Forecast",
    ),
]
BudgetOpt = Annotated[
    str | None,
    typer.Option(
        "--budget", metavar="USD", help="Monthly budget: the day spend crosses it.", rich_help_panel="Forecast"
    ),
]
TierOpt = Annotated[
    int | None,
    typer.Option(
        "--tier", min=1, max=5, help="Usage tier: its monthly usage cap, RPD and TPM.", rich_help_panel="Forecast"
    ),
]
EmitWorkloadOpt = Annotated[
    str | None,
    typer.Option(
        "--emit-workload",
        metavar="FILE",
        help="Write a workload YAML (model mix, traffic, observed sizes) that plan --check reads; needs --tier.",
        rich_help_panel="Forecast",
    ),
]


@app.command("usage")
@handles_errors
def usage(
    paths: PathsOpt = None,
    fmt: FormatOpt = Format.table,
    table: TableOpt = None,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
    strict: StrictOpt = False,
    what_if: WhatIfOpt = None,
    jobs: JobsOpt = None,
    progress: ProgressOpt = None,
    from_api: FromApiOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    project: ProjectOpt = None,
    group_by: GroupByOpt = None,
    costs: CostsOpt = False,
    base_url: BaseUrlOpt = None,
    save: SaveOpt = None,
    timeout: TimeoutOpt = 30.0,
    retries: RetriesOpt = 4,
    backoff: BackoffOpt = 1.0,
    billed: BilledOpt = None,
    tolerance: ToleranceOpt = "1%",
    do_forecast: DoForecastOpt = False,
    budget: BudgetOpt = None,
    tier: TierOpt = None,
    emit_workload: EmitWorkloadOpt = None,
) -> None:
    """Price what your traffic really cost, from the usage records OpenAI gives you.

    Reads, told apart by content: JSONL or JSON of Chat Completions and Responses API responses
    (also inside a logging envelope under "response"), Batch API output files, Usage API pages
    (/v1/organization/usage/completions) and usage dashboard CSV exports. Snapshots resolve to
    their model; ft: models bill at fine-tuned prices, batch at batch prices, service_tier
    priority at priority prices. Models the catalog does not price are listed, never counted as
    $0. Bad records are skipped and summed up on stderr.

    Examples:

      gpt41cost usage logs/responses-2025-05.jsonl.gz

      gpt41cost usage batch_output.jsonl usage_export.csv --what-if batch=0.3

      gpt41cost usage logs/ --format json | jq '.models[] | {model, cost_usd}'

      cat today.jsonl | gpt41cost usage - --strict

      gpt41cost usage --from-api --since 2026-11-01 --until 2026-11-30 --costs --save bill-2026-11/
    """
    from ..api import usage
    from ..forecast import check_budget
    from ..reconcile import parse_tolerance
    from ..usage import parse_what_if

    catalog = load_catalog_opt(pricing, as_of)
    share = parse_what_if(what_if or [])
    tol, monthly = parse_tolerance(tolerance), check_budget(budget)  # before any page is pulled
    _check_forecast_flags(budget, tier, do_forecast, emit_workload)
    api = (from_api, since, until, project, group_by, costs, base_url, save, timeout, retries, backoff)
    with _sources(paths or [], *api) as (paths, costs_paths), _progress_bar(_shown(progress)) as bar:
        got = usage(
            paths, strict=strict, batch_share=share, jobs=jobs, billed=[*(billed or []), *costs_paths], tolerance=tol,
            forecast=do_forecast, budget=monthly, tier=tier, catalog=catalog, progress=bar,
        )  # fmt: skip
    _warn(got.result)
    if emit_workload is not None:
        _emit_workload(emit_workload, got.workload_yaml(tier or 0, monthly))
    show(got, fmt, table)
    if strict:
        _gate(got, tolerance)


def _gate(got: Usage, tolerance: str) -> None:
    """--strict: exit 1 on unpriced models or reconciliation rows over the tolerance (after the report)."""
    from ..errors import CheckFailed

    rec = got.reconciliation
    if got.result.unpriced:
        names = ", ".join(u.model or "(no model)" for u in got.result.unpriced)
        raise CheckFailed(f"--strict: {len(got.result.unpriced)} model(s) not priced: {names}")
    if rec is not None and rec.flagged:
        keys = ", ".join(r.key for r in rec.flagged)
        raise CheckFailed(f"--strict: {len(rec.flagged)} reconciliation row(s) over {tolerance}: {keys}")


def _shown(progress: bool | None) -> bool:
    return progress if progress is not None else sys.stderr.isatty()


def _check_forecast_flags(budget: str | None, tier: int | None, forecast: bool, emit_workload: str | None) -> None:
    from ..errors import UsageError

    if emit_workload is not None and tier is None:
        raise UsageError("--emit-workload needs --tier N: the usage tier the workload will run at (1 to 5)")
    if (budget is not None or tier is not None) and not forecast and emit_workload is None:
        raise UsageError("--budget and --tier work with --forecast or --emit-workload; add one of them")


def _emit_workload(path: str, text: str) -> None:
    from ..workload_from_usage import write_workload

    write_workload(path, text)
    say(f"gpt41cost: wrote {path}; check it with: gpt41cost plan {path} --check")


def _warn(result: UsageResult) -> None:
    """Skipped records (a few examples, then the count by reason) on stderr; the unpriced models
    are the report's warnings (:func:`gpt41cost.views.usage.usage_report`)."""
    from ..usage import SKIP_REASONS

    for s in result.skip_examples[:SHOW_SKIPS]:
        warn(s.message())
    if result.skipped:
        n = sum(result.skipped.values())
        parts = ", ".join(f"{v:,} {SKIP_REASONS.get(k, k)}" for k, v in sorted(result.skipped.items()))
        warn(f"skipped {n:,} bad record(s) ({parts}); --strict fails on the first")
