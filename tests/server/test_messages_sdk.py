"""The official anthropic SDK against the router against a mock OpenAI-compatible upstream."""

from __future__ import annotations

import anthropic
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
)

USER = [{"role": "user", "content": "hi"}]


def test_plain_text_non_stream(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.json(openai_completion("Hello there", usage=(100, 7, 40))))
    msg = client.messages.create(model="claude-opus-5-5", max_tokens=50, messages=USER)
    assert msg.content[0].type == "text" and msg.content[0].text == "Hello there"
    assert msg.stop_reason == "end_turn"
    assert (msg.usage.input_tokens, msg.usage.output_tokens, msg.usage.cache_read_input_tokens) == (60, 7, 40)
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-upstream-test"
    assert sent.json is not None and sent.json["model"] == "mock-model"
    assert sent.json["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("split", ["event", "random", 7])
def test_stream_text_survives_any_split(
    client: anthropic.Anthropic, upstream: MockUpstream, split: object
) -> None:
    upstream.enqueue(MockResponse.sse(openai_text_chunks("one two three four", pieces=4), split=split))  # type: ignore[arg-type]
    with client.messages.stream(model="claude-opus-5-5", max_tokens=50, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "one two three four"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 5
    sent = upstream.requests[-1].json
    assert sent is not None and sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_stream_tail_coalesced(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.sse(openai_text_chunks("ab", usage=(9, 3, 0)), coalesce_tail=True))
    with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.usage.output_tokens == 3 and final.usage.input_tokens == 9


def test_tool_use_non_stream(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(
        MockResponse.json(
            openai_completion(
                "", tool_calls=[("call_1", "Bash", '{"command": "ls"}')], finish_reason="tool_calls"
            )
        )
    )
    msg = client.messages.create(
        model="m",
        max_tokens=50,
        messages=USER,
        tools=[
            {
                "name": "Bash",
                "description": "run",
                "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
            }
        ],
    )
    assert msg.stop_reason == "tool_use"
    block = msg.content[-1]
    assert block.type == "tool_use" and block.name == "Bash" and block.input == {"command": "ls"}
    sent = upstream.requests[-1].json
    assert sent is not None and sent["tools"][0]["function"]["name"] == "Bash"


@pytest.mark.parametrize("interleave", [False, True], ids=["sequential", "interleaved"])
def test_parallel_tool_calls_stream(
    client: anthropic.Anthropic, upstream: MockUpstream, interleave: bool
) -> None:
    calls = [("call_a", "Read", '{"path": "/tmp/a.txt"}'), ("call_b", "Read", '{"path": "/tmp/b.txt"}')]
    upstream.enqueue(
        MockResponse.sse(
            openai_tool_call_chunks(calls, fragment_size=5, interleave=interleave), split="random"
        )
    )
    with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
        final = stream.get_final_message()
    tools = [b for b in final.content if b.type == "tool_use"]
    assert [(t.id, t.input) for t in tools] == [
        ("call_a", {"path": "/tmp/a.txt"}),
        ("call_b", {"path": "/tmp/b.txt"}),
    ]
    assert final.stop_reason == "tool_use"


def test_thinking_stream(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.sse(openai_text_chunks("answer", reasoning="let me think")))
    with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.content[0].type == "thinking"
    assert final.content[0].thinking == "let me think" and final.content[0].signature
    assert final.content[1].type == "text" and final.content[1].text == "answer"


def test_image_and_tool_result_conversion(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.json(openai_completion("ok")))
    client.messages.create(
        model="m",
        max_tokens=10,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"p": 1}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "file body"}],
            },
        ],
    )
    msgs = upstream.requests[-1].json["messages"]  # type: ignore[index]
    assert msgs[0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
    }
    assert msgs[1]["tool_calls"][0]["id"] == "toolu_1"
    assert msgs[2] == {"role": "tool", "tool_call_id": "toolu_1", "content": "file body"}


@pytest.mark.parametrize(
    ("status", "exc_type", "error_type"),
    [
        pytest.param(400, anthropic.BadRequestError, "invalid_request_error", id="400"),
        pytest.param(401, anthropic.AuthenticationError, "authentication_error", id="401"),
        pytest.param(429, anthropic.RateLimitError, "rate_limit_error", id="429"),
        pytest.param(500, anthropic.InternalServerError, "api_error", id="500"),
    ],
)
def test_upstream_errors_keep_status(
    client: anthropic.Anthropic,
    upstream: MockUpstream,
    status: int,
    exc_type: type[Exception],
    error_type: str,
) -> None:
    upstream.enqueue(*[MockResponse.error(status, "upstream says no")] * 3)
    with pytest.raises(exc_type) as info:
        client.messages.create(model="m", max_tokens=10, messages=USER)
    err = info.value
    assert isinstance(err, anthropic.APIStatusError) and err.status_code == status
    body = err.body
    assert isinstance(body, dict) and body["type"] == "error" and body["error"]["type"] == error_type
    assert "mock,mock-model" in body["error"]["message"] and "upstream says no" in body["error"]["message"]
    assert "sk-upstream-test" not in body["error"]["message"]


def test_reset_mid_stream_ends_with_error_event(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.sse(openai_text_chunks("a b c d e f", pieces=6), reset_after_events=3))
    with (
        pytest.raises(anthropic.APIStatusError) as info,
        client.messages.stream(model="m", max_tokens=50, messages=USER) as stream,
    ):
        for _ in stream:
            pass
    assert "mock,mock-model" in str(info.value)


def test_slow_first_byte(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.sse(openai_text_chunks("late"), first_byte_delay=8.0))
    with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
        assert "".join(stream.text_stream) == "late"


def test_bad_requests_are_400_naming_the_field(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="max_tokens"):
        client.messages.create(model="m", max_tokens=0, messages=USER)
    with pytest.raises(anthropic.BadRequestError, match=r"messages\[0\].content"):
        client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": 5}])  # type: ignore[list-item]


def test_explicit_unknown_model_lists_choices(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model="mock,nope", max_tokens=5, messages=USER)
    assert "mock,mock-model" in str(info.value)


def test_explicit_model_case_insensitive(client: anthropic.Anthropic, upstream: MockUpstream) -> None:
    upstream.enqueue(MockResponse.json(openai_completion("ok")))
    raw = client.messages.with_raw_response.create(model="MOCK,other-model", max_tokens=5, messages=USER)
    assert raw.headers["x-ccr-route"].endswith("mock,Other-Model")
    assert upstream.requests[-1].json["model"] == "Other-Model"  # type: ignore[index]
