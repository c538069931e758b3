"""Log files: rotation by size and count from the config, modes 0600/0700, secrets blanked."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from ccr.config.load import config_from_raw
from ccr.logs import setup_logging

pytestmark = pytest.mark.usefixtures("restore_logging")


def _setup(tmp_path: Path, **keys: object) -> Path:
    raw = {"LOG": True, "APIKEY": "sk-router-secret", **keys}
    server_log = setup_logging(config_from_raw(raw, tmp_path / "config.json"))
    assert server_log is not None
    return server_log


def test_size_and_backup_count_come_from_the_config(tmp_path: Path) -> None:
    server_log = _setup(tmp_path, LOG_MAX_BYTES=2048, LOG_BACKUPS=2)
    log = logging.getLogger("ccr.test")
    for i in range(200):
        log.warning("line %d %s", i, "x" * 100)
    pieces = sorted(p.name for p in server_log.parent.glob(server_log.name + "*"))
    assert pieces == [server_log.name, server_log.name + ".1", server_log.name + ".2"]
    assert all(p.stat().st_size <= 2048 for p in server_log.parent.glob(server_log.name + "*"))


def test_old_server_logs_beyond_the_count_are_deleted_with_their_pieces(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(5):
        old = logs / f"ccr-2026010100000{i}-{i}.log"
        old.write_text("old")
        (logs / f"{old.name}.1").write_text("older")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    server_log = _setup(tmp_path, LOG_MAX_FILES=3)
    kept = sorted(p.name for p in logs.iterdir() if p.name != "daemon.log")
    assert kept == sorted(
        [
            "ccr-20260101000003-3.log",
            "ccr-20260101000003-3.log.1",
            "ccr-20260101000004-4.log",
            "ccr-20260101000004-4.log.1",
            server_log.name,
        ]
    )


def test_modes_and_secret_filter(tmp_path: Path) -> None:
    server_log = _setup(tmp_path)
    logging.getLogger("ccr.test").warning("careless %s", "sk-router-secret")
    for handler in logging.getLogger("ccr").handlers:
        handler.flush()
    assert stat.S_IMODE(server_log.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "claude-code-router.log").stat().st_mode) == 0o600
    assert stat.S_IMODE(server_log.parent.stat().st_mode) == 0o700
    text = server_log.read_text()
    assert "careless ***" in text and "sk-router-secret" not in text


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        pytest.param("LOG_MAX_BYTES", 10, "LOG_MAX_BYTES", id="size-too-small"),
        pytest.param("LOG_MAX_FILES", 0, "LOG_MAX_FILES", id="no-files"),
        pytest.param("LOG_BACKUPS", -1, "LOG_BACKUPS", id="negative-backups"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, key: str, value: int, fragment: str) -> None:
    from ccr.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        config_from_raw({key: value}, tmp_path / "config.json")
    assert fragment in str(info.value.path)


def test_log_keys_are_known(tmp_path: Path) -> None:
    cfg = config_from_raw({"LOG_MAX_BYTES": 4096, "LOG_BACKUPS": 1, "LOG_MAX_FILES": 2}, tmp_path / "c.json")
    assert cfg.unknown_keys() == []
