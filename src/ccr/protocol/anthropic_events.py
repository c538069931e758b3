"""Anthropic SSE events as bytes.

Constant parts are built once; per-block delta prefixes are built once per block, so a text delta
costs one `orjson.dumps` of the fragment and two concatenations.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccr.errors import anthropic_error_body

END = b"}}\n\n"
"""Closes a content_block_delta event after the fragment."""

MESSAGE_STOP = b'event: message_stop\ndata: {"type":"message_stop"}\n\n'

_DELTA_HEAD = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,"delta":{"type":'
_DELTA_KIND = {
    "text": b'"text_delta","text":',
    "thinking": b'"thinking_delta","thinking":',
    "signature": b'"signature_delta","signature":',
    "input_json": b'"input_json_delta","partial_json":',
}
_START_HEAD = b'event: content_block_start\ndata: {"type":"content_block_start","index":%d,"content_block":'
_EMPTY_BLOCK = {
    "text": b'{"type":"text","text":""}}\n\n',
    "thinking": b'{"type":"thinking","thinking":""}}\n\n',
}
_STOP = b'event: content_block_stop\ndata: {"type":"content_block_stop","index":%d}\n\n'


def delta_prefix(kind: str, index: int) -> bytes:
    """Bytes before the JSON-encoded fragment of a `kind` delta on block `index`; END follows it."""
    return (_DELTA_HEAD % index) + _DELTA_KIND[kind]


def block_start(kind: str, index: int) -> bytes:
    """content_block_start of an empty text or thinking block."""
    return (_START_HEAD % index) + _EMPTY_BLOCK[kind]


def tool_block_start(index: int, tool_id: str, name: str) -> bytes:
    block = {"type": "tool_use", "id": tool_id, "name": name, "input": {}}
    return (_START_HEAD % index) + orjson.dumps(block) + b"}\n\n"


def block_stop(index: int) -> bytes:
    return _STOP % index


def message_start(message_id: str, model: str, input_tokens: int) -> bytes:
    message = {
        "type": "message_start",
        "message": {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
    }
    return b"event: message_start\ndata: " + orjson.dumps(message) + b"\n\n"


def message_delta(stop_reason: str, stop_sequence: str | None, usage: dict[str, Any]) -> bytes:
    event = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
        "usage": usage,
    }
    return b"event: message_delta\ndata: " + orjson.dumps(event) + b"\n\n"


def error_event(error_type: str, message: str) -> bytes:
    return b"event: error\ndata: " + orjson.dumps(anthropic_error_body(error_type, message)) + b"\n\n"
