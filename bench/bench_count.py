"""Benchmark: count one large real text file, gpt41cost vs ttok (issue 2, "Speed").

    python bench/bench_count.py [--runs 5] [--mb 24] [--ours "CMD ..."]

Builds ``bench/data/corpus.txt`` (>= 20 MB, deterministic, offline) from text already on
this machine, then times, interleaved and in the same run:

- baseline: ``ttok -m gpt-4o -i corpus.txt`` (tiktoken, o200k_base), with tiktoken's
  cache seeded offline from gpt41cost's verified vocabulary (ttok never downloads);
- ours: ``gpt41cost estimate corpus.txt --format json`` (falls back to a
  ``python -c`` call of ``gpt41cost.tokens.count_tokens`` while ``estimate`` does not exist).

Checks the two counts are equal and prints ratio = ours / ttok against the bar 0.6.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    DATA,
    ROOT,
    Candidate,
    base_env,
    load_note,
    machine,
    measure,
    run_once,
    steal_note,
    table,
    tool,
    verdict,
)

BAR = 0.6
CORPUS = DATA / "corpus.txt"
TIKTOKEN_CACHE = DATA / "tiktoken-cache"
PY_LIB = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))
# Strings tiktoken's encode() refuses by default (ttok would exit with an error).
SPECIAL = ("<|endoftext|>", "<|endofprompt|>")
CORPUS_VERSION = "1"

# (label, share of the corpus in MB, file iterator). Shares are caps; sources are read
# in sorted order and each distinct text is used once, so the file is not one text repeated.


def _files(root: Path, suffixes: tuple[str, ...], skip: tuple[str, ...] = ()) -> Iterator[Path]:
    if not root.is_dir():
        return
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if any(s in rel for s in skip) or not p.is_file() or p.is_symlink():
            continue
        if p.name.endswith(suffixes):
            yield p


def _man_pages(langs: tuple[str, ...] | None) -> Iterator[Path]:
    man = Path("/usr/share/man")
    if not man.is_dir():
        return
    for d in sorted(man.iterdir()):
        if (langs is None and d.name.startswith("man")) or (langs is not None and d.name in langs):
            yield from _files(d, (".gz",))


SOURCES = [
    ("licenses (/usr/share/common-licenses)", 1, lambda: _files(Path("/usr/share/common-licenses"), ("",))),
    (
        "translated man pages: ja ko ru uk zh_CN zh_TW sr de fr ... (/usr/share/man/<lang>)",
        4,
        lambda: _man_pages(("ja", "ko", "ru", "uk", "zh_CN", "zh_TW", "sr", "de", "fr", "es", "pl", "pt_BR", "it")),
    ),
    (
        "Python test texts in CJK (test/cjkencodings/*-utf8.txt)",
        1,
        lambda: _files(PY_LIB / "test" / "cjkencodings", ("-utf8.txt",)),
    ),
    (
        "package docs, changelogs, copyrights (/usr/share/doc, gz decompressed)",
        6,
        lambda: _files(Path("/usr/share/doc"), (".txt", ".md", ".rst", ".gz", "copyright", "README", "NEWS")),
    ),
    ("English man pages (/usr/share/man/man*)", 3, lambda: _man_pages(None)),
    (
        "Python stdlib .rst/.txt and docstring-heavy .py",
        8,
        lambda: _files(PY_LIB, (".py", ".rst", ".txt"), ("site-packages", "test")),
    ),
    (
        "package metadata and READMEs (site-packages *.dist-info/METADATA, *.md, *.rst)",
        3,
        lambda: (p for p in _files(SITE, ("METADATA", ".md", ".rst")) if "gpt41cost" not in str(p)),
    ),
]


def _text_of(p: Path) -> str | None:
    """The file's text if it is UTF-8 text ttok and gpt41cost read identically, else None."""
    try:
        data = p.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\x00" in data or len(data) < 200:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # ttok opens the file in text mode (universal newlines): keep only "\n" line ends, no BOM.
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if any(s in text for s in SPECIAL):
        return None
    return text


