"""The config file as text: where each value sits, and edits that keep everything else.

`ccr model` and the web UI change a few values of a file that users write by hand, often with
comments (JSON5). Writing the whole document anew would drop those comments and reorder the
file; instead `patch` turns the old text into one that parses to the new document by replacing
only the values that changed, removing the members that went and adding the new ones after
the last member of their object. The caller checks the result parses to the new document and
falls back to a full rewrite when it does not (or when `patch` gives up).

The scanner runs only on text that json5 already accepted, so it can be lenient.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import json5

Path = tuple[str | int, ...]
_IDENT_END = re.compile(r"[\s:]")
_ATOM_END = re.compile(r"[\s,\]}/]")


@dataclass
class Node:
    """One value: `start`/`end` its span; an object's `members` (key, key offset, value) or an
    array's `items`; `close` the offset of the closing bracket."""

    start: int
    end: int = 0
    members: list[tuple[str, int, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    close: int = 0
    kind: str = "atom"
    comma: int = -1
    """The offset of the comma after this value in its object or array, -1 if none."""


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

    def value(self, path: Path) -> Node:
        self.ws()
        node = Node(self.i)
        c = self.t[self.i]
        if c in "{[":
            self.container(node, path)
        elif c in "\"'":
            self.string()
        else:
            m = _ATOM_END.search(self.t, self.i)
            self.i = m.start() if m else len(self.t)
        node.end = self.i
        return node

    def string(self) -> str:
        quote = self.t[self.i]
        start = self.i = self.i + 1
        while self.t[self.i] != quote:
            self.i += 2 if self.t[self.i] == "\\" else 1
        self.i += 1
        return self.t[start : self.i - 1]

    def key(self) -> str:
        """The member's name as json5 reads it (escapes decoded, so it matches the parsed keys)."""
        start = self.i
        if self.t[self.i] in "\"'":
            name = self.string()
        else:
            m = _IDENT_END.search(self.t, self.i)
            end = m.start() if m else len(self.t)
            name, self.i = self.t[self.i : end], end
        if "\\" in name:
            name = next(iter(json5.loads("{" + self.t[start : self.i] + ": 0}")))
        return name

    def container(self, node: Node, path: Path) -> None:
        """An object or an array: its members (key, then value) or items, each comma noted."""
        is_object = self.t[self.i] == "{"
        node.kind, closer = ("object", "}") if is_object else ("array", "]")
        self.i += 1
        while True:
            self.ws()
            if self.t[self.i] == closer:
                node.close = self.i
                self.i += 1
                return
            start = self.i
            part: str | int = len(node.items)
            if is_object:
                part = self.key()
                self.ws()
                self.i += 1  # the ':'
            self.found[(*path, part)] = start
            child = self.value((*path, part))
            if isinstance(part, str):
                node.members.append((part, start, child))
            else:
                node.items.append(child)
            self.ws()
            if self.t[self.i] == ",":
                child.comma = self.i
                self.i += 1


def scan(text: str) -> Node | None:
    """The tree of `text`, or None where the text is not what json5 accepts."""
    try:
        return _Scanner(text).value(())
    except IndexError:
        return None


def offsets(text: str) -> dict[Path, int]:
    """Where each key path starts: an object member at its key, an array item at its value.
    Text that json5 would reject yields what was found before the problem."""
    scanner = _Scanner(text)
    try:
        scanner.value(())
    except IndexError:
        pass
    return scanner.found


def patch(text: str, old: Any, new: Any) -> str | None:
    """`text` (which parses to `old`) edited towards `new`; None when the text cannot be scanned
    or has a duplicate key. The caller must check that the result parses to `new`."""
    root = scan(text)
    if root is None:
        return None
    edits: list[tuple[int, int, str]] = []
    if not _diff(text, root, old, new, edits):
        return None
    out = text
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def same(a: Any, b: Any) -> bool:
    """Equal as JSON: `1` is not `true`, `1` is not `1.0`; key order does not count."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _diff(text: str, node: Node, old: Any, new: Any, edits: list[tuple[int, int, str]]) -> bool:
    if same(old, new):
        return True
    if node.kind == "object" and isinstance(old, dict) and isinstance(new, dict):
        return _diff_object(text, node, old, new, edits)
    if node.kind == "array" and isinstance(old, list) and isinstance(new, list):
        return _diff_array(text, node, old, new, edits)
    edits.append((node.start, node.end, _render(new, _indent_at(text, node.start))))
    return True


def _diff_object(text: str, node: Node, old: dict[str, Any], new: dict[str, Any], edits: list[Any]) -> bool:
    names = [name for name, _, _ in node.members]
    if len(set(names)) != len(names):
        return False  # json5 keeps the last of duplicate keys; editing the right one is not worth it
    gone = [i for i, name in enumerate(names) if name not in new]
    for name, _, child in node.members:
        if name in new and not _diff(text, child, old[name], new[name], edits):
            return False
    added = [(k, v) for k, v in new.items() if k not in old]
    if len(gone) == len(names):  # every member goes (or there were none): the inside is written anew
        indent = _indent_at(text, node.start)
        inner = indent + "  "
        body = ",\n".join(f"{inner}{_key(k)}: {_render(v, inner)}" for k, v in added)
        edits.append((node.start + 1, node.close, f"\n{body}\n{indent}" if body else ""))
        return True
    _remove(text, [(key_at, child) for _, key_at, child in node.members], gone, edits)
    if added:
        last_kept = max(i for i in range(len(names)) if i not in gone)
        _, key_at, child = node.members[last_kept]
        inner = _indent_at(text, key_at)
        # An object written on one line (`{ "default": "p,m" }`) gets its new members on that line.
        gap = " " if "\n" not in text[node.start : key_at] else "\n" + inner
        pieces = "".join(f",{gap}{_key(k)}: {_render(v, inner)}" for k, v in added)
        edits.append((child.end, child.end, pieces))
    return True


def _diff_array(text: str, node: Node, old: list[Any], new: list[Any], edits: list[Any]) -> bool:
    items = node.items
    if len(new) == len(old) - 1 and len(items) > 1:
        # One item removed (a provider deleted): keep the others' text, comments included.
        for i in range(len(old)):
            if same(old[:i] + old[i + 1 :], new):
                _remove(text, [(child.start, child) for child in items], [i], edits)
                return True
    if len(new) < len(old) or not items:
        edits.append((node.start, node.end, _render(new, _indent_at(text, node.start))))
        return True
    for child, was, now in zip(items, old, new, strict=False):
        if not _diff(text, child, was, now, edits):
            return False
    if len(new) > len(old):
        inner = _indent_at(text, items[-1].start)
        pieces = "".join(f",\n{inner}{_render(v, inner)}" for v in new[len(old) :])
        edits.append((items[-1].end, items[-1].end, pieces))
    return True


def _remove(text: str, entries: list[tuple[int, Node]], gone: list[int], edits: list[tuple[int, int, str]]) -> None:
    """Remove the members (or items) `gone` — not all of them — with their commas and the rest
    of their last line when only a `//` comment follows; comments on other lines stay."""
    runs: list[list[int]] = []
    for i in gone:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        first_at, last = entries[run[0]][0], entries[run[-1]][1]
        start = _line_start(text, first_at)
        whole = start == 0 or text[start - 1] == "\n"  # the run begins its line
        if last.comma >= 0:
            end = _line_end(text, last.comma + 1)
            if whole and text.startswith("\n", end):
                end += 1  # whole lines went: their last line break too
            elif end == last.comma + 1:
                end = len(text) - len(text[end:].lstrip(" \t"))  # and the blanks after the comma
            edits.append((start, end, ""))
        else:  # the last member, in JSON style: the comma before it goes instead of its own
            before = entries[run[0] - 1][1]
            if whole:
                edits.append((before.comma, before.comma + 1, ""))
                start = max(start - 1, 0)  # and the line break before its line(s)
            else:
                start = before.comma
            edits.append((start, _line_end(text, last.end), ""))


def _line_start(text: str, offset: int) -> int:
    """`offset`, moved back over the indentation before it when it starts its line."""
    line_start = text.rfind("\n", 0, offset) + 1
    return offset if text[line_start:offset].strip(" \t") else line_start


def _line_end(text: str, offset: int) -> int:
    """The line break ending the line of `offset` when only blanks or a `//` comment follow
    `offset` on it; `offset` otherwise."""
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    rest = text[offset:end].strip(" \t")
    if rest and not rest.startswith("//"):
        return offset
    return end


def _indent_at(text: str, offset: int) -> str:
    """The whitespace that starts the line holding `offset`."""
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _render(value: Any, indent: str) -> str:
    """`value` as 2-space JSON whose continuation lines start at `indent`."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def _key(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)
