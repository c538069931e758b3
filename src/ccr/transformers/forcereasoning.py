"""`forcereasoning`: make a model without a reasoning mode reason in writing first.

Request: the model is asked to think inside `<reasoning_content>…</reasoning_content>` before
answering; the instruction goes on the last user message (or a new user message after tool
results). Earlier reasoning (the last 10 assistant turns) is replayed in the same tags so the
model sees the form it is expected to use. Response: the tagged text becomes thinking blocks;
text before the opening tag is kept as text.
"""

from __future__ import annotations

from typing import Any

from ccr.transformers.base import RequestContext
from ccr.transformers.common import messages_of, parts_of
from ccr.transformers.registry import builtin
from ccr.transformers.thinktags import TagReasoning
from ccr.types import UnifiedRequest

OPEN, CLOSE = "<reasoning_content>", "</reasoning_content>"
INSTRUCTION = (
    f"Before answering, think the problem through step by step and write that reasoning inside "
    f"{OPEN}…{CLOSE}. Then write your answer (or call tools) after the closing tag."
)
REPLAYED_TURNS = 10


@builtin
class ForceReasoning(TagReasoning):
    name = "forcereasoning"
    description = "Asks the model to reason inside <reasoning_content> tags and turns them into thinking blocks"
    open_tag = OPEN
    close_tag = CLOSE

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        messages = list(messages_of(body))
        assistants = [m for m in messages if m.get("role") == "assistant"]
        recent = {id(m) for m in assistants[-REPLAYED_TURNS:]}
        for msg in assistants:
            reasoning = msg.pop("reasoning_content", None)
            msg.pop("reasoning_signature", None)
            if isinstance(reasoning, str) and reasoning and id(msg) in recent:
                text = msg.get("content") if isinstance(msg.get("content"), str) else ""
                msg["content"] = f"{OPEN}{reasoning}{CLOSE}\n{text}"
        if messages:
            _instruct(messages[-1], body)
        return body


def _instruct(last: dict[str, Any], body: UnifiedRequest) -> None:
    if last.get("role") == "user":
        content = last.get("content")
        if isinstance(content, str):
            last["content"] = f"{content}\n\n{INSTRUCTION}"
        else:
            last["content"] = [*parts_of(content), {"type": "text", "text": INSTRUCTION}]
    elif last.get("role") == "tool":
        body["messages"] = [*body["messages"], {"role": "user", "content": INSTRUCTION}]
