"""Reliability edges over real sockets: no retry once bytes reached the client, timeouts before the
first byte are retried, pings while a provider is silent, the body cap, plugins that crash at
request time, no upstream chosen by the client, loopback-only without APIKEY."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import anthropic
import psutil
import pytest

from ccr.testing import MockResponse, MockUpstream, openai_completion, openai_text_chunks, run_router
from ccr.testing.router import free_port, spawn_ccr_start, wait_healthy, write_config
from tests.server.conftest import APIKEY, base_config

USER = [{"role": "user", "content": "hi"}]
FAST_RETRY = {"attempts": 2, "base_delay_ms": 1, "max_delay_ms": 2000}


def sdk(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30)


def post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url + "/v1/messages",
        data=body,
        method="POST",
        headers={"x-api-key": APIKEY, "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_no_retry_once_the_stream_reached_the_client(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(
        MockResponse.sse(openai_text_chunks("one two three", pieces=3), reset_after_events=2),
        MockResponse.sse(openai_text_chunks("must not be asked")),
    )
    cfg = base_config(upstream, retry=FAST_RETRY)
    with run_router(cfg, tmp_path) as url:
        status, data = post_raw(
            url, json.dumps({"model": "m", "max_tokens": 5, "stream": True, "messages": USER}).encode()
        )
    assert status == 200
    assert b"event: message_start" in data and b"event: error" in data
    assert b"message_stop" not in data
    assert len(upstream.requests) == 1  # the half-sent answer was not replayed from another try


def test_timeout_before_the_first_byte_is_retried(upstream: MockUpstream, tmp_path: Path) -> None:
    # The mock's timer holds the first answer far beyond API_TIMEOUT_MS; the router gives up on it.
    # The limit also bounds the second try, which must not run out on a loaded machine: 2 s.
    upstream.enqueue(
        MockResponse.sse(openai_text_chunks("late"), first_byte_delay=60.0),
        MockResponse.json(openai_completion("second try")),
    )
    cfg = base_config(upstream, retry=FAST_RETRY, API_TIMEOUT_MS=2000)
    with run_router(cfg, tmp_path) as url, sdk(url) as client:
        msg = client.messages.create(model="m", max_tokens=5, messages=USER)
    assert msg.content[0].text == "second try"  # type: ignore[union-attr]
    assert len(upstream.requests) == 2


def test_pings_keep_a_silent_stream_alive(
    upstream: MockUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ccr.server.streaming as streaming

    monkeypatch.setattr(streaming, "PING_INTERVAL", 0.05)
    upstream.enqueue(MockResponse.sse(openai_text_chunks("slow but fine", pieces=3), gap=0.4))
    with run_router(base_config(upstream), tmp_path) as url:
        status, data = post_raw(
            url, json.dumps({"model": "m", "max_tokens": 5, "stream": True, "messages": USER}).encode()
        )
    assert status == 200
    assert b"event: ping" in data
    assert data.index(b"event: ping") < data.index(b"message_stop")
    assert b"event: error" not in data


def test_pings_do_not_hide_a_stalled_stream(
    upstream: MockUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ccr.server.streaming as streaming

    monkeypatch.setattr(streaming, "PING_INTERVAL", 0.05)  # many pings inside one idle limit
    upstream.enqueue(MockResponse.stall())
    cfg = base_config(upstream, STREAM_IDLE_TIMEOUT_MS=600, retry={"attempts": 0})
    with run_router(cfg, tmp_path) as url:
        status, data = post_raw(
            url, json.dumps({"model": "m", "max_tokens": 5, "stream": True, "messages": USER}).encode()
        )
    assert status == 200
    assert data.count(b"event: ping") >= 3
    assert b"event: error" in data and b"overloaded_error" in data and b"stalled" in data


def test_body_over_the_cap_is_413(upstream: MockUpstream, tmp_path: Path) -> None:
    body = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x" * 5000}]})
    with run_router(base_config(upstream, MAX_BODY_BYTES=2000), tmp_path) as url:
        status, data = post_raw(url, body.encode())
        small_status, _ = post_raw(url, json.dumps({"model": "m", "max_tokens": 5, "messages": USER}).encode())
    assert status == 413
    err = json.loads(data)
    assert err["type"] == "error" and err["error"]["type"] == "request_too_large"
    assert "MAX_BODY_BYTES" in err["error"]["message"]
    assert small_status == 200
    assert len(upstream.requests) == 1  # only the small one


CRASHING_PLUGIN = """
class Crash:
    name = "crash"

    def __init__(self, options):
        self.where = options.get("where")

    def request(self, body, ctx):
        if self.where == "request":
            raise ValueError("kaput in request")
        return body

    def response(self, body, ctx):
        if self.where == "response":
            raise KeyError("kaput in response")
        return body

    def stream_chunk(self, chunk, ctx):
        if self.where == "stream":
            raise RuntimeError("kaput in stream")
        return [chunk]
