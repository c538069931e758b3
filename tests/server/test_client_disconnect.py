"""A client that goes away cancels the provider request at once — whatever the request is doing
(streaming, waiting for a slow first byte, waiting for a whole JSON answer) — and the router
neither logs a traceback for it nor stops serving."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from urllib.parse import urlsplit

import anthropic
import pytest

from ccr.testing import MockResponse, MockUpstream, openai_completion, openai_text_chunks, run_router
from tests.server.conftest import APIKEY, base_config


def _send_request(url: str, stream: bool) -> socket.socket:
    parts = urlsplit(url)
    body = json.dumps(
        {"model": "m", "max_tokens": 5, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    ).encode()
    head = (
        f"POST /v1/messages HTTP/1.1\r\nhost: {parts.netloc}\r\nx-api-key: {APIKEY}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(head + body)
    return sock


@pytest.mark.parametrize(
    ("answer", "stream", "read_first"),
    [
        pytest.param(MockResponse.stall(), True, b"message_start", id="mid-stream"),
        pytest.param(
            MockResponse.sse(openai_text_chunks("late"), first_byte_delay=60), True, b"", id="before-the-first-byte"
        ),
        pytest.param(MockResponse.stall(content_type="application/json"), False, b"", id="waiting-for-json"),
    ],
)
def test_leaving_client_cancels_the_provider_request(
    upstream: MockUpstream,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    answer: MockResponse,
    stream: bool,
    read_first: bytes,
) -> None:
    upstream.enqueue(answer, MockResponse.json(openai_completion("still serving")))
    with run_router(base_config(upstream), tmp_path) as url:
        # uvicorn's own logger does not reach the root logger; listen to it directly.
        uvicorn_log = logging.getLogger("uvicorn.error")
        uvicorn_log.addHandler(caplog.handler)
        sock = _send_request(url, stream)
        upstream.wait_for_requests(1)
        seen = b""
        while read_first not in seen:
            seen += sock.recv(65536)
        sock.close()
        gone = upstream._wait_disconnect(0, 10)  # the router dropped its provider call
        assert gone.disconnected
        with anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30) as client:
            msg = client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
        assert msg.content[0].text == "still serving"  # type: ignore[union-attr]
        uvicorn_log.removeHandler(caplog.handler)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
