"""The pricing and limits catalog: loaded once from YAML, validated, immutable.

Prices are USD per 1M tokens as :class:`~decimal.Decimal`, parsed from decimal strings.
A float, a negative number, a missing or unknown key stops loading with a
:class:`~gpt41cost.errors.CatalogError` that names the file and the key path.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import CatalogError, ParameterError, UnknownModelError, quoted, slot
from .lifecycle import (
    ALWAYS_ACTIVE,
    BASES,
    INFERRED,
    SHUT_DOWN,
    FineTuning,
    Lifecycle,
    date_source,
    inferred_from_snapshots,
    parse_day,
)
from .numbers import LIMIT, PRICE, NumberError, parse_count, parse_decimal

#: Environment variable naming another catalog file.
PRICING_ENV = "GPT41COST_PRICING"
#: Processing modes with their own prices.
MODES = ("standard", "batch", "priority")
TIERS = (1, 2, 3, 4, 5)
FT_PREFIX = "ft:"
#: How many days' catalogs :meth:`Catalog.on` keeps (a program that runs on many days starts again).
_DAYS_KEPT = 16
#: Catalog file versions this gpt41cost reads (2 added lifecycle dates and dated prices).
CATALOG_VERSIONS = (1, 2)
#: The release rule (``gpt41cost rules``, "release date"; docs/accounting.md §1), applied by
#: :func:`_parse_model`: the catalog has no release date of its own. ``{released}``: each model's
#: date (:func:`released_text`).
RELEASE_RULE = (
    "a model is taken as released on the first from-date of its standard prices ({released}; OpenAI's launch "
    "post is of 2025-04-14): the catalog gives no release date of its own. "
    "Before it the model is not_yet_released: estimate and limits price it at its first prices for comparison, "
    "marked 'not yet released (available from ...)' and listed after the served models; price() refuses it; plan "
    "--check fails on it. A price line with no from-date gives no release date (released all along)"
)


def released_text(catalog: Catalog) -> str:
    """The catalog's release dates for :data:`RELEASE_RULE`: ``2025-04-14 for gpt-4.1, gpt-4.1-mini
    and gpt-4.1-nano``, one part per date (a model with none: "no from-date for ...")."""
    by_day: dict[str, list[str]] = {}
    for name, spec in catalog.models.items():
        released = spec.lifecycle.released_on
        by_day.setdefault(str(released) if released else "no from-date", []).append(name)
    parts = []
    for when, names in by_day.items():
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{when} for {listed}")
    return "; ".join(parts) or "no models"


#: Price lines of a model, in the order reports list them.
PRICE_LINES = ("standard", "batch", "priority", "fine_tuned.standard", "fine_tuned.batch", "training")


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens for one way of calling a model.

    ``cached_input`` is None where OpenAI prints no cached rate (Batch); the cost code then
    bills cached tokens at the input rate, an inference it names.
    """

    input: Decimal
    cached_input: Decimal | None
    output: Decimal


@dataclass(frozen=True)
class ModelPrices:
    standard: Rates
    batch: Rates
    priority: Rates
    fine_tuned_standard: Rates
    fine_tuned_batch: Rates
    training: Decimal  # USD per 1M training tokens


@dataclass(frozen=True)
class PoolLimits:
    """One rate-limit pool: requests and tokens per minute, requests per day, batch queue tokens."""

    rpm: int
    tpm: int
    batch_queue: int
    rpd: int | None = None
    inferred: bool = False  # True where the figure is assumed, not published


@dataclass(frozen=True)
class TierLimits:
    tier: int
    standard: PoolLimits
    long_context: PoolLimits


@dataclass(frozen=True)
class Tier:
    number: int
    paid_usd: Decimal
    days_since_first_payment: int
    monthly_usage_cap_usd: Decimal


