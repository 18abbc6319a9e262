"""The FastAPI application: pages, the JSON API, static files, the gate in front and one-line errors.

Errors never show a traceback. A :class:`~tariffsim.errors.TariffsimError` (what a user can cause: a
wrong scenario, an unknown run, a job limit) is answered with its one line (400, 404 for what does
not exist, 429 for job limits); anything else is logged with its traceback under ``tariffsim.web``
and answered with one line and a reference to find it in the log (500).
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

from tariffsim._version import __version__
from tariffsim.errors import TariffsimError
from tariffsim.web import api, pages
from tariffsim.web.context import STATIC, Context
from tariffsim.web.jobs import JobLimit
from tariffsim.web.security import BodyTooLarge, Gate, error_body, wants_json
from tariffsim.web.settings import AppSettings

__all__ = ["create_app"]

log = logging.getLogger("tariffsim.web")


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def create_app(settings: AppSettings | None = None) -> FastAPI:
    """The app for ``settings`` (default: a fresh token, loopback hosts, the default data directory)."""
    settings = settings or AppSettings()
    context = Context(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.close()

    app = FastAPI(title="tariffsim", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=lifespan,
                  description="Numbers on trade wars and trade talks: the JSON API of `tariffsim serve`. Send "
                              "`Authorization: Bearer TOKEN` (the token the server printed). Errors are "
                              '`{"error": "one line", "status": CODE}`.')
    app.state.tariffsim = context

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(_plotly_js(), media_type="text/javascript")

    @app.get("/static/report.css", include_in_schema=False)
    def report_css() -> Response:
        from tariffsim.report.html import report_css as css

        return Response(css(), media_type="text/css")

    app.mount("/static", StaticFiles(directory=Path(STATIC)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    def answer(request: Request, status: int, message: str) -> Response:
        line = " ".join(message.split()) or "error"
        if wants_json(request):
            return JSONResponse({"error": line, "status": status}, status_code=status)
        if request.headers.get("hx-request"):
            return HTMLResponse(f'<p class="error" role="alert">{html.escape(line)}</p>', status_code=status)
        body, media = error_body(request, status, line)
        return Response(body, status_code=status, media_type=media.split(";")[0])

    @app.exception_handler(TariffsimError)
    async def library_error(request: Request, exc: TariffsimError) -> Response:
        text = str(exc)
        status = 429 if isinstance(exc, JobLimit) else 404 if text.startswith(("no run ", "no job ", "no saved ",
                                                                                 "no world ")) else 400
        return answer(request, status, text)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return answer(request, 413, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return answer(request, 422, f"{where}: {first.get('msg', 'invalid request')}" if where else
                      str(first.get("msg", "invalid request")))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = {404: f"no page {request.url.path[:80]}", 405: "method not allowed"}.get(exc.status_code,
                                                                                             str(exc.detail))
        return answer(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        reference = secrets.token_hex(4)
        log.error("internal error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return answer(request, 500, f"internal error ({type(exc).__name__}); reference {reference} in the server log")

    app.add_middleware(Gate, settings=settings, sessions=context.sessions)
    return app
