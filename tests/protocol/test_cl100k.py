"""Loading the packaged tokenizer: sha256 check, clear errors, one load across threads."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccr.protocol import cl100k
from ccr.protocol.cl100k import split_for_encoding

ROOT = Path(__file__).resolve().parents[2]
TRICKY = st.sampled_from(
    [
        "a",
        "Z",
        "é",
        "的",
        "1",
        "42",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\t",
        "'s",
        "'",
        ".",
        "{",
        "}",
        "->",
        "==",
        "😀",
        "\u00a0",
    ]
)


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


def count(text: str) -> int:
    return len(cl100k.get_encoding().encode_ordinary(text))


def chunked_count(text: str, size: int) -> int:
    chunks = split_for_encoding(text, size)
    assert "".join(chunks) == text
    return sum(count(chunk) for chunk in chunks)


@settings(max_examples=300, deadline=None)
@given(st.lists(TRICKY, max_size=120).map("".join), st.integers(min_value=1, max_value=12))
def test_chunks_count_like_the_whole_text(text: str, size: int) -> None:
    assert chunked_count(text, size) == count(text)


@pytest.mark.parametrize(
    "path",
    [pytest.param(cl100k.__file__, id="python-source"), pytest.param(ROOT / "README.md", id="markdown")],
)
@pytest.mark.parametrize("size", [7, 64, 1000])
def test_real_files_chunk_exactly(path: str | Path, size: int) -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert len(split_for_encoding(text, size)) > 1
    assert chunked_count(text, size) == count(text)


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        pytest.param("one\ntwo\nthree", ["one\n", "two\n", "three"], id="after-newline"),
        pytest.param("one\n  two\nthree", ["one\n  two\n", "three"], id="not-before-indentation"),
        pytest.param("alpha beta gamma", ["alpha", " beta", " gamma"], id="before-space-word"),
        pytest.param("x = 12 + 34", ["x = 12 + 34"], id="no-boundary-stays-whole"),
    ],
)
def test_split_points(text: str, chunks: list[str]) -> None:
    assert split_for_encoding(text, 3) == chunks
