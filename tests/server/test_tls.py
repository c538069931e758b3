"""A provider behind TLS with a certificate nobody trusts: a clear 502, not a hang or a crash."""

from __future__ import annotations

import socketserver
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from ccr.testing import run_router
from ccr.testing.tls import self_signed_cert
from tests.server.conftest import APIKEY


@pytest.fixture
def tls_port(tmp_path: Path) -> Iterator[int]:
    cert, key = self_signed_cert(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                with ctx.wrap_socket(self.request, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refuses our certificate: that is the point

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_untrusted_certificate_is_a_clear_502(tls_port: int, tmp_path: Path) -> None:
    cfg = {
        "APIKEY": APIKEY, "LOG": False, "retry": {"attempts": 0},
        "Providers": [{"name": "secure", "api_base_url": f"https://127.0.0.1:{tls_port}/v1/chat/completions",
                       "api_key": "sk-test", "models": ["x"]}],
        "Router": {"default": "secure,x"},
    }  # fmt: skip
    with (
        run_router(cfg, tmp_path) as url,
        anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0) as client,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 502
    text = str(info.value)
    assert "secure,x" in text and ("certificate" in text.lower() or "tls" in text.lower())
