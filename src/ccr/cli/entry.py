"""The `ccr` console script.

Two commands bypass the typer application:

* `ccr statusline` runs every few hundred milliseconds inside Claude Code; importing typer alone
  costs ~75 ms, so it takes a lean path of its own;
* `ccr code ARGS…` hands ARGS to Claude Code exactly as typed (click's parser would drop a `--`),
  so its arguments are taken straight from argv. Only `ccr code --help` goes through typer.
"""

from __future__ import annotations

import sys

# Nothing else at module level: `ccr statusline` pays for every import here (pathlib ~6 ms).
_CONFIG_FLAGS = ("--config", "-c")


def split_globals(argv: list[str]) -> tuple[str | None, int]:
    """`--config FILE` given before the command, and the index of the command."""
    config: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _CONFIG_FLAGS and i + 1 < len(argv):
            config, i = argv[i + 1], i + 2
        elif arg.startswith("--config="):
            config, i = arg.split("=", 1)[1], i + 1
        else:
            break
    return config, i


def run() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["statusline"] and "--help" not in argv[1:] and "-h" not in argv[1:]:
        from ccr.statusline.command import main

        sys.exit(main(argv[1:]))
    config, index = split_globals(argv)
    try:
        if argv[index : index + 1] == ["code"] and argv[index + 1 :] != ["--help"]:
            sys.exit(_run_code(config, argv[index + 1 :]))
        from ccr.cli.main import run as run_app

        run_app()
    except OSError as exc:
        # The machine said no (permissions, full disk, …): say what, not where in our code.
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"ccr: {exc.strerror or exc}{where}", file=sys.stderr)
        sys.exit(1)


def _run_code(config: str | None, args: list[str]) -> int:
    from pathlib import Path

    import typer

    from ccr.cli.code import run_code

    try:
        return run_code(Path(config) if config else None, args)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return 130
