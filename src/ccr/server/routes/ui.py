"""The web UI's static files (package data under `ccr/ui/`), served without authentication.

They hold no data: the page asks for the APIKEY and reads everything through `/api/`. Files are
read once and served from memory with an ETag (`no-cache`: the browser revalidates, a 304
costs nothing locally, and an upgrade is never hidden behind a stale cache). A strict
Content-Security-Policy allows only this origin's scripts and styles.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ccr.errors import CcrError
from ccr.server.routes.basic import error_response

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
_TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


def _walk(node: Traversable, prefix: str) -> dict[str, StaticFile]:
    out: dict[str, StaticFile] = {}
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            out.update(_walk(child, name + "/"))
        elif not child.name.startswith(".") and not child.name.endswith(".py"):
            data = child.read_bytes()
            ext = "." + child.name.rpartition(".")[2]
            media = _TYPES.get(ext) or mimetypes.guess_type(child.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media in ("application/json", "image/svg+xml"):
                media += "; charset=utf-8"
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
            out[name] = StaticFile(data, media, etag)
    return out


def load_files() -> dict[str, StaticFile]:
    return _walk(resources.files("ccr") / "ui", "")


def ui_routes() -> list[BaseRoute]:
    files = load_files()

    async def redirect(request: Request) -> Response:
        return RedirectResponse("/ui/", status_code=302)

    async def serve(request: Request) -> Response:
        name = request.path_params.get("path") or "index.html"
        found = files.get(name)
        if found is None:
            return error_response(CcrError(f"no UI file {name}", status=404))
        headers = {"etag": found.etag, "cache-control": "no-cache", **SECURITY_HEADERS}
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.media_type, headers=headers)

    return [
        Route("/ui", redirect, methods=["GET", "HEAD"]),
        Route("/ui/", serve, methods=["GET", "HEAD"]),
        Route("/ui/{path:path}", serve, methods=["GET", "HEAD"]),
    ]
