"""The image agent's pure parts: when it applies, placeholders, the tool, requests it builds."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.routing.catalog import Target
from ccr.routing.image_agent import ANALYZE_IMAGE_TOOL, NOTE_KEY, SYSTEM_NOTE, ImageAgentState, agent_applies
from ccr.routing.image_tool import (
    analyze_calls,
    answer_text,
    build_continuation,
    build_image_request,
    final_message,
    has_client_tool_calls,
    image_ids,
    parse_tool_input,
)
from tests.routing.helpers import ROUTER, body, make_config, request, router

PNG = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
JPG = {"type": "image", "source": {"type": "url", "url": "https://example.invalid/a.jpg"}}


def turn(*blocks: Any, role: str = "user") -> dict[str, Any]:
    return {"role": role, "content": list(blocks)}


def text(t: str) -> dict[str, Any]:
    return {"type": "text", "text": t}


HISTORY_IMAGE = [
    turn(text("[Image #1] see this"), PNG),
    turn(text("ok"), role="assistant"),
    turn(text("and now?")),
]
LAST_IMAGE = [turn(text("look"), PNG)]


@pytest.mark.parametrize(
    ("messages", "force", "applies"),
    [
        pytest.param(LAST_IMAGE, True, True, id="forced-last-turn"),
        pytest.param(LAST_IMAGE, False, False, id="last-turn-goes-to-image-route"),
        pytest.param(HISTORY_IMAGE, False, True, id="history-only"),
        pytest.param(HISTORY_IMAGE, True, True, id="history-forced"),
        pytest.param([turn(text("no images"))], True, False, id="no-images"),
        pytest.param([turn(PNG, role="assistant"), turn(text("x"))], True, False, id="assistant-image-ignored"),
    ],
)
def test_agent_applies(messages: list[dict[str, Any]], force: bool, applies: bool) -> None:
    assert agent_applies({"messages": messages}, force=force) is applies


async def test_forced_agent_rewrites_request_and_main_model_is_routed_normally() -> None:
    tool_result = {"type": "tool_result", "tool_use_id": "t1", "content": [text("screenshot:"), JPG]}
    data = body(messages=[turn(text("[Image #1] what does it say?"), PNG, tool_result)], tools=[{"name": "Bash"}])
    req = request(data)
    decision = await router(make_config(forceUseImageAgent=True)).route(req)
    assert decision.scenario == "default"
    state = req.notes[NOTE_KEY]
    assert isinstance(state, ImageAgentState)
    assert state.images == {"1": PNG, "2": JPG}
    assert state.context == "what does it say?"  # the user's words, not tool output
    content = data["messages"][0]["content"]
    assert content[0] == text(" what does it say?")
    assert content[1]["text"].startswith("[Image #1]")
    assert content[2]["content"][0] == text("screenshot:")
    assert content[2]["content"][1]["text"].startswith("[Image #2]")
    assert b'"image"' not in orjson.dumps(data["messages"])
    assert [t["name"] for t in data["tools"]] == ["analyzeImage", "Bash"]
    assert data["system"][-1] == {"type": "text", "text": SYSTEM_NOTE}
    assert req.body_size == 0  # the byte size no longer describes the body


async def test_without_force_last_turn_image_goes_to_image_model_untouched() -> None:
    data = body(messages=LAST_IMAGE)
    req = request(data)
    decision = await router().route(req)
    assert decision.scenario == "image"
    assert NOTE_KEY not in req.notes
    assert data["messages"][0]["content"][1] == PNG


async def test_history_image_activates_agent_without_force() -> None:
    req = request(body(messages=[dict(m) for m in HISTORY_IMAGE]))
    decision = await router().route(req)
    assert decision.scenario == "default"
    assert set(req.notes[NOTE_KEY].images) == {"1"}


async def test_request_for_the_image_model_itself_is_left_alone() -> None:
    req = request(body(model="openrouter,qwen/qwen3-vl", messages=LAST_IMAGE))
    decision = await router(make_config(forceUseImageAgent=True)).route(req)
    assert decision.scenario == "explicit"
    assert NOTE_KEY not in req.notes


async def test_no_image_slot_no_agent() -> None:
    cfg = make_config({k: v for k, v in ROUTER.items() if k != "image"}, forceUseImageAgent=True)
    req = request(body(messages=LAST_IMAGE))
    await router(cfg).route(req)
    assert NOTE_KEY not in req.notes


def test_tool_is_offered_once_and_string_system_kept() -> None:
    from ccr.routing.image_agent import _offer_tool

    data: dict[str, Any] = {"system": "be brief", "tools": [ANALYZE_IMAGE_TOOL]}
    _offer_tool(data)
    assert data["tools"] == [ANALYZE_IMAGE_TOOL]
    assert data["system"][0] == text("be brief")


STATE = ImageAgentState(target=Target("OpenRouter", "Qwen/Qwen3-VL"), images={"1": PNG, "2": JPG}, context="fix it")


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        pytest.param(["1"], ["1"], id="list"),
        pytest.param("2", ["2"], id="string"),
        pytest.param([1, "Image #2"], ["1", "2"], id="mixed"),
        pytest.param("[Image #1], [Image #1]", ["1"], id="deduplicated"),
        pytest.param(None, [], id="none"),
    ],
)
def test_image_ids(value: Any, ids: list[str]) -> None:
    assert image_ids(value) == ids


def test_image_request_carries_images_task_regions_and_context() -> None:
    regions = [{"x": 0, "y": 0, "w": 10, "h": 10, "units": "pct"}]
    req, error = build_image_request(STATE, {"imageId": ["2", "1"], "task": "read the error", "regions": regions})
    assert error == ""
    assert req is not None
    assert req["model"] == "OpenRouter,Qwen/Qwen3-VL"
    assert req["stream"] is False
    content = req["messages"][0]["content"]
    assert content[:4] == [text("[Image #2]"), JPG, text("[Image #1]"), PNG]
    assert "Task: read the error" in content[4]["text"]
    assert '"units":"pct"' in content[4]["text"]
    assert "fix it" in content[4]["text"]


def test_image_request_for_unknown_id_is_an_error_text() -> None:
    req, error = build_image_request(STATE, {"imageId": ["7"], "task": "x"})
    assert req is None
    assert "asked for 7" in error
    assert "[Image #1], [Image #2]" in error


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        pytest.param('{"imageId": ["1"], "task": "t"}', {"imageId": ["1"], "task": "t"}, id="json"),
        pytest.param("{imageId: ['1'], task: 't',}", {"imageId": ["1"], "task": "t"}, id="json5"),
        pytest.param("", {}, id="empty"),
        pytest.param("[1]", {}, id="not-object"),
        pytest.param("{broken", {}, id="broken"),
        pytest.param({"task": "t"}, {"task": "t"}, id="already-parsed"),
    ],
)
def test_parse_tool_input(raw: Any, parsed: dict[str, Any]) -> None:
    assert parse_tool_input(raw) == parsed


CALL = {
    "type": "tool_use",
    "id": "toolu_img",
    "name": "analyzeImage",
    "input": {"imageId": ["1"], "task": "t"},
}
BASH = {"type": "tool_use", "id": "toolu_bash", "name": "Bash", "input": {"command": "ls"}}


def test_calls_and_client_calls() -> None:
    assert analyze_calls([text("a"), CALL, BASH]) == [CALL]
    assert has_client_tool_calls([text("a"), CALL]) is False
    assert has_client_tool_calls([CALL, BASH]) is True


def test_continuation_appends_turn_and_results_without_touching_the_original() -> None:
    original = body()
    before = orjson.dumps(original)
    cont = build_continuation(original, [text("let me look"), CALL], {"toolu_img": ("a red error", False)})
    assert orjson.dumps(original) == before
    assert cont["messages"][-2] == {"role": "assistant", "content": [text("let me look"), CALL]}
    assert cont["messages"][-1] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_img", "content": "a red error"}],
    }
    failed = build_continuation(original, [CALL], {"toolu_img": ("no such image", True)})
    assert failed["messages"][-1]["content"][0]["is_error"] is True


def test_answer_text() -> None:
    assert answer_text({"content": [text("A cat"), text(" "), text("on a mat")]}) == "A cat\non a mat"
    assert "no text" in answer_text({"content": []})


@pytest.mark.parametrize(
    ("content", "stop", "expected_content", "expected_stop"),
    [
        pytest.param([text("a"), CALL], "tool_use", [text("a")], "end_turn", id="only-agent-call"),
        pytest.param([text("a"), CALL, BASH], "tool_use", [text("a"), BASH], "tool_use", id="client-call-kept"),
        pytest.param([text("a")], "end_turn", [text("a")], "end_turn", id="plain"),
    ],
)
def test_final_message(content: list[Any], stop: str, expected_content: list[Any], expected_stop: str) -> None:
    out = final_message({"content": content, "stop_reason": stop})
    assert (out["content"], out["stop_reason"]) == (expected_content, expected_stop)
