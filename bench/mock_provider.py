#!/usr/bin/env python3
"""A fast OpenAI-compatible mock provider for the benchmark (raw asyncio protocol + httptools).

POST (any path): with `"stream": true` in the body it sends a role chunk, 100 content deltas
(" tok0" … " tok99"), a final chunk with `finish_reason` and usage, then `data: [DONE]`, each
event its own HTTP chunk; otherwise one `chat.completion` of 50 tokens. `prompt_tokens` is the
body size / 4. Nothing sleeps unless `POST /__mock/config {"chunk_delay_ms": N}` paces the
stream events; `{"stamp": true}` makes each delta's text the send time (`time.monotonic_ns()`),
which `bench/latency.py` reads back through the router.

Usage: python bench/mock_provider.py --port 18300   (prints "ready <port>" once listening)
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httptools
import orjson

DELTAS = 100
WORDS = 50


class Settings:
    chunk_delay_ms = 0.0
    stamp = False


def completion(prompt_tokens: int) -> bytes:
    text = "Mock answer:" + "".join(f" tok{i}" for i in range(WORDS))
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": WORDS, "total_tokens": prompt_tokens + WORDS}
    return orjson.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "mock-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage,
        }
    )


def _event(delta: dict[str, object], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    chunk: dict[str, object] = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "mock-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["usage"] = usage
    data = b"data: " + orjson.dumps(chunk) + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


DONE = b"data: [DONE]\n\n"
DONE_CHUNK = b"%x\r\n%s\r\n0\r\n\r\n" % (len(DONE), DONE)
ROLE = _event({"role": "assistant", "content": ""})
PLAIN_DELTAS = [_event({"content": f" tok{i}"}) for i in range(DELTAS)]
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def stream_events(prompt_tokens: int) -> list[bytes]:
    deltas = [_event({"content": f" t{time.monotonic_ns()}"}) for _ in range(DELTAS)] if Settings.stamp else []
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": DELTAS, "total_tokens": prompt_tokens + DELTAS}
    return [ROLE, *(deltas or PLAIN_DELTAS), _event({}, "stop", usage), DONE_CHUNK]


class MockProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self.body)
        url, self.url, self.body = self.url, b"", []
        assert self.transport is not None
        if url.startswith(b"/__mock/config"):
            config = orjson.loads(body or b"{}")
            Settings.chunk_delay_ms = float(config.get("chunk_delay_ms", Settings.chunk_delay_ms))
            Settings.stamp = bool(config.get("stamp", Settings.stamp))
            self._json(b'{"ok":true}')
            return
        prompt_tokens = len(body) // 4
        if b'"stream":true' in body or b'"stream": true' in body:
            events = stream_events(prompt_tokens)
            if Settings.chunk_delay_ms > 0:
                self.transport.write(SSE_HEAD)
                task = asyncio.ensure_future(self._paced(events))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            else:
                self.transport.write(SSE_HEAD + b"".join(events))
            return
        self._json(completion(prompt_tokens))

    def _json(self, data: bytes) -> None:
        assert self.transport is not None
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(data)
        self.transport.write(head + data)

    async def _paced(self, events: list[bytes]) -> None:
        delay = Settings.chunk_delay_ms / 1000
        for event in events:
            await asyncio.sleep(delay)
            if self.transport is None or self.transport.is_closing():
                return
            if Settings.stamp and event is not DONE_CHUNK and b'"content":" t' in event:
                event = _event({"content": f" t{time.monotonic_ns()}"})  # stamped when it leaves
            self.transport.write(event)


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(MockProtocol, "127.0.0.1", port, backlog=4096)
    print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port))
    except KeyboardInterrupt:
        pass
