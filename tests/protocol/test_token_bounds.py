"""The size-only token bounds hold, with margin, on Claude Code-shaped bodies of every content kind."""

from __future__ import annotations

import base64
import importlib.util
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.protocol.tokens import IMAGE_TOKENS, count_request_tokens, estimate_tokens_from_bytes, token_bounds

SHARED_BODIES = Path("/work/shared/bench/bodies.py")
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "claude_code"
VOCABULARY = (
    "the a to of and in is it that for on with as this be are by not or from at an function value "
    "request response configuration provider router model should returns because however which "
    "implementation middleware authentication streaming transformer environment variable optional "
    "we you they will can may must file line error test check build run update change read write"
)
WORDS = VOCABULARY.split()
CJK = "我们今天在这里讨论路由器的配置文件以及模型的选择问题请检查日志并修复错误然后运行测试"
SIGNATURE = base64.b64encode(bytes(range(256)) * 3).decode()


def prose(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(w.capitalize() + "." if i % 14 == 13 else w for i, w in enumerate(words))


def code(rng: random.Random, lines: int) -> str:
    out = []
    for i in range(1, lines + 1):
        indent = "    " * rng.randint(0, 4)
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        stmt = rng.choice(
            [f"def {a}_{b}(self, {a}: int) -> None:", f"{a}_{b} = self.{a}({b}, {i})", f"return {a} or {b}"]
        )
        out.append(f"{i:6d}→{indent}{stmt}")  # Claude Code's Read tool format
    return "\n".join(out)


def listing(rng: random.Random, lines: int) -> str:
    return "\n".join(
        f"-rw-r--r--  1 user  staff  {rng.randint(10, 99999):>8}  Nov 25 16:21  {rng.choice(WORDS)}.py"
        for _ in range(lines)
    )


def tool(rng: random.Random, name: str) -> dict[str, Any]:
    props = {f"{rng.choice(WORDS)}_{j}": {"type": "string", "description": prose(rng, 20)} for j in range(4)}
    schema = {
        "type": "object",
        "properties": props,
        "required": list(props)[:2],
        "additionalProperties": False,
    }
    return {"name": name, "description": prose(rng, rng.randint(60, 300)), "input_schema": schema}


def turn(rng: random.Random, i: int, kind: str) -> list[dict[str, Any]]:
    result = {"code": code(rng, 150), "listing": listing(rng, 80), "cjk": CJK * 30}.get(kind, prose(rng, 400))
    ask = CJK * 3 if kind == "cjk" else prose(rng, 40)
    return [
        {"role": "user", "content": [{"type": "text", "text": ask}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": prose(rng, 60), "signature": SIGNATURE},
                {
                    "type": "tool_use",
                    "id": f"toolu_{i:020d}",
                    "name": "Read",
                    "input": {"file_path": f"/r/{i}.py"},
                },
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i:020d}", "content": result}],
        },
    ]


def claude_code_body(seed: int, turns: int, kind: str) -> dict[str, Any]:
    rng = random.Random(seed)
    messages = [m for i in range(turns) for m in turn(rng, i, kind)]
    return {
        "model": "claude-sonnet-4-5",
        "system": [{"type": "text", "text": prose(rng, 1500), "cache_control": {"type": "ephemeral"}}],
        "tools": [tool(rng, name) for name in ("Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write", "TodoWrite")],
        "messages": messages,
        "metadata": {"user_id": "user_x_account__session_00000000-0000-4000-8000-000000000000"},
        "max_tokens": 32000,
        "stream": True,
    }


def shared_bodies() -> list[Any]:
    if not SHARED_BODIES.exists():
        return [pytest.param(None, id="shared-bench-bodies", marks=pytest.mark.skip(reason=f"{SHARED_BODIES} absent"))]
    spec = importlib.util.spec_from_file_location("shared_bench_bodies", SHARED_BODIES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [
        pytest.param(module.realistic(), id="shared-realistic"),
        pytest.param(module.small(), id="shared-small"),
    ]


def recorded_bodies() -> list[Any]:
    """Real Claude Code 2.x requests, when the recordings are present."""
    paths = sorted(p for p in RECORDED.glob("*.json") if not p.name.endswith(".headers.json"))
    if not paths:
        return [pytest.param(None, id="recorded", marks=pytest.mark.skip(reason=f"no recordings in {RECORDED}"))]
    return [pytest.param(orjson.loads(p.read_bytes()), id=f"recorded-{p.stem}") for p in paths]


TEXT_BODIES = [
    pytest.param(claude_code_body(1, 1, "prose"), id="fresh-session"),
    pytest.param(claude_code_body(2, 12, "code"), id="code-reading"),
    pytest.param(claude_code_body(3, 12, "listing"), id="padded-command-output"),
    pytest.param(claude_code_body(4, 12, "cjk"), id="cjk-conversation"),
    pytest.param(claude_code_body(5, 60, "code"), id="resumed-long-session"),
    *shared_bodies(),
    *recorded_bodies(),
]


@pytest.mark.parametrize("body", TEXT_BODIES)
def test_byte_bounds_hold_with_margin(body: dict[str, Any]) -> None:
    actual = count_request_tokens(body)
    low, high = estimate_tokens_from_bytes(len(orjson.dumps(body)))
    assert 1.5 * low <= actual <= high


@pytest.mark.parametrize("body", TEXT_BODIES)
def test_part_bounds_hold_with_margin(body: dict[str, Any]) -> None:
    actual = count_request_tokens(body)
    low, high = token_bounds(body)
    assert 1.5 * low <= actual <= high


def test_part_bounds_are_not_fooled_by_images() -> None:
    big = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO" * 250_000}}
    tiny = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    for blocks in ([big, big], [tiny] * 40):
        body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is shown?"}, *blocks]}]}
        actual = count_request_tokens(body)
        assert actual == 4 + len(blocks) * IMAGE_TOKENS
        low, high = token_bounds(body)
        assert low <= actual <= high
        byte_low, byte_high = estimate_tokens_from_bytes(len(orjson.dumps(body)))
        # The documented gaps of the size-only estimate: why the router should prefer token_bounds.
        assert byte_low > actual if blocks[0] is big else byte_high < actual


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        pytest.param(0, (0, 0), id="zero"),
        pytest.param(900, (0, 900), id="envelope-only"),
        pytest.param(121_024, (10_000, 121_024), id="120k-of-text"),
    ],
)
def test_estimate_tokens_from_bytes_values(n: int, expected: tuple[int, int]) -> None:
    assert estimate_tokens_from_bytes(n) == expected
