"""Once started, the server takes what it loaded out of the cyclic collector's view and runs the
collector less often (server/serve.py `settle_heap`): no 30 ms full collections in a stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ccr.server.serve import GC_THRESHOLD

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
