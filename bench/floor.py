#!/usr/bin/env python3
"""The floor: the least a Python gateway can do for workload C, to measure what the machine costs.

A yardstick, not a router: it serves only non-streamed `POST /v1/messages` with text messages,
converts them to Chat Completions for the first provider of the harness's config, and converts
the answer back — uvloop, httptools and orjson on bare asyncio protocols, one provider connection
per client connection, no routing, retries, logging, stats or checks of any kind. What it adds
over calling the provider directly is what two more loopback hops and the least conversion cost on
this machine; what `ccr start` adds beyond that is the router's own work (docs/performance.md,
"The floor").

    OURS_NAME=floor OURS_CMD="$PWD/.venv/bin/python $PWD/bench/floor.py" BENCH_WORK=$PWD/.bench-work \\
        ../shared/bench/run.sh --systems direct,ours --workloads C --rounds 2

It reads the harness's environment: `CCR_CONFIG` (the config file: its first provider's
`api_base_url`, `api_key` and first model) and `OURS_PORT`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httptools
import orjson
import uvloop


class Provider:
    def __init__(self, config: dict[str, Any]) -> None:
        first = config["Providers"][0]
        url = urlsplit(first["api_base_url"])
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.model: str = first["models"][0]
        self.head = (
            f"POST {url.path or '/'} HTTP/1.1\r\nhost: {url.netloc}\r\ncontent-type: application/json\r\n"
            f"authorization: Bearer {first['api_key']}\r\ncontent-length: "
        ).encode()


class Upstream(asyncio.Protocol):
    """One keep-alive connection to the provider; hands each whole answer body to `on_answer`."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.on_answer: Callable[[bytes], None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio subclasses

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        body, self.body = b"".join(self.body), []
        if self.on_answer is not None:
            self.on_answer(body)


class Client(asyncio.Protocol):
    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.parser = httptools.HttpRequestParser(self)
        self.body: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.upstream: Upstream | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        request = orjson.loads(b"".join(self.body))
        self.body = []
        messages = [
            {
                "role": m["role"],
                "content": m["content"]
                if isinstance(m["content"], str)
                else "".join(p.get("text", "") for p in m["content"]),
            }
            for m in request["messages"]
        ]
        out = orjson.dumps({"model": self.provider.model, "messages": messages, "max_tokens": request["max_tokens"]})
        asyncio.get_running_loop().create_task(self.forward(self.provider.head + b"%d\r\n\r\n" % len(out) + out))

    async def forward(self, data: bytes) -> None:
        if self.upstream is None:
            loop = asyncio.get_running_loop()
            _, self.upstream = await loop.create_connection(Upstream, self.provider.host, self.provider.port)
        self.upstream.on_answer = self.answer
        assert self.upstream.transport is not None
        self.upstream.transport.write(data)

    def answer(self, data: bytes) -> None:
        answer = orjson.loads(data)
        usage = answer["usage"]
        body = orjson.dumps(
            {
                "id": answer["id"],
                "type": "message",
                "role": "assistant",
                "model": answer["model"],
                "content": [{"type": "text", "text": answer["choices"][0]["message"]["content"]}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"]},
            }
        )
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
        assert self.transport is not None
        self.transport.write(head + body)


async def serve(provider: Provider) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Client(provider), "127.0.0.1", int(os.environ.get("OURS_PORT", "18241")))
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(Provider(orjson.loads(Path(os.environ["CCR_CONFIG"]).read_bytes()))))
