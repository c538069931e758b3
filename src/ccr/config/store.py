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

import json5
import orjson

from ccr.config import json5_text
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


def save_config(path: Path, raw: dict[str, Any], env: dict[str, str] | None = None, text: str | None = None) -> Config:
    """Validate `raw` (the un-interpolated document), back up the current file, then replace it.

    The new file is the current one (or `text`, a JSON5 text the caller edited) with only what
    changed rewritten, so comments and layout survive (`json5_text.patch`); 2-space JSON when
    that cannot be done."""
    cfg = config_from_raw(raw, path, env)  # raises ConfigError: nothing is written
    current = path.read_bytes() if path.exists() else None
    if current is not None:
        backup = backup_path(path)
        write_atomic(backup, current)
        for old in list_backups(path)[:-BACKUPS_KEPT]:
            with contextlib.suppress(OSError):
                old.unlink()
    if text is None and current is not None:
        text = current.decode("utf-8", errors="replace")
    write_atomic(path, render_config(raw, text))
    return cfg


def render_config(raw: dict[str, Any], base: str | None) -> bytes:
    """`raw` as the bytes of a config file: `base` edited where it differs, when that works."""
    edited = edit_text(base, raw) if base is not None else None
    if edited is not None:
        return edited.encode("utf-8")
    return orjson.dumps(raw, option=orjson.OPT_INDENT_2) + b"\n"


def edit_text(base: str, doc: Any) -> str | None:
    """`base` (a JSON5 text) with only what differs from `doc` rewritten, comments and layout kept;
    None when `base` does not parse or the edit cannot be made (checked by parsing the result)."""
    if not base.strip():
        return None
    try:
        patched = json5_text.patch(base, json5.loads(base), doc)
        if patched is not None and json5_text.same(json5.loads(patched), doc):
            return patched
    except (ValueError, RecursionError):  # the base is not JSON5 (a hand edit gone wrong)
        pass
    return None
