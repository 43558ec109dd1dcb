"""Model lifecycle on a date: active, deprecated (announced, not yet shut down) or shut down.

Pure: every function takes the date of the run; only :func:`today` reads the clock. The dates come
from the catalog (OpenAI's deprecations page, cited there); the rules that are ours, not
OpenAI's, are named constants below and stated in the README.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from .errors import quoted

T = TypeVar("T")

ACTIVE = "active"
DEPRECATED = "deprecated"
SHUT_DOWN = "shut_down"
#: Before the day the model was released (``Lifecycle.released_on``): no request could be made.
NOT_YET_RELEASED = "not_yet_released"
STATUSES = (NOT_YET_RELEASED, ACTIVE, DEPRECATED, SHUT_DOWN)
#: The statuses in which a model serves no request on the run's date: priced only to compare,
#: listed after the others, and failing ``plan --check``.
UNSERVED = (NOT_YET_RELEASED, SHUT_DOWN)

#: A lifecycle's basis: dates OpenAI announced for the name, or dates gpt41cost infers for an alias
#: from its snapshots' (``basis: inferred`` in the catalog; docs/accounting.md §1).
DOCUMENTED = "documented"
INFERRED = "inferred"
BASES = (DOCUMENTED, INFERRED)

#: `plan --check` fails when a routed model shuts down within this many months of the run's date.
DEFAULT_HORIZON_MONTHS = 6
#: Reports note prices checked longer ago than this, counted from the run's date.
STALE_AFTER_DAYS = 90

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date; ValueError with the reason otherwise."""
    if not _ISO_DAY.match(text):
        raise ValueError(f"{quoted(text)} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{quoted(text)} is not a real date") from None


#: Where a run's date came from, as reports name it: the API's ``as_of`` is the CLI's --as-of,
#: spelled as the flag so that a call's JSON is the command's (the API reads no environment).
AS_OF = "--as-of"
TODAY = "today in UTC; --as-of sets another"


class RunDate(date):
    """The date of a run, with where it came from (``source``: :data:`AS_OF`, the CLI's
    ``$GPT41COST_AS_OF``, :data:`TODAY`), which the assumption line of every report names. It is
    the plain date in every other use (equal, hashed and ordered as it); a date computed from it
    (``+ timedelta``, ``replace``) is another day, of no source."""

    source: str | None

    def __new__(cls, year: int, month: int, day: int, source: str | None = None) -> RunDate:
        self = super().__new__(cls, year, month, day)
        self.source = source
        return self

    @classmethod
    def of(cls, day: date, source: str) -> RunDate:
        return cls(day.year, day.month, day.day, source)

    def __reduce__(self) -> tuple[Any, ...]:  # date's own drops the source (and calls cls(bytes))
        return (RunDate, (self.year, self.month, self.day, self.source))


def today() -> RunDate:
    """The run's date when none is given: today in UTC, named :data:`TODAY`. UTC, not the machine's
    time zone, because usage days are UTC calendar days: a local date would count the current UTC
    day as over east of UTC, or date its records after the run west of it. The one place every
    command and API call reads the clock, so a test pins it (monkeypatch this function)."""
    return RunDate.of(datetime.now(UTC).date(), TODAY)


