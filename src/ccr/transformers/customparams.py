"""`customparams`: add arbitrary fields to the request body.

A field the request lacks is added; where both the request and the option hold an object they
are merged key by key (the option wins on a leaf); where the request already has a plain value
it is kept. Applies to Anthropic-native providers too.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import copy_json, deep_merge
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest


@builtin
class CustomParams(Transformer):
    name = "customparams"
    description = "Adds the given fields to the body (objects merged, the request's own values kept)"
    options_doc: ClassVar[dict[str, str]] = {
        "<any field>": 'added to the body, e.g. {"chat_template_kwargs": {"thinking": true}}'
    }

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        _merge(body, self.options)
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        out = dict(body)
        for key in self.options:
            if isinstance(out.get(key), dict):
                out[key] = copy_json(out[key])  # the client's object: merge into a copy
        _merge(out, self.options)
        return out


def _merge(body: dict[str, Any], options: dict[str, Any]) -> None:
    for key, value in options.items():
        current = body.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value, override=True)
        elif key not in body:
            deep_merge(body, {key: value}, override=True)
