"""Session 14, stream14: streamed logs (Chat Completions chunks, Responses events) read as one request
each; the priority tier names kept in one place."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.readers import usage as ru
from gpt41cost.readers.usage import read_usage
from gpt41cost.usage import mode_of

usage_core = importlib.import_module("gpt41cost.usage")
measure = importlib.import_module("gpt41cost.measure")

# -- the service tiers meaning priority: one list -----------------------------------------------


def test_priority_tiers_are_one_list():
    assert usage_core.PRIORITY_TIERS is measure.PRIORITY_TIERS


@pytest.mark.parametrize(
    ("batch", "tier", "mode"),
    [
        pytest.param(False, "priority", "priority", id="priority"),
        pytest.param(False, "fast", "priority", id="fast"),
        pytest.param(False, "default", "standard", id="default"),
        pytest.param(False, "scale", "standard", id="scale"),
        pytest.param(False, None, "standard", id="none"),
        pytest.param(True, "priority", "batch", id="batch-wins"),
    ],
)
def test_mode_of_unchanged(batch, tier, mode):
    assert mode_of(batch, tier) == mode


def test_usage_bills_priority_and_fast_at_priority_prices(cli, tmp_path: Path):
    log = tmp_path / "tiers.jsonl"
    rows = [
        {"model": "gpt-4.1", "service_tier": tier, "usage": {"prompt_tokens": 100_000, "completion_tokens": 0}}
        for tier in ("priority", "fast", "default")
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = cli(["usage", str(log), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    # gpt-4.1: $2.00 per 1M input at standard, $3.50 at priority: 0.35 + 0.35 + 0.20 (100,000 input each:
    # under the long-context threshold, over which priority prices exclude a request, tests/test_fixA15.py)
    assert Decimal(got["total_usd"]) == Decimal("0.90")
    assert [(m["mode"], m["requests"]) for m in got["by_mode"]] == [("priority", 2), ("standard", 1)]


# -- streamed logs: chunks and events that hold no usage by design are passed over --------------


def _chunk(n: int, usage=None, **extra) -> dict:
    return {
        "id": f"chatcmpl-R{n}",
        "object": "chat.completion.chunk",
        "created": 1793491620 + n,
        "model": "gpt-4.1-mini-2025-04-14",
        "service_tier": "default",
        "choices": [] if usage else [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}],
        "usage": usage,
        **extra,
    }


def _chat_stream(n: int, deltas: int = 40) -> list[dict]:
    """One streamed Chat Completions request, chunk by chunk, with stream_options.include_usage: usage
    null on every chunk but the last, whose choices are [] (the OpenAI reference, ChatCompletionStreamOptions)."""
    last = {"prompt_tokens": 2000, "completion_tokens": 40, "total_tokens": 2040}
    last["prompt_tokens_details"] = {"cached_tokens": 1024}  # type: ignore[assignment]
    return [_chunk(n) for _ in range(deltas)] + [_chunk(n, last)]


def _resp_stream(n: int, usage: dict | None = None, done: str = "response.completed") -> list[dict]:
    """One streamed Responses request, event by event; only the last event's response holds the usage."""
    usage = usage or {"input_tokens": 3000, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 100}

    def response(status: str, u: dict | None) -> dict:
        return {
            "id": f"resp_E{n}",
            "object": "response",
            "created_at": 1793491620,
            "model": "gpt-4.1-2025-04-14",
            "status": status,
            "usage": u,
        }

    return [
        {"type": "response.created", "sequence_number": 0, "response": response("in_progress", None)},
        {"type": "response.in_progress", "sequence_number": 1, "response": response("in_progress", None)},
        {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0, "item": {"type": "message"}},
        *(
            {
                "type": "response.output_text.delta",
                "sequence_number": 3 + i,
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "delta": "x",
            }
            for i in range(5)
        ),
        {"type": "response.output_text.done", "sequence_number": 8, "item_id": "msg_1", "text": "xxxxx"},
        {"type": done, "sequence_number": 9, "response": response(done.split(".")[1], usage)},
    ]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


#: (records, input, cached, output) of 3 chat streams and 2 Responses streams
STREAMS = (5, 3 * 2000 + 2 * 3000, 3 * 1024, 3 * 40 + 2 * 100)
#: their chunks and events that hold no usage: 40 chunks per chat stream, 9 events per Responses stream
PASSED_OVER = 3 * 40 + 2 * 9


