"""First run: a commented starter config, and a `~/.claude.json` so Claude Code skips its login."""

from __future__ import annotations

import json
import os
import secrets
from importlib import resources
from pathlib import Path

from ccr.config.store import write_atomic


def starter_config_text() -> str:
    return resources.files("ccr").joinpath("data/starter-config.json5").read_text(encoding="utf-8")


def ensure_config(path: Path) -> bool:
    """Write the starter config at `path` if there is no file; True when it wrote one."""
    if path.exists():
        return False
    write_atomic(path, starter_config_text().encode("utf-8"))
    return True


def claude_json_path() -> Path:
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(base).expanduser() if base else Path.home()) / ".claude.json"


def ensure_claude_json() -> Path | None:
    """Create Claude Code's `.claude.json` marked as onboarded, if it has none; returns it if written.

    An existing file is never touched: it holds the user's own Claude Code settings.
    """
    path = claude_json_path()
    if path.exists():
        return None
    doc = {
        "hasCompletedOnboarding": True,
        "numStartups": 1,
        "userID": secrets.token_hex(32),
        "projects": {},
    }
    try:
        write_atomic(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
    except OSError:
        return None  # a read-only home must not stop the router; Claude Code will ask to log in
    return path


def first_run_message(path: Path) -> str:
    return (
        f"No config found: wrote a starter config to [bold]{path}[/].\n"
        "  It routes every request to a local Ollama (http://localhost:11434, model qwen2.5-coder:latest).\n"
        "  Edit it to add a provider (examples are in the file, commented out), or run `ccr model`."
    )


def prepare(path: Path, explicit: bool) -> None:
    """Before `ccr start` / `ccr code`: a starter config where the default one is missing, and
    `~/.claude.json`. An explicit `--config` that does not exist is a typo, not a first run."""
    from ccr.cli.common import fail, info

    if not path.exists():
        if explicit:
            fail(f"config file not found: {path} (without --config, a starter config is created for you)", 2)
        ensure_config(path)
        info(first_run_message(path))
    ensure_claude_json()