@dataclass(frozen=True)
class ModelSpec:
    name: str
    aliases: tuple[str, ...]
    snapshots: tuple[str, ...]
    encoding: str
    context_window: int
    max_output_tokens: int
    knowledge_cutoff: str
    prices: ModelPrices  # in force on the catalog's run date (Catalog.on), else the latest entries
    limits: Mapping[int, TierLimits]
    lifecycle: Lifecycle = ALWAYS_ACTIVE
    #: snapshots whose lifecycle differs from the model's
    snapshot_lifecycle: Mapping[str, Lifecycle] = field(default_factory=dict)
    #: every price line's dated entries: (line, ((from, value), ...)); a line of one undated entry has from None
    price_entries: tuple[tuple[str, tuple[tuple[date | None, Rates | Decimal], ...]], ...] = ()

    def lifecycle_for(self, name: str) -> Lifecycle:
        """The lifecycle of ``name`` (the model, an alias or a snapshot of it)."""
        return self.snapshot_lifecycle.get(name, self.lifecycle)

    def prices_on(self, day: date) -> ModelPrices:
        """The prices in force on ``day``: each line's latest entry from on or before it (a line's
        first entry also covers the days before its from-date)."""
        if not self.price_entries:
            return self.prices
        got: dict[str, Rates | Decimal] = {}
        for line, entries in self.price_entries:
            value = entries[0][1]
            for start, v in entries:
                if start is None or start <= day:
                    value = v
            got[line] = value
        return ModelPrices(
            standard=got["standard"],  # type: ignore[arg-type]
            batch=got["batch"],  # type: ignore[arg-type]
            priority=got["priority"],  # type: ignore[arg-type]
            fine_tuned_standard=got["fine_tuned.standard"],  # type: ignore[arg-type]
            fine_tuned_batch=got["fine_tuned.batch"],  # type: ignore[arg-type]
            training=got["training"],  # type: ignore[arg-type]
        )

    def price_change_days(self) -> tuple[date, ...]:
        """Every from-date on which some price line of this model changes, ascending."""
        return tuple(sorted({d for _, entries in self.price_entries for d, _ in entries if d is not None}))


@dataclass(frozen=True)
class ResolvedModel:
    """A name as the user or a log gave it, resolved to its base model."""

    requested: str
    spec: ModelSpec
    fine_tuned: bool = False

    @property
    def label(self) -> str:
        """The name shown in reports: a snapshot or fine-tuned name as given (a snapshot's
        lifecycle may differ from its alias's), else the base model (an alias)."""
        return self.requested if self.fine_tuned or self.requested in self.spec.snapshots else self.spec.name

    @property
    def family(self) -> str:
        """The name its traffic is priced and grouped under: the base model (alias and snapshots
        share prices and rate limits), or the fine-tuned name as given."""
        return self.requested if self.fine_tuned else self.spec.name

    @property
    def dated_apart(self) -> bool:
        """A snapshot the catalog dates apart from its alias (its own deprecation entry)."""
        return not self.fine_tuned and self.requested in self.spec.snapshot_lifecycle

    @property
    def lifecycle(self) -> Lifecycle:
        """The name's own lifecycle (a snapshot may differ from its alias); an ``ft:`` model's is
        its base's, since inference on it ends when the base shuts down."""
        name = self.requested[len(FT_PREFIX) :].split(":", 1)[0] if self.fine_tuned else self.requested
        return self.spec.lifecycle_for(name)


