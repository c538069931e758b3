"""`ccr status`: is the router running, where, since when, with what."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ccr.cli import common
from ccr.service import client, clients, pidfile
from ccr.service.paths import ServicePaths

EXIT_NOT_RUNNING = 3
OWNER_TEXT = {"user": "by you", "code": "by ccr code", "ui": "by ccr ui"}


def status(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
) -> None:
    """Show whether the router runs: address, pid, uptime, version, config, providers, routes.

    Exit code 0 when it runs and answers, 1 when its process runs but does not answer,
    3 when it is not running.

    Examples:

      ccr status

      ccr status --json | jq .requests_served
    """
    path = common.config_path(ctx, config)
    paths = ServicePaths(path)
    cfg, _ = common.try_load(path)
    report = collect(paths, cfg.APIKEY if cfg else None)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        render(report)
    if not report["running"]:
        raise typer.Exit(EXIT_NOT_RUNNING)
    if not report["healthy"]:
        raise typer.Exit(1)


def collect(paths: ServicePaths, apikey: str | None) -> dict[str, Any]:
    state = pidfile.running_state(paths)
    report: dict[str, Any] = {
        "running": state is not None,
        "healthy": False,
        "pid_file": str(paths.pid_file),
        "config_path": str(paths.config),
    }
    if state is None:
        return report
    report.update(pid=state.pid, url=state.url, owner=state.owner, clients=len(clients.live_clients(paths)))
    report["healthy"] = client.healthy(state.url)
    if report["healthy"]:
        try:
            server = client.call(state.url, "/api/status", apikey)
            report.update({k: v for k, v in server.items() if k not in ("pid",)})
        except (client.ServiceHTTPError, OSError) as exc:
            report["error"] = getattr(exc, "message", str(exc))
    return report


def render(report: dict[str, Any]) -> None:
    console = common.out_console()
    if not report["running"]:
        console.print(f"[bold]○ not running[/]   (config {report['config_path']})")
        console.print("Start it with `ccr start --daemon`, or just run `ccr code`.")
        return
    if not report["healthy"]:
        console.print(f"[bold yellow]● not answering[/] at {report['url']} (pid {report['pid']})")
        console.print("Its process runs but /health does not answer: `ccr restart` may help.")
        return
    from rich.table import Table  # rich loads ~3 MB: import it only when a table is drawn (not in `ccr start`)

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    owner = OWNER_TEXT.get(report.get("owner", ""), "")
    table.add_row("[green]● running[/]", f"{report['url']}  (pid {report['pid']}, started {owner})")
    for label, value in _rows(report):
        table.add_row(label, value)
    console.print(table)


def _rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("uptime", format_duration(float(report.get("uptime_s") or 0))),
        ("version", str(report.get("version", "?"))),
        ("config", str(report.get("config_path", ""))),
        ("requests", f"{report.get('requests_served', 0)} served"),
    ]
    if report.get("clients"):
        rows.append(("ccr code", f"{report['clients']} session(s) using it"))
    providers = report.get("providers") or []
    rows.append(("providers", ", ".join(_provider_text(p) for p in providers) or "none"))
    router = report.get("router") or {}
    routes = [f"{k} → {v}" for k, v in router.items() if isinstance(v, str)]
    rows += [("routes" if i == 0 else "", r) for i, r in enumerate(routes)]
    if report.get("error"):
        rows.append(("[red]error[/]", str(report["error"])))
    return rows


def _provider_text(p: dict[str, Any]) -> str:
    n = len(p.get("models") or [])
    return f"{p.get('name')} ({n} model{'s' if n != 1 else ''})"


def format_duration(seconds: float) -> str:
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {s}s"
    return f"{s}s"
