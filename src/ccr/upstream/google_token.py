"""OAuth access tokens for Google Cloud (Vertex AI), from google-auth.

This module does I/O (reading key files, calling the token endpoint) and is only used from an
endpoint's async `prepare` hook, never from the pure request/response hooks. Credentials come
from, in order: the transformer's `credentials` file option, inline service-account fields
(`client_email` + `private_key`), or Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
gcloud's `application-default login`, the metadata server). Tokens are refreshed in a worker
thread when less than `REFRESH_MARGIN` of their life is left, one refresh at a time, and shared
by every provider using the same credentials.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from typing import Any

import orjson

from ccr.errors import UpstreamError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
REFRESH_MARGIN = dt.timedelta(minutes=5)


class GoogleToken:
    def __init__(self, credentials_file: str | None = None, info: dict[str, Any] | None = None) -> None:
        self.credentials_file = os.path.expanduser(credentials_file) if credentials_file else None
        self.info = info
        self._creds: Any = None
        self.project_id: str | None = None
        self._lock = threading.Lock()  # a thread lock: the token is shared across event loops

    async def token(self) -> str:
        creds = self._creds
        if creds is not None and _fresh(creds):
            return str(creds.token)
        return await asyncio.to_thread(self._ensure)

    def _ensure(self) -> str:
        with self._lock:  # one refresh for all the requests that found the token stale
            if self._creds is None:
                self._creds = self._load()
            if not _fresh(self._creds):
                self._refresh()
            return str(self._creds.token)

    def _load(self) -> Any:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        default: Any = google.auth.default  # google-auth is only partly typed: call it through Any
        try:
            if self.info is not None:
                creds = _service_account(self.info)
                self.project_id = self.info.get("project_id")
            elif self.credentials_file:
                creds = self._from_file(self.credentials_file)
            else:
                creds, self.project_id = default(scopes=SCOPES)
        except (DefaultCredentialsError, ValueError, OSError, orjson.JSONDecodeError) as exc:
            raise UpstreamError(_no_credentials(self.credentials_file, exc), status=401) from None
        return creds

    def _from_file(self, path: str) -> Any:
        """Only the two kinds of key file a user writes by hand; anything else goes through ADC."""
        from google.oauth2 import credentials as user_credentials

        with open(path, "rb") as fh:
            info = orjson.loads(fh.read())
        kind = info.get("type") if isinstance(info, dict) else None
        if kind == "service_account":
            self.project_id = info.get("project_id")
            return _service_account(info)
        if kind == "authorized_user":
            self.project_id = info.get("quota_project_id")
            from_user: Any = user_credentials.Credentials.from_authorized_user_info
            return from_user(info, scopes=SCOPES)
        raise ValueError(
            f"credentials of type {kind!r} are not read from the option; point GOOGLE_APPLICATION_CREDENTIALS "
            "at the file instead"
        )

    def _refresh(self) -> None:
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request

        try:
            self._creds.refresh(Request())
        except (GoogleAuthError, OSError) as exc:
            raise UpstreamError(f"could not get a Google access token: {exc}", status=401) from None


def _service_account(info: dict[str, Any]) -> Any:
    from google.oauth2 import service_account

    from_info: Any = service_account.Credentials.from_service_account_info
    return from_info(info, scopes=SCOPES)


def _fresh(creds: Any) -> bool:
    if not creds.token:
        return False
    expiry = creds.expiry
    if expiry is None:
        return True
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # google-auth keeps naive UTC
    if expiry.tzinfo is not None:
        expiry = expiry.astimezone(dt.UTC).replace(tzinfo=None)
    return bool(expiry - now > REFRESH_MARGIN)


def _no_credentials(path: str | None, exc: Exception) -> str:
    where = f"the credentials file {path}" if path else "Application Default Credentials"
    return (
        f"no usable Google credentials from {where} ({exc}). Set the transformer option "
        "credentials to a service-account JSON file, or GOOGLE_APPLICATION_CREDENTIALS, or run "
        "`gcloud auth application-default login`"
    )


_SHARED: dict[tuple[str | None, str | None], GoogleToken] = {}


def shared_token(credentials_file: str | None, info: dict[str, Any] | None = None) -> GoogleToken:
    """One token source per credentials, however many providers and models use them."""
    key = (credentials_file, info.get("client_email") if info else None)
    found = _SHARED.get(key)
    if found is None or (info is not None and found.info != info):
        found = _SHARED[key] = GoogleToken(credentials_file, info)
    return found
