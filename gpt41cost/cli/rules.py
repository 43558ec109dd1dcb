"""`gpt41cost rules`."""

from __future__ import annotations

from . import app
from . import options as opt
from .common import handles_errors, load_catalog_opt, show

HELP = """\
List every rule the figures rest on, and whether OpenAI documents it or it is an inference.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost rules
  gpt41cost rules --format json | jq '.rules[] | select(.basis == "inference") | .name'
"""


@app.command("rules", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def rules(
    fmt: opt.Format = opt.Formats.table, table: opt.Table = None, pricing: opt.Pricing = None, as_of: opt.AsOf = None
) -> None:
    from ..api import rules as api_rules

    show(api_rules(catalog=load_catalog_opt(pricing, as_of)), fmt, table)
