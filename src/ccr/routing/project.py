"""Project- and session-level `Router` overrides (CCR 1.x's layout).

Claude Code keeps each session's transcript at `~/.claude/projects/<project>/<sessionId>.jsonl`
(`$CLAUDE_CONFIG_DIR/projects/…` when that is set). For a request of session S in project P, the
first of these files that has a `Router` object applies:

    <config dir>/P/S.json          this session only
    <config dir>/P/config.json     every session of the project

Its `Router` keys replace the global ones; keys it does not name keep their global value, and
a key set to null switches that scenario off. Lookups are cached: the project of a session is
found once (a miss is retried after `miss_ttl` seconds: Claude Code may create the transcript after
its first request, the user the project folder at any time), and an override file is re-read only
when its mtime or size changes (checked at most every `recheck` seconds).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ccr.config.load import interpolate, parse_config_text
from ccr.config.schema import ROUTER_SLOTS, RouterSettings
from ccr.errors import ConfigError
from ccr.routing.catalog import ModelCatalog

log = logging.getLogger("ccr.routing")

# Session ids come from the client: only plain ids may become part of a path.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
CAPACITY = 1000


def claude_project_dirs() -> list[Path]:
    dirs = []
    env = os.environ.get("CLAUDE_CONFIG_DIR")
    if env:
        dirs.append(Path(env).expanduser() / "projects")
    dirs.append(Path.home() / ".claude" / "projects")
    return dirs


@dataclass(slots=True)
class _FileEntry:
    checked: float
    key: tuple[int, int] | None
    settings: RouterSettings | None


class ProjectRouters:
    def __init__(
        self,
        config_dir: Path,
        catalog: ModelCatalog,
        base: RouterSettings | None = None,
        *,
        claude_dirs: Sequence[Path] | None = None,
        clock: Callable[[], float] = time.monotonic,
        recheck: float = 1.0,
        miss_ttl: float = 10.0,
    ) -> None:
        self.config_dir = config_dir
        self.catalog = catalog
        self.base = base or RouterSettings()
        self.claude_dirs = list(claude_dirs) if claude_dirs is not None else claude_project_dirs()
        self._clock = clock
        self._recheck = recheck
        self._miss_ttl = miss_ttl
        self._projects: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._files: dict[Path, _FileEntry] = {}
        self._folders: list[str] = []
        self._folders_checked = float("-inf")

    def settings_for(self, session_id: str) -> tuple[RouterSettings, str] | None:
        """The override for this session, with the path it came from; None → use the global Router."""
        if not _SAFE_ID.fullmatch(session_id):
            return None
        project = self.project_of(session_id)
        if project is None:
            return None
        folder = self.config_dir / project
        for path in (folder / f"{session_id}.json", folder / "config.json"):
            settings = self._file_settings(path)
            if settings is not None:
                return settings, str(path)
        return None

    def project_of(self, session_id: str) -> str | None:
        now = self._clock()
        cached = self._projects.get(session_id)
        if cached is not None and (cached[0] is not None or now - cached[1] < self._miss_ttl):
            self._projects.move_to_end(session_id)
            return cached[0]
        found = self._search(session_id, now)
        self._projects[session_id] = (found, now)
        self._projects.move_to_end(session_id)
        while len(self._projects) > CAPACITY:
            self._projects.popitem(last=False)
        return found

    def _search(self, session_id: str, now: float) -> str | None:
        # Only projects that have a folder in the config dir can have an override: checking those
        # few costs a stat each, where scanning every Claude Code project would cost one per project.
        name = f"{session_id}.jsonl"
        for project in self._override_folders(now):
            for root in self.claude_dirs:
                if os.path.isfile(os.path.join(root, project, name)):
                    return project
        return None

    def _override_folders(self, now: float) -> list[str]:
        if now - self._folders_checked >= self._recheck:
            self._folders_checked = now
            try:
                self._folders = [e.name for e in os.scandir(self.config_dir) if e.is_dir()]
            except OSError:
                self._folders = []
        return self._folders

    def _file_settings(self, path: Path) -> RouterSettings | None:
        now = self._clock()
        entry = self._files.get(path)
        if entry is not None and now - entry.checked < self._recheck:
            return entry.settings
        try:
            st = os.stat(path)
            key: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if entry is not None and entry.key == key:
            entry.checked = now
            return entry.settings
        settings = self._read(path) if key is not None else None
        self._files[path] = _FileEntry(now, key, settings)
        return settings

    def _read(self, path: Path) -> RouterSettings | None:
        try:
            data = parse_config_text(path.read_text(encoding="utf-8"), str(path))
            router = data.get("Router")
            if router is None:
                return None
            if not isinstance(router, dict):
                raise ConfigError(f"{path}: Router", "must be an object")
            settings = self._overlay(interpolate(router, path="Router"))
            self._check(settings, path)
        except (ConfigError, OSError, UnicodeDecodeError) as exc:
            log.warning("ignoring project router %s: %s", path, exc)
            return None
        log.info("project router %s loaded", path)
        return settings

    def _overlay(self, router: dict[str, Any]) -> RouterSettings:
        merged = self.base.model_dump()
        merged.update(router)
        try:
            return RouterSettings.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"Router.{where}", str(first["msg"])) from None

    def _check(self, settings: RouterSettings, path: Path) -> None:
        for slot in ROUTER_SLOTS:
            spec = settings.slot(slot)
            if spec is not None and self.catalog.resolve_slot(spec) is None:
                raise ConfigError(f"Router.{slot}", f"'{spec}' is not a configured provider,model")
