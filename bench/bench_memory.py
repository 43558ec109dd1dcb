"""Peak memory per input kind, held against the bounds the README states (#18, "Hostile input").

For each kind, an input at or near the size the tool accepts is generated, the command is run
in a process and the peak PSS of its whole process tree is sampled (``_common.run_tree_memory``).
A kind over its bound is FAIL and the script exits 1. Not a test (memory on a shared machine
moves); run it by hand: ``python bench/bench_memory.py``.

Kinds:
- ``prompt``: a 60 MB text prompt of words (the read-whole bound is 64 MiB);
- ``prompt-run``: the worst case the tokenizer is given, the longest run it takes as one piece
  (``tokens.MAX_RUN_CHARS`` characters, 4-byte symbols: 2 MiB); its memory grows with the piece;
- ``prompt-run-over``: a 16 MB run of one letter (it took ~0.9 GB in the tokenizer), refused
  before the tokenizer sees it;
- ``usage``: a usage log of ``--usage-lines`` lines (gen_usage.py), streamed;
- ``usage-page``: one Usage API page of ``--page-mb`` MB, pretty-printed as the API sends it
  (gen_documents.py: 31 daily buckets, a result per project, user, key, model, tier), streamed;
  every result is a group of its own (the API grouped them), so its memory grows with them;
- ``usage-page-line``: the same page written on one line (``json.dump(page, f)``), read as a
  stream too; its first 8 MiB are held (``readers.usage.FIRST_LINE_BYTES``), the rest read on;
- ``usage-pages``: a saved series of such pages (a JSON array of pages), ``--page-mb`` MB;
- ``usage-array``: a pretty-printed (``indent=2``) JSON array of ``--array-mb`` MB of Chat
  Completions responses, streamed;
- ``usage-array-gz``: the same array gzipped (level 6);
- ``workload``/``catalog``: a "billion laughs" YAML, refused before anything is built;
- ``dev-zero``: ``/dev/zero`` named as a prompt, stopped at the 64 MiB bound.
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import BENCH, base_env, run_tree_memory

from gpt41cost.tokens import MAX_RUN_CHARS

#: Peak PSS of the process tree, MB, per kind (README, "Hostile input").
BOUNDS_MB = {
    "prompt": 400,
    "prompt-run": 400,
    "prompt-run-over": 400,
    "usage": 300,
    "usage-page": 300,
    "usage-page-line": 300,
    "usage-pages": 300,
    "usage-array": 300,
    "usage-array-gz": 300,
    "workload": 100,
    "catalog": 100,
    "dev-zero": 400,
}


def _words(path: Path, mb: int) -> None:
    rnd = random.Random(1)
    words = ["alpha", "beta", "gamma", "the", "ticket", "customer", "refund", "order", "42", "é", "漢字"]
    with path.open("w") as fh:
        size = 0
        while size < mb * 1_000_000:
            chunk = " ".join(rnd.choice(words) for _ in range(100_000)) + "\n"
            fh.write(chunk)
            size += len(chunk.encode())


def _bomb(path: Path) -> None:
    lines = ["a: &a [" + ",".join(["x"] * 10) + "]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]" for i in range(9)]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompt-mb", type=int, default=60, help="size of the text prompt, MB (default 60)")
    ap.add_argument("--usage-lines", type=int, default=200_000, help="lines of the usage log (default 200,000)")
    ap.add_argument("--page-mb", type=float, default=153, help="size of the Usage API page(s), MB (default 153)")
    ap.add_argument("--array-mb", type=float, default=1000, help="size of the array of responses, MB (default 1000)")
    args = ap.parse_args()
    env = base_env(GPT41COST_AS_OF="2026-12-06")
    py = sys.executable
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _words(d / "prompt.txt", args.prompt_mb)
        (d / "run.txt").write_text("Longest run:\n" + "\U0001f600" * MAX_RUN_CHARS + "\nend\n")
        (d / "run-over.txt").write_text("a" * 16_000_000)
        subprocess.run(
            [py, str(BENCH / "gen_usage.py"), "--lines", str(args.usage_lines), str(d / "usage.jsonl")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        pages = [("page", args.page_mb), ("page-line", args.page_mb), ("pages", args.page_mb)]
        for kind, mb in [*pages, ("array", args.array_mb)]:
            name = f"{kind}.json"
            subprocess.run(
                [py, str(BENCH / "gen_documents.py"), str(d / name), "--kind", kind, "--mb", str(mb)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        with open(d / "array.json", "rb") as src, gzip.open(d / "array.json.gz", "wb", compresslevel=6) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
        _bomb(d / "bomb.yaml")
        cli = [py, "-m", "gpt41cost"]
        kinds = {
            "prompt": [*cli, "estimate", str(d / "prompt.txt"), "-m", "gpt-4.1", "-f", "json"],
            "prompt-run": [*cli, "estimate", str(d / "run.txt"), "-m", "gpt-4.1", "-f", "json"],
            "prompt-run-over": [*cli, "estimate", str(d / "run-over.txt"), "-m", "gpt-4.1", "-f", "json"],
            "usage": [*cli, "usage", str(d / "usage.jsonl"), "-f", "json"],
            "usage-page": [*cli, "usage", str(d / "page.json"), "-f", "json"],
            "usage-page-line": [*cli, "usage", str(d / "page-line.json"), "-f", "json"],
            "usage-pages": [*cli, "usage", str(d / "pages.json"), "-f", "json"],
            "usage-array": [*cli, "usage", str(d / "array.json"), "-f", "json"],
            "usage-array-gz": [*cli, "usage", str(d / "array.json.gz"), "-f", "json"],
            "workload": [*cli, "plan", str(d / "bomb.yaml")],
            "catalog": [*cli, "pricing", "--pricing", str(d / "bomb.yaml")],
            "dev-zero": [*cli, "estimate", "/dev/zero", "-m", "gpt-4.1"],
        }
        print(f"{'kind':<15} {'input':>10} {'exit':>4} {'seconds':>8} {'peak PSS MB':>12} {'bound MB':>9}  verdict")
        for kind, argv in kinds.items():
            run, mem = run_tree_memory(argv, env)
            src = Path(argv[4]) if kind not in ("workload", "catalog") else d / "bomb.yaml"
            size = f"{src.stat().st_size / 1e6:.1f} MB" if src.is_file() else "stream"
            bound = BOUNDS_MB[kind]
            ok = mem.pss_mb <= bound
            failed |= not ok
            verdict = "PASS" if ok else "FAIL"
            figures = f"{run.returncode:>4} {run.seconds:>8.2f} {mem.pss_mb:>12.0f} {bound:>9}"
            print(f"{kind:<15} {size:>10} {figures}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
