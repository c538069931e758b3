"""Gemini `thoughtSignature`s across turns.

Gemini returns an opaque signature on some parts of an answer (the first function call of a
step, or a text part) and wants it back on the same part when the conversation is replayed; for
Gemini 3 a function call replayed without its signature is a 400. Claude Code only replays what
it got as Anthropic blocks, so the signatures travel inside the thinking block's signature:

    "gemsig1." + base64url(JSON {"text": <sig>, "call:<tool id>": <sig>, ...})

On the next request every thinking block of an assistant turn is read back (all of them, in any
position, from the client's own Anthropic body), and each signature is put on its part again:
"text" on the turn's first text part, "call:<id>" on the function call with that tool id.

A bounded in-process cache keyed by tool id backs this up for clients that drop thinking blocks;
for a Gemini 3 call with no signature anywhere, Google's documented placeholder
`skip_thought_signature_validator` is sent so the request is not rejected.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from ccr.transformers.common import turn_signatures

PREFIX = "gemsig1."
SKIP_VALIDATOR = "skip_thought_signature_validator"
TEXT_SLOT = "text"


def call_slot(call_id: str) -> str:
    return "call:" + call_id


def encode(signatures: Mapping[str, str]) -> str:
    return PREFIX + base64.urlsafe_b64encode(orjson.dumps(dict(signatures))).decode().rstrip("=")


def decode(signature: object) -> dict[str, str]:
    if not isinstance(signature, str) or not signature.startswith(PREFIX):
        return {}
    data = signature[len(PREFIX) :]
    try:
        value = orjson.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


class CallSignatureCache:
    """tool id → signature for the most recent calls (shared by all requests: it is a cache)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[str, str] = OrderedDict()

    def put(self, call_id: str, signature: str) -> None:
        self._items[call_id] = signature
        self._items.move_to_end(call_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, call_id: str) -> str | None:
        return self._items.get(call_id)

    def clear(self) -> None:
        self._items.clear()


CALLS = CallSignatureCache()


def replayed(anthropic_body: Mapping[str, Any] | None, unified_messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Signatures for each assistant message of the unified request, in order."""
    out: list[dict[str, str]] = []
    for signatures in turn_signatures(anthropic_body, unified_messages):
        slots: dict[str, str] = {}
        for signature in signatures:
            slots.update(decode(signature))
        out.append(slots)
    return out
