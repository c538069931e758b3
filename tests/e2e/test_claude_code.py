"""The real Claude Code CLI through our router (`ccr start`) against the mock OpenAI provider."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    RecordedRequest,
    anthropic_event,
    anthropic_text_events,
    make_app,
    openai_text_chunks,
    openai_tool_call_chunks,
    run_router_process,
    serve_app,
)
from tests.cli.helpers import wait_until
from tests.e2e.conftest import ROUTER_KEY, UPSTREAM_KEY, ClaudeCli, router_config

pytestmark = pytest.mark.e2e


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def _tool_names(req: RecordedRequest) -> list[str]:
    return [t["function"]["name"] for t in req.json.get("tools", [])]


def _main_turns(upstream: MockUpstream) -> list[RecordedRequest]:
    """Requests of the main conversation (Claude Code may add side requests in later versions)."""
    return [r for r in upstream.requests if "Bash" in _tool_names(r)]


def test_plain_answer(claude_cli: ClaudeCli, upstream: MockUpstream, tmp_path: Path) -> None:
    answer = "The answer is 42, streamed in pieces."
    upstream.default = MockResponse.sse(
        openai_text_chunks(answer, pieces=5), split="random", seed=3, coalesce_tail=True
    )
    with run_router_process(router_config(upstream), tmp_path) as base_url:
        code, out, err = claude_cli("What is the answer? Reply in one line.", base_url=base_url)
    assert code == 0, err
    assert out is not None and out["result"] == answer and out["is_error"] is False
    assert out["usage"]["output_tokens"] == 5

    first = _main_turns(upstream)[0]
    body = first.json
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"  # the provider's key, not the client's
    assert not {"anthropic-beta", "x-api-key", "x-claude-code-session-id"} & first.headers.keys()
    assert body["model"] == "mock-model" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"][0]["role"] == "system" and "Claude" in _text_of(body["messages"][0])
    user_text = " ".join(_text_of(m) for m in body["messages"] if m["role"] == "user")
    assert "What is the answer?" in user_text
    # Claude Code's environment block rides as a system entry inside `messages`.
    assert any(m["role"] == "system" and "Primary working directory" in _text_of(m) for m in body["messages"])
    assert {"Bash", "Write", "Read"} <= set(_tool_names(first))
    assert "context_management" not in body and "output_config" not in body


def _has_tool_result(req: RecordedRequest) -> bool:
    return any(m.get("role") == "tool" for m in req.json.get("messages", []))


COMMAND = {"command": "printf 'hello from e2e' > hello.txt", "description": "Write hello.txt"}
FINAL = "I created hello.txt."


def _bash_then_answer(req: RecordedRequest) -> MockResponse:
    """The provider of a tool turn: a Bash call writing hello.txt, then a final answer."""
    if _has_tool_result(req):
        return MockResponse.sse(openai_text_chunks(FINAL), split="random", seed=1)
    if "Bash" in _tool_names(req):
        call = ("call_e2e_1", "Bash", orjson.dumps(COMMAND).decode())
        return MockResponse.sse(openai_tool_call_chunks([call], fragment_size=7), split="random", seed=2)
    return MockResponse.text_or_stream("ok")


def test_tool_turn_writes_file(claude_cli: ClaudeCli, upstream: MockUpstream, tmp_path: Path, workdir: Path) -> None:
    upstream.default = _bash_then_answer
    with run_router_process(router_config(upstream), tmp_path) as base_url:
        code, out, err = claude_cli("Create hello.txt containing 'hello from e2e' with Bash.", base_url=base_url)
    assert code == 0, err
    assert out is not None and out["result"] == FINAL
    assert (workdir / "hello.txt").read_text() == "hello from e2e"

    turns = _main_turns(upstream)
    assert len(turns) == 2 and _has_tool_result(turns[1])
    assistant = next(m for m in turns[1].json["messages"] if m["role"] == "assistant")
    assert assistant["tool_calls"][0]["id"] == "call_e2e_1"
    assert assistant["tool_calls"][0]["function"]["name"] == "Bash"
    assert orjson.loads(assistant["tool_calls"][0]["function"]["arguments"]) == COMMAND
    tool_msg = next(m for m in turns[1].json["messages"] if m["role"] == "tool")
    assert tool_msg["tool_call_id"] == "call_e2e_1"


def test_the_tools_and_system_claude_code_resends_are_recognised(
    claude_cli: ClaudeCli, upstream: MockUpstream, tmp_path: Path, workdir: Path
) -> None:
    """The real CLI's JSON (`JSON.stringify`) is byte for byte what the parse memo keeps: its second
    turn reuses the tools and system blocks of the first. And the provider sees one system
    prompt for both turns, though Claude Code's billing header differs between them."""
    upstream.default = _bash_then_answer
    app = make_app(router_config(upstream), tmp_path)
    memo = app.state.runtime.parse_memo
    assert memo is not None
    with serve_app(app) as base_url:
        code, out, err = claude_cli("Create hello.txt containing 'hello from e2e' with Bash.", base_url=base_url)
    assert code == 0, err
    assert out is not None and out["result"] == FINAL
    turns = _main_turns(upstream)
    assert len(turns) == 2 and memo.hits >= 1
    assert [len(run) for run in memo.kept("tools")][-1] == len(turns[1].json["tools"])
    systems = [t.json["messages"][0] for t in turns]
    assert systems[0]["role"] == "system" and systems[0] == systems[1]
    assert b"x-anthropic-billing-header" not in turns[0].body


