"""CallScanner: which written forms become calls, and what is held back while streaming."""

from __future__ import annotations

import pytest

from ccr.transformers.textcall_scan import MAX_HELD, CallPiece, CallScanner, Piece, TextPiece, parse_call

TOOLS = frozenset({"get_weather", "TodoWrite"})
W = CallPiece("get_weather", '{"city":"Paris"}')


def scan_whole(content: str) -> list[Piece]:
    sc = CallScanner(TOOLS)
    return merged(sc.feed(content) + sc.finish())


def scan_parts(parts: list[str]) -> list[Piece]:
    sc = CallScanner(TOOLS)
    out: list[Piece] = []
    for p in parts:
        out += sc.feed(p)
    return merged(out + sc.finish())


def merged(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if isinstance(p, TextPiece) and out and isinstance(out[-1], TextPiece):
            out[-1] = TextPiece(out[-1].text + p.text)
        else:
            out.append(p)
    return out


WHOLE = [
    pytest.param('{"name": "get_weather", "arguments": {"city": "Paris"}}', [W], id="bare-json"),
    pytest.param('{"name": "get_weather", "parameters": {"city": "Paris"}}', [W], id="parameters-key"),
    pytest.param('{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}', [W], id="args-as-string"),
    pytest.param(
        '{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}',
        [W],
        id="openai-function-wrapper",
    ),
    pytest.param(
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', [W], id="hermes"
    ),
    pytest.param(
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}', [W], id="hermes-unclosed-at-end"
    ),
    pytest.param('```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```', [W], id="fenced-json"),
    pytest.param('```\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```', [W], id="fenced-no-lang"),
    pytest.param(
        'Let me check.\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n',
        [TextPiece("Let me check."), W],
        id="text-then-call-whitespace-dropped",
    ),
    pytest.param(
        'Checking. <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        [TextPiece("Checking."), W],
        id="hermes-mid-line",
    ),
    pytest.param(
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n'
        '<tool_call>{"name": "TodoWrite", "arguments": {"todos": []}}</tool_call>',
        [W, CallPiece("TodoWrite", '{"todos":[]}')],
        id="two-calls",
    ),
    pytest.param(
        '{"name": "get_weather", "arguments": {"city": "Paris"}} Done.',
        [W, TextPiece(" Done.")],
        id="text-after-call",
    ),
    pytest.param(
        '{"name": "get_weather", "arguments": {"city": "a \\"}\\" b"}}',
        [CallPiece("get_weather", '{"city":"a \\"}\\" b"}')],
        id="braces-and-quotes-inside-strings",
    ),
    # Stays text:
    pytest.param("I will use get_weather for this.", [TextPiece("I will use get_weather for this.")], id="mention"),
    pytest.param(
        '{"name": "send_mail", "arguments": {}}',
        [TextPiece('{"name": "send_mail", "arguments": {}}')],
        id="unknown-tool",
    ),
    pytest.param('{"name": "get_weather"}', [TextPiece('{"name": "get_weather"}')], id="no-arguments"),
    pytest.param(
        '{"name": "get_weather", "arguments": {}, "note": 1}',
        [TextPiece('{"name": "get_weather", "arguments": {}, "note": 1}')],
        id="extra-key",
    ),
    pytest.param(
        'Call it like {"name": "get_weather", "arguments": {"city": "Paris"}} please',
        [TextPiece('Call it like {"name": "get_weather", "arguments": {"city": "Paris"}} please')],
        id="bare-json-mid-line",
    ),
    pytest.param('{"city": "Paris"}', [TextPiece('{"city": "Paris"}')], id="other-json"),
    pytest.param("```python\nprint(1)\n```", [TextPiece("```python\nprint(1)\n```")], id="fenced-python"),
    pytest.param(
        '{"name": "get_weather", "arguments": {"city": "Pa',
        [TextPiece('{"name": "get_weather", "arguments": {"city": "Pa')],
        id="truncated-json",
    ),
    pytest.param(
        '<tool_call>oops <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        [TextPiece("<tool_call>oops"), W],
        id="broken-hermes-then-call",
    ),
    pytest.param("a < b and `x`\n", [TextPiece("a < b and `x`\n")], id="angle-and-ticks"),
    pytest.param("  \n", [TextPiece("  \n")], id="whitespace-only"),
    pytest.param("", [], id="empty"),
]


