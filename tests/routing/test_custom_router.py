"""CUSTOM_ROUTER_PATH: sync and async routers, failures that fall through, reloads, startup errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccr.errors import ConfigError
from ccr.routing.router import Router
from tests.routing.helpers import body, counting, make_config, request

SYNC = """
def route(request, config):
    if "explain" in str(request.body["messages"][-1]["content"]):
        return "deepseek,deepseek-reasoner"
    return None
"""
ASYNC = """
async def route(request, config):
    return "openrouter,google/gemini-2.5-pro" if request.token_count > 50 else None
"""
USES_CONFIG = """
def route(request, config):
    keys = [p["api_key"] for p in config["Providers"]]
    return f"{config['Providers'][2]['name']},{config['Providers'][2]['models'][0]}" if keys else None
"""


def make_router(tmp_path: Path, source: str, name: str = "router.py", tokens: int = 100) -> Router:
    path = tmp_path / name
    path.write_text(source)
    cfg = make_config(CUSTOM_ROUTER_PATH=str(path), path=tmp_path / "config.json")
    return Router(cfg, counting=counting(tokens))


async def test_sync_router_decides_and_runs_before_explicit(tmp_path: Path) -> None:
    router = make_router(tmp_path, SYNC)
    data = body(model="deepseek,deepseek-chat", messages=[{"role": "user", "content": "explain this"}])
    decision = await router.route(request(data))
    assert (decision.scenario, decision.target) == ("custom", "deepseek,deepseek-reasoner")
    assert "router.py returned deepseek,deepseek-reasoner" in decision.reason


async def test_sync_router_none_falls_through(tmp_path: Path) -> None:
    decision = await make_router(tmp_path, SYNC).route(request(body()))
    assert decision.scenario == "default"


@pytest.mark.parametrize(("tokens", "scenario"), [(100, "custom"), (10, "default")])
async def test_async_router_reads_token_count(tmp_path: Path, tokens: int, scenario: str) -> None:
    router = make_router(tmp_path, ASYNC)
    req = request(body(), tokens=tokens)
    decision = await router.route(req)
    assert decision.scenario == scenario


async def test_router_gets_config_as_dict(tmp_path: Path) -> None:
    decision = await make_router(tmp_path, USES_CONFIG).route(request(body()))
    assert decision.target == "ollama,qwen2.5-coder:latest"


@pytest.mark.parametrize(
    ("source", "logged"),
    [
        pytest.param("def route(request, config):\n    raise KeyError('boom')\n", "raised", id="raises"),
        pytest.param("async def route(request, config):\n    1/0\n", "raised", id="async-raises"),
        pytest.param("def route(request, config):\n    return 42\n", "returned int 42", id="junk-type"),
        pytest.param("def route(request, config):\n    return 'nope,model'\n", "'nope,model'", id="unknown-model"),
        pytest.param("def route(request, config):\n    return ['a']\n", "returned list", id="junk-list"),
    ],
)
async def test_failures_are_logged_with_file_name_and_fall_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, source: str, logged: str
) -> None:
    decision = await make_router(tmp_path, source, name="my_router.py").route(request(body()))
    assert decision.scenario == "default"
    assert "my_router.py" in caplog.text
    assert logged in caplog.text


async def test_router_is_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    router = make_router(tmp_path, "def route(request, config):\n    return 'deepseek,deepseek-reasoner'\n")
    assert (await router.route(request(body()))).target == "deepseek,deepseek-reasoner"
    path = tmp_path / "router.py"
    path.write_text("def route(request, config):\n    return 'ollama,qwen2.5-coder:latest'\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert (await router.route(request(body()))).target == "ollama,qwen2.5-coder:latest"


async def test_broken_reload_falls_through_until_fixed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    router = make_router(tmp_path, "def route(request, config):\n    return 'deepseek,deepseek-reasoner'\n")
    path = tmp_path / "router.py"
    path.write_text("def route(request, config:\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 2_000_000_000))
    assert (await router.route(request(body()))).scenario == "default"
    assert "failed to reload" in caplog.text
    path.write_text("def route(request, config):\n    return 'ollama,qwen2.5-coder:latest'\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 4_000_000_000))
    assert (await router.route(request(body()))).target == "ollama,qwen2.5-coder:latest"


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        pytest.param("router.js", "module.exports = async () => null", "JavaScript", id="js"),
        pytest.param("router.mjs", "export default () => null", "JavaScript", id="mjs"),
        pytest.param("router.txt", "", "must be a .py file", id="not-py"),
        pytest.param("router.py", "x = 1\n", "must define a function `route(request, config)`", id="no-route"),
        pytest.param("router.py", "def route(:\n", "SyntaxError", id="syntax-error"),
    ],
)
def test_bad_router_file_is_a_clear_startup_error(tmp_path: Path, name: str, source: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_router(tmp_path, source, name=name)
    assert info.value.path == "CUSTOM_ROUTER_PATH"
    assert message in info.value.message
    if name.endswith("js"):
        assert "def route(request, config)" in info.value.message


def test_missing_router_file_is_a_startup_error(tmp_path: Path) -> None:
    cfg = make_config(CUSTOM_ROUTER_PATH=str(tmp_path / "absent.py"))
    with pytest.raises(ConfigError, match="does not exist"):
        Router(cfg)


async def test_relative_path_is_relative_to_the_config_dir(tmp_path: Path) -> None:
    (tmp_path / "r.py").write_text("def route(request, config):\n    return 'deepseek,deepseek-reasoner'\n")
    cfg = make_config(CUSTOM_ROUTER_PATH="r.py", path=tmp_path / "config.json")
    decision = await Router(cfg, counting=counting()).route(request(body()))
    assert decision.scenario == "custom"


async def test_router_can_read_the_subagent_tag_and_session(tmp_path: Path) -> None:
    source = "def route(request, config):\n    return request.subagent_tag if request.session_id else None\n"
    router = make_router(tmp_path, source)
    system = [{"type": "text", "text": "<CCR-SUBAGENT-MODEL>deepseek,deepseek-reasoner</CCR-SUBAGENT-MODEL>hi"}]
    decision = await router.route(request(body(system=system)))
    assert (decision.scenario, decision.target) == ("custom", "deepseek,deepseek-reasoner")
