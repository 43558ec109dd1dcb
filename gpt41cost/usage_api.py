"""Usage and costs straight from OpenAI: the organization Usage API and Costs API, every page.

Two endpoints, both GET, both with an admin key (``OPENAI_ADMIN_KEY``), nothing else is called:

- ``/organization/usage/completions`` with ``start_time``, ``end_time``, ``bucket_width=1d``,
  ``limit=31``, ``group_by`` (always ``model``, ``batch`` and ``service_tier``, which pricing
  needs, plus any ``--group-by``), ``project_ids`` (``--project``) and ``page``;
- ``/organization/costs`` (``--costs``) with ``start_time``, ``end_time``, ``bucket_width=1d``,
  ``limit=180``, ``group_by=line_item`` (plus ``project_id`` with ``--group-by project_id``),
  ``project_ids`` and ``page``.

Pages are followed through ``next_page`` while ``has_more`` is true. Each page is checked
against the documented shape (``object: page``, ``data`` a list of buckets with ``start_time``,
``end_time`` and a list of ``results``), so a proxy's HTML or a cut answer is one clear error,
not a wrong total. Pages are written as they came (``DIR/completions/page-001.json``,
``DIR/costs/page-001.json``), and ``gpt41cost usage DIR/completions --billed DIR/costs`` reads
them again offline with the same result.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import ApiError, InputError, UsageError, quoted
from .openai_http import OpenAIClient
from .readers import repeats

USAGE_PATH = "/organization/usage/completions"
COSTS_PATH = "/organization/costs"
#: group_by fields the completions endpoint accepts.
USAGE_GROUPS = ("model", "batch", "service_tier", "project_id", "user_id", "api_key_id")
#: Always asked for: without them a bucket cannot be priced (model, batch price, priority tier).
USAGE_GROUPS_ALWAYS = ("model", "batch", "service_tier")
COSTS_GROUPS = ("line_item", "project_id")
#: Buckets per page: the most each endpoint allows for daily buckets.
USAGE_PAGE_LIMIT = 31
COSTS_PAGE_LIMIT = 180
#: A run of more pages than this is a cursor that never ends (a broken proxy), not a real period.
MAX_PAGES = 10_000
COMPLETIONS_DIR = "completions"
COSTS_DIR = "costs"


@dataclass(frozen=True)
class Period:
    """UTC days ``since`` to ``until``, both included."""

    since: _dt.date
    until: _dt.date

    @property
    def start_time(self) -> int:
        return _epoch(self.since)

    @property
    def end_time(self) -> int:
        """Exclusive: midnight UTC after ``until``."""
        return _epoch(self.until + _dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def _epoch(day: _dt.date) -> int:
    return int(_dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC).timestamp())


def parse_date(value: str, flag: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{flag} {quoted(value)}: use a date as YYYY-MM-DD, e.g. 2026-11-01") from None


def period(since: str | None, until: str | None) -> Period:
    """The period of ``--since``/``--until``; both are needed (a run must not depend on today's date)."""
    if since is None or until is None:
        missing = "--since" if since is None else "--until"
        raise UsageError(f"--from-api needs {missing}: give both, e.g. --since 2026-11-01 --until 2026-11-30")
    p = Period(parse_date(since, "--since"), parse_date(until, "--until"))
    if p.until < p.since:
        raise UsageError(f"--until {until} is before --since {since}: swap them")
    return p


def check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    """``--group-by`` values, checked; the completions fields always asked for come first."""
    out = list(USAGE_GROUPS_ALWAYS)
    for g in groups:
        for part in g.split(","):
            name = part.strip()
            if name not in USAGE_GROUPS:
                raise UsageError(f"--group-by {quoted(name)}: use one of {', '.join(USAGE_GROUPS)}")
            if name not in out:
                out.append(name)
    return tuple(out)


def _params(p: Period, limit: int, groups: Sequence[str], projects: Sequence[str]) -> list[tuple[str, str]]:
    params = [
        ("start_time", str(p.start_time)),
        ("end_time", str(p.end_time)),
        ("bucket_width", "1d"),
        ("limit", str(limit)),
    ]
    params += [("group_by", g) for g in groups]
    params += [("project_ids", proj) for proj in projects]
    return params


#: Fields every result of each kind must carry, as the endpoint documents them.
_USAGE_COUNTS = ("num_model_requests", "input_tokens", "output_tokens")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _result_problem(res: Any) -> str | None:
    """What is wrong with one result of a usage or costs page, or None."""
    if not isinstance(res, dict):
        return "not an object"
    if res.get("object") == "organization.costs.result" or "amount" in res:
        amount = res.get("amount")
        value = amount.get("value") if isinstance(amount, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return "amount.value is not a number"
        return None
    for key in _USAGE_COUNTS:
        if not _is_count(res.get(key)):
            return f"{key} is not a token or request count"
    cached = res.get("input_cached_tokens")
    if cached is not None and not _is_count(cached):
        return "input_cached_tokens is not a token count"
    return None


def _check_page(page: Any, where: str) -> tuple[bool, str | None]:
    """Raise ApiError unless ``page`` is a documented page; return (has_more, next_page)."""
    found = repeats.anywhere(page)  # "data" or "results" twice: which buckets, which results?
    if found is not None:
        raise ApiError(f"{where}: malformed page: {repeats.twice_at(found, fix='check --base-url')}")
    if not isinstance(page, dict) or page.get("object") != "page" or not isinstance(page.get("data"), list):
        raise ApiError(f"{where}: malformed page: expected an object with object: page and a data list")
    for n, bucket in enumerate(page["data"]):
        if (
            not isinstance(bucket, dict)
            or not isinstance(bucket.get("start_time"), int)
            or not isinstance(bucket.get("end_time"), int)
            or not isinstance(bucket.get("results"), list)
        ):
            raise ApiError(f"{where}: malformed page: data[{n}] is not a bucket with start_time, end_time, results")
        for r, res in enumerate(bucket["results"]):
            problem = _result_problem(res)
            if problem:
                raise ApiError(f"{where}: malformed page: data[{n}].results[{r}]: {problem}")
    has_more = page.get("has_more")
    if not isinstance(has_more, bool):
        raise ApiError(f"{where}: malformed page: has_more is not true or false")
    cursor = page.get("next_page")
    if has_more and (not isinstance(cursor, str) or not cursor):
        raise ApiError(f"{where}: malformed page: has_more is true but next_page is empty")
    return has_more, cursor if has_more else None


def fetch_pages(client: OpenAIClient, path: str, params: Sequence[tuple[str, str]]) -> Iterator[Any]:
    """Every page of ``path``, following ``next_page`` while ``has_more``."""
    cursor: str | None = None
    seen: set[str] = set()
    for n in range(1, MAX_PAGES + 1):
        query = list(params) + ([("page", cursor)] if cursor else [])
        page = client.get_json(path, query)
        has_more, cursor = _check_page(page, f"GET {path} page {n}")
        yield page
        if not has_more:
            return
        assert cursor is not None
        if cursor in seen:
            raise ApiError(f"GET {path} page {n}: next_page repeats an earlier cursor; the pages never end")
        seen.add(cursor)
    raise ApiError(f"GET {path}: more than {MAX_PAGES} pages; narrow --since/--until")


def fetch_usage(
    client: OpenAIClient, p: Period, *, groups: Sequence[str] = USAGE_GROUPS_ALWAYS, projects: Sequence[str] = ()
) -> list[Any]:
    """Completions usage pages for the period, daily buckets."""
    return list(fetch_pages(client, USAGE_PATH, _params(p, USAGE_PAGE_LIMIT, groups, projects)))


def fetch_costs(
    client: OpenAIClient, p: Period, *, groups: Sequence[str] = ("line_item",), projects: Sequence[str] = ()
) -> list[Any]:
    """Costs pages for the period, daily buckets, by line item."""
    costs_groups = [g for g in ("line_item", *groups) if g in COSTS_GROUPS]
    return list(
        fetch_pages(client, COSTS_PATH, _params(p, COSTS_PAGE_LIMIT, list(dict.fromkeys(costs_groups)), projects))
    )


def _dump(page: Any) -> str:
    """The page as JSON with Decimals written back as the numbers they were read from."""
    return _dumps_exact(page) + "\n"


def _dumps_exact(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}: {_dumps_exact(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps_exact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def save_pages(pages: Sequence[Any], directory: str | os.PathLike[str], kind: str) -> list[str]:
    """Write ``pages`` as ``DIR/<kind>/page-001.json`` ...; the paths written, in order.

    Refuses a folder that already holds pages (a mix of two runs would count twice).
    """
    folder = Path(directory) / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.glob("page-*.json")):
            raise InputError(f"{folder}: already holds saved pages; --save needs an empty or new folder")
        out = []
        for n, page in enumerate(pages, 1):
            path = folder / f"page-{n:03d}.json"
            path.write_text(_dump(page), encoding="utf-8")
            out.append(str(path))
    except OSError as exc:
        raise InputError(f"{folder}: cannot write pages ({exc.strerror or exc}); check --save") from None
    return out


__all__ = [
    "COMPLETIONS_DIR",
    "COSTS_DIR",
    "COSTS_PATH",
    "USAGE_PATH",
    "Period",
    "Pulled",
    "check_groups",
    "fetch_costs",
    "fetch_pages",
    "fetch_usage",
    "parse_date",
    "period",
    "pull",
    "save_pages",
]


@dataclass(frozen=True)
class Pulled:
    """Where a pull's pages were written: usage pages, and costs pages when asked for."""

    usage_paths: tuple[str, ...]
    costs_paths: tuple[str, ...]
    directory: str


def pull(
    client: OpenAIClient,
    p: Period,
    directory: str | os.PathLike[str],
    *,
    groups: Sequence[str] = USAGE_GROUPS_ALWAYS,
    projects: Sequence[str] = (),
    costs: bool = False,
) -> Pulled:
    """Fetch the period's usage pages (and costs pages) and write them under ``directory``."""
    usage_pages = fetch_usage(client, p, groups=groups, projects=projects)
    cost_pages = fetch_costs(client, p, groups=groups, projects=projects) if costs else []
    usage_paths = save_pages(usage_pages, directory, COMPLETIONS_DIR)
    costs_paths = save_pages(cost_pages, directory, COSTS_DIR) if costs else []
    if not any(bucket["results"] for page in usage_pages for bucket in page["data"]):
        only = f" for project {', '.join(projects)}" if projects else ""
        raise InputError(
            f"GET {USAGE_PATH}: no completions usage from {p.since} to {p.until}{only}; "
            "check the dates, --project and that the key belongs to the right organization"
        )
    return Pulled(tuple(usage_paths), tuple(costs_paths), str(directory))
