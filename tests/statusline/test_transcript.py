"""Incremental transcript scanning: the last message's model and usage, session totals, speed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccr.statusline import transcript


def assistant(msg_id: str, model: str, ts: str, inp: int = 0, out: int = 0, cache_read: int = 0) -> dict[str, Any]:
    usage = {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": cache_read}
    return {
        "type": "assistant",
        "timestamp": ts,
        "message": {"id": msg_id, "model": model, "role": "assistant", "usage": usage, "content": []},
    }


def user(ts: str) -> dict[str, Any]:
    return {"type": "user", "timestamp": ts, "message": {"role": "user", "content": "hi"}}


def write(path: Path, *entries: dict[str, Any] | str, mode: str = "a") -> None:
    with path.open(mode, encoding="utf-8") as fh:
        for e in entries:
            fh.write((e if isinstance(e, str) else json.dumps(e)) + "\n")


def test_last_message_and_totals_dedupe_content_block_lines(tmp_path: Path) -> None:
    t = tmp_path / "s.jsonl"
    write(
        t,
        user("2026-01-01T00:00:00.000Z"),
        assistant("m1", "deepseek-chat", "2026-01-01T00:00:02.000Z", inp=100, out=10),
        assistant("m1", "deepseek-chat", "2026-01-01T00:00:04.000Z", inp=100, out=40),  # same message, 2nd block
        user("2026-01-01T00:00:05.000Z"),
        assistant("m2", "qwen3-coder", "2026-01-01T00:00:09.000Z", inp=500, out=80, cache_read=1000),
    )
    st = transcript.scan(str(t), None)
    assert st["last"] == {
        "model": "qwen3-coder",
        "input_tokens": 500,
        "output_tokens": 80,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 0,
    }
    totals = transcript.totals_with_last(st)
    assert totals["deepseek-chat"]["output_tokens"] == 40  # counted once, the final usage
    assert totals["qwen3-coder"]["cache_read_input_tokens"] == 1000
    assert transcript.tokens_per_second(st) == pytest.approx(80 / 4.0)


def test_scan_is_incremental_and_waits_for_complete_lines(tmp_path: Path) -> None:
    t = tmp_path / "s.jsonl"
    write(t, user("2026-01-01T00:00:00Z"), assistant("m1", "a", "2026-01-01T00:00:01Z", out=5))
    st = transcript.scan(str(t), None)
    first_offset = st["offset"]
    assert first_offset == t.stat().st_size
    partial = json.dumps(assistant("m2", "b", "2026-01-01T00:00:03Z", out=7))
    with t.open("a") as fh:
        fh.write(partial[:20])  # Claude Code is still writing this line
    st = transcript.scan(str(t), st)
    assert st["offset"] == first_offset and st["last"]["model"] == "a"
    with t.open("a") as fh:
        fh.write(partial[20:] + "\n")
    st = transcript.scan(str(t), st)
    assert st["last"]["model"] == "b"
    assert transcript.totals_with_last(st) == {
        "a": {"input_tokens": 0, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        "b": {"input_tokens": 0, "output_tokens": 7, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
    }


def test_shrunk_file_is_scanned_again(tmp_path: Path) -> None:
    t = tmp_path / "s.jsonl"
    write(t, assistant("m1", "a", "2026-01-01T00:00:01Z", out=5), assistant("m2", "a", "2026-01-01T00:00:02Z", out=5))
    st = transcript.scan(str(t), None)
    write(t, assistant("m9", "z", "2026-01-01T00:00:01Z", out=1), mode="w")
    st = transcript.scan(str(t), st)
    assert st["last"]["model"] == "z"
    assert transcript.totals_with_last(st) == {
        "z": {"input_tokens": 0, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    }


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param("not json at all {", id="garbage"),
        pytest.param(json.dumps({"type": "assistant", "message": "nope"}), id="message-not-object"),
        pytest.param(json.dumps(assistant("x", "<synthetic>", "2026-01-01T00:00:09Z", out=3)), id="synthetic"),
        pytest.param(json.dumps({"type": "summary", "summary": "assistant did things"}), id="mentions-assistant"),
    ],
)
def test_noise_lines_are_ignored(tmp_path: Path, noise: str) -> None:
    t = tmp_path / "s.jsonl"
    write(t, assistant("m1", "real", "2026-01-01T00:00:01Z", out=5), noise)
    st = transcript.scan(str(t), None)
    assert st["last"]["model"] == "real"
    assert st["offset"] == t.stat().st_size


def test_missing_file_and_no_speed_without_timestamps(tmp_path: Path) -> None:
    st = transcript.scan(str(tmp_path / "absent.jsonl"), None)
    assert st["last"] is None
    assert transcript.tokens_per_second(st) is None
