"""Token counting for routing and `count_tokens`: tiktoken `cl100k_base` over the parts CCR counts.

Counted, each part encoded on its own and summed (as CCR does): message content strings and `text`
blocks (any role, including Claude Code's `{"role": "system"}` entries), `thinking` text (it is sent
upstream as reasoning), compact JSON of `tool_use` inputs, `tool_result` strings and the blocks inside
them, the system prompt, and per tool `name + description` plus compact JSON of `input_schema`.
Images cost a fixed `IMAGE_TOKENS` wherever they appear instead of their base64 length; base64/URL
PDF documents cost `DOCUMENT_TOKENS`; signatures and `redacted_thinking` data are not counted.

Counts are cached per part (bounded LRU), so the growing conversation of a session only encodes
what is new. The tokenizer itself is `ccr.protocol.cl100k` (packaged ranks, loaded on first need).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ccr.protocol.cl100k import Encoder, get_encoding, split_for_encoding

__all__ = [
    "IMAGE_TOKENS",
    "LONG_CONTEXT_SESSION_MIN",
    "TokenCounter",
    "collect_parts",
    "count_request_tokens",
    "count_request_tokens_async",
    "count_text",
    "estimate_tokens_from_bytes",
    "get_encoding",
    "token_bounds",
]

IMAGE_TOKENS = 1600
"""Anthropic bills an image (w*h)/750 tokens and downsizes anything above ~1.15 MP, so 1600 is the
most one image can cost; counting the maximum keeps the long-context rule on the safe side."""
DOCUMENT_TOKENS = IMAGE_TOKENS
"""A base64/URL PDF: the page count is unknown without parsing it, so this is one page's worth."""
LONG_CONTEXT_SESSION_MIN = 20000
"""CCR's session rule: long context also when the session's last usage exceeded the threshold and
this request counts more than this."""
CACHE_MAX_ENTRIES = 20_000
OFFLOAD_CHARS = 32_768
"""Encoding runs at ~16 characters/µs here; above this many uncached characters (~2 ms) the async
counter encodes in a worker thread so the event loop never stalls."""
HASH_OFFLOAD_CHARS = 4_000_000
"""Above this many characters to look up (~1.5 ms of hashing) even the cache lookups leave the loop."""
LOW_BYTES_PER_TOKEN = 12.0
"""Claude Code-shaped JSON bodies measure 3.3-5.9 bytes per token; 12 leaves a 2x margin."""
ENVELOPE_BYTES = 1024
"""Bytes of a body that carry no text to count (model, metadata, max_tokens...), ignored by `low`."""
LOW_CHARS_PER_TOKEN = 10.0
"""Counted text measures 1.1-6.2 characters per token over ~1,500 real source/doc files and command
outputs; 10 leaves a 1.6x margin. The high bounds need no margin: a token is at least one byte."""

_SHORT_KEY = 256


# --- what is counted --------------------------------------------------------------------------


def collect_parts(body: Mapping[str, Any]) -> tuple[list[str], int]:
    """The strings to encode, and the tokens charged at a fixed cost (images, PDFs)."""
    parts: list[str] = []
    fixed = _content(body.get("system"), parts)
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict):
                fixed += _content(message.get("content"), parts)
    tools = body.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            if isinstance(tool, dict):
                _tool(tool, parts)
    return parts, fixed


def _add(parts: list[str], value: object) -> None:
    if isinstance(value, str):
        if value:
            parts.append(value)
    elif isinstance(value, list):  # CCR accepts a system block whose `text` is a list of strings
        parts.extend(v for v in value if isinstance(v, str) and v)


def _content(value: object, parts: list[str]) -> int:
    """A string, or a list of content blocks (system, message, tool result, document content)."""
    if isinstance(value, list):
        return _blocks(value, parts)
    _add(parts, value)
    return 0


def _blocks(blocks: list[Any], parts: list[str]) -> int:
    fixed = 0
    for block in blocks:
        if not isinstance(block, dict):
            _add(parts, block)
            continue
        kind = block.get("type")
        if kind == "text":
            _add(parts, block.get("text"))
        elif kind == "tool_result":
            fixed += _content(block.get("content"), parts)
        elif kind in ("tool_use", "server_tool_use"):
            if "input" in block:
                parts.append(compact_json(block["input"]))
        elif kind == "thinking":
            _add(parts, block.get("thinking"))
        elif kind == "image":
            fixed += IMAGE_TOKENS
        elif kind == "document":
            fixed += _document(block, parts)
        elif kind != "redacted_thinking":
            _add(parts, block.get("text"))
    return fixed


def _document(block: Mapping[str, Any], parts: list[str]) -> int:
    source = block.get("source")
    if not isinstance(source, dict):
        return 0
    kind = source.get("type")
    if kind == "text":
        _add(parts, source.get("data"))
        return 0
    if kind == "content":
        return _content(source.get("content"), parts)
    return DOCUMENT_TOKENS


