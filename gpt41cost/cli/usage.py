"""`gpt41cost usage`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import app
from . import options as opt
from .common import handles_errors, is_terminal, load_catalog_opt, openai_client, say, show, shown, warn

if TYPE_CHECKING:
    from ..api import Usage
    from ..catalog import Catalog
    from ..readers.usage import ProgressFn
    from ..usage import UsageResult

HELP = """\
Price what your traffic really cost, from the usage records OpenAI gives you.

Reads, told apart by content: JSONL or JSON of Chat Completions and Responses API responses
(also inside a logging envelope under "response"), Batch API output files, Usage API pages
(/v1/organization/usage/completions) and usage dashboard CSV exports. Snapshots resolve to
their model; ft: models bill at fine-tuned prices, batch at batch prices, service_tier
priority (or fast) at priority prices. Models the catalog does not price are listed, never counted as
$0. Bad records are skipped and summed up on stderr.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost usage samples/usage/chat-completions.jsonl
  gpt41cost usage samples/usage/batch_output.jsonl samples/usage/usage-export.csv --what-if batch=0.3
  gpt41cost usage samples/usage --format json | jq '.models[] | {model, cost_usd}'
  cat samples/usage/responses.jsonl | gpt41cost usage - --strict
  gpt41cost usage --from-api --since 2026-11-01 --until 2026-11-30 --costs --save bill-2026-11/
"""

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
    from ..errors import UsageError, quoted

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
        raise UsageError(f"--from-api reads the API, not files: drop {quoted(paths[0])} (or drop --from-api)")
    import tempfile
    from contextlib import nullcontext

    from ..usage_api import check_groups, period, pull

    p = period(since, until)
    wanted = check_groups(groups or [])
    with (
        openai_client(ADMIN_KEY_VARIABLE, base_url, timeout, retries, backoff) as client,
        nullcontext(save) if save is not None else tempfile.TemporaryDirectory(prefix="gpt41cost-api-") as into,
    ):
        got = pull(client, p, into, groups=wanted, projects=projects or [], costs=costs)
        yield list(got.usage_paths), list(got.costs_paths)


#: The environment variable the admin key is read from (and only from there).
ADMIN_KEY_VARIABLE = "OPENAI_ADMIN_KEY"


@app.command("usage", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def usage(
    paths: opt.UsagePaths = None,
    fmt: opt.Format = opt.Formats.table,
    table: opt.Table = None,
    pricing: opt.Pricing = None,
    as_of: opt.AsOf = None,
    strict: opt.UsageStrict = False,
    skip_bad: opt.UsageSkipBad = False,
    what_if: opt.WhatIf = None,
    jobs: opt.Jobs = None,
    progress: opt.ShowProgress = None,
    from_api: opt.FromApi = False,
    since: opt.Since = None,
    until: opt.Until = None,
    project: opt.Project = None,
    group_by: opt.GroupBy = None,
    costs: opt.Costs = False,
    base_url: opt.BaseUrl = None,
    save: opt.Save = None,
    timeout: opt.Timeout = 30.0,
    retries: opt.Retries = 4,
    backoff: opt.Backoff = 1.0,
    billed: opt.Billed = None,
    tolerance: opt.Tolerance = "1%",
    forecast: opt.Forecast = False,
    budget: opt.Budget = None,
    tier: opt.ForecastTier = None,
    emit_workload: opt.EmitWorkload = None,
) -> None:
    catalog, share, tol, monthly = _check(pricing, as_of, what_if, tolerance, budget, tier, forecast, emit_workload)
    api = (from_api, since, until, project, group_by, costs, base_url, save, timeout, retries, backoff)
    with _sources(paths or [], *api) as (paths, costs_paths), _progress_bar(_shown(progress)) as bar:
        got = _read(
            paths, strict=strict, batch_share=share, jobs=jobs, billed=[*(billed or []), *costs_paths], tolerance=tol,
            forecast=forecast, budget=monthly if forecast else None, tier=tier if forecast else None,
            catalog=catalog, progress=bar, skip_bad=skip_bad,
        )  # fmt: skip
    _report(got, fmt, table, emit_workload, tier, monthly)
    _gate(got, strict, tolerance)


def _read(paths: list[str], **kw: Any) -> Usage:
    """:func:`gpt41cost.api.usage` as the command reads: without each model's cache by prompt size
    (``cache_by_size``), which none of its reports shows (about 6% of the CPU a line costs)."""
    from ..api import usage

    return usage(paths, cache_by_size=False, **kw)


def _report(
    got: Usage, fmt: opt.Formats, table: str | None, emit_workload: str | None, tier: int | None, budget: Decimal | None
) -> None:
    """What the run tells, in this order: skipped records on stderr, the --emit-workload file, the report."""
    _warn(got.result)
    _emit_workload(emit_workload, got, tier, budget)
    show(got, fmt, table)


def _check(
    pricing: str | None,
    as_of: str | None,
    what_if: list[str] | None,
    tolerance: str,
    budget: str | None,
    tier: int | None,
    forecast: bool,
    emit_workload: str | None,
) -> tuple[Catalog, Decimal | None, Decimal, Decimal | None]:
    """The catalog of the run and the flags' values, every one checked before any page is pulled."""
    from ..api import check_forecast_args
    from ..errors import UsageError
    from ..numbers import check_budget, parse_tolerance
    from ..usage import parse_what_if

    catalog = load_catalog_opt(pricing, as_of)
    share = parse_what_if(what_if or [])
    tol, monthly = parse_tolerance(tolerance), check_budget(budget)
    if emit_workload is not None and tier is None:
        raise UsageError("--emit-workload needs --tier N: the usage tier the workload will run at (1 to 5)")
    check_forecast_args(monthly, tier, forecast, workload=emit_workload is not None)
    return catalog, share, tol, monthly


