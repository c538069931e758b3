"""Small public and model routes: health, hello, model list, token counting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ccr import __version__
from ccr.errors import CcrError
from ccr.protocol.tokens import count_request_tokens_async
from ccr.server.request_body import parse_messages_body
from ccr.server.state import AppState


def error_response(err: CcrError) -> Response:
    return Response(err.to_bytes(), status_code=err.status, media_type="application/json")


Endpoint = Callable[[Request], Awaitable[Response]]


def make_routes(state: AppState) -> dict[str, Endpoint]:
    async def root(request: Request) -> Response:
        if request.method == "HEAD":
            return Response(status_code=200)
        return JSONResponse({"message": "claude-code-router (python)", "version": __version__})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def models(request: Request) -> Response:
        cfg = state.config
        data = [
            {"type": "model", "id": mid, "display_name": mid, "created_at": "1970-01-01T00:00:00Z"}
            for mid in cfg.model_ids()
        ]
        return JSONResponse(
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    async def count_tokens(request: Request) -> Response:
        try:
            body = parse_messages_body(await request.body(), need_max_tokens=False, memo=state.runtime.parse_memo)
        except CcrError as err:
            return error_response(err)
        return JSONResponse({"input_tokens": await count_request_tokens_async(body)})

    return {"root": root, "health": health, "models": models, "count_tokens": count_tokens}