def build_corpus(target_mb: int) -> dict[str, int]:
    """Write CORPUS (>= target_mb MB) unless an identical build exists; return bytes per source."""
    stamp = DATA / "corpus.stamp"
    key = f"{CORPUS_VERSION}:{target_mb}"
    if CORPUS.exists() and stamp.exists() and json.loads(stamp.read_text())["key"] == key:
        return json.loads(stamp.read_text())["sources"]  # type: ignore[no-any-return]
    DATA.mkdir(parents=True, exist_ok=True)
    target = target_mb * 1_000_000
    seen: set[bytes] = set()
    used: dict[str, int] = {}
    parts: list[str] = []
    total = 0

    def take(label: str, cap: int, files: Iterator[Path]) -> None:
        nonlocal total
        got = 0
        for p in files:
            if got >= cap or total >= target:
                break
            text = _text_of(p)
            if text is None:
                continue
            h = hashlib.sha1(text.encode()).digest()
            if h in seen:
                continue
            seen.add(h)
            chunk = f"\n===== {p} =====\n{text}"
            size = len(chunk.encode())
            parts.append(chunk)
            got += size
            total += size
        used[label] = used.get(label, 0) + got

    for label, share, it in SOURCES:
        take(label, int(share * target / 26), it())
    # Top up from the biggest pools, uncapped, until the target is reached.
    for label, _, it in SOURCES[::-1]:
        if total >= target:
            break
        take(label, target, it())
    if total < target:
        sys.exit(f"bench: only {total / 1e6:.1f} MB of text found on this machine (need {target_mb} MB)")
    CORPUS.write_text("".join(parts), encoding="utf-8", newline="\n")
    stamp.write_text(json.dumps({"key": key, "sources": used}))
    return used


def seed_tiktoken_cache() -> Path:
    """Put the verified o200k_base file where tiktoken looks, so ttok never downloads."""
    from gpt41cost.tokens import O200K_SHA256, O200K_URL, vocabulary_source

    TIKTOKEN_CACHE.mkdir(parents=True, exist_ok=True)
    dest = TIKTOKEN_CACHE / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if not dest.exists() or hashlib.sha256(dest.read_bytes()).hexdigest() != O200K_SHA256:
        _, data = vocabulary_source()  # raises unless the sha256 matches
        tmp = dest.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(dest)
    return TIKTOKEN_CACHE


def ours_argv(path: Path, override: str | None) -> tuple[str, list[str]]:
    gpt = tool("gpt41cost")
    if override:
        import shlex

        return "gpt41cost (custom)", [*shlex.split(override), str(path)]
    r = run_once([gpt, "--help"], base_env())
    if r.returncode == 0 and "estimate" in r.stdout:
        return "gpt41cost estimate", [gpt, "estimate", str(path), "--format", "json"]
    code = (
        "import sys; from gpt41cost.tokens import count_tokens; "
        "t = open(sys.argv[1], 'rb').read().decode('utf-8'); print(count_tokens(t))"
    )
    return "gpt41cost.tokens (estimate missing)", [sys.executable, "-c", code, str(path)]


def count_from(name: str, stdout: str) -> int:
    s = stdout.strip()
    if s.startswith("{"):
        return int(json.loads(s)["models"][0]["input_tokens_total"])
    try:
        return int(s.splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"bench: cannot read a token count from {name}'s output: {s[:200]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--mb", type=int, default=24, help="corpus size in MB (default 24; the bar needs >= 20)")
    ap.add_argument("--ours", help="time this command (file appended) instead of gpt41cost estimate")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=CMD", help="another command to time")
    args = ap.parse_args()

    used = build_corpus(args.mb)
    data = CORPUS.read_bytes()
    print(f"machine: {machine()}")
    print(f"corpus: {CORPUS.relative_to(ROOT)}: {len(data) / 1e6:.1f} MB, {len(data.decode()):,} characters, from")
    for label, n in used.items():
        print(f"  {n / 1e6:5.1f} MB  {label}")

    cache = seed_tiktoken_cache()
    ttok = Candidate("ttok", [tool("ttok"), "-m", "gpt-4o", "-i", str(CORPUS)], base_env(TIKTOKEN_CACHE_DIR=str(cache)))
    name, argv = ours_argv(CORPUS, args.ours)
    cands = [ttok, Candidate(name, argv)]
    for spec in args.extra:
        import shlex

        n, _, cmd = spec.partition("=")
        cands.append(Candidate(n, [*shlex.split(cmd), str(CORPUS)]))
    measure(cands, args.runs, args.warmup)

    print()
    print(table(cands, "ttok"))
    print(f"after: {machine()}")
    for note in (load_note(), steal_note()):
        if note:
            print(note)
    print()
    base = count_from("ttok", ttok.runs[0].stdout)
    ok = True
    for c in cands:
        counts = {count_from(c.name, r.stdout) for r in c.runs}
        same = counts == {base}
        ok &= same
        got = ", ".join(f"{n:,}" for n in sorted(counts))
        print(f"count {c.name}: {got} {'== ttok' if same else f'!= ttok {base:,}'}")
    ratio = cands[1].median / ttok.median
    print(verdict(cands[1].name, ratio, BAR) + ("" if ok else " (COUNTS DIFFER)"))
    sys.exit(0 if ok and ratio <= BAR else 1)


if __name__ == "__main__":
    main()
