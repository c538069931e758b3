"""The models a provider's server offers: `GET …/v1/models`, with Ollama's `/api/tags` as a fallback.

Shared by `ccr model discover` / `ccr model add-provider --discover` / the interactive picker and
the management API's `POST /api/providers/models` (the server runs it on a worker thread). It is a
blocking urllib call on purpose: one small GET made by hand now and then needs no connection pool,
and the CLI must not pay for starting an event loop.

Every failure is a `ModelListError` whose message says what happened and what to do: which URL
was asked, the HTTP status and the server's own message, "is the server running?" with the
command that starts the usual local servers, or "not JSON" when the address is a web page.
Redirects are not followed: a key must never travel to an address the user did not give.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_S = 5.0
MAX_BYTES = 16 * 1024 * 1024
"""OpenRouter's list (hundreds of models with descriptions) is a few MB; anything past this is not a list."""

_ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/messages", "/responses")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "host.docker.internal")
_START_HINTS = {
    11434: "Ollama: `ollama serve`",
    8080: "llama.cpp: `llama-server -m model.gguf --port 8080`",
    1234: "LM Studio: Developer tab → Start server, or `lms server start`",
    8000: "vLLM: `vllm serve <model>`",
}
_ANY_HINT = "`ollama serve`, `llama-server -m model.gguf`, LM Studio's Start server, or `vllm serve <model>`"


