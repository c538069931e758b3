"""A local model server that goes away: the client gets Anthropic-shaped errors naming the provider,
and the router keeps serving everything else."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.testing import check_anthropic_stream, parse_sse_bytes, run_router
from tests.local.conftest import ROUTED_MODEL
from tests.local.llama import LlamaServer, start_llama
from tests.local.shapes import GREEDY

pytestmark = pytest.mark.local_model

STORY = [{"role": "user", "content": "Write a long story about a dragon who learns to cook."}]


@pytest.fixture
def doomed(tmp_path: Path) -> Iterator[LlamaServer]:
    """A server of this test's own, small, that the test stops."""
    server = start_llama(tmp_path, ctx=2048, parallel=1)
    yield server
    server.stop()


@pytest.fixture
def outage_client(doomed: LlamaServer, llama: LlamaServer, tmp_path: Path) -> Iterator[anthropic.Anthropic]:
    config = {
        "LOG": False,
        "retry": {"attempts": 1, "base_delay_ms": 10},
        "Providers": [
            {"name": "doomed", "api_base_url": doomed.url, "models": ["smollm2"]},
            {"name": "llamacpp", "api_base_url": llama.url, "models": [ROUTED_MODEL]},
        ],
        "Router": {"default": f"llamacpp,{ROUTED_MODEL}"},
    }
    with (
        run_router(config, tmp_path) as url,
        anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0, timeout=120) as client,
    ):
        yield client


def ask(client: anthropic.Anthropic, model: str) -> anthropic.types.Message:
    return client.messages.create(model=model, max_tokens=8, messages=STORY, extra_body=GREEDY)


def test_server_killed_mid_stream_then_gone(outage_client: anthropic.Anthropic, doomed: LlamaServer) -> None:
    assert ask(outage_client, "doomed,smollm2").content  # it works while the server runs

    params: dict[str, Any] = {"model": "doomed,smollm2", "max_tokens": 1000, "messages": STORY, "extra_body": GREEDY}
    body = b""
    with outage_client.messages.with_streaming_response.create(stream=True, **params) as resp:
        chunks = resp.iter_bytes()
        for part in chunks:
            body += part
            if b"content_block_delta" in body:
                doomed.proc.send_signal(signal.SIGKILL)  # a crash, not a polite shutdown
                doomed.proc.wait(10)
                break
        body += b"".join(chunks)
    events = parse_sse_bytes(body)
    check_anthropic_stream(events)
    name, data = events[-1]
    assert name == "error"
    assert data["error"]["message"].startswith("doomed,smollm2")

    with pytest.raises(anthropic.APIStatusError) as caught:
        ask(outage_client, "doomed,smollm2")
    assert caught.value.status_code >= 500
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] in ("api_error", "overloaded_error")
    assert caught.value.body["error"]["message"].startswith("doomed,smollm2")

    # The router itself is fine: the other local provider still answers.
    assert ask(outage_client, f"llamacpp,{ROUTED_MODEL}").stop_reason in ("end_turn", "max_tokens")
