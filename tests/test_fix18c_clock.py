"""The default run date is today in UTC, not the machine's local date: usage days are UTC
calendar days, so a local date east of UTC took the current UTC day for over (and the run a day
late), and west of UTC in the evening dated the current UTC day's records after the run.

The clock is pinned: a fixed instant, seen from a fixed time zone, through the two calls a clock
function could read (``date.today()``, local; ``datetime.now(tz)``). No test reads the real date.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import gpt41cost
from gpt41cost import lifecycle

UTC = dt.UTC
#: When the defect was seen: 12:57 UTC on 2026-12-07, already 2026-12-08 at UTC+14.
NOON = dt.datetime(2026, 12, 7, 12, 57, tzinfo=UTC)


def _pin(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime, zone: str) -> None:
    """The clock at ``instant``, on a machine whose local time zone is ``zone``."""
    local = instant.astimezone(ZoneInfo(zone))

    class Date(dt.date):
        @classmethod
        def today(cls) -> Date:
            return cls(local.year, local.month, local.day)

    class DateTime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> DateTime:  # type: ignore[override]
            at = local.replace(tzinfo=None) if tz is None else instant.astimezone(tz)
            return cls.combine(at.date(), at.timetz() if tz is not None else at.time())

        @classmethod
        def today(cls) -> DateTime:
            return cls.now()

        @classmethod
        def utcnow(cls) -> DateTime:
            return cls.now(UTC).replace(tzinfo=None)

    monkeypatch.setattr(lifecycle, "date", Date)
    monkeypatch.setattr(lifecycle, "datetime", DateTime, raising=False)
    monkeypatch.delenv("GPT41COST_AS_OF", raising=False)


def _log(path: Path, last: dt.datetime) -> str:
    """24 gpt-4.1-mini Chat responses a day, one an hour, from 2026-12-01 00:00 UTC to ``last``."""
    start = dt.datetime(2026, 12, 1, tzinfo=UTC)
    hours = int((last - start).total_seconds() // 3600)
    lines = [
        json.dumps(
            {
                "id": f"r{h}",
                "object": "chat.completion",
                "created": int((start + dt.timedelta(hours=h)).timestamp()),
                "model": "gpt-4.1-mini",
                "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500},
            }
        )
        for h in range(hours + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("instant", "zone"),
    [
        pytest.param(NOON, "Pacific/Kiritimati", id="east-of-UTC-already-tomorrow"),
        pytest.param(NOON, "Etc/GMT+12", id="west-of-UTC-still-today"),
        pytest.param(dt.datetime(2026, 12, 8, 3, 0, tzinfo=UTC), "America/Los_Angeles", id="west-evening"),
        pytest.param(dt.datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "Asia/Tokyo", id="east-late-UTC"),
    ],
)
def test_the_default_run_date_is_today_in_utc(monkeypatch, instant, zone) -> None:
    """Before: the local date (2026-12-08 at UTC+14 at 12:57 UTC on 2026-12-07)."""
    _pin(monkeypatch, instant, zone)
    day = lifecycle.today()
    assert (day, lifecycle.date_source(day)) == (instant.date(), lifecycle.TODAY)


def test_a_half_day_east_of_utc_is_not_over(cli, monkeypatch, tmp_path) -> None:
    """The reproduction: Dec 1-6 and Dec 7 to 12:00 UTC, run at 12:57 UTC at UTC+14. Before: the run
    date 2026-12-08, the half day counted whole, the rate $0.022 a day over 7 days (not $0.023 over
    6), the projection $0.67 (not $0.71) and a note that the records end a day before the run."""
    _pin(monkeypatch, NOON, "Pacific/Kiritimati")
    log = _log(tmp_path / "today.jsonl", dt.datetime(2026, 12, 7, 12, tzinfo=UTC))
    doc = cli.json("usage", log, "--forecast")
    forecast = doc["forecast"]
    assert doc["as_of"] == "2026-12-07"
    assert (forecast["run_rate_days"], forecast["run_rate_usd_per_day"]) == (6, "0.02304")
    assert forecast["rest_of_run_date_usd"] is not None
    assert forecast["projected_usd"] == "0.71424"
    assert not [n for n in doc["notes"] if "before the run date" in n]
    # the API reads the same clock the same way
    api = gpt41cost.usage(log, forecast=True).to_dict()
    assert (api["as_of"], api["forecast"]["projected_usd"]) == ("2026-12-07", "0.71424")


def test_the_current_utc_day_west_of_utc_is_not_after_the_run(cli, monkeypatch, tmp_path) -> None:
    """At 03:00 UTC on 2026-12-08, 19:00 on 2026-12-07 in California: the records of 2026-12-08 (UTC)
    are the run date's own. Before: they were 'dated after the run's date ... A clock ahead?'."""
    _pin(monkeypatch, dt.datetime(2026, 12, 8, 3, 0, tzinfo=UTC), "America/Los_Angeles")
    log = _log(tmp_path / "today.jsonl", dt.datetime(2026, 12, 8, 2, tzinfo=UTC))
    run = cli("usage", log, "--forecast")
    assert run.exit_code == 0, run.stderr
    assert "A clock ahead" not in run.stderr + run.stdout
    doc = cli.json("usage", log, "--forecast")
    assert (doc["as_of"], doc["after_run_date"]) == ("2026-12-08", None)
    assert doc["forecast"]["through"] == "2026-12-08"


def test_the_real_clock_gives_one_date_in_every_time_zone() -> None:
    """The unpinned clock, in processes with TZ set 26 hours apart (UTC+14 and UTC-12), whose local
    dates always differ: the run's date is the same in both. Before: it differed, every time."""
    script = "from gpt41cost import lifecycle; print(lifecycle.today().isoformat())"

    def day(zone: str) -> str:
        env = {"TZ": zone, "PATH": "/usr/bin:/bin"}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    for _ in range(3):  # a UTC midnight between the two runs: ask again
        east, west = day("Pacific/Kiritimati"), day("Etc/GMT+12")
        if east == west:
            break
    assert east == west
