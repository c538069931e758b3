"""Shared builders for routing tests: a config with every slot, bodies shaped like Claude Code's."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ccr.config.schema import Config, validate_config
from ccr.routing.decision import RoutingRequest
from ccr.routing.router import Router
from ccr.routing.rules import Counting

PROVIDERS: list[dict[str, Any]] = [
    {
        "name": "deepseek",
        "api_base_url": "http://127.0.0.1:9/v1/chat/completions",
        "api_key": "sk-test",
        "models": ["deepseek-chat", "deepseek-reasoner"],
    },
    {
        "name": "OpenRouter",
        "api_base_url": "http://127.0.0.1:9/api/v1/chat/completions",
        "api_key": "sk-test",
        "models": ["google/gemini-2.5-pro", "anthropic/claude-sonnet-4", "Qwen/Qwen3-VL"],
    },
    {
        "name": "ollama",
        "api_base_url": "http://127.0.0.1:9/v1/chat/completions",
        "api_key": "ollama",
        "models": ["qwen2.5-coder:latest"],
    },
]

ROUTER: dict[str, Any] = {
    "default": "deepseek,deepseek-chat",
    "background": "ollama,qwen2.5-coder:latest",
    "think": "deepseek,deepseek-reasoner",
    "longContext": "openrouter,google/gemini-2.5-pro",
    "longContextThreshold": 60000,
    "webSearch": "openrouter,anthropic/claude-sonnet-4",
    "image": "openrouter,qwen/qwen3-vl",
}


def make_config(router: dict[str, Any] | None = None, path: Path | None = None, **extra: Any) -> Config:
    data: dict[str, Any] = {"Providers": PROVIDERS, "Router": ROUTER if router is None else router, **extra}
    return validate_config(data, path=path)


def body(**fields: Any) -> dict[str, Any]:
    """A small Claude-Code-like request; keyword arguments replace or add top-level fields."""
    base: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "stream": True,
        "system": [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Main instructions.", "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
        "metadata": {"user_id": "user_abc_account_def_session_11111111-2222-4333-8444-555555555555"},
    }
    base.update(fields)
    return base


class CountingCounter:
    """An async token counter returning a fixed figure and remembering how often it ran."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self.calls = 0

    async def __call__(self, body: Mapping[str, Any]) -> int:
        return self.sync(body)

    def sync(self, body: Mapping[str, Any]) -> int:
        self.calls += 1
        return self.tokens


def request(data: dict[str, Any], *, size: int = 0, tokens: int | None = None, **kw: Any) -> RoutingRequest:
    req = RoutingRequest(body=data, headers=kw.pop("headers", {}), body_size=size, **kw)
    if tokens is not None:
        req.set_token_count(tokens)
    return req


def counting(tokens: int = 100, estimate: tuple[int, int] = (0, 0), bounds: tuple[int, int] = (0, 0)) -> Counting:
    """Fixed token arithmetic: `tokens` from the counter, `estimate` from bytes, `bounds` from the walk."""
    counter = CountingCounter(tokens)
    return Counting(estimate=lambda size: estimate, bounds=lambda body: bounds, count=counter.sync, count_async=counter)


def router(config: Config | None = None, *, tokens: int = 100, **kw: Any) -> Router:
    return Router(config or make_config(), counting=counting(tokens, **kw))
