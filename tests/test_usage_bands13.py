"""``read_usage(bands=False)`` and ``api.usage(cache_by_size=False)`` (what the ``usage`` command
reads with): every figure but the (input band, cached tokens) histogram is the same, on the typed
path, the full parse, in one process and in several; the histogram is left empty, and the next read
counts it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt41cost import api
from gpt41cost.readers import usage as ru
from gpt41cost.readers.usage import read_usage
from gpt41cost.report import render
from gpt41cost.usage import Accumulator

from .test_usage_speedpath import _write, reference

#: (seed, lines, share broken) -> the log's bytes, its lines and their reference parse, made once
#: for the tests that read the same log (test_usage14_bands too): some 25 ms a log of 500 lines.
_LOGS: dict[tuple[int, int, float], tuple[bytes, list[bytes], Accumulator]] = {}


def _log(tmp_path: Path, seed: int, n: int, broken: float) -> tuple[Path, list[bytes], Accumulator]:
    """:func:`_write`'s log in ``tmp_path``, its lines and their reference parse (only read)."""
    key = (seed, n, broken)
    if key not in _LOGS:
        f, lines = _write(tmp_path, seed, n, broken)
        _LOGS[key] = (f.read_bytes(), lines, reference(lines))
        return f, lines, _LOGS[key][2]
    data, lines, want = _LOGS[key]
    f = tmp_path / "log.jsonl"
    f.write_bytes(data)
    return f, lines, want


def _same_but_bands(a, b) -> None:
    assert a.groups == b.groups
    assert a.hist == b.hist
    assert a.records == b.records
    assert a.skip_counts == b.skip_counts
    assert [(s.line, s.reason) for s in a.skips] == [(s.line, s.reason) for s in b.skips]
    assert a.failed_batch == b.failed_batch
    assert a.duplicates == b.duplicates


@pytest.mark.parametrize("broken", [pytest.param(0.0, id="clean"), pytest.param(0.2, id="broken")])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_read_without_bands_has_every_other_figure(tmp_path, broken, jobs):
    f, _, want = _log(tmp_path, 13, 600, broken)
    assert want.bands  # the reference counts them
    got = read_usage([str(f)], jobs=jobs, parallel_min_bytes=0, bands=False)
    _same_but_bands(got, want)
    assert got.bands == {}
    # the next read counts them again
    assert read_usage([str(f)], jobs=jobs, parallel_min_bytes=0).bands == want.bands


def test_usage_without_the_cache_by_size_reports_the_same(tmp_path, small_usage_ranges):
    f, _ = _write(tmp_path, 14, 300, 0.1)
    full = api.usage([str(f)], as_of="2026-12-06", jobs=2)
    lean = api.usage([str(f)], as_of="2026-12-06", jobs=2, cache_by_size=False)
    small_usage_ranges(f)  # read by 2 processes, in ranges (the log is far below the 8 MiB for that)
    assert any(c.bands for c in full.result.calibration.models.values())
    assert not any(c.bands for c in lean.result.calibration.models.values())
    for fmt in ("json", "table", "csv", "markdown"):
        assert render(lean.report(), fmt) == render(full.report(), fmt)


def test_the_command_reads_without_bands_and_reports_what_the_api_does(tmp_path, cli, monkeypatch):
    f, _ = _write(tmp_path, 15, 300, 0.1)
    asked: list[bool] = []
    original = ru.read_usage

    def spy(*args, **kw):
        asked.append(kw["bands"])
        return original(*args, **kw)

    monkeypatch.setattr(ru, "read_usage", spy)
    r = cli("usage", str(f), "--format", "json", "--as-of", "2026-12-06", expect=0)
    assert asked == [False]
    full = original([str(f)])  # as the API reads by default: with the bands
    assert full.bands
    want = render(api.usage([str(f)], as_of="2026-12-06").report(), "json")
    assert r.stdout == want
