"""Each endpoint transformer end to end over real sockets: the official Anthropic SDK → our router →
a mock of the provider that records URL, auth header and body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import orjson
import pytest

from ccr.testing import check_anthropic_stream, collect_sse, run_router
from ccr.transformers import gemini_signatures as sigs
from tests.transformers.mock_http import MockHttp, json_reply, replies, sse_reply
from tests.transformers.test_credentials import creds_file, service_account

APIKEY = "sk-router"
READ = {
    "name": "Read",
    "description": "Read a file",
    "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]},
}


def config(provider: dict[str, Any], model: str) -> dict[str, Any]:
    provider = {"api_key": "sk-test", "models": [model], **provider}
    return {
        "APIKEY": APIKEY,
        "LOG": False,
        "Providers": [provider],
        "Router": {"default": f"{provider['name']},{model}"},
    }


@pytest.fixture
def sdk_for() -> Iterator[Any]:
    clients: list[anthropic.Anthropic] = []

    def make(url: str) -> anthropic.Anthropic:
        client = anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def gemini_sse(*responses: dict[str, Any]) -> list[bytes]:
    return [b"data: " + orjson.dumps(r) + b"\r\n\r\n" for r in responses]


# ---------------------------------------------------------------- gemini


def test_gemini_two_turn_tool_conversation_keeps_the_thought_signature(tmp_path: Path, sdk_for: Any) -> None:
    turn1 = gemini_sse(
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "Let me read it."}]}}],
            "modelVersion": "gemini-3-pro-preview",
        },
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {
                                "functionCall": {"name": "Read", "args": {"file_path": "/tmp/a.txt"}},
                                "thoughtSignature": "SIG-TURN-1",
                            }
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 10, "thoughtsTokenCount": 5},
        },
    )
    turn2 = gemini_sse({"candidates": [{"content": {"parts": [{"text": "It says hello."}]}, "finishReason": "STOP"}]})
    calls = iter([turn1, turn2])

    async def stream(request: Any, rec: Any) -> Any:
        return await sse_reply(next(calls))(request, rec)

    with MockHttp({"/v1beta/models/*": stream}) as google:
        cfg = config(
            {"name": "gem", "api_base_url": google.url + "/v1beta/models/", "transformer": {"use": ["gemini"]}},
            "gemini-3-pro-preview",
        )
        with run_router(cfg, tmp_path) as url:
            client = sdk_for(url)
            messages: list[dict[str, Any]] = [{"role": "user", "content": "What is in /tmp/a.txt?"}]
            kwargs = {
                "model": "test-model",
                "max_tokens": 1000,
                "tools": [READ],
                "thinking": {"type": "adaptive"},
            }
            with client.messages.stream(messages=messages, **kwargs) as s:  # type: ignore[arg-type]
                first = s.get_final_message()
            assert first.stop_reason == "tool_use"  # Gemini said STOP; the tool call must still run
            assert first.usage.output_tokens == 15
            tool = next(b for b in first.content if b.type == "tool_use")
            assert tool.name == "Read" and tool.input == {"file_path": "/tmp/a.txt"}
            assert any(b.type == "thinking" and b.signature.startswith(sigs.PREFIX) for b in first.content)

            sigs.CALLS.clear()  # a restarted router: only what the client replays counts
            messages += [
                {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "hello"}]},
            ]
            with client.messages.stream(messages=messages, **kwargs) as s:  # type: ignore[arg-type]
                second = s.get_final_message()
            assert second.content[-1].type == "text" and second.content[-1].text == "It says hello."

    first_req, second_req = google.requests
    assert first_req.path == "/v1beta/models/gemini-3-pro-preview:streamGenerateContent" and first_req.query == {
        "alt": "sse"
    }
    assert first_req.headers["x-goog-api-key"] == "sk-test" and "Authorization" not in first_req.headers
    model_turn = second_req.json()["contents"][1]
    call_part = next(p for p in model_turn["parts"] if "functionCall" in p)
    assert call_part["thoughtSignature"] == "SIG-TURN-1"
    assert call_part["functionCall"] == {"name": "Read", "args": {"file_path": "/tmp/a.txt"}, "id": tool.id}
    response_part = second_req.json()["contents"][2]["parts"][0]
    assert response_part == {"functionResponse": {"name": "Read", "response": {"result": "hello"}, "id": tool.id}}


def test_gemini_non_streamed_and_blocked(tmp_path: Path, sdk_for: Any) -> None:
    answer = {
        "candidates": [{"content": {"parts": [{"text": "Hi!"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1},
    }
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    with MockHttp({"/v1beta/models/*": replies((200, answer), (200, blocked))}) as google:
        cfg = config(
            {"name": "gem", "api_base_url": google.url, "transformer": {"use": ["gemini"]}}, "gemini-2.5-flash"
        )
        with run_router(cfg, tmp_path) as url:
            client = sdk_for(url)
            msg = client.messages.create(model="x", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
            assert msg.content[0].text == "Hi!" and msg.usage.input_tokens == 3  # type: ignore[union-attr]
            with pytest.raises(anthropic.BadRequestError) as err:
                client.messages.create(model="x", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
            assert "blocked the prompt" in str(err.value)
    assert google.requests[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"


# ---------------------------------------------------------------- vertex


def test_vertex_gemini_token_fetched_reused_and_refreshed(tmp_path: Path, sdk_for: Any) -> None:
    token = replies(
        (200, {"access_token": "ya29.one", "expires_in": 60, "token_type": "Bearer"}),
        (200, {"access_token": "ya29.two", "expires_in": 3600, "token_type": "Bearer"}),
    )
    answer = {"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}
    with MockHttp({"/token": token, "/v1/projects/*": json_reply(answer)}) as google:
        key = service_account(tmp_path, google.url + "/token")
        options = {"credentials": str(key), "location": "us-central1"}
        cfg = config(
            {"name": "vx", "api_base_url": google.url, "transformer": {"use": [["vertex-gemini", options]]}},
            "gemini-2.5-pro",
        )
        with run_router(cfg, tmp_path) as url:
            client = sdk_for(url)
            for _ in range(3):
                assert (
                    client.messages.create(model="x", max_tokens=9, messages=[{"role": "user", "content": "hi"}])
                    .content[0]
                    .text
                    == "ok"
                )  # type: ignore[union-attr]
    upstream = google.seen(
        "/v1/projects/sa-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    # ya29.one lives 60 s, inside the refresh margin: the second request refreshes, the third reuses
    assert [r.headers["Authorization"] for r in upstream] == ["Bearer ya29.one", "Bearer ya29.two", "Bearer ya29.two"]
    assert len(google.seen("/token")) == 2


def test_vertex_claude_passthrough(tmp_path: Path, sdk_for: Any) -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "from vertex"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 4, "output_tokens": 2},
    }
    with MockHttp(
        {"/token": json_reply({"access_token": "ya29.c", "expires_in": 3600}), "/v1/projects/*": json_reply(message)}
    ) as google:
        options = {
            "credentials": str(service_account(tmp_path, google.url + "/token")),
            "project": "p1",
            "location": "us-east5",
        }
        cfg = config(
            {"name": "vc", "api_base_url": google.url, "transformer": {"use": [["vertex-claude", options]]}},
            "claude-sonnet-4-5@20250929",
        )
        with run_router(cfg, tmp_path) as url:
            msg = sdk_for(url).messages.create(
                model="test-model", max_tokens=9, messages=[{"role": "user", "content": "hi"}], tools=[READ]
            )
    assert msg.content[0].text == "from vertex"  # type: ignore[union-attr]
    (req,) = google.seen(
        "/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )
    assert req.headers["Authorization"] == "Bearer ya29.c" and "x-api-key" not in req.headers
    sent = req.json()
    assert sent["anthropic_version"] == "vertex-2023-10-16" and "model" not in sent
    assert sent["tools"][0]["input_schema"] == READ["input_schema"]  # nothing converted, nothing lost


def test_vertex_openai_streams_openai_chunks_with_a_google_token(tmp_path: Path, sdk_for: Any) -> None:
    from ccr.testing import openai_text_chunks

    chunks = [b"data: " + orjson.dumps(c) + b"\n\n" for c in openai_text_chunks("from model garden")]
    path = "/v1/projects/p2/locations/europe-west4/endpoints/openapi/chat/completions"
    with MockHttp(
        {
            "/token": json_reply({"access_token": "ya29.o", "expires_in": 3600}),
            path: sse_reply([*chunks, b"data: [DONE]\n\n"]),
        }
    ) as google:
        options = {
            "credentials": str(service_account(tmp_path, google.url + "/token")),
            "project": "p2",
            "location": "europe-west4",
        }
        cfg = config(
            {"name": "vo", "api_base_url": google.url, "transformer": {"use": [["vertex-openai", options]]}},
            "google/gemini-2.5-flash",
        )
        with (
            run_router(cfg, tmp_path) as url,
            sdk_for(url).messages.stream(
                model="x", max_tokens=9, messages=[{"role": "user", "content": "hi"}]
            ) as stream,
        ):
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
    assert text == "from model garden" and final.usage.output_tokens == 5
    (req,) = google.seen(path)
    assert req.headers["Authorization"] == "Bearer ya29.o"
    sent = req.json()
    assert sent["model"] == "google/gemini-2.5-flash" and sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


# ---------------------------------------------------------------- anthropic passthrough


def event(name: str, data: dict[str, Any]) -> bytes:
    """One SSE event as a provider writes it (named, compact JSON)."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps({"type": name, **data}) + b"\n\n"


