"""The one HTTP client for OpenAI's API: auth header, timeout, retries with backoff, errors, key redaction.

Only opt-in commands use it (``usage --from-api``, ``verify``); nothing else in gpt41cost touches the
network.
It is pure of the environment: the CLI reads the key and base URL (``OPENAI_ADMIN_KEY`` or
``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) and passes them in. One client may be shared by threads
(``connections`` calls at once).

- Transport: urllib3 (a maintained library; its ``Retry`` does the backoff and honours
  ``Retry-After``). 429 and 5xx answers and connection failures are retried ``retries`` times
  with exponential backoff (``backoff`` seconds, doubling); 4xx other than 429 are not.
- Errors are :class:`~gpt41cost.errors.ApiError`, one line: 401 and 403 name the key variable
  and what kind of key is needed; a network failure names the host; a body that is not JSON
  names the endpoint. The key is sent only in the ``Authorization`` header and is removed from
  every message (also from an error body that echoes it, as OpenAI's 401 does in part).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import ApiError, UsageError, quoted
from .readers import repeats

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Seconds to connect, and seconds to wait for each read of the answer.
DEFAULT_TIMEOUT = 30.0
#: Retries after the first try, for 429, 5xx and connection failures.
DEFAULT_RETRIES = 4
#: First backoff in seconds; each further retry waits twice as long (urllib3's rule), at most 60 s.
DEFAULT_BACKOFF = 1.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_MAX = 60.0
USER_AGENT = "gpt41cost"

#: Anything shaped like an OpenAI key (sk-..., sk-admin-..., sk-proj-...), masked in messages.
_KEY_SHAPE = re.compile(r"sk-[A-Za-z0-9_*.\-]{4,}")
_VALID_KEY = re.compile(r"[\x21-\x7e]+")


def redact(text: str, key: str | None) -> str:
    """``text`` with the key (and anything shaped like a key) replaced by ``[redacted]``."""
    if key:
        text = text.replace(key, "[redacted]")
    return _KEY_SHAPE.sub("[redacted]", text)


def check_key(key: str | None, variable: str) -> str:
    """The key as given, or an ApiError naming ``variable`` when it is missing or cannot be a key."""
    if key is None or not key.strip():
        raise ApiError(f"{variable} is not set: export an OpenAI key in {variable} (it is read only from there)")
    if not _VALID_KEY.fullmatch(key):
        raise ApiError(f"{variable} holds spaces or characters no key has: set it to the key alone")
    return key


def check_base_url(url: str, flag: str = "--base-url") -> str:
    """A base URL without its trailing slash; UsageError unless it is http(s)://host[...]."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{flag} {quoted(url)}: use an http:// or https:// URL, e.g. {DEFAULT_BASE_URL}")
    return url.strip().rstrip("/")


class OpenAIClient:
    """GET and POST JSON against ``base_url`` (``https://api.openai.com/v1`` or a proxy / fake).

    ``key_variable`` is only for messages ("OPENAI_ADMIN_KEY was refused ...").
    """

    def __init__(
        self,
        key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        key_variable: str = "OPENAI_API_KEY",
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        connections: int = 1,
    ) -> None:
        """``connections``: how many calls may be under way at once (threads sharing the client)."""
        import urllib3  # imported here: only the network commands pay for it

        self._key = check_key(key, key_variable)
        self.base_url = check_base_url(base_url)
        self.key_variable = key_variable
        self.retries = retries
        retry = urllib3.Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POSTs here are reads (counting, listing): safe to repeat
            backoff_factor=backoff,
            backoff_max=BACKOFF_MAX,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back and becomes one clear error
            raise_on_redirect=False,
        )
        self._headers = {
            "Authorization": f"Bearer {self._key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._pool = urllib3.PoolManager(
            maxsize=max(1, connections),
            retries=retry,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            headers=self._headers,
        )

    def get_json(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        """GET ``base_url + path`` with ``params`` (repeated names allowed); the parsed JSON body.

        Numbers with a fraction parse as Decimal, so money in an answer stays exact.
        """
        query = f"?{urlencode(list(params))}" if params else ""
        return self._request("GET", path + query, None, path)

    def post_json(self, path: str, body: Any) -> Any:
        """POST ``body`` as JSON to ``base_url + path``; the parsed JSON body."""
        return self._request("POST", path, json.dumps(body).encode(), path)

    def _request(self, method: str, target: str, body: bytes | None, endpoint: str) -> Any:
        import urllib3

        url = self.base_url + target
        where = f"{method} {endpoint}"
        # headers given to one request replace the pool's, so the auth header goes in each time
        headers = {**self._headers, "Content-Type": "application/json"} if body is not None else self._headers
        try:
            resp = self._pool.request(method, url, body=body, headers=headers, preload_content=True)
        except urllib3.exceptions.MaxRetryError as exc:
            reason = exc.reason if exc.reason is not None else exc
            raise ApiError(
                self._clean(
                    f"{where}: cannot reach {_host(url)} ({_why(reason)}) after {self.retries} "
                    "retries; check the network or --base-url"
                )
            ) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ApiError(
                self._clean(f"{where}: {_host(url)}: {_why(exc)}; check the network or --base-url")
            ) from None
        status = resp.status
        data = resp.data
        if status >= 400:
            raise ApiError(self._clean(self._status_message(where, status, data)), status)
        try:
            return repeats.loads(data, parse_float=Decimal)  # a key given twice noted, for the caller to refuse
        except (ValueError, UnicodeDecodeError):
            raise ApiError(
                f"{where}: the answer ({status}) is not JSON: {quoted(_snippet(data))}; is --base-url an "
                "OpenAI API base URL (ending in /v1)?"
            ) from None

    def _status_message(self, where: str, status: int, data: bytes) -> str:
        detail = _error_detail(data)
        tail = f": {detail}" if detail else ""
        var = self.key_variable
        if status == 401:
            return f"{where}: 401 unauthorized{tail}; {var} was refused: check that it holds a current key"
        if status == 403:
            return (
                f"{where}: 403 forbidden{tail}; the key in {var} may not call this endpoint "
                "(the organization Usage and Costs APIs need an admin key, sk-admin-...)"
            )
        if status == 404:
            return f"{where}: 404 not found{tail}; check --base-url (it should end in /v1)"
        if status == 429:
            return f"{where}: 429 rate limited{tail}; gave up after {self.retries} retries, try again later"
        if status >= 500:
            return f"{where}: {status} server error{tail}; gave up after {self.retries} retries, try again later"
        return f"{where}: HTTP {status}{tail}"

    def _clean(self, message: str) -> str:
        return redact(message, self._key)

    def __repr__(self) -> str:  # never the key
        return f"OpenAIClient(base_url={self.base_url!r}, key=[redacted])"

    def close(self) -> None:
        self._pool.clear()

    def __enter__(self) -> OpenAIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _why(exc: object) -> str:
    text = str(exc)
    # urllib3 wraps: "<urllib3.connection.HTTPConnection object at 0x..>: Failed to establish ... [Errno 111] ..."
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return text.strip() or type(exc).__name__


def _snippet(data: bytes, n: int = 60) -> str:
    return data[:n].decode("utf-8", "replace")


def _error_detail(data: bytes) -> str:
    """OpenAI's ``{"error": {"message": ...}}``, or the start of a plain body."""
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return _snippet(data, 120).strip()
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])[:200]
        if isinstance(err, str):
            return err[:200]
    return ""


__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "OpenAIClient",
    "check_base_url",
    "check_key",
    "redact",
]
