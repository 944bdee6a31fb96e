"""The HTTP conversation with one Jira site: authentication, safety limits, retries, and errors people can act on.

Safety: the base URL must be https (unless explicitly allowed, for a local test server); redirects are followed only
within the same scheme and host, so a credential is never sent elsewhere; every call has a timeout; a response
larger than ``max_bytes`` is refused instead of filling memory.

Faults: 429 and 503 honour ``Retry-After`` (seconds or an HTTP date, capped); other 5xx answers, timeouts and
dropped connections are retried with capped exponential backoff and full jitter. Every call Cadence makes to Jira
only reads, so retrying one is always safe.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from cadence.connectors.errors import SourceAuthError, SourceUnavailable
from cadence.domain.errors import ConfigurationError

__all__ = ["JiraClient", "JiraCredential", "NotFoundAnswer"]

_RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class JiraCredential:
    """Cloud: an account e-mail and API token (HTTP Basic). Data Center: a personal access token (Bearer)."""

    flavour: Literal["cloud", "dc"]
    token: str
    email: str | None = None
    hint: str = "the credential"
    """Names what a person should check on a 401, e.g. "the e-mail and the API token in $JIRA_TOKEN"."""

    def headers(self) -> dict[str, str]:
        if self.flavour == "cloud":
            pair = base64.b64encode(f"{self.email or ''}:{self.token}".encode()).decode("ascii")
            return {"Authorization": f"Basic {pair}"}
        return {"Authorization": f"Bearer {self.token}"}


class NotFoundAnswer(Exception):
    """Jira answered 404: the caller decides whether that means "no such endpoint here" or "no such issue"."""


class BadRequestAnswer(SourceUnavailable):
    """Jira answered 400; ``body`` keeps its JSON so a writer can say which field it refused and why."""

    def __init__(self, message: str, body: bytes) -> None:
        super().__init__(message, status=400)
        self.body = body


class JiraClient:
    def __init__(
        self,
        base_url: str,
        credential: JiraCredential,
        *,
        allow_http: bool = False,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_bytes: int = 64 * 1024 * 1024,
        retries: int = 6,
        backoff: float = 0.5,
        backoff_cap: float = 30.0,
        retry_after_cap: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ConfigurationError(f"Jira URL '{base_url}' is not an http(s) URL")
        if parts.scheme == "http" and not allow_http:
            raise ConfigurationError(
                f"Jira URL '{base_url}' is not https; credentials would travel in clear (use --allow-http only for a "
                "local test server)"
            )
        self.base_url = base_url.rstrip("/") + "/"
        self._origin = (parts.scheme, parts.netloc.lower())
        self.credential = credential
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._random = random.Random(seed)  # noqa: S311 - jitter, not security
        self._lock = threading.Lock()
        self._http = httpx.Client(
            headers={"Accept": "application/json", "User-Agent": "cadence", **credential.headers()},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=transport,
        )
        self.calls = 0

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST for reads that take a body (issue search, bulk changelogs); never a write."""
        return self._call("POST", path, json=body)

    def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """A write (an issue's fields), with the same auth, redirect, size and retry rules as every read."""
        return self._call("PUT", path, json=body)

    # --- internals -------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = urljoin(self.base_url, path.lstrip("/"))
        attempt = 0
        while True:
            with self._lock:
                self.calls += 1
            try:
                status, headers, body, final_url = self._send(method, url, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                if attempt >= self.retries:
                    raise SourceUnavailable(
                        f"Jira at {self.base_url} did not answer {path} after {attempt + 1} attempts: {error!r}",
                        url=self.base_url,
                    ) from None
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            if status in _RETRY_STATUSES and attempt < self.retries:
                self._sleep(self._retry_after(headers) if status in {429, 503} else self._backoff(attempt))
                attempt += 1
                continue
            return self._answer(status, body, path, final_url)

    def _send(self, method: str, url: str, **kwargs: Any) -> tuple[int, httpx.Headers, bytes, str]:
        for _ in range(5):
            with self._http.stream(method, url, **kwargs) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("Location", ""))
                    parts = urlsplit(target)
                    if (parts.scheme, parts.netloc.lower()) != self._origin:
                        raise SourceUnavailable(
                            f"Jira at {self.base_url} redirected to {parts.scheme}://{parts.netloc}; Cadence only "
                            "follows redirects within the same host (set the source URL to the site's real address)"
                        )
                    url = target
                    continue
                declared = int(response.headers.get("Content-Length") or 0)
                if declared > self.max_bytes:
                    raise self._too_large(url)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise self._too_large(url)
                    chunks.append(chunk)
                return response.status_code, response.headers, b"".join(chunks), url
        raise SourceUnavailable(f"Jira at {self.base_url} redirected more than 5 times for {url}")

    def _too_large(self, url: str) -> SourceUnavailable:
        return SourceUnavailable(f"Jira's answer to {url} is larger than {self.max_bytes:,} bytes; refused")

    def _answer(self, status: int, body: bytes, path: str, url: str) -> Any:
        if status == 401:
            raise SourceAuthError(
                f"Jira at {self.base_url} refused the credential (HTTP 401): check {self.credential.hint}",
                status=status,
            )
        if status == 403:
            raise SourceAuthError(
                f"Jira at {self.base_url} denied access to {path} (HTTP 403): the account needs the 'Browse projects' "
                f"permission on the synced projects (and {self.credential.hint} must not be scope-restricted)",
                status=status,
            )
        if status == 404:
            raise NotFoundAnswer(path)
        if status == 400:
            raise BadRequestAnswer(
                f"Jira at {self.base_url} answered HTTP 400 to {path}: {body[:200].decode(errors='replace')}", body
            )
        if status == 410:
            raise SourceUnavailable(f"Jira at {self.base_url} says {path} is gone (HTTP 410)", status=status)
        if status >= 400:
            raise SourceUnavailable(
                f"Jira at {self.base_url} answered HTTP {status} to {path}: {body[:200].decode(errors='replace')}",
                status=status,
            )
        if status == 204 or not body:
            return None
        try:
            return httpx.Response(status, content=body).json()
        except ValueError:
            raise SourceUnavailable(f"Jira at {self.base_url} answered {url} with something that is not JSON") from None

    def _backoff(self, attempt: int) -> float:
        return self._random.uniform(0, min(self.backoff_cap, self.backoff * 2**attempt))

    def _retry_after(self, headers: httpx.Headers) -> float:
        """The wait a 429/503 asks for: seconds or an HTTP date, capped; absent or unreadable, a short backoff."""
        value = headers.get("Retry-After")
        seconds = None if value is None else _seconds_of(value)
        if seconds is None:
            return self._backoff(0) + self.backoff
        return min(max(seconds, 0.0), self.retry_after_cap)


def _seconds_of(value: str) -> float | None:
    """``Retry-After`` in seconds from now, or ``None`` when it is neither a number nor an HTTP date (a proxy's
    own invention, say): that must not end the sync."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete zone-less form parses naive
            parsed = parsed.replace(tzinfo=dt.UTC)
        seconds = parsed.timestamp() - time.time()
    return seconds if math.isfinite(seconds) else None