def _gate(got: Usage, strict: bool, tolerance: str) -> None:
    """--strict: exit 1 on unpriced models or reconciliation rows over the tolerance (after the report)."""
    from ..errors import CheckFailed
    from ..report import counted

    if not strict:
        return
    rec = got.reconciliation
    if got.result.unpriced:
        names = _listed([u.model or "(no model)" for u in got.result.unpriced])
        raise CheckFailed(f"--strict: {counted(len(got.result.unpriced), 'model')} not priced: {names}")
    if rec is not None and not rec.compared:
        raise CheckFailed("--strict: nothing reconciled: the costs cover none of the usage's days")
    if rec is not None and rec.flagged:
        keys = _listed([r.key for r in rec.flagged])
        raise CheckFailed(f"--strict: {counted(len(rec.flagged), 'reconciliation row')} over {tolerance}: {keys}")


def _listed(names: list[str]) -> str:
    """Names joined with ", ", each that holds a comma or a double quote, or starts or ends with a
    space, in double quotes (a quote in it doubled), as CSV quotes a cell: a line item's name holds
    commas (``gpt-4.1-mini, input, batch``), so a list joined with commas alone could not be read."""
    return ", ".join(
        '"' + name.replace('"', '""') + '"' if "," in name or '"' in name or name != name.strip() else name
        for name in names
    )


def _shown(progress: bool | None) -> bool:
    return progress if progress is not None else is_terminal(sys.stderr)


def _emit_workload(path: str | None, got: Usage, tier: int | None, budget: Decimal | None) -> None:
    """--emit-workload FILE: the workload the records describe, at --tier, for plan --check."""
    from ..workload_from_usage import write_workload

    if path is None:
        return
    write_workload(path, got.workload_yaml(tier or 0, budget))
    say(f"gpt41cost: wrote {shown(path)}; check it with: gpt41cost plan {shown(path)} --check")


def _warn(result: UsageResult) -> None:
    """Skipped records (a few examples, then the count by reason) on stderr; the unpriced models
    are the report's warnings (:func:`gpt41cost.views.usage.usage_report`)."""
    from ..report import counted
    from ..usage import SKIP_REASONS

    for s in result.skip_examples[:SHOW_SKIPS]:
        warn(s.message())
    if result.skipped:
        n = sum(result.skipped.values())
        parts = ", ".join(f"{SKIP_REASONS.get(k, k)}: {v:,}" for k, v in sorted(result.skipped.items()))
        warn(f"skipped {counted(n, 'bad record')} ({parts}); --strict fails on the first")
