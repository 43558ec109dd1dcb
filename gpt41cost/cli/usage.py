"""`gpt41cost usage`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from .common import AsOfOpt, Format, FormatOpt, PricingOpt, emit, handles_errors, load_catalog_opt, warn

if TYPE_CHECKING:
    from ..readers.usage import ProgressFn

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


@app.command("usage")
@handles_errors
def usage(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Usage files or directories (any mix of formats, gzip too); - reads stdin.", metavar="PATH..."
        ),
    ],
    fmt: FormatOpt = Format.table,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail on the first bad record (exit 3) and on unpriced models (exit 1)."),
    ] = False,
    what_if: Annotated[
        list[str] | None,
        typer.Option(
            "--what-if",
            metavar="batch=SHARE",
            help="Also price moving SHARE (0..1 or %) of non-batch traffic to the Batch API.",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Processes for a large JSONL file. Default: every core.", show_default=False
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar on stderr. Default: when it is a terminal.",
            show_default=False,
        ),
    ] = None,
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
    """
    from ..errors import CheckFailed
    from ..readers.usage import read_usage
    from ..report import render
    from ..usage import SKIP_REASONS, parse_what_if, summarize
    from ..views.usage import usage_report

    catalog = load_catalog_opt(pricing, as_of)
    share = parse_what_if(what_if or [])
    show = progress if progress is not None else sys.stderr.isatty()
    with _progress_bar(show) as bar:
        acc = read_usage(paths, strict=strict, jobs=jobs, progress=bar)
    result = summarize(acc, catalog, sources=paths, batch_share=share)

    for s in result.skip_examples[:SHOW_SKIPS]:
        warn(s.message())
    if result.skipped:
        n = sum(result.skipped.values())
        parts = ", ".join(f"{v:,} {SKIP_REASONS.get(k, k)}" for k, v in sorted(result.skipped.items()))
        warn(f"skipped {n:,} bad record(s) ({parts}); --strict fails on the first")
    for u in result.unpriced:
        warn(f"not priced: {u.model or '(no model)'}: {u.requests:,} request(s) ({u.reason})")
    emit(render(usage_report(result), fmt.value))
    if strict and result.unpriced:
        names = ", ".join(u.model or "(no model)" for u in result.unpriced)
        raise CheckFailed(f"--strict: {len(result.unpriced)} model(s) not priced: {names}")
