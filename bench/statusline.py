#!/usr/bin/env python3
"""Per-call cost of `ccr statusline`, the command Claude Code runs every few hundred milliseconds.

Builds a scratch config directory with the JSON5 starter config and a transcript of 4,000
entries (~3 MB), then runs the installed console script the way Claude Code does (JSON on stdin,
a fresh process per call). Prints wall and CPU time (min / median) of a first call (no cache)
and of warm calls, next to bare interpreter start-up, and whether the median warm call stays
within the 50 ms budget (exit code 1 if not).

Usage: .venv/bin/python bench/statusline.py [calls]   (default 60)
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BUDGET_MS = 50.0
ENTRIES = 4000


def _transcript(path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(ENTRIES):
            role = "assistant" if i % 2 else "user"
            message = {"role": role, "content": [{"type": "text", "text": "word " * 120}]}
            if role == "assistant":
                message |= {"model": "deepseek-chat", "usage": {"input_tokens": 1000 + i, "output_tokens": 200}}
            stamp = f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"
            fh.write(json.dumps({"type": role, "timestamp": stamp, "message": message}) + "\n")


def _measure(run: Callable[[], None], calls: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(calls):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return wall, cpu


def _row(label: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"{label:<34} wall min {min(wall):6.1f}  median {statistics.median(wall):6.1f} ms"
        f"   cpu median {statistics.median(cpu):6.1f} ms"
    )


def main() -> int:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    ccr = Path(sys.executable).with_name("ccr")
    if not ccr.is_file():
        print(f"no console script at {ccr}: run `make install` first", file=sys.stderr)
        return 2
    from ccr.cli.firstrun import starter_config_text

    with tempfile.TemporaryDirectory(prefix="ccr-statusline-bench-") as scratch:
        base = Path(scratch)
        config = base / "config.json"
        config.write_text(starter_config_text(), encoding="utf-8")
        transcript = base / "t.jsonl"
        _transcript(transcript)
        size_mb = transcript.stat().st_size / 1e6
        stdin = json.dumps({"transcript_path": str(transcript), "workspace": {"current_dir": scratch}}).encode()
        cmd = [str(ccr), "statusline", "--config", str(config)]

        def call() -> None:
            subprocess.run(cmd, input=stdin, capture_output=True, check=True)

        first = _measure(call, 1)
        warm = _measure(call, calls)
        bare = _measure(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), calls)
    print(f"{ENTRIES} transcript entries ({size_mb:.1f} MB), JSON5 starter config, {calls} calls each")
    print(_row("ccr statusline, first call", *first))
    print(_row("ccr statusline, warm", *warm))
    print(_row("python -c pass (interpreter only)", *bare))
    median = statistics.median(warm[0])
    verdict = "within" if median <= BUDGET_MS else "OVER"
    print(f"median warm call {median:.1f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if median <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
