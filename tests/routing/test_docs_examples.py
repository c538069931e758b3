"""The two custom routers printed in docs/routing.md work as the text says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccr.routing.router import Router
from tests.routing.helpers import PROVIDERS, ROUTER, body, counting, make_config, request

DOC = Path(__file__).parents[2] / "docs" / "routing.md"


def examples() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) == 2, "docs/routing.md should show two custom routers"
    return blocks


def make(tmp_path: Path, source: str, tokens: int = 100, without: str = "") -> Router:
    path = tmp_path / "custom_router.py"
    path.write_text(source)
    providers = [p for p in PROVIDERS if p["name"] != without]
    router_cfg = {k: v for k, v in ROUTER.items() if not (isinstance(v, str) and without and v.startswith(without))}
    cfg = make_config(router_cfg, CUSTOM_ROUTER_PATH=str(path), Providers=providers)
    return Router(cfg, counting=counting(tokens))


@pytest.mark.parametrize(
    ("text", "tokens", "target"),
    [
        pytest.param("Please explain this code", 100, "OpenRouter,anthropic/claude-sonnet-4", id="keyword"),
        pytest.param("hello", 200_000, "OpenRouter,google/gemini-2.5-flash", id="huge"),
        pytest.param("hello", 100, "deepseek,deepseek-chat", id="falls-through"),
    ],
)
async def test_example_1(tmp_path: Path, text: str, tokens: int, target: str) -> None:
    router = make(tmp_path, examples()[0], tokens)
    data = body(messages=[{"role": "user", "content": [{"type": "text", "text": text}]}])
    decision = await router.route(request(data, tokens=tokens))
    assert decision.target == target


async def test_example_2_sends_subagents_to_the_cheap_model(tmp_path: Path) -> None:
    router = make(tmp_path, examples()[1])
    system = [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.332; cc_is_subagent=true;"}]
    decision = await router.route(request(body(system=system)))
    assert (decision.scenario, decision.target) == ("custom", "deepseek,deepseek-chat")


async def test_example_2_leaves_tagged_subagents_and_main_turns_alone(tmp_path: Path) -> None:
    cfg_router = make(tmp_path, examples()[1], without="ollama")  # no local model: hour-independent
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_is_subagent=true;"},
        {"type": "text", "text": "<CCR-SUBAGENT-MODEL>deepseek,deepseek-reasoner</CCR-SUBAGENT-MODEL>"},
    ]
    assert (await cfg_router.route(request(body(system=system)))).scenario == "subagent"
    assert (await cfg_router.route(request(body()))).scenario == "default"