"""


def _crash_config(up: MockUpstream, tmp_path: Path, where: str) -> dict[str, Any]:
    plugin = tmp_path / "crash_plugin.py"
    plugin.write_text(CRASHING_PLUGIN)
    cfg = base_config(up, transformers=[{"path": str(plugin), "options": {"where": where}}])
    cfg["Providers"][0]["transformer"] = {"use": ["crash"]}
    return cfg


@pytest.mark.parametrize(
    ("where", "stream", "fragment"),
    [
        pytest.param("request", False, "ValueError: kaput in request", id="request-hook"),
        pytest.param("response", False, "KeyError: 'kaput in response'", id="response-hook"),
        pytest.param("stream", True, "RuntimeError: kaput in stream", id="stream-hook"),
    ],
)
def test_plugin_crash_fails_that_request_naming_the_plugin(
    upstream: MockUpstream, tmp_path: Path, where: str, stream: bool, fragment: str
) -> None:
    upstream.default = MockResponse.text_or_stream("fine")
    body = json.dumps({"model": "m", "max_tokens": 5, "stream": stream, "messages": USER}).encode()
    with run_router(_crash_config(upstream, tmp_path, where), tmp_path) as url:
        status, data = post_raw(url, body)
        health = urllib.request.urlopen(url + "/health", timeout=10).status  # the server lives on
    text = data.decode()
    if stream:
        assert status == 200 and "event: error" in text  # mid-stream: an Anthropic error event
    else:
        assert status == 500 and json.loads(text)["type"] == "error"
    assert "plugin transformer 'crash'" in text and "crash_plugin.py" in text
    assert fragment in text and "mock,mock-model" in text
    assert health == 200


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"model": "http://127.0.0.1:{port}/v1/chat/completions,x"}, id="url-as-provider"),
        pytest.param({"model": "evil,x", "api_base_url": "http://127.0.0.1:{port}/v1"}, id="api_base_url-field"),
        pytest.param({"baseURL": "http://127.0.0.1:{port}/v1", "provider": "evil"}, id="baseURL-field"),
    ],
)
def test_clients_cannot_choose_the_upstream(upstream: MockUpstream, tmp_path: Path, extra: dict[str, str]) -> None:
    with MockUpstream() as canary:
        port = canary.url.rsplit(":", 1)[1]
        body: dict[str, Any] = {"model": "m", "max_tokens": 5, "messages": USER}
        body.update({k: v.format(port=port) for k, v in extra.items()})
        upstream.default = MockResponse.json(openai_completion("from the configured provider"))
        with run_router(base_config(upstream), tmp_path) as url:
            status, _ = post_raw(url, json.dumps(body).encode())
        assert canary.requests == []
    assert status in (200, 400)
    assert all(r.path == "/v1/chat/completions" for r in upstream.requests)


def test_without_apikey_only_loopback_is_served(tmp_path: Path) -> None:
    port = free_port()
    path = write_config({"HOST": "0.0.0.0", "PORT": port, "LOG": False}, tmp_path)
    output = tmp_path / "ccr.out"
    proc = spawn_ccr_start(["--config", str(path)], output)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, output)
        listening = {
            c.laddr.ip
            for c in psutil.Process(proc.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        }
    finally:
        proc.terminate()
        proc.wait(20)
    assert listening == {"127.0.0.1"}
    text = output.read_text()
    assert "HOST 0.0.0.0 ignored" in text and "APIKEY" in text
