"""Every option and argument of every command, declared once as an ``Annotated`` type.

A command's signature names its options (``fmt: opt.Format = opt.Formats.table``); the flag,
its parser, metavar and help text live here. Options that several commands share (output,
catalog, reading, API client) are one declaration each; where two commands give the same flag
different meanings (``limits --input-tokens`` must be at least 1; ``usage --tier`` is a
forecast setting) each meaning is its own type, named for its command.

Number flags go through the one number parser (gpt41cost.numbers) via :func:`counted`,
:func:`exact` and :func:`rate`, so the flag is written once and its error names it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import typer

from ..numbers import (
    CONCURRENCY,
    EPOCHS,
    JOBS,
    PEAK_FACTOR,
    PEAK_RPM,
    PERCENT,
    REQUESTS,
    RETRIES,
    SECONDS,
    TIER,
    TOKENS,
)


class Formats(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


# --------------------------------------------------------------------------- number flags


def _number_parser(flag: str, parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A typer ``parser=`` for a number flag: the one parser (gpt41cost.numbers), its one-line error."""
    from ..errors import UsageError
    from ..numbers import NumberError
    from .common import die

    def convert(value: Any) -> Any:
        if not isinstance(value, str):  # a default, already a value
            return value
        try:
            return parse(value)
        except NumberError as exc:
            raise die(UsageError(f"{flag}: {exc}")) from None

    convert.__name__ = "N"  # what --help shows as the metavar when none is given
    return convert


def counted(
    flag: str,
    help: str,
    rng: Any = None,
    *,
    short: str | None = None,
    metavar: str | None = "N",
    show_default: bool = False,
    **extra: Any,
) -> Any:
    """A whole-number option: 1000000, 1_000_000, 1,000,000 or 1e6, within ``rng`` (default:
    tokens per request). ``metavar=None`` shows the parser's name, ``<N>``."""
    from ..numbers import parse_count

    parser = _number_parser(flag, lambda text: parse_count(text, rng or TOKENS))
    decls = (flag, short) if short else (flag,)
    return typer.Option(*decls, parser=parser, metavar=metavar, help=help, show_default=show_default, **extra)


def exact(flag: str, help: str, rng: Any, **extra: Any) -> Any:
    """An exact decimal option within ``rng``."""
    from ..numbers import parse_decimal

    parser = _number_parser(flag, lambda text: parse_decimal(text, rng))
    return typer.Option(flag, parser=parser, help=help, **extra)


def seconds(flag: str, help: str, rng: Any, **extra: Any) -> Any:
    """A number of seconds within ``rng``, as a float (what the HTTP client takes)."""
    from ..numbers import parse_decimal

    parser = _number_parser(flag, lambda text: float(parse_decimal(text, rng)))
    return typer.Option(flag, parser=parser, metavar="SECONDS", help=help, **extra)


def rate(flag: str, help: str, **extra: Any) -> Any:
    """A rate or share option: 0.8 or 80%, from 0 to 1."""
    from ..numbers import SHARE, parse_share

    parser = _number_parser(flag, lambda text: parse_share(text, SHARE))
    return typer.Option(flag, parser=parser, help=help, **extra)


# --------------------------------------------------------------------------- every report command

Format = Annotated[
    Formats,
    typer.Option(
        "--format",
        "-f",
        metavar="table|json|csv|markdown|html",
        help="Output format: table (for people), json, csv (one table, see --table), markdown or html "
        "(one self-contained page with charts).",
    ),
]
Table = Annotated[
    str | None,
    typer.Option(
        "--table",
        metavar="NAME",
        help="With --format csv: the table to write instead of the default one; --table help lists them.",
        show_default=False,
    ),
]
Pricing = Annotated[
    str | None,
    typer.Option(
        "--pricing",
        help="Pricing catalog YAML to use instead of the shipped one (also $GPT41COST_PRICING).",
        metavar="FILE",
        show_default=False,
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="The date of the run: prices in force and model status (active, deprecated, shut down) on it "
        "[default: today in UTC].",
        show_default=False,
    ),
]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        help="Model to report (alias, snapshot or ft: name); repeat for several. Default: all three.",
        show_default=False,
    ),
]
CalibrateFrom = Annotated[
    list[str] | None,
    typer.Option(
        "--calibrate-from",
        metavar="FILE",
        help="Usage records (anything `gpt41cost usage` reads): use each model's observed output tokens per "
        "request and cache hit rate instead of assumed ones (explicit flags still win).",
        show_default=False,
    ),
]

