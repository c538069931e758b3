"""CPU time and memory of a process tree (the router and its workers), sampled with psutil."""

from __future__ import annotations

import threading
import time

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pid: int) -> float:
    """user+system of the tree, reaped children included (a worker that was replaced counts)."""
    total = 0.0
    for proc in _tree(pid):
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def rss_mb(pid: int) -> float:
    total = 0
    for proc in _tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / (1024 * 1024)


class PeakRss:
    """Samples the tree's RSS every `interval` seconds in a thread; `peak` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0.0
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        start = time.monotonic()
        while True:
            value = rss_mb(self.pid)
            self.peak = max(self.peak, value)
            self.samples.append((time.monotonic() - start, value))
            if self._stop.wait(self.interval):
                return


def wait_idle(pid: int, below: float = 0.1, calm_s: float = 1.0, limit_s: float = 30.0) -> float:
    """Wait until the tree uses under `below` of a core for `calm_s`; returns the seconds waited."""
    start = time.monotonic()
    last = cpu_seconds(pid)
    calm_since = time.monotonic()
    while time.monotonic() - start < limit_s:
        time.sleep(0.25)  # sampling another process's CPU
        now = cpu_seconds(pid)
        if now - last > below * 0.25:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= calm_s:
            break
        last = now
    return time.monotonic() - start
