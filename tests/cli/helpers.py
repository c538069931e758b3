"""A sandbox for running `ccr` as real processes: its own HOME, config, free port, fake `claude`.

Nothing touches the real ~/.claude-code-router, and every process started under the sandbox's
config is stopped at the end (found by its unique config path).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

CCR = Path(sys.executable).with_name("ccr")

FAKE_CLAUDE = """#!{python}
# A stand-in for Claude Code: records its argv, environment and stdin, answers like `claude`.
import json, os, sys, urllib.request
record = {{
    "argv": sys.argv[1:],
    "env": dict(os.environ),
    "stdin": sys.stdin.read() if not sys.stdin.isatty() else None,
    "pid": os.getpid(),
}}
try:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
    with opener.open(os.environ["ANTHROPIC_BASE_URL"] + "/health", timeout=5) as resp:
        record["health"] = resp.status
except Exception as exc:
    record["health"] = repr(exc)
with open(os.environ["FAKE_CLAUDE_RECORD"], "a") as fh:
    fh.write(json.dumps(record) + "\\n")
for arg in sys.argv[1:]:
    if arg.startswith("wait:"):
        with open(arg[5:]) as fifo:  # blocks until the test opens the FIFO for writing
            fifo.read()
    if arg.startswith("exit:"):
        sys.exit(int(arg[5:]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_config(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "PORT": port,
        "LOG": True,
        "Providers": [
            {
                "name": "mock",
                "api_base_url": "http://127.0.0.1:9/v1/chat/completions",
                "api_key": "sk-test",
                "models": ["m-small", "m-large"],
            }
        ],
        "Router": {"default": "mock,m-small"},
        **extra,
    }


def wait_until(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll another process's observable state (not a timing assumption)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


NON_INTERACTIVE_VARS = frozenset({"CI", "FORCE_COLOR", "NODE_NO_READLINE", "TERM"})


@dataclass
class Sandbox:
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_dir(self) -> Path:
        return self.home / ".claude-code-router"

    @property
    def config(self) -> Path:
        return self.config_dir / "config.json"

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    @property
    def record_file(self) -> Path:
        return self.root / "claude-calls.jsonl"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def setup(self) -> Sandbox:
        self.home.mkdir(parents=True)
        self.bin_dir.mkdir()
        fake = self.bin_dir / "claude"
        fake.write_text(FAKE_CLAUDE.format(python=sys.executable))
        fake.chmod(0o755)
        return self

    def write_config(self, **extra: Any) -> dict[str, Any]:
        cfg = base_config(self.port, **extra)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(json.dumps(cfg, indent=2))
        return cfg

    def env(self, **extra: str) -> dict[str, str]:
        # What NON_INTERACTIVE_MODE sets is left out too: CI runs the tests with CI=true, and the
        # tests must see what ccr sets, not what the machine had.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CCR_", "ANTHROPIC_", "CLAUDE_")) and k not in NON_INTERACTIVE_VARS
        }
        env.update(
            HOME=str(self.home),
            PATH=f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}",
            FAKE_CLAUDE_RECORD=str(self.record_file),
            NO_COLOR="1",
        )
        env.update(extra)
        return env

    def ccr(
        self, *args: str, timeout: float = 60, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CCR), *args],
            env=self.env(**env),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
        )

    def popen(self, *args: str, log: str = "ccr", **env: str) -> subprocess.Popen[bytes]:
        """A long-running `ccr`; its combined output goes to `<root>/<log>.out` (see `output`)."""
        with (self.root / f"{log}.out").open("wb") as out:
            return subprocess.Popen(
                [str(CCR), *args],
                env=self.env(**env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )

    def output(self, log: str = "ccr") -> str:
        return (self.root / f"{log}.out").read_text(errors="replace")

    def calls(self) -> list[dict[str, Any]]:
        if not self.record_file.exists():
            return []
        return [json.loads(line) for line in self.record_file.read_text().splitlines()]

    def pid(self) -> int | None:
        try:
            return int((self.config_dir / ".claude-code-router.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.config_dir / "service.json").read_text())
        return data

    def healthy(self) -> bool:
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(self.url + "/health", timeout=10) as resp:  # a loaded machine answers late, not never
                return bool(resp.status == 200)
        except OSError:
            return False

    def cleanup(self) -> None:
        """Stop every process that runs with this sandbox's files (servers, ccr code, fakes)."""
        marker = str(self.root)
        mine = []
        for proc in psutil.process_iter(["cmdline", "environ"]):
            try:
                text = " ".join(proc.info["cmdline"] or []) + " " + (proc.info["environ"] or {}).get("HOME", "")
            except (psutil.Error, TypeError):
                continue
            if marker in text and proc.pid != os.getpid():
                mine.append(proc)
        for proc in mine:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(mine, timeout=10)


def pid_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
