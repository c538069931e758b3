"""The shared models-list fetch: URL derivation and list shapes (tables), and the real fetch over
loopback sockets against MockUpstream — OpenAI list, Ollama fallback, and every failure worded."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from ccr.testing import MockResponse, MockUpstream
from ccr.upstream.models_list import (
    ModelListError,
    _start_hint,
    candidate_urls,
    fetch_listing,
    list_models,
    model_ids,
    models_url,
)
from tests.server.api_kit import by_path, models_listing


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        pytest.param("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/models", id="bare-host"),
        pytest.param("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1/models", id="slash"),
        pytest.param("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1/models", id="v1"),
        pytest.param("http://h:1234/v1/chat/completions", "http://h:1234/v1/models", id="chat-endpoint"),
        pytest.param("https://openrouter.ai/api/v1/chat/completions", "https://openrouter.ai/api/v1/models", id="or"),
        pytest.param("https://api.anthropic.com/v1/messages", "https://api.anthropic.com/v1/models", id="messages"),
        pytest.param(" http://h:8000/v1/completions?x=1 ", "http://h:8000/v1/models", id="query-dropped"),
    ],
)
def test_models_url(base: str, expected: str) -> None:
    assert models_url(base) == expected


def test_candidates_end_with_ollamas_native_list_on_the_same_host() -> None:
    assert candidate_urls("http://127.0.0.1:11434/v1/chat/completions") == [
        "http://127.0.0.1:11434/v1/models",
        "http://127.0.0.1:11434/api/tags",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"data": [{"id": "b"}, {"id": "a"}, {"id": "b"}]}, ["a", "b"], id="openai-sorted-unique"),
        pytest.param({"models": [{"name": "qwen3:8b", "model": "qwen3:8b"}]}, ["qwen3:8b"], id="ollama-tags"),
        pytest.param({"data": [{"id": ""}, 3, {"x": 1}, "plain"]}, ["plain"], id="junk-items-skipped"),
        pytest.param({"data": []}, [], id="empty-list-is-a-list"),
        pytest.param({"error": "nope"}, None, id="no-list"),
        pytest.param([{"id": "a"}], None, id="not-an-object"),
    ],
)
def test_model_ids(body: Any, expected: list[str] | None) -> None:
    assert model_ids(body) == expected


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        pytest.param("http://127.0.0.1:11434/v1/models", "Start it (Ollama: `ollama serve`).", id="ollama"),
        pytest.param("http://localhost:8080/v1/models", "llama-server -m model.gguf --port 8080", id="llama"),
        pytest.param("http://[::1]:1234/v1/models", "LM Studio", id="lmstudio-v6"),
        pytest.param("http://127.0.0.1:8000/v1/models", "vllm serve", id="vllm"),
        pytest.param("http://127.0.0.1:9999/v1/models", "on port 9999", id="other-port"),
        pytest.param("http://gpu-box.lan:8080/v1/models", "Check the address", id="remote"),
    ],
)
def test_start_hint_names_the_usual_server(url: str, hint: str) -> None:
    assert hint in _start_hint(url)


def test_openai_list_with_the_key_as_bearer() -> None:
    with MockUpstream(models_listing("qwen3:8b", "llama3.1:8b")) as up:
        listing = fetch_listing(up.chat_url, "sk-test", proxy="")
    assert listing.url == up.url + "/v1/models"
    assert listing.models == ["llama3.1:8b", "qwen3:8b"]
    assert [(r.method, r.path) for r in up.requests] == [("GET", "/v1/models")]
    assert up.requests[0].headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("key", [pytest.param(None, id="none"), pytest.param("$UNSET_VAR", id="placeholder")])
def test_no_authorization_without_a_usable_key(key: str | None) -> None:
    with MockUpstream(models_listing("m")) as up:
        assert list_models(up.url, key, proxy="") == ["m"]
    assert "authorization" not in up.requests[0].headers


def test_ollama_tags_when_v1_models_is_missing() -> None:
    tags = MockResponse.json({"models": [{"name": "qwen2.5-coder:7b"}, {"name": "llama3.2:3b"}]})
    with MockUpstream(by_path({"/api/tags": tags}, MockResponse.error(404, "not found"))) as up:
        listing = fetch_listing(up.base_v1, proxy="")
    assert listing == type(listing)(up.url + "/api/tags", ["llama3.2:3b", "qwen2.5-coder:7b"])
    assert [r.path for r in up.requests] == ["/v1/models", "/api/tags"]


def _error(url: str, answer: MockResponse | None = None, **kwargs: Any) -> tuple[str, list[str]]:
    with MockUpstream(answer) as up:
        with pytest.raises(ModelListError) as info:
            fetch_listing(url.replace("MOCK", up.url), proxy="", **kwargs)
        paths = [r.path for r in up.requests]
    return info.value.message.replace(up.url, "MOCK"), paths


def test_non_json_says_so_and_tries_ollama_too() -> None:
    message, paths = _error("MOCK/v1", MockResponse.html(200, "<!DOCTYPE html><title>Grafana</title>"))
    assert message.startswith("MOCK/v1/models did not answer JSON (content-type text/html")
    assert "'<!DOCTYPE html>" in message and "is this the address of the model server's API?" in message
    assert message.endswith("(Ollama's MOCK/api/tags lists none either)")
    assert paths == ["/v1/models", "/api/tags"]


def test_wrong_key_shows_the_servers_words_and_stops() -> None:
    message, paths = _error("MOCK/v1", MockResponse.error(401, "Invalid API key"), api_key="sk-bad")
    assert message == "MOCK/v1/models answered HTTP 401: Invalid API key (check the provider's api_key)"
    assert paths == ["/v1/models"]


def test_redirect_is_not_followed() -> None:
    moved = MockResponse.json({}, 301, headers={"Location": "https://elsewhere.invalid/v1/models"})
    message, paths = _error("MOCK", moved, api_key="sk-test")
    assert message == (
        "MOCK/v1/models redirects (HTTP 301) to https://elsewhere.invalid/v1/models: put that address in api_base_url"
    )
    assert paths == ["/v1/models"]


def test_a_silent_server_times_out() -> None:
    message, _ = _error("MOCK", MockResponse.stall("application/json"), timeout=0.3)
    assert message == "MOCK/v1/models did not answer within 0.3 s"


def test_server_not_running_says_how_to_start_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ModelListError) as info:
        list_models(f"http://127.0.0.1:{port}/v1/chat/completions", proxy="")
    assert info.value.message.startswith(f"cannot reach http://127.0.0.1:{port}/v1/models: Connection refused")
    assert "is the server running? Start it (`ollama serve`" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://h/v1", id="scheme"),
        pytest.param("localhost:11434", id="no-scheme"),
        pytest.param("http://h:x/", id="port"),
    ],
)
def test_not_a_url(url: str) -> None:
    with pytest.raises(ModelListError, match="is not a URL"):
        list_models(url)
