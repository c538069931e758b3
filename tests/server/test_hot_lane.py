"""The hot lane (server/hot_lane.py): `POST /v1/messages` served by the HTTP protocol itself.

Raw sockets, so each HTTP/1.1 detail the lane takes over from uvicorn is checked on the wire:
keep-alive, pipelining, `Expect: 100-continue`, chunked uploads, `Connection: close`, HTTP/1.0,
the body limit, the query string Claude Code sends, and the checks of the ASGI middlewares.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ccr.testing import MockUpstream, run_router
from tests.server.conftest import APIKEY, base_config

BODY = json.dumps(
    {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
).encode()


def request(path: str = "/v1/messages", body: bytes = BODY, headers: str = "", *, version: str = "1.1") -> bytes:
    head = (
        f"POST {path} HTTP/{version}\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"x-api-key: {APIKEY}\r\ncontent-length: {len(body)}\r\n{headers}\r\n"
    )
    return head.encode() + body


class Reader:
    """Reads HTTP/1.1 responses off a socket: content-length and chunked bodies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            self._fill()
        out, _, self.buf = self.buf.partition(marker)
        return out

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self) -> tuple[int, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        if status == 100:
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self._exactly(int(headers["content-length"]))
        assert headers.get("transfer-encoding") == "chunked", headers
        body = b""
        while size := int(self._until(b"\r\n"), 16):
            body += self._exactly(size)
            assert self._exactly(2) == b"\r\n"
        assert self._exactly(2) == b"\r\n"
        return status, headers, body

    def closed(self) -> bool:
        self.sock.settimeout(10)
        return not self.buf and self.sock.recv(1) == b""


@pytest.fixture
def conn(router_url: str) -> Iterator[tuple[socket.socket, Reader]]:
    parts = urlsplit(router_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        yield sock, Reader(sock)


def text_of(body: bytes) -> str:
    return "".join(b["text"] for b in json.loads(body)["content"] if b["type"] == "text")


def test_keep_alive_and_the_query_string_claude_code_sends(conn: tuple[socket.socket, Reader]) -> None:
    sock, reader = conn
    for path in ("/v1/messages?beta=true", "/v1/messages", "/v1/messages/"):
        sock.sendall(request(path))
        status, headers, body = reader.response()
        assert status == 200, body
        assert headers["content-type"] == "application/json"
        assert headers["x-ccr-route"] == "default mock,mock-model"
        assert "date" in headers and "connection" not in headers
        assert text_of(body) == "Hello from the mock upstream."


def test_pipelined_requests_are_answered_in_order(conn: tuple[socket.socket, Reader], upstream: MockUpstream) -> None:
    sock, reader = conn
    streamed = json.dumps({**json.loads(BODY), "stream": True}).encode()
    # Three requests in one write: JSON, stream, and a GET that takes the ASGI route behind them.
    get_health = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock.sendall(request() + request(body=streamed) + get_health)
    first = reader.response()
    second = reader.response()
    third = reader.response()
    assert first[0] == 200 and text_of(first[2]) == "Hello from the mock upstream."
    assert second[0] == 200 and second[1]["content-type"].startswith("text/event-stream")
    assert second[2].startswith(b"event: message_start") and b"event: message_stop" in second[2]
    assert third[0] == 200 and json.loads(third[2])["status"] == "ok"
    assert len(upstream.requests) == 2


def test_expect_100_continue_and_a_chunked_upload(conn: tuple[socket.socket, Reader]) -> None:
    sock, reader = conn
    head = (
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"x-api-key: {APIKEY}\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\n\r\n"
    )
    sock.sendall(head.encode())
    assert reader.response()[0] == 100  # before any body byte was sent
    half = len(BODY) // 2
    for piece in (BODY[:half], BODY[half:]):
        sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
    sock.sendall(b"0\r\n\r\n")
    status, _, body = reader.response()
    assert status == 200 and text_of(body) == "Hello from the mock upstream."


@pytest.mark.parametrize(
    ("extra", "version"),
    [pytest.param("connection: close\r\n", "1.1", id="connection-close"), pytest.param("", "1.0", id="http-1.0")],
)
def test_connection_close_is_honoured(conn: tuple[socket.socket, Reader], extra: str, version: str) -> None:
    sock, reader = conn
    sock.sendall(request(headers=extra, version=version))
    status, headers, body = reader.response()
    assert status == 200 and text_of(body) == "Hello from the mock upstream."
    assert headers["connection"] == "close"
    assert reader.closed()


@pytest.mark.parametrize(
    ("headers", "status", "kind"),
    [
        pytest.param("", 401, "authentication_error", id="no-key"),
        pytest.param("x-api-key: wrong\r\n", 401, "authentication_error", id="wrong-key"),
    ],
)
def test_the_api_key_is_checked(router_url: str, upstream: MockUpstream, headers: str, status: int, kind: str) -> None:
    parts = urlsplit(router_url)
    head = f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}content-length: {len(BODY)}\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode() + BODY)
        got, _, body = Reader(sock).response()
    assert got == status
    assert json.loads(body)["error"]["type"] == kind
    assert upstream.requests == []


