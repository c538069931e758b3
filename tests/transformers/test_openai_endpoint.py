from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.config.schema import Provider
from ccr.transformers.base import RequestContext
from ccr.transformers.openai import OpenAI, chat_completions_url, strip_internal_fields


@pytest.mark.parametrize(
    ("base", "url"),
    [
        pytest.param("http://localhost:11434", "http://localhost:11434/v1/chat/completions", id="ollama-base"),
        pytest.param("http://localhost:8080/", "http://localhost:8080/v1/chat/completions", id="trailing-slash"),
        pytest.param("http://localhost:8000/v1", "http://localhost:8000/v1/chat/completions", id="vllm-v1"),
        pytest.param("https://ark.example/api/v3", "https://ark.example/api/v3/chat/completions", id="custom-prefix"),
        pytest.param("https://x.example/v1/chat/completions", "https://x.example/v1/chat/completions", id="full"),
    ],
)
def test_chat_completions_url(base: str, url: str) -> None:
    assert chat_completions_url(base) == url


ASSISTANT = {"role": "assistant", "content": "a", "reasoning_content": "r", "reasoning_signature": "s"}


@pytest.mark.parametrize(
    ("strict", "expected"),
    [
        pytest.param(
            False, {"role": "assistant", "content": "a", "reasoning_content": "r"}, id="lenient-keeps-reasoning"
        ),
        pytest.param(True, {"role": "assistant", "content": "a"}, id="strict-drops-reasoning"),
    ],
)
def test_strip_internal_fields(strict: bool, expected: dict[str, Any]) -> None:
    user = {"role": "user", "content": "q"}
    body = {"model": "m", "messages": [user, ASSISTANT], "reasoning": {"effort": "high"}}
    out = strip_internal_fields(body, strict=strict)
    assert out["messages"][1] == expected
    assert out["messages"][0] is user  # untouched messages are reused, not copied
    assert ("reasoning" in out) is not strict
    assert body["messages"][1] is ASSISTANT and "reasoning_signature" in ASSISTANT  # input not mutated


def test_body_without_internal_fields_is_returned_as_is() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "q"}]}
    assert strip_internal_fields(body, strict=False) is body


@pytest.mark.parametrize(("key", "auth"), [("sk-test", "Bearer sk-test"), (None, None)], ids=["keyed", "keyless"])
def test_build_auth_header(key: str | None, auth: str | None) -> None:
    provider = Provider(name="p", api_base_url="http://localhost:11434", models=("m",))
    ctx = RequestContext(provider=provider, model="m", stream=True, api_key=key)
    req = OpenAI().build({"model": "m", "messages": []}, ctx)
    assert req.url == "http://localhost:11434/v1/chat/completions"
    assert req.headers.get("authorization") == auth
    assert orjson.loads(req.body) == {"model": "m", "messages": []}
