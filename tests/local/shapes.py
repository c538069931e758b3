"""Anthropic request shapes that make the 135M model behave the same way every time (temperature 0).

Zero-shot the tiny model does not call tools; it imitates its history instead. So tool tests give
it four earlier turns of the behaviour we want (see ../shared/reference/local-model-upstream.md §4c).
"""

from __future__ import annotations

import json
from typing import Any

GREEDY: dict[str, Any] = {"temperature": 0}
"""Sent as extra_body: the SDK has no `temperature` argument any more."""

TOOL_SYSTEM = "You are a tool-calling assistant. Always answer by calling a tool."
WEATHER_TOOL: dict[str, Any] = {
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
}
EARLIER = ("London", "Berlin", "Madrid", "Rome")
ASKED = "Paris"


def question(city: str) -> str:
    return f"What is the weather in {city}?"


def tool_use_history() -> list[dict[str, Any]]:
    """Four paired tool_use → tool_result turns, each next question right after its result."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question(EARLIER[0])}]
    for i, city in enumerate(EARLIER):
        following = EARLIER[i + 1] if i + 1 < len(EARLIER) else ASKED
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"toolu_{i}", "name": "get_weather", "input": {"city": city}}],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": "Rain, 12 C"},
                    {"type": "text", "text": question(following)},
                ],
            }
        )
    return messages


def text_call_history(form: str) -> list[dict[str, Any]]:
    """Four turns whose assistant wrote its call as text: `hermes` (<tool_call>) or bare `json`."""
    messages: list[dict[str, Any]] = []
    for city in EARLIER:
        call = json.dumps({"name": "get_weather", "arguments": {"city": city}})
        text = f"<tool_call>\n{call}\n</tool_call>" if form == "hermes" else call
        messages += [{"role": "user", "content": question(city)}, {"role": "assistant", "content": text}]
    return [*messages, {"role": "user", "content": question(ASKED)}]


def tool_request(messages: list[dict[str, Any]], model: str, max_tokens: int = 64) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": TOOL_SYSTEM,
        "tools": [WEATHER_TOOL],
        "messages": messages,
        "extra_body": GREEDY,
    }