def _totals(acc) -> tuple[int, int, int, int]:
    g = [sum(v[i] for v in acc.groups.values()) for i in range(1, 4)]
    return (acc.records, *g)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("jobs", "limit"),
    [pytest.param(1, ru.PARALLEL_MIN_BYTES, id="one-process"), pytest.param(2, 0, id="parallel")],
)
def test_streamed_jsonl_counts_each_request_once_and_nothing_bad(tmp_path: Path, jobs, limit):
    rows = [*_chat_stream(0), *_resp_stream(1), *_chat_stream(2), *_chat_stream(3), *_resp_stream(4)]
    f = _jsonl(tmp_path / "s.jsonl", rows)
    acc = read_usage([str(f)], jobs=jobs, parallel_min_bytes=limit, strict=True)
    assert _totals(acc) == STREAMS
    assert acc.skip_counts == {}
    assert acc.not_usage == PASSED_OVER


def test_streamed_chunks_in_a_json_document(tmp_path: Path):
    """The document reader (usage_stream): a pretty-printed array of chunks and events."""
    rows = [*_chat_stream(0), *_resp_stream(1), *_chat_stream(2), *_chat_stream(3), *_resp_stream(4)]
    f = tmp_path / "s.json"
    f.write_text(json.dumps(rows, indent=2))
    acc = read_usage([str(f)], jobs=1, strict=True)
    assert _totals(acc) == STREAMS
    assert acc.skip_counts == {}
    assert acc.not_usage == PASSED_OVER


def test_streamed_chunks_on_the_slow_path(tmp_path: Path):
    """Chunks the typed decoder refuses (created in milliseconds) take the reference parse line by line."""
    rows = [dict(c, created=1793491620000) for c in _chat_stream(0, deltas=3)]
    f = _jsonl(tmp_path / "ms.jsonl", rows)
    acc = read_usage([str(f)], jobs=1, strict=True)
    assert _totals(acc) == (1, 2000, 1024, 40)
    assert acc.skip_counts == {}
    assert acc.not_usage == 3


def test_usage_strict_reads_a_streamed_log(cli, tmp_path: Path):
    rows = [*_chat_stream(0), *_chat_stream(1), *_resp_stream(2)]
    f = _jsonl(tmp_path / "s.jsonl", rows)
    r = cli(["usage", str(f), "--strict", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    got = json.loads(r.stdout)
    assert (got["records"], got["requests"], got["input_tokens"], got["output_tokens"]) == (3, 3, 7000, 180)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        pytest.param(
            [_chunk(0), _chunk(0, {"prompt_tokens": "2000", "completion_tokens": 40})],
            "bad_tokens",
            id="last-chunk-string-count",
        ),
        pytest.param(
            _resp_stream(0, {"input_tokens": 3000, "output_tokens": "100"}),
            "bad_tokens",
            id="completed-string-count",
        ),
        pytest.param(
            [
                *_resp_stream(0)[:-1],
                {"type": "response.failed", "response": {"id": "r", "model": "gpt-4.1", "usage": None}},
            ],
            "no_usage",
            id="failed-usage-null",
        ),
        pytest.param(
            [{"id": "c", "object": "chat.completion", "model": "gpt-4.1", "usage": None}],
            "no_usage",
            id="not-a-chunk-usage-null",
        ),
        pytest.param([{"type": "error", "code": "server_error", "message": "x"}], "no_usage", id="error-event"),
        pytest.param([_chunk(0) | {"usage": "none"}], "no_usage", id="chunk-usage-string"),
    ],
)
def test_bad_records_in_a_stream_are_still_bad(tmp_path: Path, rows, reason):
    f = _jsonl(tmp_path / "b.jsonl", [*_chat_stream(9, deltas=2), *rows])
    acc = read_usage([str(f)], jobs=1)
    assert acc.records == 1
    assert sum(acc.skip_counts.values()) == 1 and reason in acc.skip_counts, acc.skip_counts


def test_a_stream_cut_before_its_usage_says_so(cli, tmp_path: Path):
    """An interrupted stream (no last chunk, no response.completed): nothing to count, and the error says why."""
    f = _jsonl(tmp_path / "cut.jsonl", [*_chat_stream(0, deltas=3)[:-1], *_resp_stream(1)[:-1]])
    r = cli(["usage", str(f)])
    assert r.exit_code == 3
    assert r.stdout == ""
    assert r.stderr == (
        f"gpt41cost: error: {f}: no usage records found; 12 streamed chunks or events hold no usage by design: "
        "a stream's usage is on its last chunk (with stream_options.include_usage) or its response.completed event, "
        "which these do not hold\n"
    )