@pytest.mark.parametrize(("content", "expected"), WHOLE)
def test_whole_content(content: str, expected: list[Piece]) -> None:
    assert scan_whole(content) == expected


@pytest.mark.parametrize(("content", "expected"), WHOLE)
def test_every_two_way_split_decides_the_same(content: str, expected: list[Piece]) -> None:
    for cut in range(1, len(content)):
        assert scan_parts([content[:cut], content[cut:]]) == expected, cut


@pytest.mark.parametrize(("content", "expected"), WHOLE)
def test_char_by_char_decides_the_same(content: str, expected: list[Piece]) -> None:
    assert scan_parts(list(content)) == expected


HOLD = [
    pytest.param(["Hello", " world"], ["Hello", " world"], id="plain-text-passes-at-once"),
    pytest.param(["Hello ", "world"], ["Hello", " world"], id="trailing-space-held-one-step"),
    pytest.param(["Sure.\n", "Next"], ["Sure.", "\nNext"], id="line-break-held-until-next-text"),
    pytest.param(["a <tool", "box"], ["a", " <toolbox"], id="partial-hermes-tag-held"),
    pytest.param(["x\n`", "`", "`py"], ["x", "", "\n```py"], id="fence-held-until-language-rules-it-out"),
    pytest.param(['{"ci', 'ty": 1}'], ['{"ci', 'ty": 1}'], id="json-released-on-non-call-key"),
    pytest.param(['{"name": "get_w', 'eather", "arguments": {'], ["", ""], id="json-held-while-tool-prefix"),
    pytest.param(['{"name": "get_x'], ['{"name": "get_x'], id="json-released-on-unknown-name-prefix"),
    pytest.param(["{ 1"], ["{ 1"], id="json-released-when-not-an-object-key"),
    pytest.param(["<tool_call>Hi"], ["<tool_call>Hi"], id="hermes-released-when-not-json"),
    pytest.param(["not {"], ["not {"], id="brace-mid-line-not-held"),
]


@pytest.mark.parametrize(("parts", "emitted"), HOLD)
def test_what_is_given_out_after_each_feed(parts: list[str], emitted: list[str]) -> None:
    sc = CallScanner(TOOLS)
    got = ["".join(p.text for p in sc.feed(part) if isinstance(p, TextPiece)) for part in parts]
    assert got == emitted


def test_runaway_candidate_is_released_as_text() -> None:
    sc = CallScanner(TOOLS)
    head = '<tool_call>{"name": "get_weather", "arguments": {"city": "'
    assert sc.feed(head) == []
    out = sc.feed("x" * MAX_HELD)
    assert out == [TextPiece(head + "x" * MAX_HELD)]


def test_long_call_is_scanned_incrementally() -> None:
    sc = CallScanner(TOOLS)
    body = '{"name": "TodoWrite", "arguments": {"text": "' + "y" * 100_000 + '"}}'
    out: list[Piece] = []
    for i in range(0, len(body), 7):
        out += sc.feed(body[i : i + 7])
    assert out == [CallPiece("TodoWrite", '{"text":"' + "y" * 100_000 + '"}')]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"name": "get_weather", "arguments": {}}', CallPiece("get_weather", "{}"), id="empty-args"),
        pytest.param('{"name": "get_weather", "arguments": []}', None, id="args-not-object"),
        pytest.param('{"name": "get_weather", "arguments": "not json"}', None, id="args-string-not-json"),
        pytest.param('[{"name": "get_weather", "arguments": {}}]', None, id="array"),
        pytest.param('{"name": 3, "arguments": {}}', None, id="name-not-string"),
        pytest.param("{", None, id="not-json"),
    ],
)
def test_parse_call(text: str, expected: CallPiece | None) -> None:
    assert parse_call(text, TOOLS) == expected
