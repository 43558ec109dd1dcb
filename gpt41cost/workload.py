"""Workload plan files: one YAML file that describes a launch, loaded and validated.

A bad file stops loading with an :class:`~gpt41cost.errors.InputError` of one line that names
the file, the line and the key path (``launch.yaml:7: traffic.peak_rpm: must be more than 0``);
an unknown key gets the closest known key as a suggestion, and a key people write for a request's
processing mode the share key it means (``service_tier: priority``: use ``priority_share: 1``;
:data:`KEY_HINTS`).

The schema (README, "Workload files"):

=======================  =========================================================================
key                      meaning
=======================  =========================================================================
name                     optional title for reports
model / models           one model, or a routing mix ``{model: share}`` whose shares sum to 1
prompts / input_tokens   prompt files (paths or globs relative to this file), or one input size
output_tokens            expected output tokens per request (spend)
max_tokens               output reservation per request (TPM at admission); default output_tokens
traffic                  ``{requests_per_day, peak_rpm, peak_factor}``; at least one of the first two;
                         peak_rpm at least requests_per_day / 1440 (the average minute)
cache_hit_rate / cache   share of input served from the prompt cache (0-1), or ``cache: auto``
cached_tokens            or cached input tokens per request, taken as given (capped at each
                         request's input; what usage --emit-workload writes: the observed mean)
batch_share              share of requests sent through the Batch API (0-1), default 0
priority_share           share of requests sent at priority processing (0-1), default 0; with
                         batch_share at most 1 (a fine-tuned model has no priority prices: standard)
tier                     the usage tier the launch runs at (1-5)
budget_usd_per_month     optional monthly budget (USD)
min_headroom_pct         required rate-limit headroom in % (0 to below 100), default 0
horizon_months           how long the launch must run: ``plan --check`` fails for a model that is
                         shut down or shuts down within this many months of the run's date; default 6
=======================  =========================================================================
"""

from __future__ import annotations

import difflib
import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import CACHE_STEADY_SHORT, RETENTION_MINUTES
from .catalog import TIERS, Catalog, ResolvedModel
from .cost import cached_tokens_for_rate
from .errors import InputError, InputParameterError, ParameterError, UnknownModelError, quoted, slot
from .lifecycle import DEFAULT_HORIZON_MONTHS, NOT_YET_RELEASED, SHUT_DOWN, add_months
from .limits import (
    DEFAULT_PEAK_FACTOR,
    Assessment,
    Demand,
    OverWindow,
    RequestProfile,
    SharesOverOne,
    Traffic,
    Verdict,
    check_shares,
    check_window,
    dated_months,
    over_window,
    verdict,
)
from .measure import (
    PRIORITY_TIERS,
    Measured,
    expected_output,
    output_reservation,
    over_max,
    over_max_problem,
    within_max,
)
from .numbers import (
    PEAK_FACTOR,
    PEAK_RPM,
    PERCENT,
    REQUESTS,
    SHARE,
    TOKENS,
    USD,
    NumberError,
    Range,
    parse_count,
    parse_decimal,
)

if TYPE_CHECKING:
    from datetime import date

    from .cache import RunCache
    from .lifecycle import Lifecycle
    from .readers.text import Found
    from .usage import Calibration, ModelCalibration

#: The cache basis of a workload's ``cached_tokens``.
CACHED_GIVEN = "given per request (cached_tokens), not in OpenAI's steps"

#: Top-level keys, in documentation order.
KEYS = (
    "name",
    "model",
    "models",
    "prompts",
    "input_tokens",
    "output_tokens",
    "max_tokens",
    "traffic",
    "cache_hit_rate",
    "cache",
    "cached_tokens",
    "batch_share",
    "priority_share",
    "tier",
    "budget_usd_per_month",
    "min_headroom_pct",
    "horizon_months",
)
TRAFFIC_KEYS = ("requests_per_day", "peak_rpm", "peak_factor")
#: What a share key means, for the hints below.
_SHARE_MEANS = {
    "priority_share": "the share of requests sent with service_tier priority",
    "batch_share": "the share of requests sent through the Batch API",
}
#: Top-level keys people write for a request's processing mode (a request body's words), and the
#: share key each means: ``service_tier: priority`` is ``priority_share: 1``. One table, read by
#: :meth:`_Validator.known` (with :func:`_share_hint`, which reads the value).
KEY_HINTS = {
    "service_tier": "priority_share",
    "priority": "priority_share",
    "fast": "priority_share",
    "priority_processing": "priority_share",
    "processing": "priority_share",
    "batch": "batch_share",
    "batch_api": "batch_share",
}
#: Values that name priority processing (the service_tier names a request body is priced at
#: priority for: measure.PRIORITY_TIERS), the Batch API, or standard rates (OpenAI's other
#: service_tier values; ``standard`` gpt41cost's).
_PRIORITY_WORDS = PRIORITY_TIERS
_BATCH_WORDS = ("batch",)
_STANDARD_WORDS = ("default", "auto", "standard", "flex", "scale", "none")
#: The longest horizon_months a workload may ask for: ten years.
MAX_HORIZON_MONTHS = 120
HORIZON = Range("months of horizon", Decimal(0), Decimal(MAX_HORIZON_MONTHS))
#: Read wide, so that a tier of 6 or 0 is named as "not a usage tier".
_ANY_TIER = Range("tier", Decimal(-(10**6)), Decimal(10**6))
#: Shares of a routing mix must sum to 1 within this.
MIX_TOLERANCE = Decimal("1e-9")


