"""Property tests of client input, and a hunt for secrets in every output at debug level."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccr.config.load import load_config
from ccr.logs import setup_logging
from ccr.testing import MockResponse, MockUpstream, run_router, write_config
from tests.server.conftest import APIKEY, base_config

UPSTREAM_KEY = "sk-upstream-test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with MockUpstream() as up, run_router(base_config(up), tmp_path_factory.mktemp("fuzz")) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def post(server: tuple[str, int], body: bytes) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.request("POST", "/v1/messages", body, {"x-api-key": APIKEY, "content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_random_bytes_get_a_4xx(server: tuple[str, int], raw: bytes) -> None:
    status, body = post(server, raw)
    assert 400 <= status < 500, body
    assert body["type"] == "error" and body["error"]["message"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "model": json_values,
            "max_tokens": json_values,
            "messages": st.lists(
                st.fixed_dictionaries({}, optional={"role": json_values, "content": json_values}), max_size=3
            )
            | json_values,
            "system": json_values,
            "tools": json_values,
            "stream": json_values,
        },
    )
)
def test_random_shapes_never_5xx(server: tuple[str, int], body: dict[str, Any]) -> None:
    status, answer = post(server, json.dumps(body).encode())
    assert status == 200 or 400 <= status < 500, answer
    if status != 200:
        assert answer["type"] == "error"


def test_deep_nesting_is_400(server: tuple[str, int]) -> None:
    status, answer = post(server, b"[" * 5000 + b"]" * 5000)
    assert status == 400, answer


def test_unknown_block_types_are_tolerated(server: tuple[str, int]) -> None:
    body = {
        "model": "m", "max_tokens": 5,
        "messages": [
            {"role": "user", "content": [{"type": "hologram", "x": 1}, {"type": "text", "text": "hi"}]}
        ],
        "brand_new_field": {"x": 1},
    }  # fmt: skip
    status, answer = post(server, json.dumps(body).encode())
    assert status == 200, answer


@pytest.mark.usefixtures("restore_logging")
def test_no_secret_in_logs_errors_or_api(tmp_path: Path) -> None:
    with MockUpstream() as up:
        cfg = base_config(up, LOG=True, LOG_LEVEL="debug", retry={"attempts": 0})
        up.enqueue(MockResponse.error(401, f"Incorrect API key provided: {UPSTREAM_KEY}"))
        setup_logging(load_config(write_config(cfg, tmp_path)))
        with run_router(cfg, tmp_path) as url:
            host, port = url.removeprefix("http://").split(":")
            outputs: list[str] = []
            for path, method, payload in [
                (
                    "/v1/messages",
                    "POST",
                    {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
                ),
                (
                    "/v1/messages",
                    "POST",
                    {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
                ),
                ("/v1/messages", "POST", {"model": "nope,x", "max_tokens": 5, "messages": []}),
                ("/v1/models", "GET", None),
                ("/api/status", "GET", None),
                ("/api/config", "GET", None),
                ("/v1/messages/count_tokens", "POST", {"messages": []}),
            ]:
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request(method, path, json.dumps(payload) if payload else None, {"x-api-key": APIKEY})
                outputs.append(conn.getresponse().read().decode())
                conn.close()
    logging.getLogger("ccr").info("debug probe %s", UPSTREAM_KEY)  # even a careless log call is blanked
    logs = [p.read_text() for p in tmp_path.rglob("*.log")]
    assert any("route=" in text and "debug probe ***" in text for text in logs)
    outputs += logs
    assert any("Incorrect API key" in o for o in outputs)  # the upstream's message did reach the client…
    for text in outputs:
        assert UPSTREAM_KEY not in text  # …with the key blanked
        assert APIKEY not in text
