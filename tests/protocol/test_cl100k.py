"""Loading the packaged tokenizer: sha256 check, clear errors, one load across threads."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from ccr.protocol import cl100k


def test_packaged_file_is_tiktokens_cl100k() -> None:
    data = cl100k._RANKS_FILE.read_bytes()
    assert len(data) == 1_681_126
    assert hashlib.sha256(data).hexdigest() == cl100k.RANKS_SHA256


def test_wrong_bytes_are_refused_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "cl100k_base.tiktoken"
    bad.write_bytes(b"IQ== 0\nIg== 1\n")
    monkeypatch.setattr(cl100k, "_RANKS_FILE", bad)
    monkeypatch.setattr(cl100k, "_encoding", None)
    with pytest.raises(RuntimeError, match=r"tokenizer file .*cl100k_base\.tiktoken is damaged: sha256 "):
        cl100k.get_encoding()
    assert cl100k._encoding is None  # a later call retries instead of keeping a broken tokenizer


def test_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cl100k, "_RANKS_FILE", tmp_path / "absent.tiktoken")
    monkeypatch.setattr(cl100k, "_encoding", None)
    with pytest.raises(RuntimeError, match=r"absent\.tiktoken cannot be read .*reinstall ccr"):
        cl100k.get_encoding()


def test_concurrent_first_use_loads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = cl100k.get_encoding()
    entered, release = threading.Event(), threading.Event()
    loads: list[object] = []

    def slow_load(path: object) -> object:
        loads.append(path)
        entered.set()
        release.wait(timeout=10)
        return real

    monkeypatch.setattr(cl100k, "_encoding", None)
    monkeypatch.setattr(cl100k, "load_encoding", slow_load)
    started = threading.Barrier(9)
    results: list[object] = []

    def worker() -> None:
        started.wait()
        results.append(cl100k.get_encoding())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    started.wait()
    assert entered.wait(timeout=10)
    release.set()  # the other seven raced to get_encoding while the first load was blocked
    for t in threads:
        t.join(timeout=10)
    assert len(loads) == 1
    assert results == [real] * 8
