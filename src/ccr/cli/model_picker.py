"""The interactive `ccr model` picker (questionary): routes, models, providers and transformers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import questionary
from questionary import Choice

from ccr.cli import model_edit
from ccr.cli.model import _read, apply_and_save, show_routes
from ccr.cli.model_edit import EditError, NewProvider
from ccr.upstream.models_list import ModelListError, list_models

UNSET = "__unset__"
LOCAL_OLLAMA = "http://localhost:11434/v1/chat/completions"


def run_picker(path: Path) -> None:
    """Show the routes, do one change at a time, save each; until Quit or Ctrl-C."""
    actions: dict[str, Callable[[dict[str, Any]], str | None]] = {
        "route": pick_route,
        "model": add_model,
        "provider": add_provider,
    }
    while True:
        raw = _read(path)
        show_routes(raw)
        action = questionary.select(
            "What do you want to do?",
            choices=[
                Choice("Set the model of a route", "route"),
                Choice("Add a model to a provider", "model"),
                Choice("Add a provider", "provider"),
                Choice("Quit", "quit"),
            ],
        ).ask()
        if action in (None, "quit"):
            return
        try:
            done = actions[action](raw)
        except EditError as exc:
            questionary.print(f"Not changed: {exc.message}", style="fg:ansired")
            continue
        if done:
            apply_and_save(path, raw, done)


def pick_route(raw: dict[str, Any], model: str | None = None) -> str | None:
    router: dict[str, Any] = raw["Router"] if isinstance(raw.get("Router"), dict) else {}
    slot = questionary.select(
        "Which route?",
        choices=[Choice(f"{s:<22}{router.get(s) or '—'}", s) for s in model_edit.SLOTS],
    ).ask()
    if slot is None:
        return None
    if slot == "longContextThreshold":
        value = questionary.text(
            "Long-context threshold (tokens):",
            default=str(router.get(slot) or 60000),
            validate=lambda t: t.strip().isdigit() or "a whole number of tokens",
        ).ask()
        return None if value is None else f"Router.{slot} = {model_edit.set_slot(raw, slot, value)}"
    choices: list[Choice] = [Choice(m, m) for m in model_edit.all_models(raw)]
    if slot != "default":
        choices.append(Choice("(remove this route: use the default model)", UNSET))
    value = (
        model
        or questionary.select(f"Model for {slot}:", choices=choices, use_search_filter=True, use_jk_keys=False).ask()
    )
    if value is None:
        return None
    if value == UNSET:
        model_edit.unset_slot(raw, slot)
        return f"Removed Router.{slot}."
    return f"Router.{slot} = {model_edit.set_slot(raw, slot, value)}"


def add_model(raw: dict[str, Any]) -> str | None:
    names = [str(p.get("name")) for p in model_edit.providers(raw)]
    if not names:
        raise EditError("no providers yet: add one first")
    name = questionary.select("Which provider?", choices=names).ask()
    if name is None:
        return None
    provider = model_edit.find_provider(raw, name)
    models = choose_models(
        str(provider.get("api_base_url", "")), provider.get("api_key"), model_edit.model_list(provider)
    )
    if not models:
        return None
    added = model_edit.add_models(raw, name, models)
    if not added:
        raise EditError("those models are already configured")
    return _with_route(raw, f"Added to {name}: {', '.join(added)}", f"{name},{added[0]}")


def add_provider(raw: dict[str, Any]) -> str | None:
    taken = {str(p.get("name", "")).lower() for p in model_edit.providers(raw)}
    name = questionary.text(
        "Provider name:",
        validate=lambda t: _name_problem(t, taken) or True,
    ).ask()
    url = (
        name
        and questionary.text(
            "Endpoint URL (the full …/chat/completions URL):",
            default=LOCAL_OLLAMA,
            validate=lambda t: t.strip().startswith(("http://", "https://")) or "must start with http:// or https://",
        ).ask()
    )
    key = url and questionary.password("API key (or $ENV_VAR to read it from the environment; empty if none):").ask()
    if not name or not url or key is None:
        return None
    models = choose_models(url, key, [])
    if not models:
        return None
    transformers = choose_transformers()
    if transformers is None:
        return None
    model_edit.add_provider(raw, NewProvider(name, url, key or None, models, transformers))
    return _with_route(raw, f"Added provider {name} with {len(models)} model(s).", f"{name},{models[0]}")


def _name_problem(text: str, taken: set[str]) -> str | None:
    if not text.strip():
        return "a name is required"
    if "," in text:
        return "no commas (models are written provider,model)"
    if text.strip().lower() in taken:
        return "a provider with this name exists"
    return None


def choose_models(url: str, key: Any, existing: list[str]) -> list[str]:
    """Models the server lists (to tick), or typed by hand when it lists none."""
    try:
        offered = list_models(url, key if isinstance(key, str) else None, timeout=2.0)
    except ModelListError:
        offered = []
    offered = [m for m in offered if m.lower() not in {e.lower() for e in existing}]
    if offered:
        picked = questionary.checkbox("Models to add (space to tick, enter to confirm):", choices=offered).ask()
        return list(picked or [])
    typed = questionary.text("Model ids (comma-separated):").ask()
    return [m.strip() for m in (typed or "").split(",") if m.strip()]


def choose_transformers() -> list[Any] | None:
    from ccr.transformers.registry import Registry

    classes = list(Registry().classes())
    choices = [Choice(f"{c.name}  {c.description}".rstrip(), c.name) for c in classes]
    picked = questionary.checkbox("Transformers (none for OpenAI-compatible servers):", choices=choices).ask()
    if picked is None:
        return None
    by_name = {c.name: c for c in classes}
    out: list[Any] = []
    for name in picked:
        options = ask_options(name, by_name[name].options_doc)
        if options is None:
            return None
        out.append([name, options] if options else name)
    return out


def ask_options(name: str, docs: dict[str, str]) -> dict[str, Any] | None:
    options: dict[str, Any] = {}
    for option, doc in docs.items():
        answer = questionary.text(f"{name}: {option} ({doc}); empty to skip:").ask()
        if answer is None:
            return None
        if answer.strip():
            try:
                options[option] = json.loads(answer)
            except ValueError:
                options[option] = answer.strip()
    return options


def _with_route(raw: dict[str, Any], done: str, model: str) -> str:
    use = questionary.confirm(f"Use {model} for a route now?", default=False).ask()
    if use:
        routed = pick_route(raw, model)
        if routed:
            return f"{done}\n{routed}"
    return done
