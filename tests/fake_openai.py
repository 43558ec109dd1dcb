"""A fake OpenAI API on 127.0.0.1 for the tests: Usage API completions, Costs API, and the
Responses input-token count (``POST /v1/responses/input_tokens``, answered by ``input_tokens``,
a function of the posted body).

It serves daily buckets it is given (full results, every group field filled) the way the real
endpoints do: filtered by start_time/end_time and project_ids, results summed over the fields
not in group_by (those come back null), ``limit`` buckets a page, chained by ``next_page``.
Knobs for the error cases: ``fail`` (statuses to answer first, in order, before serving),
``malformed`` (answer a page that is not a page), ``key`` (the only key accepted; 401 else,
403 for ``forbidden_key``). Every request is recorded in ``requests`` (path, query, headers).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

USAGE_GROUP_FIELDS = ("model", "batch", "service_tier", "project_id", "user_id", "api_key_id")
USAGE_SUMS = (
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
    "num_model_requests",
)


class FakeOpenAI:
    def __init__(
        self,
        usage_buckets: list[dict[str, Any]],
        cost_buckets: list[dict[str, Any]] | None = None,
        *,
        key: str = "sk-admin-test-KEY-0123456789",
        page_size: int | None = None,
    ) -> None:
        self.usage_buckets = usage_buckets
        self.cost_buckets = cost_buckets or []
        self.key = key
        self.forbidden_key = "sk-proj-not-an-admin-key-000"
        self.page_size = page_size
        self.fail: list[int] = []
        self.malformed: str | None = None  # "html", "no-data", "bad-bucket", "loop", "data-twice", "tokens-twice"
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0  # seconds to wait before answering (timeouts)
        self.closing = threading.Event()  # set when the test ends: a delayed answer stops waiting
        self.errors: list[BaseException | None] = []  # what a handler raised (a client that hung up)
        self.server: ThreadingHTTPServer | None = None
        #: How POST /v1/responses/input_tokens counts a body (None: that endpoint is a 404).
        self.input_tokens: Callable[[dict[str, Any]], int] | None = None
        self.posted: list[dict[str, Any]] = []  # the bodies POSTed, in arrival order
        #: A POSTed body this returns a message for is refused with 400 (an invalid request).
        self.invalid: Callable[[dict[str, Any]], str | None] = lambda body: None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # ------------------------------------------------------------------ serving

    def answer(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        self.requests.append({"path": path, "query": query, "headers": headers})
        if self.delay:
            self.closing.wait(self.delay)
        refused = self._refused(headers)
        if refused is not None:
            return refused
        if self.malformed == "html":
            return 200, b"<html><body>proxy login</body></html>", {"Content-Type": "text/html"}
        return self._page(path, query)

    def answer_post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:  # POSTs arrive on several threads at once
            self.requests.append({"path": path, "query": {}, "headers": headers})
            refused = self._refused(headers)
        if refused is not None:
            return refused
        if path != "/v1/responses/input_tokens" or self.input_tokens is None:
            return 404, _err(f"Invalid URL (POST {path})"), {}
        parsed = json.loads(body)
        with self._lock:
            self.posted.append(parsed)
        problem = self.invalid(parsed)
        if problem is not None:
            return 400, _err(problem), {}
        answer = {"object": "response.input_tokens", "input_tokens": self.input_tokens(parsed)}
        text = json.dumps(answer)
        if self.malformed == "tokens-twice":  # a second count before the real one
            text = '{"input_tokens": 1, ' + text[1:]
        return 200, text.encode(), {"Content-Type": "application/json"}

    def _refused(self, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]] | None:
        """A planned failure (``fail``), or 401/403 for a wrong key; None when the call may go on."""
        if self.fail:
            status = self.fail.pop(0)
            return status, json.dumps({"error": {"message": f"fake {status}", "type": "server_error"}}).encode(), {}
        auth = headers.get("authorization", "")
        if auth == f"Bearer {self.forbidden_key}":
            return 403, _err("You have insufficient permissions for this operation."), {}
        if auth != f"Bearer {self.key}":
            given = auth.removeprefix("Bearer ")
            masked = given[:6] + "*" * 10 + given[-4:] if len(given) > 10 else given
            return (
                401,
                _err(
                    f"Incorrect API key provided: {masked}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys."
                ),
                {},
            )
        return None

    def _page(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        if path == "/v1/organization/usage/completions":
            buckets = [self._group_usage(b, query.get("group_by", [])) for b in self._window(self.usage_buckets, query)]
        elif path == "/v1/organization/costs":
            buckets = [self._group_costs(b, query.get("group_by", [])) for b in self._window(self.cost_buckets, query)]
        else:
            return 404, _err(f"Invalid URL (GET {path})"), {}
        limit = int(query.get("limit", ["7"])[0])
        if self.page_size is not None:
            limit = min(limit, self.page_size)
        start = int(query.get("page", ["cursor_0"])[0].removeprefix("cursor_"))
        chunk = buckets[start : start + limit]
        more = start + limit < len(buckets)
        page: dict[str, Any] = {
            "object": "page",
            "data": chunk,
            "has_more": more,
            "next_page": f"cursor_{start + limit}" if more else None,
        }
        if self.malformed == "no-data":
            page = {"object": "page", "has_more": False}
        elif self.malformed == "bad-bucket" and chunk:
            page["data"] = [{"object": "bucket", "start_time": "yesterday", "results": []}]
        elif self.malformed == "loop":
            page["has_more"], page["next_page"] = True, "cursor_0"
        elif self.malformed == "bad-result" and chunk:
            first = dict(chunk[0]["results"][0])
            first["input_tokens"] = "lots"
            page["data"] = [{**chunk[0], "results": [first]}]
        elif self.malformed == "bad-amount" and chunk and path.endswith("/costs"):
            page["data"] = [{**chunk[0], "results": [{"object": "organization.costs.result", "amount": None}]}]
        body = _dumps(page)
        if self.malformed == "data-twice":  # a second "data" before the page's own: its buckets would be lost
            body = '{"data": [], ' + body[1:]
        return 200, body.encode(), {"Content-Type": "application/json"}

    def _window(self, buckets: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
        lo = int(query["start_time"][0])
        hi = int(query["end_time"][0]) if "end_time" in query else 1 << 62
        projects = set(query.get("project_ids", []))
        out = []
        for b in buckets:
            if lo <= b["start_time"] < hi:
                results = [r for r in b["results"] if not projects or r.get("project_id") in projects]
                out.append({**b, "results": results})
        return out

    def _group_usage(self, bucket: dict[str, Any], groups: list[str]) -> dict[str, Any]:
        sums: dict[tuple[Any, ...], dict[str, Any]] = {}
        for r in bucket["results"]:
            key = tuple(r.get(f) if f in groups else None for f in USAGE_GROUP_FIELDS)
            row = sums.get(key)
            if row is None:
                row = sums[key] = {
                    "object": "organization.usage.completions.result",
                    **{f: 0 for f in USAGE_SUMS},
                    **dict(zip(USAGE_GROUP_FIELDS, key, strict=True)),
                }
            for f in USAGE_SUMS:
                row[f] += r.get(f, 0) or 0
        return {**bucket, "results": list(sums.values())}

    def _group_costs(self, bucket: dict[str, Any], groups: list[str]) -> dict[str, Any]:
        sums: dict[tuple[Any, ...], Decimal] = {}
        for r in bucket["results"]:
            key = (
                r.get("line_item") if "line_item" in groups else None,
                r.get("project_id") if "project_id" in groups else None,
            )
            sums[key] = sums.get(key, Decimal(0)) + Decimal(str(r["amount"]["value"]))
        return {
            **bucket,
            "results": [
                {
                    "object": "organization.costs.result",
                    "amount": {"value": v, "currency": "usd"},
                    "line_item": k[0],
                    "project_id": k[1],
                }
                for k, v in sums.items()
            ],
        }


def _err(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()


def _dumps(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value)


@contextmanager
def serving(fake: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """Run ``fake`` on 127.0.0.1 (a free port) in a thread for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body, headers = fake.answer(
                parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}
            )
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer, headers = fake.answer_post(
                urlsplit(self.path).path, body, {k.lower(): v for k, v in self.headers.items()}
            )
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    class Server(ThreadingHTTPServer):
        # server_close() joins every handler thread: no answer outlives its test
        daemon_threads = False

        def handle_error(self, request: Any, client_address: Any) -> None:
            # A client that gave up (a timeout test) leaves a handler writing to a closed socket,
            # maybe after this test ended: kept here, never printed into a later test's stderr.
            fake.errors.append(sys.exc_info()[1])

    server = Server(("127.0.0.1", 0), Handler)
    fake.server = server
    # shutdown() waits for the serving loop to look again: a short poll keeps each test's teardown short
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()


def load_buckets(*paths: str) -> list[dict[str, Any]]:
    """Buckets of saved pages (a page per file), in file order."""
    out: list[dict[str, Any]] = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            page = json.load(f, parse_float=Decimal)
        out += page["data"]
    return out
