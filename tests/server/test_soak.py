"""A bounded soak: mixed traffic with injected faults against a real `ccr start` process.

Loopback only. Duration: $SOAK_SECONDS (CI sets 600 through `make test`'s environment when
CI=true; 20 s otherwise). It checks that only injected faults fail, that memory stays flat, and
that no connections, tasks or file descriptors leak.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ccr.testing import MockResponse, MockUpstream, run_router_process
from tests.cli.helpers import wait_until
from tests.server.conftest import APIKEY, base_config

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS") or (600 if os.environ.get("CI") else 20))
CONCURRENCY = 8
HEADERS = {"x-api-key": APIKEY, "content-type": "application/json"}


def _proc(pid: int, what: str) -> int:
    if what == "fds":
        return len(os.listdir(f"/proc/{pid}/fd"))
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _status(url: str) -> dict[str, Any]:
    req = urllib.request.Request(url + "/api/status", headers={"x-api-key": APIKEY})
    with urllib.request.urlopen(req, timeout=10) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


def _answer(rng: random.Random) -> MockResponse:
    roll = rng.random()
    if roll < 0.05:
        return MockResponse.error(503, "injected")
    if roll < 0.08:
        return MockResponse.reset()
    return MockResponse.text_or_stream("soak answer " * 20, split="random", seed=int(roll * 1e6))


async def _client(url: str, deadline: float, rng: random.Random, tally: dict[str, int]) -> None:
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        while time.monotonic() < deadline:
            stream = rng.random() < 0.6
            body = {"model": "m", "max_tokens": 50, "stream": stream,
                    "messages": [{"role": "user", "content": "x" * rng.randint(10, 5000)}]}  # fmt: skip
            async with session.post(url + "/v1/messages", json=body) as resp:
                if stream and rng.random() < 0.05:
                    await resp.content.readany()  # the client walks away mid-stream
                    tally["disconnects"] += 1
                    continue
                data = await resp.read()
            ok = resp.status == 200 and (b"message_stop" in data if stream else b'"type":"message"' in data)
            # Every try of a request can draw an injected fault (p≈0.08⁴): such a request fails
            # honestly, naming the provider, and counts as injected, not as a router error.
            injected = resp.status in (502, 503) and b"mock,mock-model" in data
            tally["ok" if ok else "injected" if injected else "failed"] += 1
            if not ok and not injected:
                print("failure", resp.status, data[:300])


@pytest.mark.slow
def test_soak(tmp_path: Path) -> None:
    rng = random.Random(7)

    with MockUpstream() as up:
        up.default = lambda request: _answer(rng)  # type: ignore[assignment,misc]
        cfg = base_config(up, LOG=True, retry={"attempts": 3, "base_delay_ms": 1, "max_delay_ms": 1000})
        with run_router_process(cfg, tmp_path) as url:
            pid = int(_status(url)["pid"])
            tally = {"ok": 0, "failed": 0, "injected": 0, "disconnects": 0}

            async def run(seconds: float) -> None:
                deadline = time.monotonic() + seconds
                await asyncio.gather(
                    *(_client(url, deadline, random.Random(i), tally) for i in range(CONCURRENCY))
                )

            asyncio.run(run(min(10.0, SOAK_SECONDS / 4)))  # warm-up: pools and caches fill
            rss_warm, fds_warm = _proc(pid, "rss"), _proc(pid, "fds")
            asyncio.run(run(SOAK_SECONDS))
            # a client that walked away: its request unwinds in the router after it has gone
            wait_until(lambda: _status(url)["in_flight"] == 0, timeout=10, what="no request in flight")
            status = _status(url)
            rss_end, fds_end = _proc(pid, "rss"), _proc(pid, "fds")
    report = {**tally, "rss_warm_kb": rss_warm, "rss_end_kb": rss_end, "fds_warm": fds_warm, "fds_end": fds_end,
              "served": status["requests_served"], "seconds": SOAK_SECONDS, "concurrency": CONCURRENCY}  # fmt: skip
    print("SOAK", json.dumps(report))
    (tmp_path.parent / "soak-report.json").write_text(json.dumps(report))
    assert tally["failed"] == 0
    assert tally["injected"] <= tally["ok"] / 100
    assert tally["ok"] > 50
    assert status["in_flight"] == 0
    assert rss_end < rss_warm * 1.25 + 8_000, report
    assert fds_end <= fds_warm + 8, report
