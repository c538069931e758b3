"""`ccr statusline [--config FILE]`: read Claude Code's JSON on stdin, print one line.

It never prints a traceback: on any error the line is empty and the details go to
`<config dir>/logs/statusline.log`.
"""

from __future__ import annotations

import json
import os
import sys

from ccr.statusline import cache, render, settings, transcript, variables

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

LOG_MAX_BYTES = 256 * 1024


def config_arg(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg in ("--config", "-c") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str], stdin: Any = None, stdout: Any = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    path = settings.config_path(config_arg(argv), env)
    config_dir = os.path.dirname(path)
    try:
        raw = stdin.read() if not stdin.isatty() else ""
        data = json.loads(raw) if raw.strip() else {}
        line = render_line(data if isinstance(data, dict) else {}, path, env)
    except Exception as exc:  # the status line must never show a traceback
        log_error(config_dir, "status line failed", exc)
        line = ""
    stdout.write(line + "\n")
    stdout.flush()
    return 0


def render_line(data: dict[str, Any], path: str, env: Mapping[str, str]) -> str:
    config_dir = os.path.dirname(path)
    store = cache.load(config_dir)
    conf = settings.read(path, store)
    status = conf["statusline"]
    scan = _scan_transcript(data, store)
    values = variables.build(data, conf, scan)
    icons = use_icons(env)
    style = str(status.get("currentStyle") or "default")
    modules = _modules(status, style)
    line = render.render(
        modules,
        values,
        style,
        icons=icons,
        colors=not env.get("NO_COLOR"),
        run_script=_script_runner(config_dir),
    )
    if store.pop("_dirty", False):
        cache.save(config_dir, store)
    return line


def _script_runner(config_dir: str) -> render.ScriptRunner:
    """Loads the script machinery (importlib) only when a `script` module is configured."""

    def run(module: dict[str, Any], values: Mapping[str, str]) -> str:
        from ccr.statusline import scripts

        return scripts.make_runner(lambda what, exc: log_error(config_dir, what, exc))(module, values)

    return run


def _scan_transcript(data: dict[str, Any], store: dict[str, Any]) -> dict[str, Any] | None:
    path = data.get("transcript_path")
    if not isinstance(path, str) or not path or not os.path.isfile(path):
        return None
    states = store.setdefault("transcripts", {})
    if not isinstance(states, dict):
        states = store["transcripts"] = {}
    before = states.pop(path, None)
    offset = before.get("offset") if isinstance(before, dict) else None
    state = transcript.scan(path, before if isinstance(before, dict) else None)
    states[path] = state  # re-inserted last: the cache keeps the most recently used sessions
    if state.get("offset") != offset:
        store["_dirty"] = True
    return state


def _modules(status: dict[str, Any], style: str) -> list[Any]:
    themed = status.get(style)
    modules = themed.get("modules") if isinstance(themed, dict) else None
    if isinstance(modules, list) and modules:
        return modules
    from ccr.statusline.theme import default_modules

    return default_modules(with_cost=bool(status.get("prices")))


def use_icons(env: Mapping[str, str]) -> bool:
    if env.get("USE_SIMPLE_ICONS", "").lower() in ("1", "true", "yes"):
        return False
    return env.get("TERM", "") not in ("dumb", "unknown")


def log_error(config_dir: str, what: str, exc: BaseException) -> None:
    try:
        import time
        import traceback

        logs = os.path.join(config_dir, "logs")
        os.makedirs(logs, mode=0o700, exist_ok=True)
        target = os.path.join(logs, "statusline.log")
        if os.path.exists(target) and os.path.getsize(target) > LOG_MAX_BYTES:
            os.replace(target, target + ".1")
        # 0600 like every log beside the config: a script's error may quote what it read.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {what}: {exc!r}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except Exception:  # logging is best effort: the status line itself must still print
        return
