"""The correctness pass before any load: every body, streamed and not, checked in full.

Streams must follow the Anthropic event grammar exactly (ccr.testing_sse), and the text, stop
reason and usage must be what the mock sent; JSON answers likewise.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from ccr.testing_sse import assemble_message, check_anthropic_stream, parse_sse_bytes

STREAM_TEXT = "".join(f" tok{i}" for i in range(100))
JSON_TEXT = "Mock answer:" + "".join(f" tok{i}" for i in range(50))


def post(url: str, body: bytes, key: str) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("POST", "/v1/messages", body, {"content-type": "application/json", "x-api-key": key})
        resp = conn.getresponse()
        return resp.status, resp.getheader("content-type") or "", resp.read()
    finally:
        conn.close()


def check(url: str, work: Path, key: str) -> list[str]:
    """One line per request checked; raises AssertionError naming what is wrong."""
    lines = []
    for name in ("small.json", "small_stream.json", "realistic_json.json", "realistic.json"):
        body = (work / name).read_bytes()
        status, ctype, data = post(url, body, key)
        assert status == 200, f"{name}: status {status}: {data[:300]!r}"
        if orjson.loads(body).get("stream"):
            assert ctype.startswith("text/event-stream"), f"{name}: content-type {ctype}"
            events = parse_sse_bytes(data)
            check_anthropic_stream(events)
            message = assemble_message(events)
            expected, tokens = STREAM_TEXT, 100
        else:
            assert ctype.startswith("application/json"), f"{name}: content-type {ctype}"
            message = orjson.loads(data)
            assert message.get("type") == "message", f"{name}: not a message: {data[:300]!r}"
            expected, tokens = JSON_TEXT, 50
        text = "".join(b.get("text", "") for b in message["content"] if b.get("type") == "text")
        assert text == expected, f"{name}: text differs: {text[:80]!r}…"
        assert message["stop_reason"] == "end_turn", f"{name}: stop_reason {message['stop_reason']!r}"
        usage = message["usage"]
        assert usage.get("output_tokens") == tokens and usage.get("input_tokens", 0) > 0, f"{name}: usage {usage}"
        lines.append(f"{name}: ok ({len(data)} bytes)")
    return lines
