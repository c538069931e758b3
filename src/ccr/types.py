"""The router's vocabulary, named once."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
AnthropicRequest = dict[str, Any]
AnthropicResponse = dict[str, Any]
UnifiedRequest = dict[str, Any]
"""OpenAI Chat Completions request shape (plus `thinking` on assistant messages)."""
UnifiedResponse = dict[str, Any]
UnifiedChunk = dict[str, Any]
"""One `chat.completion.chunk`; `delta.thinking` {content|signature} is our reasoning channel."""
Headers = dict[str, str]