@dataclass(frozen=True)
class Workload:
    """A validated workload file. Rates and money are Decimal; token counts are int."""

    path: str
    name: str
    models: tuple[tuple[ResolvedModel, Decimal], ...]
    prompt_files: tuple[str, ...]  # empty when input_tokens is given
    input_tokens: int | None
    output_tokens: int  # expected output per request
    max_tokens: int | None  # output reservation per request, when set
    requests_per_day: Decimal | None
    peak_rpm: Decimal | None
    peak_factor: Decimal
    cache_hit_rate: Decimal | None
    cache_auto: bool
    batch_share: Decimal
    tier: int
    budget_usd_per_month: Decimal | None
    min_headroom_pct: Decimal
    output_source: str  # "output_tokens" or "max_tokens (no output_tokens given)"
    cache_source: str = ""  # set when the hit rate comes from usage records (--calibrate-from)
    #: the log's cached tokens by prompt size (--calibrate-from), which win over the hit rate
    cache_calibration: ModelCalibration | None = None
    horizon_months: int = DEFAULT_HORIZON_MONTHS  # the routed models must last this long
    prompt_globbed: tuple[bool, ...] = ()  # per prompt file: matched by a glob (not named literally)
    #: output_tokens is a whole request's, all its choices together (--calibrate-from: CALIBRATED_WHOLE)
    output_whole: bool = False
    #: cached input tokens per request, as given (``cached_tokens``), each request's at most its input
    cached_tokens: int | None = None
    #: share of the requests sent at priority processing (service_tier "priority")
    priority_share: Decimal = Decimal(0)
    #: --calibrate-from: each model's output and cache (:func:`calibrated_figures`), and the log's files
    calibration: CalibratedFigures | None = None
    calibrated_from: str = ""

    @property
    def reserve_tokens(self) -> int:
        return self.max_tokens if self.max_tokens is not None else self.output_tokens

    @property
    def traffic(self) -> Traffic:
        if self.peak_rpm is not None:
            return Traffic(self.peak_rpm, self.requests_per_day, "traffic.peak_rpm")
        assert self.requests_per_day is not None  # guaranteed by validation
        return Traffic.from_daily(self.requests_per_day, self.peak_factor)

    def output_for(self, base: str) -> int:
        """The expected output per request on model ``base``: calibrated per model
        (:func:`calibrated_figures`, within ``max_tokens``), else ``output_tokens``."""
        if self.calibration is None:
            return self.output_tokens
        out = self.calibration.output_for(base)
        return out if self.max_tokens is None else min(out, self.max_tokens)

    def output_source_for(self, base: str) -> str:
        """What gave :meth:`output_for` on model ``base``."""
        if self.calibration is None or base in self.calibration.output_by_model:
            return self.output_source
        return f"{NOT_IN_LOG}: the mean over all its requests in {self.calibrated_from}"

    def cache_for(self, base: str) -> tuple[Decimal | None, ModelCalibration | None, str]:
        """The cache hit rate, the log's cached tokens by prompt size and what gave them, on model
        ``base``: calibrated per model (:func:`calibrated_figures`) unless ``cache: auto``, else
        the workload's own."""
        if self.calibration is None or self.cache_auto:
            return self.cache_hit_rate, self.cache_calibration, self.cache_source
        where = self.calibrated_from
        c = self.calibration.cache_for(base)
        if c is None:
            return None, None, f"{NOT_IN_LOG} ({where}), and the prompt cache is per model"
        if c.bands:
            what = f"{c.distribution_requests:,} requests, cached tokens by prompt size"
            return None, c, f"observed in {where}: {what}"
        return c.cache_hit_rate, None, f"observed in {where}"


@dataclass(frozen=True)
class PromptSummary:
    """What the prompt files came to: how many, and input tokens across them."""

    files: int
    mean_input_tokens: Decimal
    max_input_tokens: int
    mean_cached_tokens: Decimal
    cache_basis: str
    input_tokens_total: int | None = None  # over the requests measured; None for a given input size
    #: parts of the requests that could not be counted: (where, what)
    uncounted: tuple[tuple[str, str], ...] = ()
    #: the requests of Batch files (sent through the Batch API), and those files
    batch_requests: int = 0
    batch_sources: tuple[str, ...] = ()
    multi_choice: int = 0  # requests asking for more than one choice (a Chat request's n)
    extended_cache: int = 0  # requests asking for extended prompt-cache retention ("24h")
    #: the requests whose own output cap is over the model's maximum output (not fitting: OpenAI
    #: refuses them; figured at the maximum, measure.CAP_OVER_MAX): (where, cap as written), and that maximum
    over_max: tuple[tuple[str, int], ...] = ()
    max_output_tokens: int | None = None
    #: the prompt files that look like unrendered templates (readers.inputs.UNRENDERED), counted as written
    unrendered: tuple[str, ...] = ()
    #: each model's own cache basis, in the mix's order, where they differ (--calibrate-from)
    model_bases: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        profile: RequestProfile,
        basis: str,
        measured: Sequence[Measured] = (),
        max_output: int | None = None,
    ) -> PromptSummary:
        cached = profile.cached_tokens
        return cls(
            files=profile.kinds,
            mean_input_tokens=profile.mean_input_tokens,
            max_input_tokens=profile.max_input_tokens,
            mean_cached_tokens=Decimal(sum(cached)) / len(cached),
            cache_basis=basis,
            input_tokens_total=sum(profile.input_tokens),
            uncounted=tuple((m.where, what) for m in measured for what in m.uncounted),
            batch_requests=profile.batch_kinds,
            batch_sources=tuple(dict.fromkeys(m.source for m in measured if m.kind == "batch")),
            multi_choice=sum(m.choices != 1 for m in measured),
            extended_cache=sum(m.extended_cache for m in measured),
            over_max=()
            if max_output is None
            else tuple(
                (m.where, m.max_output_tokens)
                for m in measured
                if m.max_output_tokens is not None and over_max(m.max_output_tokens, max_output)
            ),
            max_output_tokens=max_output,
        )

    def on(self, profile: RequestProfile, max_output: int | None = None) -> PromptSummary:
        """This summary with the input figures of ``profile`` (one model's requests of a mix: their
        input and cached tokens differ by model); with ``max_output`` (that model's maximum output,
        at least this summary's), its own requests over it."""
        cached = profile.cached_tokens
        over = self.over_max
        if max_output is not None:
            over = tuple((where, cap) for where, cap in over if over_max(cap, max_output))
        return replace(
            self,
            mean_input_tokens=profile.mean_input_tokens,
            max_input_tokens=profile.max_input_tokens,
            mean_cached_tokens=Decimal(sum(cached)) / len(cached),
            input_tokens_total=None if self.input_tokens_total is None else sum(profile.input_tokens),
            over_max=over,
            max_output_tokens=self.max_output_tokens if max_output is None else max_output,
        )


def _held(profile: RequestProfile, kind: int) -> int:
    """The output a request of ``kind`` must hold in the context window with its input: one
    choice's cap (at most the model's maximum output, measure.CAP_OVER_MAX), else the reservation."""
    return profile.reserve_of(kind) // profile.choices_of(kind)


def model_summaries(w: Workload, demand: Demand, summary: PromptSummary) -> tuple[PromptSummary, ...]:
    """Each routed model's own summary of the workload's requests, in the mix's order: its input
    and cached tokens, and its requests over its maximum output (``summary``: the mix's, from
    :func:`workload_profiles`), as the plan report shows them per model."""
    out = [summary.on(demand.profile_of(k), m.spec.max_output_tokens) for k, (m, _) in enumerate(w.models)]
    if summary.model_bases:
        out = [replace(s, cache_basis=b, model_bases=()) for s, b in zip(out, summary.model_bases, strict=True)]
    return tuple(out)


# --------------------------------------------------------------------------- loading


