"""`deepseek`: the DeepSeek API (and DeepSeek models behind Volcengine and other hosts).

Request: `max_tokens` capped at the model's documented output limit (deepseek-chat 8192,
deepseek-reasoner 65536; option `max_tokens` overrides); reasoning replayed only within the tool
loop in progress (DeepSeek's thinking mode wants it back there and nowhere else); images, which
the API does not accept, become a text note; fields it does not know are removed.

Response: nothing to do — `reasoning_content` is read by the core converter, and every chunk
(including the final `finish_reason` and usage chunks the original dropped) passes untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import positive_int, strip_cache_control, strip_replayed_reasoning
from ccr.transformers.limits import images_to_text, known_output_limit
from ccr.transformers.maxtoken import cap_max_tokens
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest

_DEFAULT_CAP = 8192
_REASONER_CAP = 65536


def deepseek_cap(model: str) -> int:
    known = known_output_limit(model)
    if known is not None:
        return known
    low = model.lower()
    return _REASONER_CAP if ("r1" in low or "reason" in low) else _DEFAULT_CAP


@builtin
class DeepSeek(Transformer):
    name = "deepseek"
    description = "DeepSeek API: caps max_tokens per model, replays reasoning within a tool loop, no images"
    options_doc: ClassVar[dict[str, str]] = {"max_tokens": "cap instead of the model's documented limit"}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.cap = positive_int(self.options, "max_tokens", "deepseek")

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        cap_max_tokens(body, self.cap or deepseek_cap(ctx.model))
        body.pop("reasoning", None)
        strip_cache_control(body)
        strip_replayed_reasoning(body, keep_current_turn=True)
        images_to_text(body, ctx.model)
        return body
