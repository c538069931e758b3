"""Provider pipelines: the transformer chain of one (provider, model), built once and cached.

Request hooks run in chain order (provider `use`, then the model's `use`); response hooks run in
exactly the reverse order, so a chain reads like nested function calls. The chain's endpoint is its
one `Endpoint` transformer (default: `openai`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ccr.config.schema import Config, Provider
from ccr.errors import CcrError, ConfigError, PluginError
from ccr.protocol.to_unified import anthropic_to_unified
from ccr.transformers.base import Endpoint, RequestContext, Transformer, UpstreamRequest, overrides
from ccr.transformers.limits import cap_to_known_limit
from ccr.transformers.openai import OpenAI
from ccr.transformers.registry import Registry

if TYPE_CHECKING:
    from ccr.protocol.sse import SSEEvent
    from ccr.types import AnthropicRequest, UnifiedChunk, UnifiedResponse


class Pipeline:
    def __init__(self, provider: Provider, model: str, endpoint: Endpoint, chain: list[Transformer]) -> None:
        self.provider = provider
        self.model = model
        self.endpoint = endpoint
        self.chain = chain
        self._request = [t for t in chain if overrides(t, "request")]
        self._anthropic = [t for t in chain if overrides(t, "anthropic")]
        rev = list(reversed(chain))
        self._response = [t for t in rev if overrides(t, "response")]
        self._chunk = [t for t in rev if overrides(t, "stream_chunk")]
        self._end = [t for t in rev if overrides(t, "stream_end") or overrides(t, "stream_chunk")]
        # Only endpoints that need I/O first (OAuth tokens) cost an await per attempt.
        self.needs_prepare = type(endpoint).prepare is not Endpoint.prepare

    @property
    def passthrough(self) -> bool:
        return self.endpoint.passthrough

    @property
    def streams_plain(self) -> bool:
        """True when no transformer touches stream chunks (the fast path)."""
        return not self._chunk and not self._end

    def build(self, body: AnthropicRequest, ctx: RequestContext) -> UpstreamRequest:
        current: Transformer = self.endpoint
        try:
            if self.endpoint.passthrough:
                for current in self._anthropic:
                    body = current.anthropic(body, ctx)
                current = self.endpoint
                return self.endpoint.build_anthropic(body, ctx)
            unified = anthropic_to_unified(body, self.model)
            for current in self._request:
                unified = current.request(unified, ctx)
            current = self.endpoint
            # Claude Code asks for up to 128k output tokens: above a model's documented limit the
            # request is capped rather than failed (the `limits`/`maxtoken` transformers override).
            cap_to_known_limit(unified, self.model)
            return self.endpoint.build(unified, ctx)
        except CcrError:
            raise
        except Exception as exc:  # a plugin's bug must fail this request, never the server
            raise self._crashed(current, "request", exc) from exc

    def decode_response(self, data: bytes, ctx: RequestContext) -> UnifiedResponse:
        current: Transformer = self.endpoint
        try:
            body = self.endpoint.decode_response(data, ctx)
            for current in self._response:
                body = current.response(body, ctx)
        except CcrError:
            raise
        except Exception as exc:
            raise self._crashed(current, "response", exc) from exc
        return body

    def decode_event(self, event: SSEEvent, ctx: RequestContext) -> list[UnifiedChunk]:
        current: Transformer = self.endpoint
        try:
            chunks = self.endpoint.decode_event(event, ctx)
            for current in self._chunk:
                chunks = [out for c in chunks for out in current.stream_chunk(c, ctx)]
        except CcrError:
            raise
        except Exception as exc:  # mid-stream: the client gets an `event: error` naming it
            raise self._crashed(current, "stream", exc) from exc
        return chunks

    def decode_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        current: Transformer = self.endpoint
        try:
            chunks = self.endpoint.decode_end(ctx)
            # What the endpoint flushes at the end still flows through every later hook, and so
            # does what each transformer flushes from its own end hook.
            for current in self._end:
                if overrides(current, "stream_chunk"):
                    chunks = [out for c in chunks for out in current.stream_chunk(c, ctx)]
                chunks = chunks + current.stream_end(ctx)
        except CcrError:
            raise
        except Exception as exc:
            raise self._crashed(current, "stream", exc) from exc
        return chunks

    def _crashed(self, t: Transformer, hook: str, exc: Exception) -> PluginError:
        """One line that names the transformer (and a plugin's file) that raised, and what."""
        return PluginError(
            f"{describe(t)} failed on the {hook} for {self.provider.name},{self.model}: {type(exc).__name__}: {exc}"
        )


def describe(t: Transformer) -> str:
    module = type(t).__module__
    origin = getattr(sys.modules.get(module), "__file__", None)
    if module.startswith("ccr.") or not origin:
        return f"transformer '{t.name}'"
    return f"plugin transformer '{t.name}' ({origin})"


def build_chain(
    provider: Provider, index: int, model: str, registry: Registry
) -> tuple[Endpoint, list[Transformer]]:
    specs = [(s, f"Providers[{index}].transformer.use") for s in provider.transformer.use]
    for key, model_specs in provider.transformer.models.items():
        if key.lower() == model.lower():
            specs += [(s, f"Providers[{index}].transformer.{key}.use") for s in model_specs]
    endpoint: Endpoint | None = None
    chain: list[Transformer] = []
    for spec, where in specs:
        t = registry.create(spec, where)
        if isinstance(t, Endpoint):
            if endpoint is not None and type(endpoint) is not type(t):
                raise ConfigError(
                    where, f"'{spec.name}' and '{endpoint.name}' both set the wire format; keep one"
                )
            endpoint = t
        else:
            chain.append(t)
    return endpoint or OpenAI(), chain


class Pipelines:
    """All pipelines of one config; per-model chains are built on first use."""

    def __init__(self, config: Config, registry: Registry) -> None:
        self.config = config
        self.registry = registry
        self._cache: dict[tuple[str, str], Pipeline] = {}
        for i, p in enumerate(config.Providers):  # validate every chain at startup
            for model in (*p.models, ""):
                self._build(p, i, model)

    def get(self, provider_name: str, model: str) -> Pipeline:
        key = (provider_name, model)
        found = self._cache.get(key)
        if found is not None:
            return found
        for i, p in enumerate(self.config.Providers):
            if p.name == provider_name:
                return self._build(p, i, model)
        raise ConfigError("Providers", f"no provider named '{provider_name}'")

    def _build(self, provider: Provider, index: int, model: str) -> Pipeline:
        endpoint, chain = build_chain(provider, index, model, self.registry)
        pipeline = Pipeline(provider, model, endpoint, chain)
        self._cache[(provider.name, model)] = pipeline
        return pipeline
