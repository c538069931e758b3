"""Resolving `provider,model` strings against the configured providers.

Built once per Router (the config is frozen), so a lookup on the hot path is one dict access.
Provider and model names match case-insensitively; the configured spelling is what goes upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from ccr.config.schema import Config, RouterSettings

V = TypeVar("V")


class PerSettings(Generic[V]):
    """Values kept per (frozen) Router settings object and key, found by the object's identity:
    hashing a pydantic model would cost more than what is kept. An entry holds its settings
    object, so that object's id cannot be reused by another while the entry lives."""

    __slots__ = ("_entries", "_limit")

    def __init__(self, limit: int = 1024) -> None:
        self._entries: dict[tuple[int, str], tuple[RouterSettings, V]] = {}
        self._limit = limit

    def find(self, settings: RouterSettings, key: str) -> tuple[RouterSettings, V] | None:
        hit = self._entries.get((id(settings), key))
        return hit if hit is not None and hit[0] is settings else None

    def keep(self, settings: RouterSettings, key: str, value: V) -> V:
        if len(self._entries) >= self._limit:  # project and session files come and go
            self._entries.clear()
        self._entries[(id(settings), key)] = (settings, value)
        return value


@dataclass(frozen=True, slots=True)
class Target:
    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider},{self.model}"


class ModelCatalog:
    def __init__(self, config: Config) -> None:
        self._listed: dict[str, Target] = {}
        self._open_providers: dict[str, str] = {}
        for provider in config.Providers:
            if not provider.models:
                # Nothing to check against: any model id is accepted for this provider.
                self._open_providers[provider.name.lower()] = provider.name
            for model in provider.models:
                self._listed.setdefault(f"{provider.name.lower()},{model.lower()}", Target(provider.name, model))
        self._providers = {p.name.lower(): p.name for p in config.Providers}
        self._slots: dict[str, Target | None] = {}
        self._slot_of: PerSettings[Target | None] = PerSettings()

    def resolve(self, spec: str) -> Target | None:
        """The configured target for a client-supplied `provider,model`, or None if not configured."""
        provider, sep, model = spec.partition(",")
        if not sep:
            return None
        provider, model = provider.strip(), model.strip()
        if not provider or not model:
            return None
        found = self._listed.get(f"{provider.lower()},{model.lower()}")
        if found is not None:
            return found
        open_name = self._open_providers.get(provider.lower())
        return Target(open_name, model) if open_name is not None else None

    def slot_of(self, settings: RouterSettings, name: str) -> Target | None:
        """The target of `Router.<name>` in these (frozen) settings, memoised per settings object."""
        hit = self._slot_of.find(settings, name)
        if hit is not None:
            return hit[1]
        spec = settings.slot(name)
        return self._slot_of.keep(settings, name, self.resolve_slot(spec) if spec is not None else None)

    def resolve_slot(self, spec: str) -> Target | None:
        """A `Router` slot value: the provider must exist; an unlisted model is forwarded as written.
        Memoised: slot values come from the config and project files, not from requests."""
        try:
            return self._slots[spec]
        except KeyError:
            pass
        if len(self._slots) > 1024:
            self._slots.clear()
        found = self._slots[spec] = self._resolve_slot(spec)
        return found

    def _resolve_slot(self, spec: str) -> Target | None:
        found = self.resolve(spec)
        if found is not None:
            return found
        provider, sep, model = spec.partition(",")
        name = self._providers.get(provider.strip().lower())
        if not sep or name is None or not model.strip():
            return None
        return Target(name, model.strip())

    def valid_ids(self) -> list[str]:
        ids = [str(t) for t in self._listed.values()]
        ids += [f"{name},<any model>" for name in self._open_providers.values()]
        return ids
