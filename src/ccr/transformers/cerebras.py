"""`cerebras`: Cerebras Inference's OpenAI-compatible API.

Request: no `cache_control`, no `$schema` in tool schemas, no replayed reasoning; the client's
thinking request becomes `reasoning_effort` for gpt-oss and `disable_reasoning` for the models
that think by default (GLM, Qwen 3) when the client did not ask for thinking.
"""

from __future__ import annotations

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import thinking_request
from ccr.transformers.groq import scrub
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest


@builtin
class Cerebras(Transformer):
    name = "cerebras"
    description = "Cerebras: removes fields it rejects, maps thinking to reasoning_effort / disable_reasoning"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        wish = thinking_request(body, ctx)
        body.pop("reasoning", None)
        model = ctx.model.lower()
        if "gpt-oss" in model:
            body["reasoning_effort"] = wish.openai_effort()
        elif any(name in model for name in ("glm", "qwen-3", "qwen3")):
            body["disable_reasoning"] = not wish.enabled
        scrub(body)
        return body
