"""Who may use the app, and how requests are checked before any route sees them.

Like Jupyter, the app has one random token per start (:func:`~tariffsim.web.settings.new_token`),
printed with the URL. :class:`Gate` is an ASGI middleware in front of every route, static files
and the OpenAPI schema included:

* **Host** — a request must be addressed to one of the app's host names (127.0.0.1, localhost
  and ::1 when bound to the loopback interface), which a DNS-rebinding page cannot fake;
* **size** — a body larger than :data:`~tariffsim.web.settings.MAX_UPLOAD_BYTES` (1 MB) gets 413,
  whether it declares its length or not;
* **who** — ``?token=TOKEN`` opens a browser session: the app sets an HttpOnly, SameSite=Strict
  session cookie and redirects to the same address without the token; scripts send
  ``Authorization: Bearer TOKEN``. No credentials: 401; a wrong token: 403. With
  ``--no-token`` every request gets a session;
* **CSRF** — a state-changing request (POST, PUT, PATCH, DELETE) of a cookie session must carry
  the session's CSRF token, in the ``X-CSRF-Token`` header (htmx sends it on every request) or
  the ``csrf_token`` form field, and an ``Origin``, when it has one, naming the app itself.
  Scripts using the bearer token need none (a cross-site page cannot send that header);
* **headers** — every response says ``Content-Security-Policy`` (scripts only from the app and
  inline scripts only with the page's nonce), ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` (no address, and so no token, leaves for another site) and ``X-Frame-Options: DENY``.

What the gate learns is left in ``request.state``: ``client`` (who, for job limits), ``session``
(the browser session, or None for scripts), ``nonce`` (for inline scripts of the page).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from tariffsim.web.settings import AppSettings

__all__ = ["Gate", "Session", "Sessions", "BodyTooLarge", "SAFE_METHODS", "CSRF_HEADER", "CSRF_FIELD"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_SESSIONS = 1000
"""Browser sessions remembered (the oldest is forgotten first)."""


class BodyTooLarge(Exception):
    """A request body above the app's limit (raised while it is read; answered with 413)."""


@dataclass(frozen=True)
class Session:
    """A browser session: its id (the cookie's value) and its CSRF token."""

    id: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    created: float = field(default_factory=time.time)

    @property
    def client(self) -> str:
        """Who the session is, for job limits."""
        return f"session:{self.id[:12]}"