# --------------------------------------------------------------------------- reading (estimate, limits, plan)
# One reading path (gpt41cost.readers.inputs.gather), the same options.

Include = Annotated[
    list[str] | None,
    typer.Option(
        "--include", metavar="GLOB", help="Glob of files to take from directories (repeatable).", show_default=False
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude", metavar="GLOB", help="Glob of files to skip in directories (repeatable).", show_default=False
    ),
]
Encoding = Annotated[str, typer.Option("--encoding", metavar="NAME", help="Text encoding of prompt files.")]
ReadAs = Annotated[
    list[str] | None,
    typer.Option(
        "--as",
        metavar="KIND[=GLOB]",
        help="Read every input as KIND (text, chat, responses, batch, finetune, prompts or image), or with "
        "KIND=GLOB only the files matching GLOB (repeatable, e.g. --as text=*.j2), instead of deciding from "
        "the extension and content.",
        show_default=False,
    ),
]
ImageSize = Annotated[
    str | None,
    typer.Option(
        "--image-size",
        metavar="WxH",
        help="Size to assume for remote images (http URLs, file ids), which cannot be read offline.",
        show_default=False,
    ),
]
SkipBad = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Skip bad lines of JSONL files, data files that do not parse and prompt files that are not text "
        "(each reported on stderr) instead of stopping at the first.",
    ),
]

# --------------------------------------------------------------------------- calling OpenAI's API (usage, verify)

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        metavar="URL",
        help="API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1).",
        show_default=False,
        rich_help_panel="From the API",
    ),
]
Timeout = Annotated[
    float,
    seconds(
        "--timeout",
        "Per connect and per read (0.1 to 3,600).",
        SECONDS.at_least(Decimal("0.1")),
        rich_help_panel="From the API",
    ),
]
Retries = Annotated[
    int,
    counted(
        "--retries",
        "Retries on 429, 5xx and network failures, with backoff (0 to 20).",
        RETRIES,
        show_default=True,
        rich_help_panel="From the API",
    ),
]
Backoff = Annotated[
    float,
    seconds(
        "--backoff",
        "First wait before a retry; doubles each time (a Retry-After from the server wins).",
        SECONDS,
        rich_help_panel="From the API",
    ),
]

# --------------------------------------------------------------------------- estimate

EstimatePaths = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PATH",
        help="Prompt files, directories (recursive) or '-' for stdin; each file is one request.",
        show_default=False,
    ),
]
InputTokens = Annotated[int | None, counted("--input-tokens", "Price one request of N input tokens instead of files.")]
OutputTokens = Annotated[int | None, counted("--output-tokens", "Expected output tokens per request [default: 500].")]
CachedTokens = Annotated[int | None, counted("--cached-tokens", "Cached input tokens per request, taken as given.")]
CacheHitRate = Annotated[
    Decimal | None,
    rate(
        "--cache-hit-rate",
        "Share of each request's input served from the prompt cache (0-1), "
        "with OpenAI's 1,024-token minimum and 128-token steps.",
        metavar="F",
        show_default=False,
    ),
]
Batch = Annotated[bool, typer.Option("--batch", help="Price at Batch API rates (50% off).")]
Priority = Annotated[
    bool,
    typer.Option(
        "--priority", help="Price online requests at priority processing rates (a Batch file's stay at Batch rates)."
    ),
]
RequestsPerDay = Annotated[
    int | None, counted("--requests-per-day", "Traffic, for monthly cost (a month is 30 days).", REQUESTS)
]
RequestsPerMonth = Annotated[int | None, counted("--requests-per-month", "Traffic, for monthly cost.", REQUESTS)]
Cache = Annotated[
    str | None,
    typer.Option(
        "--cache",
        metavar="auto|none",
        help="Prompt-cache detection from prefixes shared across the "
        "run [default: auto for request files, none for plain text].",
        show_default=False,
    ),
]
CacheWarm = Annotated[
    bool,
    typer.Option(
        "--cache-warm/--cache-cold",
        help="With --cache auto: does the first request of the run already hit a warm cache?",
    ),
]
Epochs = Annotated[
    int, counted("--epochs", "Fine-tuning epochs, for training cost of fine-tuning data.", EPOCHS, show_default=True)
]
PerInput = Annotated[
    bool,
    typer.Option("--per-input", help="Also list every input with its tokens and cost per model."),
]

