"""Usage figures behind /api/usage: histogram percentiles, aggregates, timeline, daily file (pure
and file-level)."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import orjson
import pytest

from ccr.config.load import config_from_raw
from ccr.server.stats import ModelUsage, RequestRecord, Stats
from ccr.server.stats_daily import DailyHistory, merge_days, prune, read_days
from ccr.server.stats_hist import LatencyHistogram


def rec(t: float = 1_700_000_000.0, latency: float = 100.0, status: int = 200, model: str = "m") -> RequestRecord:
    return RequestRecord(
        time=t, session=None, scenario="default", provider="p", model=model, stream=False,
        status=status, latency_ms=latency, ttfb_ms=latency / 2, input_tokens=10, output_tokens=3,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("samples", "p", "expected"),
    [
        pytest.param([float(i) for i in range(1, 101)], 50, 50.0, id="uniform-p50"),
        pytest.param([float(i) for i in range(1, 101)], 95, 95.0, id="uniform-p95"),
        pytest.param([10.0] * 99 + [5000.0], 95, 10.0, id="outlier-ignored-at-p95"),
        pytest.param([10.0] * 94 + [5000.0] * 6, 95, 5000.0, id="outlier-seen-at-p95"),
        pytest.param([0.01], 50, 0.01, id="tiny"),
    ],
)
def test_percentiles_within_two_percent(samples: list[float], p: float, expected: float) -> None:
    h = LatencyHistogram()
    random.Random(1).shuffle(samples)
    for s in samples:
        h.add(s)
    got = h.percentile(p)
    assert got is not None and abs(got - expected) <= expected * 0.021 + 0.05


def test_histogram_empty_merge_and_json_roundtrip() -> None:
    a, b = LatencyHistogram(), LatencyHistogram()
    assert a.percentile(50) is None
    for v in (1.0, 2.0, 3.0):
        a.add(v)
    b.add(1000.0)
    a.merge(b)
    again = LatencyHistogram.from_json(orjson.loads(orjson.dumps(a.to_json())))
    assert (again.total, again.max_ms, again.percentile(100)) == (4, 1000.0, a.percentile(100))


def test_stats_aggregates_timeline_and_listeners() -> None:
    stats = Stats(capacity=2)
    seen: list[RequestRecord] = []
    unsubscribe = stats.subscribe(seen.append)
    stats.record(rec(t=60.0 * 100))
    stats.record(rec(t=60.0 * 100 + 30, status=500))
    unsubscribe()
    stats.record(rec(t=60.0 * 102, model="other"))
    assert len(seen) == 2 and len(stats.recent) == 2
    summary = {r["target"]: r for r in stats.usage_summary()}
    assert (summary["p,m"]["requests"], summary["p,m"]["errors"], summary["p,m"]["input_tokens"]) == (2, 1, 20)
    assert [b["minute"] for b in stats.timeline_since(101)] == [102]
    assert stats.timeline_since(0)[0]["models"]["p,m"]["requests"] == 2


def test_broken_listener_is_dropped_not_fatal() -> None:
    stats = Stats()

    def broken(_: RequestRecord) -> None:
        raise ValueError("bug")

    stats.subscribe(broken)
    stats.record(rec())
    stats.record(rec())
    assert stats.served == 2 and broken not in stats.listeners


def test_daily_prune_and_merge() -> None:
    days = {"2024-01-01": {"p,m": ModelUsage(requests=1)}, "2024-01-05": {"p,m": ModelUsage(requests=2)}}
    merge_days(days, {"2024-01-05": {"p,m": ModelUsage(requests=3)}, "2024-01-06": {"p,x": ModelUsage(requests=1)}})
    kept = prune(days, 2, date(2024, 1, 6))
    assert sorted(kept) == ["2024-01-05", "2024-01-06"]
    assert kept["2024-01-05"]["p,m"].requests == 5


def test_daily_history_writes_merges_and_survives_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    cfg = config_from_raw({"USAGE_HISTORY_DAYS": 30}, path)
    (tmp_path / "usage.json").write_text("{not json")
    first, second = DailyHistory(lambda: cfg), DailyHistory(lambda: cfg)  # two workers
    now = date.today()
    t = time.mktime(now.timetuple()) + 3600
    first(rec(t=t))
    second(rec(t=t, latency=300.0))
    first.flush()
    second.flush()
    days = read_days(tmp_path / "usage.json")
    usage = days[now.isoformat()]["p,m"]
    assert usage.requests == 2 and usage.latency.total == 2


def test_daily_history_off_writes_nothing(tmp_path: Path) -> None:
    cfg = config_from_raw({}, tmp_path / "config.json")
    history = DailyHistory(lambda: cfg)
    history(rec())
    history.flush()
    assert not (tmp_path / "usage.json").exists() and history.days() == {}
