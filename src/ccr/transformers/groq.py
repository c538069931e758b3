"""`groq`: GroqCloud's OpenAI-compatible API.

Request: no `cache_control`, no `$schema` in tool schemas, no replayed reasoning (Groq rejects
those fields); the client's thinking request becomes `reasoning_effort` on the models that take
it (gpt-oss: low/medium/high; qwen3: default/none).
"""

from __future__ import annotations

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import strip_cache_control, strip_replayed_reasoning, thinking_request
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest


def drop_schema_keys(body: UnifiedRequest, keys: tuple[str, ...] = ("$schema",)) -> None:
    """Remove top-level schema keys; the schema objects are the client's, so they are copied."""
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            continue
        params = function.get("parameters")
        if isinstance(params, dict) and any(k in params for k in keys):
            function["parameters"] = {k: v for k, v in params.items() if k not in keys}


def scrub(body: UnifiedRequest) -> None:
    """What Groq and Cerebras reject: `cache_control`, replayed reasoning, `$schema` in tool schemas."""
    strip_cache_control(body)
    strip_replayed_reasoning(body)
    drop_schema_keys(body)


def reasoning_effort_for(model: str, body: UnifiedRequest, ctx: RequestContext) -> str | None:
    wish = thinking_request(body, ctx)
    low = model.lower()
    if "gpt-oss" in low:
        return wish.openai_effort()
    if "qwen3" in low or "qwen-3" in low:
        return "default" if wish.enabled else "none"
    return None


@builtin
class Groq(Transformer):
    name = "groq"
    description = "GroqCloud: removes fields Groq rejects, maps thinking to reasoning_effort"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        effort = reasoning_effort_for(ctx.model, body, ctx)
        body.pop("reasoning", None)
        if effort is not None:
            body["reasoning_effort"] = effort
        scrub(body)
        return body
