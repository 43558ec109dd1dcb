"""Deterministic generator of a realistic Batch API input file (chat requests) for bench_batch.py.

Each line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`` with a
``gpt-4.1-mini`` Chat Completions body:

- a system prompt: about 10% of lines carry one of 4 long ones (about 1,000 / 1,600 / 2,200 /
  3,000 tokens of policy prose: headings, numbered rules, examples), the others one of 6 short
  ones (about 60-250 tokens). A batch job mixes a few tasks, each with its own fixed prompt;
  a file where every line carried a 1,000+ token prompt would be 250+ MB for 50,000 lines;
- 2 function tools (one with an enum) on about a quarter of the lines;
- a multi-turn history: 0-5 earlier user/assistant exchanges, then the new user message; some
  user messages carry a ``name``; texts vary in words, length, numbers, ids and a few
  non-ASCII words, so no two lines are alike;
- ``max_tokens`` (one of several values) on most lines, ``temperature`` on some.

Every string is plain text (no tool calls in the history), so the cookbook's counting rules
apply to every line exactly. Same seed and line count, same bytes: line i depends only on
(seed, i), so a longer file starts with the shorter one's lines.

    python bench/gen_batch.py bench/data/batch-50000.jsonl --lines 50000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

MODEL = "gpt-4.1-mini"
URL = "/v1/chat/completions"

_VOCABULARY = """
the a an of to and in for on with at by from as is are was were be been it this that these those you
your we our they their he she his her i me my not no yes can could should would will may might must
do does did have has had get got make made take took give gave send sent find found keep kept order
orders customer customers account accounts invoice invoices payment payments refund refunds shipping
delivery package parcel address warehouse carrier tracking number status update request requests
product products item items price prices discount coupon code subscription plan plans billing charge
charged card bank transfer receipt tax taxes total amount balance credit debit fee fees week weeks
day days month months year today tomorrow yesterday morning evening hour minutes please thanks thank
hello hi sorry issue issues problem problems question questions answer help support team agent
manager policy policies rule rules reason reasons case cases ticket tickets check checked confirm
confirmed cancel cancelled return returned replace replaced exchange damaged broken missing late
early wrong right correct incorrect size color model version serial warranty repair service services
store online app website email phone call message chat login password reset change changed new old
first last next previous other same different several many few more less most least only also just
still already again soon later now then when where why how what which who whom whose because
although however therefore instead while after before during until since about above below under
over between into through across around without within against quickly carefully clearly politely
briefly exactly usually always never often sometimes rarely information details summary note notes
reference document documents file files form forms record records data report reports review reviews
feedback rating complaint complaints escalate escalation priority urgent normal standard express
international domestic local region country city street available unavailable stock inventory
backorder shipment shipments dispatch dispatched arrived receive received expect expected estimate
estimated date dates time times schedule scheduled
"""
_WORDS = _VOCABULARY.split()
_NAMES = [
    "Ana",
    "Bilal",
    "Chen",
    "Dara",
    "Émile",
    "Farah",
    "Gustavo",
    "Hana",
    "Ivan",
    "Jonas",
    "Keiko",
    "Lena",
    "Mateo",
    "Nadia",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Søren",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yusuf",
]
_PLACES = [
    "München",
    "São Paulo",
    "Kraków",
    "Zürich",
    "Montréal",
    "Göteborg",
    "東京",
    "Lyon",
    "Austin",
    "Leeds",
    "Pune",
    "Cork",
    "Gdańsk",
    "Porto",
    "Malmö",
    "Reykjavík",
]
_PRODUCTS = [
    "espresso machine",
    "trail shoes",
    "standing desk",
    "noise-cancelling headphones",
    "baby stroller",
    "air fryer",
    "4K monitor",
    "rain jacket",
    "robot vacuum",
    "yoga mat",
    "e-reader",
    "coffee grinder",
]
_OPENERS = [
    "Hi,",
    "Hello,",
    "Hey there,",
    "Good morning,",
    "Hi team,",
    "Hello again,",
    "Quick question:",
    "Sorry to bother you,",
    "Thanks for the reply.",
    "Dear support,",
    "",
]
_ASSIST_OPENERS = [
    "Thanks for reaching out.",
    "I'm sorry to hear that.",
    "Happy to help.",
    "Thank you for the details.",
    "I understand.",
    "Good question.",
    "Let me check that for you.",
]


def _sentence(rng: random.Random, lo: int = 5, hi: int = 15) -> str:
    n = rng.randint(lo, hi)
    words = [rng.choice(_WORDS) for _ in range(n)]
    r = rng.random()
    if r < 0.15:
        words.insert(rng.randrange(len(words)), f"#{rng.randrange(10_000, 999_999)}")
    elif r < 0.25:
        words.insert(rng.randrange(len(words)), rng.choice(_PRODUCTS))
    elif r < 0.32:
        words.insert(rng.randrange(len(words)), f"in {rng.choice(_PLACES)}")
    elif r < 0.38:
        words.insert(rng.randrange(len(words)), f"${rng.randrange(5, 2_000)}.{rng.randrange(100):02d}")
    elif r < 0.42:
        words.insert(rng.randrange(len(words)), f"on {rng.randrange(1, 29)}/{rng.randrange(1, 13)}/2025")
    if rng.random() < 0.2:
        k = rng.randrange(2, len(words))
        words[k - 1] += ","
    s = " ".join(words)
    end = rng.choices([".", "?", "!", "..."], weights=[80, 14, 4, 2])[0]
    return s[0].upper() + s[1:] + end


def _paragraph(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(lo, hi)))


def _user(rng: random.Random) -> str:
    opener = rng.choice(_OPENERS)
    body = _paragraph(rng, 1, 3)
    if rng.random() < 0.1:
        body += (
            f"\n\nOrder: {rng.choice('ABCDEFGH')}-{rng.randrange(10**7):07d}\nEmail: "
            f"{rng.choice(_NAMES).lower()}.{rng.randrange(100)}@example.com"
        )
    return f"{opener} {body}".strip()


def _assistant(rng: random.Random) -> str:
    parts = [rng.choice(_ASSIST_OPENERS), _paragraph(rng, 1, 2)]
    if rng.random() < 0.25:
        parts.append("\n" + "\n".join(f"{i}. {_sentence(rng, 4, 12)}" for i in range(1, rng.randint(3, 5))))
    if rng.random() < 0.3:
        parts.append(_sentence(rng, 5, 12))
    return " ".join(parts)


def _system_long(seed: int, target_words: int) -> str:
    rng = random.Random(f"long-system-{seed}")
    company = ["Northwind Outfitters", "Acme Home Appliances", "Bluebird Books", "Kestrel Mobility"][seed % 4]
    out = [
        f"You are the customer support assistant for {company}. You answer customers by chat on behalf of "
        "the support team. Read the whole conversation before you answer, follow the rules below in order, "
        "and never promise anything the rules do not allow.",
    ]
    words = len(out[0].split())
    section = 0
    while words < target_words:
        section += 1
        title = " ".join(w.capitalize() for w in rng.sample(_WORDS, 3))
        lines = [f"\n## {section}. {title}\n", _paragraph(rng, 2, 4)]
        for k in range(1, rng.randint(3, 7)):
            lines.append(f"{section}.{k} {_sentence(rng, 8, 26)}")
        if rng.random() < 0.4:
            lines.append(
                f'Example: the customer writes "{_sentence(rng, 6, 14)}" and you reply "{_sentence(rng, 8, 18)}"'
            )
        text = "\n".join(lines)
        out.append(text)
        words += len(text.split())
    return "\n".join(out)


def _system_short(seed: int) -> str:
    rng = random.Random(f"short-system-{seed}")
    task = [
        "classify the customer's message into one of: billing, shipping, returns, account, other",
        "summarise the conversation for the next agent in at most three sentences",
        "draft a polite reply to the customer",
        "extract the order number, product and requested action as JSON",
        "detect the customer's language and sentiment",
        "answer the customer's question using the store's policies",
    ][seed % 6]
    return f"You are a helpful assistant. Your task: {task}. " + _paragraph(rng, 2, 2 + 3 * (seed % 4))


# Long prompts of about 1,000 / 1,600 / 2,200 / 3,000 tokens (words x ~1.3 tokens).
LONG_SYSTEM = [_system_long(i, w) for i, w in enumerate((760, 1230, 1690, 2300))]
SHORT_SYSTEM = [_system_short(i) for i in range(6)]

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its number and return its status, items and tracking.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "description": "The order number, e.g. A-1234567."},
                    "include_items": {"type": "boolean", "description": "Also return the order's items."},
                },
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "create_ticket",
            "description": "Open a ticket for the support team when the assistant cannot solve the issue.",
            "parameters": {
                "type": "object",
                "properties": {
                    "category": {
                        "type": "string",
                        "description": "What the issue is about.",
                        "enum": ["billing", "shipping", "returns", "account", "other"],
                    },
                    "summary": {"type": "string", "description": "One or two sentences for the agent."},
                    "priority": {"type": "string", "description": "How urgent.", "enum": ["low", "normal", "high"]},
                },
                "required": ["category", "summary"],
            },
        },
    },
]


def line(seed: int, i: int) -> bytes:
    rng = random.Random(seed * 1_000_003 + i)
    if rng.random() < 0.1:
        system = LONG_SYSTEM[rng.choices(range(4), weights=[4, 3, 2, 1])[0]]
    else:
        system = SHORT_SYSTEM[rng.randrange(6)]
    messages: list[dict[str, str]] = [{"role": "system", "content": system}]
    for _ in range(rng.choices(range(6), weights=[44, 30, 12, 7, 4, 3])[0]):
        messages.append({"role": "user", "content": _user(rng)})
        messages.append({"role": "assistant", "content": _assistant(rng)})
    last: dict[str, str] = {"role": "user", "content": _user(rng)}
    if rng.random() < 0.1:
        last["name"] = rng.choice(_NAMES).replace("É", "E").replace("ø", "o")  # names are [a-zA-Z0-9_-]
    messages.append(last)
    body: dict[str, object] = {"model": MODEL, "messages": messages}
    if rng.random() < 0.25:
        body["tools"] = TOOLS
    if rng.random() < 0.85:
        body["max_tokens"] = rng.choice([64, 128, 256, 300, 512, 800, 1024, 2048])
    if rng.random() < 0.3:
        body["temperature"] = rng.choice([0, 0.2, 0.7, 1])
    obj = {"custom_id": f"req-{seed}-{i:08d}", "method": "POST", "url": URL, "body": body}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def generate(path: Path, lines: int, seed: int = 41) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb", buffering=1 << 20) as f:
        for i in range(lines):
            f.write(line(seed, i))
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=41)
    a = ap.parse_args()
    generate(a.path, a.lines, a.seed)
    print(f"wrote {a.path} ({a.path.stat().st_size:,} bytes, {a.lines:,} lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
