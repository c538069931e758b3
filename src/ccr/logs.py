"""Log files: `logs/ccr-<timestamp>.log` (server) and `claude-code-router.log` (routing decisions).

Both live in the config file's directory, rotate by size, and pass every record through a filter
that blanks configured secrets, so no key reaches disk even if some code logs one by mistake.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ccr.config.schema import Config

_LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        msg = record.getMessage()
        redacted = msg
        for s in self.secrets:
            if s in redacted:
                redacted = redacted.replace(s, "***")
        if redacted is not msg:
            record.msg, record.args = redacted, None
        return True


def config_secrets(cfg: Config) -> list[str]:
    out = [cfg.APIKEY or ""]
    for p in cfg.Providers:
        out += list(p.key_list())
    return out


def log_dir(cfg: Config) -> Path:
    base = cfg.path.parent if cfg.path else Path.home() / ".claude-code-router"
    return base / "logs"


def _handler(
    path: Path, level: int, secret_filter: SecretFilter, max_bytes: int, backups: int
) -> logging.Handler:
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    os.chmod(path, 0o600)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(secret_filter)
    return handler


def setup_logging(cfg: Config) -> Path | None:
    """Configure the `ccr` logger tree; returns the server log file (None when LOG is false)."""
    root = logging.getLogger("ccr")
    for logger in (root, logging.getLogger("ccr.routing")):
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
    level = _LEVELS.get(cfg.LOG_LEVEL, logging.INFO)
    secret_filter = SecretFilter(config_secrets(cfg))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("ccr: %(levelname)s %(message)s"))
    console.addFilter(secret_filter)
    root.addHandler(console)
    root.propagate = False
    if not cfg.LOG:
        root.setLevel(logging.WARNING)
        return None
    root.setLevel(level)
    directory = log_dir(cfg)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Disk use is bounded by LOG_MAX_BYTES × (LOG_BACKUPS + 1) × (LOG_MAX_FILES + 1).
    _prune(directory, cfg.LOG_MAX_FILES - 1)  # room for this start's file
    server_log = directory / f"ccr-{datetime.now().strftime('%Y%m%d%H%M%S')}-{os.getpid()}.log"
    root.addHandler(_handler(server_log, level, secret_filter, cfg.LOG_MAX_BYTES, cfg.LOG_BACKUPS))
    app_log = directory.parent / "claude-code-router.log"
    app_handler = _handler(app_log, level, secret_filter, cfg.LOG_MAX_BYTES, cfg.LOG_BACKUPS)
    logging.getLogger("ccr.routing").addHandler(app_handler)
    return server_log


def _prune(directory: Path, keep: int) -> None:
    """Delete all but the `keep` newest server logs, with their rotated pieces (`.log.1`, …)."""
    logs = sorted(directory.glob("ccr-*.log"), key=lambda p: p.stat().st_mtime)
    for old in logs[: max(0, len(logs) - keep)]:
        for piece in (old, *directory.glob(f"{old.name}.*")):
            try:
                piece.unlink()
            except OSError:
                pass