START = {"id": "msg_up", "type": "message", "role": "assistant", "model": "deepseek-chat", "content": []}
ANTHROPIC_SSE = [
    event(
        "message_start", {"message": {**START, "stop_reason": None, "usage": {"input_tokens": 7, "output_tokens": 0}}}
    ),
    event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
    event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Hello"}}),
    event("content_block_stop", {"index": 0}),
    event(
        "message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 1}}
    ),
    event("message_stop", {}),
]


def test_anthropic_passthrough_relays_bytes_forwards_beta_and_replaces_the_key(tmp_path: Path) -> None:
    import urllib.request

    with MockHttp({"/anthropic/v1/messages": sse_reply(ANTHROPIC_SSE)}) as upstream:
        options = {"drop_betas": ["oauth-*"]}
        cfg = config(
            {
                "name": "ds",
                "api_base_url": upstream.url + "/anthropic",
                "transformer": {"use": [["Anthropic", options]]},
            },
            "deepseek-chat",
        )
        with run_router(cfg, tmp_path) as url:
            body = {
                "model": "claude-sonnet-4-5",
                "max_tokens": 20,
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
                "metadata": {"user_id": "u1"},
            }
            request = urllib.request.Request(
                url + "/v1/messages?beta=true",
                data=orjson.dumps(body),
                headers={
                    "content-type": "application/json",
                    "authorization": f"Bearer {APIKEY}",
                    "anthropic-version": "2023-06-01",
                    "anthropic-beta": "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as resp:
                received = resp.read()
    assert received.replace(b'event: ping\ndata: {"type":"ping"}\n\n', b"") == b"".join(ANTHROPIC_SSE)
    check_anthropic_stream(collect_sse(received))
    (req,) = upstream.requests
    assert req.headers["x-api-key"] == "sk-test" and "Authorization" not in req.headers
    assert req.headers["anthropic-beta"] == "claude-code-20250219,interleaved-thinking-2025-05-14"
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert req.json() == {**body, "model": "deepseek-chat"}


# ---------------------------------------------------------------- openai-responses

CALL_ITEM = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "Read", "arguments": ""}
USAGE = {"input_tokens": 11, "output_tokens": 6, "input_tokens_details": {"cached_tokens": 4}}
RESPONSES_SSE = [
    event("response.created", {"response": {"id": "resp_1", "model": "gpt-5"}}),
    event("response.output_text.delta", {"delta": "Running ls."}),
    event("response.output_item.added", {"item": CALL_ITEM}),
    event("response.function_call_arguments.delta", {"item_id": "fc_1", "delta": '{"file_path":"/a"}'}),
    event("response.completed", {"response": {"status": "completed", "usage": USAGE}}),
]


def test_openai_responses_stream(tmp_path: Path, sdk_for: Any) -> None:
    with MockHttp({"/v1/responses": sse_reply(RESPONSES_SSE)}) as openai:
        cfg = config(
            {"name": "oa", "api_base_url": openai.url + "/v1/responses", "transformer": {"use": ["openai-responses"]}},
            "gpt-5",
        )
        with (
            run_router(cfg, tmp_path) as url,
            sdk_for(url).messages.stream(
                model="x", max_tokens=500, messages=[{"role": "user", "content": "ls"}], tools=[READ]
            ) as s,
        ):  # type: ignore[list-item]
            msg = s.get_final_message()
    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert msg.content[1].input == {"file_path": "/a"} and msg.stop_reason == "tool_use"  # type: ignore[union-attr]
    assert (msg.usage.input_tokens, msg.usage.cache_read_input_tokens, msg.usage.output_tokens) == (7, 4, 6)
    (req,) = openai.requests
    assert req.headers["Authorization"] == "Bearer sk-test"
    assert req.json()["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "ls"}]}]


# ---------------------------------------------------------------- CLI credentials


def test_qwen_cli_with_the_cli_login_file(tmp_path: Path, sdk_for: Any) -> None:
    answer = {
        "id": "c",
        "object": "chat.completion",
        "model": "qwen3-coder-plus",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi from qwen"}, "finish_reason": "stop"}],
    }
    with MockHttp({"/v1/chat/completions": json_reply(answer)}) as qwen:
        path = creds_file(tmp_path, 3600, resource_url=qwen.url)
        cfg = config(
            {
                "name": "qw",
                "api_base_url": "https://dashscope.aliyuncs.com/compatible-mode/v1",
                "transformer": {"use": [["qwen-cli", {"credentials": str(path)}]]},
            },
            "qwen3-coder-plus",
        )
        with run_router(cfg, tmp_path) as url:
            msg = sdk_for(url).messages.create(model="x", max_tokens=9, messages=[{"role": "user", "content": "hi"}])
    assert msg.content[0].text == "hi from qwen"  # type: ignore[union-attr]
    assert qwen.requests[0].headers["Authorization"] == "Bearer old-token"


def test_gemini_cli_expired_login_is_a_clear_401(tmp_path: Path, sdk_for: Any) -> None:
    path = creds_file(tmp_path, -100)
    cfg = config(
        {
            "name": "gc",
            "api_base_url": "http://127.0.0.1:9",
            "transformer": {"use": [["gemini-cli", {"credentials": str(path), "project": "p"}]]},
        },
        "gemini-2.5-pro",
    )
    with run_router(cfg, tmp_path) as url, pytest.raises(anthropic.AuthenticationError) as err:
        sdk_for(url).messages.create(model="x", max_tokens=9, messages=[{"role": "user", "content": "hi"}])
    assert "expired" in str(err.value) and "gemini" in str(err.value)


def test_broken_plugin_answers_with_an_error_naming_it(tmp_path: Path, sdk_for: Any) -> None:
    (tmp_path / "broken.py").write_text("raise ImportError('needs a package')\n")
    cfg = config(
        {"name": "p", "api_base_url": "http://127.0.0.1:9/v1/chat/completions", "transformer": {"use": ["broken"]}}, "m"
    )
    cfg["transformers"] = [{"path": str(tmp_path / "broken.py")}]
    with run_router(cfg, tmp_path) as url, pytest.raises(anthropic.InternalServerError) as err:  # it starts anyway
        sdk_for(url).messages.create(model="x", max_tokens=9, messages=[{"role": "user", "content": "hi"}])
    assert "broken" in str(err.value) and "needs a package" in str(err.value)
