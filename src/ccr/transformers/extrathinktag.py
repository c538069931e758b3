"""`extrathinktag`: models that write their reasoning as `<think>…</think>` in the answer text
(MiniMax, Qwen3 and DeepSeek-R1 distills behind plain servers) → thinking blocks.

Option `starts_inside: true` is for chat templates that already opened the tag in the prompt, so
the model's output begins inside the reasoning and only the closing tag appears.
"""

from __future__ import annotations

from typing import ClassVar

from ccr.transformers.registry import builtin
from ccr.transformers.thinktags import TagReasoning


@builtin
class ExtraThinkTag(TagReasoning):
    name = "extrathinktag"
    description = "Turns <think>…</think> in the answer text into thinking blocks"
    options_doc: ClassVar[dict[str, str]] = {
        "starts_inside": "true when the output starts inside <think> (only </think> appears)"
    }
