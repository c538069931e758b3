"""`gemini-cli` (experimental): Gemini through Google's Code Assist API with the login of the
Gemini CLI (`~/.gemini/oauth_creds.json`), as the Gemini CLI itself does.

* URL: `<api_base_url>/v1internal:generateContent` (or `:streamGenerateContent?alt=sse`);
  `api_base_url` is normally `https://cloudcode-pa.googleapis.com`.
* Body: `{"model", "project", "user_prompt_id", "request": <Gemini body>}`; answers arrive
  wrapped in `{"response": …}`. The Gemini mapping is `gemini`'s (signatures included).
* Project: option `project`, else GOOGLE_CLOUD_PROJECT, else asked once from Code Assist
  (`v1internal:loadCodeAssist`, as the CLI does).
* Token: read from the file; when it is about to expire it is refreshed with the file's refresh
  token — this needs the OAuth client of the Gemini CLI in the options `client_id` and
  `client_secret` (published in the Gemini CLI's source). Without them, run `gemini` once to
  refresh the file. A missing or expired file is a clear 401 saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson

from ccr.errors import PluginError, UpstreamError
from ccr.protocol.request_json import dumps_request
from ccr.transformers.base import RequestContext, UpstreamRequest
from ccr.transformers.common import opt_str
from ccr.transformers.gemini import GeminiWire, method
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest
from ccr.upstream.cli_oauth import OAuthClient, OAuthFile, shared_file

DEFAULT_CREDENTIALS = "~/.gemini/oauth_creds.json"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
_LOGIN_HINT = "run `gemini` and log in with Google (or set the gemini-cli option credentials)"


def code_assist_base(url: str) -> str:
    return url.rstrip("/").removesuffix("/v1internal")


@builtin
class GeminiCli(GeminiWire):
    name = "gemini-cli"
    description = "Gemini via Google Code Assist with the Gemini CLI's login (experimental)"
    options_doc: ClassVar[dict[str, str]] = {
        "credentials": f"the CLI's OAuth file (default {DEFAULT_CREDENTIALS})",
        "project": "Code Assist project (default: GOOGLE_CLOUD_PROJECT, else discovered)",
        "client_id / client_secret": "the Gemini CLI's OAuth client, to refresh expired tokens",
        "token_url": f"OAuth token endpoint (default {GOOGLE_TOKEN_URL})",
        "schema / safety_threshold": "as for gemini",
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        client = OAuthClient(
            str(self.options.get("token_url") or GOOGLE_TOKEN_URL),
            opt_str(self.options, "client_id"),
            opt_str(self.options, "client_secret"),
        )
        path = str(self.options.get("credentials") or DEFAULT_CREDENTIALS)
        self.file: OAuthFile = shared_file(path, client, self.name, _LOGIN_HINT)
        self.project = opt_str(self.options, "project")
        self._discovered: dict[str, str] = {}

    async def prepare(self, ctx: RequestContext) -> None:
        creds = await self.file.credentials()
        token = str(creds["access_token"])
        ctx.state["gemini-cli-token"] = token
        ctx.state["gemini-cli-project"] = (
            self.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or await self._discover(ctx, token)
        )

    async def _discover(self, ctx: RequestContext, token: str) -> str:
        base = code_assist_base(ctx.provider.api_base_url)
        if base in self._discovered:
            return self._discovered[base]
        body = {"metadata": {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}}
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        url = f"{base}/v1internal:loadCodeAssist"
        import aiohttp  # only for this rare call: keep it out of the server's import

        timeout = aiohttp.ClientTimeout(total=30)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, trust_env=True) as session,
                session.post(url, data=orjson.dumps(body), headers=headers) as resp,
            ):
                status, data = resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(
                f"gemini-cli: cannot reach Code Assist to find your project: {exc!r}", status=502
            ) from None
        project = _project_of(data) if status < 400 else None
        if not project:
            raise UpstreamError(
                f"gemini-cli: Code Assist did not name a project ({status}); set the option project, "
                "or run `gemini` once to finish its set-up",
                status=401 if status in (401, 403) else 502,
            )
        self._discovered[base] = project
        return project

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        token, project = ctx.state.get("gemini-cli-token"), ctx.state.get("gemini-cli-project")
        if not isinstance(token, str) or not isinstance(project, str):
            raise PluginError("gemini-cli: no credentials (the server must await the endpoint's prepare())")
        payload = {
            "model": ctx.model,
            "project": project,
            "user_prompt_id": uuid.uuid4().hex,
            "request": orjson.Fragment(dumps_request(self.payload(body, ctx))),
        }
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        url = f"{code_assist_base(ctx.provider.api_base_url)}/v1internal:{method(ctx.stream)}"
        return UpstreamRequest(url, headers, orjson.dumps(payload))

    def unwrap(self, resp: dict[str, Any]) -> dict[str, Any]:
        inner = resp.get("response")
        return inner if isinstance(inner, dict) else resp


def _project_of(data: bytes) -> str | None:
    try:
        answer = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    project = answer.get("cloudaicompanionProject") if isinstance(answer, dict) else None
    if isinstance(project, dict):
        project = project.get("id")
    return project if isinstance(project, str) and project else None
