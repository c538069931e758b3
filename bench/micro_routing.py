#!/usr/bin/env python3
"""Micro-benchmark of a routing decision on the shared 56 KB Claude Code-shaped body.

Prints the median µs of `Router.route` for: a warm session (the common case: the body's byte size
decides long context, nothing is counted), the first request of a new session (project lookup on
disk), a decision that must count tokens with a warm and with a cold count cache, a custom router,
and the decision log line enabled; then the longest event-loop stall while cold ~100 KB and
~240 KB bodies are routed (the counter encodes new text in a worker thread), next to the stall of
an idle loop on the same machine.

Usage: .venv/bin/python bench/micro_routing.py [path/to/bodies.py]
(default: $CCR_BENCH_BODIES or ../shared/bench/bodies.py next to this repository)
"""

from __future__ import annotations

import asyncio
import io
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from microkit import load_bodies_module, max_stall_ms

from ccr.config.schema import validate_config
from ccr.protocol import tokens
from ccr.routing.decision import RoutingRequest
from ccr.routing.project import ProjectRouters
from ccr.routing.router import Router
from ccr.routing.sessions import session_id_from

ROUNDS = 300
SID = "00000000-0000-4000-8000-000000000000"


def config(tmp: Path, **router: Any) -> Any:
    provider = {"name": "p", "api_base_url": "http://127.0.0.1:9/v1/chat/completions", "api_key": "sk-test"}
    data = {
        "Providers": [{**provider, "models": ["chat", "reasoner", "long", "small"]}],
        "Router": {
            "default": "p,chat",
            "think": "p,reasoner",
            "longContext": "p,long",
            "background": "p,small",
            "webSearch": "p,chat",
            "image": "p,chat",
            **router,
        },
    }
    return validate_config(data, path=tmp / "config.json")


def make_router(cfg: Any, tmp: Path) -> Router:
    router = Router(cfg)
    # a realistic ~/.claude/projects with 50 projects, none holding this session
    claude = tmp / "claude" / "projects"
    for i in range(50):
        (claude / f"-home-me-project-{i}").mkdir(parents=True, exist_ok=True)
    router.projects = ProjectRouters(tmp, router.catalog, cfg.Router, claude_dirs=[claude])
    return router


async def median_us(router: Router, raw: bytes, fresh_session: bool = False) -> float:
    bodies = [orjson.loads(raw) for _ in range(ROUNDS)]  # fresh objects, as the server parses each request
    headers = {"x-claude-code-session-id": SID}
    samples = []
    for i, body in enumerate(bodies):
        h = {"x-claude-code-session-id": f"{SID[:-6]}{i:06d}"} if fresh_session else headers
        start = time.perf_counter_ns()
        req = RoutingRequest(body=body, headers=h, session_id=session_id_from(h, body), body_size=len(raw))
        await router.route(req)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


async def route_stall_ms(router: Router | None, raw: bytes) -> float:
    """Longest event-loop stall while the body is routed (None: nothing runs, the loop's own noise)."""
    body = orjson.loads(raw)
    if router is None:
        return await max_stall_ms(lambda: asyncio.sleep(0.02))
    return await max_stall_ms(lambda: router.route(RoutingRequest(body=body, headers={}, body_size=len(raw))))


def unique_big(base: dict[str, Any], copies: int) -> bytes:
    text = orjson.dumps(base["messages"]).decode()
    messages = [m for i in range(copies) for m in orjson.loads(text.replace("the ", f"the{i} "))]
    return orjson.dumps(dict(base, messages=messages))


async def run(tmp: Path) -> None:
    bodies = load_bodies_module()
    base = bodies.realistic()
    raw = orjson.dumps(base)
    tokens.get_encoding()
    print(f"body: {len(raw)} bytes, {tokens.count_request_tokens(orjson.loads(raw))} tokens")
    logging.getLogger("ccr.routing").setLevel(logging.WARNING)

    router = make_router(config(tmp), tmp)
    router.record_usage(SID, {"input_tokens": 14000, "cache_read_input_tokens": 12000})
    await median_us(router, raw)  # warm up: project miss cached, code paths hot
    print(f"warm session, bytes decide            {await median_us(router, raw):8.1f} µs")
    print(f"new session each time (project scan)  {await median_us(router, raw, fresh_session=True):8.1f} µs")

    counting = make_router(config(tmp, longContextThreshold=20000), tmp)
    await median_us(counting, raw)
    print(f"must count, warm count cache          {await median_us(counting, raw):8.1f} µs")
    samples = []
    for _ in range(30):
        tokens._counter = tokens.TokenCounter()  # cold: an empty per-part cache
        body = orjson.loads(raw)
        start = time.perf_counter_ns()
        await counting.route(RoutingRequest(body=body, headers={}, body_size=len(raw)))
        samples.append((time.perf_counter_ns() - start) / 1000)
    print(f"must count, cold count cache          {statistics.median(samples):8.1f} µs")

    script = tmp / "custom_router.py"
    script.write_text("def route(request, config):\n    return None\n")
    custom = make_router(config(tmp).model_copy(update={"CUSTOM_ROUTER_PATH": str(script)}), tmp)
    await median_us(custom, raw)
    print(f"warm session + custom router (None)   {await median_us(custom, raw):8.1f} µs")

    logging.getLogger("ccr.routing").setLevel(logging.INFO)
    handler = logging.StreamHandler(io.StringIO())  # formats every record, as a file handler would
    logging.getLogger("ccr.routing").addHandler(handler)
    print(f"warm session, decision logged         {await median_us(router, raw):8.1f} µs")
    logging.getLogger("ccr.routing").removeHandler(handler)
    logging.getLogger("ccr.routing").setLevel(logging.WARNING)

    for copies in (4, 12):
        big = unique_big(base, copies)
        noise, stalls = [], []
        for _ in range(7):
            tokens._counter = tokens.TokenCounter()
            noise.append(await route_stall_ms(None, big))
            stalls.append(await route_stall_ms(make_router(config(tmp), tmp), big))
        print(
            f"event-loop stall routing a cold {len(big) // 1000} KB body: median {statistics.median(stalls):.1f} ms, "
            f"max {max(stalls):.1f} ms (idle loop: median {statistics.median(noise):.1f}, max {max(noise):.1f})"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp)))


if __name__ == "__main__":
    main()
