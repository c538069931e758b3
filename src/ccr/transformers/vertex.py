"""`vertex-gemini`, `vertex-claude` and `vertex-openai`: models on Google Cloud Vertex AI.

All three authenticate with an OAuth token (see google_token: a service-account file, inline
service-account fields, or Application Default Credentials), fetched before the request and
refreshed before it expires. Project: option `project`, else GOOGLE_CLOUD_PROJECT (or
GCLOUD_PROJECT), else the credentials' own project. Location: option `location`, else
GOOGLE_CLOUD_LOCATION, else us-central1 (Gemini) / us-east5 (Claude).

`vertex-gemini` speaks Gemini's wire format (as `gemini`, thought signatures included).
`vertex-claude` is Anthropic-native: the client's body is passed through (model moved into the
URL, `anthropic_version: vertex-2023-10-16` added) and the answer relayed unchanged — tools,
thinking, images and cache control all survive (the original converted it lossily).

`vertex-openai` is Vertex's OpenAI-compatible Chat Completions endpoint (Gemini and Model Garden
models such as `google/gemini-2.5-flash` or `meta/llama-…`): the body is OpenAI's, unchanged.

`api_base_url` may be the Vertex host (`https://aiplatform.googleapis.com` or a regional one) or
any URL with `{project}`/`{location}` placeholders; a host without a path gets the standard
`/v1/projects/…/locations/…/publishers/…/models` path (`…/endpoints/openapi/chat/completions`
for `vertex-openai`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ccr.errors import PluginError
from ccr.protocol.request_json import dumps_request
from ccr.transformers.anthropic import BetaFilter, str_list
from ccr.transformers.base import Endpoint, RequestContext, UpstreamRequest
from ccr.transformers.gemini import GeminiWire, method
from ccr.transformers.openai import OpenAI, bearer, json_headers, strip_internal_fields
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest
from ccr.upstream.google_token import GoogleToken, shared_token

VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"
_OPTIONS_DOC = {
    "project": "Google Cloud project (default: GOOGLE_CLOUD_PROJECT, then the credentials' project)",
    "location": "region, e.g. us-central1, europe-west4 or global (default: GOOGLE_CLOUD_LOCATION)",
    "credentials": "service-account JSON file (default: Application Default Credentials)",
    "client_email / private_key": "inline service-account fields instead of a file",
}


class VertexAuth:
    """Options → token source, project and location, shared by both Vertex endpoints."""

    def __init__(self, options: Mapping[str, Any], name: str, default_location: str) -> None:
        credentials = options.get("credentials") or options.get("keyFile") or options.get("credentials_file")
        if credentials is not None and not isinstance(credentials, str):
            raise ValueError(f"{name}: option credentials must be a file path")
        info = None
        if options.get("client_email") or options.get("private_key"):
            if not (isinstance(options.get("client_email"), str) and isinstance(options.get("private_key"), str)):
                raise ValueError(f"{name}: options client_email and private_key go together (both strings)")
            info = {
                "type": "service_account",
                "client_email": options["client_email"],
                "private_key": options["private_key"].replace("\\n", "\n"),
                "token_uri": options.get("token_uri", "https://oauth2.googleapis.com/token"),
                "project_id": options.get("project") or options.get("project_id"),
            }
        self.name = name
        self.tokens: GoogleToken = shared_token(credentials, info)
        self.project = options.get("project") or options.get("project_id")
        self.location = str(options.get("location") or options.get("region") or "") or None
        self.default_location = default_location

    async def prepare(self, ctx: RequestContext) -> None:
        ctx.state["vertex-token"] = await self.tokens.token()

    def token(self, ctx: RequestContext) -> str:
        token = ctx.state.get("vertex-token")
        if not isinstance(token, str):
            raise PluginError(f"{self.name}: no access token (the server must await the endpoint's prepare())")
        return token

    def project_id(self) -> str:
        project = (
            self.project
            or os.environ.get("GOOGLE_CLOUD_PROJECT")
            or os.environ.get("GCLOUD_PROJECT")
            or self.tokens.project_id
        )
        if not project:
            raise PluginError(f"{self.name}: no Google Cloud project: set the option project or GOOGLE_CLOUD_PROJECT")
        return str(project)

    def location_id(self) -> str:
        return self.location or os.environ.get("GOOGLE_CLOUD_LOCATION") or self.default_location

    def _base(self, base: str) -> tuple[str, str]:
        """`base` with its placeholders filled and the regional host; and the path it lacks, if any:
        "" (it has a path of its own), "v1" (a bare host) or "version" (ends in /v1 or /v1beta1)."""
        project, location = self.project_id(), self.location_id()
        base = base.rstrip("/").replace("{project}", project).replace("{location}", location)
        parts = urlsplit(base)
        if parts.netloc == "aiplatform.googleapis.com" and location != "global":
            base = base.replace("://aiplatform.", f"://{location}-aiplatform.", 1)
        if parts.path in ("", "/"):
            return base, "v1"
        return base, "version" if base.rsplit("/", 1)[-1] in ("v1", "v1beta1") else ""

    def _under_location(self, base: str, tail: str) -> str:
        base, missing = self._base(base)
        full = f"/projects/{self.project_id()}/locations/{self.location_id()}/{tail}"
        return base + "/v1" + full if missing == "v1" else base + full if missing else base

    def models_url(self, base: str, publisher: str) -> str:
        if base.rstrip("/").endswith("/models"):
            return self._base(base)[0]
        return self._under_location(base, f"publishers/{publisher}/models")

    def chat_url(self, base: str) -> str:
        """Vertex's OpenAI-compatible endpoint (`…/endpoints/openapi/chat/completions`)."""
        filled, missing = self._base(base)
        if filled.endswith("/chat/completions"):
            return filled
        return (self._under_location(base, "endpoints/openapi") if missing else filled) + "/chat/completions"

    def headers(self, ctx: RequestContext) -> dict[str, str]:
        return json_headers(ctx, bearer(self.token(ctx)))