def _tool(tool: Mapping[str, Any], parts: list[str]) -> None:
    name = tool.get("name")
    description = tool.get("description")
    if isinstance(name, str):
        _add(parts, name + description if isinstance(description, str) else name)
    schema = tool.get("input_schema")
    if schema is not None:
        parts.append(compact_json(schema))


def compact_json(value: object) -> str:
    """What `JSON.stringify` gives for a parsed JSON value (no spaces, non-ASCII kept)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson refuses integers beyond 64 bits; the stdlib does not
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


# --- cached counting --------------------------------------------------------------------------

_Key = str | tuple[int, int]


def _key(text: str) -> _Key:
    # Long texts are keyed by (hash, length) so the cache does not keep them alive; hash() is
    # randomised per process, which is fine for an in-memory cache, and cannot be aimed at.
    return text if len(text) <= _SHORT_KEY else (hash(text), len(text))


class TokenCounter:
    """Counts request bodies with a bounded LRU of per-part counts; safe to share across threads."""

    def __init__(self, encoder: Callable[[], Encoder] = get_encoding, max_entries: int = CACHE_MAX_ENTRIES) -> None:
        self._load_encoder = encoder
        self._encoder: Encoder | None = None
        self._max = max_entries
        self._cache: OrderedDict[_Key, int] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def encoder(self) -> Encoder:
        enc = self._encoder
        if enc is None:
            enc = self._encoder = self._load_encoder()
        return enc

    def count_text(self, text: str) -> int:
        return self._count([text] if text else [])

    def count_request(self, body: Mapping[str, Any]) -> int:
        parts, fixed = collect_parts(body)
        return self._count(parts) + fixed

    async def count_request_async(self, body: Mapping[str, Any]) -> int:
        if self._encoder is None:
            await asyncio.to_thread(self.encoder)
        parts, fixed = collect_parts(body)
        if sum(map(len, parts)) > HASH_OFFLOAD_CHARS:
            return await asyncio.to_thread(self._count, parts) + fixed
        total, misses, miss_keys = self._lookup(parts)
        if misses:
            if sum(map(len, misses.values())) > OFFLOAD_CHARS:
                total += await asyncio.to_thread(self._encode, misses, miss_keys)
            else:
                total += self._encode(misses, miss_keys)
        return total + fixed

    def _count(self, parts: list[str]) -> int:
        total, misses, miss_keys = self._lookup(parts)
        return total + (self._encode(misses, miss_keys) if misses else 0)

    def _lookup(self, parts: list[str]) -> tuple[int, dict[_Key, str], list[_Key]]:
        total = 0
        misses: dict[_Key, str] = {}
        miss_keys: list[_Key] = []
        cache = self._cache
        with self._lock:
            for text in parts:
                key = _key(text)
                n = cache.get(key)
                if n is None:
                    misses[key] = text
                    miss_keys.append(key)
                else:
                    cache.move_to_end(key)
                    total += n
        return total, misses, miss_keys

    def _encode(self, misses: dict[_Key, str], miss_keys: list[_Key]) -> int:
        # Encoded outside the lock: tiktoken releases the GIL, and other counts must not wait.
        enc = self.encoder()
        counts = {
            key: sum(len(enc.encode_ordinary(chunk)) for chunk in split_for_encoding(text))
            for key, text in misses.items()
        }
        cache = self._cache
        with self._lock:
            for key, n in counts.items():
                cache[key] = n
                cache.move_to_end(key)
            while len(cache) > self._max:
                cache.popitem(last=False)
        return sum(counts[key] for key in miss_keys)


_counter = TokenCounter()


def count_text(text: str) -> int:
    return _counter.count_text(text)


def count_request_tokens(body: Mapping[str, Any]) -> int:
    return _counter.count_request(body)


async def count_request_tokens_async(body: Mapping[str, Any]) -> int:
    """Like `count_request_tokens`, but large uncached work runs in a worker thread."""
    return await _counter.count_request_async(body)


# --- bounds without encoding ------------------------------------------------------------------


def estimate_tokens_from_bytes(n: int) -> tuple[int, int]:
    """(low, high) for a JSON request body of `n` bytes, from its size alone. Holds for text: base64
    images, PDFs and thinking signatures are bytes that count little or nothing (they break `low`),
    and each tiny image costs more than its bytes (breaks `high`); `token_bounds` has neither gap."""
    return int(max(0, n - ENVELOPE_BYTES) / LOW_BYTES_PER_TOKEN), n


def token_bounds(body: Mapping[str, Any]) -> tuple[int, int]:
    """(low, high) for a parsed body without encoding anything: from the exact lengths of the
    counted parts, so media and JSON overhead do not distort it. Costs a walk, no hashing."""
    parts, fixed = collect_parts(body)
    chars = sum(map(len, parts))
    utf8 = sum(len(p) if p.isascii() else len(p.encode()) for p in parts)
    return int(chars / LOW_CHARS_PER_TOKEN) + fixed, utf8 + fixed
