"""Request bodies recorded from the real Claude Code 2.1.332 (tests/fixtures/claude_code) through
the Router: the routes users of each config get, with the real token counter."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.routing.decision import RoutingRequest
from ccr.routing.router import Router
from ccr.routing.sessions import session_id_from
from tests.routing.helpers import ROUTER, make_config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "claude_code"
SESSION = "00000000-0000-4000-8000-000000000001"
TAG = "<CCR-SUBAGENT-MODEL>deepseek,deepseek-reasoner</CCR-SUBAGENT-MODEL>\n"


def load(name: str) -> tuple[dict[str, Any], int]:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    return orjson.loads(raw), len(raw)


def recorded_headers() -> dict[str, str]:
    headers: dict[str, str] = orjson.loads((FIXTURES / "main_turn.headers.json").read_bytes())
    return headers


async def route(name: str, router_cfg: dict[str, Any] | None = None, edit: Any = None) -> tuple[Any, RoutingRequest]:
    body, size = load(name)
    if edit is not None:
        edit(body)
    headers = recorded_headers() if name != "count_tokens" else {}
    req = RoutingRequest(body=body, headers=headers, session_id=session_id_from(headers, body), body_size=size)
    decision = await Router(make_config(router_cfg)).route(req)
    return decision, req


def high_effort(body: dict[str, Any]) -> None:
    body["output_config"]["effort"] = "high"


def tag_subagent(body: dict[str, Any]) -> None:
    body["system"][2]["text"] = TAG + body["system"][2]["text"]


@pytest.mark.parametrize(
    ("name", "router_cfg", "edit", "scenario"),
    [
        # Node CCR sent all of these to `think`: Claude Code 2.x always sends adaptive thinking
        pytest.param("main_turn", None, None, "default", id="main-turn"),
        pytest.param("tool_result_followup", None, None, "default", id="tool-result-followup"),
        pytest.param("subagent_turn", None, None, "default", id="subagent-turn"),
        pytest.param("count_tokens", None, None, "default", id="count-tokens-body"),
        pytest.param("main_turn", {**ROUTER, "thinkOnAdaptive": True}, None, "think", id="main-turn-thinkOnAdaptive"),
        pytest.param("main_turn", None, high_effort, "think", id="main-turn-effort-high"),
        # Node CCR only looked at system[1]; Claude Code puts the agent prompt in system[2]
        pytest.param("subagent_turn", None, tag_subagent, "subagent", id="subagent-tag-in-system-2"),
        pytest.param("main_turn", {**ROUTER, "longContextThreshold": 5000}, None, "longContext", id="small-threshold"),
    ],
)
async def test_recorded_body_routes(name: str, router_cfg: dict[str, Any] | None, edit: Any, scenario: str) -> None:
    decision, _ = await route(name, router_cfg, edit)
    assert decision.scenario == scenario


async def test_recorded_session_id_is_found_in_header_and_json_user_id() -> None:
    body, _ = load("main_turn")
    assert session_id_from(recorded_headers(), body) == SESSION
    assert session_id_from({}, body) == SESSION  # Claude Code 2.1's JSON metadata.user_id


async def test_subagent_tag_is_stripped_from_recorded_body() -> None:
    body, _ = load("subagent_turn")
    original = copy.deepcopy(body)
    decision, req = await route("subagent_turn", None, tag_subagent)
    assert decision.target == "deepseek,deepseek-reasoner"
    assert req.body["system"] == original["system"]


async def test_main_turn_is_not_counted_when_bytes_decide() -> None:
    # 52 KB of JSON cannot hold 60000 tokens: no tokenizer work on the hot path
    decision, req = await route("main_turn")
    assert decision.scenario == "default"
    assert not req.tokens_known
