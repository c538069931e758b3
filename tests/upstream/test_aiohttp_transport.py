"""The aiohttp transport (used with PROXY_URL) keeps the same waiting contract as http1."""

from __future__ import annotations

import asyncio

import pytest

from ccr.upstream.aiohttp_transport import AiohttpTransport
from ccr.upstream.factory import make_transport
from ccr.upstream.http1 import Http1Transport
from tests.upstream.http_script import ScriptServer, chunked
from tests.upstream.test_http1 import T, req
from tests.upstream.test_http1_faults import hold


def test_quiet_waits_return_none_and_lose_nothing() -> None:
    stream = chunked([b"data: 1\n\n", b"data: 2\n\n"])
    cut = stream.index(b"data: 2") - len(b"%x\r\n" % len(b"data: 2\n\n"))
    answer, release = hold(stream[:cut], rest=stream[cut:])

    async def main() -> None:
        async with ScriptServer([answer]) as srv:
            t = AiohttpTransport()
            resp = await t.send(req(srv.url), T)
            assert await resp.read_chunk_within(5) == b"data: 1\n\n"
            assert await resp.read_chunk_within(0.05) is None
            release.set()
            assert await resp.read_chunk_within(5) == b"data: 2\n\n"
            assert await resp.read_chunk_within(5) == b""
            resp.close()
            await t.close()

    asyncio.run(main())


def test_the_factory_uses_aiohttp_only_for_a_proxy_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCR_TRANSPORT", raising=False)
    assert isinstance(make_transport(), Http1Transport)
    assert isinstance(make_transport("http://proxy.local:3128"), AiohttpTransport)
    monkeypatch.setenv("CCR_TRANSPORT", "aiohttp")
    assert isinstance(make_transport(), AiohttpTransport)
