"""Streaming latency the router adds: time to first byte, and the delay of each forwarded chunk.

The mock paces its events (2 ms apart) and writes its send time (`time.monotonic_ns()`, one
clock for every process on the machine) into each delta's text. A client reads the stream —
once from the mock directly, once through the router — and notes when each delta arrives. The
router's added delay is the difference between the two, per percentile.
"""

from __future__ import annotations

import re
import time

from services import raw_post, raw_socket

_STAMP = re.compile(rb" t(\d{6,})")


def one_stream(url: str, path: str, body: bytes, key: str) -> tuple[float, list[float]]:
    """(time to the first body byte, [arrival − send time of each stamped delta]) in ms."""
    request = raw_post(url + path, body, {"x-api-key": key, "connection": "close"})
    delays: list[float] = []
    ttfb = 0.0
    with raw_socket(url, timeout=30) as sock:
        sent = time.monotonic_ns()
        sock.sendall(request)
        buf = pending = b""
        while True:
            data = sock.recv(65536)
            now = time.monotonic_ns()
            if not data:
                break
            if not ttfb and b"\r\n\r\n" in buf + data:
                ttfb = (now - sent) / 1e6
            buf += data
            # Only whole lines: a stamp cut by a read boundary would read as a much older time.
            whole, _, pending = (pending + data).rpartition(b"\n")
            delays += [(now - int(m.group(1))) / 1e6 for m in _STAMP.finditer(whole)]
            if buf.endswith(b"\r\n0\r\n\r\n"):  # the last chunk (the mock keeps the connection)
                break
    assert b"200" in buf.split(b"\r\n", 1)[0], buf[:200]
    return ttfb, delays


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def measure(
    direct_url: str, router_url: str, body: bytes, key: str, streams: int, small: bytes | None = None
) -> dict[str, float]:
    """Added TTFB and per-chunk delay (p50/p99, ms): router minus direct. With `small`, also the
    added TTFB of a small streamed request (`added_small_ttfb_*`): the router's own share
    without the cost of moving and converting a 49 KB body.

    Direct and routed streams alternate, one of each at a time: this VM's speed drifts from
    minute to minute, and measuring all of one side first put that drift into the difference."""
    out: dict[str, float] = {}
    if small is not None:
        ttfbs, _ = _alternate(direct_url, router_url, small, key, streams)
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            out[f"added_small_ttfb_{label}"] = percentile(ttfbs["router"], q) - percentile(ttfbs["direct"], q)
    ttfbs, delays = _alternate(direct_url, router_url, body, key, streams)
    for name in ("direct", "router"):
        if len(delays[name]) < streams * 50:
            raise AssertionError(f"{name}: only {len(delays[name])} stamped chunks arrived for {streams} streams")
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            out[f"{name}_ttfb_{label}"] = percentile(ttfbs[name], q)
            out[f"{name}_chunk_{label}"] = percentile(delays[name], q)
    for label in ("p50", "p99"):
        out[f"added_ttfb_{label}"] = out[f"router_ttfb_{label}"] - out[f"direct_ttfb_{label}"]
        out[f"added_chunk_{label}"] = out[f"router_chunk_{label}"] - out[f"direct_chunk_{label}"]
    return out


def _alternate(
    direct_url: str, router_url: str, body: bytes, key: str, streams: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """`streams` streams each way, direct and routed in turn: (TTFBs, chunk delays) per side."""
    ttfbs: dict[str, list[float]] = {"direct": [], "router": []}
    delays: dict[str, list[float]] = {"direct": [], "router": []}
    sides = (("direct", direct_url, "/v1/chat/completions"), ("router", router_url, "/v1/messages"))
    for _ in range(streams):
        for name, url, path in sides:
            ttfb, per_chunk = one_stream(url, path, body, key)
            ttfbs[name].append(ttfb)
            delays[name] += per_chunk
    return ttfbs, delays
