"""`ccr model`: pick models for routes interactively, or edit them from scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ccr.cli import common, model_edit
from ccr.cli.model_edit import EditError, NewProvider
from ccr.errors import ConfigError
from ccr.upstream.models_list import ModelListError, list_models

app = typer.Typer(
    help="""Choose the model of each route, add models and providers.

Without a sub-command: an interactive picker on a terminal, else the routes.
Every change is validated, the previous file is kept as a timestamped
backup (the last 3), and a running router reloads the config.

Examples:

  ccr model                 # interactive picker

  ccr model set think deepseek,deepseek-reasoner

  ccr model add-model ollama llama3.1:8b

  ccr model add-provider --name groq --key '$GROQ_API_KEY' -t groq \\
    --url https://api.groq.com/openai/v1/chat/completions -m llama-3.3-70b
""",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def model(ctx: typer.Context, config: common.ConfigOption = None) -> None:
    if config is not None:
        ctx.obj = {**(ctx.obj if isinstance(ctx.obj, dict) else {}), "config": config}
    if ctx.invoked_subcommand is not None:
        return
    path = _existing_config(ctx)
    if sys.stdin.isatty() and sys.stdout.isatty() and not common.is_plain():
        from ccr.cli.model_picker import run_picker

        run_picker(path)
    else:
        show_routes(_read(path))
        common.info("Not a terminal: use `ccr model set ROUTE provider,model` (see `ccr model --help`).")


def _existing_config(ctx: typer.Context) -> Path:
    path = common.config_path(ctx, None)
    if not path.exists():
        common.fail(f"config file not found: {path} (`ccr start` writes a starter config)", 2)
    return path


def _read(path: Path) -> dict[str, Any]:
    from ccr.config.load import read_raw_config

    try:
        return read_raw_config(path)
    except ConfigError as exc:
        common.config_error(path, exc)


def apply_and_save(path: Path, raw: dict[str, Any], done: str) -> None:
    """Save `raw` (validated, with a backup), report it, and reload a running router."""
    try:
        cfg, backup = model_edit.save(path, raw)
    except ConfigError as exc:
        common.fail(f"not saved, the change makes the config invalid: {exc.message}", 2)
    common.info(f"{done}\nSaved {path}" + (f" (previous version: {backup.name})" if backup else ""))
    note = model_edit.notify_running(path, cfg.APIKEY)
    if note:
        common.info(note)


def show_routes(raw: dict[str, Any]) -> None:
    router: dict[str, Any] = raw["Router"] if isinstance(raw.get("Router"), dict) else {}
    from rich.table import Table  # rich loads ~3 MB: import it only when a table is drawn (not in `ccr start`)

    table = Table(title="Routes", show_edge=False, header_style="bold")
    table.add_column("route")
    table.add_column("provider,model")
    for slot in model_edit.SLOTS:
        value = router.get(slot)
        table.add_row(slot, str(value) if value not in (None, "") else "[dim]—[/]")
    common.out_console().print(table)


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """Show the routes and every configured provider,model.

    These are the values `ccr model set` accepts.

    Examples:

      ccr model list
    """
    raw = _read(_existing_config(ctx))
    show_routes(raw)
    console = common.out_console()
    for p in model_edit.providers(raw):
        console.print(f"[bold]{p.get('name')}[/]  {p.get('api_base_url', '')}")
        for m in model_edit.model_list(p):
            console.print(f"  {p.get('name')},{m}", highlight=False)


@app.command("set")
def set_cmd(
    ctx: typer.Context,
    route: Annotated[str, typer.Argument(help=f"One of: {', '.join(model_edit.SLOTS)}.")],
    value: Annotated[str, typer.Argument(help="provider,model (or a token count for longContextThreshold).")],
) -> None:
    """Set the model of a route.

    The model must be in the provider's "models" list (`ccr model add-model`).

    Examples:

      ccr model set default deepseek,deepseek-chat

      ccr model set think deepseek,deepseek-reasoner

      ccr model set longContextThreshold 80000
    """
    path = _existing_config(ctx)
    raw = _read(path)
    try:
        written = model_edit.set_slot(raw, route, value)
    except EditError as exc:
        common.fail(exc.message, 2)
    apply_and_save(path, raw, f"Router.{model_edit.slot_name(route)} = {written}")


@app.command("unset")
def unset_cmd(
    ctx: typer.Context, route: Annotated[str, typer.Argument(help="The route to remove (not default).")]
) -> None:
    """Remove a route, so its requests go to the default model.

    Router.default itself cannot be removed.

    Examples:

      ccr model unset webSearch
    """
    path = _existing_config(ctx)
    raw = _read(path)
    try:
        removed = model_edit.unset_slot(raw, route)
    except EditError as exc:
        common.fail(exc.message, 2)
    if not removed:
        common.info(f"Router.{route} was not set; nothing to do.")
        return
    apply_and_save(path, raw, f"Removed Router.{route}.")


@app.command("add-model")
def add_model_cmd(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="Provider name.")],
    models: Annotated[list[str], typer.Argument(help="Model ids to add.")],
) -> None:
    """Add models to a provider's list.

    Models already listed (in any letter case) are skipped.

    Examples:

      ccr model add-model ollama llama3.1:8b qwen3:14b
    """
    path = _existing_config(ctx)
    raw = _read(path)
    try:
        added = model_edit.add_models(raw, provider, models)
    except EditError as exc:
        common.fail(exc.message, 2)
    if not added:
        common.info("Those models are already configured; nothing to do.")
        return
    apply_and_save(path, raw, f"Added to {provider}: {', '.join(added)}")


def parse_transformer(spec: str) -> Any:
    """`name` or a JSON `["name", {options}]`."""
    text = spec.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            common.fail(f'--transformer {spec}: not valid JSON (write \'["name", {{"option": 1}}]\')', 2)
        return value
    return text


@app.command("add-provider")
def add_provider_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Provider name (used in provider,model).")],
    url: Annotated[str, typer.Option("--url", help="Full endpoint URL, e.g. …/v1/chat/completions.")],
    key: Annotated[str, typer.Option("--key", help="API key, or '$ENV_VAR' to read it from the environment.")] = "",
    models: Annotated[list[str] | None, typer.Option("--model", "-m", help="A model id (repeat).")] = None,
    transformers: Annotated[
        list[str] | None,
        typer.Option("--transformer", "-t", help="Transformer name or '[\"name\", {…}]' (repeat)."),
    ] = None,
    fetch: Annotated[bool, typer.Option("--discover", help="Add every model GET …/v1/models lists.")] = False,
) -> None:
    """Add a provider.

    --url is the full endpoint URL (…/chat/completions for OpenAI-compatible
    servers). Give the key as '$ENV_VAR' to keep it out of the file.

    Examples:

      ccr model add-provider --name ollama --discover \\
        --url http://localhost:11434/v1/chat/completions

      ccr model add-provider --name deepseek --key '$DEEPSEEK_API_KEY' \\
        --url https://api.deepseek.com/chat/completions \\
        -m deepseek-chat -m deepseek-reasoner -t deepseek
    """
    path = _existing_config(ctx)
    raw = _read(path)
    found: list[str] = []
    if fetch:
        try:
            found = list_models(url, key or None)
        except ModelListError as exc:
            common.fail(f"--discover: {exc}", 1)
    specs = [parse_transformer(t) for t in transformers or []]
    warn_unknown_transformers(specs)
    try:
        model_edit.add_provider(raw, NewProvider(name, url, key or None, [*(models or []), *found], specs))
    except EditError as exc:
        common.fail(exc.message, 2)
    apply_and_save(path, raw, f"Added provider {name} with {len([*(models or []), *found])} model(s).")


def warn_unknown_transformers(specs: list[Any]) -> None:
    from ccr.transformers.registry import Registry

    known = set(Registry().names())
    for spec in specs:
        name = spec[0] if isinstance(spec, list) and spec else spec
        if isinstance(name, str) and name.lower() not in known:
            common.info(
                f"[yellow]note:[/] '{name}' is not a built-in transformer "
                "(fine if a plugin in `transformers` provides it; see `ccr transformers`)."
            )


@app.command("discover")
def discover_cmd(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A provider name from the config, or a URL.")],
) -> None:
    """List the models a provider's server offers (GET …/v1/models).

    Handy for local servers (Ollama, llama.cpp, vLLM): see what they serve.

    Examples:

      ccr model discover ollama

      ccr model discover http://localhost:8080/v1/chat/completions
    """
    key = None
    url = target
    if not target.startswith(("http://", "https://")):
        cfg = common.load_or_exit(_existing_config(ctx))
        provider = cfg.provider(target)
        if provider is None:
            common.fail(f"no provider named '{target}' in the config", 2)
        url, key = provider.api_base_url, provider.api_key
    try:
        ids = list_models(url, key)
    except ModelListError as exc:
        common.fail(str(exc), 1)
    for model_id in ids:
        typer.echo(model_id)
