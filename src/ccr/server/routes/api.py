"""Management API under `/api/` (documented in docs/api.md): used by the CLI (status, reload) and
the web UI (config, transformers, requests, usage, provider test and models list, live events).

Host, Origin and the `x-ccr-action: 1` header of state-changing calls are checked before any of
this runs (middleware/host.py); the APIKEY by middleware/auth.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ccr.errors import CcrError, ConfigError, RequestError
from ccr.server.routes.api_common import api_error, error_from, json_response, read_json_object
from ccr.server.routes.api_config import ConfigService, Conflict, Invalid
from ccr.server.routes.api_models import ModelLister
from ccr.server.routes.api_probe import ProviderProbe
from ccr.server.routes.api_statusline import statusline_preview
from ccr.server.routes.api_usage import EventStream, UsageRoutes
from ccr.server.routes.basic import error_response
from ccr.server.state import AppState
from ccr.transformers.base import Endpoint

ACTION_HEADER = "x-ccr-action"
Handler = Callable[[Request], Awaitable[Response]]


def make_api_routes(state: AppState, configs: ConfigService | None = None) -> dict[str, object]:
    """The CLI's two calls; their answers are part of the CLI contract."""
    service = configs or ConfigService(state)

    async def status(request: Request) -> Response:
        return JSONResponse(state.status(), headers={"cache-control": "no-store"})

    async def reload(request: Request) -> Response:
        if request.headers.get(ACTION_HEADER) != "1":
            return error_response(RequestError(f"state-changing calls need the header {ACTION_HEADER}: 1"))
        try:
            await service.reload()
        except ConfigError as err:
            return error_response(RequestError(f"config not reloaded, the old one stays in force: {err.message}"))
        return JSONResponse({"ok": True})

    return {"status": status, "reload": reload}


def transformer_list(state: AppState) -> dict[str, Any]:
    registry = state.runtime.registry
    items = [
        {
            "name": cls.name,
            "description": cls.description,
            "options": dict(cls.options_doc),
            "endpoint": issubclass(cls, Endpoint),
            "passthrough": bool(getattr(cls, "passthrough", False)),
        }
        for cls in registry.classes()
    ]
    return {"transformers": items, "broken": dict(registry.broken)}


def _guarded(handler: Callable[[Request], Awaitable[Any]]) -> Handler:
    """Map the API's exceptions to answers: Invalid → 400 with the field, Conflict → 409."""

    async def run(request: Request) -> Response:
        try:
            result = await handler(request)
        except Invalid as bad:
            return api_error(400, bad.message, path=bad.path, line=bad.line, column=bad.column)
        except Conflict as exc:
            return api_error(409, str(exc))
        except CcrError as err:
            return error_from(err)
        return result if isinstance(result, Response) else json_response(result)

    return run


class _Handlers:
    """The web UI's calls; each returns JSON data (or raises, see `_guarded`)."""

    def __init__(self, state: AppState, configs: ConfigService) -> None:
        self.state = state
        self.configs = configs
        self.probe = ProviderProbe(configs)
        self.models = ModelLister(configs)

    async def get_config(self, request: Request) -> dict[str, Any]:
        return self.configs.snapshot()

    async def validate(self, request: Request) -> dict[str, Any]:
        return self.configs.validate(await read_json_object(request))

    async def save(self, request: Request) -> dict[str, Any]:
        return await self.configs.save(await read_json_object(request))

    async def render(self, request: Request) -> dict[str, Any]:
        return self.configs.render(await read_json_object(request))

    async def backups(self, request: Request) -> dict[str, Any]:
        return {"backups": self.configs.backups()}

    async def restore(self, request: Request) -> dict[str, Any]:
        name = (await read_json_object(request)).get("name")
        if not isinstance(name, str):
            raise RequestError('send {"name": "<backup file name>"}')
        return await self.configs.restore_backup(name)

    async def transformers(self, request: Request) -> dict[str, Any]:
        return transformer_list(self.state)

    async def test_provider(self, request: Request) -> dict[str, Any]:
        return await self.probe.run(await read_json_object(request))

    async def provider_models(self, request: Request) -> dict[str, Any]:
        return await self.models.run(await read_json_object(request))

    async def preview(self, request: Request) -> dict[str, Any]:
        return statusline_preview(await read_json_object(request))


def _route(path: str, fn: Callable[[Request], Awaitable[Any]], *methods: str) -> Route:
    return Route(path, _guarded(fn), methods=list(methods))


def api_routes(state: AppState) -> list[BaseRoute]:
    """Every `/api/` route (the CLI's two included)."""
    configs = ConfigService(state)  # one save lock for every route that writes
    cli = make_api_routes(state, configs)
    ui = _Handlers(state, configs)
    usage = UsageRoutes(state)
    return [
        Route("/api/status", cli["status"], methods=["GET"]),  # type: ignore[arg-type]
        Route("/api/reload", cli["reload"], methods=["POST"]),  # type: ignore[arg-type]
        _route("/api/config", ui.get_config, "GET"),
        _route("/api/config", ui.save, "PUT"),
        _route("/api/config/validate", ui.validate, "POST"),
        _route("/api/config/render", ui.render, "POST"),
        _route("/api/config/backups", ui.backups, "GET"),
        _route("/api/config/restore", ui.restore, "POST"),
        _route("/api/transformers", ui.transformers, "GET"),
        _route("/api/providers/test", ui.test_provider, "POST"),
        _route("/api/providers/models", ui.provider_models, "POST"),
        _route("/api/statusline/preview", ui.preview, "POST"),
        _route("/api/requests", usage.requests, "GET"),
        _route("/api/usage", usage.usage, "GET"),
        Route("/api/events", EventStream(state), methods=["GET"]),
    ]
