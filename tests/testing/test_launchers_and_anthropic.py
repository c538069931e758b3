"""The router launchers serve our app; the Anthropic event builders follow the grammar."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ccr.testing import (
    MockUpstream,
    anthropic_text_events,
    anthropic_tool_use_events,
    assemble_message,
    check_anthropic_stream,
    collect_sse,
    run_router,
    run_router_process,
)


def _config(upstream: MockUpstream) -> dict[str, Any]:
    provider = {"name": "mock", "api_base_url": upstream.chat_url, "api_key": "sk-test", "models": ["m1"]}
    return {"LOG": False, "Providers": [provider], "Router": {"default": "mock,m1"}}


def _post_messages(base_url: str) -> dict[str, Any]:
    body = {"model": "any", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    req = urllib.request.Request(
        base_url + "/v1/messages", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
    return answer


def test_run_router_serves_the_app_in_a_thread(mock_upstream_thread: MockUpstream, tmp_path: Path) -> None:
    with run_router(_config(mock_upstream_thread), tmp_path) as base_url:
        answer = _post_messages(base_url)
    assert answer["content"] == [{"type": "text", "text": "Hello from the mock upstream."}]
    assert mock_upstream_thread.requests[0].json["model"] == "m1"
    assert json.loads((tmp_path / "config.json").read_text())["Router"] == {"default": "mock,m1"}


def test_run_router_process_runs_ccr_start(mock_upstream_thread: MockUpstream, tmp_path: Path) -> None:
    with run_router_process(_config(mock_upstream_thread), tmp_path) as base_url:
        answer = _post_messages(base_url)
    assert answer["content"][0]["text"] == "Hello from the mock upstream."
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base_url + "/health", timeout=5)  # stopped on exit


def test_run_router_process_reports_a_server_that_cannot_start(tmp_path: Path) -> None:
    bad = {"Providers": [{"name": "x", "api_base_url": "not-a-url", "models": ["m"]}]}
    expected = r"(?s)exited with 2 .*Providers\[0\].api_base_url: not a URL"
    with pytest.raises(RuntimeError, match=expected), run_router_process(bad, tmp_path):
        pass


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param(anthropic_text_events("Hi there"), [{"type": "text", "text": "Hi there"}], id="text"),
        pytest.param(
            anthropic_tool_use_events("toolu_1", "Bash", {"command": "ls"}),
            [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}],
            id="tool-use",
        ),
    ],
)
def test_anthropic_events_follow_the_grammar(events: list[str], expected: list[dict[str, Any]]) -> None:
    parsed = collect_sse("".join(events).encode())
    check_anthropic_stream(parsed)
    assert assemble_message(parsed)["content"] == expected
