"""`POST /api/providers/models` over real sockets: a router (uvicorn on a thread) asks a
MockUpstream's `/v1/models` for a saved provider or a draft; keys resolved server-side, never
answered; failures worded; bad questions refused at their field."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccr.testing import MockResponse, MockUpstream, run_router
from tests.server.api_kit import AUTH, UPSTREAM_KEY, WRITE, by_path, call, get_config, models_listing, ui_config

PATH = "/api/providers/models"


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream(by_path({"/v1/models": models_listing("qwen3:8b", "a-model", "llama3.1:8b")})) as up:
        yield up


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    with run_router(ui_config(upstream), tmp_path) as url:
        yield url


def ask(router: str, body: dict[str, Any], headers: dict[str, str] = WRITE) -> tuple[int, Any]:
    return call(router + PATH, "POST", body, headers)


def test_saved_provider_by_name(router: str, upstream: MockUpstream) -> None:
    status, data = ask(router, {"provider": "alpha"})
    assert status == 200, data
    assert data == {
        "ok": True,
        "url": upstream.url + "/v1/models",
        "models": ["a-model", "llama3.1:8b", "qwen3:8b"],
        "error": None,
    }
    assert [(r.method, r.path) for r in upstream.requests] == [("GET", "/v1/models")]
    assert upstream.requests[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"


def test_draft_url_with_the_masked_key_resolved_server_side(router: str, upstream: MockUpstream) -> None:
    masked = get_config(router)["config"]["Providers"][0]["api_key"]
    assert masked != UPSTREAM_KEY
    with MockUpstream(models_listing("draft-model")) as other:
        status, data = ask(router, {"provider": "alpha", "api_base_url": other.base_v1, "api_key": masked})
        sent = other.requests[0].headers.get("authorization")
    assert (status, data["ok"], data["models"]) == (200, True, ["draft-model"])
    assert sent == f"Bearer {UPSTREAM_KEY}"
    assert UPSTREAM_KEY not in str(data)


@pytest.mark.parametrize(
    ("key", "header"),
    [
        pytest.param("sk-typed", "Bearer sk-typed", id="typed"),
        pytest.param("$CCR_TEST_MODELS_KEY", "Bearer sk-from-env", id="env-var"),
        pytest.param("", None, id="empty-sends-none"),
    ],
)
def test_draft_key_forms(
    router: str, upstream: MockUpstream, monkeypatch: pytest.MonkeyPatch, key: str, header: str | None
) -> None:
    monkeypatch.setenv("CCR_TEST_MODELS_KEY", "sk-from-env")  # the router runs in this process
    status, data = ask(router, {"provider": "new-one", "api_base_url": upstream.chat_url, "api_key": key})
    assert (status, data["ok"]) == (200, True), data
    assert upstream.requests[0].headers.get("authorization") == header


def test_url_from_the_routers_environment(router: str, upstream: MockUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCR_TEST_MODELS_HOST", upstream.url)
    status, data = ask(router, {"api_base_url": "${CCR_TEST_MODELS_HOST}/v1", "api_key": ""})
    assert (status, data["ok"], data["url"]) == (200, True, upstream.url + "/v1/models")


def test_key_echoed_by_a_failing_server_is_masked(router: str, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.error(401, f"Incorrect API key provided: {UPSTREAM_KEY}"))
    status, data = ask(router, {"provider": "alpha"})
    assert (status, data["ok"], data["models"]) == (200, False, [])
    assert data["error"] == (
        f"{upstream.url}/v1/models answered HTTP 401: Incorrect API key provided: sk-…7777 "
        "(check the provider's api_key)"
    )
    assert len(upstream.requests) == 1  # a refused key is not tried on Ollama's list too


def test_non_json_answer_is_named(router: str, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.html(200, "<html>login</html>"), MockResponse.html(404, "<html>nope</html>"))
    status, data = ask(router, {"provider": "alpha"})
    assert (status, data["ok"]) == (200, False)
    assert "did not answer JSON (content-type text/html" in data["error"]
    assert data["error"].endswith(f"(Ollama's {upstream.url}/api/tags lists none either)")


def test_server_not_running_says_how_to_start_it(router: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status, data = ask(router, {"api_base_url": f"http://127.0.0.1:{port}/v1", "api_key": ""})
    assert (status, data["ok"], data["url"]) == (200, False, f"http://127.0.0.1:{port}/v1/models")
    assert "Connection refused — is the server running? Start it (" in data["error"]


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        pytest.param({}, None, "no address to ask", id="nothing"),
        pytest.param({"provider": "ghost"}, None, "no provider named 'ghost' (known: alpha)", id="unknown"),
        pytest.param({"api_base_url": "localhost:11434"}, "api_base_url", "api_base_url: not a URL", id="bad-url"),
        pytest.param(
            {"api_base_url": "http://127.0.0.1:1/v1", "api_key": "sk-…zzzz"}, "api_key", "type the key", id="mask"
        ),
        pytest.param(
            {"api_base_url": "http://127.0.0.1:1/v1", "api_key": "$CCR_TEST_SURELY_UNSET"},
            "api_key",
            "$CCR_TEST_SURELY_UNSET is not set",
            id="unset-var",
        ),
    ],
)
def test_bad_questions_are_refused_without_a_call(
    router: str, upstream: MockUpstream, body: dict[str, Any], path: str | None, words: str
) -> None:
    status, data = ask(router, body)
    assert status == 400
    assert data["error"]["type"] == "invalid_request_error"
    assert words in data["error"]["message"]
    assert data["error"].get("path") == path
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [pytest.param({"x-ccr-action": "1"}, 401, id="no-apikey"), pytest.param(AUTH, 400, id="no-action-header")],
)
def test_guarded_like_every_state_changing_call(
    router: str, upstream: MockUpstream, headers: dict[str, str], status: int
) -> None:
    assert ask(router, {"provider": "alpha"}, headers)[0] == status
    assert upstream.requests == []