def date_source(day: date) -> str | None:
    """Where the run's date ``day`` came from, when it says (a :class:`RunDate`), else None."""
    return day.source if isinstance(day, RunDate) else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Lifecycle:
    """What OpenAI announced for a model or snapshot.

    ``substitute`` is a model of this catalog that takes over (priced, so ``plan --substitute``
    can use it); ``replacement`` is what OpenAI recommends when that is outside this catalog.
    ``basis`` is INFERRED for an alias whose dates are its snapshots' (OpenAI named the snapshots
    only), with ``reason`` saying so; every mark and JSON object shows it.
    """

    deprecated_on: date | None = None
    shutdown_on: date | None = None
    substitute: str | None = None
    replacement: str | None = None
    source: str | None = None
    basis: str = DOCUMENTED
    reason: str | None = None  # why the dates are inferred, in words
    inferred_from: tuple[str, ...] = ()  # the snapshots an inferred lifecycle takes its dates from
    #: on the run's date (Catalog.on): the substitutes in the chain from ``substitute`` that are
    #: shut down then, each with its shutdown date, and the first one after them still served
    gone: tuple[tuple[str, date], ...] = ()
    followed: str | None = None
    #: the day the model was released: the first from-date of its standard prices (the catalog
    #: sets it; an inference, README "Dates"); None: no such date, released all along
    released_on: date | None = None

    @property
    def live_substitute(self) -> str | None:
        """The model traffic moves to: the substitute, or the first one of its chain still served
        on the run's date; None when there is none (``gone`` says which were passed over)."""
        return self.followed if self.gone else self.substitute

    def status(self, day: date) -> str:
        if self.released_on is not None and day < self.released_on:
            return NOT_YET_RELEASED
        if self.shutdown_on is not None and day >= self.shutdown_on:
            return SHUT_DOWN
        if self.deprecated_on is not None and day >= self.deprecated_on:
            return DEPRECATED
        return ACTIVE

    def announced_later(self, day: date) -> bool:
        """Whether the dates and successors were announced after ``day``, so not known on it: the
        deprecation date is the day OpenAI announced them (docs/accounting.md §1, lifecycle).
        Without one the catalog does not say when they were announced, and nothing is marked.
        Every report that shows them says so (JSON ``announced_later``, ``pricing``'s cells)."""
        return self.deprecated_on is not None and day < self.deprecated_on

    def shutdown_known(self, day: date) -> date | None:
        """The shutdown date as known on ``day`` (announced on or before it), else None."""
        if self.shutdown_on is None or self.deprecated_on is None or self.announced_later(day):
            return None
        return self.shutdown_on

    def expires_within(self, day: date, until: date) -> bool:
        """Shut down on ``day``, or announced by ``day`` to shut down on or before ``until``."""
        known = self.shutdown_known(day)
        return known is not None and known <= until

    @property
    def inferred(self) -> bool:
        return self.basis == INFERRED

    @property
    def dated(self) -> bool:
        """Whether any date is given: a deprecation, a shutdown, or both (a catalog may give a
        deprecation date alone, before OpenAI names the shutdown)."""
        return self.deprecated_on is not None or self.shutdown_on is not None

    @property
    def dates_basis(self) -> str | None:
        """The basis of the dates (JSON ``basis``, the pricing table's basis column); None without any."""
        return self.basis if self.dated else None

    def same_dates(self, other: Lifecycle) -> bool:
        """The same dates and successors as ``other``, whatever the basis of each."""
        return (self.deprecated_on, self.shutdown_on, self.substitute, self.replacement) == (
            other.deprecated_on,
            other.shutdown_on,
            other.substitute,
            other.replacement,
        )

    def qualifier(self) -> str:
        """' (inferred from its snapshot)' after a date that is an inference, else '': the short
        form a status cell carries (:meth:`because` and the JSON ``reason`` name the snapshot)."""
        if not self.inferred:
            return ""
        return f" (inferred from its snapshot{'s' if len(self.inferred_from) > 1 else ''})"

    def because(self) -> str:
        """' (inferred: REASON)' after a date that is an inference, else '': the form a verdict carries."""
        return f" (inferred: {self.reason})" if self.inferred else ""

    def instead(self) -> str:
        """What to use instead, in words: the substitute still served (and any passed over as
        shut down), else OpenAI's replacement."""
        passed = ", ".join(f"{name} shut down {on}" for name, on in self.gone)
        if self.live_substitute:
            return f"substitute {self.live_substitute}" + (f" ({passed} too)" if passed else "")
        if passed:
            what = (
                f"OpenAI recommends {self.replacement} (not in this catalog)"
                if self.replacement
                else "no substitute in this catalog is still served"
            )
            return f"substitute {passed} too; {what}"
        if self.replacement:
            return f"OpenAI recommends {self.replacement} (not in this catalog)"
        return "no substitute named"

    def mark(self, day: date) -> str:
        """The mark a report shows next to the model: '' when active."""
        status = self.status(day)
        if status == NOT_YET_RELEASED:
            return f"not yet released (available from {self.released_on}), priced at its first prices"
        if status == SHUT_DOWN:
            return f"shut down {self.shutdown_on}{self.qualifier()}, {self.instead()}"
        if status == DEPRECATED:
            if self.shutdown_on is None:  # announced without a shutdown date (yet)
                return f"deprecated, no shutdown date announced, {self.instead()}"
            return f"deprecated, shuts down {self.shutdown_on}{self.qualifier()}, {self.instead()}"
        return ""

    def as_json(self, day: date) -> dict[str, Any]:
        """The lifecycle object of every JSON report: the status on ``day``, the catalog's dates
        and successors, and ``announced_later`` when those were announced after ``day``."""
        return {
            "status": self.status(day),
            "deprecated_on": _iso(self.deprecated_on),
            "shutdown_on": _iso(self.shutdown_on),
            "substitute": self.live_substitute,
            "replacement": self.replacement,
            "basis": self.dates_basis,
            "reason": self.reason,
            "announced_later": self.announced_later(day),
        }


ALWAYS_ACTIVE = Lifecycle()


