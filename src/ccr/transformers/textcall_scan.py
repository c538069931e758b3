"""Find tool calls that a model wrote as text, incrementally.

Three written forms are recognised, each only when it names one of the request's tools:

* Hermes style, anywhere:            `<tool_call>{"name": …, "arguments": {…}}</tool_call>`
* a bare JSON object at a line start: `{"name": …, "arguments"|"parameters": {…}}`
* a fenced block at a line start:     ```` ```json ```` (or no language) holding such an object

`CallScanner.feed(text)` takes the content as it streams and returns what can be decided now;
`finish()` decides the rest. Text that cannot become a call comes back at once; only a possible
call's beginning (and the line-break whitespace before it) is held. Fed whole and then finished,
the same scanner serves non-streamed replies, so both paths decide identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

HERMES_OPEN, HERMES_CLOSE, FENCE = "<tool_call>", "</tool_call>", "```"
FENCE_LANGS = ("", "json", "tool_call")
MAX_HELD = 256 * 1024
"""A candidate longer than this is released as text (a runaway model must not stall the stream)."""
VIABILITY_WINDOW = 512
"""A candidate's start decides whether it can be a call; past this, only its end is looked for."""

_CALL_KEYS = frozenset({"name", "arguments", "parameters", "type", "id", "function"})
_LINE_START = re.compile(r"(?:^|\n)[ \t\r]*(\{|```)")
_FIRST_KEY = re.compile(r'\{\s*"((?:[^"\\]|\\.)*)("?)')
_NAME_VALUE = re.compile(r'\s*(?::\s*(?:"((?:[^"\\]|\\.)*)("?))?)?')
"""What may follow the key `"name"`: a colon, then a string, each possibly not written yet."""


@dataclass(frozen=True, slots=True)
class TextPiece:
    text: str


@dataclass(frozen=True, slots=True)
class CallPiece:
    name: str
    arguments: str
    """A JSON object, as text (the unified `function.arguments`)."""


Piece = TextPiece | CallPiece


def parse_call(text: str, tools: frozenset[str]) -> CallPiece | None:
    """The call `text` holds, if it is exactly one call of one of `tools`."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or not obj.keys() <= _CALL_KEYS:
        return None
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {...}}
        obj = obj["function"]
    name = obj.get("name")
    args = obj["arguments"] if "arguments" in obj else obj.get("parameters")
    if isinstance(args, str):  # arguments already serialised, as OpenAI writes them
        try:
            args = orjson.loads(args)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(name, str) or name not in tools or not isinstance(args, dict):
        return None
    return CallPiece(name, orjson.dumps(args).decode())


def could_be_call(prefix: str, tools: frozenset[str]) -> bool:
    """False as soon as the start of a JSON text shows it is not a call of one of `tools`."""
    s = prefix.lstrip()
    if not s or s == "{":
        return True
    key = _FIRST_KEY.match(s)
    if key is None:
        return bool(re.fullmatch(r"\{\s*", s))
    if not key.group(2):
        return any(k.startswith(key.group(1)) for k in _CALL_KEYS)
    if key.group(1) != "name":
        return key.group(1) in _CALL_KEYS
    after = s[key.end() :]
    value = _NAME_VALUE.match(after)
    if value is None:
        return False
    if value.group(2):
        return value.group(1) in tools
    if value.end() < len(after):
        return False
    return value.group(1) is None or any(t.startswith(value.group(1)) for t in tools)


class _JsonEnd:
    """Finds where a JSON object closes, one character at a time, across feeds."""

    __slots__ = ("depth", "escape", "in_string", "pos")

    def __init__(self) -> None:
        self.pos, self.depth, self.in_string, self.escape = 0, 0, False, False

    def scan(self, s: str) -> int:
        """Index just past the object's closing brace, or -1 while it is still open."""
        for i in range(self.pos, len(s)):
            c = s[i]
            if self.in_string:
                if self.escape:
                    self.escape = False
                elif c == "\\":
                    self.escape = True
                elif c == '"':
                    self.in_string = False
            elif c == '"':
                self.in_string = True
            elif c == "{":
                self.depth += 1
            elif c == "}":
                self.depth -= 1
                if self.depth == 0:
                    return i + 1
        self.pos = len(s)
        return -1


