"""``radar serve``: the radar page, a server-rendered web app over the store.

FastAPI serves Jinja2 pages (``pages``) and a JSON API under ``/api`` (``api``) documented by
the app's own OpenAPI schema at ``/openapi.json`` and the ``/api`` page. The only script is the
package's own ``static/app.js``, and it only enhances: every filter, batch and feedback button is
a plain link or form that works without it. ``security.Guard`` wraps everything (Host check,
token, CSRF, CSP).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperradar import __version__
from paperradar.errors import NotFoundError, RadarError, UsageError
from paperradar.web import api, pages
from paperradar.web.security import Guard
from paperradar.web.state import Radar

__all__ = ["create_app"]


def create_app(home: Path, *, host: str = "127.0.0.1", token: str | None = None) -> Guard:
    """The ASGI app for the store under ``home``, guarded for the address it will bind."""
    radar = Radar(home)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        radar.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Paper Radar",
        version=__version__,
        summary="Your ranked radar, briefings, search and profile, as JSON.",
        # The bundled Swagger/ReDoc pages load scripts from a CDN; the /api page lists the
        # endpoints from the same schema instead, and works offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.radar = radar
    static = resources.files("paperradar") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(RadarError)
    async def radar_error(request: Request, exc: RadarError) -> Response:
        status = 500
        if isinstance(exc, NotFoundError):
            status = 404
        elif isinstance(exc, UsageError):
            status = 400
        return _error(request, status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
        return _error(request, 422, problems)

    return Guard(app, host=host, token=token)


def _error(request: Request, status: int, message: str) -> Response:
    if not wants_html(request.url.path, request.headers.get("accept", "")):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.error_page(request, status, message)


def wants_html(path: str, accept: str) -> bool:
    """An error on a page is a page, unless the client asks for JSON and not HTML; the API
    (``/api``) always answers JSON."""
    if path.startswith("/api"):
        return False
    accept = accept.lower()
    return "text/html" in accept or "json" not in accept
