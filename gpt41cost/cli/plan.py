"""`gpt41cost plan WORKLOAD.yaml [--check]`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import CheckFailed
from . import app
from .common import (
    AsOfOpt,
    AsOpt,
    CalibrateOpt,
    EncodingOpt,
    ExcludeOpt,
    Format,
    FormatOpt,
    ImageSizeOpt,
    IncludeOpt,
    PricingOpt,
    SkipBadOpt,
    TableOpt,
    handles_errors,
    load_catalog_opt,
    say,
    show,
    warn,
)
from .progress import Progress

WorkloadOpt = Annotated[str, typer.Argument(help="Workload YAML file (see the README for its keys).")]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Gate: exit 1 when over budget, the tier does not fit with the headroom, or a routed model "
        "is shut down or shuts down within horizon_months.",
    ),
]
SubstituteOpt = Annotated[
    bool,
    typer.Option(
        "--substitute",
        help="Also price the workload with every shut-down or expiring model replaced by its substitute, "
        "side by side (--check still gates the plan as written).",
    ),
]


@app.command("plan")
@handles_errors
def plan(
    workload: WorkloadOpt,
    check: CheckOpt = False,
    substitute: SubstituteOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    encoding: EncodingOpt = "utf-8",
    read_as: AsOpt = None,
    image_size: ImageSizeOpt = None,
    skip_bad: SkipBadOpt = False,
    calibrate_from: CalibrateOpt = None,
    fmt: FormatOpt = Format.table,
    table: TableOpt = None,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Cost per month, rate-limit headroom and a launch verdict for a workload file.

    The files the workload's prompts: globs match are read as estimate reads them (request
    files as their requests, with their own max_tokens; images counted), with the same
    reading options. The report goes to stdout. With --check the command is a gate: exit 0 when the
    workload is within budget and fits its tier with the required headroom; exit 1
    with every reason on stderr when not; exit 3 for a bad workload file, 2 for bad flags.

    Examples:

      gpt41cost plan samples/workloads/support-bot.yaml

      gpt41cost plan samples/workloads/support-bot.yaml --check --format markdown > plan.md

      gpt41cost plan launch.yaml -f json | jq '.verdict'
    """
    from ..api import plan

    catalog = load_catalog_opt(pricing, as_of)
    with Progress(None, "Reading prompts", unit="B") as bar:
        result = plan(
            workload, calibrate_from=calibrate_from, substitute=substitute, catalog=catalog,
            include=include or (), exclude=exclude or (), encoding=encoding, read_as=read_as,
            image_size=image_size, skip_bad=skip_bad, on_progress=bar.advance, on_total=bar.set_total,
            on_warning=warn,
        )  # fmt: skip
    show(result, fmt, table)
    if check and not result.verdict.passed:
        for reason in result.verdict.reasons:
            say(f"gpt41cost: check failed: {reason}")
        raise CheckFailed(f"{result.workload.path}: plan check failed ({len(result.verdict.reasons)} reasons above)")
