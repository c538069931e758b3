"""The transport seam: what the server needs from an HTTP client, and nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ccr.transformers.base import UpstreamRequest


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float
    """Seconds to open the connection."""
    first_byte: float
    """Seconds from sending the request to the response headers."""
    idle: float
    """Seconds allowed between two body chunks (a stalled stream)."""
    total: float | None
    """Seconds for the whole call; None for streams (bounded by `idle` instead)."""

    @classmethod
    def from_ms(
        cls, api_timeout_ms: int, *, stream: bool, connect_ms: int = 10_000, idle_ms: int | None = None
    ) -> Timeouts:
        total = api_timeout_ms / 1000
        return cls(
            connect=min(connect_ms / 1000, total),
            first_byte=total,
            idle=(idle_ms / 1000) if idle_ms else total,
            total=None if stream else total,
        )


class UpstreamResponse(Protocol):
    status: int
    headers: Mapping[str, str]

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body (at most `limit` bytes when given)."""
        ...

    async def read_chunk(self) -> bytes:
        """The next piece of the body as it arrives; b"" at the end."""
        ...

    async def read_chunk_within(self, wait_s: float) -> bytes | None:
        """`read_chunk`, or None when nothing arrived within `wait_s` (the server then sends a
        ping). Nothing is lost, and the idle limit keeps counting from the provider's last bytes:
        never cancel a `read_chunk` for this (the http1 transport drops a cancelled connection)."""
        ...

    def close(self) -> None: ...


class Transport(Protocol):
    async def send(self, request: UpstreamRequest, timeouts: Timeouts) -> UpstreamResponse: ...

    async def close(self) -> None: ...


class TransportError(Exception):
    """Connection-level failure (refused, reset, DNS, TLS, proxy): no HTTP status exists."""

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout
