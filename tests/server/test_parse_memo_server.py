"""The parse memo in the running router: a recorded Claude Code session replayed over real sockets
routes and converts each request as before while the kept tools and system blocks are reused; a
config with user code (a plugin transformer in a chain, a custom router) keeps no memo."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.protocol.parse_memo import ParseMemo
from ccr.testing import MockUpstream, make_app, serve_app
from tests.recorded_requests import recorded_request

from .conftest import APIKEY, base_config

TAG = "<CCR-SUBAGENT-MODEL>mock,Other-Model</CCR-SUBAGENT-MODEL>\n"


def recorded(name: str, tagged: bool = False) -> bytes:
    """A recorded request's bytes, compact as Claude Code writes them."""
    body = recorded_request(name)
    if tagged:
        body["system"][2]["text"] = TAG + body["system"][2]["text"]
    return orjson.dumps(body)


def post(url: str, data: bytes) -> str:
    req = urllib.request.Request(
        url + "/v1/messages?beta=true", data=data, headers={"x-api-key": APIKEY, "content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert b"event: message_stop" in resp.read()
        return str(resp.headers["x-ccr-route"])


def test_a_replayed_session_routes_and_converts_as_before(upstream: MockUpstream, tmp_path: Path) -> None:
    app = make_app(base_config(upstream), tmp_path)
    memo = app.state.runtime.parse_memo
    assert isinstance(memo, ParseMemo)
    session = [
        ("main_turn", False, "default mock,mock-model"),
        ("subagent_turn", True, "subagent mock,Other-Model"),
        ("tool_result_followup", False, "default mock,mock-model"),
        ("subagent_turn", True, "subagent mock,Other-Model"),
        ("tool_result_followup", False, "default mock,mock-model"),
        ("main_turn", False, "default mock,mock-model"),
    ]
    with serve_app(app) as url:
        routes = [post(url, recorded(name, tagged)) for name, tagged, _ in session]
    assert routes == [route for _, _, route in session]
    sent = [r.body for r in upstream.requests]
    assert sent[1] == sent[3] and sent[2] == sent[4]  # the same request, the same provider body
    assert all(b"CCR-SUBAGENT-MODEL" not in body for body in sent)
    assert memo.hits >= 4  # every request after the first of its kind
    # And those bodies are what the router sent before it kept anything.
    cold = make_app(base_config(upstream), tmp_path)
    upstream.requests.clear()
    with serve_app(cold) as url:
        post(url, recorded("subagent_turn", tagged=True))
        post(url, recorded("tool_result_followup"))
    assert [r.body for r in upstream.requests] == [sent[3], sent[4]]


PLUGIN = """
from ccr.transformers.base import Transformer

class Quiet(Transformer):
    name = "{name}"
"""


def _plugin(tmp_path: Path, name: str) -> dict[str, Any]:
    path = tmp_path / f"{name}.py"
    path.write_text(PLUGIN.format(name=name), encoding="utf-8")
    return {"path": str(path)}


def _with_use(cfg: dict[str, Any], *use: str, model: str | None = None) -> dict[str, Any]:
    chain = {model: {"use": list(use)}} if model else {"use": list(use)}
    cfg["Providers"][0]["transformer"] = chain
    return cfg


@pytest.mark.parametrize(
    ("case", "memo"),
    [
        ("built-ins only", True),
        ("a plugin loaded but in no chain", True),
        ("a plugin in a provider's chain", False),
        ("a plugin in a model's chain", False),
        ("a plugin that takes a built-in's name", False),
        ("a custom router", False),
    ],
)
def test_user_code_keeps_the_router_from_sharing_parsed_parts(
    upstream: MockUpstream, tmp_path: Path, case: str, memo: bool
) -> None:
    cfg = base_config(upstream)
    if case == "built-ins only":
        _with_use(cfg, "cleancache", "enhancetool")
    elif case == "a plugin loaded but in no chain":
        cfg["transformers"] = [_plugin(tmp_path, "quiet")]
    elif case == "a plugin in a provider's chain":
        _with_use(cfg, "cleancache", "quiet")
        cfg["transformers"] = [_plugin(tmp_path, "quiet")]
    elif case == "a plugin in a model's chain":
        _with_use(cfg, "quiet", model="Other-Model")
        cfg["transformers"] = [_plugin(tmp_path, "quiet")]
    elif case == "a plugin that takes a built-in's name":
        _with_use(cfg, "cleancache")
        cfg["transformers"] = [_plugin(tmp_path, "cleancache")]
    else:
        router = tmp_path / "router.py"
        router.write_text("def route(request, config):\n    return None\n", encoding="utf-8")
        cfg["CUSTOM_ROUTER_PATH"] = str(router)
    app = make_app(cfg, tmp_path)
    assert (app.state.runtime.parse_memo is not None) is memo


def test_a_reload_keeps_what_was_kept_unless_user_code_arrives(upstream: MockUpstream, tmp_path: Path) -> None:
    app = make_app(base_config(upstream), tmp_path)
    memo = app.state.runtime.parse_memo
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(upstream, LOG=False)), encoding="utf-8")
    app.state.reload(path)
    assert app.state.runtime.parse_memo is memo
    cfg = _with_use(base_config(upstream), "quiet")
    cfg["transformers"] = [_plugin(tmp_path, "quiet")]
    path.write_text(json.dumps(cfg), encoding="utf-8")
    app.state.reload(path)
    assert app.state.runtime.parse_memo is None
