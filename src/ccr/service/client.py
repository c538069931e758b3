"""Talking to a running server over HTTP (stdlib only: the CLI must stay light)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

ACTION_HEADER = "x-ccr-action"


class ServiceHTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _request(url: str, apikey: str | None, method: str = "GET", timeout: float = 3.0) -> urllib.request.Request:
    req = urllib.request.Request(url, method=method)
    if apikey:
        req.add_header("x-api-key", apikey)
    if method == "POST":
        req.add_header(ACTION_HEADER, "1")
        req.add_header("content-type", "application/json")
        req.data = b"{}"
    return req


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    # The server is local: an HTTP(S)_PROXY in the user's environment must not intercept it.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def healthy(base_url: str, timeout: float = 1.0) -> bool:
    try:
        with _no_proxy_opener().open(base_url + "/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def call(base_url: str, path: str, apikey: str | None, method: str = "GET", timeout: float = 3.0) -> Any:
    """JSON answer of `path`; raises ServiceHTTPError with the server's message, or OSError."""
    try:
        with _no_proxy_opener().open(_request(base_url + path, apikey, method), timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        raise ServiceHTTPError(err.code, _error_message(err.read())) from None
    except urllib.error.URLError as err:
        reason = err.reason if isinstance(err.reason, str) else getattr(err.reason, "strerror", None)
        raise OSError(f"cannot reach {base_url}: {reason or err.reason}") from None


def _error_message(body: bytes) -> str:
    try:
        data = json.loads(body)
        return str(data["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace")[:300] or "no details"
