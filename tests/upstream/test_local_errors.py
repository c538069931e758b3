"""Local model servers' errors, as they send them, get messages that say what to do."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.upstream.local_errors import explain_local_error, is_loading_model

LLAMA_CTX = {
    "code": 400,
    "message": "request (6033 tokens) exceeds the available context size (4096 tokens), try increasing it",
    "type": "exceed_context_size_error",
    "n_prompt_tokens": 6033,
    "n_ctx": 4096,
}
VLLM_CTX = (
    "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
    "(4990 in the messages, 10 in the completion). Please reduce the length of the messages or completion."
)
VLLM_MAX = (
    "This model's maximum context length is 4096 tokens. However, you requested 128030 tokens "
    "(30 in the messages, 128000 in the completion). Please reduce the length of the messages or completion."
)
VLLM_MAX_NEW = (
    "'max_tokens' or 'max_completion_tokens' is too large: 128000. This model's maximum context length "
    "is 4096 tokens and your request has 30 input tokens (128000 > 4096 - 30)."
)
LMSTUDIO_CTX = (
    "Trying to keep the first 5210 tokens when context the overflows. However, the model is loaded with "
    "context length of only 4096 tokens, which is not enough. "
    "Try to load the model with a larger context length"
)


def err(message: str, type_: str = "invalid_request_error", code: int = 400) -> dict[str, Any]:
    return {"message": message, "type": type_, "code": code}


CONTEXT = [
    pytest.param(LLAMA_CTX, ("6033 tokens", "4096 tokens"), id="llama.cpp"),
    pytest.param({"error": LLAMA_CTX}, ("6033 tokens", "4096 tokens"), id="llama.cpp-whole-body"),
    pytest.param(
        err(LLAMA_CTX["message"], "exceed_context_size_error"),
        ("6033 tokens", "4096 tokens"),
        id="numbers-from-text",
    ),
    pytest.param(err(VLLM_CTX, "BadRequestError"), ("4990 tokens", "4096 tokens"), id="vllm"),
    pytest.param(err(LMSTUDIO_CTX), ("5210 tokens", "4096 tokens"), id="lm-studio"),
    pytest.param(err("the input length exceeds the context length"), (), id="ollama-no-numbers"),
]


@pytest.mark.parametrize(("body", "numbers"), CONTEXT)
def test_context_overflow(body: dict[str, Any], numbers: tuple[str, ...]) -> None:
    text = explain_local_error(400, body, "llamacpp", "smollm2")
    assert text is not None
    assert text.startswith("llamacpp,smollm2: ")
    assert "context" in text
    for n in numbers:
        assert n in text
    assert "llama.cpp -c" in text and "Router.longContext" in text
    assert "maxtoken" not in text


def test_context_message_keeps_the_servers_words_and_a_threshold() -> None:
    text = explain_local_error(400, LLAMA_CTX, "llamacpp", "smollm2")
    assert text is not None
    assert text.endswith(f'Server said: "{LLAMA_CTX["message"]}"')
    assert "longContextThreshold below 4096" in text
    # Claude Code shows the first ~300 characters of a message: the advice must come before that.
    assert text.index("Server said") < 300


@pytest.mark.parametrize(
    ("message", "cap"),
    [
        pytest.param(VLLM_MAX, "2048", id="vllm-numbers"),
        pytest.param(VLLM_MAX_NEW, "2048", id="vllm-new-wording"),
        pytest.param(
            "max_tokens is too large: 128000. This model supports at most 16384 completion tokens, "
            "whereas you provided 128000.",
            "8192",
            id="openai-style",
        ),
        pytest.param("Invalid max_tokens value, the valid range of max_tokens is [1, 8192]", "8192", id="range"),
    ],
)
def test_max_tokens_names_the_maxtoken_transformer(message: str, cap: str) -> None:
    text = explain_local_error(400, err(message), "vllm", "qwen")
    assert text is not None
    assert text.startswith("vllm,qwen: max_tokens is more than this model can give")
    assert f'["maxtoken", {{"max_tokens": {cap}}}]' in text
    assert message in text


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(400, err("'messages' is required"), id="other-400"),
        pytest.param(401, err("Invalid API Key", "authentication_error", 401), id="auth"),
        pytest.param(500, err("context size exceeded somewhere", "server_error", 500), id="500-mentioning-context"),
        pytest.param(503, err("Service busy", "server_error", 503), id="other-503"),
        pytest.param(400, {}, id="empty"),
        pytest.param(400, {"error": "plain string"}, id="error-not-object"),
    ],
)
def test_not_ours(status: int, body: dict[str, Any]) -> None:
    assert explain_local_error(status, body, "p", "m") is None


def test_loading_model_is_temporary() -> None:
    body = {"error": {"message": "Loading model", "type": "unavailable_error", "code": 503}}
    text = explain_local_error(503, body, "llamacpp", "smollm2")
    assert text == (
        "llamacpp,smollm2: the model server is still loading the model (503 Loading model). "
        "This is temporary: retry in a few seconds."
    )


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(503, {"error": {"message": "Loading model", "type": "unavailable_error"}}, True, id="llama"),
        pytest.param(503, {"message": "Loading model"}, True, id="inner-object"),
        pytest.param(503, {"error": {"message": "overloaded", "type": "server_error"}}, False, id="other-503"),
        pytest.param(500, {"error": {"message": "Loading model"}}, False, id="not-503"),
    ],
)
def test_is_loading_model(status: int, body: dict[str, Any], expected: bool) -> None:
    assert is_loading_model(status, body) is expected
