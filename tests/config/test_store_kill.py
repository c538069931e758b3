"""A real SIGKILL while a process saves the config over and over: the file is always one whole
version, never torn or empty, and backups stay bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ccr.config.store import BACKUPS_KEPT, list_backups

SAVER = """
import sys
from pathlib import Path
from ccr.config.store import save_config

path = Path(sys.argv[1])
filler = "x" * 200_000  # big enough that a kill often lands inside a write
n = 0
while True:
    n += 1
    save_config(path, {"PORT": 1000 + n % 60000, "padding": filler})
    print(n, flush=True)
"""


@pytest.mark.parametrize("saves_before_kill", [1, 3, 7, 12])
def test_sigkill_during_saves_leaves_a_whole_config(tmp_path: Path, saves_before_kill: int) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"PORT": 999}')
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    with proc.stdout:
        for _ in range(saves_before_kill):
            assert proc.stdout.readline(), "the saver died on its own"
        os.kill(proc.pid, signal.SIGKILL)  # lands somewhere inside the next save
        proc.wait(10)
    doc = orjson.loads(path.read_bytes())
    assert doc["PORT"] >= 1000 + saves_before_kill  # a whole, recent version
    assert set(doc) == {"PORT", "padding"}
    assert len(list_backups(path)) <= BACKUPS_KEPT + 1  # at most one extra if killed between two steps
    for backup in list_backups(path):
        orjson.loads(backup.read_bytes())  # backups are whole files too
