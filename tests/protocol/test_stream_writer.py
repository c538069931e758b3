"""The streaming state machine: OpenAI chunks in, exactly the Anthropic event grammar out."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.errors import UpstreamError
from ccr.protocol.from_unified import signature_for
from ccr.protocol.sse import SSEParser
from ccr.protocol.stream_writer import AnthropicStreamWriter
from ccr.testing_sse import check_anthropic_stream, parse_sse_bytes
from tests.protocol.recorded import recorded_chunks, recorded_reads
from tests.protocol.stream_helpers import chunk, message, reasoning, run, text, tool, trace, usage_chunk

TRACE_CASES = [
    pytest.param(
        [chunk({"role": "assistant", "content": None}), text("Hel"), text("lo"), chunk(finish="stop")],
        ["start 0 text", "text 0 Hel", "text 0 lo", "stop 0", "end end_turn"],
        id="plain-text",
    ),
    pytest.param(
        [reasoning("Let me "), reasoning("think."), text("Answer"), chunk(finish="stop")],
        ["start 0 thinking", "thinking 0 Let me ", "thinking 0 think.", "sig 0", "stop 0",
         "start 1 text", "text 1 Answer", "stop 1", "end end_turn"],
        id="reasoning-content-then-text",
    ),
    pytest.param(
        [reasoning("Hmm", key="reasoning"), text("A")],
        ["start 0 thinking", "thinking 0 Hmm", "sig 0", "stop 0",
         "start 1 text", "text 1 A", "stop 1", "end end_turn"],
        id="openrouter-reasoning-field",
    ),
    pytest.param(
        [chunk({"thinking": {"content": "T"}}), chunk({"thinking": {"signature": "s"}}), text("A")],
        ["start 0 thinking", "thinking 0 T", "sig 0", "stop 0",
         "start 1 text", "text 1 A", "stop 1", "end end_turn"],
        id="thinking-channel-with-signature",
    ),
    pytest.param(
        [text("Checking."), tool(0, '{"command":', id="call_1", name="Bash"), tool(0, '"ls"}'),
         chunk(finish="tool_calls")],
        ["start 0 text", "text 0 Checking.", "stop 0", "start 1 tool_use Bash", 'input_json 1 {"command":',
         'input_json 1 "ls"}', "stop 1", "end tool_use"],
        id="text-then-tool-live",
    ),
    pytest.param(
        [tool(0, '{"a":1}', id="c1", name="A"), text("Done.")],
        ["start 0 tool_use A", 'input_json 0 {"a":1}', "stop 0", "start 1 text", "text 1 Done.", "stop 1",
         "end tool_use"],
        id="text-after-tool-opens-new-block",
    ),
    pytest.param(
        [tool(0, '{"a":', id="c1", name="A"), tool(0, "1}"),
         tool(1, '{"b":', id="c2", name="B"), tool(1, "2}"), chunk(finish="tool_calls")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 tool_use B", 'input_json 1 {"b":', "input_json 1 2}", "stop 1", "end tool_use"],
        id="parallel-tools-in-order-both-live",
    ),
    pytest.param(
        [tool(0, '{"a":', id="c1", name="A"), tool(1, '{"b":', id="c2", name="B"),
         tool(0, "1}"), tool(1, "2}"), chunk(finish="tool_calls")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 tool_use B", 'input_json 1 {"b":2}', "stop 1", "end tool_use"],
        id="parallel-tools-interleaved-second-buffered",
    ),
    pytest.param(
        [tool(0, '{"a":', id="c1", name="A"), tool(1, '{"b":', id="c2", name="B"), tool(0, "1}"),
         tool(2, '{"c":3}', id="c3", name="C"), tool(1, "2}")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 tool_use B", 'input_json 1 {"b":', "input_json 1 2}", "stop 1",
         "start 2 tool_use C", 'input_json 2 {"c":3}', "stop 2", "end tool_use"],
        id="held-tool-goes-live-when-the-first-completes",
    ),
    pytest.param(
        [tool(0, '{"a":', id="c1", name="A"), text("x"), tool(0, "1}"), text("y")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 text", "text 1 x", "text 1 y", "stop 1", "end tool_use"],
        id="text-inside-unfinished-tool-arguments-held",
    ),
    pytest.param(
        [tool(0, '{"a":1', id="c1", name="A"), reasoning("r"), tool(0, "}"), chunk(finish="tool_calls")],
        ["start 0 tool_use A", 'input_json 0 {"a":1', "input_json 0 }", "stop 0",
         "start 1 thinking", "thinking 1 r", "sig 1", "stop 1", "end tool_use"],
        id="held-reasoning-released-at-finish",
    ),
    pytest.param(
        [tool(0, '{"q":'), tool(0, '"x"}', id="late_id", name="Late")],
        ["start 0 tool_use Late", 'input_json 0 {"q":"x"}', "stop 0", "end tool_use"],
        id="id-and-name-in-a-later-fragment",
    ),
    pytest.param(
        [tool(0, '{"q":1}')],
        ["start 0 tool_use unknown_tool", 'input_json 0 {"q":1}', "stop 0", "end tool_use"],
        id="name-never-arrives",
    ),
    pytest.param(
        [tool(0, "{'q': True}")],
        ["start 0 tool_use unknown_tool", 'input_json 0 {"q":true}', "stop 0", "end tool_use"],
        id="tool-sent-whole-at-finish-is-repaired",
    ),
    pytest.param(
        [tool(0, '{"q": true,', id="c1"), tool(0, None, name="A"), tool(0, '"r": 1}')],
        ["start 0 tool_use A", 'input_json 0 {"q": true,', 'input_json 0 "r": 1}', "stop 0", "end tool_use"],
        id="late-name-then-live",
    ),
    pytest.param(
        [tool(0, None, id="c1"), tool(1, '{"b":2}', id="c2", name="B"), tool(0, '{"a":1}', name="A")],
        ["start 0 tool_use A", 'input_json 0 {"a":1}', "stop 0",
         "start 1 tool_use B", 'input_json 1 {"b":2}', "stop 1", "end tool_use"],
        id="unnamed-live-tool-holds-the-next",
    ),
    pytest.param(
        [tool(0, '{"a":', id="c1", name="A"), tool(1, "{'b': True,", id="c2", name="B"), tool(0, "1}")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 tool_use B", 'input_json 1 {"b":true}', "stop 1", "end tool_use"],
        id="held-tool-repaired-when-sent-whole-at-finish",
    ),
    pytest.param(
        [tool(None, '{"a":', id="x1", name="A"), tool(None, "1}"), tool(None, "{}", id="x2", name="B")],
        ["start 0 tool_use A", 'input_json 0 {"a":', "input_json 0 1}", "stop 0",
         "start 1 tool_use B", "input_json 1 {}", "stop 1", "end tool_use"],
        id="missing-index-new-id-is-new-call",
    ),
    pytest.param(
        [tool(0, "", id="c1", name="NoArgs"), chunk(finish="tool_calls")],
        ["start 0 tool_use NoArgs", "stop 0", "end tool_use"],
        id="tool-without-arguments",
    ),
    pytest.param(
        [chunk({"function_call": {"name": "Legacy", "arguments": '{"x":'}}),
         chunk({"function_call": {"arguments": "1}"}})],
        ["start 0 tool_use Legacy", 'input_json 0 {"x":', "input_json 0 1}", "stop 0", "end tool_use"],
        id="legacy-function-call-deltas",
    ),
    pytest.param(
        [reasoning("a"), text("b"), reasoning("c"), text("d")],
        ["start 0 thinking", "thinking 0 a", "sig 0", "stop 0", "start 1 text", "text 1 b", "stop 1",
         "start 2 thinking", "thinking 2 c", "sig 2", "stop 2",
         "start 3 text", "text 3 d", "stop 3", "end end_turn"],
        id="alternating-reasoning-and-text",
    ),
    pytest.param(
        [chunk({"role": "assistant"}), chunk({}), chunk({"content": None}), chunk({"content": ""}),
         {"choices": []}, {"object": "chat.completion.chunk"}, chunk(None), text("x")],
        ["start 0 text", "text 0 x", "stop 0", "end end_turn"],
        id="empty-and-odd-chunks-tolerated",
    ),
    pytest.param(
        [chunk({"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]}]}),
         chunk({"content": [{"type": "text", "text": "A"}]})],
        ["start 0 thinking", "thinking 0 hm", "sig 0", "stop 0", "start 1 text", "text 1 A", "stop 1",
         "end end_turn"],
        id="mistral-content-parts",
    ),
    pytest.param(
        [{"choices": {"0": {}}}, {"choices": ["x"]}, {"choices": [{"delta": "x"}]}, {"choices": None}, text("ok")],
        ["start 0 text", "text 0 ok", "stop 0", "end end_turn"],
        id="malformed-chunks-ignored",
    ),
    pytest.param([], ["end end_turn"], id="no-chunks-at-all"),
    pytest.param([text("x"), chunk(finish="length")],
                 ["start 0 text", "text 0 x", "stop 0", "end max_tokens"], id="length"),
    pytest.param([text("x"), chunk(finish="content_filter")],
                 ["start 0 text", "text 0 x", "stop 0", "end refusal"], id="content-filter"),
    pytest.param([tool(0, "{}", id="c", name="A"), chunk(finish="stop")],
                 ["start 0 tool_use A", "input_json 0 {}", "stop 0", "end tool_use"], id="stop-with-tools"),
]  # fmt: skip


@pytest.mark.parametrize(("chunks", "expected"), TRACE_CASES)
def test_event_sequence(chunks: list[dict[str, Any]], expected: list[str]) -> None:
    events, _ = run(chunks)
    assert trace(events) == expected


def test_llamacpp_recorded_text_stream() -> None:
    events, writer = run(recorded_chunks("llamacpp_text.sse"), input_tokens=99)
    msg = message(events)
    assert msg["content"] == [{"type": "text", "text": "The most obvious colour is white, fire and blood,"}]
    assert msg["stop_reason"] == "max_tokens"
    assert events[-2][1]["usage"] == {"input_tokens": 25, "output_tokens": 32, "cache_read_input_tokens": 0}
    assert events[0][1]["message"]["usage"]["input_tokens"] == 99
    assert not writer.output_tokens_estimated
    assert writer.output_text == msg["content"][0]["text"]


def test_llamacpp_recorded_tool_stream_as_it_arrived() -> None:
    writer = AnthropicStreamWriter("claude-test")
    parser = SSEParser()
    out = b""
    for read in recorded_reads("llamacpp_tool.sse"):
        for event in parser.feed(read):
            if event.data != "[DONE]":
                out += writer.feed(orjson.loads(event.data))
    out += writer.finish()
    events = parse_sse_bytes(out)
    check_anthropic_stream(events)
    assert trace(events) == [
        "start 0 tool_use get_weather",
        "input_json 0 {", 'input_json 0 "', "input_json 0 city", 'input_json 0 ":', 'input_json 0  "',
        "input_json 0 Paris", 'input_json 0 "', "input_json 0 }",
        "stop 0", "end tool_use",
    ]  # fmt: skip
    block = message(events)["content"][0]
    assert block["id"] == "OAn1Y5F5YztyXZMr1xyCMBHrlMDlcZto"  # no call_ prefix, kept as is
    assert block["input"] == {"city": "Paris"}
    assert events[-2][1]["usage"] == {"input_tokens": 1, "output_tokens": 31, "cache_read_input_tokens": 306}


def test_generated_signature_is_signature_of_the_whole_thinking() -> None:
    events, _ = run([reasoning("Let me "), reasoning("think."), text("A")])
    assert message(events)["content"][0]["signature"] == signature_for("Let me think.")


def test_provider_signature_kept() -> None:
    events, _ = run([chunk({"thinking": {"content": "T"}}), chunk({"thinking": {"signature": "prov"}})])
    assert message(events)["content"][0] == {"type": "thinking", "thinking": "T", "signature": "prov"}


def test_openrouter_reasoning_details_signature() -> None:
    details = [{"type": "reasoning.text", "text": "T", "signature": "or-sig"}]
    events, _ = run([chunk({"reasoning": "T", "reasoning_details": details}), text("A")])
    assert message(events)["content"][0]["signature"] == "or-sig"


USAGE_CASES = [
    pytest.param(
        [text("x"), {**chunk(finish="stop"), **usage_chunk(10, 3, 4)}],
        {"input_tokens": 6, "output_tokens": 3, "cache_read_input_tokens": 4},
        False,
        id="usage-in-the-finish-chunk",
    ),
    pytest.param(
        [text("x"), chunk(finish="stop"), usage_chunk(10, 3)],
        {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 0},
        False,
        id="usage-in-a-later-empty-choices-chunk",
    ),
    pytest.param(
        [text("x"), chunk(finish="stop")],
        {"input_tokens": 7, "output_tokens": 0, "cache_read_input_tokens": 0},
        True,
        id="no-usage-constructor-input-tokens",
    ),
    pytest.param(
        [{**text("x"), "usage": None}, chunk(finish="stop")],
        {"input_tokens": 7, "output_tokens": 0, "cache_read_input_tokens": 0},
        True,
        id="openai-usage-null-on-every-chunk",
    ),
    pytest.param(
        [text("x"), {**chunk(finish="stop"), "usage": {"prompt_tokens": 50, "completion_tokens": 2,
                                                       "prompt_cache_hit_tokens": 40}}],
        {"input_tokens": 10, "output_tokens": 2, "cache_read_input_tokens": 40},
        False,
        id="deepseek-cache-hit",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("chunks", "usage", "estimated"), USAGE_CASES)
def test_usage(chunks: list[dict[str, Any]], usage: dict[str, int], estimated: bool) -> None:
    events, writer = run(chunks, input_tokens=7)
    assert events[-2][1]["usage"] == usage
    assert writer.usage == usage
    assert writer.output_tokens_estimated is estimated


def test_locally_counted_output_used_only_without_upstream_usage() -> None:
    writer = AnthropicStreamWriter("m", input_tokens=5)
    writer.feed(text("hello"))
    tail = parse_sse_bytes(writer.finish(estimated_output_tokens=2))
    assert tail[-2][1]["usage"]["output_tokens"] == 2
    writer = AnthropicStreamWriter("m")
    writer.feed(text("hello"))
    writer.feed(usage_chunk(3, 9))
    writer.set_output_tokens(2)
    assert parse_sse_bytes(writer.finish())[-2][1]["usage"]["output_tokens"] == 9


STOP_SEQUENCE_CASES = [
    pytest.param([text("x"), chunk(finish="stop", choice={"stop_reason": "###"})], ("###",), "###", id="vllm"),
    pytest.param([text("x"), chunk(finish="stop", choice={"matched_stop": "END"})], ("END",), "END", id="sglang"),
    pytest.param([text("x"), chunk(finish="stop", choice={"stop_reason": 2})], ("###",), None, id="token-id"),
    pytest.param([text("x END"), chunk(finish="stop")], ("END",), "END", id="text-ends-with-it"),
    pytest.param([text("x"), chunk(finish="stop")], ("END",), None, id="llamacpp-reports-nothing"),
]


@pytest.mark.parametrize(("chunks", "stops", "expected"), STOP_SEQUENCE_CASES)
def test_stop_sequence(chunks: list[dict[str, Any]], stops: tuple[str, ...], expected: str | None) -> None:
    events, writer = run(chunks, stop_sequences=stops)
    delta = events[-2][1]["delta"]
    assert delta["stop_sequence"] == expected
    assert delta["stop_reason"] == ("stop_sequence" if expected else "end_turn")
    assert writer.stop_reason == delta["stop_reason"]


def test_tool_ids_sanitised_and_unique_in_stream() -> None:
    events, _ = run(
        [
            tool(0, "{}", id="functions.Read:0", name="Read"),
            tool(1, "{}", id="dup", name="A"),
            tool(2, "{}", id="dup", name="B"),
        ]
    )
    ids = [b["id"] for b in message(events)["content"]]
    assert ids[0] == "functions_Read_0"
    assert ids[1] == "dup" and ids[2].startswith("toolu_")


def test_error_chunk_raises_before_anything_is_written() -> None:
    writer = AnthropicStreamWriter("m")
    with pytest.raises(UpstreamError) as caught:
        writer.feed({"error": {"message": "model overloaded", "code": 529}})
    assert "model overloaded" in caught.value.message
    assert caught.value.status == 529
    assert not writer.started


def test_error_event_closes_the_writer() -> None:
    writer = AnthropicStreamWriter("m")
    out = writer.feed(text("partial"))
    out += writer.error("api_error", "provider,model: stream failed: reset")
    assert writer.feed(text("more")) == b"" and writer.finish() == b"" and writer.error("x", "y") == b""
    events = parse_sse_bytes(out)
    check_anthropic_stream(events)
    assert events[-1] == (
        "error",
        {"type": "error", "error": {"type": "api_error", "message": "provider,model: stream failed: reset"}},
    )


def test_start_once_and_finish_idempotent() -> None:
    writer = AnthropicStreamWriter("m", message_id="msg_fixed", input_tokens=3)
    first = writer.start()
    assert writer.start() == b""
    assert writer.started and not writer.finished
    start = parse_sse_bytes(first)[0][1]["message"]
    assert start["id"] == "msg_fixed" and start["model"] == "m" and start["usage"]["input_tokens"] == 3
    end = writer.finish()
    assert writer.finished and writer.finish() == b"" and writer.feed(text("late")) == b""
    assert [name for name, _ in parse_sse_bytes(end)] == ["message_delta", "message_stop"]


def test_stop_reason_property_before_and_after() -> None:
    writer = AnthropicStreamWriter("m")
    writer.feed(text("x"))
    assert writer.stop_reason is None
    writer.feed(chunk(finish="length"))
    assert writer.stop_reason == "max_tokens"


def test_text_with_json_special_characters_round_trips() -> None:
    tricky = 'quote " backslash \\ newline \n tab \t unicode ✓ \u2028 nul \x00'
    events, writer = run([text(tricky), text(tricky)])
    assert message(events)["content"][0]["text"] == tricky * 2
    assert writer.output_text == tricky * 2
