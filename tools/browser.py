"""Headless Chromium for the HTML reports: load a page, collect its console messages, dump the
DOM it rendered and take a screenshot. Used by tests/test_html_browser.py and by
tools/update_readme.py (the README's screenshots, docs/screenshots/COMMAND.png).

Only Debian's ``chromium`` package is looked for (``.ci/run`` installs it when missing); the
page is a local file and every network feature is off.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
#: Console messages as Chromium logs them with --enable-logging=stderr (`...:INFO:CONSOLE:1] "text", source:
#: url`; older builds write `CONSOLE(1)`). The reports have no scripts: any message is a failure.
_CONSOLE = re.compile(r":(?:INFO|WARNING|ERROR):CONSOLE(?:\(\d+\)|:\d+)\] (.*)")
_PAGE_ERROR = re.compile(r"Uncaught|ERR_|Refused to|Failed to load resource")


def find() -> str | None:
    """The Chromium binary, or None when none is installed."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass(frozen=True)
class Load:
    dom: str  # the DOM after the page loaded
    console: list[str]  # every console message and page error the browser logged


#: Where each run's throwaway profile goes (Chromium writes about 200 files there): memory when
#: the system has a tmpfs for it, so making and removing them costs no disk operations.
_PROFILES = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _run(binary: str, url: str, *extra: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="gpt41cost-chromium-", dir=_PROFILES) as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def load(binary: str, page: Path, png: Path | None = None, width: int = 1000, height: int = 1400) -> Load:
    """Load the page once: its DOM and console messages, and with ``png`` a screenshot of it too."""
    shot = () if png is None else (f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    out = _run(binary, page.resolve().as_uri(), "--dump-dom", *shot)
    if png is not None and not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot: {out.stderr[-500:]}")
    console = [m.group(1) for m in _CONSOLE.finditer(out.stderr)]
    console += [line for line in out.stderr.splitlines() if _PAGE_ERROR.search(line) and "CONSOLE" not in line]
    return Load(out.stdout, console)


def screenshot(binary: str, page: Path, png: Path, width: int = 1000, height: int = 1400) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    load(binary, page, png, width, height)


def distinct_colours(png: Path) -> int:
    """How many distinct pixel-sized values the PNG's scanlines hold, as stored (after PNG's
    per-row filters): a blank page gives a handful (its filtered rows are zeros), a page with
    text and charts gives many. Sampled, and capped just past 64."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, colour, depth = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(colour, 0)
    assert depth == 8 and channels, f"unexpected PNG format (colour type {colour}, depth {depth})"
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = [raw[i * (stride + 1) + 1 : (i + 1) * (stride + 1)] for i in range(len(raw) // (stride + 1))]
    seen: set[bytes] = set()
    for row in rows[::7]:
        seen.update(row[i : i + channels] for i in range(0, len(row), channels * 5))
        if len(seen) > 64:
            break
    return len(seen)
