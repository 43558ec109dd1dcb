"""Langfuse observation exports are usage records. Before, such a row ended with "no usage records
found ... usage has neither prompt_tokens/completion_tokens ... nor input_tokens/output_tokens",
exit 3.

The keys rest on Langfuse's own code: its ingestion turns OpenAI's usage into ``usageDetails``
with ``input`` less each ``prompt_tokens_details`` count, that count under ``input_`` + its key
(``input_cached_tokens``); its observations API sums every type starting with ``input`` (``output``)
into the input (output) usage it reports under ``usage``; its price list prices ``input``,
``input_cached_tokens``, ``input_cache_read`` and ``output`` of OpenAI's models apart."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gpt41cost
from gpt41cost.readers import usage as ru

from .test_usage_speedpath import reference, same, scan


def _obs(n: int, day: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"obs-{n}",
        "traceId": f"trace-{n}",
        "type": "GENERATION",
        "name": "chat",
        "startTime": f"{day}T10:00:00.000Z",
        "endTime": f"{day}T10:00:01.200Z",
        "model": "gpt-4.1-mini",
        "input": [{"role": "user", "content": "Summarize the ticket."}],
        "output": {"role": "assistant", "content": "Done."},
    }
    row.update(fields)
    return row


#: The reviewer's row: usage in TOKENS and usageDetails, no cached type.
PLAIN = _obs(
    1,
    "2026-12-03",
    usage={"input": 1200, "output": 300, "total": 1500, "unit": "TOKENS"},
    usageDetails={"input": 1200, "output": 300, "total": 1500},
)
#: OpenAI's prompt_tokens 2000 with cached_tokens 1024, as Langfuse's ingestion keeps them.
CACHED = _obs(
    2,
    "2026-12-04",
    usage={"input": 2000, "output": 100, "total": 2100, "unit": "TOKENS"},
    usageDetails={"input": 976, "input_cached_tokens": 1024, "output": 100, "total": 2100},
)
#: LangChain's cache_read, and a reasoning type that is output.
CACHE_READ = _obs(
    3,
    "2026-12-04",
    usageDetails={"input": 500, "input_cache_read": 1500, "output": 40, "output_reasoning_tokens": 60, "total": 2100},
)
#: An older export: usage only, in TOKENS (no cached count: none cached).
USAGE_ONLY = _obs(4, "2026-12-05", usage={"input": 500, "output": 50, "total": 550, "unit": "TOKENS"})
#: A span of the same trace: no model, no usage by design.
SPAN = _obs(
    5,
    "2026-12-03",
    type="SPAN",
    model=None,
    usage={"input": 0, "output": 0, "total": 0, "unit": None},
    usageDetails={},
)
ROWS = [PLAIN, CACHED, CACHE_READ, USAGE_ONLY, SPAN]


def _write(tmp_path, rows, layout: str):
    path = tmp_path / f"langfuse.{layout}"
    if layout == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif layout == "page":  # a page of the observations API
        path = tmp_path / "langfuse-page.json"
        path.write_text(json.dumps({"data": rows, "meta": {"page": 1, "totalItems": len(rows)}}), encoding="utf-8")
    else:
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path


def test_the_reviewers_row_is_read(cli, tmp_path) -> None:
    """Before: exit 3, "no usage records found". gpt-4.1-mini: 1,200 x $0.40 + 300 x $1.60 per 1M,
    the cost Langfuse itself gives the row."""
    doc = cli.json("usage", _write(tmp_path, [PLAIN], "jsonl"))
    assert (doc["requests"], doc["input_tokens"], doc["cached_input_tokens"], doc["output_tokens"]) == (1, 1200, 0, 300)
    assert Decimal(doc["total_usd"]) == Decimal("0.00096")
    assert [d["day"] for d in doc["by_day"]] == ["2026-12-03"]


@pytest.mark.parametrize(
    "layout", [pytest.param("jsonl", id="jsonl"), pytest.param("json", id="document"), pytest.param("page", id="page")]
)
def test_every_usage_type_is_read_in_every_layout(cli, tmp_path, layout) -> None:
    """input = every input* type, cached = input_cached_tokens + input_cache_read, output = every
    output* type; the span passed over (not a bad record); the API gives the command's figures."""
    path = _write(tmp_path, ROWS, layout)
    doc = cli.json("usage", path)
    assert doc["skipped"] == {} and doc["requests"] == 4 and doc["undated_requests"] == 0
    assert doc["input_tokens"] == 1200 + 2000 + 2000 + 500
    assert doc["cached_input_tokens"] == 1024 + 1500
    assert doc["output_tokens"] == 300 + 100 + 100 + 50
    # $0.40 input, $0.10 cached, $1.60 output per 1M
    usd = (Decimal(1200 + 976 + 500 + 500) * Decimal("0.4") + Decimal(2524) * Decimal("0.1")) / 10**6
    usd += Decimal(550) * Decimal("1.6") / 10**6
    assert Decimal(doc["total_usd"]) == usd
    assert gpt41cost.usage(path).to_dict()["total_usd"] == doc["total_usd"]
    # USAGE_ONLY keeps no cached count: priced with none cached and said so, as a LiteLLM row is
    # (before: priced so and not said); the rows with usageDetails keep one, even when it is none
    assert [n for n in doc["notes"] if "No cached-token count" in n] == [
        "No cached-token count in 1 record (LiteLLM spend-log rows with no usage_object or additional_usage_values "
        "in their metadata, Langfuse observations with usage and no usageDetails): priced with none cached, so that "
        "cost is an upper bound."
    ]


def test_a_usage_in_another_unit_is_a_bad_record_naming_it(cli, tmp_path) -> None:
    row = _obs(6, "2026-12-03", usage={"input": 40, "output": 9, "unit": "CHARACTERS"})
    run = cli("usage", _write(tmp_path, [row], "jsonl"))
    assert run.exit_code == 3 and run.stdout == ""
    assert 'usage.unit is "CHARACTERS", not TOKENS' in run.stderr


def test_a_bad_count_in_usage_details_is_a_bad_record_naming_it(cli, tmp_path) -> None:
    row = _obs(7, "2026-12-03", usageDetails={"input": 10, "input_cached_tokens": -1, "output": 3})
    run = cli("usage", _write(tmp_path, [row], "jsonl"))
    assert run.exit_code == 3 and run.stdout == ""
    assert "usageDetails.input_cached_tokens is negative" in run.stderr


_COUNT = st.integers(0, 5000)
_DETAILS = st.dictionaries(
    st.sampled_from(["input", "output", "total", "input_cached_tokens", "input_cache_read", "input_audio_tokens"]),
    _COUNT,
)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.one_of(
            _DETAILS.map(lambda d: _obs(8, "2026-12-02", usageDetails=d)),
            st.tuples(_COUNT, _COUNT).map(
                lambda c: _obs(9, "2026-12-02", usage={"input": c[0], "output": c[1], "unit": "TOKENS"})
            ),
            st.just(SPAN),
            st.just(json.loads(json.dumps(PLAIN))),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_fast_path_counts_langfuse_rows_as_the_full_parse_does(rows) -> None:
    lines = [json.dumps(r).encode() for r in rows]
    ru._untyped[0] = 0
    same(scan(lines), reference(lines))
