from __future__ import annotations

import os
import stat
from pathlib import Path

import json5
import orjson
import pytest

from ccr.config.store import BACKUPS_KEPT, list_backups, save_config
from ccr.errors import ConfigError


def test_save_validates_backs_up_and_rotates(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 1000}')
    for port in range(2000, 2000 + BACKUPS_KEPT + 2):
        save_config(path, {"PORT": port})
    assert orjson.loads(path.read_bytes()) == {"PORT": 2000 + BACKUPS_KEPT + 1}
    backups = list_backups(path)
    assert len(backups) == BACKUPS_KEPT
    assert orjson.loads(backups[-1].read_bytes()) == {"PORT": 2000 + BACKUPS_KEPT}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_invalid_config_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 1000}')
    with pytest.raises(ConfigError) as info:
        save_config(path, {"PORT": "x"})
    assert info.value.path == "PORT"
    assert path.read_text() == '{"PORT": 1000}'
    assert list_backups(path) == []


def test_kill_during_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 1000}')

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # as if the process died between writing the temp file and the rename

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_config(path, {"PORT": 2000})
    assert path.read_text() == '{"PORT": 1000}'
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


COMMENTED = """// my config
{
  "PORT": 3456, // the port
  "Providers": [
    // local
    {"name": "ollama", "api_base_url": "http://127.0.0.1:11434/v1/chat/completions", "models": ["q"]},
  ],
  "Router": {"default": "ollama,q"},
}
"""


def test_a_save_keeps_the_files_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(COMMENTED)
    raw = json5.loads(COMMENTED)
    raw["PORT"] = 4000
    save_config(path, raw)
    assert path.read_text() == COMMENTED.replace("3456", "4000")
    assert list_backups(path)[-1].read_text() == COMMENTED


def test_a_file_that_is_not_json5_is_written_anew_as_json(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 1000,, // broken by hand')
    save_config(path, {"PORT": 2000})
    assert path.read_text() == '{\n  "PORT": 2000\n}\n'
    assert list_backups(path)[-1].read_text() == '{"PORT": 1000,, // broken by hand'


def test_a_text_given_is_the_base_of_the_edit(tmp_path: Path) -> None:
    """The management API's `{"text": …}`: the sender's layout, with masked secrets put back."""
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 1000}')
    sent = '{\n  // from the editor\n  "PORT": 2000,\n  "APIKEY": "sk-…****",\n}\n'
    save_config(path, {"PORT": 2000, "APIKEY": "sk-test-restored"}, text=sent)
    assert path.read_text() == sent.replace("sk-…****", "sk-test-restored")