class Sessions:
    """The app's browser sessions, in memory (a restart asks for the new token again)."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def new(self) -> Session:
        session = Session()
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self._limit:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            return self._sessions.get(session_id)


def _same(given: str | None, expected: str | None) -> bool:
    if not given or expected is None:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, without port and IPv6 brackets."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def wants_json(request: Request) -> bool:
    """Whether the caller is a script (the JSON API, or no HTML accepted)."""
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json" or \
        "text/html" not in request.headers.get("accept", "")


def error_body(request: Request, status: int, message: str) -> tuple[bytes, str]:
    """A one-line error as JSON (scripts) or a small HTML page (browsers): body and media type."""
    if wants_json(request):
        return json.dumps({"error": message, "status": status}).encode(), "application/json"
    text = html.escape(message)
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>tariffsim: {status}</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>tariffsim</h1>'
            f'<p class="error" role="alert">{text}</p></main></body></html>')
    return page.encode(), "text/html; charset=utf-8"


class Gate:
    """The ASGI middleware that checks every request (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: AppSettings, sessions: Sessions) -> None:
        self.app = app
        self.settings = settings
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        nonce = secrets.token_urlsafe(16)
        extra: list[tuple[bytes, bytes]] = self._headers(nonce, request.url.path.startswith("/static/"))

        async def fail(status: int, message: str, more: list[tuple[bytes, bytes]] | None = None) -> None:
            body, media = error_body(request, status, message)
            headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode()),
                       *extra, *(more or [])]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        if self.settings.hosts and _host_name(request.headers.get("host", "")) not in self.settings.hosts:
            await fail(400, "this app answers only to " + ", ".join(self.settings.hosts) + " (the Host header "
                       "names another host)")
            return
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.max_body:
            await fail(413, f"the request is larger than {self.settings.max_body // 1024} KB: uploads are limited "
                            "to 1 MB")
            return

        token = self.settings.token
        session = self.sessions.get(request.cookies.get(self.settings.cookie))
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        query_token = request.query_params.get("token")
        new_session: Session | None = None
        via = "cookie"
        if query_token is not None:
            if not _same(query_token, token) and token is not None:
                await fail(403, "wrong token: open the address that `tariffsim serve` printed")
                return
            if request.method in SAFE_METHODS and not wants_json(request):
                session = session or self.sessions.new()
                rest = urlencode([(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)
                                  if k != "token"])
                target = request.url.path + (f"?{rest}" if rest else "")
                await send({"type": "http.response.start", "status": 303,
                            "headers": [(b"location", target.encode()), (b"content-length", b"0"),
                                        self._cookie(session), *extra]})
                await send({"type": "http.response.body", "body": b""})
                return
            via = "bearer"
        elif bearer is not None:
            if token is not None and not _same(bearer, token):
                await fail(403, "wrong token in the Authorization header")
                return
            via = "bearer"
        elif authorization and token is None:
            via = "bearer"  # --no-token: a script says so with any Authorization header
        elif session is None:
            if token is not None:
                await fail(401, "this app needs its token: open the address that `tariffsim serve` printed "
                                "(it ends in ?token=...), or send Authorization: Bearer TOKEN",
                           [(b"www-authenticate", b'Bearer realm="tariffsim"')])
                return
            session = new_session = self.sessions.new()

        if via == "cookie" and session is not None and request.method not in SAFE_METHODS:
            origin = request.headers.get("origin")
            if origin is not None and _host_name(origin.split("://", 1)[-1].split("/", 1)[0]) != \
                    _host_name(request.headers.get("host", "")):
                await fail(403, "cross-site request refused (its Origin is another site)")
                return
            given = request.headers.get(CSRF_HEADER)
            if given is None:
                body = await _read_body(receive, self.settings.max_body)
                if body is None:
                    await fail(413, f"the request is larger than {self.settings.max_body // 1024} KB: uploads are "
                                    "limited to 1 MB")
                    return
                given = await _form_field(scope, body, CSRF_FIELD)
                receive = _replay(body)
            if not _same(given, session.csrf):
                await fail(403, "missing or wrong CSRF token: reload the page and try again")
                return

        state = scope.setdefault("state", {})
        state.update(nonce=nonce, session=session, via=via,
                     client=session.client if via == "cookie" and session is not None else "token")
        cookie = [self._cookie(new_session)] if new_session is not None else []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *extra, *cookie]
            await send(message)

        await self.app(scope, _limited(receive, self.settings.max_body), send_with_headers)

    def _cookie(self, session: Session) -> tuple[bytes, bytes]:
        return (b"set-cookie", f"{self.settings.cookie}={session.id}; HttpOnly; SameSite=Strict; Path=/".encode())

    @staticmethod
    def _headers(nonce: str, static: bool) -> list[tuple[bytes, bytes]]:
        policy = (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        return [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"),
                (b"cache-control", b"private, max-age=86400" if static else b"no-store")]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it grows past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    """One field of a form body (URL-encoded or multipart), or None."""
    kind = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1")
    if not kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    request = Request(dict(scope), _replay(body))
    try:
        form = await request.form()
    except Exception:  # a garbled form body: no token in it
        return None
    try:
        value = form.get(name)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` raising :class:`BodyTooLarge` once more than ``limit`` bytes arrived (bodies without a
    declared length)."""
    size = 0

    async def wrapped() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(f"the request is larger than {limit // 1024} KB: uploads are limited to 1 MB")
        return message

    return wrapped
