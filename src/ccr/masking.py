"""Which config keys hold secrets, and masking the secret parts of a URL.

Shared by the management API (`server/routes/api_secrets.py`, which masks as `sk-…abcd`) and
`ccr config check` (which masks as `****abcd`): the same words make a key secret in both, and a
URL's password and key-like query values are masked the same way with either mask.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "authorization", "credential", "cookie")


def is_secret_key(name: str) -> bool:
    low = name.lower()
    return any(word in low for word in _SECRET_WORDS)


def mask_url(value: str, mask: Callable[[str], str]) -> str:
    """`value` with its password and key-like query values (`?key=`) replaced by `mask(secret)`;
    a string that is not a URL, or has nothing secret, is returned unchanged."""
    if "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    netloc = parts.netloc
    if password:
        netloc = f"{parts.username or ''}:{mask(password)}@{netloc.rpartition('@')[2]}"
    query = "&".join(_mask_param(p, mask) for p in parts.query.split("&")) if parts.query else ""
    if netloc == parts.netloc and query == parts.query:
        return value
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _mask_param(param: str, mask: Callable[[str], str]) -> str:
    name, sep, value = param.partition("=")
    if not sep or not is_secret_key(unquote(name)):
        return param
    return f"{name}={mask(unquote(value))}"
