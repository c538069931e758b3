"""Driving an interactive command through a pseudo-terminal (stdlib `pty`; pexpect is not needed)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]|\r")

DOWN = "\x1b[B"
ENTER = "\r"
SPACE = " "
CTRL_U = "\x15"


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: str, columns: int = 120, rows: int = 40) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes the program
            try:
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.screen = ""
        self._seen = 0
        self.returncode: int | None = None

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program exited
            return False
        if not data:
            return False
        self.screen += _ANSI.sub("", data.decode("utf-8", "replace"))
        return True

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Wait until `text` appears in output not consumed by an earlier expect; returns that output."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.screen.find(text, self._seen)
            if found >= 0:
                seen, self._seen = self.screen[self._seen : found + len(text)], found + len(text)
                return seen
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (not self._read(remaining) and self._exited()):
                raise AssertionError(f"{text!r} not shown; screen so far:\n{self.screen[-3000:]}")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def _exited(self) -> bool:
        if self.returncode is not None:
            return True
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        return True

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while not self._exited():
            if time.monotonic() > deadline:
                raise AssertionError(f"still running; screen:\n{self.screen[-3000:]}")
            self._read(0.1)
        assert self.returncode is not None
        return self.returncode

    def close(self) -> None:
        if not self._exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