@dataclass(frozen=True)
class FineTuning:
    """When self-serve fine-tuning stops taking new training jobs (inference runs until the base
    model shuts down: ``ft:`` models die with their base)."""

    new_orgs_closed_on: date | None = None  # organisations that never fine-tuned
    inactive_orgs_closed_on: date | None = None  # no fine-tuned inference in the last 60 days
    closed_on: date | None = None  # everyone
    source: str | None = None

    def training(self, day: date) -> tuple[str, str]:
        """('open' | 'restricted' | 'closed', why) on ``day``."""
        if self.closed_on is not None and day >= self.closed_on:
            return "closed", f"self-serve fine-tuning takes no new training jobs from {self.closed_on}"
        if self.inactive_orgs_closed_on is not None and day >= self.inactive_orgs_closed_on:
            return "restricted", (
                f"from {self.inactive_orgs_closed_on} only organisations with fine-tuned inference in the last "
                f"60 days can start training jobs; nobody can from {self.closed_on or 'a date not yet announced'}"
            )
        if self.new_orgs_closed_on is not None and day >= self.new_orgs_closed_on:
            return "restricted", (
                f"from {self.new_orgs_closed_on} only organisations that have fine-tuned before can start training "
                f"jobs; nobody can from {self.closed_on or 'a date not yet announced'}"
            )
        return "open", ""


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def staleness_note(checked: str, day: date) -> str | None:
    """The note every report carries when the catalog was checked more than STALE_AFTER_DAYS before ``day``."""
    try:
        age = (day - parse_day(checked)).days
    except ValueError:
        return None
    if age > STALE_AFTER_DAYS:
        return f"prices last checked {age} days ago; see `gpt41cost pricing`"
    return None


def days_since(checked: str, day: date) -> int | None:
    try:
        return (day - parse_day(checked)).days
    except ValueError:
        return None


def active_first(items: list[T], lifecycle_of: Callable[[T], Lifecycle], day: date) -> list[T]:
    """``items`` with the shut-down (or not yet released) ones moved after the others, each group in
    its own order: such a model is still priced, but never listed as if it were an option."""
    return sorted(items, key=lambda item: lifecycle_of(item).status(day) in UNSERVED)


def inferred_from_snapshots(snapshots: Mapping[str, Lifecycle], own: Lifecycle) -> Lifecycle:
    """An alias's lifecycle inferred from its snapshots' (each with a shutdown date): deprecated
    from the latest of their announcements, shut down with the last of them, succeeded by what
    succeeds that one. ``own`` gives what the alias states itself (its source)."""
    last_name, last = max(snapshots.items(), key=lambda item: (item[1].shutdown_on, item[0]))
    assert last.shutdown_on is not None
    if len(snapshots) == 1:
        reason = f"its only snapshot {last_name} shuts down {last.shutdown_on}"
    else:
        reason = f"its snapshots {', '.join(snapshots)} all shut down, the last, {last_name}, on {last.shutdown_on}"
    return Lifecycle(
        deprecated_on=max(lc.deprecated_on for lc in snapshots.values() if lc.deprecated_on is not None),
        shutdown_on=last.shutdown_on,
        substitute=last.substitute,
        replacement=last.replacement,
        source=own.source or last.source,
        basis=INFERRED,
        reason=reason,
        inferred_from=tuple(snapshots),
    )


#: An alias with no dates of its own (:func:`alias_kind`).
UNDATED = "undated"


def alias_kind(own: Lifecycle) -> str:
    """What an alias's own lifecycle says of its dates, as notes about its snapshots name it:
    INFERRED (its snapshots' dates), UNDATED (none) or DOCUMENTED (dates of its own)."""
    if own.inferred:
        return INFERRED
    return DOCUMENTED if own.dated else UNDATED


def alias_words(alias: str, own: Lifecycle) -> str:
    """How a note about a snapshot names its alias's dates."""
    return {
        INFERRED: f"the alias {alias} shuts down with it (inferred)",
        UNDATED: f"the alias {alias} carries no dates of its own",
        DOCUMENTED: f"the alias {alias} has dates of its own",
    }[alias_kind(own)]


def snapshot_notes(specs: Iterable[tuple[Mapping[str, Lifecycle], Lifecycle]], day: date) -> list[str]:
    """One note per distinct mark for snapshots dated apart from their alias (``specs``: each
    model's snapshot lifecycles and its own), once the dates are announced. A snapshot its alias
    shares its dates with (inferred) needs none: the alias's own mark says it."""
    by_mark: dict[tuple[str, str], list[str]] = {}
    for snapshots, own in specs:
        kind = alias_kind(own)
        for snap, lc in snapshots.items():
            if not lc.same_dates(own) and lc.status(day) != ACTIVE:
                by_mark.setdefault((lc.mark(day), kind), []).append(snap)
    out = []
    for (mark, kind), snaps in by_mark.items():
        many = len(snaps) > 1
        alias = {
            UNDATED: "the aliases carry no dates of their own" if many else "the alias carries no dates of its own",
            DOCUMENTED: "the aliases have dates of their own" if many else "the alias has dates of its own",
            INFERRED: "the aliases shut down with their last snapshot (inferred)"
            if many
            else "the alias shuts down with its last snapshot (inferred)",
        }[kind]
        out.append(f"snapshot{'s' if many else ''} {', '.join(snaps)}: {mark}; {alias}")
    return out
