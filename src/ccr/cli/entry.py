"""The `ccr` console script.

`ccr statusline` runs every few hundred milliseconds inside Claude Code, so it skips the typer
application (whose import alone costs ~75 ms) and runs its own lean path.
"""

from __future__ import annotations

import sys


def run() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "statusline" and "--help" not in sys.argv[2:]:
        from ccr.statusline.command import main

        sys.exit(main(sys.argv[2:]))
    from ccr.cli.main import run as run_app

    run_app()
