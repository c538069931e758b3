"""`POST /api/providers/models`: the models a provider's server offers (the UI's "Fetch models").

The question names a saved provider, or carries a draft (URL and key as typed in the form). A key
shown masked is resolved here from the config file, `$VAR` from the router's environment: the page
never holds a key in clear, and the answer never carries one (the server's error text is scrubbed).

This endpoint makes the router send a GET to the URL it is given. That is why it sits behind the
management API's checks (Host, Origin, `x-ccr-action`, APIKEY: middleware/host.py, auth.py), like
`/api/providers/test`; docs/api.md says so.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ccr.config.load import interpolate
from ccr.config.schema import Provider
from ccr.errors import ConfigError, RequestError
from ccr.server.routes.api_config import ConfigService, Invalid, read_disk
from ccr.server.routes.api_secrets import ELLIPSIS, mask_url, mask_value, restore_secrets, scrubber_for
from ccr.upstream.models_list import DEFAULT_TIMEOUT_S, ModelListError, fetch_listing

TIMEOUT_S = DEFAULT_TIMEOUT_S
"""Per network step (connect, answer, each read) of each address tried."""
TOTAL_S = 3 * TIMEOUT_S
"""The whole question, whatever a slow server does (up to two addresses are tried)."""
USAGE = 'send {"provider": "<saved provider name>"} or {"api_base_url": "<url>", "api_key": "<key>"}'


class ModelLister:
    def __init__(self, configs: ConfigService) -> None:
        self.configs = configs
        self.state = configs.state

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Raises Invalid/RequestError for a bad question; a server that fails is a normal answer."""
        url, key = self._target(body)
        proxy = self.state.runtime.config.PROXY_URL or ""  # as the provider calls go
        try:
            listing = await asyncio.wait_for(asyncio.to_thread(fetch_listing, url, key, TIMEOUT_S, proxy), TOTAL_S)
        except ModelListError as err:
            return self._failed(err.url, err.message, key)
        except TimeoutError:
            return self._failed(url, f"{url} did not send its model list within {TOTAL_S:g} s", key)
        return {"ok": True, "url": mask_url(listing.url), "models": listing.models, "error": None}

    def _failed(self, url: str, message: str, key: str | None) -> dict[str, Any]:
        text = scrubber_for(self.state.runtime.config)(message)
        if key and len(key) >= 6:
            text = text.replace(key, mask_value(key))
        return {"ok": False, "url": mask_url(url), "models": [], "error": text}

    def _target(self, body: dict[str, Any]) -> tuple[str, str | None]:
        name = body.get("provider")
        if name is not None and not isinstance(name, str):
            raise Invalid("provider: must be a provider name (a string)", path="provider")
        saved = self._saved(name)
        url = body.get("api_base_url")
        if url is None or url == "":
            if saved is None:
                raise RequestError(f"no address to ask: {USAGE}" if not name else self._unknown(name))
            url = saved.api_base_url
        if not isinstance(url, str):
            raise Invalid("api_base_url: must be a URL (a string)", path="api_base_url")
        url = _from_env(url.strip(), "api_base_url")
        if not url.startswith(("http://", "https://")):
            raise Invalid("api_base_url: not a URL (expected http://… or https://…)", path="api_base_url")
        return url, self._key(body, name, saved)

    def _saved(self, name: str | None) -> Provider | None:
        return self.state.runtime.config.provider(name.strip()) if name and name.strip() else None

    def _unknown(self, name: str) -> str:
        known = ", ".join(p.name for p in self.state.runtime.config.Providers) or "none"
        return f"no provider named {name!r} (known: {known}); for an unsaved one {USAGE}"

    def _key(self, body: dict[str, Any], name: str | None, saved: Provider | None) -> str | None:
        """No `api_key` sent: the saved provider's key. Sent: as typed, a mask or `$VAR` resolved."""
        if "api_key" not in body or body["api_key"] is None:
            keys = saved.key_list() if saved else ()
            return keys[0] if keys else None
        key = body["api_key"]
        if not isinstance(key, str):
            raise Invalid("api_key: must be a string", path="api_key")
        key = key.strip()
        if not key:
            return None
        if ELLIPSIS in key:
            return self._unmask(key, name)
        return _from_env(key, "api_key")

    def _unmask(self, key: str, name: str | None) -> str:
        cfg = self.state.runtime.config
        disk = read_disk(cfg.path)
        stored = disk.raw if disk.raw is not None else cfg.raw
        question = {"Providers": [{"name": name or "", "api_key": key}]}
        try:
            restored = restore_secrets(question, stored)["Providers"][0]["api_key"]
        except ConfigError as err:
            raise Invalid(f"api_key: {err.problem}", path="api_key") from None
        if ELLIPSIS in restored:
            raise Invalid("api_key: this masked key is not one the router has; type the key again", path="api_key")
        return str(restored)


def _from_env(value: str, field: str) -> str:
    """`$VAR` / `${VAR}` replaced from the router's environment, as the config loader does."""
    if "$" not in value:
        return value
    try:
        resolved: str = interpolate(value, None, field)
    except ConfigError as err:
        raise Invalid(f"{err.message} in the router's environment", path=field) from None
    return resolved
