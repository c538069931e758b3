"""`sampling`: set sampling parameters for a provider or model, whatever the client sent.

`max_tokens` is a cap (as in `maxtoken`); every other option replaces the client's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import positive_int
from ccr.transformers.maxtoken import cap_max_tokens
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest

_NUMERIC = (
    "temperature",
    "top_p",
    "top_k",
    "repetition_penalty",
    "min_p",
    "presence_penalty",
    "frequency_penalty",
)
_ANTHROPIC = ("temperature", "top_p", "top_k")


@builtin
class Sampling(Transformer):
    name = "sampling"
    description = "Overrides temperature/top_p/top_k/repetition_penalty; caps max_tokens"
    options_doc: ClassVar[dict[str, str]] = {
        "max_tokens": "cap for max_tokens",
        "temperature": "replaces the client's temperature",
        "top_p": "replaces top_p",
        "top_k": "replaces top_k",
        "repetition_penalty": "replaces repetition_penalty",
        "min_p / presence_penalty / frequency_penalty": "replace those fields",
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.cap = positive_int(self.options, "max_tokens", "sampling")
        self.values: dict[str, float] = {}
        for key in _NUMERIC:
            value = self.options.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"sampling: option '{key}' must be a number, got {value!r}")
            self.values[key] = value

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        if self.cap is not None:
            cap_max_tokens(body, self.cap)
        body.update(self.values)
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        out = dict(body)
        if self.cap is not None:
            cap_max_tokens(out, self.cap)
        out.update({k: v for k, v in self.values.items() if k in _ANTHROPIC})
        return out
