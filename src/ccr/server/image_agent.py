"""The image agent's tool loop (the I/O half of ccr.routing.image_agent).

When routing prepared a request for the agent, the main model may call `analyzeImage`. We answer
that call ourselves — a non-streamed request to `Router.image` with the cached images — and send
the main model the turn so far plus the answer, up to `MAX_ROUNDS` times. The client sees one
answer: streamed rounds are spliced into one SSE message (ccr.routing.image_stream), JSON rounds
end in the last round's message; `analyzeImage` never reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from ccr.errors import CcrError
from ccr.protocol.anthropic_events import error_event
from ccr.protocol.sse import SSEParser
from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.image_agent import NOTE_KEY, TOOL_NAME, ImageAgentState
from ccr.routing.image_stream import AgentStream, RoundFilter
from ccr.routing.image_tool import (
    MAX_ROUNDS,
    analyze_calls,
    answer_text,
    build_continuation,
    build_image_request,
    final_message,
    has_client_tool_calls,
)
from ccr.server.asgi import Message, Send
from ccr.server.exchange import Exchange
from ccr.server.streaming import relay_passthrough, stream_unified
from ccr.server.upstream_errors import transport_error
from ccr.upstream.transport import TransportError

if TYPE_CHECKING:
    from ccr.server.state import AppState

log = logging.getLogger("ccr.routing")


@dataclass(slots=True)
class ImageAgentRun:
    state: AppState
    agent: ImageAgentState
    body: dict[str, Any]
    headers: dict[str, str]

    # -- answering the tool -------------------------------------------------------------

    async def answer(self, ex: Exchange, call: dict[str, Any]) -> tuple[str, bool]:
        """(tool result text, is_error) for one `analyzeImage` call."""
        args = call.get("input")
        request, problem = build_image_request(self.agent, args if isinstance(args, dict) else {})
        if request is None:
            return problem, True
        target = self.agent.target
        decision = RouteDecision(target.provider, target.model, "image", f"{TOOL_NAME} call")
        sub = Exchange(runtime=ex.runtime, started=time.perf_counter(), decision=decision)
        try:
            await sub.open(self.state, request, self.headers)
            message = orjson.loads(await _read_json(sub))
        except CcrError as err:
            log.warning("%s via %s failed: %s", TOOL_NAME, decision.target, err.message)
            return f"{TOOL_NAME} failed: {err.message}", True
        finally:
            sub.finish(self.state)  # recorded in stats as its own image request
        log.info("route=image %s answered by %s", TOOL_NAME, decision.target)
        return answer_text(message), False

    async def answer_all(self, ex: Exchange, calls: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
        results = await asyncio.gather(*(self.answer(ex, call) for call in calls))
        return {str(call.get("id")): result for call, result in zip(calls, results, strict=True)}

    def next_round(self, ex: Exchange) -> Exchange:
        return Exchange(
            runtime=ex.runtime,
            started=time.perf_counter(),
            stream=ex.stream,
            session_id=ex.session_id,
            decision=ex.decision,
        )

    # -- JSON answers -------------------------------------------------------------------

    async def finish_json(self, ex: Exchange, out: bytes) -> bytes:
        """Given the first round's Anthropic message, run the loop and return the client's message."""
        message = orjson.loads(out)
        body, output_tokens = self.body, _output_tokens(message)
        for _ in range(MAX_ROUNDS):
            content = message.get("content") or []
            calls = analyze_calls(content)
            if message.get("stop_reason") != "tool_use" or not calls or has_client_tool_calls(content):
                break
            body = build_continuation(body, content, await self.answer_all(ex, calls))
            sub = self.next_round(ex)
            await sub.open(self.state, body, self.headers)
            message = orjson.loads(await _read_json(sub))
            output_tokens += _output_tokens(message)
        final = final_message(message)
        final["usage"] = {**(message.get("usage") or {}), "output_tokens": output_tokens}
        ex.usage = final["usage"]
        return orjson.dumps(final)

    # -- streamed answers ---------------------------------------------------------------

    async def stream(self, ex: Exchange, send: Send) -> None:
        """Relay the first round (already open in `ex`) and any continuations as one SSE message."""
        agent_stream = AgentStream()
        body, current = self.body, ex
        for round_no in range(MAX_ROUNDS + 1):
            flt = agent_stream.begin_round()
            await _relay_round(current, flt, send)
            if flt.failed:  # the relay already sent the error event
                ex.status, ex.error = current.status, current.error or "stream failed"
                return
            if round_no == MAX_ROUNDS or not flt.ended or not flt.should_continue():
                break
            body = build_continuation(body, flt.content(), await self.answer_all(ex, flt.agent_calls()))
            current = self.next_round(ex)
            try:
                await current.open(self.state, body, self.headers)
            except CcrError as err:
                ex.status, ex.error = err.status, err.message
                await send(_body(error_event(err.error_type, err.message)))
                return
        ex.usage = {**flt.usage, "output_tokens": agent_stream.output_tokens}
        await send(_body(agent_stream.finish(flt)))


def for_request(
    req: RoutingRequest, state: AppState, body: dict[str, Any], headers: dict[str, str]
) -> ImageAgentRun | None:
    """The loop for this request when routing prepared it for the image agent, else None."""
    agent = req.notes.get(NOTE_KEY)
    if not isinstance(agent, ImageAgentState):
        return None
    return ImageAgentRun(state, agent, body, headers)


async def _read_json(ex: Exchange) -> bytes:
    assert ex.upstream is not None
    try:
        data = await ex.upstream.read()
    except TransportError as exc:
        raise transport_error(ex.provider_name, ex.model, exc) from None
    finally:
        ex.upstream.close()
    return ex.json_answer(data)


async def _relay_round(ex: Exchange, flt: RoundFilter, send: Send) -> None:
    """One round through the normal relay, its output rewritten by the agent's filter."""
    parser = SSEParser()

    async def filtered(message: Message) -> None:
        out = b"".join(flt.feed(event) for event in parser.feed(message.get("body", b"")))
        if out:
            await send(_body(out))

    try:
        if ex.pipeline is not None and ex.pipeline.passthrough:
            await relay_passthrough(ex, filtered)
        else:
            await stream_unified(ex, filtered)
        tail = b"".join(flt.feed(event) for event in parser.flush())
        if tail:
            await send(_body(tail))
    finally:
        if ex.upstream is not None:
            ex.upstream.close()


def _body(data: bytes) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": True}


def _output_tokens(message: dict[str, Any]) -> int:
    usage = message.get("usage")
    value = usage.get("output_tokens") if isinstance(usage, dict) else None
    return value if isinstance(value, int) else 0
