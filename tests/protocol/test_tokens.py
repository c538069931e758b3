"""What is counted, at what cost, and how the per-part cache and the async offload behave."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import pytest

from ccr.protocol.tokens import (
    DOCUMENT_TOKENS,
    IMAGE_TOKENS,
    OFFLOAD_CHARS,
    TokenCounter,
    compact_json,
    count_request_tokens,
    count_request_tokens_async,
    count_text,
    get_encoding,
)

PNG_B64 = base64.b64encode(bytes(range(256)) * 400).decode()  # ~136 KB of base64
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}}
READ_TOOL = {
    "name": "Read",
    "description": "read a file from disk",
    "input_schema": {
        "type": "object",
        "properties": {"file_path": {"type": "string"}},
        "required": ["file_path"],
    },
}


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def text(s: str) -> dict[str, str]:
    return {"type": "text", "text": s}


@pytest.mark.parametrize(
    ("text_in", "expected"),
    [
        pytest.param("hello world", 2, id="hello-world"),
        pytest.param("", 0, id="empty"),
        pytest.param("<|endoftext|>", 7, id="special-token-text-is-ordinary"),
        pytest.param("こんにちは世界", 4, id="cjk"),
    ],
)
def test_count_text(text_in: str, expected: int) -> None:
    assert count_text(text_in) == expected


def test_encoding_is_cl100k() -> None:
    enc = get_encoding()
    assert enc is get_encoding()
    assert enc.name == "cl100k_base"
    assert enc.encode_ordinary("hello world") == [15339, 1917]
    assert enc.n_vocab == 100277
    assert enc.encode("<|endoftext|>", allowed_special="all") == [100257]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({}, 0, id="empty-body"),
        pytest.param({"messages": "junk", "system": 3, "tools": {}}, 0, id="wrong-types-ignored"),
        pytest.param({"messages": [{"role": "user", "content": "hello world"}]}, 2, id="string-content"),
        pytest.param({"messages": [user(text("hello world"), text("done"))]}, 3, id="text-blocks"),
        pytest.param({"system": "hello world"}, 2, id="system-string"),
        pytest.param(
            {"system": [text("hello world"), {"type": "text", "text": ["done", "ok"]}]},
            4,
            id="system-blocks-and-text-list",
        ),
        pytest.param(
            {"messages": [{"role": "system", "content": "hello world"}, {"role": "user", "content": "ok"}]},
            3,
            id="role-system-message",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": [
                            {
                                "type": "tool_use",
                                "id": "toolu_1",
                                "name": "Read",
                                "input": {"file_path": "/repo/a.py"},
                            }
                        ],
                    }
                ]
            },
            8,  # '{"file_path":"/repo/a.py"}'
            id="tool-use-compact-json",
        ),
        pytest.param(
            {"messages": [user({"type": "tool_result", "tool_use_id": "t", "content": "done"})]},
            1,
            id="tool-result-string",
        ),
        pytest.param(
            {"messages": [user({"type": "tool_result", "tool_use_id": "t", "content": [text("done"), IMAGE]})]},
            1 + IMAGE_TOKENS,
            id="tool-result-image-at-fixed-cost",
        ),
        pytest.param({"messages": [user(text("Look at this:"), IMAGE)]}, 4 + IMAGE_TOKENS, id="image"),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": [
                            {
                                "type": "thinking",
                                "thinking": "let me think",
                                "signature": "c2lnbmF0dXJl" * 50,
                            },
                            {"type": "redacted_thinking", "data": "ZW5jcnlwdGVk" * 50},
                            text("done"),
                        ],
                    }
                ]
            },
            4,
            id="thinking-counted-signature-and-redacted-not",
        ),
        pytest.param({"tools": [READ_TOOL]}, 6 + 20, id="tool-name-description-schema"),
        pytest.param({"tools": [{"name": "Bash"}]}, 2, id="tool-without-description"),
        pytest.param(
            {"tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}]},
            2,
            id="server-tool",
        ),
        pytest.param(
            {
                "messages": [
                    user(
                        {
                            "type": "document",
                            "source": {"type": "text", "media_type": "text/plain", "data": "ok"},
                        },
                        {"type": "document", "source": {"type": "content", "content": [text("done")]}},
                        {"type": "document", "source": {"type": "base64", "data": PNG_B64}},
                    )
                ]
            },
            2 + DOCUMENT_TOKENS,
            id="documents",
        ),
        pytest.param(
            {"messages": [user({"type": "future_block", "text": "done", "blob": PNG_B64})]},
            1,
            id="unknown-block-text-only",
        ),
    ],
)
def test_count_request_tokens(body: dict[str, Any], expected: int) -> None:
    assert count_request_tokens(body) == expected


def test_parts_are_counted_separately_as_ccr_does() -> None:
    # "hello" and " world" encode to one token each, whichever way they are split.
    body = {"system": "hello", "messages": [{"role": "user", "content": " world"}]}
    assert count_request_tokens(body) == 2
    body = {"system": "a", "messages": [{"role": "user", "content": "\nb"}]}
    assert count_request_tokens(body) == 1 + 2
    assert count_text("a\nb") == 3


def test_base64_image_in_tool_result_does_not_inflate() -> None:
    with_image = {"messages": [user({"type": "tool_result", "tool_use_id": "t", "content": [IMAGE]})]}
    as_text = {"messages": [user({"type": "tool_result", "tool_use_id": "t", "content": PNG_B64})]}
    assert count_request_tokens(with_image) == IMAGE_TOKENS
    assert count_request_tokens(as_text) > 20 * IMAGE_TOKENS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"a": 1, "b": [True, None]}, '{"a":1,"b":[true,null]}', id="no-spaces"),
        pytest.param({"a": "é"}, '{"a":"é"}', id="non-ascii-kept"),
        pytest.param({"n": 2**70}, '{"n":1180591620717411303424}', id="bigint-fallback"),
    ],
)
def test_compact_json(value: object, expected: str) -> None:
    assert compact_json(value) == expected


class SpyEncoder:
    """Records every string the counter asks to encode, and from which thread."""

    def __init__(self) -> None:
        self.inner = get_encoding()
        self.seen: list[str] = []
        self.threads: set[int] = set()

    def encode_ordinary(self, text: str) -> list[int]:
        self.seen.append(text)
        self.threads.add(threading.get_ident())
        return self.inner.encode_ordinary(text)


def conversation(turns: int) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    for i in range(turns):
        messages.append(user(text(f"question {i}: " + "why " * 100)))
        messages.append({"role": "assistant", "content": [text(f"answer {i}: " + "because " * 300)]})
    return {"system": [text("You are a helpful assistant.")], "tools": [READ_TOOL], "messages": messages}


def test_growing_conversation_encodes_only_the_new_message() -> None:
    spy = SpyEncoder()
    counter = TokenCounter(lambda: spy)
    body = conversation(5)
    first = counter.count_request(body)
    assert len(spy.seen) == 10 + 3  # messages, system, tool head, schema
    spy.seen.clear()
    body["messages"].append(user(text("one more thing")))
    assert counter.count_request(body) == first + 3
    assert spy.seen == ["one more thing"]
    spy.seen.clear()
    assert counter.count_request(conversation(5)) == first  # equal text in new objects still hits
    assert spy.seen == []


def test_repeated_part_in_one_body_is_encoded_once() -> None:
    spy = SpyEncoder()
    counter = TokenCounter(lambda: spy)
    assert counter.count_request({"messages": [user(text("hello world"))] * 3}) == 6
    assert spy.seen == ["hello world"]


def test_cache_is_bounded_lru() -> None:
    spy = SpyEncoder()
    counter = TokenCounter(lambda: spy, max_entries=2)
    long_a, long_b = "a " * 300, "b " * 300  # long texts are keyed by hash
    for part in ("hello world", long_a, "hello world", long_b):
        counter.count_text(part)
    assert counter.cache_size == 2
    assert spy.seen == ["hello world", long_a, long_b]  # the third call was a hit
    counter.count_text("hello world")  # recently used: kept
    counter.count_text(long_a)  # least recently used: evicted, encoded again
    assert spy.seen == ["hello world", long_a, long_b, long_a]


async def test_async_small_body_counts_inline() -> None:
    spy = SpyEncoder()
    counter = TokenCounter(lambda: spy)
    counter.encoder()
    assert await counter.count_request_async(conversation(2)) == count_request_tokens(conversation(2))
    assert spy.threads == {threading.get_ident()}


async def test_async_large_cold_body_encodes_in_a_worker_thread() -> None:
    spy = SpyEncoder()
    counter = TokenCounter(lambda: spy)
    counter.encoder()
    body = {"messages": [user(text("word " * (OFFLOAD_CHARS // 5 + 1)))]}
    assert await counter.count_request_async(body) == count_request_tokens(body)
    assert threading.get_ident() not in spy.threads
    spy.threads.clear()
    assert await counter.count_request_async(body) == count_request_tokens(body)  # warm: no encoding
    assert spy.threads == set()


async def test_async_first_use_loads_the_encoding_off_the_loop() -> None:
    loaded_in: list[int] = []

    def load() -> SpyEncoder:
        loaded_in.append(threading.get_ident())
        return SpyEncoder()

    counter = TokenCounter(load)
    assert await counter.count_request_async({"system": "hello world"}) == 2
    assert len(loaded_in) == 1
    assert loaded_in[0] != threading.get_ident()


async def test_module_async_matches_sync() -> None:
    body = conversation(3)
    results = await asyncio.gather(*(count_request_tokens_async(body) for _ in range(4)))
    assert set(results) == {count_request_tokens(body)}
