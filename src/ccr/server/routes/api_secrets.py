"""Secrets in the management API: masked on the way out, restored when sent back unchanged.

A value is secret when its key names one (`api_key`, `APIKEY`, `api_keys`, `token`,
`Authorization`, …), and so are the password and key-like query parameters of any URL.
`$VAR` / `${VAR}` placeholders are not secrets (the value lives in the environment) and are shown
as written. A masked value keeps the first 3 and last 4 characters (`sk-…abcd`) of long secrets
and nothing of short ones (`…`).

On save, a string equal to the mask of the stored secret at the same place (providers are matched
by name, so reordering is fine) gets the stored value back; a mask the server cannot resolve is
an error naming the key, never written to the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ccr.config.schema import Config
from ccr.config.store import edit_text
from ccr.errors import ConfigError
from ccr.masking import is_secret_key
from ccr.masking import mask_url as mask_url_with

ELLIPSIS = "…"
_PLACEHOLDERS = re.compile(r"\s*(?:(?:\$\{[^}]+\}|\$[A-Z_][A-Z0-9_]*)\s*)+")
_MIN_SCRUB_LEN = 6


def is_placeholder(value: str) -> bool:
    """Only `$VAR` / `${VAR}` references (the secret itself is in the environment)."""
    return bool(_PLACEHOLDERS.fullmatch(value))


def mask_value(value: str) -> str:
    if not value or is_placeholder(value):
        return value
    if len(value) >= 12:
        return f"{value[:3]}{ELLIPSIS}{value[-4:]}"
    return ELLIPSIS


def mask_url(value: str) -> str:
    """Mask a URL's password and key-like query values; other strings are returned unchanged."""
    return mask_url_with(value, mask_value)


def _display(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _stable(path: str, key: str | int, item: Any) -> str:
    """Like the display path, but list items with a `name` are addressed by it (survives reordering)."""
    if isinstance(key, int):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            return f"{path}[name={item['name']}]"
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class Masked:
    doc: Any
    by_path: dict[str, tuple[str, str]] = field(default_factory=dict)
    """stable path → (original, mask)."""
    by_mask: dict[str, set[str]] = field(default_factory=dict)
    """mask → every original that produces it."""


def mask_secrets(raw: Any) -> Masked:
    out = Masked(None)
    out.doc = _mask(raw, False, "", out)
    return out


def _mask(value: Any, secret: bool, path: str, out: Masked) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, is_secret_key(str(k)), _stable(path, str(k), v), out) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secret, _stable(path, i, v), out) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    masked = mask_value(value) if secret else mask_url(value)
    if masked != value:
        out.by_path[path] = (value, masked)
        out.by_mask.setdefault(masked, set()).add(value)
    return masked


def restore_secrets(new: Any, old_raw: Any) -> Any:
    """`new` with every unchanged mask replaced by the stored secret; raises ConfigError otherwise."""
    return _restore(new, mask_secrets(old_raw), False, "", "")


def _restore(value: Any, old: Masked, secret: bool, path: str, shown: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _restore(v, old, is_secret_key(str(k)), _stable(path, str(k), v), _display(shown, str(k)))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_restore(v, old, secret, _stable(path, i, v), _display(shown, i)) for i, v in enumerate(value)]
    if not isinstance(value, str) or ELLIPSIS not in value:
        return value
    same_place = old.by_path.get(path)
    if same_place is not None and same_place[1] == value:
        return same_place[0]
    originals = old.by_mask.get(value)
    if originals is not None and len(originals) == 1:
        return next(iter(originals))
    if originals:
        raise ConfigError(shown, "this masked key matches several stored keys; type the key again")
    if secret:
        raise ConfigError(
            shown,
            "this looks like a masked key the server does not have (the file may have changed); type the key again",
        )
    return value


def secret_values(docs: Iterable[Any]) -> set[str]:
    """Every secret string (and URL secret part) in the given documents."""
    found: set[str] = set()
    for doc in docs:
        masked = mask_secrets(doc)
        for original, _ in masked.by_path.values():
            found.add(original)
            try:
                password = urlsplit(original).password if "://" in original else None
            except ValueError:
                password = None
            if password:
                found.add(password)
    return {s for s in found if len(s) >= _MIN_SCRUB_LEN and not is_placeholder(s)}


# What a key looks like when it is not under a secret-named key: a provider's prefix, or a long run
# holding both letters and digits. A comment holding one keeps the file's text off the page.
_KEY_LIKE = re.compile(
    r"(?P<prefixed>(?:sk|pk|rk|gsk|xai)-[A-Za-z0-9_\-]{12,}|AIza[A-Za-z0-9_\-]{20,})|[A-Za-z0-9_\-]{32,}"
)


def masked_text(text: str, raw: dict[str, Any], secrets: Iterable[str] = ()) -> str | None:
    """The config file's `text` (the one `raw` was read from) with its secrets masked where they
    stand, as `mask_secrets(raw)` shows them, comments and layout kept. None when the text does not
    parse, or when it cannot be shown safely: it still holds a secret, or something key-like
    outside the values the masked document shows anyway (a key kept in a comment, say)."""
    masked = mask_secrets(raw)
    shown = edit_text(text, masked.doc)
    if shown is None:
        return None
    if any(s in shown for s in secret_values([raw]).union(secrets)):
        return None
    visible = list(_strings(masked.doc))
    for match in _KEY_LIKE.finditer(shown):
        token = match.group()
        looks_like_key = match.group("prefixed") is not None or (
            any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        )
        if looks_like_key and not any(token in value for value in visible):
            return None
    return shown


def _strings(doc: Any) -> Iterable[str]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)
    elif isinstance(doc, str):
        yield doc


class Scrubber:
    """Replaces any configured secret (as written or as resolved from the environment) in text."""

    def __init__(self, cfg: Config) -> None:
        resolved = cfg.model_dump(mode="json", exclude={"path", "raw"})
        self.secrets = sorted(secret_values([cfg.raw, resolved]), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            if s in text:
                text = text.replace(s, mask_value(s))
        return text


_cache: list[tuple[Config, Scrubber]] = []


def scrubber_for(cfg: Config) -> Scrubber:
    """The scrubber of the live config, built once per config object."""
    if _cache and _cache[0][0] is cfg:
        return _cache[0][1]
    scrubber = Scrubber(cfg)
    _cache[:] = [(cfg, scrubber)]
    return scrubber
