"""The server's state: an immutable `Runtime` per config, swapped whole on reload.

A request takes the current runtime once at its start and uses it to the end, so a reload never
changes the providers or routes under a request in flight.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ccr.config.load import load_config
from ccr.config.schema import Config
from ccr.plugins import load_plugins
from ccr.protocol.parse_memo import ParseMemo
from ccr.routing.router import Router
from ccr.server.busy_poll import BusyPoll
from ccr.server.stats import Stats
from ccr.transformers.pipeline import Pipelines
from ccr.transformers.registry import Registry
from ccr.upstream.factory import make_transport
from ccr.upstream.keys import KeyPool
from ccr.upstream.resilience import CircuitBreaker
from ccr.upstream.transport import Timeouts, Transport

log = logging.getLogger("ccr.server")


@dataclass
class Runtime:
    config: Config
    registry: Registry
    pipelines: Pipelines
    router: Router
    parse_memo: ParseMemo | None = None
    """Request bodies parse with it when no user code (plugin transformer, custom router) runs:
    user code might change the kept objects it would share (`ccr.protocol.parse_memo`)."""
    timeouts: tuple[Timeouts, Timeouts] = field(init=False)
    """The provider call's limits (non-streamed, streamed): fixed per config, so built once."""

    def __post_init__(self) -> None:
        cfg = self.config
        self.timeouts = (
            Timeouts.from_ms(
                cfg.API_TIMEOUT_MS, stream=False, connect_ms=cfg.CONNECT_TIMEOUT_MS, idle_ms=cfg.STREAM_IDLE_TIMEOUT_MS
            ),
            Timeouts.from_ms(
                cfg.API_TIMEOUT_MS, stream=True, connect_ms=cfg.CONNECT_TIMEOUT_MS, idle_ms=cfg.STREAM_IDLE_TIMEOUT_MS
            ),
        )

    @classmethod
    def build(cls, config: Config, previous: Runtime | None = None) -> Runtime:
        registry = make_registry(config)
        # Session usage (read by the long-context rule) outlives a config reload.
        sessions = previous.router.sessions if previous is not None else None
        router = Router(config, sessions=sessions)
        memo = None
        if only_builtin_code(config, registry):
            memo = previous.parse_memo if previous is not None and previous.parse_memo is not None else ParseMemo()
        pipelines = Pipelines(config, registry)
        return cls(config=config, registry=registry, pipelines=pipelines, router=router, parse_memo=memo)


def only_builtin_code(config: Config, registry: Registry) -> bool:
    """No custom router and no plugin transformer in any provider's or model's chain."""
    if config.CUSTOM_ROUTER_PATH:
        return False
    for provider in config.Providers:
        chains = (provider.transformer.use, *provider.transformer.models.values())
        if not all(registry.is_builtin(spec.name) for chain in chains for spec in chain):
            return False
    return True


def make_registry(config: Config) -> Registry:
    """Built-ins plus plugins; a plugin that fails to load is reported and does not stop the server."""
    registry = Registry()
    load_plugins(config, registry)  # it logs each failure once
    return registry


@dataclass
class AppState:
    runtime: Runtime
    transport: Transport = field(default_factory=make_transport)
    stats: Stats = field(default_factory=Stats)
    started: float = field(default_factory=time.time)
    keys: KeyPool = field(default_factory=KeyPool)
    breaker: CircuitBreaker = field(default_factory=lambda: CircuitBreaker(5, 30.0))
    host: str = "127.0.0.1"
    port: int = 0
    in_flight: int = 0
    busy_poll: BusyPoll = field(default_factory=BusyPoll)

    @classmethod
    def create(cls, config: Config, transport: Transport | None = None) -> AppState:
        runtime = Runtime.build(config)
        state = cls(runtime=runtime, transport=transport or make_transport(config.PROXY_URL))
        state.configure(config)
        for key in config.unknown_keys():
            log.warning("config key %s is not known to this version; it is kept but ignored", key)
        return state

    @property
    def config(self) -> Config:
        return self.runtime.config

    def reload(self, path: Path | None = None) -> Config:
        """Re-read the config file; on any error the old runtime stays in force."""
        target = path or self.runtime.config.path
        config = load_config(target)
        new = Runtime.build(config, previous=self.runtime)
        old_proxy = self.runtime.config.PROXY_URL
        self.runtime = new
        self.configure(config)
        if old_proxy != config.PROXY_URL:
            self.transport = make_transport(config.PROXY_URL)
        log.info("config reloaded from %s", target)
        return config

    def configure(self, config: Config) -> None:
        """The settings that live in long-lived objects rather than in the runtime snapshot."""
        cb = config.circuit_breaker
        self.breaker.configure(cb.failures, cb.cooldown_ms / 1000)
        self.busy_poll.window_s = config.BUSY_POLL_US / 1_000_000

    def status(self) -> dict[str, object]:
        from ccr import __version__

        cfg = self.runtime.config
        return {
            "version": __version__,
            "pid": os.getpid(),
            "uptime_s": round(time.time() - self.started, 1),
            "config_path": str(cfg.path) if cfg.path else None,
            "host": self.host,
            "port": self.port,
            "requests_served": self.stats.served,
            "errors": self.stats.errors,
            "in_flight": self.in_flight,
            "providers": [{"name": p.name, "models": list(p.models)} for p in cfg.Providers],
            "router": cfg.Router.model_dump(exclude_none=True),
        }
