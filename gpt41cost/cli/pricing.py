"""`gpt41cost pricing`."""

from __future__ import annotations

from . import app
from . import options as opt
from .common import handles_errors, load_catalog_opt, show

HELP = """\
Show the pricing catalog: prices per model, rate limits per tier, and its as-of date.
"""
HELP_EPILOG = """\
\b
Examples:
  gpt41cost pricing
  gpt41cost pricing --format json | jq '.models[0].prices_usd_per_1m_tokens'
  gpt41cost pricing --pricing my-negotiated-prices.yaml
"""


@app.command("pricing", help=HELP, epilog=HELP_EPILOG)
@handles_errors
def pricing(
    fmt: opt.Format = opt.Formats.table, table: opt.Table = None, pricing: opt.Pricing = None, as_of: opt.AsOf = None
) -> None:
    from ..api import pricing as api_pricing

    show(api_pricing(catalog=load_catalog_opt(pricing, as_of)), fmt, table)
