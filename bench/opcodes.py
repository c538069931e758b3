#!/usr/bin/env python3
"""Python bytecodes the router runs per request, by function: where its interpreter time goes.

Timings on a shared VM move by ±10 % from one run to the next, and valgrind (`instructions.py`)
counts the interpreter's machine instructions without saying which of our functions they serve.
This counts bytecodes (`sys.settrace` with opcode events) per function of `ccr start` serving N
small non-streamed requests (workload C's body) after a warm-up, one connection, keep-alive. The
same code gives the same counts, so a change to the request path shows its effect exactly.
Tracing makes the router ~50× slower while it counts; nothing is timed.

Usage: .venv/bin/python bench/opcodes.py [--requests N] [--top K]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import runpy
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

_OUT_ENV = "CCR_OPCODES_OUT"


def _boot() -> None:
    """Run in the router's process (`opcodes.py --boot <ccr script> start …`): counting starts
    at SIGUSR1 and stops, writing the counts to `$CCR_OPCODES_OUT`, at SIGUSR2."""
    counts: collections.Counter[tuple[str, int, str]] = collections.Counter()
    on = [False]

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            code = frame.f_code
            counts[(code.co_filename, code.co_firstlineno, code.co_name)] += 1
        return local

    def glob(frame: FrameType, event: str, arg: Any) -> Any:
        if not on[0]:
            return None
        frame.f_trace_opcodes = True
        return local

    def start(*_: object) -> None:
        counts.clear()
        on[0] = True

    def stop(*_: object) -> None:
        on[0] = False
        Path(os.environ[_OUT_ENV]).write_text(json.dumps([[*key, n] for key, n in counts.items()]))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.settrace(glob)
    script = sys.argv[2]
    sys.argv = sys.argv[2:]
    runpy.run_path(script, run_name="__main__")


def _short(path: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def main() -> int:
    import bodies
    import services

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=500, help="requests counted")
    ap.add_argument("--top", type=int, default=40, help="functions listed")
    args = ap.parse_args()
    body = bodies.small()
    with tempfile.TemporaryDirectory(prefix="ccr-opcodes-") as tmp:
        work = Path(tmp)
        out = work / "counts.json"
        os.environ[_OUT_ENV] = str(out)
        wrap = (sys.executable, str(Path(__file__).resolve()), "--boot")
        with services.mock() as mock_url, services.router(mock_url, work, wrap=wrap) as (url, pid):
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            for _ in range(200):  # warm: caches, memoised routes, pooled connections
                services.post_messages(conn, body)
            os.kill(pid, signal.SIGUSR1)
            time.sleep(0.3)  # the signal handler runs between two bytecodes of the loop
            for _ in range(args.requests):
                services.post_messages(conn, body)
            os.kill(pid, signal.SIGUSR2)
            deadline = time.monotonic() + 30
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            conn.close()
        rows = json.loads(out.read_text())
    n = args.requests
    total = sum(row[3] for row in rows)
    print(f"{total / n:,.0f} bytecodes per small request ({n} requests)\n")
    print("| bytecodes per request | function |\n|---|---|")
    for path, line, name, count in sorted(rows, key=lambda r: -r[3])[: args.top]:
        print(f"| {count / n:,.0f} | `{_short(path)}:{line} {name}` |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--boot":
        _boot()
    else:
        sys.exit(main())
