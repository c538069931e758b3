"""Long context: the request (or this session's last prompt) is bigger than `longContextThreshold`.

Counting a 56 KB Claude Code body costs milliseconds, so the body's byte size is tried first: when
it alone proves the answer (far above or far below the threshold), nothing is counted. When a count
is needed for a big body it runs in a worker thread so the event loop never stalls.

CCR's session rule is kept: also long context when the session's last upstream prompt exceeded the
threshold and this request counts over 20,000 tokens (the upstream sees cached prompt parts and
attachments our local count misses). Unlike CCR we add the cached parts of the upstream usage
(`cache_read_input_tokens`, `cache_creation_input_tokens`) to `input_tokens`: Anthropic reports
them separately, and leaving them out made the rule miss exactly the long sessions it is for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.rules.base import Rule, RuleContext

SESSION_MIN_TOKENS = 20000
SYNC_COUNT_MAX_BYTES = 16 * 1024
"""Bodies up to this size are counted inline (cheap); bigger ones go through the async counter,
which looks cached parts up on the loop (~125 µs for a warm 120 KB body) and encodes large
uncached parts in a worker thread. A thread for the whole count was measured slower for the
common warm case (~320 µs: the hop costs more than the walk) and is left to the counter to decide."""


def _estimate(size: int) -> tuple[int, int]:
    from ccr.protocol.tokens import estimate_tokens_from_bytes

    return estimate_tokens_from_bytes(size)


def _bounds(body: Mapping[str, Any]) -> tuple[int, int]:
    from ccr.protocol.tokens import token_bounds

    return token_bounds(body)


def _count(body: Mapping[str, Any]) -> int:
    from ccr.protocol.tokens import count_request_tokens

    return count_request_tokens(body)


async def _count_async(body: Mapping[str, Any]) -> int:
    from ccr.protocol.tokens import count_request_tokens_async

    return await count_request_tokens_async(body)


@dataclass(frozen=True, slots=True)
class Counting:
    """The token arithmetic the rule uses (ccr.protocol.tokens; replaceable in tests and benches)."""

    estimate: Callable[[int], tuple[int, int]] = _estimate
    """(low, high) tokens from the body's byte size alone; valid for text."""
    bounds: Callable[[Mapping[str, Any]], tuple[int, int]] = _bounds
    """(low, high) from a walk over the counted parts, without encoding: media-aware."""
    count: Callable[[Mapping[str, Any]], int] = _count
    count_async: Callable[[Mapping[str, Any]], Awaitable[int]] = _count_async


class LongContextRule(Rule):
    name = "longContext"
    is_async = True
    requires_slot = "longContext"

    def __init__(self, counting: Counting | None = None) -> None:
        self.counting = counting or Counting()

    async def amatch(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        target = ctx.slot("longContext")
        if target is None:
            return None
        threshold = ctx.settings.longContextThreshold
        last = ctx.sessions.last_prompt_tokens(req.session_id)
        session_rule = last > threshold
        if not req.tokens_known and req.body_size > 0:
            low, high = self.counting.estimate(req.body_size)
            # Bytes overstate bodies full of images or thinking signatures: the walk confirms.
            if low > threshold and (low := self.counting.bounds(req.body)[0]) > threshold:
                reason = f"body of {req.body_size} bytes has ≥ {low} tokens > longContextThreshold={threshold}"
                return ctx.decide(self.name, target, reason)
            if high <= threshold and (not session_rule or high <= SESSION_MIN_TOKENS):
                return None
        tokens = await self._count(req)
        if tokens > threshold:
            return ctx.decide(self.name, target, f"tokens={tokens} > longContextThreshold={threshold}")
        if session_rule and tokens > SESSION_MIN_TOKENS:
            reason = (
                f"tokens={tokens} > {SESSION_MIN_TOKENS} and the session's last prompt "
                f"was {last} tokens > longContextThreshold={threshold}"
            )
            return ctx.decide(self.name, target, reason)
        return None

    async def _count(self, req: RoutingRequest) -> int:
        if req.tokens_known:
            return req.token_count
        if 0 < req.body_size <= SYNC_COUNT_MAX_BYTES:
            tokens = self.counting.count(req.body)
        else:
            tokens = await self.counting.count_async(req.body)
        req.set_token_count(tokens)
        return tokens
