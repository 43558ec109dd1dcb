"""Re-run every ```console example in README.md and write its real output back.

Usage: python tools/update_readme.py   (from the repository root, with gpt41cost installed)
tests/test_readme.py fails when an example's output no longer matches; this fixes the README.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


def run(command: str) -> str:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "200",
    }
    env.pop("GPT41COST_PRICING", None)
    out = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        executable="/bin/bash",
        timeout=300,
    )
    return "\n".join(line.rstrip() for line in out.stdout.strip("\n").splitlines())


def refresh(block: re.Match[str]) -> str:
    commands = [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]
    body = "".join(f"$ {c}\n{run(c)}\n" for c in commands)
    return f"```console\n{body}```"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    README.write_text(re.sub(r"```console\n(.*?)```", refresh, text, flags=re.S), encoding="utf-8")


if __name__ == "__main__":
    main()