def test_a_body_over_the_limit_is_refused_and_the_connection_still_serves(
    upstream: MockUpstream, tmp_path: Path
) -> None:
    with run_router(base_config(upstream, MAX_BODY_BYTES=1024), tmp_path) as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            reader = Reader(sock)
            big = json.dumps({**json.loads(BODY), "system": "x" * 5000}).encode()
            sock.sendall(request(body=big))
            status, _, body = reader.response()
            assert status == 413
            error = json.loads(body)["error"]
            assert error["type"] == "request_too_large" and "MAX_BODY_BYTES" in error["message"]
            sock.sendall(request())  # the rest of the big body was read and dropped
            status, _, body = reader.response()
            assert status == 200 and text_of(body) == "Hello from the mock upstream."
    assert len(upstream.requests) == 1


def test_without_apikey_a_foreign_host_is_refused(upstream: MockUpstream, tmp_path: Path) -> None:
    config = base_config(upstream)
    del config["APIKEY"]
    with run_router(config, tmp_path) as url:
        parts = urlsplit(url)
        for host, expected in (("evil.example", 403), ("localhost", 200)):
            head = f"POST /v1/messages HTTP/1.1\r\nHost: {host}\r\ncontent-length: {len(BODY)}\r\n\r\n"
            with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
                sock.sendall(head.encode() + BODY)
                status, _, body = Reader(sock).response()
            assert status == expected, body
    assert len(upstream.requests) == 1


def test_a_handler_that_fails_costs_one_request_not_the_connection(
    conn: tuple[socket.socket, Reader], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccr.server.routes.messages import MessagesEndpoint

    real = MessagesEndpoint.serve
    calls: list[int] = []

    async def fail_once(self: MessagesEndpoint, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug past the endpoint's own guard")
        await real(self, *args, **kwargs)

    monkeypatch.setattr(MessagesEndpoint, "serve", fail_once)
    sock, reader = conn
    sock.sendall(request())
    status, headers, body = reader.response()
    assert (status, body) == (500, b"Internal Server Error")
    assert headers["content-length"] == "21"
    sock.sendall(request())
    status, _, body = reader.response()
    assert status == 200 and text_of(body) == "Hello from the mock upstream."


def test_a_model_id_with_a_line_break_cannot_inject_a_response_header(upstream: MockUpstream, tmp_path: Path) -> None:
    # A provider without a model list forwards any model id as written, and the route goes back
    # to the client in `x-ccr-route`: a CR/LF in the id must not start a header of its own.
    config = base_config(upstream)
    config["Providers"][0]["models"] = []
    with run_router(config, tmp_path) as url:
        parts = urlsplit(url)
        body = json.dumps({**json.loads(BODY), "model": "mock,evil\r\nx-injected: 1"}).encode()
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            reader = Reader(sock)
            sock.sendall(request(body=body))
            status, headers, answer = reader.response()
            assert status == 200, answer
            assert "x-injected" not in headers
            assert headers["x-ccr-route"] == "explicit mock,evil  x-injected: 1"
            assert text_of(answer) == "Hello from the mock upstream."
            sock.sendall(request())  # the connection still serves
            assert reader.response()[0] == 200
