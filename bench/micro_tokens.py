#!/usr/bin/env python3
"""Micro-benchmark of token counting on the shared 56 KB Claude Code-shaped body.

Prints median µs for: a cold count (empty cache), a warm count (same conversation, freshly parsed
objects, as each new request of a session is), a warm count after one new message, the size-only
bounds; and the longest event-loop stall while a cold ~240 KB body is counted sync vs async.

Usage: .venv/bin/python bench/micro_tokens.py [path/to/bodies.py]
(default: $CCR_BENCH_BODIES or ../shared/bench/bodies.py next to this repository)
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from microkit import load_bodies_module, max_stall_ms

from ccr.protocol import cl100k
from ccr.protocol.tokens import TokenCounter, estimate_tokens_from_bytes, get_encoding, token_bounds

ROUNDS = 200
STALL_RUNS = 10


def median_us(run: Callable[[int], object], rounds: int = ROUNDS) -> float:
    samples = []
    for i in range(rounds):
        start = time.perf_counter_ns()
        run(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


def big_body(base: dict[str, Any], copies: int) -> dict[str, Any]:
    """A resumed session: the conversation repeated with every text made unique (cold cache)."""
    raw = orjson.dumps(base["messages"]).decode()
    messages = [m for i in range(copies) for m in orjson.loads(raw.replace("the ", f"the{i} "))]
    return dict(base, messages=messages)


def main() -> None:
    bodies = load_bodies_module()
    start = time.perf_counter()
    get_encoding()
    print(f"load cl100k_base from {cl100k._RANKS_FILE}: {(time.perf_counter() - start) * 1000:.0f} ms")
    raw = orjson.dumps(bodies.realistic())
    copies = [orjson.loads(raw) for _ in range(ROUNDS)]  # fresh objects: nothing pre-hashed
    print(f"body: {len(raw)} bytes, {TokenCounter().count_request(copies[0])} tokens")

    cold = median_us(lambda i: TokenCounter().count_request(copies[i]))
    warm_counter = TokenCounter()
    warm_counter.count_request(copies[0])
    warm = median_us(lambda i: warm_counter.count_request(copies[i]))
    grown = [orjson.loads(raw) for _ in range(ROUNDS)]
    for i, body in enumerate(grown):
        body["messages"].append({"role": "user", "content": [{"type": "text", "text": f"follow-up {i} " * 60}]})
    plus_one = median_us(lambda i: warm_counter.count_request(grown[i]))
    bounds = median_us(lambda i: token_bounds(copies[i]))
    by_size = median_us(lambda i: estimate_tokens_from_bytes(len(raw)))
    print(f"count cold (empty cache)        {cold:9.1f} µs")
    print(f"count warm (same conversation)  {warm:9.1f} µs")
    print(f"count warm + one new message    {plus_one:9.1f} µs")
    print(f"token_bounds (walk, no encode)  {bounds:9.1f} µs")
    print(f"estimate_tokens_from_bytes      {by_size:9.1f} µs")

    big = big_body(bodies.realistic(), 12)
    size = len(orjson.dumps(big)) // 1000
    print(f"event-loop stall (ms, median / max of {STALL_RUNS}) around a cold {size} KB body:")
    for label, make in (
        ("nothing (machine noise)", lambda: asyncio.sleep(0.02)),
        ("count_request (sync)", lambda: TokenCounter().count_request(big)),
        ("count_request_async", lambda: TokenCounter().count_request_async(big)),
    ):
        stalls = [asyncio.run(max_stall_ms(make)) for _ in range(STALL_RUNS)]
        print(f"  {label:26s} {statistics.median(stalls):6.1f} / {max(stalls):6.1f}")


if __name__ == "__main__":
    main()
