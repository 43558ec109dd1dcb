"""`gpt41cost plan WORKLOAD.yaml [--check]`."""

from __future__ import annotations

from ..errors import CheckFailed
from . import app
from . import options as opt
from .common import handles_errors, load_catalog_opt, reading, say, show, shown
from .progress import Progress

HELP = """\
Cost per month, rate-limit headroom and a launch verdict for a workload file.

The files the workload's prompts: globs match are read as estimate reads them (request
files as their requests, with their own max_tokens; images counted), with the same
reading options. The report goes to stdout. With --check the command is a gate: exit 0 when the
workload is within budget and fits its tier with the required headroom; exit 1
with every reason on stderr when not; exit 3 for a bad workload file, 2 for bad flags.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost plan samples/workloads/support-bot.yaml
  gpt41cost plan samples/workloads/support-bot.yaml --check --format markdown > plan.md
  gpt41cost plan samples/workloads/ticket-classifier.yaml -f json | jq '.verdict'
"""


@app.command("plan", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def plan(
    workload: opt.Workload,
    check: opt.Check = False,
    substitute: opt.Substitute = False,
    include: opt.Include = None,
    exclude: opt.Exclude = None,
    encoding: opt.Encoding = "utf-8",
    read_as: opt.ReadAs = None,
    image_size: opt.ImageSize = None,
    skip_bad: opt.SkipBad = False,
    calibrate_from: opt.CalibrateFrom = None,
    fmt: opt.Format = opt.Formats.table,
    table: opt.Table = None,
    pricing: opt.Pricing = None,
    as_of: opt.AsOf = None,
) -> None:
    from ..api import plan

    catalog = load_catalog_opt(pricing, as_of)
    with Progress(None, "Reading prompts", unit="B") as bar:
        result = plan(
            workload, calibrate_from=calibrate_from, substitute=substitute, catalog=catalog,
            **reading(include, exclude, encoding, read_as, image_size, skip_bad, bar),
        )  # fmt: skip
    show(result, fmt, table)
    if check and not result.verdict.passed:
        for reason in result.verdict.reasons:
            say(f"gpt41cost: check failed: {shown(reason)}")
        n = len(result.verdict.reasons)
        raise CheckFailed(f"{result.workload.path}: plan check failed ({n} reason{'' if n == 1 else 's'} above)")
