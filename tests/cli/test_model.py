"""`ccr model` non-interactive edits: validation, JSON5 input, backups, reload of a running router."""

from __future__ import annotations

import json
from pathlib import Path

import json5
import pytest
from typer.testing import CliRunner

from ccr.cli.main import app
from ccr.config.store import list_backups
from ccr.testing import MockResponse, MockUpstream
from tests.cli.helpers import Sandbox, base_config

runner = CliRunner()

JSON5_CONFIG = """// my config
{
  "Providers": [
    { "name": "deepseek", "api_base_url": "https://api.deepseek.com/chat/completions",
      "api_key": "$DEEPSEEK_KEY_NOT_SET_IN_TESTS", "models": ["deepseek-chat", "deepseek-reasoner"], },
    { "name": "ollama", "api_base_url": "http://localhost:11434/v1/chat/completions", "api_key": "ollama",
      "models": ["qwen2.5-coder:latest"] },
  ],
  "Router": { "default": "ollama,qwen2.5-coder:latest" },
  "SOME_UNKNOWN_KEY": {"kept": true},
}
"""


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(JSON5_CONFIG)
    return path


def ccr(cfg: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--config", str(cfg), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def saved(cfg: Path) -> dict[str, object]:
    data: dict[str, object] = json5.loads(cfg.read_text())
    return data


def test_set_route_canonical_spelling_and_unknown_keys_kept(cfg: Path) -> None:
    code, out = ccr(cfg, "model", "set", "THINK", "DeepSeek,DEEPSEEK-REASONER")
    assert code == 0, out
    data = saved(cfg)
    assert data["Router"] == {"default": "ollama,qwen2.5-coder:latest", "think": "deepseek,deepseek-reasoner"}
    assert data["SOME_UNKNOWN_KEY"] == {"kept": True}
    assert data["Providers"][0]["api_key"] == "$DEEPSEEK_KEY_NOT_SET_IN_TESTS"  # type: ignore[index]
    assert "Router.think = deepseek,deepseek-reasoner" in out
    text = cfg.read_text()  # only the route was rewritten: the comment and the layout stay
    assert text.startswith('// my config\n{\n  "Providers": [\n    { "name": "deepseek",')
    assert '"Router": { "default": "ollama,qwen2.5-coder:latest", "think": "deepseek,deepseek-reasoner" },' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["set", "thinking", "deepseek,deepseek-chat"], "unknown route 'thinking'", id="bad-slot"),
        pytest.param(["set", "think", "nope,deepseek-chat"], "no provider named 'nope'", id="bad-provider"),
        pytest.param(["set", "think", "deepseek,gpt-9"], "ccr model add-model deepseek gpt-9", id="bad-model"),
        pytest.param(["set", "think", "deepseek"], "must be 'provider,model'", id="no-comma"),
        pytest.param(["set", "longContextThreshold", "lots"], "positive number", id="bad-threshold"),
        pytest.param(["unset", "default"], "Router.default is required", id="unset-default"),
        pytest.param(["add-model", "nope", "x"], "no provider named 'nope'", id="add-model-bad-provider"),
        pytest.param(
            ["add-provider", "--name", "ollama", "--url", "http://x.invalid/v1", "-m", "a"],
            "already exists",
            id="duplicate-provider",
        ),
        pytest.param(["add-provider", "--name", "n", "--url", "ftp://x", "-m", "a"], "is not a URL", id="bad-url"),
        pytest.param(["add-provider", "--name", "a,b", "--url", "http://x.invalid", "-m", "a"], "no comma", id="comma"),
        pytest.param(
            ["add-provider", "--name", "n", "--url", "http://x.invalid"], "at least one model", id="no-models"
        ),
    ],
)
def test_bad_edits_change_nothing(cfg: Path, args: list[str], message: str) -> None:
    before = cfg.read_text()
    code, out = ccr(cfg, "model", *args)
    assert code == 2
    assert message in " ".join(out.split())
    assert "Traceback" not in out
    assert cfg.read_text() == before and list_backups(cfg) == []


