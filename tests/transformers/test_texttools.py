"""`texttoolcalls` on unified responses and stream chunks (what the scanner decides is tested beside)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.config.schema import Provider
from ccr.testing import chunk, openai_completion, openai_text_chunks, openai_tool_call_chunks, usage_chunk
from ccr.transformers.base import RequestContext
from ccr.transformers.registry import Registry
from ccr.transformers.texttools import TextToolCalls, tool_names

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


def ctx_for(request: dict[str, Any], stream: bool) -> tuple[TextToolCalls, RequestContext]:
    t = TextToolCalls()
    ctx = RequestContext(
        provider=Provider(name="local", api_base_url="http://127.0.0.1:8080"), model="smollm2", stream=stream
    )
    t.request(request, ctx)
    return t, ctx


def req(tools: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "smollm2", "messages": [{"role": "user", "content": "hi"}], **extra}
    if tools is not None:
        body["tools"] = tools
    return body


def run_stream(request: dict[str, Any], chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    t, ctx = ctx_for(request, stream=True)
    out = [c for ch in chunks for c in t.stream_chunk(ch, ctx)]
    return out + t.stream_end(ctx)


def summary(chunks: list[dict[str, Any]]) -> tuple[str, list[tuple[str, Any]], list[str | None]]:
    """(all text, [(tool name, parsed args)], finish reasons) of a unified chunk stream."""
    text, finishes = "", []
    names: dict[int, str] = {}
    args: dict[int, str] = {}
    for c in chunks:
        for choice in c.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            for tc in delta.get("tool_calls") or []:
                if "name" in tc.get("function", {}):
                    names[tc["index"]] = tc["function"]["name"]
                args[tc["index"]] = args.get(tc["index"], "") + tc["function"].get("arguments", "")
            if choice.get("finish_reason"):
                finishes.append(choice["finish_reason"])
    return text, [(names[i], orjson.loads(args[i])) for i in sorted(names)], finishes


@pytest.mark.parametrize(
    ("request_body", "names"),
    [
        pytest.param(req([WEATHER]), {"get_weather"}, id="function-tool"),
        pytest.param(req([WEATHER], tool_choice="auto"), {"get_weather"}, id="auto"),
        pytest.param(req([WEATHER], tool_choice="none"), set(), id="choice-none-rescues-nothing"),
        pytest.param(req(), set(), id="no-tools"),
        pytest.param(req([{"type": "web_search"}]), set(), id="non-function-tool"),
    ],
)
def test_tool_names(request_body: dict[str, Any], names: set[str]) -> None:
    assert tool_names(request_body) == names


RESPONSES = [
    pytest.param(CALL, None, [("get_weather", {"city": "Paris"})], "tool_calls", id="hermes"),
    pytest.param(
        'I will check.\n{"name": "get_weather", "parameters": {"city": "Paris"}}',
        "I will check.",
        [("get_weather", {"city": "Paris"})],
        "tool_calls",
        id="text-then-json-call",
    ),
    pytest.param("Use get_weather for that.", "Use get_weather for that.", [], "stop", id="mention-stays-text"),
    pytest.param(
        '{"name": "rm_rf", "arguments": {}}',
        '{"name": "rm_rf", "arguments": {}}',
        [],
        "stop",
        id="unknown-tool",
    ),
]


@pytest.mark.parametrize(("content", "text", "calls", "finish"), RESPONSES)
def test_response(content: str, text: str | None, calls: list[tuple[str, Any]], finish: str) -> None:
    t, ctx = ctx_for(req([WEATHER]), stream=False)
    body = t.response(openai_completion(content), ctx)
    message = body["choices"][0]["message"]
    assert message["content"] == text
    got = [(c["function"]["name"], orjson.loads(c["function"]["arguments"])) for c in message.get("tool_calls", [])]
    assert got == calls
    assert body["choices"][0]["finish_reason"] == finish
    assert all(c["id"].startswith("call_") for c in message.get("tool_calls", []))


@pytest.mark.parametrize(
    ("request_body", "response"),
    [
        pytest.param(req(), openai_completion(CALL), id="request-without-tools"),
        pytest.param(req([WEATHER], tool_choice="none"), openai_completion(CALL), id="tool-choice-none"),
        pytest.param(
            req([WEATHER]),
            openai_completion(CALL, tool_calls=[("x1", "get_weather", "{}")]),
            id="already-has-real-calls",
        ),
    ],
)
def test_response_left_alone(request_body: dict[str, Any], response: dict[str, Any]) -> None:
    t, ctx = ctx_for(request_body, stream=False)
    before = orjson.dumps(response)
    assert orjson.dumps(t.response(response, ctx)) == before


STREAMS = [
    pytest.param(CALL, 1, "", [("get_weather", {"city": "Paris"})], id="hermes-one-chunk"),
    pytest.param(CALL, len(CALL), "", [("get_weather", {"city": "Paris"})], id="hermes-char-by-char"),
    pytest.param(
        'Sure.\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```',
        5,
        "Sure.",
        [("get_weather", {"city": "Paris"})],
        id="text-then-fenced",
    ),
    pytest.param(CALL + "\n" + CALL, 9, "", [("get_weather", {"city": "Paris"})] * 2, id="two-calls-indexed-apart"),
    pytest.param("The weather tool is get_weather.", 4, "The weather tool is get_weather.", [], id="mention"),
]


@pytest.mark.parametrize(("content", "pieces", "text", "calls"), STREAMS)
def test_stream(content: str, pieces: int, text: str, calls: list[tuple[str, Any]]) -> None:
    out = run_stream(req([WEATHER]), openai_text_chunks(content, pieces=pieces, usage=(30, 12, 0)))
    got_text, got_calls, finishes = summary(out)
    assert (got_text, got_calls) == (text, calls)
    assert finishes == (["tool_calls"] if calls else ["stop"])
    assert out[0]["choices"][0]["delta"]["role"] == "assistant"
    assert out[-1]["usage"]["completion_tokens"] == 12  # the usage chunk still closes the stream
    heads = [tc for c in out for ch in c["choices"] for tc in ch["delta"].get("tool_calls", [])]
    assert [h["index"] for h in heads] == list(range(len(calls)))
    assert len({h["id"] for h in heads}) == len(calls)


def test_stream_plain_text_passes_chunk_for_chunk() -> None:
    chunks = openai_text_chunks("Bien sûr, the capital of France is Paris.", pieces=6)
    out = run_stream(req([WEATHER]), [dict(c) for c in chunks])
    assert [summary([c])[0] for c in out] == [summary([c])[0] for c in chunks]


def test_stream_without_tools_is_untouched() -> None:
    chunks = openai_text_chunks(CALL, pieces=3)
    assert run_stream(req(), chunks) == chunks


def test_stream_without_finish_chunk_is_closed_at_end() -> None:
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk({"content": CALL[:-3]}),
        chunk({"content": "ll>"}),
    ]
    text, calls, finishes = summary(run_stream(req([WEATHER]), chunks))
    assert (text, calls, finishes) == ("", [("get_weather", {"city": "Paris"})], ["tool_calls"])


def test_stream_content_and_finish_in_one_chunk() -> None:
    chunks = [
        chunk({"role": "assistant", "content": "Ok.\n"}),
        chunk({"content": CALL}, "stop"),
        usage_chunk((5, 6, 0)),
    ]
    out = run_stream(req([WEATHER]), chunks)
    assert summary(out) == ("Ok.", [("get_weather", {"city": "Paris"})], ["tool_calls"])
    assert out[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_native_tool_calls_pass_and_flush_held_text() -> None:
    chunks = openai_tool_call_chunks([("abc", "get_weather", '{"city": "Rome"}')], text="Checking\n")
    out = run_stream(req([WEATHER]), chunks)
    text, calls, finishes = summary(out)
    assert (text, calls, finishes) == ("Checking\n", [("get_weather", {"city": "Rome"})], ["tool_calls"])


def test_registered_under_its_name() -> None:
    assert Registry().get("TextToolCalls") is TextToolCalls
