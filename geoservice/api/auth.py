"""Bearer tokens: executing processes needs ``settings.api_token``; reading is public unless
``settings.read_token`` is set (the execute token reads too). Tokens are compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request

from geoservice.api.common import settings_of
from geoservice.api.problems import Forbidden, Unauthorized


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


async def require_read(request: Request) -> None:
    """Let the request through when reading is public or it carries the read (or execute) token."""
    settings = settings_of(request)
    if settings.read_token is None:
        return
    token = _bearer(request)
    expected = [settings.read_token.get_secret_value()]
    if settings.api_token is not None:
        expected.append(settings.api_token.get_secret_value())
    # compare with every accepted token (no early exit) so timing does not tell which one matched
    if token is None or not any([_equal(token, e) for e in expected]):  # noqa: C419 - compare with all
        raise Unauthorized("reading needs a bearer token: send 'Authorization: Bearer <GEOSERVICE_READ_TOKEN>'")


async def require_execute(request: Request) -> None:
    """Let the request through only with the execute token; refuse when none is configured."""
    settings = settings_of(request)
    if settings.api_token is None:
        raise Forbidden("executing processes is disabled: the server has no GEOSERVICE_API_TOKEN configured")
    token = _bearer(request)
    if token is None or not _equal(token, settings.api_token.get_secret_value()):
        raise Unauthorized("executing processes needs 'Authorization: Bearer <GEOSERVICE_API_TOKEN>'")
