"""Which transport serves provider calls: the lean HTTP/1.1 client, or aiohttp for a proxy.

aiohttp is imported only when it is used (PROXY_URL set, or CCR_TRANSPORT=aiohttp): it costs
~9 MB of memory and a noticeable share of CPU per request that a direct connection does not need.
"""

from __future__ import annotations

import os

from ccr.upstream.transport import Transport

ENV = "CCR_TRANSPORT"
"""`aiohttp` forces the aiohttp transport (a fallback should the built-in client misbehave)."""


def make_transport(proxy: str | None = None) -> Transport:
    if proxy or os.environ.get(ENV, "").strip().lower() == "aiohttp":
        from ccr.upstream.aiohttp_transport import AiohttpTransport

        return AiohttpTransport(proxy=proxy or None)
    from ccr.upstream.http1 import Http1Transport

    return Http1Transport()
