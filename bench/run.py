#!/usr/bin/env python3
"""The project's benchmark: `ccr start` in front of a fast mock provider, against the mock alone.

Workloads (see cells.py): A small non-streamed at 16 connections, B a real 49 KB Claude Code
request streamed at 16, C small at 1 connection (added latency), D as B with a paced provider.
Per cell: req/s, p50/p99 (to the last byte), errors (every answer is checked), the router's CPU
(its whole process tree, until it is idle again) per request, and its peak RSS. Before the load,
each body is checked in full (event grammar, text, usage); after it, the streaming latency the
router adds (time to first byte, per-chunk delay) is measured with time-stamped chunks.

    make bench                                  # the default run (a few minutes)
    make bench BENCH_ARGS="--smoke"             # CI: every response checked, ~20 s, no timing claims
    .venv/bin/python bench/run.py --workers 2   # the multi-worker figures
    .venv/bin/python bench/run.py --compare     # also the side-by-side with CCR 1.0.73 (shared harness)

Uses `wrk` when installed (least CPU taken from the router on a small machine), else
bench/loadgen.py. Results: a Markdown table on stdout, JSON with --json FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bodies
import cells
import latency
import procstat
import services
import verify

REPO = Path(__file__).resolve().parents[1]


def write_bodies(work: Path) -> None:
    for name, data in {
        "small.json": bodies.small(),
        "small_stream.json": bodies.small(stream=True),
        "realistic.json": bodies.realistic(),
        "realistic_json.json": bodies.realistic(stream=False),
    }.items():
        (work / name).write_bytes(data)


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    write_bodies(work)
    results: list[cells.Cell] = []
    with services.mock() as mock_url, services.router(mock_url, work, args.workers) as (url, pid):
        checked = verify.check(url, work, services.KEY)
        for line in checked:
            print("  check " + line, file=sys.stderr)
        for round_no in range(args.rounds):
            for name in args.workloads:
                w = cells.WORKLOADS[name]
                services.mock_config(mock_url, chunk_delay_ms=w.chunk_delay_ms)
                for target in ("direct", "ccr") if round_no % 2 == 0 else ("ccr", "direct"):
                    target_url = url + "/v1/messages" if target == "ccr" else mock_url + "/v1/chat/completions"
                    cell = cells.run_cell(
                        w, target, target_url, services.KEY, work, args.duration, args.warmup,
                        pid if target == "ccr" else None,
                    )  # fmt: skip
                    results.append(cell)
                    print(f"  {name} {target}: {cell.rps:,.0f} req/s, {cell.errors} errors", file=sys.stderr)
        services.mock_config(mock_url, chunk_delay_ms=2, stamp=True)
        realistic, small = (work / "realistic.json").read_bytes(), (work / "small_stream.json").read_bytes()
        lat = latency.measure(mock_url, url, realistic, services.KEY, args.streams, small)
        services.mock_config(mock_url, chunk_delay_ms=0, stamp=False)
    return {"cells": results, "latency": lat, "checked": checked}


def soak(args: argparse.Namespace, work: Path) -> int:
    """Workload B for `--soak` minutes; the router's RSS sampled all along. Growth = end − 1st minute."""
    write_bodies(work)
    w = cells.WORKLOADS["B"]
    with (
        services.mock() as mock_url,
        services.router(mock_url, work, args.workers) as (url, pid),
        procstat.PeakRss(pid, interval=5) as rss,
    ):
        body, seconds = work / w.body, args.soak * 60
        result = cells.load(url + "/v1/messages", body, "anthropic-sse", services.KEY, w.connections, seconds)
    samples = rss.samples
    first = max(v for t, v in samples if t <= 60)
    last = samples[-1][1]
    errors = result["bad_status"] + result["bad_body"] + result["socket_errors"]
    print(f"\nsoak: workload B for {args.soak:g} min, {result['requests']:,} requests, {errors} errors")
    print(f"router RSS: {first:.1f} MB in the first minute, {last:.1f} MB at the end, peak {rss.peak:.1f} MB")
    for t, v in samples[:: max(1, len(samples) // 12)]:
        print(f"  {t / 60:5.1f} min  {v:6.1f} MB")
    return 1 if errors else 0


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def table(found: dict[str, object], args: argparse.Namespace) -> str:
    all_cells: list[cells.Cell] = found["cells"]  # type: ignore[assignment]
    rows = [
        "| wl | what | direct req/s | ccr req/s | ccr / direct | p50 ms direct → ccr (added) | ccr p99 ms "
        "| ccr CPU ms / request | ccr peak RSS MB | errors / requests |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in args.workloads:
        d = [c for c in all_cells if c.workload == name and c.target == "direct"]
        o = [c for c in all_cells if c.workload == name and c.target == "ccr"]
        d_rps, o_rps = median([c.rps for c in d]), median([c.rps for c in o])
        d_p50, o_p50 = median([c.p50_ms for c in d]), median([c.p50_ms for c in o])
        cpu = median([c.cpu_ms_per_request or 0 for c in o])
        rss = max(c.peak_rss_mb or 0 for c in o)
        errors = sum(c.errors for c in d + o)
        total = sum(c.requests for c in d + o)
        rows.append(
            f"| {name} | {cells.WORKLOADS[name].what} | {d_rps:,.0f} | {o_rps:,.0f} | {o_rps / d_rps:.2f} "
            f"| {d_p50:.2f} → {o_p50:.2f} (+{o_p50 - d_p50:.2f}) | {median([c.p99_ms for c in o]):.2f} "
            f"| {cpu:.3f} | {rss:.0f} | {errors} / {total:,} |"
        )
    lat: dict[str, float] = found["latency"]  # type: ignore[assignment]
    rows += [
        "",
        f"Streaming latency added by the router ({args.streams} streams, events 2 ms apart). Time to first byte: "
        f"{lat['added_ttfb_p50']:+.2f} ms p50 / {lat['added_ttfb_p99']:+.2f} ms p99 for the 49 KB request, "
        f"{lat['added_small_ttfb_p50']:+.2f} / {lat['added_small_ttfb_p99']:+.2f} ms for a small one. "
        f"Per forwarded chunk: {lat['added_chunk_p50']:+.3f} ms p50 / {lat['added_chunk_p99']:+.3f} ms p99 "
        f"(through the router {lat['router_chunk_p50']:.3f} / {lat['router_chunk_p99']:.3f} ms, "
        f"direct {lat['direct_chunk_p50']:.3f} / {lat['direct_chunk_p99']:.3f} ms).",
    ]
    return "\n".join(rows)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def compare(args: argparse.Namespace) -> int:
    """The side-by-side with CCR 1.0.73 belongs to the shared harness: run it, do not copy it."""
    harness = Path(os.environ.get("CCR_SHARED_BENCH", REPO.parent / "shared" / "bench")) / "run.sh"
    if not harness.exists():
        print(f"--compare needs the shared harness at {harness} (set CCR_SHARED_BENCH)", file=sys.stderr)
        return 2
    exe = Path(sys.executable).with_name("ccr")
    env = {**os.environ, "OURS_CMD": f"{exe} start", "BENCH_WORK": str(REPO / ".bench-work")}
    cmd = [str(harness), "--systems", "direct,ccr1,ours", "--rounds", str(args.rounds)]
    return subprocess.call(cmd, env=env)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="A,B,C,D", help="comma list of A,B,C,D")
    ap.add_argument("--duration", type=float, default=10, help="seconds per cell")
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="each cell is measured once per round")
    ap.add_argument("--workers", type=int, default=1, help="ccr start --workers")
    ap.add_argument("--streams", type=int, default=40, help="streams for the latency measurement")
    ap.add_argument("--smoke", action="store_true", help="short run for CI: correctness only, no timing claims")
    ap.add_argument("--compare", action="store_true", help="then run ../shared/bench/run.sh beside CCR 1.0.73")
    ap.add_argument("--json", type=Path, help="write the raw figures here")
    ap.add_argument("--soak", type=float, metavar="MINUTES", help="only a long run of workload B, watching RSS")
    args = ap.parse_args()
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    if unknown := [w for w in args.workloads if w not in cells.WORKLOADS]:
        ap.error(f"unknown workload(s) {', '.join(unknown)}; choose from A,B,C,D")
    if args.smoke:
        args.duration, args.warmup, args.rounds, args.streams = 1, 0, 1, 3
    return args


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    if args.soak:
        with tempfile.TemporaryDirectory(prefix="ccr-soak-") as tmp:
            return soak(args, Path(tmp))
    with tempfile.TemporaryDirectory(prefix="ccr-bench-") as tmp:
        found = measure(args, Path(tmp))
    errors = sum(c.errors for c in found["cells"])  # type: ignore[attr-defined]
    print(f"\n{machine()}; {args.duration:g} s per cell, {args.rounds} round(s), workers {args.workers}\n")
    print(table(found, args))
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")
    if args.json:
        raw = {"cells": [vars(c) for c in found["cells"]], "latency": found["latency"]}  # type: ignore[attr-defined]
        args.json.write_text(json.dumps(raw, indent=2))
    if errors:
        print(f"FAILED: {errors} bad answers", file=sys.stderr)
        return 1
    return compare(args) if args.compare else 0


if __name__ == "__main__":
    sys.exit(main())
