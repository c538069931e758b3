"""Who may call the management API: APIKEY, Host (DNS rebinding), Origin, action header."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ccr.server.middleware.host import allowed_host, host_name, same_origin
from ccr.testing import MockUpstream, run_router
from tests.server.api_kit import APIKEY, AUTH, UPSTREAM_KEY, WRITE, call, get_config, raw_call, ui_config


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    with run_router(ui_config(upstream), tmp_path) as url:
        yield url


@pytest.fixture
def open_router(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    """No APIKEY: only Host/Origin checks stand between a web page and the router."""
    cfg = ui_config(upstream)
    del cfg["APIKEY"]
    with run_router(cfg, tmp_path) as url:
        yield url


def request(
    url: str, path: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, bytes]:
    """Raw request with full control over Host (urllib always sets its own)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        all_headers = {"host": parts.netloc, **(headers or {})}
        if body is not None:
            all_headers["content-length"] = str(len(body))
        for k, v in all_headers.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/api/status", "/api/config", "/api/transformers", "/api/requests", "/api/usage"])
def test_api_needs_the_key(router: str, path: str) -> None:
    assert call(router + path)[0] == 401
    assert call(router + path, headers={"x-api-key": "wrong"})[0] == 401
    assert call(router + path, headers=AUTH)[0] == 200


@pytest.mark.parametrize("path", ["/ui/", "/ui/js/main.js", "/ui/app.css", "/ui/js/templates.js"])
def test_ui_files_are_public_and_hold_no_data(router: str, path: str) -> None:
    status, body = raw_call(router + path)
    assert status == 200
    assert UPSTREAM_KEY.encode() not in body and APIKEY.encode() not in body


def test_ui_headers(router: str) -> None:
    assert request(router, "/ui/")[0] == 200
    parts = urlsplit(router)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.request("GET", "/ui/js/main.js")
    resp = conn.getresponse()
    resp.read()
    etag = resp.getheader("etag")
    assert resp.getheader("content-type") == "text/javascript; charset=utf-8"
    assert "script-src 'self'" in (resp.getheader("content-security-policy") or "")
    assert resp.getheader("cache-control") == "no-cache" and etag
    conn.request("GET", "/ui/js/main.js", headers={"if-none-match": etag})
    again = conn.getresponse()
    again.read()
    conn.close()
    assert again.status == 304


def test_ui_redirects_and_404(router: str) -> None:
    assert request(router, "/ui")[0] == 302
    assert request(router, "/ui/../../etc/passwd")[0] == 404


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param("evil.example:3456", 403, id="rebinding-name"),
        pytest.param("127.0.0.1.nip.io", 403, id="rebinding-lookalike"),
        pytest.param("localhost:1234", 200, id="localhost"),
        pytest.param("127.0.0.1", 200, id="loopback-ip"),
        pytest.param("[::1]:80", 200, id="loopback-v6"),
    ],
)
def test_host_must_be_ours(router: str, host: str, status: int) -> None:
    got, body = request(router, "/api/status", headers={"host": host, **AUTH})
    assert got == status, body
    if status == 403:
        assert json.loads(body)["error"]["type"] == "permission_error"
        assert request(router, "/ui/", headers={"host": host})[0] == 403


def test_liveness_stays_open_for_any_host(router: str) -> None:
    assert request(router, "/health", headers={"host": "container-name:3456"})[0] == 200


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        pytest.param("http://evil.example", 403, id="foreign"),
        pytest.param("null", 403, id="null"),
        pytest.param("http://localhost:9999", 403, id="other-local-port"),
        pytest.param("SAME", 200, id="same-origin"),
    ],
)
def test_origin_must_match(router: str, origin: str, status: int) -> None:
    netloc = urlsplit(router).netloc
    value = f"http://{netloc}" if origin == "SAME" else origin
    assert request(router, "/api/config", headers={"origin": value, **AUTH})[0] == status


def test_cross_site_fetch_metadata_refused(router: str) -> None:
    assert request(router, "/api/config", headers={"sec-fetch-site": "cross-site", **AUTH})[0] == 403
    assert request(router, "/api/config", headers={"sec-fetch-site": "same-origin", **AUTH})[0] == 200


