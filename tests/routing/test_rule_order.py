"""Every scenario, and the order in which they win when several apply."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.routing.rules.subagent import OPEN_TAG
from tests.routing.helpers import ROUTER, body, make_config, request, router

TAG = f"{OPEN_TAG}openrouter,anthropic/claude-sonnet-4</CCR-SUBAGENT-MODEL>\n"
WEB = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}]
IMAGE_TURN = [
    {"type": "text", "text": "what is this?"},
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
]
TOOL_IMAGE_TURN = [
    {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}],
    }
]
ENABLED = {"type": "enabled", "budget_tokens": 4096}
ADAPTIVE = {"type": "adaptive", "display": "omitted"}


def user(content: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


def subagent_system() -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"},
        {"type": "text", "text": "You are Claude Code."},
        {"type": "text", "text": TAG + "You are a code reviewer."},
    ]


CASES = [
    # single scenarios
    pytest.param({}, 0, "default", id="plain-default"),
    pytest.param({"model": "claude-haiku-4-5-20251001"}, 0, "background", id="haiku"),
    pytest.param({"model": "Claude-3-5-HAIKU"}, 0, "background", id="haiku-any-case"),
    pytest.param({"tools": WEB}, 0, "webSearch", id="web-search-tool"),
    pytest.param({"thinking": ENABLED}, 0, "think", id="thinking-enabled"),
    pytest.param({"messages": user(IMAGE_TURN)}, 0, "image", id="image-in-last-turn"),
    pytest.param({"messages": user(TOOL_IMAGE_TURN)}, 0, "image", id="image-in-tool-result"),
    pytest.param({}, 70000, "longContext", id="long-context"),
    pytest.param({"system": subagent_system()}, 0, "subagent", id="subagent-tag"),
    # the Node original's bugs
    pytest.param({"thinking": {"type": "disabled"}}, 0, "default", id="thinking-disabled-is-not-think"),
    pytest.param({"thinking": ADAPTIVE}, 0, "default", id="adaptive-is-not-think"),
    pytest.param({"thinking": ADAPTIVE, "output_config": {"effort": "high"}}, 0, "think", id="adaptive-high-effort"),
    pytest.param({"thinking": ADAPTIVE, "output_config": {"effort": "max"}}, 0, "think", id="adaptive-max"),
    pytest.param({"thinking": ADAPTIVE, "output_config": {"effort": "medium"}}, 0, "default", id="adaptive-medium"),
    # conflicts: the earlier rule wins
    pytest.param({"model": "deepseek,deepseek-chat", "thinking": ENABLED}, 0, "explicit", id="explicit>think"),
    pytest.param({"model": "deepseek,deepseek-chat"}, 90000, "explicit", id="explicit>longContext"),
    pytest.param({"system": subagent_system()}, 90000, "subagent", id="subagent>longContext"),
    pytest.param({"model": "claude-haiku-4-5"}, 90000, "longContext", id="longContext>background"),
    pytest.param({"model": "claude-haiku-4-5", "thinking": ENABLED}, 0, "background", id="background>think"),
    pytest.param({"model": "claude-haiku-4-5", "tools": WEB}, 0, "background", id="background>webSearch"),
    pytest.param({"tools": WEB, "thinking": ENABLED}, 0, "webSearch", id="webSearch>think"),
    pytest.param({"thinking": ENABLED, "messages": user(IMAGE_TURN)}, 0, "think", id="think>image"),
    pytest.param({"tools": WEB, "messages": user(IMAGE_TURN)}, 0, "webSearch", id="webSearch>image"),
]


@pytest.mark.parametrize(("fields", "tokens", "scenario"), CASES)
async def test_scenario(fields: dict[str, Any], tokens: int, scenario: str) -> None:
    decision = await router(tokens=tokens, estimate=(0, 10**9)).route(request(body(**fields), size=1))
    assert decision.scenario == scenario
    expected = {
        "explicit": "deepseek,deepseek-chat",
        "subagent": "OpenRouter,anthropic/claude-sonnet-4",
        "image": "OpenRouter,Qwen/Qwen3-VL",
        "default": "deepseek,deepseek-chat",
        "background": "ollama,qwen2.5-coder:latest",
        "think": "deepseek,deepseek-reasoner",
        "longContext": "OpenRouter,google/gemini-2.5-pro",
        "webSearch": "OpenRouter,anthropic/claude-sonnet-4",
    }[scenario]
    assert decision.target == expected


@pytest.mark.parametrize(
    ("slot", "fields", "tokens"),
    [
        pytest.param("background", {"model": "claude-haiku-4-5"}, 0, id="background"),
        pytest.param("webSearch", {"tools": WEB}, 0, id="webSearch"),
        pytest.param("think", {"thinking": ENABLED}, 0, id="think"),
        pytest.param("image", {"messages": user(IMAGE_TURN)}, 0, id="image"),
        pytest.param("longContext", {}, 90000, id="longContext"),
    ],
)
async def test_unset_slot_falls_to_default(slot: str, fields: dict[str, Any], tokens: int) -> None:
    cfg = make_config({k: v for k, v in ROUTER.items() if k != slot})
    decision = await router(cfg, tokens=tokens, estimate=(0, 10**9)).route(request(body(**fields), size=1))
    assert decision.scenario == "default"


async def test_think_on_adaptive_switch() -> None:
    cfg = make_config({**ROUTER, "thinkOnAdaptive": True})
    decision = await router(cfg).route(request(body(thinking=ADAPTIVE)))
    assert decision.scenario == "think"
    assert "thinkOnAdaptive" in decision.reason


async def test_small_fast_model_is_background() -> None:
    cfg = make_config(ANTHROPIC_SMALL_FAST_MODEL="gpt-mini-fast")
    decision = await router(cfg).route(request(body(model="GPT-mini-fast")))
    assert decision.scenario == "background"


async def test_image_only_in_an_earlier_turn_is_not_the_image_scenario() -> None:
    messages = [
        {"role": "user", "content": IMAGE_TURN},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
        {"role": "user", "content": [{"type": "text", "text": "thanks"}]},
    ]
    cfg = make_config({k: v for k, v in ROUTER.items() if k != "image"})
    decision = await router(cfg).route(request(body(messages=messages)))
    assert decision.scenario == "default"


async def test_system_role_entry_after_the_user_turn_does_not_hide_its_image() -> None:
    # Claude Code 2.1 sends its environment block as a {"role": "system"} entry inside messages
    messages = [{"role": "user", "content": IMAGE_TURN}, {"role": "system", "content": "env: linux"}]
    decision = await router().route(request(body(messages=messages)))
    assert decision.scenario == "image"
