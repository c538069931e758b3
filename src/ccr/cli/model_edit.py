"""Edits behind `ccr model`: pure changes to the raw (un-interpolated) config, then one save.

Saving validates first, keeps a timestamped backup (the last 3) and replaces the file atomically
(`ccr.config.store.save_config`); then a running router is asked to reload.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccr.config.schema import ROUTER_SLOTS, Config
from ccr.config.store import list_backups, save_config
from ccr.service import client, pidfile
from ccr.service.paths import ServicePaths

SLOTS = (*ROUTER_SLOTS, "longContextThreshold")
_VAR = re.compile(r"\$\{([^}]+)\}|\$([A-Z_][A-Z0-9_]*)")
PLACEHOLDER = "https://unset-variable.invalid"
"""Stands in for `$VARS` this shell does not have, so a save checks structure, not the env."""


class EditError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def providers(raw: dict[str, Any]) -> list[dict[str, Any]]:
    key = "Providers" if "Providers" in raw or "providers" not in raw else "providers"
    found = raw.setdefault(key, [])
    if not isinstance(found, list):
        raise EditError(f"{key} must be a list")
    return [p for p in found if isinstance(p, dict)]


def find_provider(raw: dict[str, Any], name: str) -> dict[str, Any]:
    for p in providers(raw):
        if str(p.get("name", "")).lower() == name.strip().lower():
            return p
    known = ", ".join(str(p.get("name")) for p in providers(raw)) or "none"
    raise EditError(f"no provider named '{name}' (configured: {known}); add it with `ccr model add-provider`")


def model_list(provider: dict[str, Any]) -> list[str]:
    models = provider.get("models") or []
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    return [str(m) for m in models]


def all_models(raw: dict[str, Any]) -> list[str]:
    return [f"{p.get('name')},{m}" for p in providers(raw) for m in model_list(p)]


def set_slot(raw: dict[str, Any], slot: str, value: str) -> str:
    """Set `Router.<slot>`; returns the value as written (configured spelling of provider/model)."""
    slot = slot_name(slot)
    router = raw.setdefault("Router", {})
    if slot == "longContextThreshold":
        if not value.strip().isdigit() or int(value) <= 0:
            raise EditError(f"longContextThreshold must be a positive number of tokens, not '{value}'")
        router[slot] = int(value)
        return value.strip()
    provider_name, sep, model = value.partition(",")
    if not sep or not model.strip():
        raise EditError(f"'{value}' must be 'provider,model' (e.g. deepseek,deepseek-chat)")
    provider = find_provider(raw, provider_name)
    models = model_list(provider)
    spelled = next((m for m in models if m.lower() == model.strip().lower()), None)
    if spelled is None:
        name, wanted = provider["name"], model.strip()
        raise EditError(
            f"provider '{name}' has no model '{wanted}' (configured: {', '.join(models) or 'none'}); "
            f"add it with `ccr model add-model {name} {wanted}`"
        )
    router[slot] = f"{provider['name']},{spelled}"
    return str(router[slot])


def unset_slot(raw: dict[str, Any], slot: str) -> bool:
    slot = slot_name(slot)
    if slot == "default":
        raise EditError("Router.default is required; set another model instead")
    router = raw.get("Router")
    return isinstance(router, dict) and router.pop(slot, None) is not None


def slot_name(slot: str) -> str:
    for known in SLOTS:
        if known.lower() == slot.strip().lower():
            return known
    raise EditError(f"unknown route '{slot}' (routes: {', '.join(SLOTS)})")


def add_models(raw: dict[str, Any], provider_name: str, models: list[str]) -> list[str]:
    provider = find_provider(raw, provider_name)
    current = model_list(provider)
    lowered = {m.lower() for m in current}
    added = [m for m in dict.fromkeys(m.strip() for m in models) if m and m.lower() not in lowered]
    provider["models"] = current + added
    return added


@dataclass
class NewProvider:
    name: str
    url: str
    key: str | None
    models: list[str]
    transformers: list[Any]


def add_provider(raw: dict[str, Any], new: NewProvider) -> dict[str, Any]:
    name = new.name.strip()
    if not name or "," in name:
        raise EditError("a provider name must be non-empty and contain no comma")
    if any(str(p.get("name", "")).lower() == name.lower() for p in providers(raw)):
        raise EditError(f"a provider named '{name}' already exists; use `ccr model add-model {name} …`")
    if not re.match(r"^https?://\S+$", new.url.strip()):
        raise EditError(f"'{new.url}' is not a URL (expected http://… or https://…)")
    if not new.models:
        raise EditError("give at least one model (--model NAME)")
    entry: dict[str, Any] = {"name": name, "api_base_url": new.url.strip()}
    entry["api_key"] = new.key or ""
    entry["models"] = list(dict.fromkeys(m.strip() for m in new.models if m.strip()))
    if new.transformers:
        entry["transformer"] = {"use": new.transformers}
    key = "Providers" if "Providers" in raw or "providers" not in raw else "providers"
    raw.setdefault(key, []).append(entry)
    return entry


def validation_env(raw: Any) -> dict[str, str]:
    """This shell's environment plus a placeholder for every `$VAR` it lacks."""
    env = dict(os.environ)
    for name in _referenced_vars(raw):
        if not env.get(name):
            env[name] = PLACEHOLDER
    return env


def _referenced_vars(value: Any) -> set[str]:
    if isinstance(value, str):
        return {m.group(1) or m.group(2) for m in _VAR.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(_referenced_vars(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_referenced_vars(v) for v in value)) if value else set()
    return set()


def save(path: Path, raw: dict[str, Any]) -> tuple[Config, Path | None]:
    """Validate and save; returns the config and the backup of the previous file."""
    cfg = save_config(path, raw, env=validation_env(raw))
    backups = list_backups(path)
    return cfg, backups[-1] if backups else None


def notify_running(path: Path, apikey: str | None) -> str | None:
    """Ask a running router to reload; a sentence for the user, or None when none runs."""
    state = pidfile.running_state(ServicePaths(path))
    if state is None:
        return None
    try:
        client.call(state.url, "/api/reload", apikey, method="POST")
    except client.ServiceHTTPError as exc:
        return f"The running router kept its old config: {exc.message}"
    except OSError as exc:
        return f"Could not reach the running router to reload it ({exc}); run `ccr restart`."
    return f"The running router (pid {state.pid}) reloaded the config."