def load_workload(path: str | os.PathLike[str], catalog: Catalog) -> Workload:
    """Read and validate a workload file; prompt globs are expanded (files are not read yet)."""
    from .readers.files import MAX_YAML_BYTES, path_kind, read_whole
    from .safeyaml import YamlProblem, load

    p = Path(path)
    try:
        if path_kind(str(p)) == "dir":
            raise InputError(f"{p}: is a directory; pass a workload YAML file")
        text = read_whole(str(p), MAX_YAML_BYTES, "workload file").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not valid UTF-8 at byte {exc.start}") from None
    except InputError as exc:
        if exc.message == f"{p}: no such file or directory":
            raise InputError(f"{p}: no such workload file") from None
        raise
    try:
        node, data = load(text, with_nodes=True)
    except YamlProblem as exc:
        where = f":{exc.line}" if exc.line is not None else ""
        raise InputError(f"{p}{where}: {exc.problem}") from None
    written: dict[str, str] = {}
    v = _Validator(str(p), _lines(node, written=written), written)
    return _parse(v, data, p, catalog)


def workload_from_dict(data: Mapping[str, Any], catalog: Catalog, source: str = "workload") -> Workload:
    """Validate a workload given as a dict of the workload file's keys; errors name ``source`` and
    the key path, and prompt globs resolve against the current directory."""
    return _parse(_Validator(source, {}), dict(data), Path(source), catalog)


def _lines(
    node: Any, path: str = "", out: dict[str, int] | None = None, written: dict[str, str] | None = None
) -> dict[str, int]:
    """Key path -> 1-based line, from the composed YAML node tree; ``written``: key path -> a
    scalar value's text as written (``NO``, which YAML 1.1 reads as false)."""
    import yaml

    out = {} if out is None else out
    if node is None:
        return out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, val in node.value:
            sub = f"{path}.{k.value}" if path else str(k.value)
            out[sub] = k.start_mark.line + 1  # a key's line, not its value's
            _lines(val, sub, out, written)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", out, written)
    elif written is not None and isinstance(node, yaml.ScalarNode):
        written[path] = node.value
    return out


def _parse(v: _Validator, data: Any, path: Path, catalog: Catalog) -> Workload:
    if data is None:
        v.fail("", "workload file is empty; see the README for the keys")
    root = v.mapping(data, "")
    v.known(root, "", KEYS)
    name = v.str_(root["name"], "name") if "name" in root else path.stem

    # model or models
    v.one_of(root, "model", "models", required=True)
    models: tuple[tuple[ResolvedModel, Decimal], ...]
    if "model" in root:
        models = ((v.model(catalog, root["model"], "model"), Decimal(1)),)
    else:
        models = _mix(v, catalog, root["models"])

    # prompts or input_tokens
    v.one_of(root, "prompts", "input_tokens", required=True)
    files: tuple[str, ...] = ()
    globbed: tuple[bool, ...] = ()
    input_tokens: int | None = None
    if "prompts" in root:
        files, globbed = _globs(v, root["prompts"], path.parent)
    else:
        input_tokens = v.int_(root["input_tokens"], "input_tokens", TOKENS.at_least(1))

    # output
    horizon = DEFAULT_HORIZON_MONTHS
    if "horizon_months" in root:
        horizon = v.int_(root["horizon_months"], "horizon_months", HORIZON)

    if "output_tokens" not in root and "max_tokens" not in root:
        v.fail("output_tokens", "missing key: give output_tokens (expected output per request), max_tokens, or both")
    max_tokens = v.int_(root["max_tokens"], "max_tokens", TOKENS.at_least(1)) if "max_tokens" in root else None
    if "output_tokens" in root:
        output_tokens = v.int_(root["output_tokens"], "output_tokens")
        output_source = "output_tokens"
        if max_tokens is not None and output_tokens > max_tokens:
            v.fail("output_tokens", f"{output_tokens} is more than max_tokens ({max_tokens}), which caps the output")
    else:
        assert max_tokens is not None
        output_tokens = max_tokens
        output_source = "max_tokens (no output_tokens given: an upper bound)"
    output_key = "max_tokens" if max_tokens is not None else "output_tokens"
    for m, _ in models:
        top = m.spec.max_output_tokens
        if over_max(max_tokens or output_tokens, top):
            v.fail(output_key, over_max_problem(max_tokens or output_tokens, m.label, top))
    if input_tokens is not None:
        try:  # the one check of limits --input-tokens, each key named as written
            check_window([m for m, _ in models], input_tokens, max_tokens or output_tokens, output_key)
        except OverWindow as exc:
            v.fail("input_tokens", exc.problem(str))

    # traffic
    if "traffic" not in root:
        v.fail("traffic", "missing key: give traffic: {requests_per_day: N, peak_rpm: N}")
    traffic = v.mapping(root["traffic"], "traffic")
    v.known(traffic, "traffic", TRAFFIC_KEYS)
    if "requests_per_day" not in traffic and "peak_rpm" not in traffic:
        v.fail("traffic", "give requests_per_day, peak_rpm, or both")
    rpd = (
        v.dec(traffic["requests_per_day"], "traffic.requests_per_day", REQUESTS.positive())
        if ("requests_per_day" in traffic)
        else None
    )
    peak = v.dec(traffic["peak_rpm"], "traffic.peak_rpm", PEAK_RPM.positive()) if "peak_rpm" in traffic else None
    factor = DEFAULT_PEAK_FACTOR
    if "peak_factor" in traffic:
        factor = v.dec(traffic["peak_factor"], "traffic.peak_factor", PEAK_FACTOR)
        if peak is not None:
            v.fail("traffic.peak_factor", "not used when traffic.peak_rpm is given; drop one of them")
    if peak is not None and rpd is not None:
        try:
            Traffic(peak, rpd)  # its rule: the peak minute is at least the day's average minute
        except ParameterError as exc:
            v.fail("traffic", exc.named(lambda p: f"traffic.{p}"))

    # cache
    v.one_of(root, "cache_hit_rate", "cache", required=False)
    hit_rate: Decimal | None = None
    cache_auto = False
    if "cache_hit_rate" in root:
        hit_rate = v.dec(root["cache_hit_rate"], "cache_hit_rate", SHARE, share=True)
    cached_tokens = None
    if "cached_tokens" in root:
        for other in ("cache_hit_rate", "cache"):
            if other in root:
                v.fail("cached_tokens", f"give {other} or cached_tokens, not both")
        cached_tokens = v.int_(root["cached_tokens"], "cached_tokens", TOKENS)
        if input_tokens is not None and cached_tokens > input_tokens:
            v.fail(
                "cached_tokens",
                f"{cached_tokens:,} is more than input_tokens ({input_tokens:,}); give at most the input tokens",
            )
    if "cache" in root:
        if root["cache"] != "auto":
            given = root["cache"]
            read = f" (YAML reads it as {str(given).lower()})" if isinstance(given, bool) else ""
            v.fail(
                "cache",
                f"{v.as_written(root['cache'], 'cache')}{read}: the only value is 'auto' (or use cache_hit_rate: 0.5)",
            )
        if not files:
            v.fail("cache", "'auto' needs prompts: to find shared prefixes in (or use cache_hit_rate)")
        cache_auto = True

    batch_share = Decimal(0)
    if "batch_share" in root:
        batch_share = v.dec(root["batch_share"], "batch_share", SHARE, share=True)
    priority_share = Decimal(0)
    if "priority_share" in root:
        priority_share = v.dec(root["priority_share"], "priority_share", SHARE, share=True)
        try:
            check_shares(batch_share, priority_share)  # each is in range: only their sum can be over
        except SharesOverOne as exc:
            v.fail("priority_share", exc.given(str))
    if "tier" not in root:
        v.fail("tier", "missing key: the usage tier the launch runs at (1 to 5)")
    tier = v.int_(root["tier"], "tier", _ANY_TIER)
    if tier not in TIERS:
        v.fail("tier", f"{tier} is not a usage tier; tiers are 1 to 5")
    budget = None
    if "budget_usd_per_month" in root:
        budget = v.dec(root["budget_usd_per_month"], "budget_usd_per_month", USD)
        if rpd is None:
            v.fail(
                "budget_usd_per_month",
                "needs traffic.requests_per_day to project the monthly spend (or drop the budget)",
            )
    headroom = Decimal(0)
    if "min_headroom_pct" in root:
        headroom = v.dec(root["min_headroom_pct"], "min_headroom_pct", PERCENT)
        if headroom >= 100:
            v.fail("min_headroom_pct", f"{headroom} leaves no room at all; use a value below 100 (e.g. 20)")
    return Workload(
        path=str(path),
        name=name,
        models=models,
        prompt_files=files,
        prompt_globbed=globbed,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        max_tokens=max_tokens,
        requests_per_day=rpd,
        peak_rpm=peak,
        peak_factor=factor,
        cache_hit_rate=hit_rate,
        cache_auto=cache_auto,
        batch_share=batch_share,
        tier=tier,
        budget_usd_per_month=budget,
        min_headroom_pct=headroom,
        output_source=output_source,
        horizon_months=horizon,
        cached_tokens=cached_tokens,
        priority_share=priority_share,
    )


