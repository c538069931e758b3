"""`tooluse`: make models that drift into plain answers keep calling tools.

Request: when the client offers tools, `tool_choice` becomes `required`, an `ExitTool` function
is added and a short system note explains it: call a tool every turn, and call `ExitTool` with
the final answer when done. Response: an `ExitTool` call is turned back into plain text (its
`response` argument), so the client never sees the extra tool. Streamed `ExitTool` arguments are
held until they form a whole object, then sent as one text delta.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccr.protocol.tool_args import parse_tool_arguments
from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import first_choice, make_chunk, obj
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

EXIT_TOOL = "ExitTool"
_NOTE = (
    "Tool mode is on: answer every turn by calling one of the available tools. When the task is "
    f"finished and nothing is left to do with the other tools, call {EXIT_TOOL} with your final "
    "answer to the user in its `response` argument. Do not answer in plain text."
)
_EXIT_FUNCTION = {
    "type": "function",
    "function": {
        "name": EXIT_TOOL,
        "description": "Finish tool mode and give the final answer to the user.",
        "parameters": {
            "type": "object",
            "properties": {"response": {"type": "string", "description": "The final answer for the user."}},
            "required": ["response"],
        },
    },
}


@builtin
class ToolUse(Transformer):
    name = "tooluse"
    description = "Forces tool calls (tool_choice=required), with an ExitTool for the final answer"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        tools = body.get("tools")
        if not isinstance(tools, list) or not tools or body.get("tool_choice") == "none":
            return body
        body["tools"] = [*tools, _EXIT_FUNCTION]
        if not isinstance(body.get("tool_choice"), dict):
            body["tool_choice"] = "required"
        messages = body.get("messages")
        if isinstance(messages, list):
            body["messages"] = [*messages, {"role": "system", "content": _NOTE}]
        return body

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        choice = first_choice(body)
        message = choice.get("message") if choice else None
        if not choice or not isinstance(message, dict) or not isinstance(message.get("tool_calls"), list):
            return body
        kept = []
        answer: str | None = None
        for call in message["tool_calls"]:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and function.get("name") == EXIT_TOOL:
                answer = _answer(function.get("arguments"))
            else:
                kept.append(call)
        if answer is None:
            return body
        text = message.get("content") if isinstance(message.get("content"), str) else ""
        message["content"] = f"{text}\n{answer}" if text else answer
        if kept:
            message["tool_calls"] = kept
        else:
            message.pop("tool_calls", None)
            choice["finish_reason"] = "stop"
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.setdefault(self.name, {"index": None, "args": [], "sent": False, "others": False})
        choice = first_choice(chunk)
        if choice is None:
            return [chunk]
        out: list[UnifiedChunk] = []
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("tool_calls"), list):
            delta["tool_calls"] = [c for c in delta["tool_calls"] if not _take_exit(c, st)]
            if not delta["tool_calls"]:
                del delta["tool_calls"]
            if not st["sent"] and st["args"] and _complete("".join(st["args"])):
                out.append(self._answer_chunk(chunk, st))
        finish = choice.get("finish_reason")
        if finish:
            if not st["sent"] and st["args"]:
                out.append(self._answer_chunk(chunk, st))
            if st["index"] is not None and not st["others"] and finish == "tool_calls":
                choice["finish_reason"] = "stop"
        if delta or finish or chunk.get("usage"):
            out.append(chunk)
        return out

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.get(self.name)
        if st and not st["sent"] and st["args"]:
            return [self._answer_chunk({}, st)]
        return []

    def _answer_chunk(self, like: UnifiedChunk, st: dict[str, Any]) -> UnifiedChunk:
        st["sent"] = True
        text = _answer("".join(st["args"])) or ""
        return make_chunk(str(like.get("id") or "chatcmpl-tooluse"), str(like.get("model") or ""), {"content": text})


def _take_exit(call: object, st: dict[str, Any]) -> bool:
    """Record an ExitTool fragment; True when `call` belonged to ExitTool (and is dropped)."""
    if not isinstance(call, dict):
        return False
    function = obj(call.get("function"))
    index = call.get("index", 0)
    if function.get("name") == EXIT_TOOL and st["index"] is None:
        st["index"] = index
    if st["index"] is not None and index == st["index"]:
        if isinstance(function.get("arguments"), str):
            st["args"].append(function["arguments"])
        return True
    if function.get("name"):
        st["others"] = True
    return False


def _complete(text: str) -> bool:
    try:
        return isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        return False


def _answer(arguments: Any) -> str | None:
    args = parse_tool_arguments(arguments)
    value = args.get("response")
    if isinstance(value, str):
        return value
    raw = args.get("_raw")
    return raw if isinstance(raw, str) else (orjson.dumps(value).decode() if value is not None else "")
