"""Reasoning in tags: the splitter at every byte split, `extrathinktag`, `forcereasoning`, `chutes-glm`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.transformers.chutes_glm import ChutesGlm, parse_call
from ccr.transformers.extrathinktag import ExtraThinkTag
from ccr.transformers.forcereasoning import INSTRUCTION, ForceReasoning
from ccr.transformers.testing import (
    chunks,
    completion,
    make_ctx,
    run_request,
    run_response,
    run_stream,
    stream_reasoning,
    stream_text,
    stream_tool_calls,
)
from ccr.transformers.thinktags import REASONING, TEXT, TagSplitter

CASES = [
    pytest.param("<think>plan</think>\n\nAnswer", "plan", "Answer", id="leading-block"),
    pytest.param("Intro <think>plan</think>Answer", "plan", "Intro Answer", id="text-before-kept"),
    pytest.param("no tags < here >", "", "no tags < here >", id="no-tags-angle-brackets"),
    pytest.param("<think>unfinished", "unfinished", "", id="never-closed"),
    pytest.param("a<thin", "", "a<thin", id="partial-tag-at-end-is-text"),
]


def split_all(text: str, size: int, splitter: TagSplitter) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i in range(0, len(text), size):
        out += splitter.feed(text[i : i + size])
    return out + splitter.flush()


@pytest.mark.parametrize(("text", "reasoning", "answer"), CASES)
@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_splitter_any_split(text: str, reasoning: str, answer: str, size: int) -> None:
    pieces = split_all(text, size, TagSplitter("<think>", "</think>"))
    assert "".join(p for k, p in pieces if k == REASONING) == reasoning
    assert "".join(p for k, p in pieces if k == TEXT) == answer


def test_splitter_starting_inside() -> None:
    pieces = split_all("thinking...</think>\nDone", 4, TagSplitter("<think>", "</think>", inside=True))
    assert "".join(p for k, p in pieces if k == REASONING) == "thinking..."
    assert "".join(p for k, p in pieces if k == TEXT) == "Done"


@pytest.mark.parametrize("size", [1, 4, 50])
def test_extrathinktag_stream(size: int) -> None:
    text = "<think>step 1\nstep 2</think>\n\nThe result."
    stream = chunks(*[text[i : i + size] for i in range(0, len(text), size)], usage={"prompt_tokens": 3})
    out = run_stream(ExtraThinkTag(), stream)
    assert stream_reasoning(out) == "step 1\nstep 2"
    assert stream_text(out) == "The result."
    assert out[-1]["choices"][0]["finish_reason"] == "stop" and out[-1]["usage"] == {"prompt_tokens": 3}
    # reasoning comes before the text, as thinking blocks must
    kinds = [next(iter(c["choices"][0]["delta"]), None) for c in out]
    assert kinds.index("reasoning_content") < kinds.index("content")


def test_extrathinktag_json() -> None:
    out = run_response(ExtraThinkTag(), completion("<think>why</think>Because."))
    message = out["choices"][0]["message"]
    assert message["reasoning_content"] == "why" and message["content"] == "Because."


def test_forcereasoning_request_instructs_and_replays_reasoning() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1", "reasoning_content": "r1", "reasoning_signature": "s"},
            {"role": "user", "content": [{"type": "text", "text": "q2"}]},
        ]
    }
    out = run_request(ForceReasoning(), body)
    assert out["messages"][1] == {"role": "assistant", "content": "<reasoning_content>r1</reasoning_content>\na1"}
    assert out["messages"][2]["content"][-1] == {"type": "text", "text": INSTRUCTION}


def test_forcereasoning_after_tool_result_adds_a_user_turn() -> None:
    body = {"messages": [{"role": "tool", "tool_call_id": "c", "content": "ok"}]}
    assert run_request(ForceReasoning(), body)["messages"][-1] == {"role": "user", "content": INSTRUCTION}


def test_forcereasoning_stream() -> None:
    out = run_stream(ForceReasoning(), chunks("<reasoning_", "content>hmm</reasoning_content>", "Yes."))
    assert (stream_reasoning(out), stream_text(out)) == ("hmm", "Yes.")


# ---------------------------------------------------------------- chutes-glm

GLM_CALL = (
    "<tool_call>Read\n<arg_key>file_path</arg_key>\n<arg_value>/tmp/a.txt</arg_value>\n"
    "<arg_key>limit</arg_key>\n<arg_value>20</arg_value>\n</tool_call>"
)
SCHEMA_BODY = {
    "tools": [
        {
            "name": "Read",
            "input_schema": {
                "type": "object",
                "properties": {"file_path": {"type": "string"}, "limit": {"type": "integer"}},
            },
        }
    ]
}


def test_glm_parse_call_types_values_by_schema() -> None:
    schemas = {"Read": SCHEMA_BODY["tools"][0]["input_schema"]}  # type: ignore[index]
    name, args = parse_call(GLM_CALL[len("<tool_call>") : -len("</tool_call>")], schemas)
    assert (name, orjson.loads(args)) == ("Read", {"file_path": "/tmp/a.txt", "limit": 20})


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_glm_stream(size: int) -> None:
    text = "<think>need the file</think>Reading it." + GLM_CALL
    stream = chunks(*[text[i : i + size] for i in range(0, len(text), size)])
    ctx = make_ctx("zai-org/GLM-4.5", stream=True, anthropic_body=SCHEMA_BODY)
    out = run_stream(ChutesGlm(), stream, ctx)
    assert stream_reasoning(out) == "need the file"
    assert stream_text(out) == "Reading it."
    calls = stream_tool_calls(out)
    assert calls[0]["name"] == "Read" and orjson.loads(calls[0]["arguments"]) == {
        "file_path": "/tmp/a.txt",
        "limit": 20,
    }
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_glm_json() -> None:
    ctx = make_ctx("zai-org/GLM-4.5", anthropic_body=SCHEMA_BODY)
    out = run_response(ChutesGlm(), completion("<think>x</think>Ok. " + GLM_CALL), ctx)
    choice: dict[str, Any] = out["choices"][0]
    assert choice["message"]["content"] == "Ok."
    assert choice["message"]["tool_calls"][0]["function"]["name"] == "Read"
    assert choice["finish_reason"] == "tool_calls"


def test_glm_request_thinking_switch() -> None:
    on = run_request(
        ChutesGlm(), {"messages": []}, make_ctx(anthropic_body={"thinking": {"type": "enabled", "budget_tokens": 2000}})
    )
    off = run_request(ChutesGlm(), {"messages": []}, make_ctx(anthropic_body={"thinking": {"type": "disabled"}}))
    assert on["chat_template_kwargs"] == {"enable_thinking": True}
    assert off["chat_template_kwargs"] == {"enable_thinking": False}