def test_state_change_needs_action_header_and_origin(router: str, tmp_path: Path) -> None:
    before = (tmp_path / "config.json").read_bytes()
    doc = get_config(router)["config"]
    doc["Router"]["think"] = "alpha,a-model"
    body = json.dumps({"config": doc}).encode()
    json_type = {"content-type": "application/json"}
    status, answer = request(router, "/api/config", "PUT", {**AUTH, **json_type}, body)
    assert status == 400 and b"x-ccr-action" in answer
    evil = {**WRITE, **json_type, "origin": "http://evil.example"}
    assert request(router, "/api/config", "PUT", evil, body)[0] == 403
    assert (tmp_path / "config.json").read_bytes() == before
    same = {**WRITE, **json_type, "origin": f"http://{urlsplit(router).netloc}"}
    assert request(router, "/api/config", "PUT", same, body)[0] == 200


def test_without_apikey_every_route_checks_host_and_origin(open_router: str) -> None:
    msg = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}).encode()
    text_plain = {"content-type": "text/plain"}  # a "simple" cross-site POST needs no preflight
    foreign = {**text_plain, "origin": "http://evil.example"}
    assert request(open_router, "/v1/messages", "POST", foreign, msg)[0] == 403
    rebound = {**text_plain, "host": "evil.example"}
    assert request(open_router, "/v1/messages", "POST", rebound, msg)[0] == 403
    assert request(open_router, "/v1/messages", "POST", text_plain, msg)[0] == 200


def test_with_apikey_messages_accept_any_host(router: str) -> None:
    # A team gateway is reached by names we cannot list; the key protects it.
    msg = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}).encode()
    headers = {"content-type": "application/json", "host": "gateway.team.lan:3456", **AUTH}
    assert request(router, "/v1/messages", "POST", headers, msg)[0] == 200


def test_no_secret_in_any_api_answer(router: str) -> None:
    assert call(router + "/api/providers/test", "POST", {"provider": "alpha"}, WRITE)[0] == 200
    for path in ["/api/status", "/api/config", "/api/transformers", "/api/requests", "/api/usage"]:
        status, body = raw_call(router + path, AUTH)
        assert status == 200
        assert UPSTREAM_KEY.encode() not in body and APIKEY.encode() not in body, path


@pytest.mark.parametrize(
    ("header", "name"),
    [
        pytest.param("LocalHost:3456", "localhost", id="case"),
        pytest.param("[::1]:3456", "::1", id="v6-port"),
        pytest.param("example.com.", "example.com", id="trailing-dot"),
        pytest.param("10.0.0.2", "10.0.0.2", id="no-port"),
    ],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize(
    ("host", "bound", "ok"),
    [
        pytest.param("localhost:3456", "127.0.0.1", True, id="localhost"),
        pytest.param("127.0.0.2:3456", "127.0.0.1", True, id="other-loopback"),
        pytest.param("attacker.example", "127.0.0.1", False, id="rebinding"),
        pytest.param("192.168.1.5:3456", "192.168.1.5", True, id="bound-ip"),
        pytest.param("192.168.1.6:3456", "192.168.1.5", False, id="other-ip"),
        pytest.param("192.168.1.6:3456", "0.0.0.0", True, id="wildcard-ip-literal"),
        pytest.param("attacker.example", "0.0.0.0", False, id="wildcard-name"),
        pytest.param("[fe80::1]:3456", "::", True, id="wildcard-v6"),
    ],
)
def test_allowed_host(host: str, bound: str, ok: bool) -> None:
    assert allowed_host(host, bound) is ok


def test_allowed_hosts_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCR_ALLOWED_HOSTS", "gpu-box.lan, other.lan")
    assert allowed_host("GPU-BOX.lan:3456", "0.0.0.0")
    assert not allowed_host("third.lan", "0.0.0.0")


@pytest.mark.parametrize(
    ("origin", "host", "ok"),
    [
        pytest.param("http://localhost:3456", "localhost:3456", True, id="same"),
        pytest.param("https://LOCALHOST:3456/", "localhost:3456", True, id="case-slash"),
        pytest.param("http://localhost:3457", "localhost:3456", False, id="port"),
        pytest.param("null", "localhost:3456", False, id="null"),
        pytest.param("file://", "", False, id="file"),
    ],
)
def test_same_origin(origin: str, host: str, ok: bool) -> None:
    assert same_origin(origin, host) is ok
