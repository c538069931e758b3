"""`RequestJson`: always the bytes `orjson.dumps` gives, with repeated long non-ASCII texts reused."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from ccr.protocol.request_json import HEAD_MESSAGES, MIN_CHARS, RequestJson

LONG = "Use this tool — carefully. " + "x" * MIN_CHARS  # non-ASCII, long enough to be kept
LONG_B = "Другой текст: " + "y" * MIN_CHARS
LONG_C = "→ " + "w" * MIN_CHARS
SHORT = "short — text"
ASCII_LONG = "a" * (MIN_CHARS * 2)


def chat_body(system: str = LONG, user: str = LONG_B, description: str = LONG_C) -> dict[str, Any]:
    """The Chat Completions shape our `openai` endpoint sends."""
    return {
        "model": "m",
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": [{"type": "text", "text": user, "cache_control": {"type": "ephemeral"}}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "c1", "content": SHORT},
        ],
        "tools": [
            {"type": "function", "function": {"name": "Bash", "description": description, "parameters": {}}},
            {"type": "function", "function": {"name": "Read", "description": SHORT, "parameters": {}}},
        ],
        "stream": True,
    }


def anthropic_body() -> dict[str, Any]:
    """The Anthropic shape the passthrough endpoints send."""
    return {
        "model": "m",
        "system": [{"type": "text", "text": "billing"}, {"type": "text", "text": LONG}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": LONG_B}, {"type": "image"}]}],
        "tools": [{"name": "Bash", "description": LONG_C, "input_schema": {"type": "object"}}, "not a tool"],
        "max_tokens": 10,
    }


def gemini_body() -> dict[str, Any]:
    """The Gemini shape of the `gemini`, `vertex-gemini` and `gemini-cli` endpoints."""
    return {
        "contents": [{"role": "user", "parts": [{"text": LONG_B}, {"inlineData": {"data": "AAAA"}}]}],
        "systemInstruction": {"parts": [{"text": LONG}]},
        "tools": [
            {"functionDeclarations": [{"name": "Bash", "description": LONG_C, "parameters": {}}, {"name": "Read"}]},
            {"googleSearch": {}},
        ],
        "generationConfig": {"maxOutputTokens": 10},
    }


def responses_body() -> dict[str, Any]:
    """The OpenAI Responses shape of the `responses` endpoint."""
    return {
        "model": "m",
        "instructions": LONG,
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": LONG_B}]},
            {"type": "function_call_output", "call_id": "c1", "output": "ok"},
        ],
        "tools": [{"type": "function", "name": "Bash", "description": LONG_C, "parameters": {}}],
        "stream": True,
    }


def fresh(body: dict[str, Any]) -> dict[str, Any]:
    """The same body as a new request brings it: every string a new object."""
    result: dict[str, Any] = orjson.loads(orjson.dumps(body))
    return result


BODIES = {
    "chat": chat_body(),
    "anthropic": anthropic_body(),
    "gemini": gemini_body(),
    "responses": responses_body(),
    "anthropic, system as a string": {**anthropic_body(), "system": LONG},
    "ascii only": chat_body(system=ASCII_LONG, user=ASCII_LONG, description=ASCII_LONG),
    "no tools or messages": {"model": "m", "prompt": LONG},
    "odd shapes": {
        "messages": ["text", None, {"role": "user"}, {"role": "user", "content": 3}, {"content": [1, "x", {}]}],
        "tools": [None, {"function": "Bash"}, {"function": {"description": 7}}, {"description": None}],
        "system": 7,
        "contents": [{"parts": [LONG]}, {"parts": None}, 7],
        "systemInstruction": {"parts": {"text": LONG}},
        "instructions": ["not", "a", "string"],
        "input": "a plain string input",
    },
    "empty lists": {"messages": [], "tools": [], "system": []},
}


@pytest.mark.parametrize("name", BODIES)
def test_the_bytes_are_orjsons_on_a_miss_and_on_a_hit(name: str) -> None:
    memo = RequestJson()
    body = BODIES[name]
    assert memo.dumps(fresh(body)) == orjson.dumps(body)
    assert memo.dumps(fresh(body)) == orjson.dumps(body)


@pytest.mark.parametrize(
    ("name", "hits"),
    [
        # system prompt, user text part, tool description
        ("chat", 3),
        # system block, user text block, tool description
        ("anthropic", 3),
        # system instruction, user part, function declaration
        ("gemini", 3),
        # instructions, user input text, tool description
        ("responses", 3),
        ("anthropic, system as a string", 3),
        ("ascii only", 0),
        ("no tools or messages", 0),
        ("odd shapes", 0),
    ],
)
def test_a_repeated_request_reuses_its_long_non_ascii_texts(name: str, hits: int) -> None:
    memo = RequestJson()
    memo.dumps(fresh(BODIES[name]))
    assert memo.hits == 0  # every text in these bodies is a different one
    memo.dumps(fresh(BODIES[name]))
    assert memo.hits == hits


def test_the_callers_body_is_left_as_it_was() -> None:
    memo = RequestJson()
    for _ in range(2):
        body = fresh(chat_body())
        before, messages, tools = copy.deepcopy(body), body["messages"], body["tools"]
        memo.dumps(body)
        assert body == before
        assert body["messages"] is messages and body["tools"] is tools


def test_a_text_with_the_same_length_and_start_is_not_taken_for_another() -> None:
    memo = RequestJson()
    memo.dumps(chat_body(system=LONG[:-1] + "A"))
    body = chat_body(system=LONG[:-1] + "B")
    assert memo.dumps(fresh(body)) == orjson.dumps(body)
    # only the user text part and the tool description were the same
    assert memo.hits == 2


def test_a_changed_description_is_written_as_it_is_now() -> None:
    memo = RequestJson()
    body = fresh(chat_body())
    memo.dumps(body)
    body["tools"][0]["function"]["description"] = LONG + " (edited)"
    assert memo.dumps(body) == orjson.dumps(body)


def test_messages_past_the_head_are_written_but_not_kept() -> None:
    memo = RequestJson()
    tail = [{"role": "tool", "tool_call_id": f"c{i}", "content": LONG} for i in range(HEAD_MESSAGES + 3)]
    body = {"messages": [{"role": "user", "content": "hi"}, *tail]}
    memo.dumps(fresh(body))
    before = memo.hits
    assert memo.dumps(fresh(body)) == orjson.dumps(body)
    # the head's copies of the text hit; the ones after the head are not looked at
    assert memo.hits - before == HEAD_MESSAGES - 1


def test_memory_is_bounded_and_a_text_too_big_to_keep_still_goes_out() -> None:
    memo = RequestJson(max_bytes=8 * MIN_CHARS)
    for i in range(20):
        body = {"messages": [{"role": "system", "content": f"{i:04d} — " + "z" * MIN_CHARS}]}
        assert memo.dumps(body) == orjson.dumps(body)
        assert memo.held <= memo.max_bytes
    huge = {"messages": [{"role": "system", "content": "— " + "z" * (8 * MIN_CHARS)}]}
    held = memo.held
    assert memo.dumps(huge) == orjson.dumps(huge)
    assert memo.held == held
    memo.clear()
    assert memo.held == 0


def test_what_orjson_refuses_is_still_refused() -> None:
    memo = RequestJson()
    with pytest.raises(orjson.JSONEncodeError):
        memo.dumps({"messages": [{"role": "system", "content": LONG}], "extra": object()})
