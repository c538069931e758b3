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
