"""`make bench` in smoke mode: the real `ccr start` behind the bench mock, every answer checked.

No timing is asserted (CI machines vary); what must hold is that every workload ran, every
response passed the checks (full event grammar, text and usage in the correctness pass; shape
under load) and the report was produced.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("loadgen", ["python", "wrk"])
def test_bench_smoke_runs_every_workload_without_a_bad_answer(tmp_path: Path, loadgen: str) -> None:
    if loadgen == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed; the built-in load generator is covered by the other case")
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env={**os.environ, "CCR_BENCH_LOADGEN": loadgen},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    for body in ("small.json", "small_stream.json", "realistic_json.json", "realistic.json"):
        assert f"check {body}: ok" in done.stderr
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| ([ABCD]) \|.*$", done.stdout, re.M)}
    assert sorted(rows) == ["A", "B", "C", "D"]
    assert all(re.search(r"\| 0 / [\d,]+ \|$", row) for row in rows.values()), rows
    raw = json.loads(out.read_text())
    ccr = [c for c in raw["cells"] if c["target"] == "ccr"]
    assert {c["workload"] for c in ccr} == {"A", "B", "C", "D"}
    assert all(c["requests"] > 0 and c["good"] == c["requests"] and c["errors"] == 0 for c in ccr)
    assert all(c["cpu_s"] > 0 and c["peak_rss_mb"] > 0 for c in ccr)
    assert raw["latency"]["router_chunk_p50"] > 0


def _bench_tool(script: str, *args: str) -> str:
    """Run `bench/<script>` as a user would (from the bench folder); its standard output."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO / "bench",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_opcodes_counts_the_request_path_by_function() -> None:
    out = _bench_tool("opcodes.py", "--requests", "20", "--top", "200")
    total = re.search(r"^([\d,]+) bytecodes per small request \(20 requests\)$", out, re.M)
    assert total is not None, out[:2000]
    rows = {
        m.group(2): float(m.group(1).replace(",", "")) for m in re.finditer(r"^\| ([\d,]+) \| `(.+)` \|$", out, re.M)
    }
    # The lane, the provider call and both conversions ran while counting, and the listed
    # functions do not add up to more than the total (each row is rounded to a whole bytecode).
    for where in ("ccr/server/hot_lane.py", "ccr/upstream/http1.py", "ccr/protocol/to_unified.py",
                  "ccr/protocol/from_unified.py"):  # fmt: skip
        assert any(name.startswith(where) for name in rows), (where, sorted(rows)[:50])
    assert 1000 < sum(rows.values()) <= int(total.group(1).replace(",", "")) + len(rows) / 2


def test_ab_measures_each_version_beside_the_direct_call() -> None:
    out = _bench_tool("ab.py", "one=", "two=", "--requests", "400", "--block", "200")
    direct = re.search(r"^direct: p50 ([\d.]+) µs \(400 requests\)$", out, re.M)
    assert direct is not None, out
    for name in ("one", "two"):
        found = re.search(
            rf"^{name}: p50 ([\d.]+) µs, added ([+-][\d.]+) µs, CPU (\d+) µs per request$", out, re.M
        )
        assert found is not None, out
        # the router's own CPU time over its measured blocks: some work per request, far from 0.1 s
        assert 0 < int(found.group(3)) < 100_000
        # the router's answer takes longer than the mock's own (it is one more hop)
        assert float(found.group(1)) > float(direct.group(1))
        assert abs(float(found.group(1)) - float(direct.group(1)) - float(found.group(2))) < 0.2
