"""The subagent tag: found anywhere CCR users put it, always removed, unknown models ignored."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.routing.rules.subagent import strip_subagent_tags
from tests.routing.helpers import body, request, router

TARGET = "openrouter,anthropic/claude-sonnet-4"
TAG = f"<CCR-SUBAGENT-MODEL>{TARGET}</CCR-SUBAGENT-MODEL>"


def sys_blocks(*texts: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": t} for t in texts]


PLACES = [
    pytest.param({"system": sys_blocks("You are Claude Code.", TAG + "\nReview code.")}, id="system[1]"),
    pytest.param({"system": sys_blocks("billing", "You are Claude Code.", TAG + "\nReview code.")}, id="system[2]"),
    pytest.param({"system": sys_blocks("a", "b", "Review code.\n" + TAG)}, id="system-not-at-start"),
    pytest.param({"system": "You are a reviewer.\n" + TAG + "\nGo."}, id="string-system"),
    pytest.param(
        {"messages": [{"role": "user", "content": TAG + "\nReview the diff."}]},
        id="first-user-message-string",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "system", "content": "env"},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "<system-reminder>x</system-reminder>"},
                        {"type": "text", "text": TAG + "\nReview the diff."},
                    ],
                },
            ]
        },
        id="first-user-message-blocks",
    ),
]


@pytest.mark.parametrize("fields", PLACES)
async def test_tag_routes_and_is_stripped(fields: dict[str, Any]) -> None:
    data = body(**fields)
    decision = await router().route(request(data))
    assert decision.scenario == "subagent"
    assert decision.target == "OpenRouter,anthropic/claude-sonnet-4"
    assert b"CCR-SUBAGENT-MODEL" not in orjson.dumps(data)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"model": "deepseek,deepseek-chat"}, id="explicit-wins"),
        pytest.param({"model": "claude-haiku-4-5"}, id="background-would-win-without-tag"),
    ],
)
async def test_tag_is_stripped_even_when_another_rule_wins(fields: dict[str, Any]) -> None:
    data = body(system=sys_blocks("a", TAG + "\nReview."), **fields)
    await router().route(request(data))
    assert data["system"][1]["text"] == "Review."


async def test_tag_stripped_when_long_context_wins_over_it() -> None:
    # CCR ran long context first and leaked the tag to the long-context model
    data = body(system=sys_blocks("a", TAG + "\nReview."))
    decision = await router(tokens=90000, estimate=(0, 10**9)).route(request(data, size=500_000))
    assert decision.scenario == "subagent"  # our order: subagent before long context
    assert "CCR-SUBAGENT-MODEL" not in data["system"][1]["text"]


async def test_unknown_model_in_tag_is_ignored_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    data = body(system=sys_blocks("a", "<CCR-SUBAGENT-MODEL>provider,model</CCR-SUBAGENT-MODEL>\nGo."))
    decision = await router().route(request(data))
    assert decision.scenario == "default"
    assert "provider,model" in caplog.text
    assert data["system"][1]["text"] == "Go."


async def test_tag_case_insensitive_model() -> None:
    data = body(system=sys_blocks("a", "<CCR-SUBAGENT-MODEL>DEEPSEEK,Deepseek-Reasoner</CCR-SUBAGENT-MODEL>"))
    decision = await router().route(request(data))
    assert decision.target == "deepseek,deepseek-reasoner"


@pytest.mark.parametrize(
    ("data", "found", "after"),
    [
        pytest.param(
            {"system": sys_blocks("keep", TAG)},
            TARGET,
            {"system": sys_blocks("keep")},
            id="empty-block-removed",
        ),
        pytest.param(
            {"system": [{"type": "text", "text": TAG + "\nA", "cache_control": {"type": "ephemeral"}}]},
            TARGET,
            {"system": [{"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}}]},
            id="block-fields-kept",
        ),
        pytest.param(
            {"system": f"{TAG}X <CCR-SUBAGENT-MODEL>a,b</CCR-SUBAGENT-MODEL>Y"},
            TARGET,
            {"system": "X Y"},
            id="all-tags-removed-first-wins",
        ),
        pytest.param({"system": "no tag"}, None, {"system": "no tag"}, id="untouched"),
        pytest.param(
            {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": TAG}]},
            None,
            {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": TAG}]},
            id="only-first-user-message",
        ),
    ],
)
def test_strip_subagent_tags(data: dict[str, Any], found: str | None, after: dict[str, Any]) -> None:
    assert strip_subagent_tags(data) == found
    assert data == after


def test_custom_router_sees_the_tag_value() -> None:
    data = body(system=sys_blocks("a", TAG))
    req = request(data)
    req.subagent_tag = strip_subagent_tags(req.body)
    assert req.subagent_tag == TARGET
