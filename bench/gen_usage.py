"""Deterministic generator of usage logs (JSONL) for bench_usage.py, in every common layout.

The same records (same seed: same models, tokens, days and ids) are written in each layout, so
every layout sums to the same totals:

- ``compact``: ``resp.model_dump_json()`` - no spaces, raw UTF-8 (the API's own key order);
- ``default``: ``json.dumps(resp.model_dump())`` - a space after ``:`` and ``,``, ``\\u`` escapes;
- ``reordered``: keys sorted (``json.dumps(..., sort_keys=True)``), usage before model;
- ``extra``: extra and unknown fields (request metadata, a latency, tags, a copy of the prompt),
  at the top and inside ``usage``, default separators;
- ``unicode``: ``json.dumps(..., ensure_ascii=False)``: default separators, raw UTF-8;
- ``responses``: Responses API objects (``object: "response"``, ``created_at``, ``output`` items,
  ``input_tokens``/``output_tokens``) as ``model_dump_json()`` writes them;
- ``batch``: Batch API output lines (``custom_id``, ``response.status_code``, ``response.body``);
- ``gzip``: the ``default`` layout, gzip-compressed (level 6, as the gzip command writes it).

Each Chat line is a full ``chat.completion`` body (choices with message text, tool calls whose
arguments are escaped JSON, logprobs null, usage with details, service_tier, system_fingerprint),
about 800 bytes. Same seed, same bytes.

    python bench/gen_usage.py bench/data/usage-default-1000000.jsonl --layout default --lines 1000000
    python bench/gen_usage.py bench/data/usage-gzip-1000000.jsonl.gz --layout gzip
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LAYOUTS = ("compact", "default", "reordered", "extra", "unicode", "responses", "batch", "gzip")
MODELS = [
    ("gpt-4.1-2025-04-14", 30),
    ("gpt-4.1-mini-2025-04-14", 45),
    ("gpt-4.1-nano-2025-04-14", 15),
    ("gpt-4.1-mini", 4),
    ("ft:gpt-4.1-mini-2025-04-14:acme::B7x9Qz1k", 4),
    ("gpt-4o-2024-08-06", 2),  # not in the catalog: must show as unpriced
]
_TEXT = (
    "the invoice total order customer shipping refund policy account summary please note "
    "résumé café naïve 東京 données über straße — “quoted” 'single' tab\there back\\slash "
    'usage: {"usage": 1} model service_tier priority'
)
WORDS = _TEXT.split(" ")
FINGERPRINTS = ["fp_b38e740b47", "fp_6f2eabb9a5", "fp_e0a24d6d4d"]
DAY0 = 1_745_000_000  # 2025-04-18T18:13:20Z


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def chat(rng: random.Random, i: int) -> dict[str, Any]:
    """One Chat Completions response as the API returns it (its key order)."""
    model = rng.choices([m for m, _ in MODELS], weights=[w for _, w in MODELS])[0]
    prompt = int(rng.lognormvariate(7.0, 1.0)) + 20
    cached = 0
    if prompt >= 1024 and rng.random() < 0.55:
        cached = 1024 + 128 * rng.randrange(0, (prompt - 1024) // 128 + 1)
    completion = int(rng.lognormvariate(5.0, 0.8)) + 1
    tool = rng.random() < 0.15
    message: dict[str, object] = {"role": "assistant", "content": None if tool else _text(rng, rng.randrange(8, 52))}
    if tool:
        args = json.dumps({"order_id": f"A-{rng.randrange(10**6)}", "note": _text(rng, 12), "usage": {"x": 1}})
        message["tool_calls"] = [
            {
                "id": f"call_{rng.getrandbits(64):016x}",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": args},
            }
        ]
    message["refusal"] = None
    message["annotations"] = []
    return {
        "id": f"chatcmpl-{rng.getrandbits(96):024x}",
        "object": "chat.completion",
        "created": DAY0 + i * 2 + rng.randrange(2),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if tool else "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "priority" if rng.random() < 0.05 else "default",
        "system_fingerprint": rng.choice(FINGERPRINTS),
    }


def responses(body: dict[str, Any]) -> dict[str, Any]:
    """The same request as a Responses API object (``model_dump()`` key order)."""
    u, msg = body["usage"], body["choices"][0]["message"]
    if msg.get("tool_calls"):
        fn = msg["tool_calls"][0]
        output: list[dict[str, Any]] = [
            {
                "arguments": fn["function"]["arguments"],
                "call_id": fn["id"],
                "name": fn["function"]["name"],
                "type": "function_call",
                "id": "fc_" + fn["id"][5:],
                "status": "completed",
            }
        ]
    else:
        output = [
            {
                "id": "msg_" + body["id"][9:],
                "content": [{"annotations": [], "text": msg["content"], "type": "output_text", "logprobs": []}],
                "role": "assistant",
                "status": "completed",
                "type": "message",
            }
        ]
    return {
        "id": "resp_" + body["id"][9:],
        "created_at": float(body["created"]),
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "model": body["model"],
        "object": "response",
        "output": output,
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "max_output_tokens": None,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": body["service_tier"],
        "status": "completed",
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "truncation": "disabled",
        "usage": {
            "input_tokens": u["prompt_tokens"],
            "input_tokens_details": {"cached_tokens": u["prompt_tokens_details"]["cached_tokens"]},
            "output_tokens": u["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": u["total_tokens"],
        },
        "user": None,
        "store": True,
    }


def batch_line(body: dict[str, Any], i: int) -> dict[str, Any]:
    """The same response as a line of a Batch API output file."""
    return {
        "id": f"batch_req_{body['id'][9:]}",
        "custom_id": f"request-{i}",
        "response": {"status_code": 200, "request_id": body["id"][9:41], "body": body},
        "error": None,
    }


def with_extra(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A log line as an app writes it: its own fields around the response, and extra usage keys."""
    out = {
        "logged_at": f"2025-04-18T18:{rng.randrange(60):02d}:00.{rng.randrange(10**6):06d}Z",
        "x_request_id": f"req_{rng.getrandbits(64):016x}",
        "latency_ms": round(rng.uniform(80, 9000), 3),
    }
    out.update(body)
    out["usage"] = dict(body["usage"], cost_usd=round(rng.uniform(0, 0.02), 6), x_unknown={"n": [1, 2.5, None]})
    out["request"] = {
        "temperature": 0.2,
        "tags": ["prod", "eu", rng.choice(["a", "b"])],
        "prompt_preview": _text(rng, 10),
        "stream": False,
    }
    return out


