"""Helpers for the management API tests: HTTP calls with the UI's headers, configs, a gated
mock answer (held until the test releases it)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from typing import Any

import orjson
from aiohttp import web

from ccr.testing import MockResponse, MockUpstream, openai_text_chunks
from ccr.testing.responses import Responder, ServeContext

APIKEY = "sk-router-ui-test-0001"
UPSTREAM_KEY = "sk-upstream-secret-7777"
AUTH = {"x-api-key": APIKEY}
WRITE = {**AUTH, "x-ccr-action": "1"}


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(status, parsed JSON or raw bytes) — never raises on HTTP errors."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def raw_call(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def ui_config(up: MockUpstream, **extra: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "APIKEY": APIKEY,
        "LOG": False,
        "Providers": [
            {"name": "alpha", "api_base_url": up.chat_url, "api_key": UPSTREAM_KEY, "models": ["a-model"]},
        ],
        "Router": {"default": "alpha,a-model"},
    }
    cfg.update(extra)
    return cfg


def message(url: str, model: str = "claude-3-5-haiku", stream: bool = False) -> tuple[int, Any]:
    body = {
        "model": model,
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    }
    return call(url + "/v1/messages", "POST", body, AUTH)


def get_config(url: str) -> dict[str, Any]:
    status, data = call(url + "/api/config", headers=AUTH)
    assert status == 200, data
    assert isinstance(data, dict)
    return data


def gated_stream(gate: threading.Event, text: str) -> MockResponse:
    """An SSE answer that sends its first chunk, then waits for `gate` before the rest."""
    events = openai_text_chunks(text)

    async def serve(ctx: ServeContext) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(ctx.request)
        await resp.write(b"data: " + orjson.dumps(events[0]) + b"\n\n")
        await asyncio.to_thread(gate.wait, 30)
        for event in events[1:]:
            await resp.write(b"data: " + orjson.dumps(event) + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    return MockResponse(serve, "gated")


def models_listing(*ids: str) -> MockResponse:
    """An OpenAI-shaped `GET /v1/models` answer."""
    return MockResponse.json({"object": "list", "data": [{"id": i, "object": "model"} for i in ids]})


def by_path(answers: dict[str, MockResponse], other: MockResponse | None = None) -> Responder:
    """A MockUpstream responder choosing the answer by request path (`other` for the rest, else
    a chat completion), so one mock serves both the models list and the chat endpoint."""
    rest = other or MockResponse.text_or_stream("Hello from the mock upstream.")
    return lambda recorded: answers.get(recorded.path, rest)
