"""`reasoning`: switch thinking on or off for Qwen-style APIs (DashScope, SiliconFlow, ModelScope,
vLLM/SGLang with Qwen3) that take `enable_thinking` and `thinking_budget`.

When the client asks for thinking (Claude Code: `thinking` enabled or adaptive), `enable_thinking`
is true and the client's budget becomes `thinking_budget`; otherwise false. Option `enable: false`
forces it off whatever the client asks. `reasoning_content` in answers is read by the core
converter (JSON and streamed), so nothing is lost on the way back.
"""

from __future__ import annotations

from typing import ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import strip_replayed_reasoning, thinking_request
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest


@builtin
class Reasoning(Transformer):
    name = "reasoning"
    description = "enable_thinking/thinking_budget for Qwen-style APIs, from the client's thinking request"
    options_doc: ClassVar[dict[str, str]] = {"enable": "false forces thinking off (default: follow the client)"}

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        wish = thinking_request(body, ctx)
        body.pop("reasoning", None)
        strip_replayed_reasoning(body)
        if self.options.get("enable", True) is False or not wish.enabled:
            body["enable_thinking"] = False
            return body
        body["enable_thinking"] = True
        if wish.budget is not None:
            body["thinking_budget"] = wish.budget
        return body