class ModelListError(Exception):
    """A readable reason the list could not be had; `url` is the address that was asked."""

    def __init__(self, message: str, url: str, *, try_fallback: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.try_fallback = try_fallback
        """True when the address answered but is not a models list (404, HTML…): another may be."""


@dataclass(frozen=True, slots=True)
class Listing:
    url: str
    """The address that answered with the list."""
    models: list[str]


def models_url(api_base_url: str) -> str:
    """The models list next to a provider's endpoint URL.

    http://localhost:11434/v1/chat/completions → http://localhost:11434/v1/models
    http://localhost:11434                      → http://localhost:11434/v1/models
    """
    parts = urllib.parse.urlsplit(api_base_url.strip())
    path = parts.path.rstrip("/")
    for suffix in _ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    path = path.rstrip("/")
    path = f"{path}/models" if path else "/v1/models"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def candidate_urls(api_base_url: str) -> list[str]:
    """Where to look, in order: the OpenAI-style list, then Ollama's native `/api/tags` on the same host."""
    first = models_url(api_base_url)
    parts = urllib.parse.urlsplit(first)
    tags = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/api/tags", "", ""))
    return [first] if tags == first else [first, tags]


def model_ids(body: Any) -> list[str] | None:
    """Ids from an OpenAI list (`data[].id`) or Ollama's native one (`models[].name`), sorted;
    None when `body` holds no list at all (an empty list is a list)."""
    if not isinstance(body, dict):
        return None
    items = body.get("data") if isinstance(body.get("data"), list) else body.get("models")
    if not isinstance(items, list):
        return None
    out = []
    for item in items:
        value = (item.get("id") or item.get("name") or item.get("model")) if isinstance(item, dict) else item
        if isinstance(value, str) and value:
            out.append(value)
    return sorted(dict.fromkeys(out))


def list_models(
    api_base_url: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT_S, proxy: str | None = None
) -> list[str]:
    """Model ids the server reports; raises ModelListError. See `fetch_listing`."""
    return fetch_listing(api_base_url, api_key, timeout, proxy).models


def fetch_listing(
    api_base_url: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT_S, proxy: str | None = None
) -> Listing:
    """Ask the provider's server which models it offers.

    `api_key`, when given (and not an unresolved `$VAR`), is sent as `Authorization: Bearer`.
    `proxy`: None uses the environment's proxy settings (as any command-line tool does), "" goes
    direct, a URL goes through that proxy (the router passes its `PROXY_URL`).
    """
    _check_url(api_base_url)
    opener = _opener(proxy)
    failures: list[ModelListError] = []
    for url in candidate_urls(api_base_url):
        try:
            return Listing(url, _get_list(opener, url, api_key, timeout))
        except ModelListError as err:
            failures.append(err)
            if not err.try_fallback:
                break
    first = failures[0]
    if len(failures) > 1:
        raise ModelListError(f"{first.message} (Ollama's {failures[1].url} lists none either)", first.url)
    raise first


def _check_url(api_base_url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(api_base_url.strip())
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        raise ModelListError(f"{api_base_url!r} is not a URL: {exc}", api_base_url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelListError(f"{api_base_url!r} is not a URL (expected http://host… or https://host…)", api_base_url)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def _opener(proxy: str | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if proxy is not None:
        handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}))
    return urllib.request.build_opener(*handlers)


def _get_list(opener: urllib.request.OpenerDirector, url: str, api_key: str | None, timeout: float) -> list[str]:
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    if api_key and not api_key.startswith("$"):
        request.add_header("authorization", f"Bearer {api_key}")
    try:
        with opener.open(request, timeout=timeout) as resp:
            raw = resp.read(MAX_BYTES + 1)
            content_type = resp.headers.get("content-type", "")
    except urllib.error.HTTPError as exc:
        raise _http_error(url, exc) from None
    except urllib.error.URLError as exc:
        raise _unreachable(url, exc.reason, timeout) from None
    except (TimeoutError, OSError) as exc:
        raise _unreachable(url, exc, timeout) from None
    if len(raw) > MAX_BYTES:
        raise ModelListError(f"{url} answered more than {MAX_BYTES // (1024 * 1024)} MB: not a models list", url)
    return _parse(url, raw, content_type)


def _parse(url: str, raw: bytes, content_type: str) -> list[str]:
    try:
        body = json.loads(raw)
    except ValueError:
        start = raw[:60].decode("utf-8", "replace").strip()
        what = f"content-type {content_type or 'none'}, starting {start!r}" if start else "an empty body"
        raise ModelListError(
            f"{url} did not answer JSON ({what}): is this the address of the model server's API?",
            url,
            try_fallback=True,
        ) from None
    ids = model_ids(body)
    if ids is None:
        raise ModelListError(
            f'{url} answered JSON without a model list (expected {{"data": [{{"id": …}}]}})', url, try_fallback=True
        )
    return ids


def _http_error(url: str, exc: urllib.error.HTTPError) -> ModelListError:
    with exc:  # it holds the connection open until closed
        code, location, body = exc.code, exc.headers.get("location", "elsewhere"), exc.read(2048)
    if 300 <= code < 400:
        return ModelListError(f"{url} redirects (HTTP {code}) to {location}: put that address in api_base_url", url)
    said = _server_message(body)
    message = f"{url} answered HTTP {code}" + (f": {said}" if said else "")
    if code in (401, 403):
        message += " (check the provider's api_key)"
    return ModelListError(message, url, try_fallback=code in (404, 405))


def _server_message(raw: bytes) -> str:
    """The server's own words: an OpenAI/Anthropic-style `error.message`, else the text itself."""
    try:
        body = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace")
        return "" if "<" in text[:20] else " ".join(text.split())[:200]
    error = body.get("error") if isinstance(body, dict) else None
    found = error.get("message") if isinstance(error, dict) else error
    if not isinstance(found, str) and isinstance(body, dict):
        found = body.get("message") or body.get("detail")
    return " ".join(found.split())[:200] if isinstance(found, str) else ""


def _unreachable(url: str, reason: object, timeout: float) -> ModelListError:
    if isinstance(reason, TimeoutError | socket.timeout):
        return ModelListError(f"{url} did not answer within {timeout:g} s", url)
    text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
    message = f"cannot reach {url}: {text}"
    if isinstance(reason, ConnectionRefusedError):
        message += f" — is the server running? {_start_hint(url)}"
    return ModelListError(message, url)


def _start_hint(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if not _is_local(host):
        return "Check the address and that the server listens on it."
    known = _START_HINTS.get(parts.port or (443 if parts.scheme == "https" else 80))
    return f"Start it ({known})." if known else f"Start it ({_ANY_HINT}) on port {parts.port}."


def _is_local(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