# --------------------------------------------------------------------------- limits

LimitsPaths = Annotated[
    list[str] | None,
    typer.Argument(
        help="Prompt files, request files (chat, Responses, Batch, ...) or directories, as estimate reads them "
        "(or use --input-tokens).",
        show_default=False,
    ),
]
LimitsInputTokens = Annotated[
    int | None, counted("--input-tokens", "Input tokens per request.", TOKENS.at_least(1), metavar=None)
]
MaxTokens = Annotated[
    int | None,
    counted("--max-tokens", "Output reservation per request (max_tokens).", TOKENS.at_least(1), metavar=None),
]
LimitsOutputTokens = Annotated[
    int | None, counted("--output-tokens", "Expected output tokens per request.", metavar=None)
]
PeakRpm = Annotated[
    Decimal | None,
    exact("--peak-rpm", "Requests in the peak minute; with --requests-per-day, at least its / 1440.", PEAK_RPM),
]
LimitsRequestsPerDay = Annotated[Decimal | None, exact("--requests-per-day", "Requests per day.", REQUESTS)]
PeakFactor = Annotated[
    Decimal | None,
    exact(
        "--peak-factor",
        "Peak minute over the day's average minute, with --requests-per-day only. Default 3.",
        PEAK_FACTOR,
    ),
]
LimitsTier = Annotated[int | None, counted("--tier", "Report this usage tier only (1-5).", TIER, metavar=None)]
MinHeadroom = Annotated[
    Decimal, exact("--min-headroom", "Required headroom in % of every limit.", PERCENT, metavar="PCT")
]
BatchShare = Annotated[Decimal, rate("--batch-share", "Share of requests sent through the Batch API (0-1).")]
#: as the workload's priority_share (plan); only limits takes it as a flag
PriorityShare = Annotated[
    Decimal,
    rate(
        "--priority-share",
        "Share of requests sent at priority processing (0-1; with --batch-share at most 1): priority rates, "
        "the same rate limits.",
    ),
]
LimitsCacheHitRate = Annotated[
    Decimal | None, rate("--cache-hit-rate", "Share of input served from the prompt cache (0-1).")
]
Backlog = Annotated[
    int | None,
    counted("--backlog", "Also show how long N queued requests take to drain.", REQUESTS.at_least(1), metavar=None),
]

# --------------------------------------------------------------------------- plan

Workload = Annotated[str, typer.Argument(help="Workload YAML file (see the README for its keys).")]
Check = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Gate: exit 1 when over budget, the tier does not fit with the headroom, or a routed model "
        "is shut down or shuts down within horizon_months.",
    ),
]
Substitute = Annotated[
    bool,
    typer.Option(
        "--substitute",
        help="Also price the workload with every shut-down or expiring model replaced by its substitute, "
        "side by side (--check still gates the plan as written).",
    ),
]

# --------------------------------------------------------------------------- usage

