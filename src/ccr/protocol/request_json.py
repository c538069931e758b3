"""Provider request bodies to JSON bytes, reusing the JSON of the parts that come back unchanged.

Claude Code sends the same tool list, system prompt and conversation history with every request
of a session, and that text is rarely pure ASCII (dashes, quotes, arrows, CJK). A `str` that
`orjson.loads` has just made carries no UTF-8 form, so `orjson.dumps` must transcode each one
anew: on the 49 KB Claude Code 2.1.332 request, 115 µs for a freshly parsed body against 29 µs
for the same objects a second time (CPython keeps the UTF-8 once made). A 9,000-character string
with one em dash costs 16.5 µs to write against 1.5 µs for an ASCII one.

So the JSON of each long non-ASCII text is kept (bounded, least recently used out first) and
written again as an `orjson.Fragment` when an equal text comes: tool descriptions, the system
prompt (`system`, Gemini's `systemInstruction`, the Responses API's `instructions`), and
the texts of the first messages (the Chat Completions system prompt, Claude Code's context
reminders). A hit is checked by full equality with the kept text (a memcmp; a `str` cannot
change), so a fragment is always that text's own JSON. ASCII texts are not kept: writing one is a
copy already. Whole structures are not compared (the 31 KB tool list costs as much to compare as
to write), and later messages are not looked at (see `RequestJson._messages`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

MIN_CHARS = 512
"""Shorter strings cost less to write than to look up."""
MAX_BYTES = 2 * 1024 * 1024
"""JSON held at most (about three times that in memory, with the texts it stands for)."""
HEAD_MESSAGES = 8
"""Messages looked at, from the start of the conversation."""
_KEY_CHARS = 48
_TURNS = {"messages": "content", "contents": "parts", "input": "content"}
"""Where each format keeps its conversation, and the key of a turn's text or parts."""
_TEXT_KEYS = frozenset({"system", "instructions", "tools", "systemInstruction", *_TURNS})


class RequestJson:
    """`dumps(body)`: `orjson.dumps(body)`, with the repeated long texts written from memory."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.held = 0
        self.hits = 0
        self._entries: OrderedDict[tuple[int, str], tuple[str, orjson.Fragment, int]] = OrderedDict()

    def dumps(self, body: dict[str, Any]) -> bytes:
        """Chat Completions (`tools`, `messages`), Anthropic (`tools`, `system`, `messages`), Gemini
        (`tools`, `systemInstruction`, `contents`) and Responses (`tools`, `instructions`, `input`)
        bodies; other keys are written as they are."""
        present = _TEXT_KEYS.intersection(body)  # most bodies have one or two of them
        if not present:
            return orjson.dumps(body)
        changed: dict[str, Any] = {}
        for key in present:
            value = body[key]
            if key in _TURNS:
                if type(value) is list and (written := self._messages(value, _TURNS[key])) is not value:
                    changed[key] = written
            elif key == "tools":
                if type(value) is list and (written := self._tools(value)) is not value:
                    changed[key] = written
            elif key == "systemInstruction":
                parts = value.get("parts") if type(value) is dict else None
                if type(parts) is list and (written := self._parts(parts)) is not parts:
                    changed[key] = {**value, "parts": written}
            elif (written := self._value(value)) is not value:  # system, instructions
                changed[key] = written
        return orjson.dumps({**body, **changed} if changed else body)

    # The loops below test `type(text) is str and len(text) >= MIN_CHARS and not text.isascii()`
    # inline: most texts fail it, and a function call per text would cost more than the test.

    def _tools(self, tools: list[Any]) -> list[Any]:
        """Each tool's description (Anthropic `description`, Chat Completions `function.description`,
        Gemini `functionDeclarations[].description`). Whole tool lists are not compared: that costs
        as much as writing them (~500 small objects)."""
        out = tools
        for i, tool in enumerate(tools):
            if type(tool) is not dict:
                continue
            declarations = tool.get("functionDeclarations")
            if type(declarations) is list:
                if (written_list := self._tools(declarations)) is not declarations:
                    out = _replaced(out, tools, i, {**tool, "functionDeclarations": written_list})
                continue
            fn = tool.get("function")
            holder = fn if type(fn) is dict else tool
            text = holder.get("description")
            if type(text) is str and len(text) >= MIN_CHARS and not text.isascii():
                written = {**holder, "description": self._text(text)}
                out = _replaced(out, tools, i, {**tool, "function": written} if holder is fn else written)
        return out

    def _messages(self, messages: list[Any], key: str) -> list[Any]:
        """The head of the conversation: the system prompt and Claude Code's context reminders,
        resent unchanged with every request; `key` holds a message's text or parts (`content`,
        Gemini's `parts`). Looking at every message would cost more than it saves in a long
        session (~0.3 µs of Python per message against orjson's ~0.3 µs to write one)."""
        out = messages
        for i in range(min(len(messages), HEAD_MESSAGES)):
            m = messages[i]
            if type(m) is not dict:
                continue
            content = m.get(key)
            if (written := self._value(content)) is not content:
                out = _replaced(out, messages, i, {**m, key: written})
        return out

    def _value(self, value: Any) -> Any:
        """A whole text (a long non-ASCII one as a fragment) or a list of parts; anything else as it is."""
        if type(value) is str:
            return self._text(value) if len(value) >= MIN_CHARS and not value.isascii() else value
        return self._parts(value) if type(value) is list else value

    def _parts(self, parts: list[Any]) -> list[Any]:
        """Text blocks (Anthropic), text parts (Chat Completions, Gemini, the Responses API)."""
        out = parts
        for i, part in enumerate(parts):
            if type(part) is dict:
                text = part.get("text")
                if type(text) is str and len(text) >= MIN_CHARS and not text.isascii():
                    out = _replaced(out, parts, i, {**part, "text": self._text(text)})
        return out

    def _text(self, text: str) -> orjson.Fragment:
        entry = (len(text), text[:_KEY_CHARS])
        found = self._entries.get(entry)
        if found is not None and found[0] == text:  # a memcmp; a str is immutable: no copy to keep
            # One event loop per process uses it; a thread that dropped the entry meanwhile (a
            # test's second loop) costs only its place in the order.
            try:
                self._entries.move_to_end(entry)
            except KeyError:  # not `contextlib.suppress`: an object per hit
                pass
            self.hits += 1
            return found[1]
        return self._keep(entry, text)

    def _keep(self, key: tuple[int, str], text: str) -> orjson.Fragment:
        data = orjson.dumps(text)
        fragment = orjson.Fragment(data)
        size = len(data)
        if size > self.max_bytes // 4:
            return fragment
        old = self._entries.pop(key, None)
        if old is not None:
            self.held -= old[2]
        self._entries[key] = (text, fragment, size)
        self.held += size
        while self.held > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.held -= dropped
        return fragment

    def clear(self) -> None:
        self._entries.clear()
        self.held = 0


def _replaced(out: list[Any], original: list[Any], i: int, item: Any) -> list[Any]:
    """`out` (a copy of `original`, made on the first change) with item `i` replaced."""
    if out is original:
        out = list(original)
    out[i] = item
    return out


REQUEST_JSON = RequestJson()
"""The process's memo: one per process, as the requests of a session all come to it."""


def dumps_request(body: dict[str, Any]) -> bytes:
    return REQUEST_JSON.dumps(body)
