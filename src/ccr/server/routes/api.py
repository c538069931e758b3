"""Management API used by the CLI (status, reload). The web UI's API extends this module's set."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ccr.errors import ConfigError, RequestError
from ccr.server.routes.basic import Endpoint, error_response
from ccr.server.state import AppState

ACTION_HEADER = "x-ccr-action"


def make_api_routes(state: AppState) -> dict[str, Endpoint]:
    async def status(request: Request) -> Response:
        return JSONResponse(state.status())

    async def reload(request: Request) -> Response:
        if request.headers.get(ACTION_HEADER) != "1":
            return error_response(RequestError(f"state-changing calls need the header {ACTION_HEADER}: 1"))
        try:
            state.reload()
        except ConfigError as err:
            return error_response(
                RequestError(f"config not reloaded, the old one stays in force: {err.message}")
            )
        return JSONResponse({"ok": True})

    return {"status": status, "reload": reload}
