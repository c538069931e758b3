"""Test kit shipped with the package: a scriptable mock OpenAI-compatible upstream, builders for
OpenAI wire shapes, an SSE collector and launchers for our router. See docs/testing.md."""

from ccr.testing.anthropic_shapes import anthropic_event, anthropic_text_events, anthropic_tool_use_events
from ccr.testing.asgi import AsgiAnswer, asgi_request
from ccr.testing.claude_code import ClaudeRun, run_claude
from ccr.testing.mock_upstream import MockUpstream
from ccr.testing.openai_shapes import (
    chunk,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
    usage_chunk,
)
from ccr.testing.responses import MockResponse, RecordedRequest, Responder, plan_writes
from ccr.testing.router import make_app, run_router, run_router_process, serve_app, write_config
from ccr.testing.sse import assemble_message, check_anthropic_stream, collect_sse, parse_sse, parse_sse_bytes
from ccr.upstream.memory import MemoryAnswer, MemoryRequest, MemoryTransport

__all__ = [
    "AsgiAnswer",
    "ClaudeRun",
    "MemoryAnswer",
    "MemoryRequest",
    "MemoryTransport",
    "MockResponse",
    "MockUpstream",
    "RecordedRequest",
    "Responder",
    "anthropic_event",
    "anthropic_text_events",
    "anthropic_tool_use_events",
    "asgi_request",
    "assemble_message",
    "check_anthropic_stream",
    "chunk",
    "collect_sse",
    "make_app",
    "openai_completion",
    "openai_text_chunks",
    "openai_tool_call_chunks",
    "parse_sse",
    "parse_sse_bytes",
    "plan_writes",
    "run_claude",
    "run_router",
    "run_router_process",
    "serve_app",
    "usage_chunk",
    "write_config",
]
