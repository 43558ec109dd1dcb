"""Deterministic generator of realistic Chat Completions response logs (JSONL) for bench_usage.py.

Each line is a full ``chat.completion`` body as the API returns it (choices with message text,
tool calls whose arguments are escaped JSON, logprobs null, usage with details, service_tier,
system_fingerprint). About 800 bytes a line on average. Same seed, same bytes.

    python bench/gen_usage.py bench/data/chat-1m.jsonl --lines 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

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
    "usage: {\"usage\": 1} model service_tier priority"
)
WORDS = _TEXT.split(" ")
FINGERPRINTS = ["fp_b38e740b47", "fp_6f2eabb9a5", "fp_e0a24d6d4d"]
DAY0 = 1_745_000_000  # 2025-04-18T18:13:20Z


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def line(rng: random.Random, i: int) -> bytes:
    model = rng.choices([m for m, _ in MODELS], weights=[w for _, w in MODELS])[0]
    prompt = int(rng.lognormvariate(7.0, 1.0)) + 20
    cached = 0
    if prompt >= 1024 and rng.random() < 0.55:
        cached = 1024 + 128 * rng.randrange(0, (prompt - 1024) // 128 + 1)
    completion = int(rng.lognormvariate(5.0, 0.8)) + 1
    reasoning = 0
    tool = rng.random() < 0.15
    message: dict[str, object] = {"role": "assistant", "content": None if tool else _text(rng, rng.randrange(8, 52))}
    if tool:
        args = json.dumps({"order_id": f"A-{rng.randrange(10**6)}", "note": _text(rng, 12), "usage": {"x": 1}})
        message["tool_calls"] = [
            {"id": f"call_{rng.getrandbits(64):016x}", "type": "function",
             "function": {"name": "lookup_order", "arguments": args}}
        ]
    message["refusal"] = None
    message["annotations"] = []
    body = {
        "id": f"chatcmpl-{rng.getrandbits(96):024x}",
        "object": "chat.completion",
        "created": DAY0 + i * 2 + rng.randrange(2),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if tool else "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "priority" if rng.random() < 0.05 else "default",
        "system_fingerprint": rng.choice(FINGERPRINTS),
    }
    # half the lines written the way json.dumps writes them (\\u escapes), half as raw UTF-8
    return json.dumps(body, ensure_ascii=bool(i % 2), separators=(",", ":")).encode("utf-8") + b"\n"


def generate(path: Path, lines: int, seed: int = 41) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb", buffering=1 << 20) as f:
        for i in range(lines):
            f.write(line(rng, i))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", type=Path)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=41)
    a = ap.parse_args()
    generate(a.path, a.lines, a.seed)
    print(f"wrote {a.path} ({a.path.stat().st_size:,} bytes, {a.lines:,} lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
