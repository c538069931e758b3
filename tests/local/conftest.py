"""Fixtures for tests against the real llama.cpp server: one server per template for the session,
our router in front of them, and an Anthropic SDK client for the router.

Two servers run for the session, both with 1 thread:
* `llama`: the Qwen2.5 tool template, so `tools` reach the model and its `<tool_call>` output comes
  back as real `tool_calls`;
* `llama_plain`: the model's own template, which ignores `tools`, so a model imitating a history of
  calls written as text writes its own call as text too (what `texttoolcalls` rescues).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from ccr.testing import run_router
from tests.e2e.conftest import claude_cli, workdir  # noqa: F401  (the real Claude Code CLI, for tests here too)
from tests.local.llama import LlamaServer, start_llama

ROUTED_MODEL = "smollm2-135m"
"""What the router calls the model; the server answers with its alias `smollm2` instead."""
ASKED_MODEL = "claude-opus-5-5"


@pytest.fixture(scope="session")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama(tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama(tmp_path_factory.mktemp("llama-plain"), template="model")
    yield server
    server.stop()


def local_config(llama: LlamaServer, llama_plain: LlamaServer) -> dict[str, Any]:
    """No api_key anywhere; api_base_url in each of the three forms users write."""
    return {
        "LOG": False,
        "Providers": [
            {
                "name": "llamacpp",
                "api_base_url": llama.url,
                "models": [ROUTED_MODEL],
                "transformer": {"use": ["texttoolcalls"]},
            },
            {
                "name": "llamatext",
                "api_base_url": llama_plain.url + "/v1",
                "models": ["smollm2"],
                "transformer": {"use": ["texttoolcalls"]},
            },
            {
                "name": "llamaraw",
                "api_base_url": llama_plain.url + "/v1/chat/completions",
                "models": ["smollm2"],
            },
        ],
        "Router": {"default": f"llamacpp,{ROUTED_MODEL}"},
    }


@pytest.fixture(scope="session")
def router_url(llama: LlamaServer, llama_plain: LlamaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with run_router(local_config(llama, llama_plain), tmp_path_factory.mktemp("router")) as url:
        yield url


@pytest.fixture
def client(router_url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=router_url, api_key="sk-test", max_retries=0, timeout=120) as c:
        yield c
