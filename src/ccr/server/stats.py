"""What the server remembers about requests: a ring buffer, running totals, per-model aggregates
and a per-minute timeline.

Recording is a deque append, a few dict updates and one logarithm, cheap enough for every
request. Figures are per process (with `--workers N`, each worker keeps its own).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ccr.server.stats_hist import LatencyHistogram, bucket_of

log = logging.getLogger("ccr.server")
TIMELINE_MINUTES = 24 * 60


@dataclass(slots=True)
class RequestRecord:
    time: float
    session: str | None
    scenario: str
    provider: str
    model: str
    stream: bool
    status: int
    latency_ms: float
    ttfb_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def failed(self) -> bool:
        return self.status >= 400 or self.error is not None


@dataclass(slots=True)
class ModelUsage:
    """Totals for one `provider,model` (or one minute of it)."""

    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    ttfb: LatencyHistogram = field(default_factory=LatencyHistogram)

    def add(self, rec: RequestRecord, latency_bucket: int | None = None, ttfb_bucket: int | None = None) -> None:
        """`*_bucket`: the histogram buckets of the record's times when the caller knows them
        (one logarithm per figure, however many aggregates a record goes into)."""
        self.requests += 1
        self.errors += rec.failed
        self.input_tokens += rec.input_tokens
        self.output_tokens += rec.output_tokens
        self.cache_read_tokens += rec.cache_read_tokens
        self.latency.add(rec.latency_ms, latency_bucket)
        if rec.ttfb_ms is not None:
            self.ttfb.add(rec.ttfb_ms, ttfb_bucket)

    def merge(self, other: ModelUsage) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.latency.merge(other.latency)
        self.ttfb.merge(other.ttfb)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "latency_p50_ms": self.latency.percentile(50),
            "latency_p95_ms": self.latency.percentile(95),
            "ttfb_p50_ms": self.ttfb.percentile(50),
            "ttfb_p95_ms": self.ttfb.percentile(95),
        }


def usage_key(rec: RequestRecord) -> str:
    return f"{rec.provider},{rec.model}"


@dataclass(slots=True)
class MinuteBucket:
    minute: int
    """Unix time // 60."""
    models: dict[str, ModelUsage] = field(default_factory=dict)


Listener = Callable[[RequestRecord], None]


@dataclass
class Stats:
    capacity: int = 500
    started: float = field(default_factory=time.time)
    served: int = 0
    errors: int = 0
    recent: deque[RequestRecord] = field(init=False)
    listeners: list[Listener] = field(default_factory=list)
    usage: dict[str, ModelUsage] = field(default_factory=dict)
    timeline: deque[MinuteBucket] = field(init=False)
    closers: list[Callable[[], None]] = field(default_factory=list)
    """Run once at shutdown (e.g. the daily history's last flush)."""
    stream_enders: list[Callable[[], None]] = field(default_factory=list)
    """One per open live event stream; `end_streams` ends them (thread- and signal-safe)."""

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=self.capacity)
        self.timeline = deque(maxlen=TIMELINE_MINUTES)

    def record(self, rec: RequestRecord) -> None:
        self.served += 1
        if rec.failed:
            self.errors += 1
        self.recent.append(rec)
        key = usage_key(rec)
        agg = self.usage.get(key)
        if agg is None:
            agg = self.usage[key] = ModelUsage()
        latency_bucket = bucket_of(rec.latency_ms)
        ttfb_bucket = bucket_of(rec.ttfb_ms) if rec.ttfb_ms is not None else None
        agg.add(rec, latency_bucket, ttfb_bucket)
        minute = self._minute(int(rec.time // 60)).models
        per_minute = minute.get(key)
        if per_minute is None:  # not setdefault: that would build a ModelUsage on every request
            per_minute = minute[key] = ModelUsage()
        per_minute.add(rec, latency_bucket, ttfb_bucket)
        for listener in list(self.listeners):
            try:
                listener(rec)
            except Exception:  # one broken subscriber must not cost the request its record
                log.exception("stats listener failed; removing it")
                self.unsubscribe(listener)

    def _minute(self, minute: int) -> MinuteBucket:
        if self.timeline and self.timeline[-1].minute >= minute:
            # Records arrive in finishing order; a request that started earlier still counts now.
            return self.timeline[-1]
        bucket = MinuteBucket(minute)
        self.timeline.append(bucket)
        return bucket

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def usage_summary(self) -> list[dict[str, Any]]:
        return [{"target": key, **agg.summary()} for key, agg in sorted(self.usage.items())]

    def timeline_since(self, since_minute: int) -> list[dict[str, Any]]:
        """Per-minute figures per `provider,model` (mean latency: one histogram per minute is too much)."""
        out: list[dict[str, Any]] = []
        for bucket in self.timeline:
            if bucket.minute < since_minute:
                continue
            models = {
                key: {
                    "requests": u.requests,
                    "errors": u.errors,
                    "input_tokens": u.input_tokens,
                    "output_tokens": u.output_tokens,
                    "latency_p50_ms": u.latency.percentile(50),
                }
                for key, u in bucket.models.items()
            }
            out.append({"minute": bucket.minute, "models": models})
        return out

    def end_streams(self) -> None:
        """End every live event stream now: call it when shutdown starts, or the server would wait
        its whole grace period for browser tabs that never hang up."""
        for end in list(self.stream_enders):
            end()

    def close(self) -> None:
        for closer in self.closers:
            try:
                closer()
            except Exception:
                log.exception("stats close hook failed")
        self.closers.clear()
