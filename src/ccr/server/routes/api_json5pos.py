"""Where in the config text a problem is: line/column of a JSON5 syntax error or of a key path.

The raw editor shows validation messages at the line; config errors name a key path
(`Providers[2].api_base_url`), so we find that path in the text with the config's JSON5 scanner
(`ccr.config.json5_text`).
"""

from __future__ import annotations

import bisect
import re

from ccr.config.json5_text import Path, offsets

_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def split_path(path: str) -> Path:
    parts: list[str | int] = []
    for index, key in _PATH_PART.findall(path):
        parts.append(int(index) if index else key)
    return tuple(parts)


def locate(text: str, path: str) -> tuple[int, int] | None:
    """1-based (line, column) of `path`, or of its nearest existing parent; None if nothing matches."""
    found = offsets(text)
    parts = split_path(path)
    if parts and parts[0] == "Providers" and ("Providers",) not in found:
        parts = ("providers", *parts[1:])
    while parts:
        if parts in found:
            return _line_col(text, found[parts])
        parts = parts[:-1]
    return None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1
