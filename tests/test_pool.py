"""A large request file read on every core (readers/pool.py) gives exactly the report one pass
gives, and a reading process killed from outside ends the run with one clear error."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from gpt41cost.errors import ExitCode
from gpt41cost.readers import inputs, pool

from .conftest import DATA, Cli
from .test_images import png_header

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]


def chat(i: int, model: str = "gpt-4.1-mini") -> dict:
    system = "You are a careful assistant. " * (300 if i % 3 == 0 else 2)
    messages: list[dict] = [
        {"role": "system", "content": system},
        {"role": "user", "content": f"question {i} " * (i % 7)},
    ]
    if i % 11 == 4:  # an image: the models' cache blocks differ from here on
        url = "data:image/png;base64," + base64.b64encode(png_header(900 + i, 700)).decode()
        messages.insert(1, {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]})
    return {"model": model, "max_tokens": 100 + i, "messages": messages}


def batch_file(tmp_path: Path) -> Path:
    """Bad lines, a blank line, repeated and missing custom_ids, a second model, an over-long cap:
    findings that span the ranges."""
    lines = []
    for i in range(90):
        line = {"custom_id": f"r{i % 70}", "method": "POST", "url": "/v1/chat/completions", "body": chat(i)}
        if i == 17:
            line["method"] = "GET"
        if i in (5, 66):
            del line["custom_id"]
        lines.append(json.dumps(line))
    lines[23] = "{not json"
    lines[41] = json.dumps(
        {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": chat(41, "gpt-4.1")}
    )
    lines[52] = json.dumps(
        {"custom_id": "y", "method": "POST", "url": "/v1/chat/completions", "body": {**chat(52), "max_tokens": 10**6}}
    )
    lines.insert(30, "")
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.fixture
def small_ranges(small_ranges: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """conftest's, with ranges of 16 KB: the files here (250-290 KB, lines of up to 9 KB) are read
    in some 16-18 ranges of a few lines each (at 2 KB: 32, most of them one line)."""

    def use() -> None:
        small_ranges()
        monkeypatch.setattr(pool, "RANGE_BYTES", 16 << 10)

    return use


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """Every run here is ``gpt41cost estimate ARGS -f json --pricing <the frozen test catalog>``."""
    return cli.bound("estimate", tail=["-f", "json", *FIXTURE])


def read_by_workers(monkeypatch: pytest.MonkeyPatch, folder: Path, workers: int) -> Callable[[], list[tuple[int, int]]]:
    """From then on, each range a worker reads of a request file is noted (a file in ``folder``
    named by the worker's pid and the range's first byte); a worker's first range waits until
    ``workers`` of them have one each, so every worker reads a part however they are scheduled.
    Returns: what was noted so far, as (pid, first byte) in file order."""
    folder.mkdir()
    meeting = multiprocessing.get_context("fork").Barrier(workers, timeout=30)  # the workers fork with it
    waited: set[int] = set()  # in each worker, its own
    real = inputs.read_requests

    def noted(*args, span=None, **kw):  # type: ignore[no-untyped-def]
        if span is not None:
            if os.getpid() not in waited:
                waited.add(os.getpid())
                meeting.wait()
            (folder / f"{os.getpid()}-{span[0]}").touch()
        return real(*args, span=span, **kw)

    monkeypatch.setattr(inputs, "read_requests", noted)

    def seen() -> list[tuple[int, int]]:
        names = (p.name.split("-") for p in folder.iterdir())
        return sorted(((int(pid), int(start)) for pid, start in names), key=lambda got: got[1])

    return seen


@pytest.mark.needs_fork
@pytest.mark.parametrize("how", [[], ["--cache-warm"], ["--skip-bad"], ["--cache", "none"]])
def test_batch_file_on_every_core_equals_one_pass(cli, tmp_path, small_ranges, monkeypatch, how):
    path = batch_file(tmp_path)
    one = cli(str(path), *how)
    assert one.exit_code == ExitCode.CHECK_FAILED and "custom_id" in one.stdout
    small_ranges()
    spans = pool.spans(str(path), path.stat().st_size)
    assert len(spans) > 5
    cores = min(os.cpu_count() or 1, len(spans))
    seen = read_by_workers(monkeypatch, tmp_path / "read", cores)
    assert cli(str(path), *how) == one
    # read on every core: each range once, by a worker (not this process), every worker a part
    read = seen()
    assert [start for _, start in read] == [start for start, _, _ in spans]
    assert len({pid for pid, _ in read}) == cores and os.getpid() not in {pid for pid, _ in read}


@pytest.mark.needs_fork
@pytest.mark.parametrize("kind", ["prompts", "finetune"])
def test_other_jsonl_kinds_on_every_core_equal_one_pass(cli, tmp_path, small_ranges, kind):
    rows = []
    for i in range(80):
        body = chat(i, "gpt-4.1")
        rows.append(
            body["messages"]
            if kind == "prompts"
            else {"messages": [*body["messages"], {"role": "assistant", "content": "ok"}]}
        )
    path = tmp_path / f"{kind}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    one = cli(str(path), "--as", kind)
    assert one.exit_code == 0, one.stderr
    small_ranges()
    assert cli(str(path), "--as", kind) == one
    # A bad line stops the run with the first bad line in file order, as one pass does.
    lines = path.read_text().splitlines()
    lines[50], lines[70] = "[1, 2", "{"
    path.write_text("\n".join(lines) + "\n")
    firsts = [line for _, _, line in pool.spans(str(path), path.stat().st_size)]
    assert sum(51 < first <= 71 for first in firsts) > 1  # lines 51 and 71 ranges apart
    got = cli(str(path), "--as", kind)
    assert got.exit_code == ExitCode.INPUT and "line 51" in got.stderr and got.stdout == ""


@pytest.mark.needs_fork
def test_a_killed_reading_process_ends_the_run_with_an_error(cli, tmp_path, small_ranges, monkeypatch):
    path = batch_file(tmp_path)
    small_ranges()
    real = inputs.read_requests

    def dies_on_its_third_range(*args, span=None, **kw):  # type: ignore[no-untyped-def]
        if span is not None and span[2] > 40:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, span=span, **kw)

    monkeypatch.setattr(inputs, "read_requests", dies_on_its_third_range)
    r = cli(path)
    assert r.exit_code == ExitCode.INPUT and r.stdout == ""
    assert "a reading process ended unexpectedly" in r.stderr and str(path) in r.stderr


def test_calls_in_several_threads_at_once_each_run_their_own_function(tmp_path, forks_from_threads):
    """What the workers run is set before they fork: calls from two threads at once must not hand
    one's workers the other's function (or none, once the other has finished)."""
    import threading

    source = str(tmp_path / "f")
    got: dict[tuple[str, int], object] = {}

    def call(tag: str, turn: int) -> None:
        def read(item: int) -> tuple[str, int]:
            return tag, item

        try:
            got[tag, turn] = list(pool.map_spans(source, read, range(12), workers=2))
        except Exception as exc:  # the test reports it
            got[tag, turn] = exc

    for turn in range(2):
        threads = [threading.Thread(target=call, args=(tag, turn)) for tag in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert got == {(tag, turn): [(tag, i) for i in range(12)] for tag in "ab" for turn in range(2)}


def test_ranges_start_at_line_starts_with_their_first_line_numbers(tmp_path, monkeypatch):
    # Long lines and short ones (their line ends are found in two ways), read a small block at a time.
    monkeypatch.setattr(pool, "_BLOCK", 4096)
    monkeypatch.setattr(pool, "RANGE_BYTES", 16384)
    rows = [b"x" * (n * 7 % 700) for n in range(600)] + [b"y"] * 3000 + [b"z" * 300] * 100
    data = b"".join(r + b"\n" for r in rows) + b"no line end"
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    got = pool.spans(str(path), len(data), workers=2)
    assert [start for start, _, _ in got] == [0, *(end for _, end, _ in got[:-1])]
    assert got[-1][1] == len(data)
    for start, _, line in got:
        assert start == 0 or data[start - 1] == ord("\n")
        assert line == data.count(b"\n", 0, start) + 1
    sizes = [end - start for start, end, _ in got]
    assert sizes[-1] < sizes[0] // 2  # the last ranges are shorter, so the workers finish together
    for block in (data[:4096], data[300_000:304_096], data[-4096:], b"", b"\n\n"):
        for end in (0, 1, len(block) // 2, len(block)):
            assert pool._line_ends(block, end) == block.count(b"\n", 0, end)


def test_a_range_ending_inside_a_line_reads_that_line_whole(tmp_path, catalog):
    from gpt41cost.readers.requests import read_requests

    rows = [{"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": chat(i)} for i in range(4)]
    lines = [json.dumps(row).encode() + b"\n" for row in rows]
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(lines))
    second, third = len(lines[0]), len(lines[0]) + len(lines[1])  # where lines 2 and 3 start

    def read(start: int, end: int, first: int) -> list[str | None]:
        return [m.custom_id for m in read_requests(str(path), "batch", catalog, span=(start, end, first))]

    assert read(second, third + 5, 2) == ["r1", "r2"]  # line 3 starts in the range: all of it
    assert read(second, third, 2) == ["r1"]
    assert read(third, third + 10**6, 3) == ["r2", "r3"]


@pytest.mark.parametrize(
    "cores", [False, pytest.param(True, marks=pytest.mark.needs_fork)], ids=["one-pass", "every-core"]
)
def test_a_file_named_twice_is_two_inputs_each_with_its_own_figures(cli, tmp_path, small_ranges, monkeypatch, cores):
    """``estimate b.jsonl b.jsonl --per-input``: two inputs, each with its requests' tokens (the
    second showed 0 and the first both, one group of the totals for the two); each pre-flight's
    input tokens are its file's, taken from the totals, which count each request's size once.
    The file alone is read in one pass (on every core it gives the same: the test above)."""
    path = batch_file(tmp_path)
    alone = json.loads(cli(str(path), "--per-input").stdout)
    read: list[str] = []  # the files read on every core
    map_spans = pool.map_spans
    monkeypatch.setattr(pool, "map_spans", lambda source, *a, **kw: read.append(source) or map_spans(source, *a, **kw))
    if cores:
        small_ranges()
    twice = json.loads(cli(str(path), str(path), "--per-input").stdout)
    assert read == [str(path)] * 2 * cores
    (one,) = alone["inputs"]
    assert [(i["requests"], [m["input_tokens"] for m in i["models"]]) for i in twice["inputs"]] == [
        (one["requests"], [m["input_tokens"] for m in one["models"]])
    ] * 2
    assert one["models"][0]["input_tokens"] > 0
    (check,) = alone["batch_preflight"]
    assert [c["input_tokens_by_model"] for c in twice["batch_preflight"]] == [check["input_tokens_by_model"]] * 2
    assert check["input_tokens_by_model"] == {m["model"]: m["input_tokens"] for m in one["models"]}
