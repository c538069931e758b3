"""Where in the config text a problem is: line/column of a JSON5 syntax error or of a key path.

The raw editor shows validation messages at the line; config errors name a key path
(`Providers[2].api_base_url`), so we find that path in the text with a small JSON5 scanner. The
scanner runs only on text that json5 already accepted, so it can be lenient.
"""

from __future__ import annotations

import bisect
import re

Path = tuple[str | int, ...]
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")
_IDENT_END = re.compile(r"[\s:]")
_ATOM_END = re.compile(r"[\s,\]}/]")


def split_path(path: str) -> Path:
    parts: list[str | int] = []
    for index, key in _PATH_PART.findall(path):
        parts.append(int(index) if index else key)
    return tuple(parts)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.found: dict[Path, int] = {}

    def ws(self) -> None:
        t = self.t
        while self.i < len(t):
            c = t[self.i]
            if c.isspace() or c == "\ufeff":
                self.i += 1
            elif t.startswith("//", self.i):
                end = t.find("\n", self.i)
                self.i = len(t) if end < 0 else end + 1
            elif t.startswith("/*", self.i):
                end = t.find("*/", self.i + 2)
                self.i = len(t) if end < 0 else end + 2
            else:
                return

    def value(self, path: Path) -> None:
        self.ws()
        c = self.t[self.i]
        if c == "{":
            self.obj(path)
        elif c == "[":
            self.arr(path)
        elif c in "\"'":
            self.string()
        else:
            m = _ATOM_END.search(self.t, self.i)
            self.i = m.start() if m else len(self.t)

    def string(self) -> str:
        quote = self.t[self.i]
        start = self.i = self.i + 1
        while self.t[self.i] != quote:
            self.i += 2 if self.t[self.i] == "\\" else 1
        self.i += 1
        return self.t[start : self.i - 1]

    def key(self) -> str:
        if self.t[self.i] in "\"'":
            return self.string()
        m = _IDENT_END.search(self.t, self.i)
        end = m.start() if m else len(self.t)
        name, self.i = self.t[self.i : end], end
        return name

    def obj(self, path: Path) -> None:
        self.i += 1
        while True:
            self.ws()
            if self.t[self.i] == "}":
                self.i += 1
                return
            start = self.i
            name = self.key()
            self.found[(*path, name)] = start
            self.ws()
            self.i += 1  # the ':'
            self.value((*path, name))
            self.ws()
            if self.t[self.i] == ",":
                self.i += 1

    def arr(self, path: Path) -> None:
        self.i += 1
        index = 0
        while True:
            self.ws()
            if self.t[self.i] == "]":
                self.i += 1
                return
            self.found[(*path, index)] = self.i
            self.value((*path, index))
            index += 1
            self.ws()
            if self.t[self.i] == ",":
                self.i += 1


def _offsets(text: str) -> dict[Path, int]:
    scanner = _Scanner(text)
    try:
        scanner.value(())
    except IndexError:  # text json5 would reject; keep what was found before the problem
        pass
    return scanner.found


def locate(text: str, path: str) -> tuple[int, int] | None:
    """1-based (line, column) of `path`, or of its nearest existing parent; None if nothing matches."""
    found = _offsets(text)
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
