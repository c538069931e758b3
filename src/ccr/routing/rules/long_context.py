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

from collections.abc import Awaitable, Callable
from typing import Any

from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.rules.base import Rule, RuleContext

SESSION_MIN_TOKENS = 20000
SYNC_COUNT_MAX_BYTES = 16 * 1024
"""Bodies up to this size are counted inline; bigger ones in a worker thread."""

Estimator = Callable[[int], tuple[int, int]]
AsyncCounter = Callable[[dict[str, Any]], Awaitable[int]]


def _default_estimator(size: int) -> tuple[int, int]:
    from ccr.protocol.tokens import estimate_tokens_from_bytes

    return estimate_tokens_from_bytes(size)


async def _default_async_counter(body: dict[str, Any]) -> int:
    from ccr.protocol.tokens import count_request_tokens_async

    return await count_request_tokens_async(body)


def _has_media(body: dict[str, Any]) -> bool:
    """Images and documents are counted at a fixed cost, not by size: bytes prove nothing then."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and _blocks_have_media(content):
            return True
    return False


def _blocks_have_media(blocks: list[Any]) -> bool:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind in ("image", "document"):
            return True
        inner = block.get("content")
        if kind == "tool_result" and isinstance(inner, list) and _blocks_have_media(inner):
            return True
    return False


class LongContextRule(Rule):
    name = "longContext"
    is_async = True

    def __init__(self, estimator: Estimator | None = None, counter: AsyncCounter | None = None) -> None:
        self._estimate = estimator or _default_estimator
        self._count_async = counter or _default_async_counter

    async def amatch(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        target = ctx.slot("longContext")
        if target is None:
            return None
        threshold = ctx.settings.longContextThreshold
        last = ctx.sessions.last_prompt_tokens(req.session_id)
        session_rule = last > threshold
        if not req.tokens_known and req.body_size > 0:
            low, high = self._estimate(req.body_size)
            if low > threshold and not _has_media(req.body):
                reason = f"body {req.body_size} bytes ≥ {low} tokens > longContextThreshold={threshold}"
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
        if req.tokens_known or (0 < req.body_size <= SYNC_COUNT_MAX_BYTES):
            return req.token_count
        tokens = await self._count_async(req.body)
        req.set_token_count(tokens)
        return tokens