UsagePaths = Annotated[
    list[str] | None,
    typer.Argument(
        help="Usage files or directories (any mix of formats, gzip too); - reads stdin.",
        metavar="PATH...",
        show_default=False,
    ),
]
UsageStrict = Annotated[
    bool,
    typer.Option("--strict", help="Fail on the first bad record (exit 3) and on unpriced models (exit 1)."),
]
UsageSkipBad = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Leave out a subdirectory that cannot be read, or a broken link or a link loop in a directory "
        "(listed on stderr with the skipped records) "
        "instead of stopping. Bad records are always skipped; --strict fails on them.",
    ),
]
WhatIf = Annotated[
    list[str] | None,
    typer.Option(
        "--what-if",
        metavar="batch=SHARE",
        help="Also price moving SHARE (0..1 or %) of non-batch traffic to the Batch API.",
    ),
]
Jobs = Annotated[
    int | None,
    counted(
        "--jobs", "Processes for a large JSONL file (at most 64). Default: every core.", JOBS, short="-j", metavar=None
    ),
]
ShowProgress = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bar on stderr. Default: when it is a terminal.",
        show_default=False,
    ),
]
FromApi = Annotated[
    bool,
    typer.Option(
        "--from-api",
        help="Read the Usage API (GET /v1/organization/usage/completions) for --since..--until with the "
        "admin key in OPENAI_ADMIN_KEY. usage goes online only with this flag.",
        rich_help_panel="From the API",
    ),
]
Since = Annotated[
    str | None,
    typer.Option("--since", metavar="DATE", help="First UTC day (YYYY-MM-DD).", rich_help_panel="From the API"),
]
Until = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Last UTC day, included.", rich_help_panel="From the API"),
]
Project = Annotated[
    list[str] | None,
    typer.Option(
        "--project", metavar="ID", help="Only this project (repeat for more).", rich_help_panel="From the API"
    ),
]
GroupBy = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by",
        metavar="FIELD",
        help="Also group by project_id, user_id or api_key_id (model, batch, service_tier always).",
        rich_help_panel="From the API",
    ),
]
Costs = Annotated[
    bool,
    typer.Option(
        "--costs",
        help="Also read the Costs API (GET /v1/organization/costs, by line item) and reconcile against it.",
        rich_help_panel="From the API",
    ),
]
Save = Annotated[
    str | None,
    typer.Option(
        "--save",
        metavar="DIR",
        help="Keep the pages as JSON in DIR/completions (and DIR/costs) to repeat the run offline.",
        rich_help_panel="From the API",
    ),
]
Billed = Annotated[
    list[str] | None,
    typer.Option(
        "--billed",
        metavar="COSTS",
        help="Reconcile against what was billed: Costs API pages or the dashboard's cost CSV export.",
        rich_help_panel="Reconcile",
    ),
]
Tolerance = Annotated[
    str,
    typer.Option(
        "--tolerance",
        metavar="SHARE",
        help="Flag differences over this (0.01 or 1%); with --strict, exit 1.",
        rich_help_panel="Reconcile",
    ),
]
Forecast = Annotated[
    bool,
    typer.Option(
        "--forecast",
        help="Project the month to its end: spend so far, run rate (last 7 days), range, crossing dates, "
        "peak day vs the tier's limits.",
        rich_help_panel="Forecast",
    ),
]
Budget = Annotated[
    str | None,
    typer.Option(
        "--budget", metavar="USD", help="Monthly budget: the day spend crosses it.", rich_help_panel="Forecast"
    ),
]
ForecastTier = Annotated[
    int | None,
    counted(
        "--tier",
        "Usage tier: its monthly usage cap, RPD and TPM (1-5).",
        TIER,
        metavar=None,
        rich_help_panel="Forecast",
    ),
]
EmitWorkload = Annotated[
    str | None,
    typer.Option(
        "--emit-workload",
        metavar="FILE",
        help="Write a workload YAML (model mix, traffic, observed sizes) that plan --check reads; needs --tier.",
        rich_help_panel="Forecast",
    ),
]

# --------------------------------------------------------------------------- verify

VerifyPaths = Annotated[
    list[str],
    typer.Argument(
        help="Request files: .json (one request) or .jsonl, .ndjson (one a line, Batch lines too), or directories "
        "of them.",
        metavar="PATH...",
        show_default=False,
    ),
]
VerifyModel = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        show_default=False,
        help="Ask for this model's count (default: each request's own model, else gpt-4.1).",
    ),
]
Concurrency = Annotated[
    int, counted("--concurrency", "Requests to the API at once (1 to 32).", CONCURRENCY, show_default=True)
]
VerifyStrict = Annotated[bool, typer.Option("--strict", help="Exit 1 when any count differs or could not be compared.")]
