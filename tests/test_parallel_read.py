"""Reading a JSONL file on several cores gives exactly what one pass gives."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from pathlib import Path

import pytest

from gpt41cost import spill
from gpt41cost.errors import InputError, Skipped
from gpt41cost.readers import parallel
from gpt41cost.readers import requests as reader
from gpt41cost.readers.requests import BatchFacts, read_requests


def chat(i: int, model: str = "gpt-4.1-mini") -> dict:
    system = "You are a careful assistant. " * (60 if i % 3 == 0 else 2)
    return {
        "model": model,
        "max_tokens": 100 + i,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": f"question {i} " * (i % 7)}],
    }


def batch_file(tmp_path: Path) -> Path:
    lines = []
    for i in range(60):
        line = {"custom_id": f"r{i % 50}", "method": "POST", "url": "/v1/chat/completions", "body": chat(i)}
        if i == 17:
            line["method"] = "GET"
        lines.append(json.dumps(line))
    for k, cid in ((5, ""), (6, 7), (8, None), (9, "é\u2028")):  # ids the log does not hold, or unusual ones
        row = json.loads(lines[k])
        if cid is None:
            del row["custom_id"]
        else:
            row["custom_id"] = cid
        lines[k] = json.dumps(row)
    lines[23] = "{not json"
    lines[41] = json.dumps(
        {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": chat(41, model="gpt-4.1")}
    )
    lines.insert(30, "")
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def one_pass(path: Path, kind: str, catalog, collect: bool):
    facts = BatchFacts()
    skipped: list[InputError] = []
    got = list(read_requests(str(path), kind, catalog, on_error=skipped.append if collect else None, facts=facts))
    return got, facts, [e.message for e in skipped]


@pytest.mark.parametrize("spilled", [False, True])
@pytest.mark.parametrize("parts", [2, 3, 7, 40])
def test_parallel_batch_equals_one_pass(tmp_path, catalog, monkeypatch, parts, spilled):
    if spilled:  # the columns and the id log go to disk after a few items
        monkeypatch.setattr(spill, "SPILL_ITEMS", 3)
        monkeypatch.setattr(spill, "SPILL_BYTES", 5)
        monkeypatch.setattr(reader, "SORT_IDS", 4)
    path = batch_file(tmp_path)
    monkeypatch.setattr(parallel, "RANGES_PER_WORKER", parts)
    want, want_facts, want_skipped = one_pass(path, "batch", catalog, collect=True)
    facts = BatchFacts()
    got, skipped = parallel.read_parallel(str(path), "batch", catalog, image_size=None, collect=True, facts=facts)
    assert got == want
    assert [e.message for e in skipped.first] == want_skipped[: Skipped.KEEP]
    assert len(skipped) == len(want_skipped)
    for name in (
        "lines",
        "file_bytes",
        "requests",
        "models",
        "model_first_line",
        "urls",
        "duplicate_ids",
        "missing_ids",
        "bad_method_url",
        "non_json_lines",
        "bad_lines",
    ):
        assert getattr(facts, name) == getattr(want_facts, name), name
    assert facts.duplicate_ids  # r0..r9 repeat across ranges
    assert facts.non_json_lines == [24]


def test_split_covers_the_file_at_line_starts(tmp_path):
    path = batch_file(tmp_path)
    data = path.read_bytes()
    spans = parallel.split(str(path), len(data), 9)
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    for (a, b, line), (c, _, next_line) in itertools.pairwise(spans):
        assert b == c and data[c - 1 : c] == b"\n"
        assert next_line == line + data[a:b].count(b"\n")


def test_first_bad_line_in_file_order_is_the_error(tmp_path, catalog, monkeypatch):
    monkeypatch.setattr(parallel, "RANGES_PER_WORKER", 5)
    p = tmp_path / "prompts.jsonl"
    rows = [json.dumps(f"prompt number {i}") for i in range(50)]
    rows[12] = "{bad"
    rows[44] = "{worse"
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match="line 13 is not valid JSON"):
        parallel.read_parallel(str(p), "prompts", catalog, image_size=None, collect=False, facts=None)


def test_eligibility(tmp_path):
    assert not parallel.eligible("f", "chat", 10**9)
    assert not parallel.eligible("f", "batch", 10)
    assert parallel.eligible("f", "batch", parallel.PARALLEL_MIN_BYTES) == (
        (__import__("os").cpu_count() or 1) > 1 and __import__("sys").platform.startswith("linux")
    )


def test_a_record_crosses_processes_whole() -> None:
    import pickle

    from gpt41cost.measure import Measured

    m = Measured(
        "f.jsonl",
        "batch",
        {"gpt-4.1": 3, "gpt-4.1-mini": 3},
        line=4,
        model="gpt-4.1",
        max_output_tokens=5,
        custom_id="c",
        uncounted=("u",),
        cache_blocks={"gpt-4.1": (1, 2)},
        training_tokens=7,
        notes=("n",),
    )
    back = pickle.loads(pickle.dumps(m))
    assert back == m and [getattr(back, f) for f in m.__slots__] == [getattr(m, f) for f in m.__slots__]
    assert m.without_blocks() == dataclasses.replace(m, cache_blocks=None)


@pytest.mark.parametrize("spilled", [False, True])
def test_gather_keeps_each_record_with_its_custom_id(tmp_path, catalog, monkeypatch, spilled):
    from gpt41cost.readers.inputs import gather

    if spilled:
        monkeypatch.setattr(spill, "SPILL_ITEMS", 2)
        monkeypatch.setattr(spill, "SPILL_BYTES", 3)

    path = batch_file(tmp_path)
    want, _, _ = one_pass(path, "batch", catalog, collect=True)
    got = gather([str(path), str(path)], catalog).measured  # one pass each, two logs
    assert list(got) == want + want
    assert [m.custom_id for m in got][:10] == [m.custom_id for m in want][:10]
    assert {m.custom_id for m in want} >= {"", None, "é\u2028", "r0"}


def test_many_bad_lines_keep_the_first_few_in_file_order_and_count_the_rest(tmp_path, catalog, monkeypatch):
    lines = [json.dumps(f"prompt {i}") if i % 3 else "{bad " + str(i) for i in range(90)]
    path = tmp_path / "prompts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(parallel, "RANGES_PER_WORKER", 7)
    want, _, want_skipped = one_pass(path, "prompts", catalog, collect=True)
    got, skipped = parallel.read_parallel(str(path), "prompts", catalog, image_size=None, collect=True, facts=None)
    assert got == want and len(want_skipped) == 30
    assert len(skipped) == 30 and [e.message for e in skipped.first] == want_skipped[: Skipped.KEEP]
    assert "line 1 " in skipped.first[0].message and "line 28 " in skipped.first[-1].message


@pytest.mark.parametrize("ahead", [1, 3])
def test_ranges_handed_out_ahead_of_the_parent_are_bounded(tmp_path, catalog, monkeypatch, ahead):
    """A slow parent does not let finished ranges pile up: at most AHEAD_PER_WORKER per worker
    are handed out and not yet taken in, and the result is the same."""
    import time

    path = batch_file(tmp_path)
    monkeypatch.setattr(parallel, "RANGES_PER_WORKER", 12)
    monkeypatch.setattr(parallel, "AHEAD_PER_WORKER", ahead)
    handed, taken, most = [0], [0], [0]
    numbered = parallel.numbered

    def counting(*args):  # runs in the pool's task thread, in this process
        for span in numbered(*args):
            handed[0] += 1
            most[0] = max(most[0], handed[0] - taken[0])
            yield span

    def slow_parent(nbytes: int) -> None:
        taken[0] += 1
        time.sleep(0.01)

    monkeypatch.setattr(parallel, "numbered", counting)
    want, _, _ = one_pass(path, "batch", catalog, collect=True)
    got, _ = parallel.read_parallel(
        str(path), "batch", catalog, image_size=None, collect=True, facts=BatchFacts(), on_bytes=slow_parent
    )
    assert got == want
    workers = min(os.cpu_count() or 1, taken[0])
    assert taken[0] > workers * ahead + 1 and most[0] <= workers * ahead + 1


def test_an_error_with_ranges_waiting_for_a_slot_ends_the_read(tmp_path, catalog, monkeypatch):
    path = batch_file(tmp_path)
    monkeypatch.setattr(parallel, "RANGES_PER_WORKER", 20)
    monkeypatch.setattr(parallel, "AHEAD_PER_WORKER", 1)
    with pytest.raises(InputError, match="line 24"):  # the first bad line, reading does not hang
        parallel.read_parallel(str(path), "batch", catalog, image_size=None, collect=False, facts=BatchFacts())
