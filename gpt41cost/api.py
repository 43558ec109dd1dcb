"""The Python API: every command as a function that returns a frozen result object.

The CLI is one client of these functions: it parses flags, calls one of them and renders the
result (``result.report()``) in the format asked for. ``result.to_dict()`` is exactly what
``--format json`` prints for the same call. Nothing here prints, exits or reads the environment;
bad arguments raise :class:`~gpt41cost.errors.ParameterError` naming the parameter, bad files
:class:`~gpt41cost.errors.InputError` naming the file and line. Every ``as_of`` is the date of the
run: a ``date``, ``"YYYY-MM-DD"``, or a ``datetime``, taken as its own date as given (in its own
time zone, never converted).

Heavy modules (the tokenizer, the readers) are imported inside the functions, so that
``import gpt41cost`` and the CLI's ``--help`` stay fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .errors import WORKLOAD_YAML, ParameterError, quoted, slot

if TYPE_CHECKING:
    from datetime import date

    from .batch import BatchCheck
    from .catalog import Catalog, ResolvedModel
    from .cost import Cost
    from .estimate import Assumptions, EstimateResult
    from .forecast import Forecast
    from .images import ImageSize
    from .limits import Assessment, Drain, Verdict
    from .measure import InputFile
    from .readers.inputs import Gathered
    from .reconcile import Reconciliation
    from .report import Report
    from .rules import Rule
    from .usage import Accumulator, Calibration, UsageResult
    from .views.plan import Alternative
    from .workload import PromptSummary, Workload

#: A path argument: one path, or any iterable of paths, read once (``"-"`` is stdin where a command reads it).
Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
#: A number given exactly: a Decimal, an int, or a string such as ``"0.5"`` (a float goes through ``str``).
Number = Decimal | int | float | str
_T = TypeVar("_T")

# --------------------------------------------------------------------------- results


class Result:
    """What every command's result offers: its report, in any format, and its JSON document."""

    def report(self) -> Report:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Exactly what ``--format json`` prints: Decimals as exact strings, ``schema_version`` first."""
        from .report import plain

        out: dict[str, Any] = plain(self.report().data)
        return out

    def render(self, fmt: str = "table") -> str:
        """The report as ``table``, ``json``, ``csv`` or ``markdown`` text, as the CLI prints it."""
        from .report import FORMATS, render

        if fmt not in FORMATS:
            raise ParameterError(f"{slot('fmt')}: " + quoted(fmt) + " is not one of " + ", ".join(FORMATS))
        return render(self.report(), fmt)


@dataclass(frozen=True)
class Estimate(Result):
    """What :func:`estimate` found: cost per request and per month for each model.

    ``skipped`` holds the first bad lines or files skipped (``skip_bad=True``) and
    ``skipped_count`` how many there were in all; ``empty`` the empty files found in directories
    (skipped); ``checks`` the Batch API pre-flight of each batch input file.
    """

    result: EstimateResult
    checks: tuple[BatchCheck, ...] = ()
    extra_assumptions: tuple[tuple[str, str], ...] = ()
    skipped: tuple[str, ...] = ()
    skipped_count: int = 0
    empty: tuple[str, ...] = ()
    per_input: bool = False

    @property
    def rejected(self) -> BatchCheck | None:
        """The first batch file that fails the pre-flight, if any."""
        return next((c for c in self.checks if c.rejected), None)

    def report(self) -> Report:
        from .views.estimate import estimate_report

        return estimate_report(self.result, self.checks, self.extra_assumptions, per_input=self.per_input)


@dataclass(frozen=True)
class Preflight(Result):
    """The Batch API pre-flight of batch files with no request left to price (every line bad):
    carried by :class:`~gpt41cost.errors.BatchRejected`."""

    checks: tuple[BatchCheck, ...]

    def report(self) -> Report:
        from .views.batch import preflight_report

        return preflight_report(self.checks)


@dataclass(frozen=True)
class Limits(Result):
    """What :func:`limits` found: each model's use of every rate limit per tier, and the lowest tier that fits."""

    assessments: tuple[Assessment, ...]
    catalog: Catalog
    summary: PromptSummary | None
    output_source: str
    drains: tuple[Drain, ...] = ()
    shown_tier: int | None = None  # --tier N: the one tier shown; every tier is still assessed for the lowest
    #: each assessment's own summary of its prompts (input, cached, images differ by model); ``summary`` is the first's
    summaries: tuple[PromptSummary, ...] = ()

    def report(self) -> Report:
        from .views.limits import limits_report

        return limits_report(
            list(self.assessments),
            self.catalog,
            self.output_source,
            list(self.drains),
            self.shown_tier,
            list(self.summaries),
        )


@dataclass(frozen=True)
class Plan(Result):
    """What :func:`plan` found: a workload's monthly cost, headroom and ``verdict`` (``verdict.passed``);
    with ``substitute=True`` also ``alternative``, the workload with its models' substitutes."""

    workload: Workload
    assessment: Assessment
    verdict: Verdict
    #: the mix's summary of the prompts: the first model's input figures, the requests over the
    #: least maximum output among the models (each model's own: :attr:`summaries`)
    summary: PromptSummary
    catalog: Catalog
    alternative: Alternative | None = None

    @property
    def summaries(self) -> tuple[PromptSummary, ...]:
        """Each routed model's own summary, in the mix's order, as the report shows them (input
        and cached tokens differ by model where the prompts hold images; the requests over each
        model's maximum output)."""
        from .workload import model_summaries

        return model_summaries(self.workload, self.assessment.demand, self.summary)

    def report(self) -> Report:
        from .views.plan import plan_report

        return plan_report(self.workload, self.assessment, self.verdict, self.summary, self.catalog, self.alternative)


@dataclass(frozen=True)
class Usage(Result):
    """What :func:`usage` found: the cost of the usage records read (``result``), by model, day and
    mode; with ``billed``, the ``reconciliation`` against the bill; with ``forecast=True``, the
    month's ``forecast``."""

    result: UsageResult
    reconciliation: Reconciliation | None = None
    forecast: Forecast | None = None
    catalog: Catalog | None = field(default=None, repr=False)
    accumulator: Accumulator | None = field(default=None, repr=False, compare=False)

    def report(self) -> Report:
        from .views.usage import usage_report, with_sections

        report = usage_report(self.result)
        rec, fc = self.reconciliation, self.forecast
        if rec is not None:
            from .views.reconcile import reconcile_json, reconcile_notes, reconcile_tables

            sections = (reconcile_json(rec), reconcile_tables(rec), reconcile_notes(rec), rec.assumptions)
            report = with_sections(report, "reconciliation", *sections)
        if fc is not None:
            from .views.forecast import forecast_json, forecast_notes, forecast_tables, forecast_warnings

            report = with_sections(
                report, "forecast", forecast_json(fc), forecast_tables(fc), forecast_notes(fc), fc.assumptions
            )
            report = replace(report, warnings=[*report.warnings, *forecast_warnings(fc)])
        return report

    def workload_yaml(self, tier: int, budget: Decimal | None = None) -> str:
        """A workload file (model mix, traffic, observed sizes) that :func:`plan` reads, for ``tier``
        (1 to 5) and ``budget`` (USD a month, more than 0): checked as ``--tier`` and ``--budget``
        are, a bad one a ParameterError naming it, never a file that plan refuses."""
        from .numbers import TIER, check_budget
        from .workload_from_usage import workload_yaml

        n_tier = _count(tier, "tier", TIER)
        if n_tier is None:
            raise ParameterError(f"{slot('tier')}: give the usage tier the workload will run at (1 to 5)")
        monthly = check_budget(budget)
        assert self.accumulator is not None and self.catalog is not None
        return workload_yaml(
            self.result, self.accumulator, self.catalog, tier=n_tier, budget=monthly, sources=self.result.sources
        )


