"""`qwen-cli` (experimental): Qwen models with the login of Qwen Code (`~/.qwen/oauth_creds.json`).

The answer format is OpenAI Chat Completions (as `openai`); only the address and the key differ:
the token comes from Qwen Code's OAuth file, refreshed with its refresh token when it is about to
expire (and written back, since Qwen rotates refresh tokens), and the URL from the file's
`resource_url` (e.g. `portal.qwen.ai` → `https://portal.qwen.ai/v1/chat/completions`), falling
back to `api_base_url`. A missing file, or a token that cannot be refreshed, is a clear 401.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.errors import PluginError
from ccr.protocol.request_json import dumps_request
from ccr.transformers.base import RequestContext, UpstreamRequest
from ccr.transformers.common import opt_str
from ccr.transformers.openai import OpenAI, bearer, chat_completions_url, json_headers
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest
from ccr.upstream.cli_oauth import OAuthClient, OAuthFile, shared_file

DEFAULT_CREDENTIALS = "~/.qwen/oauth_creds.json"
QWEN_TOKEN_URL = "https://chat.qwen.ai/api/v1/oauth2/token"
QWEN_CLIENT_ID = "f0304373b74a44d2b584a3fb70ca9e56"
"""Qwen Code's public OAuth client id (a device-flow client: there is no secret)."""
_LOGIN_HINT = "run `qwen` and log in with your qwen.ai account (or set the qwen-cli option credentials)"


def resource_url(creds: Mapping[str, Any], fallback: str) -> str:
    resource = creds.get("resource_url")
    if not isinstance(resource, str) or not resource:
        return chat_completions_url(fallback)
    base = resource if resource.startswith(("http://", "https://")) else f"https://{resource}"
    base = base.rstrip("/")
    return chat_completions_url(base if base.endswith("/v1") else base + "/v1")


@builtin
class QwenCli(OpenAI):
    name = "qwen-cli"
    description = "Qwen via Qwen Code's OAuth login (experimental); OpenAI wire format"
    options_doc: ClassVar[dict[str, str]] = {
        "credentials": f"Qwen Code's OAuth file (default {DEFAULT_CREDENTIALS})",
        "client_id": "OAuth client for refreshing (default: Qwen Code's public client)",
        "token_url": f"OAuth token endpoint (default {QWEN_TOKEN_URL})",
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        client = OAuthClient(
            str(self.options.get("token_url") or QWEN_TOKEN_URL), opt_str(self.options, "client_id") or QWEN_CLIENT_ID
        )
        path = str(self.options.get("credentials") or DEFAULT_CREDENTIALS)
        self.file: OAuthFile = shared_file(path, client, self.name, _LOGIN_HINT)

    async def prepare(self, ctx: RequestContext) -> None:
        ctx.state["qwen-cli"] = await self.file.credentials()

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        creds = ctx.state.get("qwen-cli")
        if not isinstance(creds, dict):
            raise PluginError("qwen-cli: no credentials (the server must await the endpoint's prepare())")
        headers = json_headers(ctx, bearer(creds["access_token"]))
        url = resource_url(creds, ctx.provider.api_base_url)
        return UpstreamRequest(url, headers, dumps_request(body))
