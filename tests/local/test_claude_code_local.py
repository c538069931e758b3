"""The real Claude Code CLI (`claude -p`) through our router to the local model.

Claude Code's own prompt (over 10k tokens) does not fit the 4096-token context of the test server:
the user must see our message saying so and what to do. With a `longContext` route to a bigger
model (the mock provider here) the same prompt succeeds there — scenario routing at work.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ccr.testing import MockResponse, MockUpstream, openai_text_chunks, run_router
from tests.e2e.conftest import ROUTER_KEY, UPSTREAM_KEY, ClaudeCli
from tests.local.conftest import ROUTED_MODEL
from tests.local.llama import LlamaServer

pytestmark = [pytest.mark.local_model, pytest.mark.e2e]

PROMPT = "What is the capital of France? Answer in one word."
MOCK_ANSWER = "Paris, from the long-context model."


def config(llama: LlamaServer, mock: MockUpstream, long_context: bool) -> dict[str, Any]:
    router: dict[str, Any] = {"default": f"llamacpp,{ROUTED_MODEL}"}
    if long_context:
        router |= {"longContext": "mock,mock-model", "longContextThreshold": 3000}
    return {
        "APIKEY": ROUTER_KEY,
        "LOG": False,
        "Providers": [
            {"name": "llamacpp", "api_base_url": llama.url, "models": [ROUTED_MODEL]},
            {"name": "mock", "api_base_url": mock.chat_url, "api_key": UPSTREAM_KEY, "models": ["mock-model"]},
        ],
        "Router": router,
    }


def test_prompt_too_big_for_the_local_model_reads_well(
    claude_cli: ClaudeCli, llama: LlamaServer, mock_upstream_thread: MockUpstream, tmp_path: Path
) -> None:
    with run_router(config(llama, mock_upstream_thread, long_context=False), tmp_path) as url:
        code, out, err = claude_cli(PROMPT, base_url=url)
    assert code != 0
    assert out is not None, err
    assert out["is_error"] is True
    shown = out["result"]  # Claude Code cuts a provider's message after about 300 characters
    assert re.search(
        rf"llamacpp,{ROUTED_MODEL}: the prompt \(\d{{5}} tokens\) does not fit this model's context \(4096 tokens\)",
        shown,
    ), shown
    assert "Route long prompts elsewhere (Router.longContext and longContextThreshold below 4096)" in shown
    assert "vLLM --max-model-len)" in shown
    assert not mock_upstream_thread.requests


def test_long_context_route_takes_the_same_prompt(
    claude_cli: ClaudeCli, llama: LlamaServer, mock_upstream_thread: MockUpstream, tmp_path: Path
) -> None:
    mock_upstream_thread.default = MockResponse.sse(openai_text_chunks(MOCK_ANSWER, pieces=4), split="random")
    with run_router(config(llama, mock_upstream_thread, long_context=True), tmp_path) as url:
        code, out, err = claude_cli(PROMPT, base_url=url)
    assert code == 0, err
    assert out is not None and out["is_error"] is False
    assert out["result"] == MOCK_ANSWER
    main = [r for r in mock_upstream_thread.requests if PROMPT in r.body.decode(errors="replace")]
    assert main and main[0].json["model"] == "mock-model"
