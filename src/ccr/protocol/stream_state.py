"""The pieces of stream state the Anthropic stream writer keeps per tool call and per held item."""

from __future__ import annotations

from typing import Any

import orjson

from ccr.protocol.tool_args import is_complete_object, repair_json_object

TEXT = 1
THINKING = 2
TOOL = 3


class Held:
    """Text or reasoning that arrived while a tool call was still streaming its arguments."""

    __slots__ = ("kind", "parts", "signature")

    def __init__(self, kind: int, parts: list[str]) -> None:
        self.kind = kind
        self.parts = parts
        self.signature: str | None = None


class ToolCall:
    """One upstream tool call, keyed by its OpenAI `index`."""

    __slots__ = ("_complete", "args", "index", "name", "raw_id", "started")

    def __init__(self, index: int) -> None:
        self.index = index
        self.raw_id: str | None = None
        self.name: str | None = None
        self.args: list[str] = []
        self.started = False
        self._complete: bool | None = None

    def learn(self, raw_id: object, name: object) -> None:
        """Keep the first id and name seen: some servers send them late, some repeat them."""
        if self.raw_id is None and isinstance(raw_id, str) and raw_id:
            self.raw_id = raw_id
        if self.name is None and isinstance(name, str) and name:
            self.name = name

    def add(self, arguments: object) -> str:
        """Append an arguments fragment; returns it as text ("" when there was none)."""
        if arguments is None:
            return ""
        if not isinstance(arguments, str):  # a server that sends the object itself
            arguments = orjson.dumps(arguments).decode()
        if arguments:
            self.args.append(arguments)
            self._complete = None
        return arguments

    def complete(self) -> bool:
        """Arguments already form a whole JSON object (cached until the next fragment)."""
        if self._complete is None:
            self._complete = is_complete_object("".join(self.args))
        return self._complete


class ToolTable:
    """The stream's tool calls by OpenAI `index`, tolerating servers that omit it."""

    __slots__ = ("_by_id", "_last", "calls")

    def __init__(self) -> None:
        self.calls: dict[int, ToolCall] = {}
        self._by_id: dict[str, int] = {}
        self._last: int | None = None

    def take(self, call: dict[str, Any]) -> tuple[ToolCall, bool, str]:
        """The call this fragment belongs to, whether it is new, and the arguments fragment."""
        index = call.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = self._index_without_position(call.get("id"))
        self._last = index
        function = call.get("function")
        if not isinstance(function, dict):
            function = {}
        tool = self.calls.get(index)
        is_new = tool is None
        if tool is None:
            tool = self.calls[index] = ToolCall(index)
        tool.learn(call.get("id"), function.get("name"))
        if tool.raw_id is not None:
            self._by_id.setdefault(tool.raw_id, index)
        return tool, is_new, tool.add(function.get("arguments"))

    def _index_without_position(self, raw_id: object) -> int:
        """A new id is a new call; no id (or a known one) continues that call."""
        last = self.calls.get(self._last) if self._last is not None else None
        if isinstance(raw_id, str) and raw_id:
            known = self._by_id.get(raw_id)
            if known is not None:
                return known
            if last is None or last.raw_id is not None:
                return max(self.calls, default=-1) + 1
        return self._last if self._last is not None else 0


def final_arguments(tool: ToolCall) -> str:
    """Arguments of a tool sent in one piece: repaired if they are near-JSON."""
    args = "".join(tool.args)
    if args and not tool.complete():
        repaired = repair_json_object(args)
        if repaired is not None:
            return orjson.dumps(repaired).decode()
    return args
