"""Small helpers shared by the management API modules: JSON in and out, error answers."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ccr.errors import CcrError, RequestError, anthropic_error_body, error_type_for_status

MAX_API_BODY = 8 * 1024 * 1024
NO_STORE = {"cache-control": "no-store"}


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json", headers=NO_STORE)


def api_error(status: int, message: str, **details: Any) -> Response:
    """Anthropic-shaped error; `details` (key path, line…) go next to `message` for the UI."""
    body = anthropic_error_body(error_type_for_status(status), message)
    body["error"].update({k: v for k, v in details.items() if v is not None})
    return json_response(body, status)


def error_from(err: CcrError, **details: Any) -> Response:
    return api_error(err.status, err.message, **details)


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; RequestError (400) for anything else."""
    body = await request.body()
    if len(body) > MAX_API_BODY:
        raise RequestError(f"request body over {MAX_API_BODY} bytes")
    try:
        data = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError("request body must be a JSON object")
    return data
