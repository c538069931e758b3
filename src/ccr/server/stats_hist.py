"""A latency histogram with logarithmic buckets: constant memory, percentiles within ~2%.

Keeping every sample would grow without bound on a long-running server; a sorted window would
forget the start. Buckets grow by 4% each, so a reported percentile is off by at most half a
bucket (about 2%), which is well below the noise of network latencies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

GROWTH = 1.04
_LOG_GROWTH = math.log(GROWTH)
_MIN_MS = 0.1


def bucket_of(ms: float) -> int:
    return math.floor(math.log(max(ms, _MIN_MS) / _MIN_MS) / _LOG_GROWTH)


def bucket_value(index: int) -> float:
    """The geometric middle of a bucket: the estimate reported for samples in it."""
    return float(_MIN_MS * math.pow(GROWTH, index + 0.5))


@dataclass(slots=True)
class LatencyHistogram:
    counts: dict[int, int] = field(default_factory=dict)
    total: int = 0
    max_ms: float = 0.0

    def add(self, ms: float, bucket: int | None = None) -> None:
        b = bucket_of(ms) if bucket is None else bucket
        self.counts[b] = self.counts.get(b, 0) + 1
        self.total += 1
        if ms > self.max_ms:
            self.max_ms = ms

    def merge(self, other: LatencyHistogram) -> None:
        for b, n in other.counts.items():
            self.counts[b] = self.counts.get(b, 0) + n
        self.total += other.total
        self.max_ms = max(self.max_ms, other.max_ms)

    def percentile(self, p: float) -> float | None:
        """The `p`-th percentile (0-100) in ms, or None without samples."""
        if not self.total:
            return None
        rank = max(1, math.ceil(self.total * p / 100))
        seen = 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen >= rank:
                return round(min(bucket_value(b), self.max_ms), 1)
        return round(self.max_ms, 1)

    def to_json(self) -> dict[str, object]:
        return {"counts": {str(b): n for b, n in self.counts.items()}, "max_ms": self.max_ms}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> LatencyHistogram:
        counts_raw = data.get("counts")
        counts = {int(b): int(n) for b, n in counts_raw.items()} if isinstance(counts_raw, dict) else {}
        max_raw = data.get("max_ms")
        max_ms = float(max_raw) if isinstance(max_raw, int | float) else 0.0
        return cls(counts=counts, total=sum(counts.values()), max_ms=max_ms)
