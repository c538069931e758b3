"""Anthropic-native endpoints: `anthropic` and `vertex-claude` request building (URL, headers, body)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.errors import PluginError
from ccr.transformers.anthropic import Anthropic, messages_url
from ccr.transformers.testing import make_ctx
from ccr.transformers.vertex import VertexClaude, VertexGemini, VertexOpenAI

BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,oauth-2025-04-20"
CLIENT = {
    "anthropic-version": "2023-06-01",
    "anthropic-beta": BETAS,
    "authorization": "Bearer client-key",
    "x-api-key": "client",
}


def body() -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "stream": True,
        "metadata": {"user_id": "u"},
        "messages": [],
    }


@pytest.mark.parametrize(
    ("base", "url"),
    [
        pytest.param("https://api.anthropic.com", "https://api.anthropic.com/v1/messages", id="host"),
        pytest.param("https://api.anthropic.com/v1/messages", "https://api.anthropic.com/v1/messages", id="full"),
        pytest.param(
            "https://api.deepseek.com/anthropic", "https://api.deepseek.com/anthropic/v1/messages", id="deepseek"
        ),
        pytest.param("https://api.moonshot.ai/anthropic/v1", "https://api.moonshot.ai/anthropic/v1/messages", id="v1"),
    ],
)
def test_messages_url(base: str, url: str) -> None:
    assert messages_url(base) == url


@pytest.mark.parametrize(
    ("options", "auth", "beta"),
    [
        pytest.param({}, {"x-api-key": "sk-test"}, BETAS, id="default"),
        pytest.param({"auth": "bearer"}, {"authorization": "Bearer sk-test"}, BETAS, id="bearer"),
        pytest.param({"UseBearer": True}, {"authorization": "Bearer sk-test"}, BETAS, id="ccr-usebearer"),
        pytest.param(
            {"drop_betas": ["oauth-2025-04-20", "context-management-*"]},
            {"x-api-key": "sk-test"},
            "claude-code-20250219,interleaved-thinking-2025-05-14",
            id="drop-betas",
        ),
        pytest.param({"betas": False}, {"x-api-key": "sk-test"}, None, id="no-betas"),
    ],
)
def test_anthropic_headers(options: dict[str, Any], auth: dict[str, str], beta: str | None) -> None:
    ctx = make_ctx(
        "deepseek-chat", stream=True, api_base_url="https://api.deepseek.com/anthropic", client_headers=CLIENT
    )
    req = Anthropic(options).build_anthropic(body(), ctx)
    expected = {
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "accept": "text/event-stream",
        **auth,
    }
    if beta:
        expected["anthropic-beta"] = beta
    assert req.headers == expected  # the client's own keys never go upstream


def test_anthropic_body_only_model_replaced_and_listed_fields_dropped() -> None:
    ctx = make_ctx("deepseek-chat", client_headers=CLIENT)
    original = body()
    req = Anthropic({"drop_fields": ["metadata"]}).build_anthropic(original, ctx)
    assert orjson.loads(req.body) == {"model": "deepseek-chat", "max_tokens": 100, "stream": True, "messages": []}
    assert original["model"] == "claude-sonnet-4-5"


def test_anthropic_version_defaults_when_the_client_sends_none() -> None:
    req = Anthropic().build_anthropic(body(), make_ctx(client_headers={}))
    assert req.headers["anthropic-version"] == "2023-06-01" and "anthropic-beta" not in req.headers


VERTEX = {"project": "proj-1", "location": "europe-west4", "credentials": "/nonexistent/key.json"}


@pytest.mark.parametrize(
    ("base", "stream", "url"),
    [
        pytest.param(
            "https://aiplatform.googleapis.com",
            True,
            "https://europe-west4-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west4/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict",
            id="global-host-made-regional",
        ),
        pytest.param(
            "http://127.0.0.1:9/v1",
            False,
            "http://127.0.0.1:9/v1/projects/proj-1/locations/europe-west4/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
            id="local-v1",
        ),
        pytest.param(
            "http://127.0.0.1:9/x/{project}/{location}/models",
            False,
            "http://127.0.0.1:9/x/proj-1/europe-west4/models/claude-sonnet-4-5@20250929:rawPredict",
            id="placeholders",
        ),
    ],
)
def test_vertex_claude_request(base: str, stream: bool, url: str) -> None:
    ctx = make_ctx("claude-sonnet-4-5@20250929", stream=stream, api_base_url=base, client_headers=CLIENT)
    ctx.state["vertex-token"] = "ya29.token"
    req = VertexClaude(VERTEX).build_anthropic(body(), ctx)
    assert req.url == url
    assert req.headers["authorization"] == "Bearer ya29.token"
    assert "anthropic-beta" not in req.headers and "x-api-key" not in req.headers
    sent = orjson.loads(req.body)
    assert "model" not in sent and sent["anthropic_version"] == "vertex-2023-10-16"
    assert sent["metadata"] == {"user_id": "u"}  # nothing else is converted or lost


def test_vertex_gemini_request() -> None:
    ctx = make_ctx("gemini-2.5-pro", stream=True, api_base_url="https://aiplatform.googleapis.com")
    ctx.state["vertex-token"] = "ya29.t"
    req = VertexGemini({**VERTEX, "location": "global"}).build({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    assert req.url == (
        "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global/publishers/google/models/"
        "gemini-2.5-pro:streamGenerateContent?alt=sse"
    )
    assert req.headers["authorization"] == "Bearer ya29.t"
    assert orjson.loads(req.body)["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_vertex_without_prepare_is_a_clear_error() -> None:
    with pytest.raises(PluginError, match="prepare"):
        VertexGemini(VERTEX).build({"messages": []}, make_ctx("gemini-2.5-pro"))


def test_vertex_project_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-proj")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "asia-northeast1")
    ctx = make_ctx("gemini-2.5-flash", api_base_url="https://aiplatform.googleapis.com")
    ctx.state["vertex-token"] = "t"
    url = VertexGemini({"credentials": "/nonexistent/key.json"}).build({"messages": []}, ctx).url
    assert "/projects/env-proj/locations/asia-northeast1/" in url and url.startswith(
        "https://asia-northeast1-aiplatform"
    )


OPENAPI = "projects/proj-1/locations/us-central1/endpoints/openapi/chat/completions"


@pytest.mark.parametrize(
    ("base", "url"),
    [
        pytest.param(
            "https://aiplatform.googleapis.com",
            f"https://us-central1-aiplatform.googleapis.com/v1/{OPENAPI}",
            id="host",
        ),
        pytest.param(
            "https://us-central1-aiplatform.googleapis.com/v1beta1",
            f"https://us-central1-aiplatform.googleapis.com/v1beta1/{OPENAPI}",
            id="versioned",
        ),
        pytest.param(
            "https://aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/endpoints/openapi",
            f"https://us-central1-aiplatform.googleapis.com/v1/{OPENAPI}",
            id="placeholders",
        ),
        pytest.param(f"https://proxy.example/v1/{OPENAPI}", f"https://proxy.example/v1/{OPENAPI}", id="full-url"),
    ],
)
def test_vertex_openai_request(base: str, url: str) -> None:
    ctx = make_ctx("google/gemini-2.5-flash", stream=True, api_base_url=base)
    ctx.state["vertex-token"] = "ya29.o"
    body = {
        "model": "google/gemini-2.5-flash",
        "reasoning": {"effort": "high"},
        "messages": [{"role": "assistant", "content": "a", "reasoning_content": "r", "reasoning_signature": "s"}],
    }
    req = VertexOpenAI({**VERTEX, "location": "us-central1"}).build(body, ctx)
    assert req.url == url
    assert req.headers == {
        "content-type": "application/json",
        "authorization": "Bearer ya29.o",
        "accept": "text/event-stream",
    }
    # OpenAI's own fields only: our reasoning replay and the `reasoning` object stay home
    assert orjson.loads(req.body) == {
        "model": "google/gemini-2.5-flash",
        "messages": [{"role": "assistant", "content": "a"}],
    }
