"""Polite HTTP fetching shared by every source.

One ``Fetcher`` per run wraps an httpx client: a descriptive User-Agent, timeouts, a minimum delay
between calls to the same host (arXiv's API asks for 3 s), retries with exponential backoff on
429 and 5xx that honour ``Retry-After``, and a cap on response size so a runaway body cannot fill
memory. Tests point it at a real local server; ``transport`` lets them inject an httpx transport,
and ``sleep`` and ``clock`` a fake clock that records every wait instead of sitting through it.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from paperradar import __version__
from paperradar.errors import FetchError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_HOST_DELAYS: Mapping[str, float] = {
    "export.arxiv.org": 3.0,  # arXiv API terms: no more than one request every three seconds
    "rss.arxiv.org": 1.0,
    "huggingface.co": 0.5,
    "api.openalex.org": 0.2,  # 10 requests/s in the polite pool; stay well under
    "api.crossref.org": 0.5,  # the public pool allows 5/s; concurrency 1
    "api.semanticscholar.org": 1.1,  # 1 request/s for keyed clients, shared pool otherwise
    "public.api.bsky.app": 0.5,
}
USER_AGENT = f"paper-radar/{__version__} (personal research radar; python-httpx)"


@dataclass
class FetchPolicy:
    """How politely and how persistently to fetch."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_retry_after: float = 300.0  # a longer Retry-After is reported, not waited out
    max_bytes: int = 25 * 1024 * 1024
    default_delay: float = 1.0
    host_delays: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_HOST_DELAYS))
    user_agent: str = USER_AGENT


class Fetcher:
    """GET with politeness, retries and a size cap.

    Thread-safe, so different hosts can be fetched in parallel while each host stays polite.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.Client(
            timeout=self.policy.timeout,
            headers={"User-Agent": self.policy.user_agent},
            follow_redirects=True,
            transport=transport,
        )
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_call: dict[str, float] = {}
        self._guard = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def delay_for(self, host: str) -> float:
        return self.policy.host_delays.get(host, self.policy.default_delay)

    def get(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """The body of a successful GET, or ``FetchError`` once retries are exhausted."""
        return self.request("GET", url, params, headers=headers)

    def post_json(
        self,
        url: str,
        body: Any,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """POST a JSON body (Semantic Scholar's list recommendations), same politeness."""
        return self.request("POST", url, params, headers=headers, json_body=body)

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> bytes:
        host = urlsplit(url).hostname or ""
        with self._guard:
            lock = self._host_locks.setdefault(host, threading.Lock())
        call = _Call(method, url, params, dict(headers or {}), json_body)
        # Holding the host lock across the retries keeps every call to one host in single file.
        with lock:
            return self._with_retries(call, host)

    def _with_retries(self, call: _Call, host: str) -> bytes:
        url = call.url
        attempt = 0
        while True:
            self._wait_turn(host)
            wait: float | None = None
            status: int | None = None
            try:
                code, body, retry_after = self._once(call)
            except httpx.TimeoutException as exc:
                problem = f"timed out after {self.policy.timeout:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                problem = f"could not connect: {exc}"
            else:
                if code < 400:
                    return body
                status, problem, wait = code, f"HTTP {code}", retry_after
                if code not in RETRY_STATUSES:
                    raise FetchError(f"{url}: {problem}", url=url, status=code)
            if attempt >= self.policy.retries:
                raise FetchError(
                    f"{url}: {problem} (gave up after {attempt + 1} attempts)",
                    url=url,
                    status=status,
                )
            if wait is None:
                wait = self.policy.backoff * (2**attempt)
            elif wait > self.policy.max_retry_after:
                raise FetchError(
                    f"{url}: {problem}, server asks to retry after {wait:.0f} s; try again later",
                    url=url,
                    status=status,
                )
            self._sleep(wait)
            attempt += 1

    def _wait_turn(self, host: str) -> None:
        delay = self.delay_for(host)
        last = self._last_call.get(host)
        if last is not None and delay > 0:
            remaining = last + delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last_call[host] = self._clock()

    def _once(self, call: _Call) -> tuple[int, bytes, float | None]:
        url = call.url
        with self._client.stream(
            call.method, url, params=call.params, headers=call.headers, json=call.json_body
        ) as response:
            if response.status_code >= 400:
                response.read()
                return (
                    response.status_code,
                    b"",
                    parse_retry_after(response.headers.get("Retry-After")),
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise self._too_big(url)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise self._too_big(url)
                chunks.append(chunk)
            return response.status_code, b"".join(chunks), None

    def _too_big(self, url: str) -> FetchError:
        limit = self.policy.max_bytes / (1024 * 1024)
        return FetchError(f"{url}: response larger than {limit:g} MB; refused", url=url)


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    params: Mapping[str, str | int] | None
    headers: dict[str, str]
    json_body: Any


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
