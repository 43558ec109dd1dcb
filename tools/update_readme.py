"""Run every ```console example in README.md; with no arguments, write its real output back.

Usage: python -m tools.update_readme   (from the repository root, with gpt41cost installed)
tests/test_readme.py runs the same examples with the same :func:`run` and fails when an
output no longer matches; this script brings the README up to date.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
#: The date every README example runs on (the examples that name a date pass --as-of as well).
README_DATE = "2026-12-06"
BLOCK = re.compile(r"```console\n(.*?)```", flags=re.S)


def environment() -> dict[str, str]:
    """The environment every example runs in: this Python's scripts first on PATH, 200 columns,
    the README's date, the shipped catalog, block characters on a UTF-8 stdout."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "200",
        # the README's figures are those of one date: a run on another day shows the same
        "GPT41COST_AS_OF": README_DATE,
    }
    env.pop("GPT41COST_PRICING", None)
    env.pop("TERM", None)  # TERM=dumb draws the table format's bars in ASCII
    env["PYTHONIOENCODING"] = "utf-8"  # and so does a stdout that cannot encode block characters
    return env


def run(command: str) -> str:
    """The command's stdout and stderr as a reader sees them, trailing spaces dropped.

    It runs as if from the repository root, in a scratch directory of links to the root's files:
    a file an example writes by a relative name (``--emit-workload next-month.yaml``) lands there
    and goes with it, never in the repository, nor at a path two runs at once would share."""
    with tempfile.TemporaryDirectory(prefix="gpt41cost-readme-") as scratch:
        for entry in ROOT.iterdir():
            if not entry.name.startswith("."):
                (Path(scratch) / entry.name).symlink_to(entry)
        out = subprocess.run(
            command,
            shell=True,
            cwd=scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment(),
            executable="/bin/bash",
            timeout=300,
        )
    return normalise(out.stdout)


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every `$ command` line of every console block."""
    found: list[tuple[str, str]] = []
    for block in BLOCK.findall(text):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            found.append((command, "\n".join(output)))
    return found


def refresh(block: re.Match[str]) -> str:
    commands = [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]
    body = "".join(f"$ {c}\n{run(c)}\n" for c in commands)
    return f"```console\n{body}```"


#: One HTML report per command, shown in the README as a screenshot (docs/screenshots/COMMAND.png).
SCREENSHOTS = {
    "estimate": "gpt41cost estimate samples/support --requests-per-day 20000 -f html",
    "limits": "gpt41cost limits samples/support -m gpt-4.1-mini --requests-per-day 50000 --max-tokens 800 -f html",
    "plan": "gpt41cost plan samples/workloads/support-bot.yaml -f html",
    "usage": "gpt41cost usage samples/usage --what-if batch=0.5 -f html",
}


def screenshots() -> None:
    """Render each command's HTML report in headless Chromium and keep a screenshot of it."""
    from tools import browser

    binary = browser.find()
    if binary is None:
        raise SystemExit("update_readme: the screenshots need Chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp, browser.Session(binary) as session:  # one browser, one tab
        for command, line in SCREENSHOTS.items():
            page = Path(tmp) / f"{command}.html"
            page.write_text(run(f"{line} 2>/dev/null") + "\n", encoding="utf-8")
            png = ROOT / "docs" / "screenshots" / f"{command}.png"
            png.parent.mkdir(parents=True, exist_ok=True)
            session.load(page, png)


def main() -> None:
    from tools import json_contract

    text = README.read_text(encoding="utf-8")
    README.write_text(BLOCK.sub(refresh, text), encoding="utf-8")
    json_contract.main()
    screenshots()


if __name__ == "__main__":
    main()
