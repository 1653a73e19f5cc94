"""The radar page's guard: who may talk to it, and which requests may change anything.

A pure ASGI middleware, so it runs before routing and costs microseconds. It enforces:

- **Host**: on loopback only ``localhost``/``127.0.0.1``/``[::1]`` and the bound address itself
  (``--host 127.0.0.2``) are served as Host headers, which stops DNS-rebinding pages from
  reaching the reader's store through their own domain.
- **Token**: when one is set (required off loopback), every request must carry it as
  ``Authorization: Bearer``, the ``radar_token`` cookie, or once as ``?token=`` (which sets the
  cookie and redirects to the same path on this server without it, so it does not linger in the
  history; ``//host/...`` never becomes an off-site redirect).
- **CSRF**: state changes are POST only; a POST must come from this origin, port included
  (``Origin`` and ``Sec-Fetch-Site`` when the browser sends them: cookies are shared by every
  port of a host, so a page on another local port could plant the cookie) and carry the
  ``radar_csrf`` cookie's value
  back, in the ``X-CSRF-Token`` header or a ``csrf`` form field (checked by ``check_csrf``).
- **Headers**: a Content-Security-Policy that allows only this origin's own script and no
  frames, plus nosniff and no-referrer, on every response.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import HTTPException, Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "radar_csrf"
TOKEN_COOKIE = "radar_token"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """Wraps the app; ``host`` is the address the server binds to."""

    def __init__(self, app: ASGIApp, *, host: str, token: str | None) -> None:
        self.app = app
        self.token = token or None
        self.loopback_only = is_loopback(host)
        bound = _hostname(host)
        self.hosts = LOOPBACK_NAMES | {bound, f"[{bound.strip('[]')}]"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        if self.loopback_only and _hostname(headers.get("host", "")) not in self.hosts:
            await _refuse(
                send, 400, "unknown Host header: this server answers on localhost only", scope
            )
            return
        extra: list[tuple[bytes, bytes]] = []
        if self.token and not self._authorised(headers, cookies):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.pop("token", "")
            if given and hmac.compare_digest(given, self.token) and scope["method"] == "GET":
                rest = urlencode(query)
                where = _local_path(scope["path"]) + (f"?{rest}" if rest else "")
                await _redirect(send, where, _cookie(TOKEN_COOKIE, self.token))
                return
            await _refuse(
                send,
                401,
                "this radar needs its token: open the address once with ?token=… "
                "(API clients send Authorization: Bearer …)",
                scope,
            )
            return
        if scope["method"] not in SAFE_METHODS:
            site = headers.get("sec-fetch-site", "same-origin")
            origin = headers.get("origin")
            if site not in ("same-origin", "none") or (
                origin is not None
                and not _same_origin(origin, headers.get("host", ""), scope.get("scheme", "http"))
            ):
                await _refuse(send, 403, "cross-site request refused", scope)
                return
        csrf = cookies.get(CSRF_COOKIE, "")
        if len(csrf) < 16:
            csrf = secrets.token_urlsafe(24)
            extra.append((b"set-cookie", _cookie(CSRF_COOKIE, csrf)))
        scope.setdefault("state", {})["csrf"] = csrf

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _authorised(self, headers: dict[str, str], cookies: dict[str, str]) -> bool:
        assert self.token is not None
        bearer = headers.get("authorization", "")
        given = bearer[7:] if bearer.lower().startswith("bearer ") else cookies.get(TOKEN_COOKIE)
        return bool(given) and hmac.compare_digest(given or "", self.token)


async def check_csrf(request: Request) -> None:
    """A dependency of every POST: the cookie's value must come back in a header or field."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get("x-csrf-token", "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = str((await request.form()).get("csrf", ""))
    if not expected or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "missing or stale CSRF token: reload the page and try again")


def _same_origin(origin: str, host: str, scheme: str) -> bool:
    """Whether the ``Origin`` header names this server: same host and same port, where a port
    left out is the default of the origin's scheme for the Origin and of the request's own
    scheme (``https`` behind a proxy uvicorn trusts) for the Host header."""
    defaults = {"http": 80, "https": 443}
    try:
        theirs = urlsplit(origin.strip().lower())
        ours = urlsplit(f"//{host.strip().lower()}")
        their_port, our_port = theirs.port, ours.port
    except ValueError:  # a malformed port or bracket
        return False
    if theirs.scheme not in defaults or theirs.hostname is None:
        return False  # "null" (a sandboxed frame, a file) or no web origin at all
    return theirs.hostname == ours.hostname and (their_port or defaults[theirs.scheme]) == (
        our_port or defaults.get(scheme, 80)
    )


def _local_path(path: str) -> str:
    """``path`` as a redirect target on this server: one leading slash (a browser reads "//x" or
    "/\\x" as another host) and the rest percent-encoded as it arrived decoded."""
    return "/" + quote(path.lstrip("/\\"), safe="/:@!$&'()*+,;=~")


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header counts as none
        return {}
    return {k: m.value for k, m in jar.items()}


def _cookie(name: str, value: str) -> bytes:
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict".encode()


async def _refuse(send: Send, status: int, message: str, scope: Scope | None = None) -> None:
    """The refusal as JSON, or as a small page for a browser asking for a page (the templates
    are not used: the guard answers before the app, and must not depend on it)."""
    accept = _header(scope, "accept") if scope else ""
    if scope is not None and "text/html" in accept and not scope["path"].startswith("/api"):
        kind, body = b"text/html; charset=utf-8", _page(status, message)
    else:
        kind, body = b"application/json", json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: str) -> str:
    wanted = name.encode()
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == wanted), "")


def _page(status: int, message: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{status} · Paper Radar</title></head><body><h1>Paper Radar cannot answer this</h1>"
        f"<p>{html.escape(message)}</p></body></html>"
    ).encode()


async def _redirect(send: Send, where: str, cookie: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", where.encode()), (b"set-cookie", cookie), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": b""})
