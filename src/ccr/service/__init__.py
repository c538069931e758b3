"""The background service: pid and state files, daemon start/stop, readiness, `ccr code` clients.

Files, all in the config file's directory:

    .claude-code-router.pid   decimal pid of the running server (CCR's name, for scripts)
    service.json              who started it (user / code / ui), where it listens, process start time
    clients.json              pids of the `ccr code` processes using it (the reference count)
    .service.lock             lock serialising start / stop / reference-count changes
    logs/daemon.log           stdout and stderr of background starts, so failures can be shown

The server process writes the pid and state files itself (`ccr start`, foreground or detached),
and removes them when it exits.
"""
