"""Turning a provider's failure into an Anthropic-shaped error that says what to do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import orjson

from ccr.errors import CcrError, UpstreamError, UpstreamTimeout
from ccr.upstream.transport import TransportError

_MAX_MESSAGE = 600

_HINTS: dict[int, str] = {
    400: "the provider rejected the request; check the model name and the provider's transformer chain",
    401: "check this provider's api_key in the config",
    403: "the provider refused this key or model; check the key's permissions",
    404: "check the provider's api_base_url and the model name",
    413: "the request is too large for this provider; configure a longContext route",
    429: "rate limited by the provider; wait and retry, or configure a fallback",
}


def upstream_message(body: bytes) -> tuple[str, dict[str, Any] | None]:
    """The provider's own message (trimmed) and its parsed JSON error object, if any."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        if text.lstrip().startswith("<"):
            return "an HTML page instead of an API answer (is api_base_url right?)", None
        return (text[:_MAX_MESSAGE] or "(empty body)"), None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # Google APIs sometimes wrap errors in a list
    if not isinstance(data, dict):
        return text[:_MAX_MESSAGE], None
    err = data.get("error", data)
    if isinstance(err, dict):
        msg = err.get("message") or data.get("message") or text
        return str(msg)[:_MAX_MESSAGE], err
    return str(err)[:_MAX_MESSAGE], data


def http_error(provider: str, model: str, status: int, body: bytes, secrets: Iterable[str] = ()) -> CcrError:
    message, err = upstream_message(body)
    message = redact(message, secrets)
    special = _explain_special(status, err or {}, provider, model)
    if special:
        text = special
    else:
        hint = _HINTS.get(status, "the provider failed; retry, or configure a fallback")
        text = f"{provider},{model}: provider answered {status}: {message} ({hint})"
    out_status = status if 400 <= status <= 599 else 502
    return UpstreamError(text, status=out_status)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Providers sometimes echo the key they were sent; it must not reach the client."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, "***")
    return text


def _explain_special(status: int, err: dict[str, Any], provider: str, model: str) -> str | None:
    try:
        from ccr.upstream.local_errors import explain_local_error
    except ImportError:
        return None
    found: str | None = explain_local_error(status, err, provider, model)
    return found


# What usually listens on a local port, and how to start it.
_LOCAL_SERVERS = {
    11434: "Ollama: run `ollama serve` (and `ollama pull <model>`)",
    8080: "llama.cpp: run `llama-server -m <model.gguf> --port 8080`",
    1234: "LM Studio: start its local server",
    8000: "vLLM: run `vllm serve <model>`",
}


def transport_error(provider: str, model: str, exc: TransportError, url: str | None = None) -> CcrError:
    if exc.timeout:
        return UpstreamTimeout(f"{provider},{model}: {exc} (API_TIMEOUT_MS bounds the wait; raise it for slow models)")
    return UpstreamError(f"{provider},{model}: {exc}{_local_hint(url, str(exc))}", status=502)


def _local_hint(url: str | None, message: str) -> str:
    """For a local server that is not running, say how to start it or what to change."""
    if not url or "cannot connect" not in message:
        return ""
    parts = urlsplit(url)
    if parts.hostname not in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
        return ""
    how = _LOCAL_SERVERS.get(parts.port or 80, "start the server it points to")
    return (
        f". Nothing is listening at {parts.hostname}:{parts.port}. {how}; "
        f"or point this route at another provider (Router in the config, or `ccr model`)"
    )
