"""`gpt41cost rules`."""

from __future__ import annotations

from . import app
from . import options as opt
from .common import emit_report, handles_errors, load_catalog_opt


@app.command("rules")
@handles_errors
def rules(
    fmt: opt.Format = opt.Formats.table, table: opt.Table = None, pricing: opt.Pricing = None, as_of: opt.AsOf = None
) -> None:
    """List every rule the figures rest on, and whether OpenAI documents it or it is an inference.

    Examples:

      gpt41cost rules

      gpt41cost rules --format json | jq '.rules[] | select(.basis == "inference") | .name'
    """
    from ..rules import all_rules
    from ..views.rules import rules_report

    emit_report(rules_report(all_rules(load_catalog_opt(pricing, as_of))), fmt, table)
