"""OAuth credentials that coding CLIs keep on disk (Gemini CLI, Qwen Code), used as they are.

I/O module: reads the CLI's JSON credential file, refreshes the access token with its refresh
token when it is about to expire, and writes the new token back (atomically, other fields kept)
so the CLI and the router keep working from the same file — Qwen rotates refresh tokens, so a
refresh that is not written back would log the CLI out. Used only from an endpoint's async
`prepare` hook. One refresh at a time per file.

File shape (both CLIs): {"access_token", "refresh_token", "expiry_date" (ms since epoch),
"token_type", …}.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccr.errors import UpstreamError

REFRESH_MARGIN_S = 300


@dataclass(frozen=True, slots=True)
class OAuthClient:
    token_url: str
    client_id: str | None
    client_secret: str | None = None


class OAuthFile:
    def __init__(self, path: str, client: OAuthClient, label: str, login_hint: str, write_back: bool = True) -> None:
        self.path = Path(os.path.expanduser(path))
        self.client = client
        self.label = label
        self.login_hint = login_hint
        self.write_back = write_back
        self._creds: dict[str, Any] | None = None
        self._mtime: float | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    async def credentials(self) -> dict[str, Any]:
        """The current credentials with a valid access token (refreshed when needed)."""
        creds = self._read()
        if _valid(creds):
            return creds
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        async with lock:
            creds = self._read()  # another request may have refreshed it meanwhile
            if not _valid(creds):
                creds = await self._refresh(creds)
            return creds

    def _read(self) -> dict[str, Any]:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            raise UpstreamError(
                f"{self.label}: credential file {self.path} not found; {self.login_hint}", status=401
            ) from None
        if self._creds is None or mtime != self._mtime:
            try:
                data = orjson.loads(self.path.read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise UpstreamError(f"{self.label}: cannot read {self.path}: {exc}", status=401) from None
            if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
                raise UpstreamError(f"{self.label}: {self.path} has no access_token; {self.login_hint}", status=401)
            self._creds, self._mtime = data, mtime
        return self._creds

    async def _refresh(self, creds: dict[str, Any]) -> dict[str, Any]:
        refresh_token = creds.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token or not self.client.client_id:
            expired = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(creds.get("expiry_date") or 0) / 1000))
            raise UpstreamError(
                f"{self.label}: the access token in {self.path} expired ({expired}) and cannot be refreshed "
                f"here; {self.login_hint}",
                status=401,
            )
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client.client_id}
        if self.client.client_secret:
            form["client_secret"] = self.client.client_secret
        answer = await _post_form(self.client.token_url, form, self.label)
        new = {**creds, "access_token": answer["access_token"]}
        new["expiry_date"] = int((time.time() + float(answer.get("expires_in") or 3600)) * 1000)
        for key in ("refresh_token", "token_type", "resource_url", "id_token", "scope"):
            if isinstance(answer.get(key), str) and answer[key]:
                new[key] = answer[key]
        if self.write_back:
            self._write(new)
        self._creds = new
        return new

    def _write(self, creds: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ccr-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(creds, option=orjson.OPT_INDENT_2))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._mtime = self.path.stat().st_mtime


def _valid(creds: dict[str, Any]) -> bool:
    expiry = creds.get("expiry_date")
    if not isinstance(expiry, int | float):
        return True  # no expiry recorded: use it until the provider says otherwise
    return float(expiry) / 1000 - time.time() > REFRESH_MARGIN_S


async def _post_form(url: str, form: dict[str, str], label: str) -> dict[str, Any]:
    import aiohttp  # only for OAuth refreshes: keep it out of the server's import

    timeout = aiohttp.ClientTimeout(total=30)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=True) as session,
            session.post(url, data=form, headers={"accept": "application/json"}) as resp,
        ):
            text = await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamError(f"{label}: token refresh at {url} failed: {exc!r}", status=502) from None
    try:
        answer = orjson.loads(text)
    except orjson.JSONDecodeError:
        answer = None
    if status >= 400 or not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        detail = text[:200].decode("utf-8", "replace")
        raise UpstreamError(f"{label}: token refresh refused ({status}): {detail}", status=401)
    return answer


_FILES: dict[tuple[str, OAuthClient], OAuthFile] = {}


def shared_file(path: str, client: OAuthClient, label: str, login_hint: str, write_back: bool = True) -> OAuthFile:
    """One OAuthFile per (file, client), so every provider using it shares one refresh."""
    key = (os.path.expanduser(path), client)
    found = _FILES.get(key)
    if found is None:
        found = _FILES[key] = OAuthFile(path, client, label, login_hint, write_back)
    return found
