"""Recorded Claude Code 2.1.332 requests replayed through the running router: the route each one
takes (x-ccr-route), the model the provider is asked for, and the subagent tag never forwarded."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.protocol.tokens import count_request_tokens
from ccr.testing import MockUpstream, run_router
from tests.recorded_requests import recorded_request

KEY = "sk-router-test"
TAG = "<CCR-SUBAGENT-MODEL>fast,reviewer</CCR-SUBAGENT-MODEL>\n"


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def url(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    def provider(name: str, *models: str) -> dict[str, Any]:
        return {"name": name, "api_base_url": upstream.chat_url, "api_key": "sk-test", "models": list(models)}

    config = {
        "APIKEY": KEY,
        "LOG": False,
        "Providers": [provider("main", "chat", "reasoner"), provider("fast", "small", "reviewer")],
        "Router": {"default": "main,chat", "think": "main,reasoner", "background": "fast,small"},
    }
    with run_router(config, tmp_path) as base:
        yield base


def post(url: str, path: str, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    headers = {
        k: v for k, v in recorded_request("main_turn.headers").items() if k not in ("authorization", "accept-encoding")
    }
    headers["authorization"] = f"Bearer {KEY}"
    req = urllib.request.Request(url + path, data=orjson.dumps(body), headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return {k.lower(): v for k, v in resp.headers.items()}, resp.read()


def with_tag(body: dict[str, Any]) -> dict[str, Any]:
    body["system"][2]["text"] = TAG + body["system"][2]["text"]
    return body


def effort_max(body: dict[str, Any]) -> dict[str, Any]:
    body["output_config"]["effort"] = "max"
    return body


def haiku(body: dict[str, Any]) -> dict[str, Any]:
    body["model"] = "claude-haiku-4-5-20251001"
    return body


def explicit(body: dict[str, Any]) -> dict[str, Any]:
    body["model"] = "FAST,Small"  # what `/model fast,small` makes Claude Code send
    return body


@pytest.mark.parametrize(
    ("name", "edit", "route", "upstream_model"),
    [
        pytest.param("main_turn", None, "default main,chat", "chat", id="main-turn"),
        pytest.param("tool_result_followup", None, "default main,chat", "chat", id="tool-result-followup"),
        pytest.param("subagent_turn", None, "default main,chat", "chat", id="subagent-turn"),
        pytest.param("subagent_turn", with_tag, "subagent fast,reviewer", "reviewer", id="subagent-tagged"),
        pytest.param("main_turn", effort_max, "think main,reasoner", "reasoner", id="max-effort"),
        pytest.param("main_turn", haiku, "background fast,small", "small", id="haiku"),
        pytest.param("main_turn", explicit, "explicit fast,small", "small", id="slash-model"),
    ],
)
def test_recorded_request_route(
    url: str, upstream: MockUpstream, name: str, edit: Any, route: str, upstream_model: str
) -> None:
    body = recorded_request(name)
    if edit is not None:
        body = edit(body)
    headers, raw = post(url, "/v1/messages?beta=true", body)
    assert headers["x-ccr-route"] == route
    assert b"event: message_stop" in raw
    sent = upstream.requests[-1]
    assert sent.json is not None
    assert sent.json["model"] == upstream_model
    assert b"CCR-SUBAGENT-MODEL" not in sent.body


def test_recorded_count_tokens(url: str) -> None:
    body = recorded_request("count_tokens")
    _, raw = post(url, "/v1/messages/count_tokens", body)
    assert orjson.loads(raw) == {"input_tokens": count_request_tokens(body)}