@dataclass(frozen=True)
class Catalog:
    path: str
    schema_version: int
    as_of: str
    currency: str
    sources: Mapping[str, str]
    cache_min_tokens: int
    cache_step_tokens: int
    batch_max_requests: int
    batch_max_file_bytes: int
    long_context_threshold: int
    tiers: Mapping[int, Tier]
    models: Mapping[str, ModelSpec]
    fine_tuning: FineTuning = field(default_factory=FineTuning)
    #: the date of the run (``--as-of``): prices and statuses are those in force on it; None until
    #: :meth:`on` fixes it, and then the catalog's own as_of date stands in
    run_date: date | None = None
    #: :meth:`on`'s catalogs by day, made once each: a process that loads the same file again
    #: (each command run or API call in one process) gets the same frozen catalog from it
    _on: dict[tuple[date, type, str | None], Catalog] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def day(self) -> date:
        """The date of the run, or the day the catalog was checked when none was fixed."""
        return self.run_date if self.run_date is not None else parse_day(self.as_of)

    def on(self, day: date) -> Catalog:
        """This catalog as on ``day``: each model's prices are the ones in force that day, and
        each lifecycle's substitute followed to one still served that day (:meth:`_followed`).
        Made once for each day, and for each place a :class:`~gpt41cost.lifecycle.RunDate` came from
        (the reports name it): the catalog is frozen, so the same catalog is returned again."""
        key = (day, type(day), date_source(day))  # equal days from two places are two run dates
        dated = self._on.get(key)
        if dated is None:
            if len(self._on) >= _DAYS_KEPT:
                self._on.clear()
            dated = self._on[key] = self._dated(day)
        return dated

    def _dated(self, day: date) -> Catalog:
        models = {
            name: replace(
                spec,
                prices=spec.prices_on(day),
                lifecycle=self._followed(spec.lifecycle, day),
                snapshot_lifecycle={n: self._followed(lc, day) for n, lc in spec.snapshot_lifecycle.items()},
            )
            for name, spec in self.models.items()
        }
        return replace(self, run_date=day, models=MappingProxyType(models))

    def _followed(self, lc: Lifecycle, day: date) -> Lifecycle:
        """``lc`` with its substitute chain walked on ``day``: a substitute shut down by then is
        passed over (``Lifecycle.gone``) for its own substitute, until one still served
        (``Lifecycle.followed``) or none is left. The named ``substitute`` stays as the catalog
        gives it, so the walk starts from it whatever day it was walked on before."""
        gone: list[tuple[str, date]] = []
        name, seen = lc.substitute, set()
        while name is not None and name not in seen:
            seen.add(name)
            nxt = self.resolve(name).lifecycle  # the name's own (an alias's inferred dates, a snapshot's)
            if nxt.shutdown_on is None or nxt.status(day) != SHUT_DOWN:
                break
            gone.append((name, nxt.shutdown_on))
            name = nxt.substitute
        else:
            name = None  # a chain that ends, or comes back to a model passed over, ends without one
        return replace(lc, gone=tuple(gone), followed=name if gone else None)

    def model_names(self) -> list[str]:
        return list(self.models)

    def all_names(self) -> list[str]:
        names: list[str] = []
        for spec in self.models.values():
            names += [spec.name, *spec.aliases, *spec.snapshots]
        return names

    def resolve(self, name: str) -> ResolvedModel:
        """Resolve an alias, snapshot or ``ft:`` name; raise UnknownModelError with close matches."""
        raw = name.strip()
        if raw.startswith(FT_PREFIX):
            base = raw[len(FT_PREFIX) :].split(":", 1)[0]
            return ResolvedModel(raw, self._lookup(base, raw), fine_tuned=True)
        return ResolvedModel(raw, self._lookup(raw, raw))

    def _lookup(self, key: str, original: str) -> ModelSpec:
        for spec in self.models.values():
            if key == spec.name or key in spec.aliases or key in spec.snapshots:
                return spec
        known = self.all_names()
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        raise UnknownModelError(original, close, self.model_names())


# --------------------------------------------------------------------------- loading


def default_catalog_path() -> str:
    """The shipped catalog: a file beside this module (the package is installed as files;
    ``importlib.resources`` would find the same path at ~3 ms more start-up)."""
    return str(Path(__file__).with_name("pricing.yaml"))


def describe_path(path: str) -> str:
    """How reports name a catalog: the shipped one by name, any other by its path."""
    return "built-in pricing.yaml" if path == default_catalog_path() else path


