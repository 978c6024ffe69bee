"""What every request passes before any route sees it (a pure ASGI middleware, so nothing is read or parsed
first):

1. a URL (path + query) longer than :data:`MAX_URL_BYTES` → 414;
2. the read token, on every path but the probes and the login page (see :mod:`geoservice.api.auth`); a
   browser asking for a page without one is sent to the login form;
3. a request with a body (POST, PUT, PATCH) needs the execute token — checked before one byte of the body
   is read — except the login form; a body over ``settings.max_body_bytes`` → 413, by its Content-Length
   or, for a chunked body, as soon as the bytes read exceed it.

Each refusal is an ``application/problem+json`` response.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geoservice.api.auth import SESSION_COOKIE, execute_refusal, read_refusal
from geoservice.api.problems import PayloadTooLarge, problem, problem_for
from geoservice.settings import Settings

#: Longest URL (path and query string, as sent) accepted [bytes]; a CQL2 filter of the longest accepted text
#: (geoservice.api.cql2.MAX_FILTER_CHARS) percent-encoded fits. Longer: 414. The HTTP server must accept
#: request lines at least this long (``geoservice serve`` sets uvicorn's limit to SERVER_MAX_REQUEST_BYTES).
MAX_URL_BYTES = 768 * 1024
#: Largest request line + headers the HTTP server reads [bytes]; beyond it uvicorn answers a plain 400.
SERVER_MAX_REQUEST_BYTES = 4 * 1024 * 1024
#: Paths open without a token: the probes and the login page.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/login", "/logout"})
#: Largest login form [bytes].
LOGIN_MAX_BYTES = 4096


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        url_bytes = len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string") or b"")
        if url_bytes > MAX_URL_BYTES:
            await problem(414, "URI too long", f"the URL is {url_bytes} bytes long; at most {MAX_URL_BYTES} are "
                          "accepted (shorten the filter, or split the request)", "uri-too-long",
                          path[:200])(scope, receive, send)
            return
        headers = Headers(scope=scope)
        local = path.removeprefix(scope.get("root_path", "")) or "/"
        if local not in OPEN_PATHS:
            session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
            refusal = read_refusal(self.settings, headers.get("authorization"), session)
            if refusal is not None:
                if scope["method"] in ("GET", "HEAD") and "text/html" in headers.get("accept", ""):
                    target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string")
                                     else "")
                    await RedirectResponse(f"{scope.get('root_path', '')}/login?next={quote(target, safe='')}",
                                           status_code=303)(scope, receive, send)
                    return
                await problem_for(refusal, path)(scope, receive, send)
                return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = LOGIN_MAX_BYTES if local == "/login" else self.settings.max_body_bytes
        if local != "/login":
            refusal = execute_refusal(self.settings, headers.get("authorization"))
            if refusal is not None:
                await problem_for(refusal, path)(scope, receive, send)
                return
        length = headers.get("content-length")
        if length is not None and (not length.isascii() or not length.isdigit()):
            await problem(400, "Invalid request", "Content-Length is not a number", "invalid-parameter",
                          path)(scope, receive, send)
            return
        if length is not None and int(length) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        await self._limited(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(f"the request body exceeds {limit} bytes (GEOSERVICE_MAX_BODY_BYTES)")
        await problem_for(error, scope["path"])(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with a ``receive`` that stops a body growing past ``limit``."""
        read = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise PayloadTooLarge(f"the request body exceeds {limit} bytes (GEOSERVICE_MAX_BODY_BYTES)")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send, limit)
