"""`ccr transformers`: the transformers a provider chain can use — built-ins and the config's
plugins — with what each does and the options it takes."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer

from ccr.cli import common
from ccr.transformers.base import Endpoint, Transformer
from ccr.transformers.registry import Registry


def kind_of(cls: type[Transformer]) -> str:
    if issubclass(cls, Endpoint):
        return "endpoint (passthrough)" if cls.passthrough else "endpoint"
    return "transformer"


def describe(registry: Registry) -> list[dict[str, Any]]:
    rows = []
    for cls in registry.classes():
        builtin = cls.__module__.startswith("ccr.transformers.")
        rows.append(
            {
                "name": cls.name,
                "kind": kind_of(cls),
                "source": "built-in" if builtin else "plugin",
                "description": cls.description,
                "options": dict(cls.options_doc),
                "broken": registry.broken.get(cls.name.lower()),
            }
        )
    return rows


def transformers(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Show one transformer's options.", show_default=False)] = None,
    config: common.ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """List the transformers for Providers[].transformer.use; with NAME, its options.

    Plugins from the config's `transformers` list and from installed packages are included;
    one that fails to load is shown with its error.

    Examples:

      ccr transformers

      ccr transformers gemini

      ccr transformers --json
    """
    registry = Registry()
    path = common.config_path(ctx, config)
    if path.is_file():
        from ccr.plugins import load_plugins

        load_plugins(common.load_or_exit(path), registry)
    rows = describe(registry)
    if name is not None:
        rows = [r for r in rows if r["name"].lower() == name.lower()]
        if not rows:
            common.fail(f"no transformer named '{name}' (known: {', '.join(registry.names())})")
    if as_json:
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    elif name is not None:
        _details(rows[0])
    else:
        _table(rows)


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table  # rich loads ~3 MB: import it only when a table is drawn (not in `ccr start`)

    table = Table(highlight=False)
    for column in ("name", "kind", "what it does"):
        table.add_column(column, overflow="fold")
    for row in rows:
        what = f"[red]failed to load:[/] {row['broken']}" if row["broken"] else row["description"]
        kind = row["kind"] if row["source"] == "built-in" else f"{row['kind']}, plugin"
        table.add_row(row["name"], kind, what)
    common.out_console().print(table)
    common.info('Use: "transformer": {"use": ["name", ["name", {options}]]}. Options: ccr transformers NAME.')


def _details(row: dict[str, Any]) -> None:
    console = common.out_console()
    console.print(f"[bold]{row['name']}[/] ({row['kind']}, {row['source']})", highlight=False)
    console.print(row["description"], markup=False, highlight=False)
    if row["broken"]:
        console.print(f"[red]failed to load:[/] {row['broken']}", highlight=False)
    if row["options"]:
        console.print("options:")
        for key, value in row["options"].items():
            console.print(f"  {key}: {value}", markup=False, highlight=False)
    else:
        console.print("options: none")
