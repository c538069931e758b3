"""Once started, the server takes what it loaded out of the cyclic collector's view and runs the
collector less often (server/serve.py `settle_heap`): no 30 ms full collections in a stream."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from ccr.server.hot_lane import HotCycle
from ccr.server.http_protocol import CoalescingHttpToolsProtocol
from ccr.server.serve import GC_THRESHOLD
from ccr.testing import MockUpstream, run_router
from tests.server.conftest import base_config
from tests.server.test_reliability_edges import post_raw

SCRIPT = """
import asyncio, gc, json, pathlib, sys
from ccr.config.load import load_config
from ccr.server.app import create_app
from ccr.server.serve import bind_socket, make_server

cfg = load_config(pathlib.Path(sys.argv[1]))
server = make_server(cfg, create_app(cfg))
before = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}

async def main():
    serving = asyncio.ensure_future(server.serve(sockets=[bind_socket("127.0.0.1", 0)]))
    while not server.started:
        await asyncio.sleep(0.01)
    after = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
    server.should_exit = True
    await serving
    print(json.dumps({"before": before, "after": after}))

asyncio.run(main())
"""


def test_startup_freezes_what_it_loaded_and_raises_the_collector_threshold(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"LOG": False, "Providers": [], "Router": {}}))
    # A process of its own: freezing the test runner's heap would change every later test.
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["before"]["frozen"] == 0 and tuple(seen["before"]["threshold"]) != GC_THRESHOLD
    assert seen["after"]["frozen"] > 10_000  # modules, config, pipelines: the whole loaded app
    assert tuple(seen["after"]["threshold"]) == GC_THRESHOLD


def test_closed_connections_leave_nothing_for_the_cyclic_collector(upstream: MockUpstream, tmp_path: Path) -> None:
    """With the collector run rarely, a reference cycle per connection would hold its memory
    until the next collection; every connection here is closed after one request."""
    small = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
    streamed = json.dumps(
        {"model": "m", "max_tokens": 5, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    )
    with run_router(base_config(upstream), tmp_path) as url:
        post_raw(url, small.encode())  # the app's first-use objects are not per connection
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for body in [small, streamed] * 10:
                status, _ = post_raw(url, body.encode())  # urllib: one connection per request
                assert status == 200
            gc.collect()
            left = [o for o in gc.garbage if isinstance(o, CoalescingHttpToolsProtocol | HotCycle)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert left == []
