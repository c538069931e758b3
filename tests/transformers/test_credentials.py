"""Tokens over real sockets: Google service-account tokens (vertex-*), the Gemini CLI's and Qwen
Code's OAuth files (gemini-cli, qwen-cli) and rovo-cli's Atlassian credentials."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ccr.errors import PluginError, UpstreamError
from ccr.transformers.gemini_cli import GeminiCli
from ccr.transformers.qwen_cli import QwenCli
from ccr.transformers.rovo_cli import RovoCli
from ccr.transformers.testing import make_ctx
from ccr.upstream.cli_oauth import OAuthClient, OAuthFile
from ccr.upstream.google_token import GoogleToken
from tests.transformers.mock_http import MockHttp, json_reply, replies


def service_account(tmp_path: Path, token_uri: str) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    info = {
        "type": "service_account",
        "project_id": "sa-project",
        "private_key_id": "k1",
        "private_key": pem.decode(),
        "client_email": "ccr-test@sa-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path = tmp_path / "sa.json"
    path.write_text(orjson.dumps(info).decode())
    return path


def jwt_claims(assertion: str) -> dict[str, Any]:
    payload = assertion.split(".")[1]
    return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_google_token_fetched_once_then_refreshed_when_about_to_expire(tmp_path: Path) -> None:
    token_reply = replies(
        (200, {"access_token": "ya29.first", "expires_in": 3600, "token_type": "Bearer"}),
        (200, {"access_token": "ya29.second", "expires_in": 60, "token_type": "Bearer"}),
        (200, {"access_token": "ya29.third", "expires_in": 3600, "token_type": "Bearer"}),
    )
    async with MockHttp({"/token": token_reply}) as google:
        source = GoogleToken(str(service_account(tmp_path, google.url + "/token")))
        assert await source.token() == "ya29.first"
        assert await source.token() == "ya29.first"  # still fresh: no second fetch
        assert len(google.seen("/token")) == 1
        assert source.project_id == "sa-project"
        form = dict(x.split("=", 1) for x in google.requests[0].body.decode().split("&"))
        assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        claims = jwt_claims(form["assertion"])
        assert claims["iss"] == "ccr-test@sa-project.iam.gserviceaccount.com"
        assert claims["aud"] == "https://oauth2.googleapis.com/token"  # google-auth's audience, sent to token_uri
        assert "cloud-platform" in claims["scope"]

        source._creds.expiry = source._creds.expiry.replace(year=2000)  # the hour has passed
        assert await source.token() == "ya29.second"
        # ya29.second lives 60 s, inside the refresh margin: the next request refreshes at once
        assert await source.token() == "ya29.third"
        assert len(google.seen("/token")) == 3


async def test_google_token_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(UpstreamError) as missing:
        await GoogleToken(str(tmp_path / "nope.json")).token()
    assert missing.value.status == 401 and "nope.json" in missing.value.message
    async with MockHttp({"/token": json_reply({"error": "invalid_grant"}, status=400)}) as google:
        with pytest.raises(UpstreamError) as refused:
            await GoogleToken(str(service_account(tmp_path, google.url + "/token"))).token()
    assert refused.value.status == 401 and "could not get a Google access token" in refused.value.message


def creds_file(tmp_path: Path, expires_in_s: float, **extra: Any) -> Path:
    path = tmp_path / "oauth_creds.json"
    data = {
        "access_token": "old-token",
        "refresh_token": "rt-1",
        "token_type": "Bearer",
        "expiry_date": int((time.time() + expires_in_s) * 1000),
        **extra,
    }
    path.write_text(orjson.dumps(data).decode())
    return path


async def test_cli_file_valid_token_is_used_without_refresh(tmp_path: Path) -> None:
    f = OAuthFile(str(creds_file(tmp_path, 3600)), OAuthClient("http://127.0.0.1:9/none", "cid"), "x", "log in")
    assert (await f.credentials())["access_token"] == "old-token"


async def test_cli_file_expired_token_is_refreshed_and_written_back(tmp_path: Path) -> None:
    path = creds_file(tmp_path, -10, resource_url="portal.qwen.ai")
    answer = {"access_token": "new-token", "refresh_token": "rt-2", "expires_in": 7200, "token_type": "Bearer"}
    async with MockHttp({"/oauth2/token": json_reply(answer)}) as server:
        f = OAuthFile(str(path), OAuthClient(server.url + "/oauth2/token", "cid", "secret"), "qwen-cli", "run qwen")
        creds = await f.credentials()
        assert creds["access_token"] == "new-token"
        form = server.requests[0].body.decode()
        assert "grant_type=refresh_token" in form and "refresh_token=rt-1" in form and "client_id=cid" in form
        assert "client_secret=secret" in form
        await f.credentials()
        assert len(server.requests) == 1  # refreshed once, then fresh
    saved = orjson.loads(path.read_bytes())
    assert saved["access_token"] == "new-token" and saved["refresh_token"] == "rt-2"
    assert saved["resource_url"] == "portal.qwen.ai"  # other fields kept
    assert saved["expiry_date"] > time.time() * 1000 + 7000 * 1000
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        pytest.param("missing", "not found", id="missing-file"),
        pytest.param("expired-no-client", "cannot be refreshed here", id="expired-without-client"),
        pytest.param("garbage", "cannot read", id="not-json"),
    ],
)
async def test_cli_file_problems_are_401_with_a_hint(tmp_path: Path, setup: str, words: str) -> None:
    path = tmp_path / "oauth_creds.json"
    client = OAuthClient("http://127.0.0.1:9/none", "cid")
    if setup == "expired-no-client":
        path = creds_file(tmp_path, -10)
        client = OAuthClient("http://127.0.0.1:9/none", None)
    elif setup == "garbage":
        path.write_text("{not json")
    with pytest.raises(UpstreamError) as err:
        await OAuthFile(str(path), client, "gemini-cli", "run `gemini` and log in").credentials()
    assert err.value.status == 401 and words in err.value.message
    if setup != "garbage":
        assert "run `gemini` and log in" in err.value.message


async def test_gemini_cli_discovers_the_project_and_wraps_the_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    path = creds_file(tmp_path, 3600)
    async with MockHttp({"/v1internal:loadCodeAssist": json_reply({"cloudaicompanionProject": "cc-proj-1"})}) as server:
        t = GeminiCli({"credentials": str(path)})
        ctx = make_ctx("gemini-2.5-pro", stream=True, api_base_url=server.url)
        await t.prepare(ctx)
        assert server.requests[0].headers["Authorization"] == "Bearer old-token"
    req = t.build({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    assert req.url == server.url + "/v1internal:streamGenerateContent?alt=sse"
    assert req.headers["authorization"] == "Bearer old-token"
    body = orjson.loads(req.body)
    assert (body["model"], body["project"]) == ("gemini-2.5-pro", "cc-proj-1")
    assert body["request"]["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    wrapped = {"response": {"candidates": [{"content": {"parts": [{"text": "yo"}]}, "finishReason": "STOP"}]}}
    assert t.decode_response(orjson.dumps(wrapped), ctx)["choices"][0]["message"]["content"] == "yo"


async def test_qwen_cli_uses_the_file_token_and_resource_url(tmp_path: Path) -> None:
    path = creds_file(tmp_path, 3600, resource_url="portal.qwen.ai")
    t = QwenCli({"credentials": str(path)})
    ctx = make_ctx("qwen3-coder-plus", api_base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
    await t.prepare(ctx)
    req = t.build({"model": "qwen3-coder-plus", "messages": []}, ctx)
    assert req.url == "https://portal.qwen.ai/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer old-token"


def test_qwen_cli_build_without_prepare_is_a_clear_error() -> None:
    with pytest.raises(PluginError, match="prepare"):
        QwenCli({"credentials": "/nonexistent"}).build({"messages": []}, make_ctx())


@pytest.mark.parametrize(
    ("options", "env", "api_key"),
    [
        pytest.param({"email": "me@x.com", "api_token": "tok"}, {}, None, id="options"),
        pytest.param({}, {"ROVODEV_EMAIL": "me@x.com", "ROVODEV_API_TOKEN": "tok"}, None, id="env"),
        pytest.param({}, {}, "me@x.com:tok", id="api-key"),
    ],
)
def test_rovo_cli_auth(
    options: dict[str, str], env: dict[str, str], api_key: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("ROVODEV_EMAIL", "ROVODEV_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    t = RovoCli({"credentials": str(tmp_path / "none.json"), **options})
    req = t.build(
        {"messages": []}, make_ctx("gpt-5", api_base_url="https://rovo.example/v1/chat/completions", api_key=api_key)
    )
    encoded = base64.b64encode(b"me@x.com:tok").decode()
    assert req.headers["authorization"] == f"Basic {encoded}" and req.headers["x-atlassian-encodedtoken"] == encoded
    assert req.url == "https://rovo.example/v1/chat/completions"


def test_rovo_cli_without_credentials_says_where_to_put_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("ROVODEV_EMAIL", "ROVODEV_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(PluginError, match="ROVODEV_API_TOKEN"):
        RovoCli({"credentials": str(tmp_path / "none.json")}).build({"messages": []}, make_ctx(api_key=None))


def test_files_shared_between_instances(tmp_path: Path) -> None:
    path = str(creds_file(tmp_path, 3600))
    assert QwenCli({"credentials": path}).file is QwenCli({"credentials": path}).file
    assert os.path.exists(path)