@dataclass(frozen=True)
class Pricing(Result):
    """What :func:`pricing` shows: the catalog as on its date (prices in force per model, rate
    limits per tier, each model's status)."""

    catalog: Catalog

    def report(self) -> Report:
        from .views.pricing import pricing_report

        return pricing_report(self.catalog)


@dataclass(frozen=True)
class Rules(Result):
    """What :func:`rules` lists: every rule the figures rest on, each with its ``basis``
    (documented by OpenAI, an inference, or gpt41cost's own policy) and source."""

    rules: tuple[Rule, ...]

    def report(self) -> Report:
        from .views.rules import rules_report

        return rules_report(list(self.rules))


@dataclass(frozen=True)
class RequestTokens:
    """One request body's input tokens on ``model``, its output cap when it sets one, and the
    choices it asks for (a Chat request's ``n``: each one's output is billed, within the cap)."""

    model: str
    input_tokens: int
    max_output_tokens: int | None
    notes: tuple[str, ...] = ()
    uncounted: tuple[str, ...] = field(default=())
    choices: int = 1


# --------------------------------------------------------------------------- argument helpers


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """The pricing catalog in ``path`` (YAML), validated and frozen; None: the shipped one."""
    from .catalog import default_catalog_path
    from .catalog import load_catalog as load

    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"{slot('path')}: give the path of a pricing YAML file, not " + type(path).__name__)
    return load(default_catalog_path() if path is None else path)


def _day(as_of: date | str | None) -> date | None:
    """``as_of`` as a date: a ``date``, a ``datetime`` (its own date as given, in its own time zone,
    never converted: ``datetime.now(timezone.utc)`` is today in UTC), or YYYY-MM-DD."""
    from datetime import date, datetime

    from .lifecycle import AS_OF, RunDate, parse_day

    if as_of is None:
        return None
    if isinstance(as_of, datetime):
        return RunDate.of(as_of.date(), AS_OF)
    if isinstance(as_of, date):
        return RunDate.of(as_of, AS_OF)
    if isinstance(as_of, str):
        try:
            return RunDate.of(parse_day(as_of.strip()), AS_OF)
        except ValueError as exc:
            raise ParameterError(f"{slot('as_of')}: " + str(exc) + "; give a date such as 2026-12-06") from None
    raise ParameterError(
        f"{slot('as_of')}: give a date, a datetime or a string such as 2026-12-06, not " + type(as_of).__name__
    )


def _catalog(catalog: Catalog | str | os.PathLike[str] | None, as_of: date | str | None = None) -> Catalog:
    """The catalog as on ``as_of`` (a date, a datetime's date or YYYY-MM-DD: :func:`_day`; default:
    the date a given Catalog was fixed to with ``Catalog.on``, else today in UTC): the prices in force and
    each model's status that day."""

    from . import lifecycle
    from .catalog import Catalog

    if catalog is not None and not isinstance(catalog, (Catalog, str, os.PathLike)):
        raise ParameterError(
            f"{slot('catalog')}: give a Catalog (gpt41cost.load_catalog) or the path of a pricing YAML file, not "
            + type(catalog).__name__,
        )
    day = _day(as_of)  # a bad date is named before the catalog is read
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    if day is None:
        return cat if cat.run_date is not None else cat.on(lifecycle.today())
    return cat.on(day)


def _paths(paths: Paths | None, param: str = "paths") -> list[str]:
    """``paths`` as a list of str, read once: a str or PathLike is one path; any other iterable
    (a list, a tuple, a generator) holds paths, each a str or PathLike. Bytes, and anything else,
    are refused naming ``param`` (bytes would iterate as ints)."""
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [_path(paths, param)]
    if isinstance(paths, (bytes, bytearray)) or not isinstance(paths, Iterable):
        raise ParameterError(
            slot(param) + ": give a path or a list of paths (str or os.PathLike), not " + type(paths).__name__
        )
    return [_path(p, param) for p in paths]


def _path(path: Any, param: str) -> str:
    """One path of ``param`` as a str: a str, or an os.PathLike whose path is a str."""
    got = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(got, str):
        raise ParameterError(
            slot(param) + ": each path is a str or os.PathLike, not " + type(path).__name__ + f" ({path!r:.60})",
        )
    return got


def _flag(value: object, param: str) -> bool:
    """A yes/no parameter: True or False only (``batch="no"`` would be truthy, so it is refused,
    as the numbers refuse True)."""
    if not isinstance(value, bool):
        raise ParameterError(slot(param) + ": give True or False, not " + quoted(value)[:60])
    return value


def _resolve(cat: Catalog, name: str, param: str) -> ResolvedModel:
    """``name``, given as the argument ``param``, in the catalog; an unknown one names ``param``."""
    from .errors import UnknownModelError

    if not isinstance(name, str):
        raise ParameterError(slot(param) + ": give a model name such as 'gpt-4.1', not " + type(name).__name__)
    try:
        return cat.resolve(name)
    except UnknownModelError as exc:
        raise exc.of(param) from None


def _count(value: Number | None, param: str, rng: Any = None) -> int | None:
    """A whole number (1000, "1_000", "1,000", "1e3") within ``rng`` (default: tokens per request)."""
    if value is None:
        return None
    from .numbers import TOKENS, NumberError, parse_count

    try:
        return parse_count(value, rng or TOKENS)
    except NumberError as exc:
        raise ParameterError(slot(param) + ": " + str(exc)) from None


def _decimal(value: Number | None, param: str, rng: Any) -> Decimal | None:
    """An exact decimal within ``rng``."""
    if value is None:
        return None
    from .numbers import NumberError, parse_decimal

    try:
        return parse_decimal(value, rng)
    except NumberError as exc:
        raise ParameterError(slot(param) + ": " + str(exc)) from None


def _given(value: _T | None, param: str) -> _T:
    """``value`` of a parameter that has a default and no meaning as None: None raises
    ParameterError naming it (an untyped caller's ``epochs=None``), not an AssertionError."""
    if value is None:
        raise ParameterError(slot(param) + ": give a value, not None (leave it out for its default)")
    return value


def _share(value: Number | None, param: str) -> Decimal | None:
    """A share or rate from 0 to 1: 0.8, "0.8" or "80%"."""
    if value is None:
        return None
    from .numbers import NumberError, parse_share

    try:
        return parse_share(value)
    except NumberError as exc:
        raise ParameterError(slot(param) + ": " + str(exc)) from None


# --------------------------------------------------------------------------- estimate


