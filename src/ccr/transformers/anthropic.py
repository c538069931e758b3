"""`anthropic`: Anthropic-native providers — Anthropic itself and the "Anthropic-compatible"
endpoints of DeepSeek, Moonshot (Kimi), Zhipu (GLM), MiniMax and others.

Passthrough: the client's body goes upstream unconverted with only `model` replaced (and the
fields listed in `drop_fields` removed); the answer's bytes are relayed to the client as they
come. The client's credentials are never forwarded: the provider key is sent as `x-api-key`
(or `Authorization: Bearer` with `auth: "bearer"`). `anthropic-version` and `anthropic-beta`
are forwarded from the client; `drop_betas` removes beta values the target rejects.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.protocol.request_json import dumps_request
from ccr.transformers.base import Endpoint, RequestContext, UpstreamRequest
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest

DEFAULT_VERSION = "2023-06-01"


@functools.lru_cache(maxsize=256)  # every request, with one of a few configured URLs
def messages_url(base: str) -> str:
    """Accept the full `/v1/messages` URL or the base an Anthropic SDK would be given."""
    base = base.rstrip("/")
    if base.endswith("/messages"):
        return base
    if base.endswith("/v1"):
        return base + "/messages"
    return base + "/v1/messages"


def header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        low = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == low), None)
    return value


def str_list(options: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = options.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"option '{key}' must be a list of strings")
    return tuple(value)


class BetaFilter:
    """`anthropic-beta` values minus the ones a target rejects (`name` exact, `prefix*` by prefix)."""

    def __init__(self, patterns: tuple[str, ...], forward: bool = True) -> None:
        self.exact = {p for p in patterns if not p.endswith("*")}
        self.prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))
        self.forward = forward

    def apply(self, value: str | None) -> str | None:
        if not value or not self.forward:
            return None
        kept = [
            b
            for b in (v.strip() for v in value.split(","))
            if b and b not in self.exact and not b.startswith(self.prefixes)
        ]
        return ",".join(kept) or None


@builtin
class Anthropic(Endpoint):
    name = "anthropic"
    description = "Anthropic-native providers: body passed through (model replaced), answer relayed as is"
    options_doc: ClassVar[dict[str, str]] = {
        "auth": '"x-api-key" (default) or "bearer" for Authorization: Bearer <key>',
        "UseBearer": "true: same as auth=bearer (CCR's spelling)",
        "betas": "false: do not forward the client's anthropic-beta header",
        "drop_betas": 'beta values to remove, "prefix*" allowed, e.g. ["context-management-*"]',
        "drop_fields": 'top-level body fields the target rejects, e.g. ["context_management"]',
        "anthropic_version": "send this anthropic-version instead of the client's",
        "headers": "extra headers for every request",
    }
    passthrough = True

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        auth = str(self.options.get("auth", "x-api-key")).lower()
        if self.options.get("UseBearer") is True or self.options.get("use_bearer") is True:
            auth = "bearer"
        if auth not in ("x-api-key", "bearer"):
            raise ValueError('anthropic: option auth must be "x-api-key" or "bearer"')
        self.bearer = auth == "bearer"
        self.betas = BetaFilter(str_list(self.options, "drop_betas"), self.options.get("betas", True) is not False)
        self.drop_fields = frozenset(str_list(self.options, "drop_fields")) | {"model"}
        extra = self.options.get("headers", {})
        if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
            raise ValueError("anthropic: option headers must be an object of strings")
        self.extra_headers: dict[str, str] = {k.lower(): v for k, v in extra.items()}

    def build_anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> UpstreamRequest:
        out = {"model": ctx.model, **{k: v for k, v in body.items() if k not in self.drop_fields}}
        headers = self.headers(ctx)
        return UpstreamRequest(messages_url(ctx.provider.api_base_url), headers, dumps_request(out))

    def headers(self, ctx: RequestContext) -> dict[str, str]:
        headers = {"content-type": "application/json", **self.extra_headers}
        version = self.options.get("anthropic_version") or header(ctx.client_headers, "anthropic-version")
        headers["anthropic-version"] = str(version or DEFAULT_VERSION)
        beta = self.betas.apply(header(ctx.client_headers, "anthropic-beta"))
        if beta:
            headers["anthropic-beta"] = beta
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        if ctx.api_key:
            if self.bearer:
                headers["authorization"] = f"Bearer {ctx.api_key}"
            else:
                headers["x-api-key"] = ctx.api_key
        return headers
