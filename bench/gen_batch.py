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

``--shape unique`` (default ``mixed``: the file above) writes a worst case for memory instead:
every line is a ``gpt-4.1-mini`` request whose system message is long (about 1,100 to 3,000
tokens) and unique from its start (a line-specific opening sentence, then words drawn for that
line), so every 128-token cache block of every request is a distinct prefix; about half of the
lines also carry a user message whose content is a list of parts (text, then an ``image_url``
holding a ``data:image/png;base64,...`` URL of a small valid PNG whose declared size, 200 to
3,000 px each way, varies per line, so gpt-4.1, mini and nano bill different image tokens).
Line i depends only on (seed, i, shape).

    python bench/gen_batch.py bench/data/batch-50000.jsonl --lines 50000
    python bench/gen_batch.py bench/data/batch-unique-1000.jsonl --lines 1000 --shape unique
"""

from __future__ import annotations

import argparse
import binascii
import json
import random
import struct
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


# --- shape "unique": the worst case for memory ---------------------------------------------


class _Bits:
    """A DEFLATE bit stream: fields LSB first, Huffman codes MSB first (RFC 1951, 3.1.1)."""

    def __init__(self) -> None:
        self.value = 0
        self.n = 0

    def field(self, value: int, width: int) -> None:
        self.value |= value << self.n
        self.n += width

    def code(self, code: tuple[int, int]) -> None:
        bits, width = code
        self.field(int(f"{bits:0{width}b}"[::-1], 2), width)

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.n + 7) // 8, "little")


def _canonical(lengths: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes (RFC 1951, 3.2.2) for ``{symbol: code length}``."""
    codes, code, prev = {}, 0, 0
    for length, sym in sorted((ln, s) for s, ln in lengths.items()):
        code <<= length - prev
        prev = length
        codes[sym] = (code, length)
        code += 1
    return codes


# One dynamic-Huffman block whose only symbols are literal 0, end of block and "copy 258 bytes
# from distance 1": zeros at 2 bits per 258 bytes, built by hand so the bytes do not depend on
# the zlib library's compressor (its output may differ between versions or zlib-ng).
_LIT = _canonical({0: 2, 256: 2, 285: 1})
_DIST = _canonical({0: 1})
_CL_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)
_CL = _canonical({18: 1, 1: 2, 2: 2})  # code-length alphabet: lengths 1, 2 and "11-138 zeros"


def _zeros_zlib(n: int) -> bytes:
    """A zlib stream (RFC 1950) inflating to ``n`` zero bytes (n >= 1), a few KB at most."""
    out = _Bits()
    out.field(1, 1)  # BFINAL
    out.field(2, 2)  # BTYPE: dynamic Huffman
    out.field(286 - 257, 5)  # HLIT: literal/length lengths for symbols 0..285
    out.field(1 - 1, 5)  # HDIST: one distance code
    out.field(len(_CL_ORDER) - 1 - 4, 4)  # HCLEN: code-length lengths up to symbol 1 (17th)
    cl_lengths = {18: 1, 1: 2, 2: 2}
    for sym in _CL_ORDER[:-1]:
        out.field(cl_lengths.get(sym, 0), 3)
    # Literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; distance 0 -> 1.
    for sym, extra in ((2, None), (18, 138 - 11), (18, 117 - 11), (2, None), (18, 28 - 11), (1, None), (1, None)):
        out.code(_CL[sym])
        if extra is not None:
            out.field(extra, 7)
    out.code(_LIT[0])
    runs, rest = divmod(n - 1, 258)
    for _ in range(runs):
        out.code(_LIT[285])  # length 258, no extra bits
        out.code(_DIST[0])  # distance 1, no extra bits
    for _ in range(rest):
        out.code(_LIT[0])
    out.code(_LIT[256])
    adler = (n % 65521) << 16 | 1  # Adler-32 of n zero bytes: a = 1, b = n (mod 65521)
    return b"\x78\x01" + out.bytes() + struct.pack(">I", adler)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", binascii.crc32(kind + data))


def png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit greyscale PNG of ``width`` x ``height`` pixels (every row filter 0)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    raw = height * (1 + (width + 7) // 8)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", _zeros_zlib(raw)) + _chunk(b"IEND", b"")


def _system_unique(rng: random.Random, seed: int, i: int) -> str:
    """A long system prompt (about 850-2,300 words, ~1,100-3,000 tokens) unique from its first words."""
    target = rng.randint(850, 2300)
    company = f"{rng.choice(_NAMES)} {rng.choice(_PRODUCTS).title()} Store {rng.randrange(10**6):06d}"
    out = [
        f"Ticket {seed}-{i:08d} for {company}: {_sentence(rng, 6, 12)} You answer this customer by chat; "
        "follow the rules below in order.",
    ]
    words = len(out[0].split())
    section = 0
    while words < target:
        section += 1
        title = " ".join(w.capitalize() for w in rng.sample(_WORDS, 3))
        lines = [f"\n## {section}. {title}\n", _paragraph(rng, 2, 4)]
        for k in range(1, rng.randint(3, 7)):
            lines.append(f"{section}.{k} {_sentence(rng, 8, 26)}")
        text = "\n".join(lines)
        out.append(text)
        words += len(text.split())
    return "\n".join(out)


def line_unique(seed: int, i: int) -> bytes:
    rng = random.Random(f"unique-{seed}-{i}")
    messages: list[dict[str, object]] = [{"role": "system", "content": _system_unique(rng, seed, i)}]
    if rng.random() < 0.5:
        w, h = rng.randint(200, 3000), rng.randint(200, 3000)
        url = "data:image/png;base64," + binascii.b2a_base64(png(w, h), newline=False).decode("ascii")
        parts = [{"type": "text", "text": _user(rng)}, {"type": "image_url", "image_url": {"url": url}}]
        messages.append({"role": "user", "content": parts})
    else:
        messages.append({"role": "user", "content": _user(rng)})
    body: dict[str, object] = {"model": MODEL, "messages": messages}
    if rng.random() < 0.85:
        body["max_tokens"] = rng.choice([64, 128, 256, 300, 512, 800, 1024, 2048])
    obj = {"custom_id": f"req-{seed}-{i:08d}", "method": "POST", "url": URL, "body": body}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


SHAPES = {"mixed": line, "unique": line_unique}


def generate(path: Path, lines: int, seed: int = 41, shape: str = "mixed") -> None:
    make = SHAPES[shape]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb", buffering=1 << 20) as f:
        for i in range(lines):
            f.write(make(seed, i))
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="mixed", help="mixed (default) or unique (worst case)")
    a = ap.parse_args()
    generate(a.path, a.lines, a.seed, a.shape)
    print(f"wrote {a.path} ({a.path.stat().st_size:,} bytes, {a.lines:,} lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
