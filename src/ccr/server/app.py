"""The ASGI application: the hot route dispatched directly, everything else through Starlette."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ccr.config.schema import Config
from ccr.errors import CcrError
from ccr.server.asgi import Receive, Scope, Send, body_too_large, send_error
from ccr.server.hot_lane import HotCycle
from ccr.server.middleware.auth import AuthMiddleware, key_allowed, wrong_key_error
from ccr.server.middleware.host import HostGuard, request_problem
from ccr.server.routes.api import api_routes
from ccr.server.routes.basic import error_response, make_routes
from ccr.server.routes.messages import MessagesEndpoint
from ccr.server.routes.ui import ui_routes
from ccr.server.state import AppState
from ccr.upstream.transport import Transport

MESSAGES_PATHS = frozenset({"/v1/messages", "/v1/messages/"})


class RouterApp:
    """ASGI callable; `state` is the live server state (tests and the CLI's in-process runs use it)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.messages = MessagesEndpoint(state)
        self.starlette = Starlette(
            routes=_routes(state), lifespan=self._lifespan, exception_handlers={HTTPException: _http_error}
        )

        def apikey() -> str | None:  # read per request: a reload may change it
            return state.runtime.config.APIKEY

        self._app = HostGuard(AuthMiddleware(self._dispatch, apikey), lambda: state.host, apikey)
        self.hot_lane = MessagesLane(state, self.messages)
        """`POST /v1/messages` served by our HTTP protocol directly (server/hot_lane.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in MESSAGES_PATHS and scope["method"] == "POST":
            await self.messages(scope, receive, send)
            return
        await self.starlette(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        self.state.stats.close()
        await self.state.transport.close()


class MessagesLane:
    """The hot lane's application side: HostGuard's and AuthMiddleware's checks, then the same
    endpoint as the ASGI route."""

    paths = frozenset(p.encode() for p in MESSAGES_PATHS)

    def __init__(self, state: AppState, endpoint: MessagesEndpoint) -> None:
        self.state = state
        self.endpoint = endpoint

    def body_limit(self) -> int:
        return self.state.runtime.config.MAX_BODY_BYTES

    async def __call__(self, cycle: HotCycle) -> None:
        state = self.state
        headers = cycle.headers
        key = state.runtime.config.APIKEY
        problem: CcrError | None
        if key:  # with a key, HostGuard leaves this path to the key check (server/middleware/host.py)
            problem = None if key_allowed(headers, key.encode()) else wrong_key_error()
        else:
            problem = request_problem("/v1/messages", "POST", headers, state.host, False)
        if problem is None and cycle.too_large:
            problem = body_too_large(self.body_limit())
        if problem is not None:
            await send_error(cycle.send, problem)
            return
        await self.endpoint.serve(cycle.take_body, headers, cycle.send, hook=cycle.disconnect_hook)


def _routes(state: AppState) -> list[BaseRoute]:
    basic = make_routes(state)
    routes: list[BaseRoute] = [
        Route("/", basic["root"], methods=["GET", "HEAD"]),
        Route("/health", basic["health"], methods=["GET", "HEAD"]),
        Route("/api/hello", basic["health"], methods=["GET", "HEAD"]),
        Route("/v1/models", basic["models"], methods=["GET"]),
        Route("/v1/messages/count_tokens", basic["count_tokens"], methods=["POST"]),
        *api_routes(state),
        *ui_routes(),
    ]
    return routes


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    text = {
        404: f"no route {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }
    err = CcrError(text.get(exc.status_code, str(exc.detail)), status=exc.status_code)
    return error_response(err)


def create_app(config: Config, transport: Transport | None = None) -> RouterApp:
    return RouterApp(AppState.create(config, transport))
