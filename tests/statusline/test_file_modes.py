"""What `ccr statusline` writes beside the config is private: 0600 files in a 0700 logs folder."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

from ccr.statusline import cache, command


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_error_log_and_cache_are_private(tmp_path: Path) -> None:
    broken = tmp_path / "broken" / "config.json"
    broken.parent.mkdir()
    broken.write_text("{ not json5")
    out = io.StringIO()
    assert command.main(["--config", str(broken)], stdin=io.StringIO("{}"), stdout=out, env={"TERM": "dumb"}) == 0
    assert out.getvalue() == "\n"
    assert _mode(broken.parent / "logs") == 0o700
    assert _mode(broken.parent / "logs" / "statusline.log") == 0o600

    good = tmp_path / "good" / "config.json"
    good.parent.mkdir()
    good.write_text(json.dumps({"Router": {"default": "p,m"}, "StatusLine": {"enabled": True}}))
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(json.dumps({"type": "assistant", "message": {"model": "m", "usage": {}}}) + "\n")
    stdin = io.StringIO(json.dumps({"transcript_path": str(transcript)}))
    command.main(["--config", str(good)], stdin=stdin, stdout=io.StringIO(), env={"TERM": "dumb"})
    assert _mode(good.parent / cache.CACHE_NAME) == 0o600
