"""Reading, validating and saving the config from the web UI.

The UI edits the RAW document (what the file says, `$VAR`s unresolved) with secrets masked.
A save is: restore unchanged masks → validate → build the new runtime (plugins, custom router,
transformer chains) → backup + atomic write → swap the runtime. Any failure before the write
leaves file and server as they were. Saves are serialised, and a save based on an older version
of the file than the one on disk is refused (409) instead of silently overwriting it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccr.config.load import config_from_raw, parse_config_text
from ccr.config.schema import Config
from ccr.config.store import edit_text, list_backups, save_config
from ccr.errors import CcrError, ConfigError, ConfigSyntaxError, RequestError
from ccr.server.routes.api_diff import describe_changes, next_launch, restart_needed
from ccr.server.routes.api_json5pos import locate
from ccr.server.routes.api_secrets import mask_secrets, masked_text, restore_secrets, scrubber_for
from ccr.server.state import AppState, Runtime

log = logging.getLogger("ccr.server")
NO_FILE = "none"


@dataclass
class DiskState:
    raw: dict[str, Any] | None
    version: str
    text: str | None
    error: str | None = None


class Invalid(Exception):
    """A validation failure to show at a field (path) and, for raw text, at a line."""

    def __init__(self, message: str, path: str = "", line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.path, self.line, self.column = message, path, line, column

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "line": self.line, "column": self.column}


def version_of(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest()[:16] if data is not None else NO_FILE


def read_disk(path: Path | None) -> DiskState:
    if path is None:
        return DiskState(None, NO_FILE, None)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return DiskState(None, NO_FILE, None)
    except OSError as exc:
        return DiskState(None, NO_FILE, None, f"cannot read {path}: {exc.strerror}")
    text = data.decode("utf-8", errors="replace")
    try:
        return DiskState(parse_config_text(text, str(path)), version_of(data), text)
    except ConfigError as exc:
        return DiskState(None, version_of(data), text, exc.message)


def is_plain_json(text: str | None) -> bool:
    if text is None or not text.strip():
        return True
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def parse_input(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The submitted document (`config` object or JSON5 `text`) and the text if any."""
    if isinstance(body.get("text"), str):
        text: str = body["text"]
        try:
            return parse_config_text(text, "config"), text
        except ConfigSyntaxError as exc:
            if exc.line is not None and exc.column is not None:
                raise Invalid(f"line {exc.line}, column {exc.column}: {exc.what}", "", exc.line, exc.column) from None
            raise Invalid(exc.problem) from None
        except ConfigError as exc:
            raise Invalid(exc.problem) from None
    if isinstance(body.get("config"), dict):
        return body["config"], None
    raise RequestError('send {"config": {...}} or {"text": "<JSON5>"}')


def invalid_from(err: CcrError, text: str | None) -> Invalid:
    path = err.path if isinstance(err, ConfigError) else ""
    pos = locate(text, path) if text and path else None
    return Invalid(err.message, path, *(pos or (None, None)))


_BUILD_LOGGERS = ("ccr.plugins", "ccr.server")


@contextlib.contextmanager
def quiet_build() -> Iterator[None]:
    """A trial build (validation while the user types) must not repeat plugin warnings in the log
    at every keystroke; the UI shows them at the field instead."""
    loggers = [logging.getLogger(n) for n in _BUILD_LOGGERS]
    before = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, was in zip(loggers, before, strict=True):
            lg.disabled = was


def build_checked(raw: dict[str, Any], path: Path, text: str | None, quiet: bool = False) -> tuple[Config, Runtime]:
    """Validate and build everything a request would need; raises Invalid."""
    try:
        cfg = config_from_raw(raw, path)
        if not quiet:
            return cfg, Runtime.build(cfg)
        with quiet_build():
            return cfg, Runtime.build(cfg)
    except CcrError as err:
        raise invalid_from(err, text) from None


def plugin_warnings(cfg: Config, runtime: Runtime) -> list[dict[str, Any]]:
    """Plugins that failed to load: the router still starts (as at start-up), but the UI shows why
    at the `transformers[i].path` field."""
    base = cfg.path.parent if cfg.path else Path.cwd()
    sources = [str(base / Path(t.path).expanduser()) for t in cfg.transformers]
    out: list[dict[str, Any]] = []
    for message in dict.fromkeys(runtime.registry.broken.values()):
        index = next((i for i, src in enumerate(sources) if message.startswith(src + ":")), None)
        path = f"transformers[{index}].path" if index is not None else "transformers"
        out.append({"path": path, "message": message})
    return out


def refresh_log_secrets(cfg: Config) -> None:
    """New keys must be blanked from logs at once, not after the next restart."""
    try:
        from ccr.logs import SecretFilter, config_secrets
    except ImportError:
        return
    secrets = SecretFilter(config_secrets(cfg)).secrets
    for name in ("ccr", "ccr.routing"):
        for handler in logging.getLogger(name).handlers:
            for f in handler.filters:
                if isinstance(f, SecretFilter):
                    f.secrets = secrets


class Conflict(Exception):
    pass