class OnVertex(Endpoint):
    """An endpoint that gets a Google OAuth token before each request (`self.auth`)."""

    default_location: ClassVar[str] = "us-central1"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.auth = VertexAuth(self.options, self.name, self.default_location)

    async def prepare(self, ctx: RequestContext) -> None:
        await self.auth.prepare(ctx)


@builtin
class VertexGemini(OnVertex, GeminiWire):
    name = "vertex-gemini"
    description = "Gemini on Vertex AI (OAuth from a service account or ADC), native wire format"
    options_doc: ClassVar[dict[str, str]] = {
        **_OPTIONS_DOC,
        "schema / safety_threshold": "as for gemini",
    }

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        url = f"{self.auth.models_url(ctx.provider.api_base_url, 'google')}/{ctx.model}:{method(ctx.stream)}"
        return UpstreamRequest(url, self.auth.headers(ctx), dumps_request(self.payload(body, ctx)))


@builtin
class VertexClaude(OnVertex):
    name = "vertex-claude"
    description = "Claude on Vertex AI: Anthropic-native passthrough with a Google OAuth token"
    options_doc: ClassVar[dict[str, str]] = {
        **_OPTIONS_DOC,
        "betas": "true: forward the client's anthropic-beta header (default false: Vertex rejects many)",
        "drop_betas": "with betas: values to remove (prefix* allowed)",
        "drop_fields": "top-level body fields to remove",
    }
    passthrough = True
    default_location = "us-east5"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.betas = BetaFilter(str_list(self.options, "drop_betas"), self.options.get("betas") is True)
        self.drop_fields = frozenset(str_list(self.options, "drop_fields")) | {"model"}

    def build_anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> UpstreamRequest:
        out = {k: v for k, v in body.items() if k not in self.drop_fields}
        out.setdefault("anthropic_version", VERTEX_ANTHROPIC_VERSION)
        action = "streamRawPredict" if ctx.stream else "rawPredict"
        url = f"{self.auth.models_url(ctx.provider.api_base_url, 'anthropic')}/{ctx.model}:{action}"
        headers = self.auth.headers(ctx)
        beta = self.betas.apply(next((v for k, v in ctx.client_headers.items() if k.lower() == "anthropic-beta"), None))
        if beta:
            headers["anthropic-beta"] = beta
        return UpstreamRequest(url, headers, dumps_request(out))


@builtin
class VertexOpenAI(OnVertex, OpenAI):
    name = "vertex-openai"
    description = "OpenAI-compatible models on Vertex AI (Gemini, Model Garden) with a Google OAuth token"
    options_doc: ClassVar[dict[str, str]] = _OPTIONS_DOC

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        # Google's endpoint takes OpenAI's fields only: no reasoning replay, no `reasoning` object.
        body = strip_internal_fields(body, strict=True)
        return UpstreamRequest(
            self.auth.chat_url(ctx.provider.api_base_url), self.auth.headers(ctx), dumps_request(body)
        )
