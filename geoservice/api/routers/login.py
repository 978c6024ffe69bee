"""Signing a browser in when reading needs a token (``GEOSERVICE_READ_TOKEN``): ``/login`` shows a form,
posting the token sets an HttpOnly, SameSite=Strict session cookie (an HMAC of the token, see
:mod:`geoservice.api.auth`) and goes back to the page asked for — typically a web map under ``/maps/``.
``/logout`` removes the cookie."""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from geoservice.api import html
from geoservice.api.auth import SESSION_COOKIE, session_value, valid_read_token
from geoservice.api.common import settings_of
from geoservice.api.guard import LOGIN_MAX_BYTES
from layers.errors import InvalidRequest

router = APIRouter(tags=["Sign-in"])

#: Lifetime of the session cookie [s].
SESSION_MAX_AGE_S = 12 * 3600


def _local(target: str | None) -> str:
    """``target`` when it is a path of this site (no scheme, host or ``//``), else the maps' index."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/maps/"
    return target


def _form(next_path: str, message: str = "") -> str:
    note = f"<p role='alert'><strong>{escape(message)}</strong></p>" if message else ""
    return html.page("Sign in", f"{note}<p>This service needs its read token. Sign in once; the browser keeps "
                     "a session cookie.</p><form method='post' action='login'>"
                     f"<input type='hidden' name='next' value='{escape(next_path)}'>"
                     "<label>Token <input type='password' name='token' autocomplete='current-password' "
                     "required autofocus></label> <button type='submit'>Sign in</button></form>")


@router.get("/login", summary="Sign-in form for browsers", response_class=HTMLResponse)
def login_form(next: str | None = Query(None, max_length=2000, description="Page to open after signing in.")):
    return HTMLResponse(_form(_local(next)), headers={"Cache-Control": "no-store"})


async def _form_body(request: Request) -> dict[str, str]:
    raw = await request.body()  # at most LOGIN_MAX_BYTES: the guard refuses longer bodies
    try:
        fields = parse_qs(raw[:LOGIN_MAX_BYTES].decode("utf-8", "replace"), max_num_fields=4)
    except ValueError:
        raise InvalidRequest("the sign-in form has too many fields; send token (and next)") from None
    return {k: v[0] for k, v in fields.items() if v}


@router.post("/login", summary="Sign in with the read token (form: token, next)", response_class=Response,
             openapi_extra={"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                 "schema": {"type": "object", "required": ["token"], "properties": {
                     "token": {"type": "string"}, "next": {"type": "string"}}}}}}},
             responses={303: {"description": "Signed in; the cookie is set."}, 401: {"description": "Wrong token."}})
def login(request: Request, form: Annotated[dict[str, str], Depends(_form_body)]):
    settings = settings_of(request)
    target = _local(form.get("next"))
    token = form.get("token", "")
    if settings.read_token is None:
        return RedirectResponse(target, status_code=303)
    if not valid_read_token(settings, token):
        return HTMLResponse(_form(target, "That token is not valid."), status_code=401,
                            headers={"Cache-Control": "no-store"})
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(token), max_age=SESSION_MAX_AGE_S, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.get("/logout", summary="Sign out (removes the session cookie)", response_class=Response)
def logout():
    response = RedirectResponse("login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
