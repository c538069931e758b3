"""Where the service keeps its files, and how a client reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PID_FILE_NAME = ".claude-code-router.pid"
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class ServicePaths:
    config: Path

    @property
    def dir(self) -> Path:
        return self.config.parent

    @property
    def pid_file(self) -> Path:
        return self.dir / PID_FILE_NAME

    @property
    def state_file(self) -> Path:
        return self.dir / "service.json"

    @property
    def clients_file(self) -> Path:
        return self.dir / "clients.json"

    @property
    def lock_file(self) -> Path:
        return self.dir / ".service.lock"

    @property
    def logs_dir(self) -> Path:
        return self.dir / "logs"

    @property
    def daemon_log(self) -> Path:
        return self.logs_dir / "daemon.log"


def client_host(host: str | None, apikey: str | None) -> str:
    """The address a local client should connect to for a server configured with `host`.

    Without an APIKEY the server only listens on loopback whatever HOST says; a wildcard bind is
    reached through loopback too.
    """
    wanted = (host or "").strip()
    if wanted in WILDCARD_HOSTS or (not apikey and wanted not in LOOPBACK_HOSTS):
        return "127.0.0.1"
    return wanted


def base_url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
