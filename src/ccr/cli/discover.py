"""Listing the models a provider serves (`GET …/v1/models`), e.g. what a local Ollama has pulled."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

_ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/messages", "/responses")


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


def list_models(api_base_url: str, api_key: str | None = None, timeout: float = 3.0) -> list[str]:
    """Model ids the server reports; raises OSError with a readable reason."""
    url = models_url(api_base_url)
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    if api_key and not api_key.startswith("$"):
        request.add_header("authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise OSError(f"{url} answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise OSError(f"cannot reach {url}: {exc.reason}") from None
    except (ValueError, TimeoutError) as exc:
        raise OSError(f"{url}: {exc}") from None
    return model_ids(body)


def model_ids(body: Any) -> list[str]:
    """Ids from an OpenAI list (`data[].id`) or Ollama's native list (`models[].name`)."""
    items: Any = []
    if isinstance(body, dict):
        items = body.get("data") or body.get("models") or []
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            value = item.get("id") or item.get("name") or item.get("model")
            if isinstance(value, str) and value:
                out.append(value)
    return sorted(dict.fromkeys(out))
