"""The parts of the config the status line needs, read without the full (pydantic) config loader.

The path rule is the router's: `--config` > $CCR_CONFIG > ~/.claude-code-router/config.json.
Plain JSON is parsed with the stdlib; JSON5 (comments) needs json5, so the result is cached in
the status line cache, keyed by the file's mtime and size.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def config_path(arg: str | None, env: Mapping[str, str]) -> str:
    chosen = arg or env.get("CCR_CONFIG")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    return os.path.join(os.path.expanduser("~"), ".claude-code-router", "config.json")


def parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        import json5

        data = json5.loads(text)
    return data if isinstance(data, dict) else {}


def extract(raw: dict[str, Any]) -> dict[str, Any]:
    status = raw.get("StatusLine")
    router = raw.get("Router")
    default = router.get("default") if isinstance(router, dict) else None
    return {
        "statusline": status if isinstance(status, dict) else {},
        "default_model": default if isinstance(default, str) else None,
    }


def read(path: str, cache: dict[str, Any]) -> dict[str, Any]:
    """{"statusline": the StatusLine object, "default_model": Router.default}; {} parts if absent.

    Marks `cache["_dirty"]` when it had to parse the file again.
    """
    try:
        st = os.stat(path)
    except OSError:
        return extract({})
    key = [path, st.st_mtime_ns, st.st_size]
    cached = cache.get("config")
    if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("data"), dict):
        found: dict[str, Any] = cached["data"]
        return found
    with open(path, encoding="utf-8") as fh:
        data = extract(parse(fh.read()))
    cache["config"] = {"key": key, "data": data}
    cache["_dirty"] = True
    return data
