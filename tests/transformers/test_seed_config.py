"""The seed README's comprehensive config works unchanged: every chain builds and does its job."""

from __future__ import annotations

from typing import Any

import orjson

from ccr.config.schema import validate_config
from ccr.transformers.base import RequestContext
from ccr.transformers.gemini import Gemini
from ccr.transformers.pipeline import Pipelines
from ccr.transformers.registry import Registry

README_EXAMPLE: dict[str, Any] = {
    "APIKEY": "your-secret-key",
    "PROXY_URL": "http://127.0.0.1:7890",
    "LOG": True,
    "API_TIMEOUT_MS": 600000,
    "NON_INTERACTIVE_MODE": False,
    "Providers": [
        {
            "name": "openrouter",
            "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
            "api_key": "sk-xxx",
            "models": ["google/gemini-2.5-pro-preview", "anthropic/claude-sonnet-4", "anthropic/claude-3.5-sonnet"],
            "transformer": {"use": ["openrouter"]},
        },
        {
            "name": "deepseek",
            "api_base_url": "https://api.deepseek.com/chat/completions",
            "api_key": "sk-xxx",
            "models": ["deepseek-chat", "deepseek-reasoner"],
            "transformer": {"use": ["deepseek"], "deepseek-chat": {"use": ["tooluse"]}},
        },
        {
            "name": "ollama",
            "api_base_url": "http://localhost:11434/v1/chat/completions",
            "api_key": "ollama",
            "models": ["qwen2.5-coder:latest"],
        },
        {
            "name": "gemini",
            "api_base_url": "https://generativelanguage.googleapis.com/v1beta/models/",
            "api_key": "sk-xxx",
            "models": ["gemini-2.5-flash", "gemini-2.5-pro"],
            "transformer": {"use": ["gemini"]},
        },
        {
            "name": "volcengine",
            "api_base_url": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
            "api_key": "sk-xxx",
            "models": ["deepseek-v3-250324", "deepseek-r1-250528"],
            "transformer": {"use": ["deepseek"]},
        },
        {
            "name": "modelscope",
            "api_base_url": "https://api-inference.modelscope.cn/v1/chat/completions",
            "api_key": "",
            "models": ["Qwen/Qwen3-Coder-480B-A35B-Instruct", "Qwen/Qwen3-235B-A22B-Thinking-2507"],
            "transformer": {
                "use": [["maxtoken", {"max_tokens": 65536}], "enhancetool"],
                "Qwen/Qwen3-235B-A22B-Thinking-2507": {"use": ["reasoning"]},
            },
        },
        {
            "name": "dashscope",
            "api_base_url": "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
            "api_key": "",
            "models": ["qwen3-coder-plus"],
            "transformer": {"use": [["maxtoken", {"max_tokens": 65536}], "enhancetool"]},
        },
        {
            "name": "aihubmix",
            "api_base_url": "https://aihubmix.com/v1/chat/completions",
            "api_key": "sk-",
            "models": ["Z/glm-4.5", "claude-opus-4-20250514", "gemini-2.5-pro"],
        },
    ],
    "Router": {
        "default": "deepseek,deepseek-chat",
        "background": "ollama,qwen2.5-coder:latest",
        "think": "deepseek,deepseek-reasoner",
        "longContext": "openrouter,google/gemini-2.5-pro-preview",
        "longContextThreshold": 60000,
        "webSearch": "gemini,gemini-2.5-flash",
    },
}


def test_every_chain_of_the_readme_example_builds() -> None:
    cfg = validate_config(README_EXAMPLE)
    pipelines = Pipelines(cfg, Registry())  # validates every chain, as the server does at start
    names = {(p.name, m): [t.name for t in pipelines.get(p.name, m).chain] for p in cfg.Providers for m in p.models}
    assert names[("deepseek", "deepseek-chat")] == ["deepseek", "tooluse"]
    assert names[("deepseek", "deepseek-reasoner")] == ["deepseek"]
    assert names[("modelscope", "Qwen/Qwen3-235B-A22B-Thinking-2507")] == ["maxtoken", "enhancetool", "reasoning"]
    assert isinstance(pipelines.get("gemini", "gemini-2.5-flash").endpoint, Gemini)


def test_the_example_gemini_route_builds_a_gemini_request() -> None:
    cfg = validate_config(README_EXAMPLE)
    pipeline = Pipelines(cfg, Registry()).get("gemini", "gemini-2.5-flash")
    body = {"model": "claude", "max_tokens": 100, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    ctx = RequestContext(
        provider=pipeline.provider, model="gemini-2.5-flash", stream=True, api_key="sk-xxx", anthropic_body=body
    )
    req = pipeline.build(body, ctx)
    assert (
        req.url
        == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert orjson.loads(req.body)["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_the_example_deepseek_chat_route_caps_and_forces_tools() -> None:
    cfg = validate_config(README_EXAMPLE)
    pipeline = Pipelines(cfg, Registry()).get("deepseek", "deepseek-chat")
    read = {"name": "Read", "input_schema": {"type": "object", "properties": {}}}
    body = {"model": "claude", "max_tokens": 32000, "messages": [{"role": "user", "content": "hi"}], "tools": [read]}
    ctx = RequestContext(
        provider=pipeline.provider, model="deepseek-chat", stream=False, api_key="sk-xxx", anthropic_body=body
    )
    sent = orjson.loads(pipeline.build(body, ctx).body)
    assert sent["max_tokens"] == 8192 and sent["tool_choice"] == "required"
    assert [t["function"]["name"] for t in sent["tools"]] == ["Read", "ExitTool"]
