"""APIKEY check as a plain ASGI wrapper (no BaseHTTPMiddleware: it would buffer streams).

Either `x-api-key: KEY` or `Authorization: Bearer KEY` passes: Claude Code sends both when the user
also has ANTHROPIC_API_KEY set, and only one of them is ours.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable

from ccr.errors import AuthError
from ccr.server.asgi import ASGIApp, Receive, Scope, Send, send_error

PUBLIC_PATHS = frozenset({"/", "/health", "/api/hello"})


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path == "/ui" or path.startswith("/ui/")


class AuthMiddleware:
    def __init__(self, app: ASGIApp, key_source: Callable[[], str | None]) -> None:
        self.app = app
        self.key_source = key_source  # read per request: a config reload may change APIKEY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self.key_source()
        if not key or scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if key_allowed(scope["headers"], key.encode()):
            await self.app(scope, receive, send)
            return
        await send_error(send, wrong_key_error())


def wrong_key_error() -> AuthError:
    return AuthError("missing or wrong API key: send the router's APIKEY as x-api-key or Authorization: Bearer")


def key_allowed(headers: Iterable[tuple[bytes, bytes]], key: bytes) -> bool:
    """Does `x-api-key` or `Authorization: Bearer` carry `key`? (Constant-time comparisons.)"""
    ok = False
    for name, value in headers:
        if name == b"x-api-key":
            ok |= hmac.compare_digest(value.strip(), key)
        elif name == b"authorization":
            token = value[7:].strip() if value[:7].lower() == b"bearer " else value.strip()
            ok |= hmac.compare_digest(token, key)
    return ok