def test_add_model_unset_threshold(cfg: Path) -> None:
    assert ccr(cfg, "model", "add-model", "ollama", "llama3.1:8b", "qwen2.5-coder:LATEST")[0] == 0
    assert saved(cfg)["Providers"][1]["models"] == ["qwen2.5-coder:latest", "llama3.1:8b"]  # type: ignore[index]
    assert ccr(cfg, "model", "set", "background", "ollama,llama3.1:8b")[0] == 0
    assert ccr(cfg, "model", "set", "longContextThreshold", "80000")[0] == 0
    assert saved(cfg)["Router"] == {
        "default": "ollama,qwen2.5-coder:latest",
        "background": "ollama,llama3.1:8b",
        "longContextThreshold": 80000,
    }
    assert ccr(cfg, "model", "unset", "background")[0] == 0
    assert "background" not in saved(cfg)["Router"]  # type: ignore[operator]
    code, out = ccr(cfg, "model", "unset", "background")
    assert code == 0 and "nothing to do" in out


def test_add_provider_with_transformers(cfg: Path) -> None:
    code, out = ccr(
        cfg,
        "model",
        "add-provider",
        "--name",
        "groq",
        "--url",
        "https://api.groq.com/openai/v1/chat/completions",
        "--key",
        "$GROQ_API_KEY",
        "-m",
        "llama-3.3-70b",
        "-t",
        "openai",
        "-t",
        '["maxtoken", {"max_tokens": 8192}]',
    )
    assert code == 0, out
    provider = saved(cfg)["Providers"][2]  # type: ignore[index]
    assert provider == {
        "name": "groq",
        "api_base_url": "https://api.groq.com/openai/v1/chat/completions",
        "api_key": "$GROQ_API_KEY",
        "models": ["llama-3.3-70b"],
        "transformer": {"use": ["openai", ["maxtoken", {"max_tokens": 8192}]]},
    }


def test_backups_keep_the_last_three_previous_versions(cfg: Path) -> None:
    versions = [cfg.read_text()]
    for slot in ("think", "background", "webSearch", "image", "longContext"):
        assert ccr(cfg, "model", "set", slot, "deepseek,deepseek-chat")[0] == 0
        versions.append(cfg.read_text())
    backups = list_backups(cfg)
    assert len(backups) == 3
    assert [b.read_text() for b in backups] == versions[-4:-1]


def test_discover_and_add_provider_from_a_local_server(cfg: Path) -> None:
    listing = {"object": "list", "data": [{"id": "qwen3:8b"}, {"id": "llama3.1:8b"}]}
    with MockUpstream(default=MockResponse.json(listing)) as up:
        code, out = ccr(cfg, "model", "discover", up.chat_url)
        assert (code, out.split()) == (0, ["llama3.1:8b", "qwen3:8b"])
        code, out = ccr(
            cfg, "model", "add-provider", "--name", "local", "--url", up.chat_url, "--key", "sk-test", "--discover"
        )
        assert code == 0, out
        paths = [r.path for r in up.requests]
        auth = up.requests[-1].headers.get("authorization")
    assert paths == ["/v1/models", "/v1/models"]
    assert auth == "Bearer sk-test"
    assert saved(cfg)["Providers"][2]["models"] == ["llama3.1:8b", "qwen3:8b"]  # type: ignore[index]


def test_discover_unreachable_server_is_one_clear_line(cfg: Path) -> None:
    code, out = ccr(cfg, "model", "discover", "http://127.0.0.1:9/v1/chat/completions")
    assert code == 1 and "cannot reach http://127.0.0.1:9/v1/models" in out


def test_not_a_terminal_prints_routes(cfg: Path) -> None:
    code, out = ccr(cfg, "model")
    assert code == 0
    assert "ollama,qwen2.5-coder:latest" in out and "ccr model set" in out


def test_running_router_reloads_after_an_edit(sandbox: Sandbox) -> None:
    sandbox.write_config()
    assert sandbox.ccr("start", "--daemon").returncode == 0
    result = sandbox.ccr("model", "set", "think", "mock,m-large")
    assert result.returncode == 0, result.stderr
    assert "reloaded the config" in result.stderr
    status = json.loads(sandbox.ccr("status", "--json").stdout)
    assert status["router"]["think"] == "mock,m-large"
    assert sandbox.ccr("stop").returncode == 0


def test_model_list_shows_routes_and_models(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(3456)))
    code, out = ccr(path, "model", "list")
    assert code == 0 and "mock,m-small" in out and "mock,m-large" in out
