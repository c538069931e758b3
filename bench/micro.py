#!/usr/bin/env python3
"""Micro-benchmarks of the pure parts of the request path, on the benchmark's bodies.

Median µs of: parsing the 49 KB Claude Code request, on its own and with the tools and system
blocks of an earlier request kept (`ccr.protocol.parse_memo`); converting it to the provider's bytes
(Anthropic → OpenAI Chat, serialised); one streamed chunk converted back (SSE parse, decode,
Anthropic event bytes; averaged over a 100-delta stream); a non-streamed answer converted; the
routing decision; counting the request's tokens cold (empty cache) and warm (same conversation,
freshly parsed, as the next request of a session is).

Usage: .venv/bin/python bench/micro.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bodies
import mock_provider
import orjson

from ccr.config.schema import validate_config
from ccr.protocol.parse_memo import ParseMemo
from ccr.protocol.sse import SSEParser
from ccr.protocol.stream_writer import AnthropicStreamWriter
from ccr.protocol.tokens import TokenCounter
from ccr.routing.decision import RoutingRequest
from ccr.routing.router import Router
from ccr.routing.sessions import session_id_from
from ccr.transformers.base import RequestContext
from ccr.transformers.pipeline import Pipelines
from ccr.transformers.registry import Registry


def median_us(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


def config(tmp: Path) -> Any:
    data = {
        "Providers": [{"name": "mock", "api_base_url": "http://127.0.0.1:9/v1/chat/completions", "api_key": "sk-x",
                       "models": ["mock-model"]}],
        "Router": {"default": "mock,mock-model"},
    }  # fmt: skip
    return validate_config(data, path=tmp / "config.json")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=300)
    rounds = ap.parse_args().rounds
    raw = bodies.realistic()
    parsed = [orjson.loads(raw) for _ in range(rounds + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config(Path(tmp))
        pipeline = Pipelines(cfg, Registry()).get("mock", "mock-model")
        provider = cfg.provider("mock")
        assert provider is not None

        def ctx(stream: bool, body: dict[str, Any]) -> RequestContext:
            return RequestContext(provider=provider, model="mock-model", stream=stream, anthropic_body=body)

        results: dict[str, float] = {"parse the 49 KB request": median_us(lambda: orjson.loads(raw), rounds)}
        memo = ParseMemo()
        memo.loads(raw)
        results["parse it, tools and system kept"] = median_us(lambda: memo.loads(raw), rounds)
        it = iter(parsed)
        results["convert it to provider bytes"] = median_us(lambda: pipeline.build(b := next(it), ctx(True, b)), rounds)
        # the mock's stream, one SSE event per read (HTTP chunk framing removed)
        chunks = [e.split(b"\n", 1)[1].rsplit(b"\n", 1)[0] + b"\n" for e in mock_provider.stream_events(1000)[:-1]]

        def stream_once() -> None:
            c = ctx(True, parsed[0])
            writer, parser = AnthropicStreamWriter("mock-model"), SSEParser()
            writer.start()
            for piece in chunks:
                for event in parser.feed(piece):
                    for chunk in pipeline.decode_event(event, c):
                        writer.feed(chunk)
            writer.finish()

        results["one streamed chunk converted back"] = median_us(stream_once, rounds) / len(chunks)
        answer = mock_provider.completion(1000)
        results["a non-streamed answer converted back"] = median_us(
            lambda: pipeline.decode_response(answer, ctx(False, parsed[0])), rounds
        )
        router = Router(cfg)
        headers = {"x-claude-code-session-id": "00000000-0000-4000-8000-000000000000"}

        fresh = iter([orjson.loads(raw) for _ in range(rounds)])

        async def route() -> None:
            body = next(fresh)
            req = RoutingRequest(body, headers, session_id_from(headers, body), body_size=len(raw))
            await router.route(req)

        loop = asyncio.new_event_loop()
        results["routing decision"] = median_us(lambda: loop.run_until_complete(route()), rounds)
        loop.close()
        results["token count, cold"] = median_us(lambda: TokenCounter().count_request(parsed[0]), max(5, rounds // 20))
        warm = TokenCounter()
        warm.count_request(parsed[0])
        results["token count, warm"] = median_us(lambda: warm.count_request(orjson.loads(raw)), rounds)
    width = max(map(len, results))
    for name, us in results.items():
        print(f"{name:<{width}}  {us:10.1f} µs")


if __name__ == "__main__":
    main()
