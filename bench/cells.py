"""One benchmark cell: a workload against one target (the mock directly, or the router)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import procstat

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Workload:
    name: str
    body: str
    """bench body file name (written by run.py into the work folder)."""
    stream: bool
    connections: int
    chunk_delay_ms: float
    what: str


WORKLOADS = {
    "A": Workload("A", "small.json", False, 16, 0, "small, non-streamed, 16 connections: per-request overhead"),
    "B": Workload("B", "realistic.json", True, 16, 0, "Claude Code request (49 KB), streamed, 16 connections"),
    "C": Workload("C", "small.json", False, 1, 0, "small, non-streamed, 1 connection: added latency"),
    "D": Workload("D", "realistic.json", True, 16, 2, "as B, provider paced at 2 ms per event (~0.2 s a stream)"),
}


@dataclass
class Cell:
    workload: str
    target: str
    requests: int = 0
    seconds: float = 0.0
    good: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    load_cpu_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu_s is None or not self.requests else 1000 * self.cpu_s / self.requests


def load(url: str, body: Path, kind: str, key: str, connections: int, seconds: float) -> dict[str, Any]:
    """Run wrk when installed (least CPU taken from the router), else bench/loadgen.py.

    CCR_BENCH_LOADGEN=python forces the built-in generator (what a machine without wrk uses)."""
    if shutil.which("wrk") and os.environ.get("CCR_BENCH_LOADGEN", "wrk") != "python":
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
        cmd += ["-s", str(HERE / "check.lua"), url, "--", str(body), kind, key]
    else:
        cmd = [sys.executable, str(HERE / "loadgen.py"), url, str(body), kind, key]
        cmd += ["--connections", str(connections), "--seconds", str(seconds)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stdout[-400:]} {done.stderr[-400:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    return result


def run_cell(
    w: Workload, target: str, url: str, key: str, work: Path, seconds: float, warmup: float, pid: int | None
) -> Cell:
    kind = ("anthropic" if pid is not None else "openai") + ("-sse" if w.stream else "-json")
    body = work / w.body
    if warmup > 0:
        load(url, body, kind, key, w.connections, warmup)
        if pid is not None:
            procstat.wait_idle(pid, limit_s=10)
    cell = Cell(w.name, target)
    cpu0 = procstat.cpu_seconds(pid) if pid is not None else 0.0
    started = time.monotonic()
    if pid is not None:
        with procstat.PeakRss(pid) as rss:
            result = load(url, body, kind, key, w.connections, seconds)
            procstat.wait_idle(pid, limit_s=10)  # work the router still does counts too
        cell.cpu_s = procstat.cpu_seconds(pid) - cpu0
        cell.peak_rss_mb = rss.peak
    else:
        result = load(url, body, kind, key, w.connections, seconds)
    cell.extra["wall_s"] = time.monotonic() - started
    cell.requests, cell.seconds, cell.good = result["requests"], result["seconds"], result["good"]
    cell.errors = result["bad_status"] + result["bad_body"] + result["socket_errors"]
    cell.p50_ms, cell.p99_ms = result["p50_ms"], result["p99_ms"]
    return cell
