"""The desk shows documents that strangers wrote, to clerks whose browsers have other sites open.

- Every response carries a Content-Security-Policy that allows only the desk's own scripts, styles and
  images (nothing inline, nothing from elsewhere, no frames, forms post only to the desk).
- On a loopback address the Host header must name the loopback (a page of another site cannot reach
  the desk through a DNS name it controls).
- Served on any other address, the desk needs an access token: given once as `?token=...` (then
  kept in a cookie) or as `Authorization: Bearer ...`, checked on every request.
- Every POST carries a CSRF token equal to the browser's `xxgk_csrf` cookie (SameSite=Strict): a
  page of another site can neither read the cookie nor send it.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make the browser send Origin: null
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
TOKEN_COOKIE = "xxgk_desk_token"
CSRF_COOKIE = "xxgk_csrf"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 64 * 1024  # a decision is a few fields
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Guard(BaseHTTPMiddleware):
    def __init__(self, app, token: str | None = None, loopback_only: bool = True):
        super().__init__(app)
        self.token = token
        self.loopback_only = loopback_only

    async def dispatch(self, request: Request, call_next) -> Response:
        refused = self._refuse(request)
        if refused is not None:
            return _secured(refused)
        if self.token and request.query_params.get("token"):
            # The token was in the address: keep it in a cookie and take it out of the address bar.
            query = {k: v for k, v in request.query_params.multi_items() if k != "token"}
            url = request.url.path + ("?" + urlencode(query) if query else "")
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return _secured(response)
        csrf = request.cookies.get(CSRF_COOKIE)
        fresh = None
        if not csrf:
            csrf = fresh = secrets.token_urlsafe(24)
        request.state.csrf = csrf
        if request.method == "POST":
            if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
                return _secured(PlainTextResponse("请求过大", status_code=413))
            body = await request.body()
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
            request.state.form = form
            if not _same_origin(request) or not hmac.compare_digest(form.get(CSRF_FIELD, ""), request.cookies.get(CSRF_COOKIE, "")):
                return _secured(PlainTextResponse("请求被拒绝：表单已过期或来自其他网站，请刷新页面后重试。", status_code=403))
        elif request.method not in ("GET", "HEAD"):
            return _secured(PlainTextResponse("不支持的请求方法", status_code=405))
        response = await call_next(request)
        if fresh:
            response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict")
        return _secured(response)

    def _refuse(self, request: Request) -> Response | None:
        if self.loopback_only and not is_loopback(request.url.hostname or ""):
            return PlainTextResponse("请求被拒绝：审核台只接受本机地址的访问。", status_code=403)
        if not self.token:
            return None
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return PlainTextResponse("需要访问令牌：请使用启动审核台时打印的完整地址（含 ?token=…）。", status_code=401)
        return None


def _same_origin(request: Request) -> bool:
    """A browser names the page a POST comes from: it must be the desk itself."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin.split("://", 1)[-1] == request.headers.get("host")


def _secured(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
