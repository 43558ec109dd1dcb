"""`gpt41cost plan WORKLOAD.yaml [--check]`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import CheckFailed
from . import app
from .common import AsOfOpt, CalibrateOpt, Format, FormatOpt, PricingOpt, emit, handles_errors, load_catalog_opt


@app.command("plan")
@handles_errors
def plan(
    workload: Annotated[str, typer.Argument(help="Workload YAML file (see the README for its keys).")],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Gate: exit 1 when over budget, the tier does not fit with the headroom, or a routed model "
            "is shut down or shuts down within horizon_months.",
        ),
    ] = False,
    substitute: Annotated[
        bool,
        typer.Option(
            "--substitute",
            help="Also price the workload with every shut-down or expiring model replaced by its substitute, "
            "side by side (--check still gates the plan as written).",
        ),
    ] = False,
    calibrate_from: CalibrateOpt = None,
    fmt: FormatOpt = Format.table,
    pricing: PricingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Cost per month, rate-limit headroom and a launch verdict for a workload file.

    The report goes to stdout. With --check the command is a gate: exit 0 when the
    workload is within budget and fits its tier with the required headroom; exit 1
    with every reason on stderr when not; exit 3 for a bad workload file, 2 for bad flags.

    Examples:

      gpt41cost plan samples/workloads/support-bot.yaml

      gpt41cost plan samples/workloads/support-bot.yaml --check --format markdown > plan.md

      gpt41cost plan launch.yaml -f json | jq '.verdict'
    """
    from ..limits import assess
    from ..report import render
    from ..views.plan import Alternative, plan_report
    from ..workload import calibrated, load_workload, plan_verdict, with_substitutes, workload_demand, workload_profile

    catalog = load_catalog_opt(pricing, as_of)
    w = load_workload(workload, catalog)
    if calibrate_from:
        from ..readers.usage import load_calibration

        w = calibrated(w, load_calibration(calibrate_from, catalog))
    profile, summary = workload_profile(w, catalog)
    assessment = assess(workload_demand(w, profile), catalog)
    v = plan_verdict(w, assessment, catalog)
    alt = None
    if substitute:
        w2, swaps = with_substitutes(w, catalog)
        a2 = assess(workload_demand(w2, profile), catalog)
        alt = Alternative(w2, a2, plan_verdict(w2, a2, catalog), swaps)
    emit(render(plan_report(w, assessment, v, summary, catalog, alt), fmt.value))
    if check and not v.passed:
        for reason in v.reasons:
            typer.echo(f"gpt41cost: check failed: {reason}", err=True)
        raise CheckFailed(f"{w.path}: plan check failed ({len(v.reasons)} reasons above)")
