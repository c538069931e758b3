"""Saving the config: validate first, keep timestamped backups, write atomically.

A kill at any point leaves either the old file or the new one in place, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ccr.config.load import config_from_raw
from ccr.config.schema import Config

BACKUPS_KEPT = 3


def backup_path(path: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y-%m-%dT%H-%M-%S-%f")
    return path.with_name(f"{path.name}.{stamp}.bak")


def list_backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save_config(path: Path, raw: dict[str, Any], env: dict[str, str] | None = None) -> Config:
    """Validate `raw` (the un-interpolated document), back up the current file, then replace it."""
    cfg = config_from_raw(raw, path, env)  # raises ConfigError: nothing is written
    if path.exists():
        backup = backup_path(path)
        write_atomic(backup, path.read_bytes())
        for old in list_backups(path)[:-BACKUPS_KEPT]:
            with contextlib.suppress(OSError):
                old.unlink()
    write_atomic(path, orjson.dumps(raw, option=orjson.OPT_INDENT_2) + b"\n")
    return cfg
