"""The interactive `ccr model` picker, driven through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccr.testing import MockResponse, MockUpstream
from tests.cli.helpers import CCR, base_config
from tests.cli.pty_driver import CTRL_U, DOWN, ENTER, SPACE, Terminal


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(3456)))
    return path


@pytest.fixture
def term(cfg: Path) -> Iterator[Terminal]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCR_", "CI"))}
    env.update(TERM="xterm-256color", HOME=str(cfg.parent), NO_COLOR="1")
    terminal = Terminal([str(CCR), "--config", str(cfg), "model"], env, str(cfg.parent))
    try:
        yield terminal
    finally:
        terminal.close()


def quit_picker(term: Terminal) -> None:
    term.expect("What do you want to do?")
    term.send(DOWN * 3 + ENTER)
    assert term.wait() == 0


def test_set_a_route_with_the_arrow_keys_and_search(term: Terminal, cfg: Path) -> None:
    term.expect("What do you want to do?")
    term.send(ENTER)  # Set the model of a route
    term.expect("Which route?")
    term.send(DOWN * 2 + ENTER)  # default, background, think
    term.expect("Model for think")
    term.send("large")  # the search filter narrows the list to mock,m-large
    term.send(ENTER)
    term.expect("Router.think = mock,m-large")
    quit_picker(term)
    assert json.loads(cfg.read_text())["Router"] == {"default": "mock,m-small", "think": "mock,m-large"}
    assert len(list(cfg.parent.glob("config.json.*.bak"))) == 1


def test_add_a_model_typed_by_hand_then_route_it(term: Terminal, cfg: Path) -> None:
    term.expect("What do you want to do?")
    term.send(DOWN + ENTER)  # Add a model to a provider
    term.expect("Which provider?")
    term.send(ENTER)  # mock (its server at 127.0.0.1:9 lists nothing: type the ids)
    term.expect("Model ids (comma-separated)")
    term.send("m-new, m-newer" + ENTER)
    term.expect("Use mock,m-new for a route now?")
    term.send("y")
    term.expect("Which route?")
    term.send(DOWN + ENTER)  # background
    term.expect("Added to mock: m-new, m-newer")
    quit_picker(term)
    data = json.loads(cfg.read_text())
    assert data["Providers"][0]["models"] == ["m-small", "m-large", "m-new", "m-newer"]
    assert data["Router"]["background"] == "mock,m-new"


def test_add_a_provider_with_models_listed_by_its_server(term: Terminal, cfg: Path) -> None:
    listing = {"data": [{"id": "qwen3:8b"}, {"id": "llama3.1:8b"}]}
    with MockUpstream(default=MockResponse.json(listing)) as up:
        term.expect("What do you want to do?")
        term.send(DOWN * 2 + ENTER)  # Add a provider
        term.expect("Provider name")
        term.send("mock" + ENTER)  # taken: the prompt refuses it
        term.expect("a provider with this name exists")
        term.send(CTRL_U + "local" + ENTER)
        term.expect("Endpoint URL")
        term.send(CTRL_U + up.chat_url + ENTER)
        term.expect("API key")
        term.send("sk-test" + ENTER)
        term.expect("Models to add")
        term.send(SPACE + DOWN + SPACE + ENTER)  # tick both
        term.expect("Transformers")
        term.send(ENTER)  # none
        term.expect("for a route now?")
        term.send("n")
        term.expect("Added provider local with 2 model(s)")
        quit_picker(term)
    local = json.loads(cfg.read_text())["Providers"][1]
    assert local == {
        "name": "local",
        "api_base_url": up.chat_url,
        "api_key": "sk-test",
        "models": ["llama3.1:8b", "qwen3:8b"],
    }
    assert "sk-test" not in term.screen  # the key prompt does not echo


def test_ctrl_c_leaves_the_config_alone(term: Terminal, cfg: Path) -> None:
    before = cfg.read_text()
    term.expect("What do you want to do?")
    term.send(ENTER)
    term.expect("Which route?")
    term.send("\x03")
    term.expect("What do you want to do?")  # back at the menu, nothing saved
    term.send("\x03")
    assert term.wait() == 0
    assert cfg.read_text() == before
