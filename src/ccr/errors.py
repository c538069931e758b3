"""The one error tree of the router and its mapping to Anthropic error shapes.

    CcrError                      any failure we answer with an Anthropic-shaped error
    ├── ConfigError               bad config: names the key path; the CLI exits 2
    ├── RequestError              the client's request is wrong (400, names the field)
    │   └── UnknownModelError     `provider,model` not configured (400, lists valid ids)
    ├── AuthError                 missing or wrong APIKEY (401)
    ├── PayloadTooLargeError      body over the configured cap (413)
    ├── PluginError               a custom router / transformer / plugin failed (500, names it)
    └── UpstreamError             the provider failed; keeps its HTTP status
        └── UpstreamTimeout       no answer within the configured time (504)

`error_type_for_status` is the single table from HTTP status to Anthropic `error.type`.
"""

from __future__ import annotations

from typing import Any

import orjson

_TYPE_BY_STATUS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}


_STATUS_BY_TYPE = {t: s for s, t in _TYPE_BY_STATUS.items() if s not in (502, 503)}
"""The way back: Anthropic names 500 `api_error` and 529 `overloaded_error`."""


def error_type_for_status(status: int) -> str:
    if status in _TYPE_BY_STATUS:
        return _TYPE_BY_STATUS[status]
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


class CcrError(Exception):
    status: int = 500

    def __init__(self, message: str, *, status: int | None = None, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.error_type = error_type or error_type_for_status(self.status)

    def body(self) -> dict[str, Any]:
        return anthropic_error_body(self.error_type, self.message)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.body())


class ConfigError(CcrError):
    status = 500

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class ConfigSyntaxError(ConfigError):
    """The file is not valid JSON5; `line`/`column` (1-based) when the parser said where."""

    def __init__(self, path: str, problem: str, line: int | None, column: int | None, what: str) -> None:
        super().__init__(path, problem)
        self.line, self.column, self.what = line, column, what


class RequestError(CcrError):
    status = 400


class UnknownModelError(RequestError):
    pass


class AuthError(CcrError):
    status = 401


class PayloadTooLargeError(CcrError):
    status = 413


class PluginError(CcrError):
    status = 500


class UpstreamError(CcrError):
    status = 502


class UpstreamTimeout(UpstreamError):
    status = 504


def anthropic_error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def anthropic_stream_error(data: str) -> UpstreamError:
    """An Anthropic `event: error` (`{"type": "error", "error": {"type", "message"}}`) as the
    UpstreamError it stands for: `overloaded_error` is a 529, `invalid_request_error` a 400, an
    unknown type an `api_error` (500), and what is not such JSON a 502."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return UpstreamError(f"upstream sent an error event that is not JSON: {data[:200]!r}")
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return UpstreamError(f"upstream sent an error event without an error object: {data[:200]!r}")
    kind, message = error.get("type"), error.get("message")
    text = f"upstream error: {message if isinstance(message, str) and message else data[:200]}"
    status = _STATUS_BY_TYPE.get(kind) if isinstance(kind, str) else None
    return UpstreamError(text, status=status or 500)