def _mix(v: _Validator, catalog: Catalog, raw: Any) -> tuple[tuple[ResolvedModel, Decimal], ...]:
    mix = v.mapping(raw, "models")
    if not mix:
        v.fail("models", "empty mix; list at least one model with its share, e.g. {gpt-4.1-mini: 1}")
    out: list[tuple[ResolvedModel, Decimal]] = []
    seen: dict[str, str] = {}
    for key, share_raw in mix.items():
        kpath = f"models.{key}"
        m = v.model(catalog, key, kpath)
        if m.family in seen:  # an alias and its snapshot share prices and limits: one entry
            v.fail(kpath, f"the same model as {quoted(seen[m.family])}; list each model once")
        seen[m.family] = str(key)
        share = v.dec(share_raw, kpath, SHARE.positive(), share=True)
        out.append((m, share))
    total = sum((s for _, s in out), Decimal(0))
    if abs(total - 1) > MIX_TOLERANCE:
        v.fail("models", f"shares sum to {total}, not 1; they are each model's share of the requests")
    return tuple(out)


def _globs(v: _Validator, raw: Any, base: Path) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The files the prompts globs match, and for each whether a glob (not a literal path) found it."""
    patterns = [raw] if isinstance(raw, str) else raw
    if not isinstance(patterns, list) or not patterns:
        v.fail("prompts", "expected a path or glob, or a list of them (e.g. [prompts/*.txt])")
    files: list[str] = []
    globbed: dict[str, bool] = {}
    for i, pat in enumerate(patterns):
        kpath = f"prompts[{i}]" if not isinstance(raw, str) else "prompts"
        if not isinstance(pat, str) or not pat.strip():
            v.fail(kpath, "expected a path or glob (a string)")
        full = pat if os.path.isabs(pat) else str(base / pat)
        found = sorted(f for f in glob.glob(full, recursive=True) if os.path.isfile(f))
        if not found:
            v.fail(kpath, f"{quoted(pat)} matches no file (globs are relative to the workload file's directory)")
        new = [f for f in found if f not in globbed]
        files += new
        globbed.update(dict.fromkeys(new, glob.has_magic(pat)))
    return tuple(files), tuple(globbed[f] for f in files)


def _share_hint(share: str, value: Any) -> str:
    """What to write instead of a key of :data:`KEY_HINTS` given ``value``: its share key with
    1 for a word naming that mode (or ``true``), 0 for standard rates (or ``false``), the number
    itself for a share between 0 and 1; a word naming the other mode points to the other key."""
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _PRIORITY_WORDS or word in _BATCH_WORDS:
        share = "priority_share" if word in _PRIORITY_WORDS else "batch_share"
        amount: str | None = "1"
    elif value is True:
        amount = "1"
    elif value is False or word in _STANDARD_WORDS:
        amount = "0"
    elif isinstance(value, int | float) and 0 <= value <= 1:
        amount = str(value)
    else:
        amount = None
    means = _SHARE_MEANS[share]
    if amount is None:
        return f"use {share} ({means}, 0-1)"
    if amount == "0":
        return f"use {share}: 0 ({means}; 0 is the default: standard rates, so the key can go)"
    return f"use {share}: {amount} ({means})"


class _Validator:
    """Type checks that raise InputError naming the file, the line and the key path."""

    def __init__(self, source: str, lines: Mapping[str, int], written: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.lines = lines
        self.written = written or {}

    def as_written(self, value: Any, path: str) -> str:
        """The value at ``path`` quoted as the file wrote it (``'NO'``, not the false YAML 1.1
        reads it as), else as given (a dict's value)."""
        return quoted(self.written.get(path, value))

    def fail(self, path: str, problem: str) -> None:
        # A missing nested key points at its parent's line; a missing top-level key at no line.
        line = self.lines.get(path) or (self.lines.get(path.rsplit(".", 1)[0]) if "." in path else None)
        where = f"{self.source}:{line}" if line else self.source
        key = f" {path}:" if path else ""
        raise InputError(f"{where}:{key} {problem}")

    def mapping(self, value: Any, path: str) -> dict[Any, Any]:
        if not isinstance(value, dict):
            what = "the file" if not path else "this key"
            self.fail(path, f"{what} must be a mapping (key: value), got {_kind(value)}")
        return value  # type: ignore[no-any-return]

    def known(self, m: Mapping[Any, Any], path: str, allowed: Sequence[str]) -> None:
        prefix = f"{path}." if path else ""
        for key in m:
            k = str(key)
            if k in allowed:
                continue
            if not path and k in KEY_HINTS:
                self.fail(k, f"unknown key; {_share_hint(KEY_HINTS[k], m[key])}")
            if not path and k in TRAFFIC_KEYS:
                self.fail(k, f"unknown key here; put it under traffic (traffic: {{{k}: ...}})")
            close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
            alias = difflib.get_close_matches(k, KEY_HINTS, n=1, cutoff=0.8) if not path and not close else []
            if alias:  # a misspelt service_tier
                self.fail(k, f"unknown key; {_share_hint(KEY_HINTS[alias[0]], m[key])}")
            if not close:
                close = [a for a in allowed if a.startswith(k) or k.startswith(a)][:1]
            hint = f"; did you mean {quoted(close[0])}?" if close else f"; known keys: {', '.join(allowed)}"
            self.fail(f"{prefix}{k}", f"unknown key{hint}")

    def one_of(self, m: Mapping[Any, Any], a: str, b: str, *, required: bool) -> None:
        if a in m and b in m:
            self.fail(b, f"give {a} or {b}, not both")
        if required and a not in m and b not in m:
            self.fail(a, f"missing key: give {a} or {b}")

    def model(self, catalog: Catalog, raw: Any, path: str) -> ResolvedModel:
        if not isinstance(raw, str):
            self.fail(path, f"expected a model name, got {_kind(raw)}")
        try:
            return catalog.resolve(raw)
        except UnknownModelError as exc:
            self.fail(path, exc.message)
            raise  # unreachable: fail() raises

    def str_(self, value: Any, path: str) -> str:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.fail(path, f"expected text, got {_kind(value)}")
        return str(value)

    def int_(self, value: Any, path: str, rng: Range = TOKENS) -> int:
        """A count as people type it (``1_000``, ``1,000``, ``1e3``), within ``rng``."""
        try:
            return parse_count(value, rng)
        except NumberError as exc:
            self.fail(path, str(exc))
            raise  # unreachable: fail() raises

    def dec(self, value: Any, path: str, rng: Range, *, share: bool = False) -> Decimal:
        """An exact decimal within ``rng``; ``share``: ``80%`` is 0.8."""
        try:
            return parse_decimal(value, rng, percent=share)
        except NumberError as exc:
            self.fail(path, str(exc))
            raise  # unreachable: fail() raises


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(type(value), repr(value))


# --------------------------------------------------------------------------- prompts -> requests


def measured_cache(measured: Sequence[Measured], catalog: Catalog) -> RunCache | None:
    """The prompt cache of the requests, every one added once (one build serves
    :func:`warm_cached` and :func:`steady_cached` for every model and rate); None when no
    request has cache blocks."""
    if not any(m.cache_blocks for m in measured):
        return None
    from .cache import run_cache

    cache = run_cache(catalog)
    for m in measured:
        cache.add(m.cache_blocks, m.input_tokens, prompts=m.cache_prompts, extended=m.extended_cache)
    return cache


def warm_cached(measured: Sequence[Measured], catalog: Catalog, cache: RunCache) -> dict[str, list[int]]:
    """Each request's cached tokens per base model in a warm run (every request hits what any
    other holds: at launch traffic every kind recurs), from the requests' cache blocks.
    ``cache``: :func:`measured_cache`, built already (None there: no request has blocks, nothing cached)."""
    each = [cache.warm(m.cache_blocks, m.input_tokens) for m in measured]
    return {base: [c[base] for c in each] for base in catalog.models}


def steady_cached(measured: Sequence[Measured], base: str, requests_per_day: Decimal, cache: RunCache) -> list[int]:
    """Each request's cached tokens on ``base`` in the month's steady state at ``requests_per_day``
    (:data:`gpt41cost.cache.CACHE_STEADY_MONTH`), as whole tokens that sum to what ``estimate``
    finds for the same requests and traffic. ``cache``: :func:`measured_cache`, built already
    (None there: no request has cache blocks, nothing cached)."""
    from .estimate import DAYS_PER_MONTH, per_minute, whole_tokens

    rate, n, minutes = per_minute(requests_per_day * DAYS_PER_MONTH), len(measured), Decimal(RETENTION_MINUTES)
    values = [cache.steady_one(m.cache_blocks, m.input_tokens, base, rate, n, minutes) for m in measured]
    target = int(cache.steady({base: rate}, n, minutes)[base].to_integral_value())
    # estimate's rounding, so that every sum is estimate's: the total split between the parts priced
    # alike (a Batch file's requests, the others; in order of first use), then each part's among its
    # requests. Rounding all requests at once moved a token between the parts by the files' order.
    parts: dict[bool, list[int]] = {}
    for k, m in enumerate(measured):
        parts.setdefault(m.kind == "batch", []).append(k)
    out = [0] * n
    shares = whole_tokens([sum((values[k] for k in ks), Decimal(0)) for ks in parts.values()], target)
    for ks, share in zip(parts.values(), shares, strict=True):
        for k, v in zip(ks, whole_tokens([values[k] for k in ks], share), strict=True):
            out[k] = v
    return out


def profile_from_measured(
    measured: Sequence[Measured],
    base: str,
    catalog: Catalog,
    *,
    output_tokens: int,
    reserve_tokens: int | None,
    cache_hit_rate: Decimal | None = None,
    auto_cached: Sequence[int] | None = None,
    cache_calibration: ModelCalibration | None = None,
    output_whole: bool = False,
    cached_tokens: int | None = None,
) -> tuple[RequestProfile, PromptSummary]:
    """A profile of measured requests (each one request kind, equally likely) on model ``base``.

    Each request reserves its own output cap (``max_tokens`` and friends) where it has one,
    else ``reserve_tokens``, else ``output_tokens``; it is expected to produce ``output_tokens``,
    or its own cap where lower (:func:`~gpt41cost.measure.expected_output`); both times its
    choices (a Chat request's ``n``), but with ``output_whole`` (``output_tokens`` is a whole request's,
    from usage records: :data:`~gpt41cost.measure.CALIBRATED_WHOLE`) an uncapped request expects and,
    without ``reserve_tokens``, reserves it once. Cached tokens: ``cache_hit_rate`` of each
    input in OpenAI's steps, else ``cached_tokens`` as given (at most each input), else
    ``auto_cached`` (from :meth:`gpt41cost.cache.RunCache.warm`).
    """
    inputs = tuple(m.input_tokens[base] for m in measured)
    fallback = reserve_tokens if reserve_tokens is not None else output_tokens
    top = catalog.models[base].max_output_tokens  # a cap above the model's maximum counts as it (CAP_OVER_MAX)
    caps = [within_max(m.max_output_tokens, top) for m in measured]
    once = output_whole and reserve_tokens is None  # the fallback is a whole request's output
    pairs = list(zip(caps, measured, strict=True))
    reserves = tuple(output_reservation(fallback, c, 1 if once and c is None else m.choices) for c, m in pairs)
    outputs = tuple(expected_output(output_tokens, c, m.choices, output_whole) for c, m in pairs)
    if cache_calibration is not None:
        cached = tuple(
            cache_calibration.cached_for(i, catalog.cache_min_tokens, catalog.cache_step_tokens) or 0 for i in inputs
        )
        basis = "the log's mean cached tokens of requests of the same size (128-token input bands)"
    elif cache_hit_rate is not None:
        cached = tuple(
            cached_tokens_for_rate(i, cache_hit_rate, catalog.cache_min_tokens, catalog.cache_step_tokens)
            for i in inputs
        )
        basis = f"hit rate {cache_hit_rate:.4} of each request's input, in {catalog.cache_step_tokens}-token steps"
    elif cached_tokens is not None:
        cached = tuple(min(cached_tokens, i) for i in inputs)
        basis = CACHED_GIVEN + "; at most each request's input"
    elif auto_cached is not None:
        cached = tuple(auto_cached)
        basis = "auto: prefixes shared between the requests, 128-token blocks (warm cache)"
    else:
        cached = (0,) * len(inputs)
        basis = "none"
    choices = tuple(m.choices for m in measured)
    many = any(n != 1 for n in choices)
    own = many or any(c is not None for c in caps)
    below = any(o != output_tokens for o in outputs)
    # a Batch file's requests go through the Batch API (docs/accounting.md §8, "Batch files")
    batch = tuple(m.kind == "batch" for m in measured)
    # an online request whose body asks for priority processing (docs/accounting.md §2); a Batch
    # file's goes through the Batch API whatever its body says
    priority = tuple(m.kind != "batch" and m.service_tier in PRIORITY_TIERS for m in measured)
    profile = RequestProfile(
        inputs, cached, output_tokens, fallback, reserves if own else (), outputs if below else (),
        batch if any(batch) else (), choices if many else (), output_whole, priority if any(priority) else (),
    )  # fmt: skip
    return profile, PromptSummary.of(profile, basis, measured, top)


def prompt_inputs(w: Workload, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Found]:
    """The workload's prompt files as inputs to read (:func:`gpt41cost.readers.inputs.gather`):
    a file a glob found is skipped when empty, a file named literally is an error when empty.
    ``include``/``exclude``: fnmatch globs on the path relative to the workload file, or the name."""
    from .readers.text import Found, kept

    base = os.path.dirname(w.path)
    out = []
    for f, globbed in zip(w.prompt_files, w.prompt_globbed or (False,) * len(w.prompt_files), strict=True):
        if kept(os.path.relpath(f, base), os.path.basename(f), include, exclude):
            out.append(Found(f, globbed))
    if not out:
        raise InputParameterError(
            f"{w.path}: prompts: no file left after {slot('include')}/{slot('exclude')}; check the globs",
        )
    return out


def workload_profiles(
    w: Workload, catalog: Catalog, measured: Sequence[Measured] | None = None, cache: RunCache | None = None
) -> tuple[tuple[RequestProfile, ...], PromptSummary]:
    """The workload's requests on each model of the mix (in the mix's order): measured from its
    prompt files, or its one input size; and a summary of them over the mix.

    The prompt files are read as ``estimate`` reads them (:func:`gpt41cost.readers.inputs.gather`):
    request files as their requests, each with its own ``max_tokens``, images counted; pass
    ``measured`` when they were read already (the CLI reads them with its options), read with
    text cache blocks when the workload has ``cache: auto``. Each model's profile has that
    model's input tokens (they differ between models in image tokens) and, with ``cache: auto``,
    that model's steady-state cache at its own share of the traffic. The summary's means are
    weighted by the shares (its maximum is the largest over the models). ``cache``: the prompt
    cache of ``measured`` (:func:`measured_cache`), when built already.
    """
    if w.prompt_files:
        if measured is None:
            from .readers.inputs import gather

            records: list[Measured] = []
            gather([], catalog, found=prompt_inputs(w), text_blocks=w.cache_auto, on_request=records.append)
            measured = records
        if not len(measured):
            raise InputError(f"{w.path}: prompts: the files matched hold no request (all empty?)")
        rpd = w.traffic.requests_per_day
        # One cache of the requests serves every model (None: no request has cache blocks, so
        # nothing is cached). With requests a day, each model's steady state at its share of the
        # traffic; without, the warm run, worked out once for every model when first needed.
        if not w.cache_auto:
            cache = None
        elif cache is None:
            cache = measured_cache(measured, catalog)
        warm = warm_cached(measured, catalog, cache) if cache is not None and rpd is None else {}
        profiles: list[RequestProfile] = []
        summaries: list[PromptSummary] = []
        steady_at: list[str] = []
        for m, share in w.models:
            base = m.spec.name
            auto: list[int] | None = None
            if cache is not None and rpd is not None:
                auto = steady_cached(measured, base, rpd * share, cache)
                steady_at.append(f"{m.label} at {rpd * share:,.0f}")
            elif cache is not None:
                auto = warm[base]
            rate, by_size, source = w.cache_for(base)
            profile, summary = profile_from_measured(
                measured,
                base,
                catalog,
                output_tokens=w.output_for(base),
                # a calibrated output is a whole request's: without max_tokens it is reserved once
                reserve_tokens=w.max_tokens if w.output_whole else w.reserve_tokens,
                cache_hit_rate=rate,
                auto_cached=auto,
                cache_calibration=None if w.cache_auto else by_size,
                output_whole=w.output_whole,
                cached_tokens=w.cached_tokens,
            )
            profiles.append(profile)
            summaries.append(_sourced(summary, source) if w.calibration is not None else summary)
        summary = _mix_summary(summaries)
        if w.calibration is not None:
            summary = _calibrated_mix(w, summaries, summary)
        if steady_at:
            summary = replace(
                summary,
                cache_basis="auto: month in steady state, each model at its share of the traffic ("
                + ", ".join(steady_at)
                + " requests/day): "
                + CACHE_STEADY_SHORT.format(minutes=RETENTION_MINUTES),
            )
        if w.cache_source and w.calibration is None:
            summary = replace(summary, cache_basis=f"{summary.cache_basis}; {w.cache_source}")
        for (m, _), profile in zip(w.models, profiles, strict=True):
            refuse_over_window(profile, measured, m, "the workload's max_tokens (or output_tokens)")
        return tuple(profiles), summary
    if w.calibration is not None:
        pairs = [_given_size_profile(w, catalog, m.spec.name) for m, _ in w.models]
        given = [s for _, s in pairs]
        return tuple(p for p, _ in pairs), _calibrated_mix(w, given, _mix_summary(given))
    one, summary = _given_size_profile(w, catalog)
    return (one,) * len(w.models), summary


def _sourced(summary: PromptSummary, source: str) -> PromptSummary:
    return replace(summary, cache_basis=f"{summary.cache_basis}; {source}") if source else summary


def _calibrated_mix(w: Workload, summaries: Sequence[PromptSummary], mix: PromptSummary) -> PromptSummary:
    """The mix's summary of a calibrated workload: each model's cache basis, named by model where
    they differ (each model's output and cache are its own, :func:`calibrated_figures`)."""
    bases = tuple(s.cache_basis for s in summaries)
    if len(set(bases)) == 1:
        return replace(mix, cache_basis=bases[0])
    named = "; ".join(f"{m.label}: {b}" for (m, _), b in zip(w.models, bases, strict=True))
    return replace(mix, cache_basis=named, model_bases=bases)


def refuse_over_window(profile: RequestProfile, measured: Sequence[Measured], model: ResolvedModel, given: str) -> None:
    """The one rule for a prompt or request file's request over the context window, in plan and
    limits alike (docs/accounting.md §11: plan refuses a request whose input plus one choice's
    output, its cap taken at most at the model's maximum output, is over the window): an
    :class:`InputError` names the request and how far to lower its cap, or ``given`` (what gave
    the output of a request without its own cap: the workload's keys, limits' parameters, which
    ``given`` names as ``slot('param')``, spelled as the API's or the CLI's flags)."""
    window = model.spec.context_window
    for k, i in enumerate(profile.input_tokens):
        # each choice fits the window alone; its cap as every figure takes it, at most the
        # model's maximum output (measure.CAP_OVER_MAX: a cap over it is listed, not refused)
        reserve = _held(profile, k)
        if over_window(i, reserve, window):
            message = _over_window(measured[k], i, reserve, model.label, window, given)
            raise InputParameterError(message)


def _over_window(request: Measured, input_tokens: int, reserve: int, label: str, window: int, given: str) -> str:
    """The refusal of a request whose input plus one choice's output is over the context window,
    with what to do about it: a template naming ``slot('exclude')`` (:class:`InputParameterError`)."""
    room = window - input_tokens
    if room <= 0:
        todo = f"shorten its input below {window:,} tokens, or leave the file out ({slot('exclude')})"
    elif request.max_output_tokens is not None:
        todo = f"lower its max_tokens to {room:,} or less, shorten its input, or leave the file out ({slot('exclude')})"
    else:
        todo = f"lower {given} to {room:,} or less, or shorten its input"
    return (
        f"{request.where}: {input_tokens:,} input tokens plus {reserve:,} output do not fit {label}'s "
        f"{window:,}-token context window; {todo}"
    )


def _mix_summary(summaries: Sequence[PromptSummary]) -> PromptSummary:
    """One summary of the same requests on the models of a mix: the first model's input figures
    (each model's own are :func:`model_summaries`'; a blend by the shares was no model's figure,
    which the report never showed), and the requests over a model's maximum output of the model
    with the most (the least maximum), which the report's note names."""
    if len(summaries) == 1:
        return summaries[0]
    most = max(summaries, key=lambda s: len(s.over_max))
    return replace(summaries[0], over_max=most.over_max, max_output_tokens=most.max_output_tokens)


def _given_size_profile(w: Workload, catalog: Catalog, base: str = "") -> tuple[RequestProfile, PromptSummary]:
    """The profile of a workload given as one input size (``input_tokens``), on model ``base``
    (its calibrated output and cache, :meth:`Workload.output_for`; any model without calibration)."""
    assert w.input_tokens is not None
    rate, by_size, source = w.cache_for(base)
    output = w.output_for(base)
    profile, summary = given_size_profile(
        w.input_tokens,
        output,
        w.max_tokens if w.max_tokens is not None else output,
        catalog,
        cache_hit_rate=rate,
        cache_calibration=by_size,
        cached_tokens=w.cached_tokens,
    )
    return profile, _sourced(summary, source)


def given_size_profile(
    input_tokens: int,
    output_tokens: int,
    reserve_tokens: int,
    catalog: Catalog,
    *,
    cache_hit_rate: Decimal | None = None,
    cache_calibration: ModelCalibration | None = None,
    cached_tokens: int | None = None,
) -> tuple[RequestProfile, PromptSummary]:
    """Requests of one given input size (no prompt read: ``limits --input-tokens``, a workload's
    ``input_tokens``), and their summary with the cached tokens priced: the log's for that size
    (``cache_calibration``), else ``cached_tokens`` as given (at most the input), else
    ``cache_hit_rate`` of the input in OpenAI's steps, else none."""
    cached = 0
    basis = "none"
    if cache_calibration is not None:
        cached = cache_calibration.cached_for(input_tokens, catalog.cache_min_tokens, catalog.cache_step_tokens) or 0
        basis = "the log's mean cached tokens of requests of the same size (128-token input bands)"
    elif cached_tokens is not None:
        cached = min(cached_tokens, input_tokens)
        basis = CACHED_GIVEN
    elif cache_hit_rate:
        cached = cached_tokens_for_rate(
            input_tokens, cache_hit_rate, catalog.cache_min_tokens, catalog.cache_step_tokens
        )
        basis = f"hit rate {cache_hit_rate:.4} of the input, in {catalog.cache_step_tokens}-token steps"
    profile = RequestProfile.uniform(input_tokens, output_tokens, reserve_tokens, cached)
    return profile, PromptSummary(0, Decimal(input_tokens), input_tokens, Decimal(cached), basis)


#: What a model the calibration log holds no request of is priced with (--calibrate-from).
NOT_IN_LOG = "none of their requests in the log"


@dataclass(frozen=True)
class CalibratedFigures:
    """What ``--calibrate-from`` gives each base model, in ``estimate`` and ``plan`` alike (the one
    rule, :func:`calibrated_figures`)."""

    #: the mean output per request over all the log's requests: a model the log does not cover
    output_tokens: int
    #: each model the log covers: its own mean output per request
    output_by_model: Mapping[str, int]
    #: each model the log covers with a cache figure (cached tokens by prompt size, else its hit rate)
    cache_by_model: Mapping[str, ModelCalibration]

    def output_for(self, base: str) -> int:
        return self.output_by_model.get(base, self.output_tokens)

    def cache_for(self, base: str) -> ModelCalibration | None:
        """The model's own logged cache; None (no cached input) for a model the log does not cover:
        the prompt cache is per model, so another model's hits say nothing of its own."""
        return self.cache_by_model.get(base)


#: Rule "calibrated models the log does not cover" (``gpt41cost rules``, docs/accounting.md §11).
CALIBRATED_UNCOVERED = (
    "with --calibrate-from, a model the usage records cover is priced at its own mean output per request "
    "and its own cache; a model they do not cover at the mean output per request over all their requests "
    "and no cached input, since the prompt cache is per model (one model's hits say nothing of another's); "
    "estimate and plan take the same rule"
)


def calibrated_figures(cal: Calibration) -> CalibratedFigures:
    """The one rule for ``--calibrate-from`` (``estimate`` and ``plan``), :data:`CALIBRATED_UNCOVERED`:
    a model the log covers gets its own mean output per request and its own cache; a model it does
    not cover gets the mean output over all the log's requests and no cached input."""
    by_model = {m: int(c.output_tokens_mean.to_integral_value()) for m, c in cal.models.items()}
    total = sum(c.requests for c in cal.models.values())
    pooled = sum((c.output_tokens_mean * c.requests for c in cal.models.values()), Decimal(0)) / total
    cache = {m: c for m, c in cal.models.items() if c.bands or c.cache_hit_rate is not None}
    return CalibratedFigures(int(pooled.to_integral_value()), by_model, cache)


def calibrated(w: Workload, cal: Calibration) -> Workload:
    """The workload with its output tokens, and its cached input unless ``cache: auto``, taken
    from observed usage (``plan --calibrate-from``), each model's by :func:`calibrated_figures`
    (as ``estimate --calibrate-from`` takes them). The output stays within ``max_tokens``.
    """
    where = ", ".join(cal.sources) or "the usage records"
    if not any(m.spec.name in cal.models for m, _ in w.models):
        names = ", ".join(m.label for m, _ in w.models)
        raise InputError(f"{where}: no usage records for this workload's models ({names}); nothing to calibrate")
    figures = calibrated_figures(cal)
    output = figures.output_tokens
    if w.max_tokens is not None:
        output = min(output, w.max_tokens)
    w = replace(
        w,
        output_tokens=output,
        output_source=f"observed mean in {where}",
        output_whole=True,
        calibration=figures,
        calibrated_from=where,
    )
    if not w.cache_auto:
        w = replace(w, cache_hit_rate=None, cached_tokens=None, cache_calibration=None, cache_source="")
    return w


def workload_demand(w: Workload, profile: RequestProfile, profiles: Sequence[RequestProfile] = ()) -> Demand:
    """The workload's demand; ``profiles``: each model's requests, in the mix's order (default
    ``profile`` for every model)."""
    return Demand(w.models, w.traffic, profile, w.batch_share, w.min_headroom_pct, tuple(profiles), w.priority_share)


# --------------------------------------------------------------------------- the run's date


def lifecycle_reasons(w: Workload, catalog: Catalog) -> tuple[str, ...]:
    """Why the routing cannot run for the workload's horizon from the catalog's run date: each
    model that is shut down, or announced to shut down within ``horizon_months``, with its date
    and substitute."""
    day, until = _horizon(w, catalog)
    reasons = []
    for m, share in w.models:
        lc = m.lifecycle
        traffic = f"{_pct(share)} of the traffic"
        if lc.status(day) == NOT_YET_RELEASED:  # no request can be made on the run's date
            reasons.append(f"{m.label} ({traffic}) is not yet released on {day}: available from {lc.released_on}")
            continue
        if not _gone_within(lc, day, until):
            continue
        if lc.status(day) == SHUT_DOWN:
            reasons.append(f"{m.label} ({traffic}) is shut down since {lc.shutdown_on}{lc.because()}; {lc.instead()}")
        else:
            reasons.append(
                f"{m.label} ({traffic}) shuts down on {lc.shutdown_on}{lc.because()}, within the "
                f"{w.horizon_months}-month horizon (to {until}); {lc.instead()}"
            )
    return tuple(reasons)


def _horizon(w: Workload, catalog: Catalog) -> tuple[date, date]:
    """The catalog's run date and the end of the workload's horizon from it."""
    return catalog.day, add_months(catalog.day, w.horizon_months)


def _gone_within(lc: Lifecycle, day: date, until: date) -> bool:
    """Shut down on ``day``, or announced to shut down by ``until``: the routing cannot last."""
    return lc.status(day) == SHUT_DOWN or lc.expires_within(day, until)


def plan_verdict(w: Workload, assessment: Assessment, catalog: Catalog) -> Verdict:
    """The launch verdict: budget (each day of the horizon at its own prices), tier fit with
    headroom, and models that last the horizon."""
    v = verdict(
        assessment, w.tier, w.budget_usd_per_month, dated_months(assessment.demand, catalog, _horizon(w, catalog)[1])
    )
    gone = lifecycle_reasons(w, catalog)
    return Verdict(v.passed and not gone, (*gone, *v.reasons), v.months)


def with_substitutes(w: Workload, catalog: Catalog) -> tuple[Workload, tuple[str, ...]]:
    """The workload with each model that is shut down, or shuts down within the horizon, routed to
    its substitute (shares merged where the substitute is already routed); and what was replaced.
    A model with no substitute in the catalog stays, and is named."""
    day, until = _horizon(w, catalog)
    mix: dict[str, tuple[ResolvedModel, Decimal]] = {}
    swaps: list[str] = []
    for m, share in w.models:
        lc = m.lifecycle
        target = m
        if _gone_within(lc, day, until):
            if lc.live_substitute is None:
                swaps.append(f"{m.label} kept: {lc.instead()}")
            else:
                target = catalog.resolve(lc.live_substitute)
                if m.fine_tuned:
                    swaps.append(
                        f"{m.label} -> {target.label} (a fine-tuned model cannot move; the base model prices it)"
                    )
                else:
                    swaps.append(f"{m.label} -> {target.label} ({_pct(share)} of the traffic)")
        key = target.family
        prev = mix.get(key)
        mix[key] = (target, share if prev is None else prev[1] + share)
    return replace(w, models=tuple(mix.values())), tuple(swaps)


def _pct(share: Decimal) -> str:
    q = (share * 100).quantize(Decimal("0.01")).normalize()
    return f"{q:f}%"
