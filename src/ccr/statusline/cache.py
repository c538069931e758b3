"""A small JSON cache beside the config: the parsed StatusLine settings and transcript scan states.

Written atomically; two Claude Code sessions racing on it lose at most one update, which only
means a re-scan next time.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from typing import Any

CACHE_NAME = ".statusline-cache.json"
TRANSCRIPTS_KEPT = 8


def load(config_dir: str) -> dict[str, Any]:
    try:
        with open(os.path.join(config_dir, CACHE_NAME), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(config_dir: str, data: dict[str, Any]) -> None:
    transcripts = data.get("transcripts")
    if isinstance(transcripts, dict) and len(transcripts) > TRANSCRIPTS_KEPT:
        # Keep the sessions used most recently (insertion order: we re-insert on each use).
        data["transcripts"] = dict(list(transcripts.items())[-TRANSCRIPTS_KEPT:])
    target = os.path.join(config_dir, CACHE_NAME)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # nothing was written
