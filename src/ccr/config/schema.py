"""The validated, frozen config. Validation runs once at load; the hot path reads plain attributes.

Unknown keys are kept (they round-trip through saves) and reported once as warnings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ccr.errors import ConfigError

ROUTER_SLOTS = ("default", "background", "think", "longContext", "webSearch", "image")

_frozen = ConfigDict(frozen=True, extra="allow", populate_by_name=True)


class TransformerSpec(BaseModel):
    """One link of a transformer chain: `"name"` or `["name", {options}]` in the file."""

    model_config = ConfigDict(frozen=True)
    name: str
    options: dict[str, Any] = Field(default_factory=dict)


def _parse_spec(item: Any) -> TransformerSpec:
    if isinstance(item, str) and item.strip():
        return TransformerSpec(name=item.strip())
    if isinstance(item, list) and item and isinstance(item[0], str):
        if len(item) > 2 or (len(item) == 2 and not isinstance(item[1], dict)):
            raise ValueError('write ["name", {options}]')
        return TransformerSpec(name=item[0].strip(), options=item[1] if len(item) == 2 else {})
    raise ValueError('each entry must be "name" or ["name", {options}]')


class ProviderTransformers(BaseModel):
    model_config = ConfigDict(frozen=True)
    use: tuple[TransformerSpec, ...] = ()
    models: dict[str, tuple[TransformerSpec, ...]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ValueError('must be an object like {"use": ["deepseek"]}')
        out: dict[str, Any] = {"use": [], "models": {}}
        for key, value in data.items():
            items = value.get("use", []) if isinstance(value, dict) and key != "use" else value
            if not isinstance(items, list):
                raise ValueError(f"{key}: 'use' must be a list")
            specs = tuple(_parse_spec(i) for i in items)
            if key == "use":
                out["use"] = specs
            else:
                out["models"][key] = specs
        return out


class Provider(BaseModel):
    model_config = _frozen
    name: str
    api_base_url: str
    api_key: str | None = None
    api_keys: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    transformer: ProviderTransformers = Field(default_factory=ProviderTransformers)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        if "," in v:
            raise ValueError("must not contain a comma (models are addressed as 'provider,model')")
        return v

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip()
        if not (v.startswith("http://") or v.startswith("https://")) or len(v) < 10:
            raise ValueError("not a URL (expected http://… or https://…)")
        return v

    @field_validator("models", mode="before")
    @classmethod
    def _models(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [m.strip() for m in v.split(",") if m.strip()]
        return v

    def find_model(self, model: str) -> str | None:
        """The configured spelling of `model` (case-insensitive), or None."""
        low = model.lower()
        for m in self.models:
            if m.lower() == low:
                return m
        return None

    def key_list(self) -> tuple[str, ...]:
        if self.api_keys:
            return self.api_keys
        return (self.api_key,) if self.api_key else ()


class RouterSettings(BaseModel):
    model_config = _frozen
    default: str | None = None
    background: str | None = None
    think: str | None = None
    longContext: str | None = None
    longContextThreshold: int = 60000
    webSearch: str | None = None
    image: str | None = None
    thinkOnAdaptive: bool = False

    @field_validator("longContextThreshold", mode="before")
    @classmethod
    def _threshold(cls, v: Any) -> Any:
        return 60000 if v in (None, 0, "") else v

    def slot(self, name: str) -> str | None:
        value = getattr(self, name, None)
        return value if isinstance(value, str) and value.strip() else None


class RetrySettings(BaseModel):
    """Retries of a failed provider call, before any byte reached the client."""

    model_config = _frozen
    attempts: int = Field(default=2, ge=0, le=10)
    """Retries after the first try (0 turns retrying off)."""
    base_delay_ms: int = Field(default=500, ge=0)
    max_delay_ms: int = Field(default=10_000, ge=0)
    """Upper bound on all waiting between tries, Retry-After included."""


class CircuitBreakerSettings(BaseModel):
    model_config = _frozen
    failures: int = Field(default=5, ge=1)
    """Consecutive failed calls that take a provider out of rotation."""
    cooldown_ms: int = Field(default=30_000, ge=0)


class CustomTransformer(BaseModel):
    model_config = _frozen
    path: str
    options: dict[str, Any] = Field(default_factory=dict)


class Config(BaseModel):
    model_config = _frozen
    PORT: int = Field(default=3456, ge=1, le=65535)
    HOST: str = "127.0.0.1"
    APIKEY: str | None = None
    PROXY_URL: str | None = None
    LOG: bool = True
    LOG_LEVEL: str = "info"
    API_TIMEOUT_MS: int = Field(default=600000, gt=0)
    NON_INTERACTIVE_MODE: bool = False
    CUSTOM_ROUTER_PATH: str | None = None
    CLAUDE_PATH: str | None = None
    ANTHROPIC_SMALL_FAST_MODEL: str | None = None
    Providers: tuple[Provider, ...] = ()
    Router: RouterSettings = Field(default_factory=RouterSettings)
    transformers: tuple[CustomTransformer, ...] = ()
    StatusLine: dict[str, Any] = Field(default_factory=dict)
    forceUseImageAgent: bool = False
    fallback: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    circuit_breaker: CircuitBreakerSettings = Field(default_factory=CircuitBreakerSettings)
    CONNECT_TIMEOUT_MS: int = Field(default=10_000, gt=0)
    STREAM_IDLE_TIMEOUT_MS: int | None = Field(default=None, gt=0)
    """Longest silence allowed between two streamed chunks (default: API_TIMEOUT_MS)."""
    SHUTDOWN_GRACE_MS: int = Field(default=10_000, ge=0)
    MAX_BODY_BYTES: int = Field(default=50 * 1024 * 1024, gt=0)
    BUSY_POLL_US: int = Field(default=200, ge=0, le=10_000)
    """How long a lone request keeps the event loop polling, not sleeping, after it sends the
    provider request and after its answer (µs; 0: never). See `ccr.server.busy_poll`."""
    USAGE_HISTORY_DAYS: int = Field(default=0, ge=0, le=3660)
    """Days of per-day usage totals kept in `usage.json` next to the config (0: none)."""
    LOG_MAX_BYTES: int = Field(default=20 * 1024 * 1024, ge=1024)
    """Size at which a log file rotates (each keeps LOG_BACKUPS rotated pieces)."""
    LOG_BACKUPS: int = Field(default=3, ge=0, le=100)
    LOG_MAX_FILES: int = Field(default=10, ge=1, le=1000)
    """Server logs (one per start) kept in logs/; older ones are deleted at start."""

    # Not part of the file: where it was read from and what it said before interpolation.
    path: Path | None = Field(default=None, exclude=True)
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @field_validator("LOG_LEVEL")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.lower()
        if v not in {"fatal", "error", "warn", "warning", "info", "debug", "trace"}:
            raise ValueError("expected one of fatal, error, warn, info, debug, trace")
        return v

    @field_validator("APIKEY", "PROXY_URL", "CUSTOM_ROUTER_PATH", "CLAUDE_PATH", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v == "" else v

    def provider(self, name: str) -> Provider | None:
        low = name.strip().lower()
        for p in self.Providers:
            if p.name.lower() == low:
                return p
        return None

    def model_ids(self) -> list[str]:
        return [f"{p.name},{m}" for p in self.Providers for m in p.models]

    def unknown_keys(self) -> list[str]:
        return sorted((self.model_extra or {}).keys())


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_FRIENDLY = {
    "int_parsing": "must be a whole number",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "missing": "is required",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}


def _friendly(err: dict[str, Any]) -> str:
    msg = _FRIENDLY.get(err["type"])
    if msg:
        return msg
    text = str(err.get("msg", "invalid"))
    return text.removeprefix("Value error, ")


def validate_config(
    data: dict[str, Any], *, path: Path | None = None, raw: dict[str, Any] | None = None
) -> Config:
    data = dict(data)
    if "Providers" not in data and "providers" in data:
        data["Providers"] = data.pop("providers")
    try:
        cfg = Config.model_validate({**data, "path": path, "raw": raw if raw is not None else data})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if p not in ("function-after", "function-before"))
        raise ConfigError(_loc_to_path(loc), _friendly(dict(first))) from None
    _check_router_refs(cfg)
    _check_unique_providers(cfg)
    return cfg


def _check_unique_providers(cfg: Config) -> None:
    seen: dict[str, int] = {}
    for i, p in enumerate(cfg.Providers):
        low = p.name.lower()
        if low in seen:
            raise ConfigError(f"Providers[{i}].name", f"'{p.name}' is already used by Providers[{seen[low]}]")
        seen[low] = i


def _check_router_refs(cfg: Config) -> None:
    names = ", ".join(p.name for p in cfg.Providers) or "none configured"
    refs: list[tuple[str, str]] = [(f"Router.{s}", v) for s in ROUTER_SLOTS if (v := cfg.Router.slot(s))]
    for scenario, chain in cfg.fallback.items():
        refs += [(f"fallback.{scenario}[{i}]", v) for i, v in enumerate(chain)]
    for where, value in refs:
        provider, sep, model = value.partition(",")
        if not sep or not model.strip():
            raise ConfigError(where, f"'{value}' must be 'provider,model'")
        if cfg.provider(provider) is None:
            raise ConfigError(where, f"provider '{provider.strip()}' is not in Providers (known: {names})")
