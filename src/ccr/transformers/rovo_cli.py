"""`rovo-cli` (experimental): models offered through Atlassian Rovo Dev, with the Atlassian
account the Rovo Dev CLI uses (e-mail address + API token).

The wire format is OpenAI Chat Completions (as `openai`) sent to `api_base_url`; what this adds
is Atlassian's authentication: `Authorization: Basic base64(email:token)` and the same value in
`X-Atlassian-EncodedToken`. Credentials, first found wins: the options `email` and `api_token`;
the env vars ROVODEV_EMAIL and ROVODEV_API_TOKEN; a JSON file (option `credentials`,
default `~/.rovodev/credentials.json`) holding {"email", "api_token"}; the provider's `api_key`
written as `email:token`. Atlassian does not document this gateway for third parties, so the
URL is yours to set (the community gist used Rovo Dev's proxy under api.atlassian.com).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import orjson

from ccr.errors import PluginError
from ccr.protocol.request_json import dumps_request
from ccr.transformers.base import RequestContext, UpstreamRequest
from ccr.transformers.openai import OpenAI, chat_completions_url, json_headers
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest

DEFAULT_CREDENTIALS = "~/.rovodev/credentials.json"


@builtin
class RovoCli(OpenAI):
    name = "rovo-cli"
    description = "Atlassian Rovo Dev gateway with e-mail + API token auth (experimental); OpenAI wire format"
    options_doc: ClassVar[dict[str, str]] = {
        "email / api_token": "the Atlassian account (default: ROVODEV_EMAIL / ROVODEV_API_TOKEN)",
        "credentials": f'JSON file with {{"email", "api_token"}} (default {DEFAULT_CREDENTIALS})',
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.path = Path(os.path.expanduser(str(self.options.get("credentials") or DEFAULT_CREDENTIALS)))

    async def prepare(self, ctx: RequestContext) -> None:
        ctx.state["rovo-cli"] = self._encoded(ctx)

    def _encoded(self, ctx: RequestContext) -> str:
        email = self.options.get("email") or os.environ.get("ROVODEV_EMAIL")
        token = self.options.get("api_token") or os.environ.get("ROVODEV_API_TOKEN")
        if not (email and token) and self.path.is_file():
            try:
                data = orjson.loads(self.path.read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise PluginError(f"rovo-cli: cannot read {self.path}: {exc}") from None
            if isinstance(data, dict):
                email, token = data.get("email"), data.get("api_token")
        if not (email and token) and ctx.api_key and ":" in ctx.api_key:
            email, token = ctx.api_key.split(":", 1)
        if not (isinstance(email, str) and email and isinstance(token, str) and token):
            raise PluginError(
                "rovo-cli: no Atlassian credentials: set the options email and api_token, ROVODEV_EMAIL and "
                f"ROVODEV_API_TOKEN, {self.path}, or api_key as email:token"
            )
        return base64.b64encode(f"{email}:{token}".encode()).decode()

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        encoded = ctx.state.get("rovo-cli")
        if not isinstance(encoded, str):
            encoded = self._encoded(ctx)  # no I/O beyond a small local file: safe without prepare
        headers = {**json_headers(ctx, f"Basic {encoded}"), "x-atlassian-encodedtoken": encoded}
        return UpstreamRequest(chat_completions_url(ctx.provider.api_base_url), headers, dumps_request(body))
