"""Request-side transformers that adjust fields: tables of (options, body in) → body out."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.config.schema import TransformerSpec
from ccr.errors import ConfigError
from ccr.transformers.registry import Registry
from ccr.transformers.testing import make_ctx, run_request

REGISTRY = Registry()


def make(name: str, options: dict[str, Any] | None = None) -> Any:
    return REGISTRY.create(TransformerSpec(name=name, options=options or {}), "Providers[0].transformer.use")


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


@pytest.mark.parametrize(
    ("name", "options", "body", "expected"),
    [
        pytest.param("maxtoken", {"max_tokens": 100}, {"max_tokens": 500}, {"max_tokens": 100}, id="maxtoken-caps"),
        pytest.param(
            "maxtoken", {"max_tokens": 100}, {"max_tokens": 50}, {"max_tokens": 50}, id="maxtoken-never-raises"
        ),
        pytest.param("maxtoken", {"max_tokens": 100}, {}, {}, id="maxtoken-absent-stays-absent"),
        pytest.param(
            "maxcompletiontokens", {}, {"max_tokens": 7}, {"max_completion_tokens": 7}, id="maxcompletiontokens-renames"
        ),
        pytest.param(
            "sampling",
            {"temperature": 0.2, "top_p": 0.9, "top_k": 20, "repetition_penalty": 1.05, "max_tokens": 64},
            {"temperature": 1, "max_tokens": 32000},
            {"temperature": 0.2, "top_p": 0.9, "top_k": 20, "repetition_penalty": 1.05, "max_tokens": 64},
            id="sampling-overrides-and-caps",
        ),
        pytest.param(
            "streamoptions",
            {},
            {"stream": True},
            {"stream": True, "stream_options": {"include_usage": True}},
            id="stream",
        ),
        pytest.param(
            "streamoptions", {}, {"stream_options": {"include_usage": True}}, {}, id="streamoptions-not-streaming"
        ),
        pytest.param(
            "customparams",
            {"chat_template_kwargs": {"enable_thinking": True}, "temperature": 0.1, "extra": [1]},
            {"temperature": 0.7, "chat_template_kwargs": {"foo": 1}},
            {"temperature": 0.7, "chat_template_kwargs": {"foo": 1, "enable_thinking": True}, "extra": [1]},
            id="customparams-adds-merges-keeps-request-leaf",
        ),
        pytest.param(
            "openrouter",
            {"provider": {"only": ["moonshotai/fp8"]}},
            {"messages": [user()]},
            {"messages": [user()], "provider": {"only": ["moonshotai/fp8"]}},
            id="openrouter-options-merged",
        ),
    ],
)
def test_request_fields(name: str, options: dict[str, Any], body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert run_request(make(name, options), body) == expected


def test_customparams_never_shares_option_objects_between_requests() -> None:
    t = make("customparams", {"extra_body": {"a": {"b": 1}}})
    first = run_request(t, {})
    first["extra_body"]["a"]["b"] = 99
    assert run_request(t, {}) == {"extra_body": {"a": {"b": 1}}}


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        pytest.param("maxtoken", {}, "needs the option max_tokens", id="maxtoken-missing"),
        pytest.param("maxtoken", {"max_tokens": "lots"}, "positive whole number", id="maxtoken-not-int"),
        pytest.param("sampling", {"temperature": "hot"}, "must be a number", id="sampling-bad"),
        pytest.param("limits", {"vision": "no"}, "true or false", id="limits-bad-flag"),
        pytest.param("anthropic", {"auth": "basic"}, "x-api-key", id="anthropic-bad-auth"),
        pytest.param("openai-responses", {"summary": "long"}, "summary", id="responses-bad-summary"),
    ],
)
def test_bad_options_are_config_errors_naming_the_place(name: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        make(name, options)
    assert "Providers[0].transformer.use" in err.value.message
    assert message in err.value.message


def test_names_are_case_insensitive_and_unknown_names_list_the_known() -> None:
    assert make("Anthropic").name == "anthropic"
    with pytest.raises(ConfigError) as err:
        make("nosuch")
    assert "unknown transformer 'nosuch'" in err.value.message
    for name in ("deepseek", "gemini", "vertex-claude", "openai-responses", "qwen-cli", "rovo-cli", "chutes-glm"):
        assert name in err.value.message


SEED_README_NAMES = [
    "Anthropic",
    "deepseek",
    "gemini",
    "openrouter",
    "groq",
    "maxtoken",
    "tooluse",
    "gemini-cli",
    "reasoning",
    "sampling",
    "enhancetool",
    "cleancache",
    "vertex-gemini",
    "chutes-glm",
    "qwen-cli",
    "rovo-cli",
]
REFERENCE_NAMES = [
    "OpenAI",
    "openai-responses",
    "vertex-claude",
    "cerebras",
    "maxcompletiontokens",
    "streamoptions",
    "customparams",
    "vercel",
    "forcereasoning",
    "extrathinktag",
    "vertex-openai",
]


@pytest.mark.parametrize("name", SEED_README_NAMES + REFERENCE_NAMES)
def test_every_documented_name_resolves_with_and_without_options(name: str) -> None:
    options = {"max_tokens": 1000} if name == "maxtoken" else {}
    assert make(name, options).name == name.lower()


def test_maxtoken_on_passthrough_lowers_the_thinking_budget_too() -> None:
    body = {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 31999}, "messages": []}
    out = make("maxtoken", {"max_tokens": 8192}).anthropic(body, make_ctx())
    assert out["max_tokens"] == 8192
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 8191}
    assert body["max_tokens"] == 32000  # the client's body is not modified


def test_cleancache_on_passthrough_copies_instead_of_mutating() -> None:
    system = [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}]
    result = {
        "type": "tool_result",
        "tool_use_id": "t",
        "content": [{"type": "text", "text": "r", "cache_control": {}}],
    }
    body = {"system": system, "messages": [{"role": "user", "content": [result]}]}
    out = make("cleancache").anthropic(body, make_ctx())
    assert out["system"] == [{"type": "text", "text": "s"}]
    assert out["messages"][0]["content"][0]["content"] == [{"type": "text", "text": "r"}]
    assert "cache_control" in system[0]


def test_cleancache_unified() -> None:
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "a", "cache_control": {}}], "cache_control": {}}
        ],
        "tools": [{"type": "function", "function": {"name": "x"}, "cache_control": {}}],
    }
    out = run_request(make("cleancache"), body)
    assert out == {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}],
        "tools": [{"type": "function", "function": {"name": "x"}}],
    }


IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


@pytest.mark.parametrize(
    ("options", "model", "body", "expected"),
    [
        pytest.param({}, "deepseek-chat", {"max_tokens": 32000}, {"max_tokens": 8192}, id="known-limit"),
        pytest.param({}, "openai/gpt-4o", {"max_tokens": 32000}, {"max_tokens": 16384}, id="known-limit-prefixed"),
        pytest.param({}, "my-local-model", {"max_tokens": 32000}, {"max_tokens": 32000}, id="unknown-untouched"),
        pytest.param({"max_tokens": 4096}, "deepseek-chat", {"max_tokens": 32000}, {"max_tokens": 4096}, id="option"),
        pytest.param(
            {"vision": False},
            "m",
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "look"}, IMAGE]}]},
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "look"},
                            {"type": "text", "text": "[image omitted: m does not accept images]"},
                        ],
                    }
                ]
            },
            id="no-vision",
        ),
        pytest.param(
            {"tools": False},
            "m",
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c1", "type": "function", "function": {"name": "Read", "arguments": "{}"}}
                        ],
                    },
                    {"role": "tool", "tool_call_id": "c1", "content": "file text"},
                ],
                "tools": [{"type": "function", "function": {"name": "Read"}}],
                "tool_choice": "auto",
            },
            {
                "messages": [
                    {"role": "assistant", "content": "[called tool Read with {}]"},
                    {"role": "user", "content": "[result of tool call c1]\nfile text"},
                ]
            },
            id="no-tools",
        ),
        pytest.param(
            {"reasoning": False},
            "m",
            {
                "reasoning": {"effort": "high"},
                "messages": [
                    {"role": "assistant", "content": "a", "reasoning_content": "r", "reasoning_signature": "s"}
                ],
            },
            {"messages": [{"role": "assistant", "content": "a"}]},
            id="no-reasoning",
        ),
    ],
)
def test_limits(options: dict[str, Any], model: str, body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert run_request(make("limits", options), body, make_ctx(model)) == expected


def test_limits_on_passthrough() -> None:
    body = {
        "max_tokens": 64000,
        "thinking": {"type": "enabled"},
        "tools": [{"name": "x"}],
        "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}],
    }
    out = make("limits", {"max_tokens": 1000, "vision": False, "tools": False, "reasoning": False}).anthropic(
        body, make_ctx("m")
    )
    assert out == {
        "max_tokens": 1000,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "[image omitted: m does not accept images]"}]}
        ],
    }
