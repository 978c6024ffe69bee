"""Tokens: executing processes needs ``settings.api_token``; reading is public unless ``settings.read_token``
is set (the execute token reads too). Tokens are compared in constant time.

Reading is checked for every path by :class:`geoservice.api.guard.RequestGuard` (data routes, the web maps
under ``/maps/`` and the API description alike), before any body is read; only the probes and the login
page are open. A client sends ``Authorization: Bearer <token>``; a browser signs in once at ``/login``,
which sets an HttpOnly, SameSite=Strict session cookie (``SESSION_COOKIE``) holding an HMAC of the token,
never the token itself; changing the token ends every session. The cookie only reads: executing always
needs the bearer token.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from geoservice.api.common import settings_of
from geoservice.api.problems import Forbidden, Unauthorized
from geoservice.settings import Settings

SESSION_COOKIE = "geoservice_session"


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or ``None``."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def _read_tokens(settings: Settings) -> list[str]:
    tokens = [settings.read_token.get_secret_value()] if settings.read_token is not None else []
    if settings.api_token is not None:
        tokens.append(settings.api_token.get_secret_value())
    return tokens


def session_value(token: str) -> str:
    """The cookie value standing for ``token`` (an HMAC: the cookie never carries the token)."""
    return hmac.new(token.encode("utf-8", "surrogatepass"), b"geoservice read session", hashlib.sha256).hexdigest()


def valid_read_token(settings: Settings, token: str) -> bool:
    """Whether ``token`` is the read or the execute token (compared with every one: no early exit)."""
    return any([_equal(token, expected) for expected in _read_tokens(settings)])  # noqa: C419


def read_refusal(settings: Settings, authorization: str | None, session: str | None) -> Unauthorized | None:
    """``None`` when reading is public or the request carries a read token (header or session cookie);
    else the error to answer."""
    if settings.read_token is None:
        return None
    token = bearer(authorization)
    if token is not None and valid_read_token(settings, token):
        return None
    if session and any([_equal(session, session_value(t)) for t in _read_tokens(settings)]):  # noqa: C419
        return None
    return Unauthorized("reading needs a token: send 'Authorization: Bearer <GEOSERVICE_READ_TOKEN>', or sign in "
                        "at /login in a browser")


def execute_refusal(settings: Settings, authorization: str | None) -> Unauthorized | Forbidden | None:
    """``None`` when the request carries the execute token; else the error to answer."""
    if settings.api_token is None:
        return Forbidden("executing processes is disabled: the server has no GEOSERVICE_API_TOKEN configured")
    token = bearer(authorization)
    if token is None or not _equal(token, settings.api_token.get_secret_value()):
        return Unauthorized("executing processes needs 'Authorization: Bearer <GEOSERVICE_API_TOKEN>'")
    return None


async def require_execute(request: Request) -> None:
    """Route dependency: let the request through only with the execute token."""
    refusal = execute_refusal(settings_of(request), request.headers.get("authorization"))
    if refusal is not None:
        raise refusal
