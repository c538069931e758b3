from __future__ import annotations

import pytest

from ccr.server.upstream_errors import http_error, transport_error, upstream_message
from ccr.upstream.transport import TransportError


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b'{"error": {"message": "bad model", "type": "x"}}', "bad model", id="openai-shape"),
        pytest.param(b'[{"error": {"code": 400, "message": "gemini says no"}}]', "gemini says no", id="google-list"),
        pytest.param(b'{"message": "plain"}', "plain", id="message-only"),
        pytest.param(b"<html><body>502</body></html>", "an HTML page instead of an API answer", id="html"),
        pytest.param(b"", "(empty body)", id="empty"),
        pytest.param(b"x" * 2000, "x" * 600, id="trimmed"),
    ],
)
def test_upstream_message(body: bytes, message: str) -> None:
    assert upstream_message(body)[0].startswith(message)


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "api_key"), (404, "api_base_url"), (429, "fallback"), (500, "retry")],
)
def test_http_error_keeps_status_and_says_what_to_do(status: int, hint: str) -> None:
    err = http_error("p", "m", status, b'{"error": {"message": "nope sk-secret-1"}}', secrets=["sk-secret-1"])
    assert err.status == status
    assert err.message.startswith("p,m: provider answered") and hint in err.message
    assert "sk-secret-1" not in err.message and "***" in err.message


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        pytest.param("http://localhost:11434/v1/chat/completions", "ollama serve", id="ollama"),
        pytest.param("http://127.0.0.1:8080", "llama-server", id="llama.cpp"),
        pytest.param("http://localhost:9999", "start the server it points to", id="unknown-port"),
        pytest.param("https://api.example.test/v1", None, id="remote-no-hint"),
    ],
)
def test_local_server_down_hint(url: str, fragment: str | None) -> None:
    err = transport_error("p", "m", TransportError("cannot connect to host (Connection refused)"), url)
    assert err.status == 502
    if fragment is None:
        assert "Nothing is listening" not in err.message
    else:
        assert fragment in err.message and "ccr model" in err.message


def test_timeout_is_504() -> None:
    err = transport_error("p", "m", TransportError("no response", timeout=True))
    assert err.status == 504 and "API_TIMEOUT_MS" in err.message