def test_context_is_counted_by_the_router(claude_cli: ClaudeCli, upstream: MockUpstream, tmp_path: Path) -> None:
    """`/context` makes Claude Code call count_tokens many times; the router answers them all
    locally, so the provider sees nothing and Claude Code shows our counts."""
    with run_router_process(router_config(upstream), tmp_path) as base_url:
        code, out, err = claude_cli("/context", base_url=base_url)
    assert code == 0, err
    assert out is not None and out["result"].startswith("## Context Usage")
    tools = re.search(r"\| System tools \| ([\d.]+)(k?) \|", out["result"])
    assert tools is not None, out["result"][:500]
    assert float(tools.group(1)) * (1000 if tools.group(2) else 1) > 1000
    assert upstream.requests == []


def test_an_overloaded_anthropic_native_start_is_retried_unseen(
    claude_cli: ClaudeCli, upstream: MockUpstream, tmp_path: Path
) -> None:
    """An Anthropic-compatible provider answers Claude Code's turn with `message_start` and then
    `overloaded_error`: the router retries it on the same stream, so Claude Code sees one clean
    answer and never retries itself (the provider gets one request more than the router)."""
    answer = "Served on the second try."
    overloaded = anthropic_event("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
    failed: list[RecordedRequest] = []

    def script(req: RecordedRequest) -> MockResponse:
        main = "Bash" in [t.get("name") for t in req.json.get("tools", [])]
        if main and not failed:
            failed.append(req)
            return MockResponse.sse([anthropic_text_events("never")[0], overloaded], done=False)
        return MockResponse.sse(anthropic_text_events(answer if main else "ok", output_tokens=6), done=False)

    upstream.default = script
    cfg = router_config(upstream)
    cfg["Providers"] = [
        {
            "name": "mock",
            "api_base_url": upstream.url + "/v1/messages",
            "api_key": UPSTREAM_KEY,
            "models": ["mock-model"],
            "transformer": {"use": ["Anthropic"]},
        }
    ]
    cfg["retry"] = {"attempts": 2, "base_delay_ms": 10, "max_delay_ms": 2000}
    with run_router_process(cfg, tmp_path) as base_url:
        code, out, err = claude_cli("Say something.", base_url=base_url)
        # the router books a request once it has answered it: a side request may end after the CLI
        def booked() -> list[dict[str, Any]]:
            records: list[dict[str, Any]] = _get_json(base_url + "/api/requests")["requests"]
            return records

        wait_until(lambda: len(booked()) >= len(upstream.requests) - 1, timeout=10, what="every request booked")
        records = booked()
    assert code == 0, err
    assert out is not None and out["result"] == answer and out["is_error"] is False
    assert len(failed) == 1 and failed[0].path == "/v1/messages"
    assert len(upstream.requests) == len(records) + 1  # the one retry happened inside the router
    assert all(r["status"] == 200 for r in records), records


def _get_json(url: str) -> Any:
    req = urllib.request.Request(url, headers={"x-api-key": ROUTER_KEY})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return orjson.loads(resp.read())