class ConfigService:
    def __init__(self, state: AppState) -> None:
        self.state = state
        self.lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        cfg = self.state.runtime.config
        if cfg.path is None:
            raise RequestError("this server was started without a config file; there is nothing to save to")
        return cfg.path

    def snapshot(self) -> dict[str, Any]:
        cfg = self.state.runtime.config
        disk = read_disk(cfg.path)
        raw = disk.raw if disk.raw is not None else cfg.raw
        return {
            "config": mask_secrets(raw).doc,
            "version": disk.version,
            "path": str(cfg.path) if cfg.path else None,
            "disk_error": disk.error,
            "running_matches_file": disk.raw is None or disk.raw == cfg.raw,
            "plain_json": is_plain_json(disk.text),
            "text": self.shown_text(disk),
            "unknown_keys": cfg.unknown_keys(),
        }

    def shown_text(self, disk: DiskState) -> str | None:
        """The file as written — comments and layout — with its secrets masked, for the Raw JSON
        screen; None when it cannot be shown safely (see `masked_text`) or does not parse."""
        if disk.raw is None or disk.text is None:
            return None
        return masked_text(disk.text, disk.raw, scrubber_for(self.state.runtime.config).secrets)

    @staticmethod
    def render(body: dict[str, Any]) -> dict[str, Any]:
        """`{text, config}` → `{"text": text edited to say config, comments kept}`, or null when
        that cannot be done. The Raw JSON screen shows the form screens' edits this way; both
        come from the page (masked), so nothing secret is read or added here."""
        text, doc = body.get("text"), body.get("config")
        if not isinstance(text, str) or not isinstance(doc, dict):
            raise RequestError('send {"text": "<JSON5>", "config": {...}}')
        return {"text": edit_text(text, doc)}

    def validate(self, body: dict[str, Any]) -> dict[str, Any]:
        """{"ok", "errors": [{path, message, line, column}]}; for text input also the parsed
        document whenever it parsed, so the form screens can follow the raw editor."""
        try:
            raw, text = parse_input(body)
        except Invalid as bad:
            return {"ok": False, "errors": [bad.to_dict()]}
        out: dict[str, Any] = {"ok": True, "errors": []}
        if text is not None:
            out["config"] = raw  # what the client sent, parsed: no stored secret is added back
        try:
            cfg, runtime = build_checked(self.restore(raw, text), self.path, text, quiet=True)
        except Invalid as bad:
            return {**out, "ok": False, "errors": [bad.to_dict()]}
        out["unknown_keys"] = cfg.unknown_keys()
        out["warnings"] = plugin_warnings(cfg, runtime)
        return out

    def restore(self, raw: dict[str, Any], text: str | None) -> dict[str, Any]:
        disk = read_disk(self.state.runtime.config.path)
        old = disk.raw if disk.raw is not None else self.state.runtime.config.raw
        try:
            restored: dict[str, Any] = restore_secrets(raw, old)
        except ConfigError as err:
            raise invalid_from(err, text) from None
        return restored

    async def save(self, body: dict[str, Any], restore: bool = True) -> dict[str, Any]:
        """Raises Invalid, Conflict or RequestError; returns what changed."""
        async with self.lock:
            path = self.path
            raw, text = parse_input(body)
            disk = read_disk(path)
            base = body.get("base_version")
            if isinstance(base, str) and base != disk.version:
                raise Conflict("the config file changed since this page loaded it; reload the page first")
            if restore:
                raw = self.restore(raw, text)
            old_cfg = self.state.runtime.config
            new_cfg, runtime = build_checked(raw, path, text)
            await asyncio.to_thread(save_config, path, raw, None, text)  # a JSON5 text sent is kept as written
            self.state.reload(path)
            refresh_log_secrets(self.state.runtime.config)
            new_disk = read_disk(path)
            old_raw = disk.raw if disk.raw is not None else old_cfg.raw
            changes = describe_changes(old_raw, raw)
            if not changes and new_disk.text != disk.text:
                changes = ["the file's comments or layout"]  # a text typed on the Raw JSON screen
            log.info("config saved from the web UI to %s", path)
            return {
                "ok": True,
                "version": new_disk.version,
                "changes": changes,
                "restart_needed": restart_needed(old_cfg, new_cfg),
                "next_launch": next_launch(old_cfg, new_cfg),
                "unknown_keys": new_cfg.unknown_keys(),
                "warnings": plugin_warnings(new_cfg, runtime),
                "config": mask_secrets(raw).doc,
                "text": self.shown_text(new_disk),
            }

    def backups(self) -> list[dict[str, Any]]:
        out = []
        for b in reversed(list_backups(self.path)):
            st = b.stat()
            out.append({"name": b.name, "mtime": st.st_mtime, "size": st.st_size})
        return out

    async def restore_backup(self, name: str) -> dict[str, Any]:
        path = self.path
        match = [b for b in list_backups(path) if b.name == name]
        if not match:
            raise RequestError(f"no backup named {name!r} next to {path.name}")
        text = match[0].read_text(encoding="utf-8")
        return await self.save({"text": text}, restore=False)

    async def reload(self) -> Config:
        async with self.lock:
            self.state.reload()
            refresh_log_secrets(self.state.runtime.config)
            return self.state.runtime.config