def estimate(
    paths: Paths | None = None,
    *,
    input_tokens: Number | None = None,
    output_tokens: Number | None = None,
    cached_tokens: Number | None = None,
    cache_hit_rate: Number | None = None,
    cache: str | None = None,
    cache_warm: bool = False,
    batch: bool = False,
    priority: bool = False,
    requests_per_day: Number | None = None,
    requests_per_month: Number | None = None,
    models: str | Sequence[str] | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    encoding: str = "utf-8",
    read_as: str | Sequence[str] | None = None,
    image_size: str | tuple[int, int] | None = None,
    epochs: Number = 3,
    skip_bad: bool = False,
    per_input: bool = False,
    calibrate_from: Paths | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Estimate:
    """What requests cost on each model, per request and per month.

    ``paths``: prompt files (one request each), request files (Chat, Responses, Batch,
    fine-tuning, prompt JSONL), directories, or ``"-"`` for stdin; or ``input_tokens`` for one
    request of that size. ``output_tokens`` per request (default 500). The cached input is
    ``cached_tokens`` as given, or ``cache_hit_rate`` (0-1, in OpenAI's 128-token steps from
    1,024), or detected from prefixes shared across the run: ``cache="auto"`` (the default for
    request files) or ``"none"`` (the default for plain text). ``models``: names to report
    (default: the requests' own, then every base model). ``calibrate_from``: usage files whose
    observed output tokens and cache hit rates replace the assumed ones (explicit arguments win).
    ``read_as``: a kind (text, chat, responses, batch, finetune, prompts, image) for every input,
    or ``KIND=GLOB`` values for the files matching each glob. A Batch file's requests are priced at
    Batch rates and every other input's (online requests) at standard rates, the run's figures
    being their sum (``result.modes``); ``batch``: every input at Batch prices; ``priority``: the
    online requests at priority prices, a Batch file's still at Batch prices (the Batch API has no
    priority processing: ``priority`` with Batch files alone raises ParameterError).
    ``per_input``: the report also lists every input. ``on_progress`` receives bytes read,
    ``on_total`` the bytes to read, ``on_warning`` one line for each bad line or file skipped and
    for the empty files skipped, as soon as the inputs are read (also in the result's ``skipped``
    and ``empty``).
    """
    from .estimate import monthly_requests
    from .numbers import EPOCHS, REQUESTS

    input_tokens = _count(input_tokens, "input_tokens")
    output_tokens = _count(output_tokens, "output_tokens")
    cached_tokens = _count(cached_tokens, "cached_tokens")
    rate = _share(cache_hit_rate, "cache_hit_rate")
    per_day = _count(requests_per_day, "requests_per_day", REQUESTS)
    month = _count(requests_per_month, "requests_per_month", REQUESTS)
    n_epochs = _given(_count(epochs, "epochs", EPOCHS), "epochs")
    cache_warm, batch, priority = _flag(cache_warm, "cache_warm"), _flag(batch, "batch"), _flag(priority, "priority")
    per_input = _flag(per_input, "per_input")
    r = _reading(include, exclude, encoding, read_as, image_size, skip_bad, on_progress, on_total, on_warning)
    path_list = _paths(paths)  # once: an iterator of paths is read here, not again
    usage_files = _paths(calibrate_from, "calibrate_from")
    _check_estimate_args(path_list, input_tokens, cached_tokens, rate, cache, batch, priority)
    per_month, traffic = monthly_requests(per_day, month)
    cat = _catalog(catalog, as_of)
    # fail fast on unknown names
    chosen = [_resolve(cat, m, "models") for m in _texts(models, "models", "a model name")]
    checked = chosen or [cat.resolve(n) for n in cat.model_names()]  # the models the run prices
    _refuse_over_max(checked, ("output_tokens", output_tokens))
    if input_tokens is not None:  # one request of a given size: the one window check (a file's misfits are listed)
        from .estimate import DEFAULT_OUTPUT_TOKENS
        from .limits import check_window

        # the output priced: the flag, else the default (a calibrated output, per model, is read later: the input alone)
        out = output_tokens if output_tokens is not None else 0 if usage_files else DEFAULT_OUTPUT_TOKENS
        check_window(checked, input_tokens, out, "output_tokens")
    calibration = _calibration(usage_files, cat)
    return _estimate(
        path_list,
        cat,
        chosen,
        calibration,
        _EstimateArgs(
            input_tokens, output_tokens, cached_tokens, rate, cache, cache_warm, batch, priority, per_month, traffic,
            n_epochs, per_input, r,
        ),
    )  # fmt: skip


def _check_estimate_args(
    paths: list[str],
    input_tokens: int | None,
    cached_tokens: int | None,
    rate: Decimal | None,
    cache: str | None,
    batch: bool,
    priority: bool,
) -> None:
    if cached_tokens is not None and rate is not None:
        raise ParameterError(f"give {slot('cached_tokens')} or {slot('cache_hit_rate')}, not both")
    if cache not in (None, "auto", "none"):
        raise ParameterError(f"{slot('cache')}: " + quoted(cache) + " is not auto or none")
    if cache is not None and (cached_tokens is not None or rate is not None):
        raise ParameterError(
            f"{slot('cache')} goes without {slot('cached_tokens')} and {slot('cache_hit_rate')}, "
            "which fix the cached tokens",
        )
    if batch and priority:
        raise ParameterError(f"give {slot('batch')} or {slot('priority')}, not both")
    if paths and input_tokens is not None:
        raise ParameterError(f"give prompt files or {slot('input_tokens')}, not both")
    if not paths and input_tokens is None:
        raise ParameterError(f"nothing to estimate: give prompt files, a directory, '-' or {slot('input_tokens')} N")


def _refuse_over_max(resolved: list[ResolvedModel], *flags: tuple[str, int | None]) -> None:
    """Refuse a flag's token count above a chosen model's maximum output, as plan refuses a
    workload's (measure.CAP_OVER_MAX): OpenAI generates no more than that, whatever is asked."""
    from .measure import over_max, over_max_problem

    for flag, value in flags:
        over = next((m for m in resolved if over_max(value, m.spec.max_output_tokens)), None)
        if over is not None and value is not None:
            problem = over_max_problem(value, over.label, over.spec.max_output_tokens)
            raise ParameterError(slot(flag) + ": " + problem)


class _EstimateArgs(NamedTuple):
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    rate: Decimal | None
    cache: str | None
    cache_warm: bool
    batch: bool
    priority: bool
    per_month: int | None
    traffic: str
    epochs: int
    per_input: bool
    #: the reading options, as limits and plan take them
    read: _ReadArgs


def _estimate(
    paths: list[str],
    catalog: Catalog,
    chosen: list[ResolvedModel],
    calibration: Calibration | None,
    a: _EstimateArgs,
) -> Estimate:
    from dataclasses import replace

    from .cache import cache_assumptions, run_cache
    from .estimate import Assumptions, estimate, models_to_report, text_measure
    from .measure import InputFile, Totals

    # The output assumption is known before reading (the totals find misfits with it); the cache
    # mode and processing mode are settled once the kinds of input are known.
    assumptions = Assumptions(
        output_tokens=a.output_tokens if a.output_tokens is not None else Assumptions.output_tokens,
        output_source="flag" if a.output_tokens is not None else "default",
        cached_tokens=a.cached_tokens,
        cache_hit_rate=a.rate,
        cache_warm=a.cache_warm,
        requests_per_month=a.per_month,
        traffic_source=a.traffic,
        epochs=a.epochs,
    )
    if calibration is not None and a.output_tokens is None:
        assumptions = _calibrated_output(assumptions, calibration)
    outputs = {base: assumptions.output_for(base) for base in catalog.models}
    checks: list[BatchCheck] = []
    skipped: tuple[str, ...] = ()
    skipped_count = 0
    empty: list[str] = []
    if a.input_tokens is not None:
        totals = Totals(catalog, outputs)
        totals.add(text_measure("--input-tokens", a.input_tokens, catalog, kind="tokens"))
        inputs = [InputFile("--input-tokens", "tokens", "--input-tokens", 0, 1)]
    else:
        # Cache detection runs as the files are read: the totals keep the prefixes, not the requests.
        # With no cache assumed (--cache none, or plain text by default) it still runs, for the
        # what-if figures (EstimateResult's if_cached); the run's own figures stay uncached.
        detect = a.cached_tokens is None and a.rate is None
        totals = Totals(catalog, outputs, run_cache(catalog) if detect else None, text_alone=a.cache is None)
        got = _read_requests(paths, catalog, a, totals, text_blocks=detect)
        inputs, empty = got.inputs, got.empty
        checks = _preflight(got, catalog, chosen)
        skipped = tuple(e.message for e in got.skipped.first)
        skipped_count = len(got.skipped)
        if a.read.on_warning is not None:  # now: the estimate may find nothing left to estimate
            for line in _skip_lines(skipped, skipped_count, empty, totals.requests):
                a.read.on_warning(line)
        rejected = [c for c in checks if c.rejected]
        if not totals.requests and rejected:  # nothing to price, but the findings say why
            from .errors import BatchRejected

            raise BatchRejected(rejected[0].rejection, Preflight(tuple(checks)))
    kinds = totals.kind_set()
    cache_mode = (
        "fixed"
        if a.cached_tokens is not None
        else "rate"
        if a.rate is not None
        else a.cache or ("auto" if kinds - {"text", "tokens"} else "none")
    )
    assumptions = replace(assumptions, cache_mode=cache_mode, mode=_mode(a.batch, a.priority, inputs))
    if calibration is not None:
        assumptions = _calibrated_cache(assumptions, calibration)
    models = models_to_report(catalog, [m.requested for m in chosen], totals, fine_tuned="finetune" in kinds)
    what_if = totals.cache is not None and assumptions.cache_mode == "none"
    result = estimate(totals, catalog, assumptions, models, inputs=inputs, empty_inputs=empty, cache_what_if=what_if)
    extra = list(cache_assumptions(a.cache_warm)) if cache_mode == "auto" else []
    return Estimate(result, tuple(checks), tuple(extra), skipped, skipped_count, tuple(empty), a.per_input)


def _read_requests(paths: list[str], catalog: Catalog, a: _EstimateArgs, totals: Any, text_blocks: bool) -> Gathered:
    """Every input, read once, into ``totals``; ``text_blocks``: plain text hashed into cache blocks.
    The skipped inputs are told to ``on_warning`` by :func:`_estimate`, once it has settled what is
    left to estimate, not here."""
    read = a.read._replace(on_warning=None)
    return _read(paths, catalog, read, text_blocks=text_blocks, totals=totals, preflight=True)


class _ReadArgs(NamedTuple):
    """The reading options estimate, limits and plan share (one reading path, the same options)."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    encoding: str = "utf-8"
    read_as: str | Sequence[str] | None = None
    image_size: ImageSize | None = None
    skip_bad: bool = False
    on_progress: Callable[[int], None] | None = None
    on_total: Callable[[int], None] | None = None
    on_warning: Callable[[str], None] | None = None  # told of skipped lines, files, empty files


def _read(
    paths: list[str],
    catalog: Catalog,
    r: _ReadArgs,
    *,
    text_blocks: bool = False,
    totals: Any = None,
    on_request: Callable[[Any], None] | None = None,
    found: Sequence[Any] | None = None,
    preflight: bool = False,
) -> Gathered:
    """Read every input with :func:`gpt41cost.readers.inputs.gather` and the shared options.

    Without ``skip_bad`` a Batch line gpt41cost will not count (errors.Uncountable) is an error
    in every command; a line the reader finds bad is a finding of the Batch pre-flight, which only
    estimate reports (``preflight``), so for limits and plan it is an error too, as a bad line of
    any other request file is: never a request dropped without a word."""
    from .readers.inputs import gather

    got = gather(
        paths,
        catalog,
        force=r.read_as,
        include=r.include,
        exclude=r.exclude,
        encoding=r.encoding,
        image_size=r.image_size,
        skip_bad=r.skip_bad,
        text_blocks=text_blocks,
        on_progress=r.on_progress,
        on_total=r.on_total,
        totals=totals,
        on_request=on_request,
        found=found,
    )
    if not r.skip_bad:
        _refuse_bad_batch_lines(got, preflight)
    if r.on_warning is not None:
        for line in _skip_lines([e.message for e in got.skipped.first], len(got.skipped), got.empty, got.requests):
            r.on_warning(line)
    return got


def _reading(
    include: Sequence[str] | str | None,
    exclude: Sequence[str] | str | None,
    encoding: str,
    read_as: str | Sequence[str] | None,
    image_size: str | tuple[int, int] | None,
    skip_bad: bool,
    on_progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
    on_warning: Callable[[str], None] | None,
) -> _ReadArgs:
    """The reading options estimate, limits and plan share, each checked and named: a glob
    given alone (``include="*.txt"``) is one glob, not its characters; text where text is due;
    callbacks callable."""
    if not isinstance(encoding, str):
        raise ParameterError(
            f"{slot('encoding')}: give a text encoding such as 'utf-8', not " + type(encoding).__name__
        )
    from .images import image_size_param

    size = image_size_param(image_size)
    for name, fn in (("on_progress", on_progress), ("on_total", on_total), ("on_warning", on_warning)):
        _callable(fn, name)
    kinds = _texts(read_as, "read_as", "a kind or KIND=GLOB")
    return _ReadArgs(
        _texts(include, "include", "a glob"),
        _texts(exclude, "exclude", "a glob"),
        encoding,
        kinds or None,
        size,
        _flag(skip_bad, "skip_bad"),
        on_progress,
        on_total,
        on_warning,
    )


def _callable(fn: object, name: str) -> None:
    """A callback given is callable (else a ParameterError names it, before any reading)."""
    if fn is not None and not callable(fn):
        raise ParameterError(slot(name) + ": give a function or None, not " + type(fn).__name__)


def _texts(value: str | Iterable[str] | None, param: str, what: str) -> list[str]:
    """``value`` as a list of str: one str is one item (never its characters), any iterable holds
    str items; anything else is named."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise ParameterError(slot(param) + ": give " + what + " or a list of them (str), not " + type(value).__name__)
    items = list(value)
    bad = next((v for v in items if not isinstance(v, str)), None)
    if bad is not None:
        raise ParameterError(
            slot(param) + ": each is " + what + " (str), not " + type(bad).__name__ + f" ({bad!r:.60})"
        )
    return items


def _refuse_bad_batch_lines(got: Gathered, preflight: bool) -> None:
    """A Batch file's bad line, or one gpt41cost will not count, stops the read (no ``skip_bad``):
    its message names the parameter that goes on (readers.text.Advice: ``skip_bad=True`` for the
    API, ``--skip-bad`` on the command line)."""
    from .readers.inputs import BAD_LINE_ADVICE, UncountableAdvice
    from .readers.text import Advice
    from .report import counted

    for facts, _ in got.batches:
        for found, error in ((facts.uncountable, UncountableAdvice), ([] if preflight else facts.bad_lines, Advice)):
            if found:
                more = f" (and {counted(len(found) - 1, 'more such line')})" if len(found) > 1 else ""
                raise error(f"{found[0][1]}{more}; {BAD_LINE_ADVICE}")


def _skip_lines(first: Sequence[str], count: int, empty: Sequence[str], requests: int) -> list[str]:
    """Bad lines or files skipped: the first few, then how many in all, and whether any request
    was left to count (``requests``: the requests read); and the empty files."""
    from .report import counted

    out = [f"skipped: {message}" for message in first]
    if count > len(first):
        out.append(f"... and {counted(count - len(first), 'more bad line')} skipped")
    if count:
        rest = "the others were counted" if requests else "no request was left to count"
        out.append(f"{counted(count, 'bad line or file', 'bad lines or files')} skipped; {rest}")
    if empty:
        from .readers.inputs import all_empty, holds, nothing_to_send

        plain = all_empty(empty)
        shown = ", ".join(e if plain else f"{e} ({holds(e)})" for e in empty[:5])
        shown += f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        out.append(f"skipped {nothing_to_send(empty)}: {shown}")
    return out


def _preflight(got: Gathered, catalog: Catalog, chosen: list[ResolvedModel]) -> list[BatchCheck]:
    from .batch import preflight

    base = [m for m in chosen if not m.fine_tuned] or None
    return [preflight(facts, tally, catalog, models=base) for facts, tally in got.batches]


def _calibration(files: Paths | None, catalog: Catalog) -> Calibration | None:
    paths = _paths(files, "calibrate_from")
    if not paths:
        return None
    from .readers.usage import load_calibration

    return load_calibration(paths, catalog)


def _calibrated_output(a: Assumptions, cal: Calibration) -> Assumptions:
    """Each model's observed output tokens per request instead of the default, by plan's rule
    (:func:`gpt41cost.workload.calibrated_figures`)."""
    from dataclasses import replace

    from .workload import calibrated_figures

    figures = calibrated_figures(cal)
    return replace(
        a,
        output_tokens=figures.output_tokens,
        output_by_model=dict(figures.output_by_model),
        output_source=f"observed mean in {', '.join(cal.sources)}",
        output_whole=True,
    )


def _calibrated_cache(a: Assumptions, cal: Calibration) -> Assumptions:
    """Each model's observed cache where nothing else gives the cached tokens, by plan's rule
    (:func:`gpt41cost.workload.calibrated_figures`)."""
    from dataclasses import replace

    from .workload import calibrated_figures

    if a.cache_mode == "none":
        cache = calibrated_figures(cal).cache_by_model
        rates = {m: c.cache_hit_rate for m, c in cache.items() if c.cache_hit_rate is not None}
        by_size = {m: c for m, c in cache.items() if c.bands}
        if rates or by_size:
            a = replace(
                a, cache_mode="rate", cache_hit_rate=Decimal(0), hit_rate_by_model=rates, cache_by_model=by_size
            )
    return a


def _mode(batch: bool, priority: bool, inputs: Sequence[InputFile]) -> str:
    """The processing mode of the inputs that are not Batch files (online requests); the Batch
    files' requests go through the Batch API, at Batch rates, whatever the flags
    (docs/accounting.md §8, "Batch files": the Batch API has no priority processing). ``batch``
    prices the online requests at Batch rates too, ``priority`` at priority rates. ``priority``
    with no online request among ``inputs`` would change nothing: refused, naming it."""
    from .report import first_named

    files = [i.source for i in inputs if i.read_as == "batch" and i.stop > i.start]
    if priority and files and not any(i.stop > i.start for i in inputs if i.read_as != "batch"):
        what = f"{files[0]} is a Batch API file" if len(files) == 1 else f"{first_named(files)} are Batch API files"
        raise ParameterError(
            f"{slot('priority')}: {what}, and the Batch API has no priority processing (its requests are priced "
            f"at Batch rates); drop {slot('priority')}, which prices online requests (prompts, Chat or Responses "
            "requests)",
        )
    return "batch" if batch else "priority" if priority else "standard"


# --------------------------------------------------------------------------- limits


def limits(
    paths: Paths | None = None,
    *,
    input_tokens: Number | None = None,
    max_tokens: Number | None = None,
    output_tokens: Number | None = None,
    peak_rpm: Number | None = None,
    requests_per_day: Number | None = None,
    peak_factor: Number | None = None,
    tier: Number | None = None,
    min_headroom: Number = 0,
    batch_share: Number = 0,
    priority_share: Number = 0,
    cache_hit_rate: Number | None = None,
    backlog: Number | None = None,
    models: str | Sequence[str] | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    encoding: str = "utf-8",
    read_as: str | Sequence[str] | None = None,
    image_size: str | tuple[int, int] | None = None,
    skip_bad: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Limits:
    """Rate-limit headroom per usage tier, and the lowest tier that fits.

    TPM counts input plus the output reservation (``max_tokens``, else ``output_tokens``), as
    OpenAI charges it when a request is admitted. Traffic is ``peak_rpm`` (requests in the peak
    minute, at least ``requests_per_day`` / 1440 when both are given), or ``requests_per_day`` with
    ``peak_factor`` (default 3). A tier fits when every
    limit's use is at most 100 - ``min_headroom`` %, and, given ``requests_per_day``, the
    projected monthly spend is within the tier's usage cap. ``backlog``: also how long that many
    queued requests take to drain.

    The files are read as :func:`estimate` reads them, with the same reading options
    (``include``, ``exclude``, ``encoding``, ``read_as``, ``image_size``, ``skip_bad``,
    ``on_progress``, ``on_total``, ``on_warning``): a prompt file is one request, a request file
    gives its requests, each reserving its own ``max_tokens``, images counted; a request over the
    context window raises InputError, as plan refuses it. A Batch file's
    requests go through the Batch API: priced at Batch rates and counted against the batch queue,
    not RPM, TPM and RPD (``batch_share`` moves a share of the others there). ``priority_share``
    of the other requests is sent at priority processing (0 to 1; with ``batch_share`` at most 1, a
    workload's ``priority_share``): priced at priority rates, counted against the same limits.
    """
    from .limits import Demand, assess, check_window, drain
    from .numbers import PEAK_FACTOR, PEAK_RPM, PERCENT, REQUESTS, TIER, TOKENS

    n_input = _count(input_tokens, "input_tokens", TOKENS.at_least(1))
    n_max = _count(max_tokens, "max_tokens", TOKENS.at_least(1))
    n_output = _count(output_tokens, "output_tokens")
    peak = _decimal(peak_rpm, "peak_rpm", PEAK_RPM)
    rpd = _decimal(requests_per_day, "requests_per_day", REQUESTS)
    factor = _decimal(peak_factor, "peak_factor", PEAK_FACTOR)
    n_tier = _count(tier, "tier", TIER)
    headroom = _given(_decimal(min_headroom, "min_headroom", PERCENT), "min_headroom")
    share = _given(_share(batch_share, "batch_share"), "batch_share")
    priority = _given(_share(priority_share, "priority_share"), "priority_share")
    rate = _share(cache_hit_rate, "cache_hit_rate")
    n_backlog = _count(backlog, "backlog", REQUESTS.at_least(1))
    read = _reading(include, exclude, encoding, read_as, image_size, skip_bad, on_progress, on_total, on_warning)
    cat = _catalog(catalog, as_of)
    path_list = _paths(paths)
    if path_list and n_input is not None:
        raise ParameterError(f"give prompt files or {slot('input_tokens')}, not both")
    if not path_list and n_input is None:
        raise ParameterError(f"give prompt files (one request each) or {slot('input_tokens')} N")
    traffic = _traffic(peak, rpd, factor)  # before any file is read
    if headroom >= 100:
        raise ParameterError(f"{slot('min_headroom')}: must be below 100")
    resolved = [_resolve(cat, n, "models") for n in _texts(models, "models", "a model name") or cat.model_names()]
    _refuse_over_max(resolved, ("max_tokens", n_max), ("output_tokens", n_output))
    reserve = ("max_tokens", n_max) if n_max is not None else ("output_tokens", n_output)
    if n_input is not None and reserve[1] is not None:  # a file's requests: workload.refuse_over_window
        check_window(resolved, n_input, reserve[1], reserve[0])
    profiles, summaries, out_source = _limit_profiles(
        path_list, cat, resolved, n_input, n_max, n_output, rate, read, traffic.requests_per_day
    )
    tiers = (n_tier,) if n_tier is not None else tuple(cat.tiers)
    # every tier is assessed, so the lowest tier that fits does not depend on the tier shown
    assessments = tuple(
        assess(
            Demand(((m, Decimal(1)),), traffic, profiles[m.spec.name], share, headroom, priority_share=priority),
            cat,
            tuple(cat.tiers),
        )
        for m in resolved
    )
    drains = (
        tuple(drain(n_backlog, m, profiles[m.spec.name], cat, t) for m in resolved for t in tiers) if n_backlog else ()
    )
    each = tuple(summaries[m.spec.name] for m in resolved) if summaries else ()
    return Limits(assessments, cat, each[0] if each else None, out_source, drains, n_tier, each)


def _limit_profiles(
    paths: list[str],
    catalog: Catalog,
    resolved: list[ResolvedModel],
    input_tokens: int | None,
    max_tokens: int | None,
    output_tokens: int | None,
    rate: Decimal | None,
    read: _ReadArgs,
    rpd: Decimal | None = None,
) -> tuple[dict[str, Any], dict[str, PromptSummary], str]:
    """Each model's request profile and summary of its prompts (by base model; for a given input
    size, of that size with the cache it prices), and where the output tokens come from.

    Without a cache hit rate, the prompt cache of the files (plain text too) is detected: with
    ``rpd`` (requests a day) the month's steady state at that traffic on each model, as
    ``estimate`` and ``plan`` price it (:func:`gpt41cost.workload.steady_cached`), else a warm run."""
    from .cache import CACHE_STEADY_SHORT, RETENTION_MINUTES
    from .measure import over_max
    from .workload import (
        given_size_profile,
        measured_cache,
        profile_from_measured,
        refuse_over_window,
        steady_cached,
        warm_cached,
    )

    measured: list[Any] = []
    templates: tuple[str, ...] = ()
    if paths:  # text prompts hashed into cache blocks too, unless a hit rate is given (as plan's cache: auto)
        got = _read(paths, catalog, read, text_blocks=rate is None, on_request=measured.append)
        templates = _unrendered(got)
        if not measured:  # every file empty (skipped in a directory) or every line skipped (skip_bad)
            raise ParameterError(
                "nothing to assess: the files hold no request; give prompt files, a directory, '-' or "
                f"{slot('input_tokens')} N",
            )
    own_caps = bool(measured) and all(m.max_output_tokens is not None for m in measured)
    if max_tokens is None and output_tokens is None and not own_caps:
        raise ParameterError(
            f"give {slot('max_tokens')} (the output reservation) or {slot('output_tokens')} (the expected output)",
        )
    reserve = max_tokens if max_tokens is not None else output_tokens
    if output_tokens is not None:
        expected, out_source = output_tokens, "--output-tokens"
    elif max_tokens is not None:
        expected, out_source = max_tokens, "--max-tokens, an upper bound"
    else:
        # each request's own cap is its expected output: the largest cap, taken down to each one's own
        expected = max(m.max_output_tokens or 0 for m in measured)
        out_source = "the largest of the requests' own max_tokens, an upper bound"
        if any(over_max(expected, m.spec.max_output_tokens) for m in resolved):  # CAP_OVER_MAX
            out_source = (
                f"the largest of the requests' own max_tokens, {expected:,}, at most the model's maximum output; "
                "an upper bound"
            )
    if not measured:
        assert input_tokens is not None
        # the cache priced is the cache reported: one summary of the given size, as plan's
        uniform, given = given_size_profile(
            input_tokens, expected, reserve if reserve is not None else expected, catalog, cache_hit_rate=rate
        )
        return {m.spec.name: uniform for m in resolved}, {m.spec.name: given for m in resolved}, out_source
    # one prompt cache of the requests serves every model (warm run, or steady state at rpd)
    cache = measured_cache(measured, catalog) if rate is None else None
    auto = warm_cached(measured, catalog, cache) if cache is not None and rpd is None else {}
    profiles: dict[str, Any] = {}
    summaries: dict[str, PromptSummary] = {}
    for m in resolved:
        base = m.spec.name
        if base in profiles:
            continue
        steady = steady_cached(measured, base, rpd, cache) if cache is not None and rpd is not None else None
        top = m.spec.max_output_tokens  # a cap above the model's maximum output counts as it (CAP_OVER_MAX)
        profiles[base], s = profile_from_measured(
            measured,
            base,
            catalog,
            output_tokens=min(expected, top),  # a flag over top was refused (_refuse_over_max)
            reserve_tokens=reserve,
            cache_hit_rate=rate,
            auto_cached=steady if steady is not None else auto.get(base),
        )
        # a request over the window is refused, as plan refuses it (docs/accounting.md §11)
        refuse_over_window(
            profiles[base],
            measured,
            m,
            f"{slot('max_tokens')} (or {slot('output_tokens')})",
        )
        if steady is not None and rpd is not None:
            s = replace(
                s,
                cache_basis=f"auto: month in steady state at {rpd:,.0f} requests/day on each model: "
                + CACHE_STEADY_SHORT.format(minutes=RETENTION_MINUTES),
            )
        summaries[base] = replace(s, unrendered=templates)
    return profiles, summaries, out_source


def _unrendered(got: Gathered) -> tuple[str, ...]:
    """The inputs read that look like unrendered templates, counted as written (as estimate says)."""
    from .readers.inputs import unrendered

    return tuple(i.source for i in got.inputs if unrendered(i.reason))


def _traffic(peak: Decimal | None, rpd: Decimal | None, factor: Decimal | None) -> Any:
    from .limits import DEFAULT_PEAK_FACTOR, Traffic

    if peak is None and rpd is None:
        raise ParameterError(
            f"give {slot('peak_rpm')} N, or {slot('requests_per_day')} N (peak from {slot('peak_factor')}, default 3)",
        )
    if peak is not None and factor is not None:
        raise ParameterError(
            f"{slot('peak_factor')} only applies without {slot('peak_rpm')}; drop one of them",
        )
    if peak is not None:
        return Traffic(peak, rpd, "--peak-rpm")
    assert rpd is not None
    return Traffic.from_daily(rpd, factor if factor is not None else DEFAULT_PEAK_FACTOR)


# --------------------------------------------------------------------------- plan


def plan(
    workload: str | os.PathLike[str] | Mapping[str, Any],
    *,
    calibrate_from: Paths | None = None,
    substitute: bool = False,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    encoding: str = "utf-8",
    read_as: str | Sequence[str] | None = None,
    image_size: str | tuple[int, int] | None = None,
    skip_bad: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Plan:
    """Cost per month, rate-limit headroom and a launch verdict for a workload.

    ``workload``: a workload YAML file, or a dict of the same keys (prompt globs then resolve
    against the current directory). The verdict does not raise: check ``result.verdict.passed``;
    it fails over budget, when the tier does not fit with the headroom, or when a routed model is
    shut down or shuts down within ``horizon_months``. ``substitute``: also price the workload
    with every such model replaced by its substitute (``result.alternative``).

    The files the ``prompts`` globs match are read as :func:`estimate` reads them, with the same
    reading options (``include``/``exclude`` filter the files the globs match; ``encoding``,
    ``read_as``, ``image_size``, ``skip_bad``, ``on_progress``, ``on_total``, ``on_warning``):
    request files give their requests, each reserving its own ``max_tokens``, images counted.
    """
    from .limits import assess
    from .views.plan import Alternative
    from .workload import (
        calibrated,
        load_workload,
        measured_cache,
        plan_verdict,
        prompt_inputs,
        with_substitutes,
        workload_demand,
        workload_from_dict,
        workload_profiles,
    )

    if not isinstance(workload, (str, os.PathLike, Mapping)):
        raise ParameterError(
            f"{slot('workload')}: give the path of a workload YAML file or a dict of its keys, not "
            + type(workload).__name__,
        )
    substitute = _flag(substitute, "substitute")
    read = _reading(include, exclude, encoding, read_as, image_size, skip_bad, on_progress, on_total, on_warning)
    cat = _catalog(catalog, as_of)
    w = (
        workload_from_dict(workload, cat)
        if isinstance(workload, Mapping)
        else load_workload(_path(workload, "workload"), cat)
    )
    calibration = _calibration(calibrate_from, cat)
    if calibration is not None:
        w = calibrated(w, calibration)
    measured: list[Any] | None = None
    cache = None
    templates: tuple[str, ...] = ()
    if w.prompt_files:
        measured = []
        found = prompt_inputs(w, read.include, read.exclude)
        got = _read([], cat, read, text_blocks=w.cache_auto, on_request=measured.append, found=found)
        templates = _unrendered(got)
        cache = measured_cache(measured, cat) if w.cache_auto else None  # serves the alternative too
    profiles, summary = workload_profiles(w, cat, measured, cache)
    summary = replace(summary, unrendered=templates)
    assessment = assess(workload_demand(w, profiles[0], profiles), cat)
    v = plan_verdict(w, assessment, cat)
    alt = None
    if substitute:
        w2, swaps = with_substitutes(w, cat)
        if w2.models == w.models:  # nothing replaced (or every model kept): the same figures
            alt = Alternative(w2, assessment, v, swaps)
        else:
            profiles2, _ = workload_profiles(w2, cat, measured, cache)
            a2 = assess(workload_demand(w2, profiles2[0], profiles2), cat)
            alt = Alternative(w2, a2, plan_verdict(w2, a2, cat), swaps)
    return Plan(w, assessment, v, summary, cat, alt)


# --------------------------------------------------------------------------- usage


def usage(
    paths: Paths,
    *,
    strict: bool = False,
    batch_share: Number | None = None,
    jobs: Number | None = None,
    billed: Paths | None = None,
    tolerance: Number = "1%",
    forecast: bool = False,
    budget: Number | None = None,
    tier: Number | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    progress: Callable[[int, int | None, int], None] | None = None,
    skip_bad: bool = False,
    cache_by_size: bool = True,
) -> Usage:
    """What traffic really cost, from usage records (any mix of the formats OpenAI gives, gzip too).

    ``strict``: stop at the first bad record (InputError); unpriced models are still reported in
    ``result.unpriced``. ``skip_bad``: leave out a subdirectory that cannot be read, or a broken
    link or a link loop in a directory (a skipped input, reason ``unreadable_dir``, ``bad_link``)
    instead of raising InputError. ``batch_share``: also price
    moving that share (0-1) of non-batch traffic to the Batch API. ``billed``: Costs API pages or
    the dashboard's cost export to reconcile against, flagging differences over ``tolerance`` ("1%"
    or 0.01). ``forecast``: project the month of ``as_of`` to its end, with the day spend crosses
    ``budget`` (USD) and ``tier``'s usage cap. ``progress`` receives (bytes done, bytes in all,
    records). ``cache_by_size=False``: ``result.calibration`` leaves out each model's cache by
    prompt size (its ``bands``, which estimate and plan calibrate from; no usage report shows
    them), for about 6% less CPU reading a large log.
    """
    from .numbers import JOBS, TIER, check_budget, parse_tolerance
    from .readers.usage import read_usage
    from .usage import summarize

    path_list = _paths(paths)
    if not path_list:
        raise ParameterError(f"{slot('paths')}: give at least one usage file or directory")
    strict, forecast, skip_bad = _flag(strict, "strict"), _flag(forecast, "forecast"), _flag(skip_bad, "skip_bad")
    cache_by_size = _flag(cache_by_size, "cache_by_size")
    _callable(progress, "progress")  # not a TypeError mid-read
    share = _share(batch_share, "batch_share")
    n_jobs = _count(jobs, "jobs", JOBS)
    tol = parse_tolerance(tolerance)
    monthly = check_budget(budget)
    n_tier = _count(tier, "tier", TIER)
    check_forecast_args(monthly, n_tier, forecast)
    billed_paths = _paths(billed, "billed")
    cat = _catalog(catalog, as_of)
    acc = read_usage(
        path_list,
        strict=strict,
        jobs=n_jobs,
        progress=progress,
        skip_bad=skip_bad,
        bands=cache_by_size,
        long_threshold=cat.long_context_threshold,
    )
    result = summarize(acc, cat, sources=path_list, batch_share=share)
    rec = None
    if billed_paths:
        from .reconcile import read_and_reconcile

        assert tol is not None
        rec = read_and_reconcile(acc, result, billed_paths, cat, tolerance=tol)
    fc = None
    if forecast:
        from .forecast import forecast as month

        fc = month(result, acc, cat, run_date=cat.day, budget=monthly, tier=n_tier)
    return Usage(result, rec, fc, cat, acc)


def check_forecast_args(budget: Decimal | None, tier: int | None, forecast: bool, workload: bool = False) -> None:
    """``budget`` and ``tier`` are what the month's forecast is checked against (``forecast``), or
    what a workload file is written with (:meth:`Usage.workload_yaml`, the CLI's ``--emit-workload``:
    ``workload``); given without either, a ParameterError names them (the CLI, its flags). The one
    check of this rule: :func:`usage` and the command, before it pulls any page, make it."""
    if (budget is None and tier is None) or forecast or workload:
        return
    raise ParameterError(
        f"{slot('budget')} and {slot('tier')} work with {slot('forecast')} or {slot('emit_workload')}; add one of them",
        api={"forecast": "forecast=True", **WORKLOAD_YAML},
    )


# --------------------------------------------------------------------------- the catalog and the rules


def pricing(*, catalog: Catalog | str | os.PathLike[str] | None = None, as_of: date | str | None = None) -> Pricing:
    """The pricing catalog as on ``as_of`` (default today in UTC): prices per model in USD per 1M
    tokens, rate limits per usage tier, and each model's status (active, deprecated, shut down)."""
    return Pricing(_catalog(catalog, as_of))


def rules(*, catalog: Catalog | str | os.PathLike[str] | None = None, as_of: date | str | None = None) -> Rules:
    """Every rule the figures rest on (billing, caching, counting, limits), each marked as
    documented by OpenAI, an inference, or gpt41cost's own policy, with its source; the figures
    in the rules (prices, cache steps) are the catalog's as on ``as_of``."""
    from .rules import all_rules

    return Rules(tuple(all_rules(_catalog(catalog, as_of))))


# --------------------------------------------------------------------------- single requests


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in o200k_base (the GPT-4.1 family's encoding), counted offline."""
    from .tokens import count_tokens as count

    if not isinstance(text, str):
        raise ParameterError(f"{slot('text')}: give a str, not " + type(text).__name__)
    return count(text)


def count_request(
    body: Mapping[str, Any],
    *,
    model: str | None = None,
    image_size: str | tuple[int, int] | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
) -> RequestTokens:
    """Input tokens of one Chat Completions (``messages``) or Responses (``input``) request body.

    ``model``: the model to count for (default: the body's ``model``, else gpt-4.1); it only
    matters for images; an unknown name, given or the body's, raises UnknownModelError naming
    ``model``. Local and data: URL images are measured; ``image_size`` ("WxH" text or a
    (width, height) tuple, as estimate, limits and plan take it) is assumed for remote ones.
    Raises InputError for a body that is not a request, or one OpenAI rejects that the CLI
    refuses too (an empty ``messages`` list).
    """
    from pathlib import Path

    from . import images as img
    from .errors import InputError
    from .requests import RequestError, refuse_empty_messages
    from .requests import count_request as count
    from .tokens import count_tokens as tokens

    cat = _catalog(catalog)
    if model is not None:
        resolved = _resolve(cat, model, "model")
    else:
        name = body.get("model") if isinstance(body, Mapping) else None
        # the body's model stands for the parameter: an unknown one names ``model``, as every bad name is named
        resolved = _resolve(cat, name if isinstance(name, str) else "gpt-4.1", "model")
    base = resolved.spec.name
    size = img.image_size_param(image_size)

    def images(part: Mapping[str, Any]) -> Mapping[str, int] | str:
        n, why = img.image_part_tokens(part, base, Path.cwd(), size, source="request")
        return {base: n} if n is not None else why or "image size unknown"

    try:
        refuse_empty_messages(body)  # as the readers do
        rc = count(body, models=(base,), count=tokens, images=images)
    except RequestError as exc:
        raise InputError(f"body: {exc.message}") from None
    return RequestTokens(
        resolved.label, rc.input_tokens[base], rc.max_output_tokens, rc.notes, rc.uncounted, rc.choices
    )


def _refuse_unserved(model: ResolvedModel, day: date) -> None:
    """A model that serves no request on ``day`` has no price for one: before its release (its
    first prices) or from its shutdown, naming ``model`` and ``as_of`` (a past request is priced
    as of its own day)."""
    from .lifecycle import NOT_YET_RELEASED, SHUT_DOWN

    lc = model.lifecycle
    status = lc.status(day)
    if status == NOT_YET_RELEASED:
        why = f"{model.label} is not yet released on {day} (available from {lc.released_on}); give "
        raise ParameterError(f"{slot('model')}: {why}{slot('as_of')} {lc.released_on} or later")
    if status == SHUT_DOWN:
        why = f"{model.label} serves no request on {day}: {lc.mark(day)}; to price a past request give "
        raise ParameterError(f"{slot('model')}: {why}{slot('as_of')} a date before {lc.shutdown_on}")


def _refuse_misfit(model: ResolvedModel, input_tokens: int, output_tokens: int) -> None:
    """A request OpenAI refuses has no price: output over the model's maximum output (estimate's
    and limits' refusal of the flag), or input and output over its context window
    (``limits.check_window``, the one check estimate and limits make of a given size)."""
    from .limits import check_window

    _refuse_over_max([model], ("output_tokens", output_tokens))
    check_window([model], input_tokens, output_tokens, "output_tokens")


def price(
    input_tokens: Number,
    output_tokens: Number,
    *,
    cached_tokens: Number = 0,
    model: str,
    mode: str = "standard",
    catalog: Catalog | str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
) -> Cost:
    """One request's cost on ``model`` as exact Decimals (USD): ``.input_usd``, ``.output_usd``, ``.total_usd``.

    ``cached_tokens`` are part of ``input_tokens``; ``mode`` is standard, batch or priority. The
    prices are those in force on ``as_of``. A request at priority whose ``input_tokens`` are over
    the catalog's ``long_context_threshold`` (128,000) is priced at standard rates, as ``estimate``,
    ``limits``, ``plan`` and ``usage`` price it: OpenAI's priority prices exclude long context
    (docs/accounting.md §2, "Priority and long context"; ``measure.priority_excludes``). A request
    OpenAI would not serve has no price: a ParameterError names what is wrong. ``model`` not yet
    released on ``as_of`` (before its first prices) or shut down by then (a past request: give
    ``as_of`` its own day) names ``model`` and ``as_of``; ``output_tokens`` over the model's
    maximum output names ``output_tokens``; ``input_tokens`` plus ``output_tokens`` over its
    context window names both (``estimate`` refuses the same output flag, and lists the same
    misfit as a request that does not fit).
    """
    from .cost import TokenUsage
    from .cost import price as cost
    from .measure import priority_excludes

    # the counts as parsed ("1,000" is 1000, as estimate reads it), each named if it is no count
    n_input = _count(input_tokens, "input_tokens")
    n_output = _count(output_tokens, "output_tokens")
    n_cached = _count(cached_tokens, "cached_tokens")
    if n_input is None or n_output is None or n_cached is None:
        missing = "input_tokens" if n_input is None else "output_tokens" if n_output is None else "cached_tokens"
        raise ParameterError(slot(missing) + ": give a number of tokens, not None")
    input_tokens, output_tokens, cached_tokens = n_input, n_output, n_cached
    if cached_tokens > input_tokens:
        raise ParameterError(
            f"{slot('cached_tokens')} ({cached_tokens}) exceed {slot('input_tokens')} ({input_tokens})",
        )
    cat = _catalog(catalog, as_of)
    resolved = _resolve(cat, model, "model")
    _refuse_unserved(resolved, cat.day)
    _refuse_misfit(resolved, input_tokens, output_tokens)
    if mode == "priority" and priority_excludes(input_tokens, cat.long_context_threshold):
        mode = "standard"  # long context: priority prices exclude it (a fine-tuned model's too, as estimate's)
    if mode == "priority" and resolved.fine_tuned:  # the rule of catalog.rates_for, named as this argument
        why = f"{model}: OpenAI publishes no priority prices for fine-tuned models; use standard or batch"
        raise ParameterError(f"{slot('mode')}: " + why)
    return cost(TokenUsage(input_tokens, cached_tokens, output_tokens), resolved, mode)