class CallScanner:
    """Splits streamed content into text and calls of `tools` (see the module docstring)."""

    def __init__(self, tools: frozenset[str]) -> None:
        self.tools = tools
        self.held = ""
        """Undecided text: a candidate's start (kind set) or a tail that might begin one."""
        self.kind: str | None = None
        self.gap = ""
        """Whitespace between the last text and the candidate: dropped if it becomes a call."""
        self.line_blank = True
        """Everything given out on the current line so far is whitespace."""
        self.json_end = _JsonEnd()
        self.search_from = 0
        """Where to look for the closing tag or fence next (it cannot be in text already seen)."""
        self.calls = 0

    def feed(self, text: str) -> list[Piece]:
        out: list[Piece] = []
        self.held += text
        while self.held:
            if self.kind is None and not self._start_candidate(out):
                break
            if not self._resolve(out, final=False):
                break
        return out

    def finish(self) -> list[Piece]:
        out: list[Piece] = []
        while self.held:
            if self.kind is None and not self._start_candidate(out):
                # Whitespace after the last call is layout, not an answer.
                if not (self.calls and not self.held.strip()):
                    self._emit_text(out, self.held)
                self.held = ""
                break
            self._resolve(out, final=True)
        return out

    # -- finding a candidate -------------------------------------------------------------

    def _start_candidate(self, out: list[Piece]) -> bool:
        """Give out the text before the first candidate; False when there is none yet."""
        s = self.held
        pos, kind = self._find(s)
        if pos < 0:
            keep = self._undecided_tail(s)
            self._emit_text(out, s[:keep])
            self.held = s[keep:]
            return False
        before = s[:pos]
        body = before.rstrip(" \t\r\n")
        self._emit_text(out, body)
        self.gap = before[len(body) :]
        self.held, self.kind, self.json_end, self.search_from = s[pos:], kind, _JsonEnd(), 0
        return True

    def _find(self, s: str) -> tuple[int, str]:
        hermes = s.find(HERMES_OPEN)
        start = 0 if self.line_blank else s.find("\n")
        m = _LINE_START.search(s, start) if start >= 0 else None
        line = m.start(1) if m else -1
        if line >= 0 and (hermes < 0 or line < hermes):
            return line, "json" if m and m.group(1) == "{" else "fence"
        return hermes, "hermes"

    def _undecided_tail(self, s: str) -> int:
        """Where the end of `s` could still begin a candidate (len(s) if it cannot)."""
        keep = len(s)
        for i in range(len(HERMES_OPEN) - 1, 0, -1):
            if s.endswith(HERMES_OPEN[:i]):
                keep = len(s) - i
                break
        for tick in ("``", "`"):
            cut = len(s) - len(tick)
            if s.endswith(tick) and cut < keep and self._at_line_start(s, cut):
                keep = cut
                break
        # Whitespace is held too: it belongs to the text only if no call follows it.
        return len(s[:keep].rstrip(" \t\r\n"))

    def _at_line_start(self, s: str, pos: int) -> bool:
        nl = s.rfind("\n", 0, pos)
        if nl < 0:
            return self.line_blank and not s[:pos].strip()
        return not s[nl + 1 : pos].strip()

    # -- deciding a candidate ------------------------------------------------------------

    def _resolve(self, out: list[Piece], *, final: bool) -> bool:
        """Decide the held candidate if possible; False while it needs more text."""
        if self._viable():
            end, inner = self._candidate_end(final)
        else:
            end, inner = 1, None  # give out the opening character: what follows may hold a call
        if end is None:
            if len(self.held) <= MAX_HELD:
                return False
            end = len(self.held)
        call = parse_call(inner, self.tools) if inner is not None else None
        piece, self.held, self.kind = self.held[:end], self.held[end:], None
        if call is None:
            self._emit_text(out, self.gap + piece)
        else:
            out.append(call)
            self.calls += 1
            self.line_blank = True
        self.gap = ""
        return True

    def _candidate_end(self, final: bool) -> tuple[int | None, str | None]:
        """(end of the candidate, the JSON text inside it), or (None, None) if still open."""
        s = self.held
        if self.kind == "json":
            end = self.json_end.scan(s)
            if end > 0:
                return end, s[:end]
            return (len(s), None) if final else (None, None)
        if self.kind == "hermes":
            inner = len(HERMES_OPEN)
            close = s.find(HERMES_CLOSE, max(inner, self.search_from))
            if close >= 0:
                return close + len(HERMES_CLOSE), s[inner:close]
            self.search_from = len(s) - len(HERMES_CLOSE)
            return (len(s), s[inner:]) if final else (None, None)
        nl = s.find("\n")
        close = s.find(FENCE, max(nl + 1, self.search_from)) if nl >= 0 else -1
        if close >= 0:
            return close + len(FENCE), s[nl + 1 : close]
        self.search_from = len(s) - len(FENCE)
        if final:
            return len(s), s[nl + 1 :] if nl >= 0 else None
        return None, None

    def _viable(self) -> bool:
        """Could the open candidate still become a call? (Judged on its start only.)"""
        s = self.held
        if len(s) > VIABILITY_WINDOW:
            return True
        if self.kind == "json":
            return could_be_call(s, self.tools)
        if self.kind == "hermes":
            return could_be_call(s[len(HERMES_OPEN) :], self.tools)
        nl = s.find("\n")
        if nl < 0:
            lang = s[len(FENCE) :].strip().lower()
            return any(x.startswith(lang) for x in FENCE_LANGS) and "`" not in lang
        lang = s[len(FENCE) : nl].strip().lower()
        return lang in FENCE_LANGS and could_be_call(s[nl + 1 :], self.tools)

    def _emit_text(self, out: list[Piece], text: str) -> None:
        if not text:
            return
        if out and isinstance(out[-1], TextPiece):
            out[-1] = TextPiece(out[-1].text + text)
        else:
            out.append(TextPiece(text))
        if "\n" in text:
            self.line_blank = not text.rsplit("\n", 1)[1].strip()
        else:
            self.line_blank = self.line_blank and not text.strip()
