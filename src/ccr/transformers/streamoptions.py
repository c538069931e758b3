"""`streamoptions`: ask OpenAI-compatible servers for a usage chunk at the end of a stream.

Without `stream_options.include_usage` many servers report no usage when streaming, and Claude
Code's context meter and status line show 0. Some servers reject `stream_options` on a request
that does not stream, so it is removed there.
"""

from __future__ import annotations

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest


@builtin
class StreamOptions(Transformer):
    name = "streamoptions"
    description = "Adds stream_options.include_usage when streaming (so usage is reported)"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        if body.get("stream"):
            current = body.get("stream_options")
            body["stream_options"] = {**(current if isinstance(current, dict) else {}), "include_usage": True}
        else:
            body.pop("stream_options", None)
        return body
