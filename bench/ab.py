#!/usr/bin/env python3
"""Workload C's added latency for two (or more) versions of the router, measured side by side.

The shared harness runs one system at a time, so an hour's drift (other tenants on a shared VM)
lands on one of two versions and hides a difference of tens of µs. Here the mock called directly
and one `ccr start` per version serve the same small non-streamed request in turn, in blocks of
`--block` requests, one keep-alive connection each, for `--requests` requests per system (the
first 2,000 are a warm-up): the drift falls on all of them alike. Prints each version's p50,
its p50 minus the direct p50, and its CPU time per measured request (the router's process, read
before and after each of its measured blocks; the kernel counts it in 10 ms ticks, so a block's
reading is off by up to a tick and only many blocks — the default 60 — give a figure to a few %).

A version is `NAME=SRC`: `SRC` is put first on the router's PYTHONPATH (a `src` folder of another
checkout, e.g. from `git worktree add /tmp/old <commit>`), or empty for this checkout.

Usage: .venv/bin/python bench/ab.py old=/tmp/old/src new= [--requests 30000] [--block 500]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bodies
import orjson
import procstat
import services

WARMUP = 2000


def _one(sock: socket.socket, data: bytes) -> int:
    """Nanoseconds from sending `data` to the last byte of a 200 answer (Content-Length bodies)."""
    start = time.perf_counter_ns()
    sock.sendall(data)
    got = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the connection closed")
        got += chunk
        end = got.find(b"\r\n\r\n")
        if end < 0:
            continue
        head = got[:end].lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15 :].split(b"\r\n", 1)[0])
        if len(got) >= end + 4 + length:
            break
    elapsed = time.perf_counter_ns() - start
    if not got.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(got[:300].decode("latin-1"))
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("versions", nargs="+", metavar="NAME=SRC")
    ap.add_argument("--requests", type=int, default=30000, help="measured requests per system")
    ap.add_argument("--block", type=int, default=500, help="requests to one system before the next")
    args = ap.parse_args()
    small = bodies.small()
    direct_body = orjson.dumps({"model": "mock-model", "messages": [{"role": "user", "content": "hi"}]})
    with contextlib.ExitStack() as stack:
        mock_url = stack.enter_context(services.mock())
        systems = [
            ("direct", services.raw_socket(mock_url),
             services.raw_post(mock_url + "/v1/chat/completions", direct_body, {"authorization": "Bearer sk-mock"})),
        ]  # fmt: skip
        own_path = os.environ.get("PYTHONPATH", "")
        pids: dict[str, int] = {}
        for version in args.versions:
            name, _, src = version.partition("=")
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, own_path) if p)
            url, pid = stack.enter_context(
                services.router(mock_url, Path(stack.enter_context(tempfile.TemporaryDirectory())))
            )
            request = services.raw_post(url + "/v1/messages", small, {"x-api-key": services.KEY})
            systems.append((name, services.raw_socket(url), request))
            pids[name] = pid
        os.environ["PYTHONPATH"] = own_path
        times: dict[str, list[int]] = {name: [] for name, _, _ in systems}
        cpu_s = dict.fromkeys(pids, 0.0)
        for block in range((args.requests + WARMUP) // args.block):
            measured = block * args.block >= WARMUP
            for name, sock, data in systems:
                timed = measured and name in pids  # the direct call's CPU is the mock's: not ours to count
                before = procstat.cpu_seconds(pids[name]) if timed else 0.0
                for _ in range(args.block):
                    elapsed = _one(sock, data)
                    if measured:
                        times[name].append(elapsed)
                if timed:
                    cpu_s[name] += procstat.cpu_seconds(pids[name]) - before
    direct = statistics.median(times["direct"]) / 1000
    print(f"direct: p50 {direct:.1f} µs ({len(times['direct'])} requests)")
    for name, samples in times.items():
        if name != "direct":
            p50 = statistics.median(samples) / 1000
            cpu_us = cpu_s[name] / len(samples) * 1e6
            print(f"{name}: p50 {p50:.1f} µs, added {p50 - direct:+.1f} µs, CPU {cpu_us:.0f} µs per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
