"""SIGTERM lets a stream in flight finish, then the process exits 0."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

import anthropic

from ccr.testing import MockResponse, MockUpstream, openai_text_chunks, write_config
from ccr.testing.router import ccr_executable, free_port, wait_healthy
from tests.server.conftest import APIKEY, base_config


def test_sigterm_drains_in_flight_stream(upstream: MockUpstream, tmp_path: Path) -> None:
    port = free_port()
    path = write_config({**base_config(upstream), "PORT": port}, tmp_path)
    # ~2 s of streaming: long enough to send SIGTERM in the middle, short against the grace period.
    upstream.enqueue(MockResponse.sse(openai_text_chunks("a b c d e f g h i j", pieces=10), gap=0.2))
    out = (tmp_path / "ccr.out").open("wb")
    proc = subprocess.Popen(
        [str(ccr_executable()), "start", "--config", str(path)], stdout=out, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, tmp_path / "ccr.out", 20)
        got_first = threading.Event()
        client = anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0)
        with client, client.messages.stream(model="m", max_tokens=50, messages=[{"role": "user", "content": "x"}]) as s:
            pieces = []
            for text in s.text_stream:
                pieces.append(text)
                if not got_first.is_set():
                    got_first.set()
                    proc.send_signal(signal.SIGTERM)
            final = s.get_final_message()
        assert "".join(pieces) == "a b c d e f g h i j"
        assert final.stop_reason == "end_turn"
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()


def test_sigterm_ends_ui_event_streams_at_once(upstream: MockUpstream, tmp_path: Path) -> None:
    """A browser tab's live log never hangs up: shutdown must not wait its grace period for it."""
    import http.client
    import time

    port = free_port()
    path = write_config({**base_config(upstream), "PORT": port, "SHUTDOWN_GRACE_MS": 20000}, tmp_path)
    out = (tmp_path / "ccr.out").open("wb")
    proc = subprocess.Popen(
        [str(ccr_executable()), "start", "--config", str(path)], stdout=out, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, tmp_path / "ccr.out", 20)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/events", headers={"x-api-key": APIKEY})
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("content-type", "").startswith("text/event-stream")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert time.monotonic() - started < 10  # well under the 20 s grace period
        conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()
