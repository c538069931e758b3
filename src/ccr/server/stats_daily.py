"""Optional per-day usage history in `<config dir>/usage.json` (config key `USAGE_HISTORY_DAYS`).

Only totals and latency histograms are stored, never prompts or keys. Writes merge this
process's increments into the file under an exclusive lock, so several workers (or a restart)
add up instead of overwriting each other. Writing happens at most once a minute, off the event
loop, and once more at shutdown.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ccr.config.schema import Config
from ccr.config.store import write_atomic
from ccr.server.stats import ModelUsage, RequestRecord, usage_key
from ccr.server.stats_hist import LatencyHistogram

log = logging.getLogger("ccr.server")
FILE_NAME = "usage.json"
FLUSH_INTERVAL_S = 60.0
Days = dict[str, dict[str, ModelUsage]]


def history_days(cfg: Config) -> int:
    """`USAGE_HISTORY_DAYS` (0 = off)."""
    return cfg.USAGE_HISTORY_DAYS


def history_path(cfg: Config) -> Path | None:
    return cfg.path.parent / FILE_NAME if cfg.path else None


def _usage_to_json(u: ModelUsage) -> dict[str, Any]:
    return {
        "requests": u.requests,
        "errors": u.errors,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "cache_read_tokens": u.cache_read_tokens,
        "latency": u.latency.to_json(),
        "ttfb": u.ttfb.to_json(),
    }


def _usage_from_json(d: dict[str, Any]) -> ModelUsage:
    def num(key: str) -> int:
        v = d.get(key)
        return int(v) if isinstance(v, int | float) else 0

    def hist(key: str) -> LatencyHistogram:
        v = d.get(key)
        return LatencyHistogram.from_json(v) if isinstance(v, dict) else LatencyHistogram()

    return ModelUsage(
        requests=num("requests"),
        errors=num("errors"),
        input_tokens=num("input_tokens"),
        output_tokens=num("output_tokens"),
        cache_read_tokens=num("cache_read_tokens"),
        latency=hist("latency"),
        ttfb=hist("ttfb"),
    )


def read_days(path: Path) -> Days:
    """The file's content; a missing or unreadable file is an empty history (logged, not fatal)."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("usage history %s is unreadable (%s); starting a new one", path, exc)
        return {}
    days = data.get("days") if isinstance(data, dict) else None
    if not isinstance(days, dict):
        return {}
    return {
        day: {k: _usage_from_json(v) for k, v in models.items() if isinstance(v, dict)}
        for day, models in days.items()
        if isinstance(models, dict)
    }


def merge_days(into: Days, extra: Days) -> None:
    for day, models in extra.items():
        target = into.setdefault(day, {})
        for key, usage in models.items():
            target.setdefault(key, ModelUsage()).merge(usage)


def prune(days: Days, keep: int, today: date) -> Days:
    first = (today - timedelta(days=keep - 1)).isoformat()
    return {d: m for d, m in days.items() if d >= first}


class DailyHistory:
    """A stats listener; `config()` gives the live config (the setting can change on reload)."""

    def __init__(self, config: Callable[[], Config]) -> None:
        self.config = config
        self._pending: Days = {}
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._flushing: asyncio.Future[None] | None = None

    def __call__(self, rec: RequestRecord) -> None:
        cfg = self.config()
        if not history_days(cfg) or cfg.path is None:
            return
        day = datetime.fromtimestamp(rec.time).date().isoformat()
        key = usage_key(rec)
        with self._lock:
            models = self._pending.setdefault(day, {})
            agg = models.get(key)
            if agg is None:  # not setdefault: that would build a ModelUsage on every request
                agg = models[key] = ModelUsage()
            agg.add(rec)
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flushing is not None and not self._flushing.done():
            return
        self._last_flush = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flushing = loop.run_in_executor(None, self.flush)

    def flush(self) -> None:
        cfg = self.config()
        keep, path = history_days(cfg), history_path(cfg)
        with self._lock:
            taken, self._pending = self._pending, {}
        if not taken or not keep or path is None:
            return
        try:
            self._write(path, taken, keep)
        except OSError as exc:
            log.warning("cannot write usage history %s: %s", path, exc)
            with self._lock:
                merge_days(self._pending, taken)

    @staticmethod
    def _write(path: Path, taken: Days, keep: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path.with_name(FILE_NAME + ".lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                days = read_days(path)
                merge_days(days, taken)
                days = prune(days, keep, date.today())
                doc = {
                    "version": 1,
                    "days": {d: {k: _usage_to_json(u) for k, u in m.items()} for d, m in sorted(days.items())},
                }
                write_atomic(path, orjson.dumps(doc))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def days(self) -> Days:
        """Stored days plus what this process has not written yet."""
        cfg = self.config()
        path = history_path(cfg)
        if not history_days(cfg) or path is None:
            return {}
        days = read_days(path)
        with self._lock:
            merge_days(days, self._pending)
        return prune(days, history_days(cfg), date.today())
