#!/usr/bin/env python3
"""Instructions the router executes per request, counted by valgrind (callgrind).

Timings on a shared VM move by ±10 % from one run to the next; an instruction count does not
(the same code gives the same count within ~0.5 %, whatever else the machine does). This runs
`ccr start` under `valgrind --tool=callgrind` against the benchmark's mock provider, warms it up,
then counts the instructions of the router process (user space only: no kernel, no wake-ups)
over N requests of each kind, one connection, keep-alive:

* small: the ~0.2 KB request of workload C, non-streamed;
* small stream: the same, streamed (100 deltas);
* Claude Code stream: the 49 KB Claude Code 2.1.332 request of workload B, streamed.

Usage: .venv/bin/python bench/instructions.py [--requests N]   (about a minute; needs valgrind)
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import bodies
import services


def _callgrind(pid: int, what: str) -> None:
    subprocess.run(["callgrind_control", what, str(pid)], check=True, capture_output=True, timeout=60)


def _totals(out_dir: Path, pid: int) -> int:
    """Instructions in the newest dump of `pid` (one dump per `callgrind_control -d`)."""
    dumps = sorted(out_dir.glob(f"callgrind.{pid}.*"), key=lambda p: p.stat().st_mtime)
    for line in dumps[-1].read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dumps[-1]}")


def measure(url: str, pid: int, out_dir: Path, body: bytes, n: int) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        for _ in range(max(20, n // 5)):  # warm: caches, memoised routes, pooled connections
            services.post_messages(conn, body)
        _callgrind(pid, "-z")
        for _ in range(n):
            services.post_messages(conn, body)
        _callgrind(pid, "-d")
    finally:
        conn.close()
    return _totals(out_dir, pid) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=300, help="requests counted per kind")
    args = ap.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    kinds = [
        ("small", bodies.small()),
        ("small stream", bodies.small(stream=True)),
        ("Claude Code stream (49 KB)", bodies.realistic()),
    ]
    with tempfile.TemporaryDirectory(prefix="ccr-instr-") as tmp:
        work = Path(tmp)
        wrap = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/callgrind.%p", "--dump-instr=no")
        with services.mock() as mock_url, services.router(mock_url, work, wrap=wrap, ready_s=300) as (url, pid):
            print("| request | instructions per request |\n|---|---|")
            for name, body in kinds:
                print(f"| {name} | {measure(url, pid, work, body, args.requests):,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
