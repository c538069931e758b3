"""Session ids from headers and both `metadata.user_id` forms; the usage LRU."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.routing.sessions import SessionUsage, prompt_tokens, session_id_from

UUID = "0d3c9a1e-7b2f-4c6a-9e1d-2f3a4b5c6d7e"


@pytest.mark.parametrize(
    ("headers", "metadata", "expected"),
    [
        pytest.param({"x-claude-code-session-id": UUID}, None, UUID, id="header"),
        pytest.param({"x-claude-code-session-id": "h"}, {"user_id": "user_a_session_m"}, "h", id="header-first"),
        pytest.param({}, {"user_id": f"user_ab12_account_cd34_session_{UUID}"}, UUID, id="user-id-string"),
        pytest.param(
            {},
            {"user_id": orjson.dumps({"device_id": "d1", "session_id": UUID}).decode()},
            UUID,
            id="user-id-json",
        ),
        pytest.param({}, {"user_id": '{"device_id": "d1"}'}, None, id="json-without-session"),
        pytest.param({}, {"user_id": "{not json"}, None, id="broken-json"),
        pytest.param({}, {"user_id": "user_bench"}, None, id="no-session-part"),
        pytest.param({}, {"user_id": "user_a_session_"}, None, id="empty-session-part"),
        pytest.param({}, {"user_id": 42}, None, id="not-a-string"),
        pytest.param({}, None, None, id="no-metadata"),
        pytest.param({"x-claude-code-session-id": "  "}, None, None, id="blank-header"),
    ],
)
def test_session_id_from(headers: dict[str, str], metadata: dict[str, Any] | None, expected: str | None) -> None:
    data: dict[str, Any] = {"messages": []}
    if metadata is not None:
        data["metadata"] = metadata
    assert session_id_from(headers, data) == expected


def test_usage_lru_evicts_least_recently_used() -> None:
    usage = SessionUsage(capacity=2)
    usage.record("a", {"input_tokens": 1})
    usage.record("b", {"input_tokens": 2})
    assert usage.get("a") is not None  # touch a: b is now the oldest
    usage.record("c", {"input_tokens": 3})
    assert "b" not in usage
    assert ("a" in usage, "c" in usage, len(usage)) == (True, True, 2)


def test_usage_merges_a_final_output_only_usage() -> None:
    usage = SessionUsage()
    usage.record("s", {"input_tokens": 70000, "cache_read_input_tokens": 10})
    usage.record("s", {"output_tokens": 30})
    assert usage.last_prompt_tokens("s") == 70010


def test_usage_without_session_is_ignored() -> None:
    usage = SessionUsage()
    usage.record(None, {"input_tokens": 5})
    usage.record("s", {})
    assert len(usage) == 0
    assert usage.last_prompt_tokens(None) == 0


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        pytest.param({"input_tokens": 5}, 5, id="plain"),
        pytest.param(
            {"input_tokens": 5, "cache_read_input_tokens": 7, "cache_creation_input_tokens": 11},
            23,
            id="cached",
        ),
        pytest.param({"input_tokens": None, "output_tokens": 9}, 0, id="no-input"),
        pytest.param({"input_tokens": True}, 0, id="bool-is-not-a-count"),
    ],
)
def test_prompt_tokens(usage: dict[str, Any], expected: int) -> None:
    assert prompt_tokens(usage) == expected
