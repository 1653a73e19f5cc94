"""Polite HTTP fetching shared by every source.

One ``Fetcher`` per run wraps an httpx client: a descriptive User-Agent, timeouts, a minimum delay
between calls to the same host (arXiv's API asks for 3 s), retries with exponential backoff on
429 and 5xx that honour ``Retry-After``, and a cap on response size so a runaway body cannot fill
memory. One exchange has an overall deadline besides the per-read timeout, so a server that drips
a byte at a time cannot hold a run. Redirects are followed here, not by httpx: each hop waits its
host's turn, a loop ends after a few hops, and a hop to another origin leaves the credentials
behind (API-key headers and query parameters belong to the origin they were given for). Every
httpx error becomes a ``FetchError``; a host name that does not resolve is not retried. Tests
point it at a real local server; ``transport`` lets them inject an httpx transport, and ``sleep``
and ``clock`` a fake clock that records every wait instead of sitting through it.
"""

from __future__ import annotations

import email.utils
import socket
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
# Header and query-parameter names (lower case) that carry credentials: kept from other origins.
SECRET_NAMES = frozenset(
    {"authorization", "cookie", "x-api-key", "api_key", "api-key", "apikey", "access_token"}
)
USER_AGENT = f"paper-radar/{__version__} (personal research radar; python-httpx)"


@dataclass
class FetchPolicy:
    """How politely and how persistently to fetch."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_retry_after: float = 300.0  # a longer Retry-After is reported, not waited out
    max_bytes: int = 25 * 1024 * 1024
    deadline: float = 60.0  # seconds one exchange may take in all: redirects, headers, body
    max_redirects: int = 5
    secret_names: frozenset[str] = SECRET_NAMES
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
            follow_redirects=False,  # followed by _exchange, hop by hop
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
            answer = self._attempt(call, host)
            if isinstance(answer, str):
                problem = answer
            else:
                code, body, retry_after = answer
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

    def _attempt(self, call: _Call, host: str) -> tuple[int, bytes, float | None] | str:
        """One exchange's answer, or what went wrong when it is worth another attempt."""
        try:
            return self._once(call)
        except httpx.TimeoutException as exc:
            return f"timed out after {self.policy.timeout:g} s ({type(exc).__name__})"
        except httpx.ConnectError as exc:
            if _unresolvable(exc):
                # A name that does not resolve will not resolve on the next attempt either.
                raise FetchError(
                    f"{call.url}: cannot resolve the host name {host!r}: {exc}", url=call.url
                ) from exc
            return f"could not connect: {exc}"
        except httpx.TransportError as exc:
            return f"could not connect: {exc}"
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            # Not worth another attempt: a body that cannot be decoded, an unusable URL or
            # redirect target. Caught here so no httpx error reaches a caller as itself.
            raise FetchError(f"{call.url}: {type(exc).__name__}: {exc}", url=call.url) from exc

    def _wait_turn(self, host: str) -> None:
        delay = self.delay_for(host)
        last = self._last_call.get(host)
        if last is not None and delay > 0:
            remaining = last + delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last_call[host] = self._clock()

    def _once(self, call: _Call) -> tuple[int, bytes, float | None]:
        """One exchange, redirects included, within the policy's deadline."""
        started = time.monotonic()  # the real clock: a deadline bounds real waiting
        request = self._client.build_request(
            call.method, call.url, params=call.params, headers=call.headers, json=call.json_body
        )
        for hop in range(self.policy.max_redirects + 1):
            if hop:
                self._wait_turn(request.url.host)
            left = self._left(call.url, started)
            request.extensions["timeout"] = httpx.Timeout(min(self.policy.timeout, left)).as_dict()
            try:
                response = self._client.send(request, stream=True)
                try:
                    following = response.next_request
                    if following is None:
                        return self._read(response, call.url, started)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                if left < self.policy.timeout:  # the deadline, not the server, cut this read
                    raise self._past_deadline(call.url) from exc
                raise
            request = self._redirected(request, following)
        raise FetchError(
            f"{call.url}: more than {self.policy.max_redirects} redirects (a redirect loop?)",
            url=call.url,
        )

    def _redirected(self, before: httpx.Request, after: httpx.Request) -> httpx.Request:
        """The next hop's request; credentials stay behind when it leaves the origin."""
        if _origin(before.url) == _origin(after.url):
            return after
        secret = self.policy.secret_names
        for name in [n for n in after.headers if n.lower() in secret]:
            del after.headers[name]
        for key in {k for k in after.url.params if k.lower() in secret}:
            after.url = after.url.copy_remove_param(key)
        return after

    def _left(self, url: str, started: float) -> float:
        left = self.policy.deadline - (time.monotonic() - started)
        if left <= 0:
            raise self._past_deadline(url)
        return left

    def _past_deadline(self, url: str) -> FetchError:
        return FetchError(
            f"{url}: no complete answer within {self.policy.deadline:g} s; gave up", url=url
        )

    def _read(
        self, response: httpx.Response, url: str, started: float
    ) -> tuple[int, bytes, float | None]:
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
            self._left(url, started)
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


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _unresolvable(exc: BaseException) -> bool:
    """Whether a connect error was a name resolution failure (getaddrinfo's gaierror)."""
    seen: BaseException | None = exc
    for _ in range(8):  # httpx wraps httpcore's error, which wraps the socket's
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
