"""Headless Chromium for the HTML reports: load a page, collect its console messages, take the
DOM it rendered and a screenshot. Used by tests/test_html_browser.py and by
tools/update_readme.py (the README's screenshots, docs/screenshots/COMMAND.png).

Debian's ``chromium-headless-shell`` is looked for first, then its ``chromium`` (``.ci/run``
installs the shell when missing): the same Chromium source and Blink engine, built as the headless
shell, without the full browser's profile, extensions and start-up services (the browser test
3.13 -> 1.78 CPU s, the whole process tree). The page is a local file and every network feature
is off. One browser (a :class:`Session`) loads
any number of pages, one after the other in the same tab, driven through the DevTools protocol on
a pipe (``--remote-debugging-pipe``): starting Chromium is most of the cost of loading a small
page, and a new tab for each page (its target, its renderer, its domains enabled) most of the rest.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

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
)
#: How long one answer of the browser may take (s) before the session fails.
TIMEOUT_S = 120


def find() -> str | None:
    """The Chromium binary (the headless shell where it is installed), or None when none is."""
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass(frozen=True)
class Load:
    dom: str  # the DOM after the page loaded
    console: list[str]  # every console message and page error the browser logged


#: Where each browser's throwaway profile goes (Chromium writes about 200 files there): memory
#: when the system has a tmpfs for it, so making and removing them costs no disk operations.
_PROFILES = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class Session:
    """One headless Chromium, for as many pages as :meth:`load` is given; a context manager
    (the browser ends and its profile is removed as the block ends). ``flags``: more command-line
    flags, after :data:`FLAGS` (the tests add ``--single-process``)."""

    def __init__(self, binary: str, flags: tuple[str, ...] = ()) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="gpt41cost-chromium-", dir=_PROFILES)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        commands, self._to_browser = os.pipe()  # the browser reads the protocol on its fd 3
        self._from_browser, answers = os.pipe()  # and writes on its fd 4

        def pipes() -> None:
            os.dup2(commands, 3)
            os.dup2(answers, 4)

        try:
            self._process = subprocess.Popen(
                [
                    binary,
                    *FLAGS,
                    *flags,
                    f"--user-data-dir={self._profile.name}",
                    "--remote-debugging-pipe",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                pass_fds=(3, 4),
                preexec_fn=pipes,
            )
        finally:
            os.close(commands)
            os.close(answers)
        self._buffer = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []
        self._tab: str | None = None  # the protocol session of the tab every page loads in
        self._size: tuple[int, int] | None = None  # its viewport

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def load(self, page: Path, png: Path | None = None, width: int = 1000, height: int = 1400) -> Load:
        """Load the page in the session's tab at ``width`` x ``height`` pixels: its DOM once loaded
        and the console messages, page errors and failed loads the browser logged for it; with
        ``png`` a screenshot of it too. What the tab logged for an earlier page is not this
        page's: only what comes after the navigation cleared the earlier page's scripts
        (``Runtime.executionContextsCleared``) is kept."""
        tab = self._open()
        if self._size != (width, height):
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
            self._send("Emulation.setDeviceMetricsOverride", tab, **metrics)
            self._size = (width, height)
        self._events = [e for e in self._events if e.get("sessionId") not in (tab, None)]
        self._send("Page.navigate", tab, url=page.resolve().as_uri())
        self._wait("Page.loadEventFired", tab)
        expression = "document.documentElement.outerHTML"
        dom = self._send("Runtime.evaluate", tab, expression=expression, returnByValue=True)["result"]["value"]
        if png is not None:
            png.write_bytes(base64.b64decode(self._send("Page.captureScreenshot", tab, format="png")["data"]))
        events = [e for e in self._events if e.get("sessionId") == tab]
        cleared = [i for i, e in enumerate(events) if e.get("method") == "Runtime.executionContextsCleared"]
        console = [m for e in events[cleared[-1] + 1 if cleared else 0 :] for m in _messages(e)]
        self._events = [e for e in self._events if e.get("sessionId") not in (tab, None)]
        return Load(dom, console)

    def _open(self) -> str:
        """The tab pages load in (made at the first load): its protocol session."""
        if self._tab is None:
            target = self._send("Target.createTarget", url="about:blank")["targetId"]
            self._tab = tab = self._send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self._send(f"{domain}.enable", tab)
        return self._tab

    def close(self) -> None:
        try:
            if self._process.poll() is None:
                self._send("Browser.close")
                self._process.wait(TIMEOUT_S)
        except (OSError, RuntimeError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            self._log.close()
            self._profile.cleanup()

    def _send(self, method: str, tab: str | None = None, **params: Any) -> dict[str, Any]:
        """One command (to the tab ``tab``, else the browser) and its answer; events that come
        first are kept."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if tab is not None:
            message["sessionId"] = tab
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"chromium: {method}: {answer['error']}")
                result: dict[str, Any] = answer["result"]
                return result
            self._events.append(answer)

    def _wait(self, method: str, tab: str) -> None:
        """Until the tab's event ``method`` has come."""
        while not any(e.get("method") == method and e.get("sessionId") == tab for e in self._events):
            self._events.append(self._read())

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self._from_browser, 1 << 20) if ready else b""
            if not chunk:
                self._log.seek(0)
                said = self._log.read()[-500:].decode("utf-8", "replace")
                raise RuntimeError(f"chromium {'ended' if ready else 'did not answer'}: {said}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        loaded: dict[str, Any] = json.loads(message)
        return loaded


def _messages(event: dict[str, Any]) -> list[str]:
    """What a protocol event says a page logged: a console message (any level), an uncaught
    exception, or the browser's own error or warning about the page (a resource that failed to
    load, a refused script)."""
    kind, params = event.get("method"), event.get("params", {})
    if kind == "Runtime.consoleAPICalled":
        return [" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))]
    if kind == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return [details.get("exception", {}).get("description") or details.get("text", "exception")]
    if kind == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
        return [params["entry"].get("text", "")]
    return []


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