def catalog_path(flag: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The catalog to use: ``--pricing``, else ``$GPT41COST_PRICING``, else the shipped one."""
    if flag:
        return flag
    env = (environ if environ is not None else os.environ).get(PRICING_ENV)
    return env or default_catalog_path()


class CatalogNotFound(CatalogError, ParameterError):
    """No catalog at the path given: a :class:`CatalogError` (exit 4) whose message says what to
    check as a :class:`ParameterError` names an argument, ``slot('pricing')``: the API's path (its
    ``catalog``, ``load_catalog``'s ``path``: the message starts with it), the CLI's ``--pricing``
    with ``$GPT41COST_PRICING``, which stands in for the flag there (the API reads no
    environment variable)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: pricing catalog not found; check {slot('pricing')}", api={"pricing": "the path"})

    def named(self, spell: Callable[[str], str]) -> str:
        """The message with ``slot('pricing')`` spelled by ``spell``; a flag followed by its variable."""

        def spelled(p: str) -> str:
            word = spell(p)
            return word if word == self.api.get(p) else f"{word} or ${PRICING_ENV}"

        return super().named(spelled)


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Read, validate and freeze a catalog file.

    The shipped catalog has a sidecar ``pricing.json`` holding the already-parsed document,
    used instead of parsing the YAML when its recorded sha256 matches the YAML's bytes
    (importing PyYAML costs more start-up time than everything else ``pricing`` does). It is
    validated exactly like the YAML, and any mismatch falls back to the YAML itself. A catalog
    the user names is read alone: no file beside it is opened. The file is read on every call;
    bytes read before in this process give the catalog built from them then.
    """
    p = Path(path)
    from .errors import InputError
    from .readers.files import MAX_YAML_BYTES, read_whole

    if not os.path.lexists(p):
        raise CatalogNotFound(str(p))
    if os.path.isdir(p):  # the file reader's advice is a prompt directory's (review 20d)
        raise CatalogError(f"{p}: a directory, not a pricing catalog; give the path of a pricing YAML file")
    try:
        raw = read_whole(str(p), MAX_YAML_BYTES, "pricing catalog")
    except InputError as exc:
        raise CatalogError(f"{exc.message} (pricing catalog)") from None
    # Only the shipped catalog has a sidecar: never open a file next to a catalog the user named.
    return _parsed(str(p), raw, _sidecar_bytes(p) if _is_shipped(p) else None)


@functools.lru_cache(maxsize=16)
def _parsed(source: str, raw: bytes, sidecar: bytes | None) -> Catalog:
    """The frozen catalog of these bytes and this sidecar: a process that loads the same file
    again (each command run or API call in one process) gets the catalog it validated before.
    The bytes are decoded only when parsed: a sidecar matches the sha256 of bytes that were
    decoded and parsed when it was built."""
    data = _sidecar(sidecar, raw) if sidecar is not None else None
    if data is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogError(f"{source}: cannot read pricing catalog: {exc}") from None
        data = parse_yaml(text, source)
    return parse_catalog(data, source)


def _is_shipped(path: Path) -> bool:
    """Is ``path`` the shipped catalog's file (the same path once symbolic links are followed)?
    The path the CLI and the API use when none is named is the shipped one as it is."""
    shipped = default_catalog_path()
    if str(path) == shipped:
        return True
    try:
        return os.path.realpath(path) == os.path.realpath(shipped)
    except OSError:
        return False


def parse_yaml(text: str, source: str) -> Any:
    from .safeyaml import YamlProblem, load

    try:
        return load(text)
    except YamlProblem as exc:
        where = f":{exc.line}" if exc.line is not None else ""
        raise CatalogError(f"{source}{where}: {exc.problem}") from None


def sidecar_document(yaml_bytes: bytes, document: Any) -> str:
    """The JSON sidecar for a catalog: the parsed document and the sha256 of the YAML it came from."""
    import hashlib
    import json

    return json.dumps({"yaml_sha256": hashlib.sha256(yaml_bytes).hexdigest(), "catalog": document}, indent=1) + "\n"


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    # JSON object keys are strings; the YAML document has int keys for tiers.
    return {int(k) if k.isdigit() else k: v for k, v in pairs}


def _sidecar_bytes(path: Path) -> bytes | None:
    try:
        return path.with_suffix(".json").read_bytes()
    except OSError:
        return None


def _sidecar(sidecar: bytes, yaml_bytes: bytes) -> Any:
    import json

    try:
        doc = json.loads(sidecar, object_pairs_hook=_int_keys)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("yaml_sha256") != _sha256(yaml_bytes).hexdigest():
        return None
    return doc.get("catalog")


def _sha256(data: bytes) -> Any:
    """A sha256 of ``data``, from the standard library's lean module when it has one, as its
    ``random`` does for sha512: ``hashlib`` loads OpenSSL first, about 11 million instructions of
    every command's start for a 10 KB catalog (callgrind), against under 1 million."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found, no-redef]  # 3.12 renamed it
        except ImportError:
            from hashlib import sha256
    return sha256(data)


def parse_catalog(data: Any, source: str = "<catalog>") -> Catalog:
    """Validate a parsed catalog document (a mapping) and build the frozen Catalog."""
    v = _Validator(source)
    root = v.mapping(data, "")
    v.keys(
        root,
        "",
        required={"schema_version", "as_of", "models", "tiers", "caching", "batch", "long_context_threshold"},
        optional={"currency", "sources", "fine_tuning"},
    )
    schema_version = v.int_(root["schema_version"], "schema_version", minimum=1)
    if schema_version not in CATALOG_VERSIONS:
        v.fail("schema_version", f"unsupported version {schema_version} (this gpt41cost reads 1 and 2)")
    as_of = v.day(root["as_of"], "as_of")
    caching = v.mapping(root["caching"], "caching")
    v.keys(caching, "caching", required={"min_tokens", "step_tokens"})
    batch = v.mapping(root["batch"], "batch")
    v.keys(batch, "batch", required={"max_requests", "max_file_bytes"}, optional={"discount"})
    tiers_raw = v.mapping(root["tiers"], "tiers")
    tiers: dict[int, Tier] = {}
    for key, value in tiers_raw.items():
        n = v.tier_key(key, "tiers")
        path = f"tiers.{key}"
        t = v.mapping(value, path)
        v.keys(t, path, required={"paid_usd", "days_since_first_payment", "monthly_usage_cap_usd"})
        tiers[n] = Tier(
            number=n,
            paid_usd=v.money(t["paid_usd"], f"{path}.paid_usd"),
            days_since_first_payment=v.int_(t["days_since_first_payment"], f"{path}.days_since_first_payment"),
            monthly_usage_cap_usd=v.money(t["monthly_usage_cap_usd"], f"{path}.monthly_usage_cap_usd"),
        )
    v.all_tiers(tiers, "tiers")
    models_raw = v.mapping(root["models"], "models")
    if not models_raw:
        v.fail("models", "no models defined")
    models: dict[str, ModelSpec] = {}
    for name, value in models_raw.items():
        models[str(name)] = _parse_model(v, str(name), value)
    sources_raw = v.mapping(root.get("sources") or {}, "sources")
    catalog = Catalog(
        path=source,
        schema_version=schema_version,
        as_of=as_of.isoformat(),
        currency=v.str_(root.get("currency", "USD"), "currency"),
        sources=MappingProxyType({str(k): str(val) for k, val in sources_raw.items()}),
        cache_min_tokens=v.int_(caching["min_tokens"], "caching.min_tokens", minimum=1),
        cache_step_tokens=v.int_(caching["step_tokens"], "caching.step_tokens", minimum=1),
        batch_max_requests=v.int_(batch["max_requests"], "batch.max_requests", minimum=1),
        batch_max_file_bytes=v.int_(batch["max_file_bytes"], "batch.max_file_bytes", minimum=1),
        long_context_threshold=v.int_(root["long_context_threshold"], "long_context_threshold", minimum=1),
        tiers=MappingProxyType(tiers),
        models=MappingProxyType(models),
        fine_tuning=_parse_fine_tuning(v, root.get("fine_tuning")),
    )
    _check_unique_names(v, catalog)
    _check_substitutes(v, catalog)
    return catalog


def _parse_fine_tuning(v: _Validator, value: Any) -> FineTuning:
    if value is None:
        return FineTuning()
    path = "fine_tuning"
    m = v.mapping(value, path)
    keys = ("new_orgs_closed_on", "inactive_orgs_closed_on", "closed_on")
    v.keys(m, path, required=set(), optional={*keys, "source"})
    days = {k: v.day(m[k], f"{path}.{k}") if m.get(k) is not None else None for k in keys}
    known = [(k, d) for k, d in days.items() if d is not None]
    for (k1, d1), (k2, d2) in itertools.pairwise(known):
        if d2 < d1:
            v.fail(f"{path}.{k2}", f"{d2} is before {k1} {d1}; the cut-offs close in that order")
    return FineTuning(
        new_orgs_closed_on=days["new_orgs_closed_on"],
        inactive_orgs_closed_on=days["inactive_orgs_closed_on"],
        closed_on=days["closed_on"],
        source=v.str_(m["source"], f"{path}.source") if m.get("source") is not None else None,
    )


_LIFECYCLE_KEYS = {"deprecated_on", "shutdown_on", "substitute", "replacement", "source"}


def _parse_lifecycle(
    v: _Validator, value: Any, path: str, snapshots: tuple[str, ...]
) -> tuple[Lifecycle, dict[str, Lifecycle]]:
    if value is None:
        return ALWAYS_ACTIVE, {}
    m = v.mapping(value, path)
    v.keys(m, path, required=set(), optional={*_LIFECYCLE_KEYS, "snapshots", "basis"})
    basis = v.str_(m.get("basis", "documented"), f"{path}.basis")
    if basis not in BASES:
        v.fail(f"{path}.basis", f"{quoted(basis)} is not a basis ({' or '.join(BASES)})")
    own = _lifecycle_entry(v, m, path, ALWAYS_ACTIVE)
    per: dict[str, Lifecycle] = {}
    snaps = v.mapping(m.get("snapshots") or {}, f"{path}.snapshots")
    for name, entry in snaps.items():
        spath = f"{path}.snapshots.{name}"
        if str(name) not in snapshots:
            v.fail(spath, f"{quoted(name)} is not one of this model's snapshots ({', '.join(snapshots) or 'none'})")
        e = v.mapping(entry, spath)
        v.keys(e, spath, required=set(), optional=_LIFECYCLE_KEYS)
        per[str(name)] = _lifecycle_entry(v, e, spath, own)
    if basis == INFERRED:
        # The one place the alias-follows-its-snapshots inference is made (docs/accounting.md §1):
        # only where the catalog asks for it, so a catalog of your own can drop it for an alias
        # OpenAI re-points, or give the alias dates of its own.
        if any(m.get(k) is not None for k in ("deprecated_on", "shutdown_on", "substitute", "replacement")):
            v.fail(
                f"{path}.basis",
                "inferred takes the alias's dates from its snapshots; give the alias dates of its own or "
                "basis: inferred, not both",
            )
        if not snapshots:
            v.fail(f"{path}.basis", "inferred takes the alias's dates from its snapshots, and the model lists none")
        undated = [s for s in snapshots if s not in per or per[s].shutdown_on is None]
        if undated:
            v.fail(
                f"{path}.basis",
                f"inferred needs a shutdown date for every snapshot; {', '.join(undated)} has none under "
                "lifecycle.snapshots",
            )
        own = inferred_from_snapshots({s: per[s] for s in snapshots}, own)
    return own, per


def _lifecycle_entry(v: _Validator, m: dict[Any, Any], path: str, inherit: Lifecycle) -> Lifecycle:
    """One lifecycle mapping; keys it does not give come from ``inherit`` (a snapshot's model)."""

    def day(key: str, default: date | None) -> date | None:
        return v.day(m[key], f"{path}.{key}") if m.get(key) is not None else (None if key in m else default)

    def text(key: str, default: str | None) -> str | None:
        return v.str_(m[key], f"{path}.{key}") if m.get(key) is not None else (None if key in m else default)

    got = Lifecycle(
        deprecated_on=day("deprecated_on", inherit.deprecated_on),
        shutdown_on=day("shutdown_on", inherit.shutdown_on),
        substitute=text("substitute", inherit.substitute),
        replacement=text("replacement", inherit.replacement),
        source=text("source", inherit.source),
    )
    if got.shutdown_on is not None and got.deprecated_on is None:
        v.fail(f"{path}.deprecated_on", "missing: a shutdown date needs the day it was announced (deprecated_on)")
    if got.shutdown_on is not None and got.deprecated_on is not None and got.shutdown_on < got.deprecated_on:
        v.fail(f"{path}.shutdown_on", f"{got.shutdown_on} is before deprecated_on {got.deprecated_on}")
    if got.substitute is not None and got.shutdown_on is None:
        v.fail(f"{path}.substitute", "a substitute goes with a shutdown date (shutdown_on)")
    return got


def _check_substitutes(v: _Validator, catalog: Catalog) -> None:
    for spec in catalog.models.values():
        named = [("", spec.lifecycle), *((f".snapshots.{n}", lc) for n, lc in spec.snapshot_lifecycle.items())]
        for where, lc in named:
            if lc.substitute is None:
                continue
            path = f"models.{spec.name}.lifecycle{where}.substitute"
            try:
                target = catalog.resolve(lc.substitute)
            except UnknownModelError:
                v.fail(path, f"{quoted(lc.substitute)} is not a model of this catalog ({', '.join(catalog.models)})")
            if target.spec.name == spec.name:
                v.fail(path, f"{quoted(lc.substitute)} is the model itself")


def _parse_model(v: _Validator, name: str, value: Any) -> ModelSpec:
    path = f"models.{name}"
    m = v.mapping(value, path)
    v.keys(
        m,
        path,
        required={"encoding", "context_window", "max_output_tokens", "prices", "limits"},
        optional={"aliases", "snapshots", "knowledge_cutoff", "lifecycle"},
    )
    p = v.mapping(m["prices"], f"{path}.prices")
    v.keys(p, f"{path}.prices", required={"standard", "batch", "priority", "fine_tuned", "training"})
    ft = v.mapping(p["fine_tuned"], f"{path}.prices.fine_tuned")
    v.keys(ft, f"{path}.prices.fine_tuned", required={"standard", "batch"})
    raw_lines = {
        "standard": (p["standard"], True),
        "batch": (p["batch"], False),
        "priority": (p["priority"], True),
        "fine_tuned.standard": (ft["standard"], True),
        "fine_tuned.batch": (ft["batch"], False),
        "training": (p["training"], None),
    }
    entries = tuple((line, v.dated(raw, f"{path}.prices.{line}", cached)) for line, (raw, cached) in raw_lines.items())
    latest = {line: e[-1][1] for line, e in entries}
    prices = ModelPrices(
        standard=latest["standard"],  # type: ignore[arg-type]
        batch=latest["batch"],  # type: ignore[arg-type]
        priority=latest["priority"],  # type: ignore[arg-type]
        fine_tuned_standard=latest["fine_tuned.standard"],  # type: ignore[arg-type]
        fine_tuned_batch=latest["fine_tuned.batch"],  # type: ignore[arg-type]
        training=latest["training"],  # type: ignore[arg-type]
    )
    snapshots = tuple(v.str_list(m.get("snapshots") or [], f"{path}.snapshots"))
    lifecycle, snapshot_lifecycle = _parse_lifecycle(v, m.get("lifecycle"), f"{path}.lifecycle", snapshots)
    # released on the first from-date of its standard prices: before it, no request and no price
    # (RELEASE_RULE, an inference)
    released = entries[0][1][0][0]
    lifecycle = replace(lifecycle, released_on=released)
    snapshot_lifecycle = {n: replace(lc, released_on=released) for n, lc in snapshot_lifecycle.items()}
    limits_raw = v.mapping(m["limits"], f"{path}.limits")
    limits: dict[int, TierLimits] = {}
    for key, raw in limits_raw.items():
        n = v.tier_key(key, f"{path}.limits")
        lpath = f"{path}.limits.{key}"
        t = v.mapping(raw, lpath)
        v.keys(t, lpath, required={"rpm", "tpm", "batch_queue", "long_context"}, optional={"rpd"})
        lc = v.mapping(t["long_context"], f"{lpath}.long_context")
        v.keys(lc, f"{lpath}.long_context", required={"rpm", "tpm", "batch_queue"}, optional={"inferred"})
        rpd = t.get("rpd")
        limits[n] = TierLimits(
            tier=n,
            standard=PoolLimits(
                rpm=v.int_(t["rpm"], f"{lpath}.rpm", minimum=1),
                tpm=v.int_(t["tpm"], f"{lpath}.tpm", minimum=1),
                batch_queue=v.int_(t["batch_queue"], f"{lpath}.batch_queue", minimum=1),
                rpd=None if rpd is None else v.int_(rpd, f"{lpath}.rpd", minimum=1),
            ),
            long_context=PoolLimits(
                rpm=v.int_(lc["rpm"], f"{lpath}.long_context.rpm", minimum=1),
                tpm=v.int_(lc["tpm"], f"{lpath}.long_context.tpm", minimum=1),
                batch_queue=v.int_(lc["batch_queue"], f"{lpath}.long_context.batch_queue", minimum=1),
                inferred=v.bool_(lc.get("inferred", False), f"{lpath}.long_context.inferred"),
            ),
        )
    v.all_tiers(limits, f"{path}.limits")
    encoding = v.str_(m["encoding"], f"{path}.encoding")
    if encoding != "o200k_base":
        v.fail(f"{path}.encoding", f"unsupported encoding {quoted(encoding)} (gpt41cost ships o200k_base only)")
    return ModelSpec(
        name=name,
        aliases=tuple(v.str_list(m.get("aliases") or [], f"{path}.aliases")),
        snapshots=snapshots,
        encoding=encoding,
        context_window=v.int_(m["context_window"], f"{path}.context_window", minimum=1),
        max_output_tokens=v.int_(m["max_output_tokens"], f"{path}.max_output_tokens", minimum=1),
        knowledge_cutoff=v.str_(m.get("knowledge_cutoff", ""), f"{path}.knowledge_cutoff"),
        prices=prices,
        limits=MappingProxyType(limits),
        lifecycle=lifecycle,
        snapshot_lifecycle=MappingProxyType(snapshot_lifecycle),
        price_entries=entries,
    )


def _check_unique_names(v: _Validator, catalog: Catalog) -> None:
    seen: dict[str, str] = {}
    for spec in catalog.models.values():
        for n in (spec.name, *spec.aliases, *spec.snapshots):
            if n in seen and seen[n] != spec.name:
                v.fail(f"models.{spec.name}", f"name {quoted(n)} is also used by {seen[n]}")
            seen[n] = spec.name


class _Validator:
    """Type checks that raise CatalogError naming the file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> None:
        where = path or "(top level)"
        raise CatalogError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, path: str) -> dict[Any, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {type(value).__name__}")
        return value  # type: ignore[no-any-return]

    def keys(self, m: dict[Any, Any], path: str, required: set[str], optional: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        prefix = f"{path}." if path else ""
        for key in sorted(required - set(map(str, m))):
            self.fail(f"{prefix}{key}", "missing key")
        for key in m:
            if str(key) not in required | optional:
                close = difflib.get_close_matches(str(key), sorted(required | optional), n=1)
                hint = f" (did you mean {quoted(close[0])}?)" if close else ""
                self.fail(f"{prefix}{key}", f"unknown key{hint}")

    def money(self, value: Any, path: str) -> Decimal:
        if isinstance(value, (bool, float)):
            self.fail(path, f'price {quoted(value)} is a float; write it as a quoted decimal string, e.g. "{value}"')
        if not isinstance(value, (str, int)):
            self.fail(path, f"expected a decimal string, got {type(value).__name__}")
        try:
            return parse_decimal(value, PRICE)
        except NumberError as exc:
            self.fail(path, str(exc))
            raise  # unreachable: fail() raises

    def rates(self, value: Any, path: str, *, cached: bool) -> Rates:
        m = self.mapping(value, path)
        self.keys(m, path, required={"input", "output", *({"cached_input"} if cached else set())})
        return Rates(
            input=self.money(m["input"], f"{path}.input"),
            cached_input=self.money(m["cached_input"], f"{path}.cached_input") if cached else None,
            output=self.money(m["output"], f"{path}.output"),
        )

    def day(self, value: Any, path: str) -> date:
        """A YYYY-MM-DD date (quoted, or an unquoted YAML date)."""
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            self.fail(path, f"expected a date YYYY-MM-DD, got {quoted(value)}")
        try:
            return parse_day(value.strip())
        except ValueError as exc:
            self.fail(path, str(exc))
        raise AssertionError("unreachable")

    def dated(self, value: Any, path: str, cached: bool | None) -> tuple[tuple[date | None, Rates | Decimal], ...]:
        """A price line: one entry, or a list of entries each applying from its ``from`` date.

        ``cached``: True/False for a rates line (with/without cached_input), None for a single
        price (training: a decimal string, or ``{from, usd}`` entries).
        """
        items = value if isinstance(value, list) else [value]
        if not items:
            self.fail(path, "no price entries")
        out: list[tuple[date | None, Rates | Decimal]] = []
        for i, item in enumerate(items):
            ipath = f"{path}[{i}]" if isinstance(value, list) else path
            start: date | None = None
            if isinstance(item, dict) and "from" in item:
                start = self.day(item["from"], f"{ipath}.from")
                item = {k: val for k, val in item.items() if k != "from"}
            elif len(items) > 1:
                self.fail(f"{ipath}.from", "missing: every entry of a line with several needs its from-date")
            if cached is None:
                if isinstance(item, dict):
                    self.keys(item, ipath, required={"usd"})
                    item = item["usd"]
                out.append((start, self.money(item, ipath)))
            else:
                out.append((start, self.rates(item, ipath, cached=cached)))
        for (d1, _), (d2, _) in itertools.pairwise(out):
            assert d1 is not None and d2 is not None
            if d2 <= d1:
                self.fail(path, f"entries overlap: {d2} is not after {d1} (list them by from-date, one per date)")
        return tuple(out)

    def int_(self, value: Any, path: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a whole number, got {quoted(value)}")
        if value < minimum:
            self.fail(path, f"{value} is below the minimum {minimum}")
        try:
            return parse_count(value, LIMIT)
        except NumberError as exc:
            self.fail(path, str(exc))
            raise  # unreachable: fail() raises

    def str_(self, value: Any, path: str) -> str:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        if hasattr(value, "isoformat"):  # YAML turns unquoted dates into date objects
            return str(value.isoformat())
        self.fail(path, f"expected a string, got {type(value).__name__}")
        return ""

    def bool_(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {quoted(value)}")
        return value  # type: ignore[no-any-return]

    def str_list(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.fail(path, "expected a list of strings")
        return list(value)

    def tier_key(self, key: Any, path: str) -> int:
        if isinstance(key, str) and key.strip().isascii() and key.strip().isdigit():
            key = int(key)  # a quoted "1": is the same tier
        if isinstance(key, bool) or not isinstance(key, int) or key not in TIERS:
            self.fail(f"{path}.{key}", "unknown tier (tiers are 1 to 5)")
        return key  # type: ignore[no-any-return]

    def all_tiers(self, m: Mapping[int, Any], path: str) -> None:
        missing = [t for t in TIERS if t not in m]
        if missing:
            self.fail(f"{path}.{missing[0]}", "missing tier")


def rates_for(model: ResolvedModel, mode: str) -> Rates:
    """The rates for calling ``model`` in ``mode`` (standard, batch or priority)."""
    prices = model.spec.prices
    if mode not in MODES:
        raise ParameterError(
            f"{slot('mode')}: " + f"unknown processing mode {quoted(mode)}; use one of {', '.join(MODES)}"
        )
    if model.fine_tuned:
        if mode == "priority":
            why = f"{model.requested}: OpenAI publishes no priority prices for fine-tuned models; drop "
            raise ParameterError(why + slot("priority"))  # the CLI's --priority, the API's priority
        return prices.fine_tuned_batch if mode == "batch" else prices.fine_tuned_standard
    rates: Rates = getattr(prices, mode)
    return rates
