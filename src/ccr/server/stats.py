"""What the server remembers about recent requests: a ring buffer plus running totals.

Recording is a deque append and a few integer adds, cheap enough for every request. Figures are
per process (with `--workers N`, each worker keeps its own).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


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


@dataclass
class Stats:
    capacity: int = 500
    started: float = field(default_factory=time.time)
    served: int = 0
    errors: int = 0
    recent: deque[RequestRecord] = field(init=False)
    listeners: list[Callable[[RequestRecord], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=self.capacity)

    def record(self, rec: RequestRecord) -> None:
        self.served += 1
        if rec.status >= 400 or rec.error:
            self.errors += 1
        self.recent.append(rec)
        for listener in self.listeners:
            listener(rec)
