"""What a transformer is.

A transformer is a small class constructed once per use (one per provider or model chain link)
with its options. It overrides any of the hooks below; the pipeline calls only the hooks a class
overrides, so an identity hook costs nothing per chunk.

Request direction (in chain order):   `request(unified_body, ctx) -> unified_body`
                                       `anthropic(anthropic_body, ctx) -> anthropic_body` (passthrough
                                        providers only: their body never becomes unified)
Response direction (chain reversed):  `response(unified_response, ctx) -> unified_response`
                                       `stream_chunk(chunk, ctx) -> [chunks]`, `stream_end(ctx) -> [chunks]`

Instances are shared by concurrent requests: per-request state goes in `ctx.state`, never on `self`.

An *endpoint* transformer (`Endpoint` below) also owns the provider's URL, auth and wire format:
it turns the unified body into the provider's bytes and the provider's answer back into unified
shapes. Exactly one endpoint serves a chain; `openai` (Chat Completions) is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ccr.config.schema import Provider
    from ccr.protocol.sse import SSEEvent
    from ccr.types import AnthropicRequest, UnifiedChunk, UnifiedRequest, UnifiedResponse


@dataclass(slots=True)
class RequestContext:
    """Everything a transformer may read about the request being served."""

    provider: Provider
    model: str
    """Upstream model id, as configured."""
    stream: bool
    scenario: str = "default"
    requested_model: str = ""
    """The `model` the client sent (what it expects to see back)."""
    api_key: str | None = None
    """The provider key chosen for this attempt (rotation picks one of `api_keys`)."""
    client_headers: Mapping[str, str] = field(default_factory=dict)
    """Read-only; never forwarded upstream except where an endpoint says so (anthropic-beta)."""
    anthropic_body: AnthropicRequest | None = None
    """The original Anthropic request (after routing edits), for transformers that need it."""
    state: dict[str, Any] = field(default_factory=dict)
    """Per-request scratch space, keyed by transformer name."""
    session_id: str | None = None


@dataclass(slots=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    body: bytes


class Transformer:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    options_doc: ClassVar[dict[str, str]] = {}
    """Option name → what it does (shown by `ccr transformers` and the UI)."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = dict(options or {})

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        return body

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        return [chunk]

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return []

    def __repr__(self) -> str:
        return f"<transformer {self.name} {self.options or ''}>"


class Endpoint(Transformer):
    """A transformer that owns the provider's wire format.

    `passthrough = True` endpoints (Anthropic-native providers) receive the Anthropic body itself
    through `build_anthropic` and their response bytes are relayed to the client unchanged.
    """

    passthrough: ClassVar[bool] = False

    async def prepare(self, ctx: RequestContext) -> None:
        """Awaited by the server before `build`/`build_anthropic`, once per attempt.

        For endpoints that need I/O before they can address the provider (an OAuth token from
        Google, a refreshed CLI credential); results go in `ctx.state`. The default does nothing.
        """
        return None

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        raise NotImplementedError

    def build_anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> UpstreamRequest:
        raise NotImplementedError

    def decode_response(self, data: bytes, ctx: RequestContext) -> UnifiedResponse:
        raise NotImplementedError

    def decode_event(self, event: SSEEvent, ctx: RequestContext) -> list[UnifiedChunk]:
        raise NotImplementedError

    def decode_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return []


def overrides(obj: Transformer, hook: str) -> bool:
    """True when `obj`'s class replaces the base class's identity `hook`."""
    return getattr(type(obj), hook) is not getattr(Transformer, hook)
