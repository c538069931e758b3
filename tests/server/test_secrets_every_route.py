"""A secrets hunt over every route of a real `ccr start` process at debug level.

Every (path, method) of the app's route table is called — the test fails when a route is added
without being called here — plus failing requests (an upstream that echoes its key, a wrong
client key, an unknown model). Then every answer body and header, the process's own output and
every file it wrote beside the config are searched for the provider keys and the APIKEY.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

from starlette.routing import Route

from ccr.config.load import load_config
from ccr.server.app import create_app
from ccr.testing import MockResponse, MockUpstream, run_router_process, write_config

APIKEY = "sk-test-router-apikey-0001"
KEYS = ["sk-test-provider-key-0002", "sk-test-provider-key-0003"]
READ = {"x-api-key": APIKEY}
WRITE = {**READ, "x-ccr-action": "1", "content-type": "application/json"}
MESSAGE = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}

SNAPSHOT = object()
"""Stands for the answer of the last GET /api/config, sent back as a save."""
SNAPSHOT_TEXT = object()
"""Stands for the file's text and settings of the last GET /api/config, sent to be rendered."""
# (method, path, headers, body): at least one call per route of the app.
CALLS: list[tuple[str, str, dict[str, str], Any]] = [
    ("GET", "/", {}, None),
    ("HEAD", "/", {}, None),
    ("GET", "/health", {}, None),
    ("HEAD", "/health", {}, None),
    ("GET", "/api/hello", {}, None),
    ("HEAD", "/api/hello", {}, None),
    ("GET", "/v1/models", READ, None),
    ("POST", "/v1/messages/count_tokens", READ, MESSAGE),
    ("POST", "/v1/messages", READ, MESSAGE),  # the upstream echoes the key in a 401
    ("POST", "/v1/messages", READ, MESSAGE),
    ("POST", "/v1/messages", READ, {**MESSAGE, "stream": True}),
    ("POST", "/v1/messages", READ, {**MESSAGE, "model": "nope,x"}),
    ("POST", "/v1/messages", {"x-api-key": "wrong"}, MESSAGE),
    ("GET", "/api/status", READ, None),
    ("POST", "/api/reload", WRITE, {}),
    ("GET", "/api/config", READ, None),
    ("POST", "/api/config/validate", WRITE, {"config": {"Providers": [], "Router": {}}}),
    ("POST", "/api/config/render", WRITE, SNAPSHOT_TEXT),
    ("GET", "/api/config/backups", READ, None),
    ("POST", "/api/config/restore", WRITE, {"name": "nope.bak"}),
    ("GET", "/api/transformers", READ, None),
    ("POST", "/api/providers/test", WRITE, {"provider": "mock", "model": "mock-model"}),
    ("POST", "/api/providers/models", WRITE, {"provider": "mock"}),
    ("POST", "/api/statusline/preview", WRITE, {}),
    ("GET", "/api/requests", READ, None),
    ("GET", "/api/usage", READ, None),
    ("GET", "/api/events", READ, None),
    ("PUT", "/api/config", WRITE, SNAPSHOT),  # the masked config sent back: secrets restored
    ("GET", "/ui", {}, None),
    ("GET", "/ui/", {}, None),
    ("GET", "/ui/index.html", {}, None),
    ("GET", "/no/such/route", READ, None),
]


def _config(up: MockUpstream) -> dict[str, Any]:
    return {
        "APIKEY": APIKEY,
        "LOG": True,
        "LOG_LEVEL": "debug",
        "retry": {"attempts": 1, "base_delay_ms": 1, "max_delay_ms": 100},
        "Providers": [{"name": "mock", "api_base_url": up.chat_url, "api_keys": KEYS, "models": ["mock-model"]}],
        "Router": {"default": "mock,mock-model"},
    }


def _request(url: str, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, str]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, data, {"content-type": "application/json", **headers})
        resp = conn.getresponse()
        # /api/events never ends: its first event is enough.
        payload = resp.read1(65536) if path == "/api/events" else resp.read()
        return resp.status, f"{resp.getheaders()!r} {payload.decode(errors='replace')}"
    finally:
        conn.close()


def _call_all(url: str) -> list[tuple[int, str]]:
    answers: list[tuple[int, str]] = []
    snapshot: Any = None
    for method, path, headers, body in CALLS:
        if body is SNAPSHOT:
            body = {"config": snapshot["config"], "base_version": snapshot["version"]}
        elif body is SNAPSHOT_TEXT:
            assert isinstance(snapshot["text"], str)
            body = {"text": snapshot["text"], "config": {**snapshot["config"], "LOG_LEVEL": "info"}}
        status, text = _request(url, method, path, headers, body)
        if (method, path) == ("GET", "/api/config"):
            snapshot = json.loads(text[text.index(" {") + 1 :])
        answers.append((status, text))
    return answers


def _route_of(path: str) -> str:
    return "/ui/{path:path}" if path.startswith("/ui/") and path != "/ui/" else path


def _route_table(cfg: dict[str, Any], tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(load_config(write_config(cfg, tmp_path)))
    table = {("POST", "/v1/messages")}  # dispatched before Starlette
    for route in app.starlette.routes:
        if isinstance(route, Route):
            table |= {(m, route.path) for m in route.methods or () if m != "HEAD" or route.path in {"/", "/health"}}
    return table


def test_no_secret_in_any_answer_log_or_file(tmp_path: Path) -> None:
    with MockUpstream() as up:
        # Both keys rejected, each echoed (as OpenAI does): the second echo reaches the client.
        up.enqueue(*(MockResponse.error(401, f"Incorrect API key provided: {key}") for key in KEYS))
        up.default = MockResponse.text_or_stream("fine")
        cfg = _config(up)
        (tmp_path / "table").mkdir()
        called = {(method, _route_of(path)) for method, path, _, _ in CALLS}
        assert _route_table(cfg, tmp_path / "table") - called == set(), "a route is not called by this test"
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        with run_router_process(cfg, run_dir) as url:
            answers = _call_all(url)
        upstream_saw = [r.headers.get("authorization", "") for r in up.requests]
    statuses = [status for status, _ in answers]
    assert statuses[CALLS.index(("PUT", "/api/config", WRITE, SNAPSHOT))] == 200  # the save went through
    assert 500 not in statuses, statuses
    assert any("Incorrect API key" in text for _, text in answers)  # the echo reached the client…
    assert any(KEYS[1] in h for h in upstream_saw)  # …and the keys really were in use
    written = [p for p in run_dir.rglob("*") if p.is_file() and not p.name.startswith("config.json")]
    assert any(p.suffix == ".log" for p in written)
    texts = [text for _, text in answers] + [p.read_text(errors="replace") for p in written]
    leaks = [(i, s) for i, text in enumerate(texts) for s in (APIKEY, *KEYS) if s in text]
    assert leaks == []
