"""What rules read (`RoutingRequest`) and what they return (`RouteDecision`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RouteDecision:
    provider: str
    """Configured provider name (configured spelling)."""
    model: str
    """Upstream model id (configured spelling when listed)."""
    scenario: str
    """default | background | think | longContext | webSearch | image | subagent | explicit | custom
    | fallback"""
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.provider},{self.model}"


@dataclass(slots=True)
class RoutingRequest:
    """The request as routing rules and custom routers see it.

    `body` is the parsed Anthropic request and is mutable (rules may strip tags); `token_count`
    is computed on first access only, because most decisions never need it.
    """

    body: dict[str, Any]
    headers: Mapping[str, str]
    session_id: str | None = None
    body_size: int = 0
    _counter: Callable[[dict[str, Any]], int] | None = None
    _tokens: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    subagent_tag: str | None = None
    """The `provider,model` of a `<CCR-SUBAGENT-MODEL>` tag found (and already stripped) in the body."""

    @property
    def token_count(self) -> int:
        if self._tokens is None:
            if self._counter is None:
                from ccr.protocol.tokens import count_request_tokens

                self._counter = count_request_tokens
            self._tokens = self._counter(self.body)
        return self._tokens

    @property
    def tokens_known(self) -> bool:
        return self._tokens is not None

    def set_token_count(self, tokens: int) -> None:
        """Store a count computed elsewhere (e.g. in a worker thread) so `token_count` reuses it."""
        self._tokens = tokens
