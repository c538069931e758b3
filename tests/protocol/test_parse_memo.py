"""The parse memo: a body parses to exactly what `orjson.loads` gives, whatever it holds; the kept
tools and system blocks are reused when they come back; a client writing JSON another way costs a
look now and then only; and no built-in transformer or routing step changes a kept element."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from ccr.config.schema import Provider
from ccr.protocol.parse_memo import MIN_BODY, PROBE_EVERY, STRIKES, ParseMemo
from ccr.routing.rules.subagent import strip_subagent_tags
from ccr.transformers.base import Endpoint, RequestContext, Transformer
from ccr.transformers.pipeline import Pipeline
from ccr.transformers.registry import Registry
from tests.recorded_requests import recorded_request

MAIN = recorded_request("main_turn")
FOLLOWUP = recorded_request("tool_result_followup")
SUBAGENT = recorded_request("subagent_turn")


def raw(body: dict[str, Any], **changes: Any) -> bytes:
    return orjson.dumps({**body, **changes})


def parse_all(memo: ParseMemo, bodies: list[bytes]) -> list[Any]:
    """Each body through the memo, checked against a whole parse."""
    out = []
    for data in bodies:
        got = memo.loads(data)
        assert got == orjson.loads(data)
        out.append(got)
    return out


# (case, bodies in order, memo hits after them)
CASES: list[tuple[str, list[bytes], int]] = [
    ("the same request twice", [raw(FOLLOWUP), raw(FOLLOWUP)], 1),
    # The billing header (system[0]) differs from one request to the next; the rest is kept.
    ("the next request of a session", [raw(MAIN), raw(FOLLOWUP), raw(MAIN)], 2),
    ("a subagent between two main turns", [raw(MAIN), raw(SUBAGENT), raw(FOLLOWUP), raw(SUBAGENT)], 2),
    # What follows the tools changed length: found by a search after the key, then at its new place.
    ("the end of the body changed", [raw(FOLLOWUP), raw(FOLLOWUP, max_tokens=7), raw(FOLLOWUP, max_tokens=7)], 2),
    ("the tools changed", [raw(FOLLOWUP), raw(FOLLOWUP, tools=FOLLOWUP["tools"][:-1]), raw(FOLLOWUP)], 2),
    # A kept run that begins a longer list is not taken for it (the list must end there).
    ("tools added at the end", [raw(FOLLOWUP, tools=FOLLOWUP["tools"][:6]), raw(FOLLOWUP), raw(FOLLOWUP)], 2),
    ("a small body is not looked at", [raw(FOLLOWUP, tools=[], system="s")] * 2, 0),
    # Written with spaces (Python's json module): never the compact bytes kept.
    ("another writer's JSON", [json.dumps(FOLLOWUP).encode()] * 3, 0),
    ("no tools, no system", [raw({k: v for k, v in FOLLOWUP.items() if k not in ("tools", "system")})] * 2, 0),
    ("system as one string", [raw(FOLLOWUP, system="x" * MIN_BODY)] * 2, 1),  # the tools still are
]


@pytest.mark.parametrize(("case", "bodies", "hits"), CASES, ids=[c[0] for c in CASES])
def test_a_body_parses_to_what_orjson_gives(case: str, bodies: list[bytes], hits: int) -> None:
    memo = ParseMemo()
    parse_all(memo, bodies)
    assert memo.hits == hits


def test_a_hit_shares_the_kept_elements_in_lists_of_its_own() -> None:
    memo = ParseMemo()
    first, second = parse_all(memo, [raw(MAIN), raw(FOLLOWUP)])
    assert memo.hits == 1
    assert second["tools"] is not first["tools"] and second["system"] is not first["system"]
    assert all(a is b for a, b in zip(second["tools"], first["tools"], strict=True))
    assert second["system"][0] is not first["system"][0]  # the billing header, parsed anew
    assert all(a is b for a, b in zip(second["system"][1:], first["system"][1:], strict=True))


def _nested(value: list[Any]) -> dict[str, Any]:
    """The follow-up with the same tools also nested after the top-level key (a tool's input)."""
    return {**FOLLOWUP, "metadata": {"echo": {"tools": value}}}


# Bodies that hold the kept bytes somewhere other than at the end of the top-level list.
ELSEWHERE: list[tuple[str, bytes]] = [
    ("nested after the top-level key", raw(_nested(FOLLOWUP["tools"]))),
    ("nested, and no top-level tools", raw({k: v for k, v in _nested(FOLLOWUP["tools"]).items() if k != "tools"})),
    ("the top-level key twice, the kept one first", raw(FOLLOWUP)[:-1] + b',"tools":[1]}'),
    ("the top-level key twice, the kept one last", b'{"tools":[1],' + raw(FOLLOWUP)[1:]),
    ("the kept tools followed by one more", raw(FOLLOWUP, tools=[*FOLLOWUP["tools"], {"name": "x"}])),
    ("a string holding them", raw(FOLLOWUP, metadata={"note": raw(FOLLOWUP).decode()})),
]


@pytest.mark.parametrize(("case", "body"), ELSEWHERE, ids=[c[0] for c in ELSEWHERE])
def test_the_kept_bytes_elsewhere_give_what_orjson_gives(case: str, body: bytes) -> None:
    memo = ParseMemo()
    parse_all(memo, [raw(FOLLOWUP), body, body, raw(FOLLOWUP)])


@pytest.mark.parametrize(
    "body",
    [
        raw(FOLLOWUP)[:-1],  # cut short
        raw(FOLLOWUP).replace(b'"stream":true', b'"stream":tru'),
        b"[" + raw(FOLLOWUP) + b"]",  # not an object: the caller says so
        raw(FOLLOWUP).replace(b'"messages":[', b'"messages":[,'),
    ],
    ids=["cut short", "bad literal", "a list", "a stray comma"],
)
def test_a_broken_body_fails_or_parses_as_orjson_says(body: bytes) -> None:
    memo = ParseMemo()
    memo.loads(raw(FOLLOWUP))
    try:
        expected = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        with pytest.raises(orjson.JSONDecodeError) as info:
            memo.loads(body)
        assert str(info.value) == str(exc)  # the error of the whole body, not of a patched one
    else:
        assert memo.loads(body) == expected


def test_another_writer_is_looked_at_now_and_then_only() -> None:
    """After `STRIKES` misses in a row a key is searched for only every `PROBE_EVERY`th body: the
    compact body that follows is learnt at the next probe, not at once."""
    memo = ParseMemo()
    spaced, compact = json.dumps(FOLLOWUP).encode(), raw(FOLLOWUP)
    parse_all(memo, [spaced] * STRIKES)
    parse_all(memo, [compact])
    assert memo.learned == 0
    parse_all(memo, [compact] * (PROBE_EVERY - STRIKES - 1))
    assert memo.learned == 0
    parse_all(memo, [compact, compact])
    assert memo.learned == 2 and memo.hits == 1  # learnt at the probe, reused at once


def test_a_list_that_changes_every_time_is_learnt_now_and_then_only() -> None:
    memo = ParseMemo()
    tools = FOLLOWUP["tools"]
    changing = [raw(FOLLOWUP, tools=[{**tools[0], "description": f"v{i}"}, *tools[1:]]) for i in range(PROBE_EVERY + 1)]
    parse_all(memo, changing)
    learnt = [len(run) for run in memo.kept("tools")]
    # STRIKES learnt in a row, then one at the probe; the system blocks, the same each time, hit.
    assert len(learnt) == STRIKES + 1 and memo.hits == PROBE_EVERY


def test_the_oldest_runs_go_first_past_the_limit() -> None:
    sizes = {n: len(orjson.dumps(FOLLOWUP["tools"][:n])) - 2 for n in range(6, 13)}
    memo = ParseMemo(max_bytes=4 * sizes[12])  # a run may take a quarter of it
    order = [12, 11, 10, 9, 8, 7, 6]
    parse_all(memo, [raw(FOLLOWUP, tools=FOLLOWUP["tools"][:n]) for n in order for _ in range(2)])  # learnt, then hit
    newest, held = [], 0
    for n in reversed(order):
        held += sizes[n]
        if held > memo.max_bytes:
            break
        newest.insert(0, n)
    assert 1 < len(newest) < len(order)
    assert [len(run) for run in memo.kept("tools")] == newest
    learned = memo.learned
    parse_all(memo, [raw(FOLLOWUP, tools=FOLLOWUP["tools"][:12])])  # dropped: learnt again
    assert memo.learned == learned + 1 and [len(run) for run in memo.kept("tools")][-1] == 12


# --- what may run over kept elements ---------------------------------------------------------

_OPTIONS: dict[str, list[dict[str, Any]]] = {
    "maxtoken": [{"max_tokens": 100}],
    "limits": [{}, {"tools": False, "reasoning": False, "vision": False}],
    "customparams": [{"metadata": {"extra": 1}, "tools_extra": {"a": [1]}, "thinking": {"x": 1}}],
    "sampling": [{"temperature": 0.5, "top_k": 3}],
    "enhancetool": [{}],
}


def _variants(registry: Registry) -> list[Transformer]:
    out: list[Transformer] = []
    for name in registry.names():
        cls = registry.get(name)
        assert cls is not None
        if not issubclass(cls, Endpoint):
            out += [cls(options) for options in _OPTIONS.get(name, [{}])]
    return out


def _endpoints(registry: Registry) -> list[Endpoint]:
    """Every endpoint that builds a request without I/O first. Those that fetch a token first
    (Vertex, the CLI logins) build their bodies with the same code as `openai` and `gemini`."""
    out = []
    for name in registry.names():
        cls = registry.get(name)
        if cls is not None and issubclass(cls, Endpoint) and cls.prepare is Endpoint.prepare:
            out.append(cls({"project": "p"} if name.startswith("vertex") else {}))
    return out


def test_no_built_in_transformer_changes_a_kept_element() -> None:
    """And each provider body built from kept elements is, byte for byte, the one built from the
    same request parsed on its own."""
    registry = Registry()
    memo = ParseMemo()
    data = raw(FOLLOWUP)
    memo.loads(data)
    expected = orjson.loads(data)
    provider = Provider(name="p", api_base_url="http://127.0.0.1:9/v1", api_key="sk-test", models=("m",))
    endpoints, variants = _endpoints(registry), _variants(registry)
    assert len(endpoints) >= 4 and len(variants) >= 20
    for endpoint in endpoints:
        for t in [*variants, None]:
            for stream in (True, False):
                pipeline = Pipeline(provider, "m", endpoint, [t] if t else [])
                built = []
                for body in (memo.loads(data), orjson.loads(data)):  # kept elements, then its own
                    ctx = RequestContext(provider=provider, model="m", stream=stream, anthropic_body=body, api_key="k")
                    built.append(pipeline.build(body, ctx).body)
                    assert body == expected, (endpoint.name, t)
                assert built[0] == built[1], (endpoint.name, t)
    assert memo.kept("tools")[-1] == expected["tools"] and memo.kept("system")[-1] == expected["system"][1:]


def test_stripping_the_subagent_tag_leaves_the_kept_block_alone() -> None:
    tag = "<CCR-SUBAGENT-MODEL>fast,reviewer</CCR-SUBAGENT-MODEL>\n"
    system = [*FOLLOWUP["system"][:2], {**FOLLOWUP["system"][2], "text": tag + FOLLOWUP["system"][2]["text"]}]
    data = raw(FOLLOWUP, system=system)
    memo = ParseMemo()
    for _ in range(3):
        body = memo.loads(data)
        assert strip_subagent_tags(body) == "fast,reviewer"
        assert tag not in body["system"][2]["text"]
    assert memo.hits == 2 and memo.kept("system")[-1][1]["text"].startswith(tag)
