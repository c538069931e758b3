"""Auth, public routes, model list, count_tokens and error shapes over real sockets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.server.conftest import APIKEY


def call(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/health"), ("HEAD", "/"), ("GET", "/"), ("GET", "/api/hello")]
)
def test_public_routes_need_no_key(router_url: str, method: str, path: str) -> None:
    status, _, _ = call(router_url + path, method)
    assert status == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"x-api-key": "wrong"}, id="wrong-x-api-key"),
        pytest.param({"authorization": "Bearer wrong"}, id="wrong-bearer"),
    ],
)
def test_auth_rejects(router_url: str, headers: dict[str, str]) -> None:
    status, _, body = call(router_url + "/v1/models", headers=headers)
    assert status == 401
    assert json.loads(body)["error"]["type"] == "authentication_error"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"x-api-key": APIKEY}, id="x-api-key"),
        pytest.param({"authorization": f"Bearer {APIKEY}"}, id="bearer"),
        pytest.param(
            {"authorization": f"Bearer {APIKEY}", "x-api-key": "sk-ant-their-own"}, id="both-one-matches"
        ),
    ],
)
def test_auth_accepts(router_url: str, headers: dict[str, str]) -> None:
    status, _, body = call(router_url + "/v1/models", headers=headers)
    assert status == 200
    assert [m["id"] for m in json.loads(body)["data"]] == ["mock,mock-model", "mock,Other-Model"]


def test_count_tokens(router_url: str) -> None:
    status, _, body = call(
        router_url + "/v1/messages/count_tokens",
        "POST",
        {"model": "m", "messages": [{"role": "user", "content": "hello world"}]},
        {"x-api-key": APIKEY},
    )
    assert status == 200
    assert json.loads(body) == {"input_tokens": 2}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param(b"{not json", "not valid JSON", id="invalid-json"),
        pytest.param(b'{"max_tokens": 5}', "messages", id="missing-messages"),
        pytest.param(b"\xff\xfe", "not valid JSON", id="invalid-utf8"),
        pytest.param(b"[1]", "JSON object", id="not-object"),
    ],
)
def test_malformed_bodies_are_400(router_url: str, raw: bytes, fragment: str) -> None:
    req = urllib.request.Request(
        router_url + "/v1/messages", data=raw, method="POST", headers={"x-api-key": APIKEY}
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 400
    err = json.loads(info.value.read())
    assert err["type"] == "error" and fragment in err["error"]["message"]


def test_unknown_route_is_anthropic_404(router_url: str) -> None:
    status, _, body = call(router_url + "/v1/nothing", headers={"x-api-key": APIKEY})
    assert status == 404
    assert json.loads(body)["error"]["type"] == "not_found_error"


def test_beta_query_accepted(router_url: str) -> None:
    status, headers, body = call(
        router_url + "/v1/messages?beta=true",
        "POST",
        {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
        {"x-api-key": APIKEY},
    )
    assert status == 200, body
    assert headers["x-ccr-route"] == "default mock,mock-model"
