"""The mock upstream answers what was scripted, over real loopback sockets."""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import orjson
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    RecordedRequest,
    collect_sse,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
    parse_sse,
)
from ccr.testing.mock_upstream import DEFAULT_TEXT


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    async with session.post(url, json=body, headers={"Authorization": "Bearer sk-test"}) as resp:
        return resp.status, await resp.read()


async def test_records_request_and_serves_queue_then_default() -> None:
    async with MockUpstream() as up, aiohttp.ClientSession() as s:
        up.enqueue(MockResponse.json(openai_completion("first")), MockResponse.error(429, "slow down"))
        first = await _post(s, up.chat_url + "?x=1", {"model": "m", "messages": []})
        second = await _post(s, up.chat_url, {"model": "m"})
        third = await _post(s, up.chat_url, {"model": "m"})
    assert first[0] == 200 and orjson.loads(first[1])["choices"][0]["message"]["content"] == "first"
    assert second[0] == 429 and orjson.loads(second[1])["error"] == {
        "message": "slow down", "type": "api_error", "param": None, "code": None,
    }  # fmt: skip
    assert orjson.loads(third[1])["choices"][0]["message"]["content"] == DEFAULT_TEXT
    req = up.requests[0]
    assert (req.method, req.path, req.query) == ("POST", "/v1/chat/completions", {"x": "1"})
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.json == {"model": "m", "messages": []} and orjson.loads(req.body) == req.json
    assert len(up.requests) == 3


async def test_default_streams_when_request_asks_stream() -> None:
    async with (
        MockUpstream() as up,
        aiohttp.ClientSession() as s,
        s.post(up.chat_url, json={"stream": True}) as resp,
    ):
        ctype, data = resp.headers["Content-Type"], await resp.read()
    events = collect_sse(data)
    assert ctype == "text/event-stream"
    assert parse_sse(data)[-1].data == "[DONE]"
    text = "".join(e[1]["choices"][0]["delta"].get("content") or "" for e in events if e[1]["choices"])
    assert text == DEFAULT_TEXT


async def test_callable_chooses_answer_from_request() -> None:
    def answer(req: RecordedRequest) -> MockResponse:
        return MockResponse.json({"echo": req.json["n"]})

    async with MockUpstream(default=answer) as up, aiohttp.ClientSession() as s:
        results = [await _post(s, up.chat_url, {"n": n}) for n in (1, 2)]
    assert [orjson.loads(body)["echo"] for _, body in results] == [1, 2]


async def test_html_error_page() -> None:
    async with (
        MockUpstream(MockResponse.html(502, "<h1>Bad gateway</h1>")) as up,
        aiohttp.ClientSession() as s,
        s.post(up.chat_url, json={}) as resp,
    ):
        assert (resp.status, resp.content_type, await resp.text()) == (
            502,
            "text/html",
            "<h1>Bad gateway</h1>",
        )


@pytest.mark.parametrize(
    "split",
    [pytest.param("event", id="event"), pytest.param("random", id="random"), pytest.param(3, id="3-bytes")],
)
async def test_sse_body_reassembles_exactly(split: str | int) -> None:
    events = openai_tool_call_chunks([("call_1", "Bash", '{"command": "echo hi > f.txt"}')], fragment_size=5)
    expected = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events) + b"data: [DONE]\n\n"
    async with (
        MockUpstream(MockResponse.sse(events, split=split, seed=7)) as up,
        aiohttp.ClientSession() as s,
    ):
        status, data = await _post(s, up.chat_url, {"stream": True})
    assert status == 200 and data == expected


async def test_raw_string_events_are_written_verbatim() -> None:
    events: list[dict[str, Any] | str] = [": keep-alive\n\n", "data: {not json\n\n"]
    async with MockUpstream(MockResponse.sse(events, done=False)) as up, aiohttp.ClientSession() as s:
        _, data = await _post(s, up.chat_url, {})
    assert data == b": keep-alive\n\ndata: {not json\n\n"


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(MockResponse.reset(), id="reset"),
        pytest.param(MockResponse.reset_after_headers(), id="reset-after-headers"),
        pytest.param(MockResponse.sse(openai_text_chunks("abcdef"), reset_after_events=2), id="reset-mid-stream"),
    ],
)
async def test_resets_are_connection_errors(fault: MockResponse) -> None:
    async with MockUpstream(fault) as up, aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientError):
            await _post(s, up.chat_url, {"stream": True})
    assert len(up.requests) == 1 and not up.requests[0].disconnected


async def test_reset_mid_stream_delivers_only_the_first_events() -> None:
    events = openai_text_chunks("abcdef", pieces=3)
    got = bytearray()
    async with (
        MockUpstream(MockResponse.sse(events, reset_after_events=2)) as up,
        aiohttp.ClientSession() as s,
        s.post(up.chat_url, json={"stream": True}) as resp,
    ):
        with pytest.raises(aiohttp.ClientPayloadError):
            async for piece in resp.content.iter_any():
                got += piece
    assert [e for _, e in collect_sse(bytes(got))] == events[:2]


async def test_stall_sends_headers_then_nothing_and_sees_the_client_leave() -> None:
    async with MockUpstream(MockResponse.stall()) as up, aiohttp.ClientSession() as s:
        async with s.post(up.chat_url, json={"stream": True}) as resp:
            assert resp.status == 200
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await resp.content.read(1)
        gone = await up.wait_for_disconnect(0)
    assert gone.disconnected


async def test_client_leaving_mid_stream_is_recorded_without_errors(caplog: pytest.LogCaptureFixture) -> None:
    long_stream = MockResponse.sse(openai_text_chunks("x" * 400, pieces=200), gap=0.01)
    async with MockUpstream(long_stream) as up, aiohttp.ClientSession() as s:
        async with s.post(up.chat_url, json={"stream": True}) as resp:
            assert await resp.content.readany()
            resp.close()
        gone = await up.wait_for_disconnect(0)
    assert gone.disconnected
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_first_byte_delay_is_applied_by_the_mock() -> None:
    slow = MockResponse.sse(openai_text_chunks("x"), first_byte_delay=5.0)
    async with MockUpstream(slow) as up, aiohttp.ClientSession() as s:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await _post(s, up.chat_url, {"stream": True})


def test_thread_mode_serves_sync_clients() -> None:
    with MockUpstream() as up:
        up.enqueue(MockResponse.error(500, "boom"))
        req = urllib.request.Request(up.chat_url, data=b'{"stream": false}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 500
        err.value.close()
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert orjson.loads(resp.read())["choices"][0]["message"]["content"] == DEFAULT_TEXT
        assert len(up.wait_for_requests(2, timeout=5)) == 2
