"""Refuse requests a web page could forge: DNS rebinding (foreign `Host`), cross-site calls
(foreign `Origin`) and state changes without the `x-ccr-action: 1` header.

Rules (docs/api.md, "Security"):
* `/api/*` and `/ui/*` always, every other route when no APIKEY is set (then nothing else
  protects it): the `Host` must be localhost, a loopback IP, the bound address, and — when bound
  to all interfaces — any IP literal, this machine's name, or a name in `$CCR_ALLOWED_HOSTS`
  (comma-separated). A rebinding page's Host is its own domain name, so it is refused.
* Same routes: an `Origin` header, when present, must be this server's own origin.
* `/api/*`: `Sec-Fetch-Site` other than same-origin/none is refused; POST/PUT/PATCH/DELETE need
  `x-ccr-action: 1` (a custom header: a cross-site page cannot send it without a CORS preflight,
  which this server never grants).
`/`, `/health` and `/api/hello` stay open: liveness probes carry no data.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from functools import cache

from ccr.errors import CcrError, RequestError
from ccr.server.asgi import ASGIApp, Receive, Scope, Send, send_error
from ccr.server.middleware.auth import PUBLIC_PATHS

ACTION_HEADER = b"x-ccr-action"
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_SITE_OK = frozenset({b"same-origin", b"none"})


def host_name(host_header: str) -> str:
    """The name or IP of a `Host` value, without port, brackets or trailing dot, lower-case."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


@cache
def _machine_names() -> frozenset[str]:
    names = {socket.gethostname().lower()}
    try:
        names.add(socket.getfqdn().lower())
    except OSError:
        pass
    return frozenset(n for n in names if n)


def _extra_names() -> frozenset[str]:
    raw = os.environ.get("CCR_ALLOWED_HOSTS", "")
    return frozenset(n.strip().lower().rstrip(".") for n in raw.split(",") if n.strip())


def allowed_host(host_header: str, bound: str) -> bool:
    name = host_name(host_header)
    if name in _LOCAL_NAMES or name in _extra_names():
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None and ip.is_loopback:
        return True
    bound_name = host_name(bound) if bound else ""
    if bound_name not in WILDCARDS:
        return name == bound_name
    return ip is not None or name in _machine_names()


def same_origin(origin: str, host_header: str) -> bool:
    scheme, sep, rest = origin.strip().lower().partition("://")
    return bool(sep) and scheme in ("http", "https") and rest.rstrip("/") == host_header.strip().lower()


class HostGuard:
    def __init__(self, app: ASGIApp, bound_host: Callable[[], str], key_source: Callable[[], str | None]):
        self.app = app
        self.bound_host = bound_host
        self.key_source = key_source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self.check(scope)
            if problem is not None:
                await send_error(send, problem)
                return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> CcrError | None:
        return request_problem(
            scope["path"], scope["method"], scope["headers"], self.bound_host(), bool(self.key_source())
        )


def request_problem(
    path: str, method: str, header_list: Iterable[tuple[bytes, bytes]], bound: str, has_key: bool
) -> CcrError | None:
    """Why this request must be refused (rules in the module's docstring), or None."""
    if path in PUBLIC_PATHS:
        return None
    api = path == "/api" or path.startswith("/api/")
    guarded = api or path == "/ui" or path.startswith("/ui/") or not has_key
    if not guarded:
        return None
    headers = dict(header_list)
    host = headers.get(b"host", b"").decode("latin-1")
    if host and not allowed_host(host, bound):
        return CcrError(
            f"Host '{host}' is not this router's address; open it as http://localhost:<port> "
            "(or list the name in CCR_ALLOWED_HOSTS)",
            status=403,
        )
    origin = headers.get(b"origin")
    if origin is not None and not same_origin(origin.decode("latin-1"), host):
        return CcrError("cross-origin requests are not allowed", status=403)
    if not api:
        return None
    site = headers.get(b"sec-fetch-site")
    if site is not None and site not in _SAME_SITE_OK:
        return CcrError("cross-site requests to /api/ are not allowed", status=403)
    if method not in _SAFE_METHODS and headers.get(ACTION_HEADER) != b"1":
        return RequestError("state-changing calls need the header x-ccr-action: 1")
    return None
