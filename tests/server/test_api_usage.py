"""Requests ring buffer, usage aggregates, daily history, live events, provider test, transformers."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ccr.testing import MockResponse, MockUpstream, parse_sse, run_router
from tests.server.api_kit import AUTH, UPSTREAM_KEY, WRITE, call, message, ui_config


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    with run_router(ui_config(upstream), tmp_path) as url:
        yield url


def test_recent_requests_carry_the_record(router: str) -> None:
    assert message(router)[0] == 200
    status, data = call(router + "/api/requests", headers=AUTH)
    assert status == 200
    (rec,) = data["requests"]
    assert (rec["provider"], rec["model"], rec["scenario"], rec["status"]) == ("alpha", "a-model", "default", 200)
    assert (rec["input_tokens"], rec["output_tokens"]) == (10, 5)
    assert rec["latency_ms"] > 0 and rec["ttfb_ms"] is not None and rec["error"] is None


def test_upstream_error_is_recorded_without_the_key(router: str, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.error(401, f"Incorrect API key provided: {UPSTREAM_KEY}"))
    assert message(router)[0] == 401
    body = call(router + "/api/requests", headers=AUTH)[1]
    (rec,) = body["requests"]
    assert rec["status"] == 401 and "Incorrect API key" in rec["error"]
    assert UPSTREAM_KEY not in json.dumps(body)


def test_usage_aggregates_per_model(router: str, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.error(400, "bad request"))  # not retried
    for _ in range(4):
        message(router)
    status, data = call(router + "/api/usage?minutes=5", headers=AUTH)
    assert status == 200
    (row,) = data["since_start"]
    assert row["target"] == "alpha,a-model"
    assert (row["requests"], row["errors"], row["input_tokens"], row["output_tokens"]) == (4, 1, 30, 15)
    assert 0 < row["latency_p50_ms"] <= row["latency_p95_ms"]
    # the four requests may straddle a minute's end: two buckets then
    assert 1 <= len(data["timeline"]) <= 2
    assert sum(minute["models"]["alpha,a-model"]["requests"] for minute in data["timeline"]) == 4
    assert data["history_days"] == 0 and data["days"] == []


def test_daily_history_persists_across_restarts(upstream: MockUpstream, tmp_path: Path) -> None:
    cfg = ui_config(upstream, USAGE_HISTORY_DAYS=7)
    with run_router(cfg, tmp_path) as url:
        message(url)
        message(url)
    stored = json.loads((tmp_path / "usage.json").read_text())
    (day,) = stored["days"].values()
    assert day["alpha,a-model"]["requests"] == 2
    assert UPSTREAM_KEY not in (tmp_path / "usage.json").read_text()
    with run_router(cfg, tmp_path) as url:
        message(url)
        data = call(url + "/api/usage", headers=AUTH)[1]
    (day_row,) = data["days"]
    (model,) = day_row["models"]
    assert model["requests"] == 3  # two from the file, one not yet written
    assert data["since_start"][0]["requests"] == 1


def test_live_events_stream_each_request(router: str) -> None:
    parts = urlsplit(router)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=20)
    try:
        conn.request("GET", "/api/events", headers=AUTH)
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("content-type", "").startswith("text/event-stream")
        head = b""
        while not head.endswith(b"\n\n"):
            head += resp.readline()  # the hello event: we are subscribed from here on
        assert parse_sse(head)[0].event == "hello"
        assert message(router)[0] == 200
        block = b""
        while not block.endswith(b"\n\n") or b"event: request" not in block:
            block += resp.readline()
    finally:
        conn.close()
    event = parse_sse(block)[-1]
    rec = json.loads(event.data)
    assert (rec["provider"], rec["model"], rec["output_tokens"]) == ("alpha", "a-model", 5)


def test_event_stream_needs_the_key(router: str) -> None:
    assert call(router + "/api/events")[0] == 401


def test_provider_test_reports_latency_and_reply(router: str, upstream: MockUpstream) -> None:
    status, result = call(router + "/api/providers/test", "POST", {"provider": "ALPHA"}, WRITE)
    assert status == 200
    assert result["ok"] is True and result["target"] == "alpha,a-model"
    assert result["reply"] == "Hello from the mock upstream." and result["latency_ms"] > 0
    sent = upstream.requests[-1].json
    assert sent["model"] == "a-model" and sent["max_tokens"] == 32
    rec = call(router + "/api/requests", headers=AUTH)[1]["requests"][-1]
    assert rec["scenario"] == "test"


def test_provider_test_shows_the_provider_error(router: str, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.error(401, f"bad key {UPSTREAM_KEY}"))
    status, result = call(router + "/api/providers/test", "POST", {"provider": "alpha"}, WRITE)
    assert status == 200
    assert result["ok"] is False and result["status"] == 401
    assert "bad key" in result["error"] and UPSTREAM_KEY not in result["error"]


def test_provider_test_on_unsaved_draft(router: str, tmp_path: Path) -> None:
    with MockUpstream(MockResponse.text_or_stream("draft says hi")) as draft_up:
        doc = call(router + "/api/config", headers=AUTH)[1]["config"]
        doc["Providers"].append({"name": "new", "api_base_url": draft_up.chat_url, "api_key": "sk-n", "models": ["n1"]})
        body = {"provider": "new", "model": "n1", "config": doc}
        status, result = call(router + "/api/providers/test", "POST", body, WRITE)
        assert status == 200 and result["ok"] is True and result["reply"] == "draft says hi"
    assert "new" not in (tmp_path / "config.json").read_text()  # testing never saves


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"provider": "nobody"}, "no provider named 'nobody'", id="unknown"),
        pytest.param({}, "send {", id="missing"),
    ],
)
def test_provider_test_bad_question(router: str, body: dict[str, str], fragment: str) -> None:
    status, result = call(router + "/api/providers/test", "POST", body, WRITE)
    assert status == 400 and fragment in result["error"]["message"]


def test_transformers_list_has_options(router: str) -> None:
    status, data = call(router + "/api/transformers", headers=AUTH)
    assert status == 200
    by_name = {t["name"]: t for t in data["transformers"]}
    assert by_name["openai"]["endpoint"] is True and by_name["openai"]["description"]
    with_options = [t for t in data["transformers"] if t["options"]]
    assert all(isinstance(v, str) for t in with_options for v in t["options"].values())


async def test_event_streams_end_when_shutdown_starts(tmp_path: Path) -> None:
    from ccr.config.load import config_from_raw
    from ccr.server.routes.api_usage import EventStream
    from ccr.server.state import AppState

    state = AppState.create(config_from_raw({}, tmp_path / "config.json"))
    sent: list[dict[str, object]] = []
    hello = asyncio.Event()
    never = asyncio.Event()

    async def receive() -> dict[str, object]:
        await never.wait()  # the browser tab stays open
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)
        hello.set()

    stream = asyncio.ensure_future(EventStream(state)({"type": "http"}, receive, send))
    await hello.wait()
    assert len(state.stats.stream_enders) == 1
    state.stats.end_streams()
    await asyncio.wait_for(stream, 5)
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert state.stats.stream_enders == [] and state.stats.listeners == []
    await state.transport.close()