def render(layout: str, body: dict[str, Any], i: int, rng: random.Random) -> bytes:
    if layout == "compact":
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    elif layout in ("default", "gzip"):
        text = json.dumps(body)
    elif layout == "reordered":
        text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    elif layout == "extra":
        text = json.dumps(with_extra(body, rng))
    elif layout == "unicode":
        text = json.dumps(body, ensure_ascii=False)
    elif layout == "responses":
        text = json.dumps(responses(body), separators=(",", ":"), ensure_ascii=False)
    elif layout == "batch":
        text = json.dumps(batch_line(body, i), separators=(",", ":"))
    else:
        raise ValueError(f"unknown layout {layout!r}; one of {', '.join(LAYOUTS)}")
    return text.encode("utf-8") + b"\n"


def lines(layout: str, n: int, seed: int = 41) -> Iterator[bytes]:
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # the extra fields do not change the records
    for i in range(n):
        yield render(layout, chat(rng, i), i, extra)


def generate(path: Path, n: int, layout: str = "compact", seed: int = 41) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb", buffering=1 << 20) as raw:
        f = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if layout == "gzip" else raw
        block: list[bytes] = []
        for line in lines(layout, n, seed):
            block.append(line)
            if len(block) == 4096:
                f.write(b"".join(block))
                block = []
        f.write(b"".join(block))
        if f is not raw:
            f.close()
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--layout", choices=LAYOUTS, default="compact")
    ap.add_argument("--seed", type=int, default=41)
    a = ap.parse_args()
    generate(a.path, a.lines, a.layout, a.seed)
    print(f"wrote {a.path} ({a.path.stat().st_size:,} bytes, {a.lines:,} lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
