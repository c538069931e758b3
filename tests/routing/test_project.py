"""Project- and session-level Router files: lookup, precedence, overlay, caching and invalidation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.routing.project import ProjectRouters
from ccr.routing.router import Router
from tests.routing.helpers import ROUTER, body, counting, make_config, request

SID = "0d3c9a1e-7b2f-4c6a-9e1d-2f3a4b5c6d7e"
PROJECT = "-home-me-work-app"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    config_dir = tmp_path / "ccr"
    claude = tmp_path / "claude" / "projects"
    (claude / PROJECT).mkdir(parents=True)
    (claude / "-other").mkdir()
    (claude / PROJECT / f"{SID}.jsonl").write_text("{}\n")
    (config_dir / PROJECT).mkdir(parents=True)
    return config_dir, claude


def write(path: Path, data: dict[str, Any], bump: int = 0) -> None:
    path.write_bytes(orjson.dumps(data))
    if bump:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def make(dirs: tuple[Path, Path], clock: Clock | None = None) -> Router:
    config_dir, claude = dirs
    cfg = make_config(path=config_dir / "config.json")
    projects = ProjectRouters(config_dir, Router(cfg).catalog, cfg.Router, claude_dirs=[claude], clock=clock or Clock())
    return Router(cfg, projects=projects, counting=counting())


async def route(router: Router, sid: str = SID, **fields: Any) -> Any:
    return await router.route(request(body(**fields), session_id=sid))


async def test_project_config_overrides_global_router(dirs: tuple[Path, Path]) -> None:
    write(dirs[0] / PROJECT / "config.json", {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    decision = await route(make(dirs))
    assert decision.target == "ollama,qwen2.5-coder:latest"
    assert f"{PROJECT}/config.json" in decision.reason


async def test_session_file_beats_project_file(dirs: tuple[Path, Path]) -> None:
    write(dirs[0] / PROJECT / "config.json", {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    write(dirs[0] / PROJECT / f"{SID}.json", {"Router": {"default": "deepseek,deepseek-reasoner"}})
    assert (await route(make(dirs))).target == "deepseek,deepseek-reasoner"


async def test_keys_not_named_keep_their_global_value_and_null_switches_off(dirs: tuple[Path, Path]) -> None:
    write(
        dirs[0] / PROJECT / "config.json",
        {"Router": {"default": "ollama,qwen2.5-coder:latest", "think": None}},
    )
    router = make(dirs)
    assert (await route(router, model="claude-haiku-4-5")).target == ROUTER["background"]
    decision = await route(router, thinking={"type": "enabled", "budget_tokens": 9})
    assert (decision.scenario, decision.target) == ("default", "ollama,qwen2.5-coder:latest")


def test_only_projects_with_an_override_folder_are_looked_at(dirs: tuple[Path, Path]) -> None:
    config_dir, claude = dirs
    (claude / "-other" / "ffffffff-0000-4000-8000-000000000000.jsonl").write_text("")
    projects = ProjectRouters(config_dir, Router(make_config()).catalog, claude_dirs=[claude])
    assert projects.project_of(SID) == PROJECT
    assert projects.project_of("ffffffff-0000-4000-8000-000000000000") is None  # no ccr folder for -other


async def test_other_sessions_use_the_global_router(dirs: tuple[Path, Path]) -> None:
    write(dirs[0] / PROJECT / "config.json", {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    decision = await route(make(dirs), sid="ffffffff-0000-4000-8000-000000000000")
    assert decision.target == ROUTER["default"]


async def test_file_without_router_key_is_skipped(dirs: tuple[Path, Path]) -> None:
    write(dirs[0] / PROJECT / f"{SID}.json", {"note": "no router"})
    write(dirs[0] / PROJECT / "config.json", {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    assert (await route(make(dirs))).target == "ollama,qwen2.5-coder:latest"


@pytest.mark.parametrize(
    ("content", "logged"),
    [
        pytest.param(b'{"Router": {"default": "nosuch,model"}}', "nosuch,model", id="unknown-provider"),
        pytest.param(b'{"Router": ', "not valid JSON5", id="broken-json"),
        pytest.param(b'{"Router": ["x"]}', "must be an object", id="router-not-object"),
        pytest.param(b'{"Router": {"longContextThreshold": "many"}}', "longContextThreshold", id="bad-threshold"),
    ],
)
async def test_bad_override_is_ignored_with_a_warning(
    dirs: tuple[Path, Path], caplog: pytest.LogCaptureFixture, content: bytes, logged: str
) -> None:
    (dirs[0] / PROJECT / "config.json").write_bytes(content)
    assert (await route(make(dirs))).target == ROUTER["default"]
    assert "ignoring project router" in caplog.text
    assert logged in caplog.text


async def test_override_is_cached_and_reread_after_a_change(dirs: tuple[Path, Path]) -> None:
    clock = Clock()
    path = dirs[0] / PROJECT / "config.json"
    write(path, {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    router = make(dirs, clock)
    assert (await route(router)).target == "ollama,qwen2.5-coder:latest"
    write(path, {"Router": {"default": "deepseek,deepseek-reasoner"}}, bump=5)
    assert (await route(router)).target == "ollama,qwen2.5-coder:latest"  # within the recheck interval
    clock.now += 2
    assert (await route(router)).target == "deepseek,deepseek-reasoner"
    path.unlink()
    clock.now += 2
    assert (await route(router)).target == ROUTER["default"]


async def test_transcript_created_after_first_request_is_found_later(tmp_path: Path) -> None:
    config_dir, claude = tmp_path / "ccr", tmp_path / "projects"
    (claude / PROJECT).mkdir(parents=True)
    (config_dir / PROJECT).mkdir(parents=True)
    write(config_dir / PROJECT / "config.json", {"Router": {"default": "ollama,qwen2.5-coder:latest"}})
    clock = Clock()
    router = make((config_dir, claude), clock)
    assert (await route(router)).target == ROUTER["default"]
    (claude / PROJECT / f"{SID}.jsonl").write_text("{}\n")
    assert (await route(router)).target == ROUTER["default"]  # the miss is cached for a while
    clock.now += 11
    assert (await route(router)).target == "ollama,qwen2.5-coder:latest"


@pytest.mark.parametrize("sid", ["../../etc/passwd", "a/b", "", "x" * 200])
def test_unsafe_session_ids_never_reach_the_filesystem(dirs: tuple[Path, Path], sid: str) -> None:
    config_dir, claude = dirs
    projects = ProjectRouters(config_dir, Router(make_config()).catalog, claude_dirs=[claude])
    searched: list[str] = []
    projects._search = lambda sid, now: searched.append(sid)  # type: ignore[assignment,func-returns-value,method-assign]
    assert projects.settings_for(sid) is None
    assert searched == []


def test_claude_config_dir_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    custom = tmp_path / "cc"
    (custom / "projects" / PROJECT).mkdir(parents=True)
    (custom / "projects" / PROJECT / f"{SID}.jsonl").write_text("")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(custom))
    (tmp_path / PROJECT).mkdir()
    projects = ProjectRouters(tmp_path, Router(make_config()).catalog)
    assert projects.project_of(SID) == PROJECT


async def test_router_builds_project_lookup_from_home(tmp_path: Path, _isolated_home: Path) -> None:
    (_isolated_home / ".claude" / "projects" / PROJECT).mkdir(parents=True)
    (_isolated_home / ".claude" / "projects" / PROJECT / f"{SID}.jsonl").write_text("")
    (tmp_path / PROJECT).mkdir()
    write(tmp_path / PROJECT / "config.json", {"Router": {"default": "deepseek,deepseek-reasoner"}})
    router = Router(make_config(path=tmp_path / "config.json"), counting=counting())
    assert (await route(router)).target == "deepseek,deepseek-reasoner"


async def test_a_slot_set_only_by_the_project_turns_its_rule_on(dirs: tuple[Path, Path]) -> None:
    # The Router leaves out rules whose slot is unset, per settings object: a slot the global
    # Router lacks but a project file sets must bring its rule back for that project only.
    config_dir, claude = dirs
    cfg = make_config({"default": "deepseek,deepseek-chat"}, path=config_dir / "config.json")
    clock = Clock()
    projects = ProjectRouters(config_dir, Router(cfg).catalog, cfg.Router, claude_dirs=[claude], clock=clock)
    router = Router(cfg, projects=projects, counting=counting())
    thinking = {"type": "enabled", "budget_tokens": 9}
    assert (await route(router, thinking=thinking)).scenario == "default"
    write(config_dir / PROJECT / "config.json", {"Router": {"think": "deepseek,deepseek-reasoner"}}, bump=1)
    clock.now += 60
    decision = await route(router, thinking=thinking)
    assert (decision.scenario, decision.target) == ("think", "deepseek,deepseek-reasoner")
    assert (await route(router, sid="another-session", thinking=thinking)).scenario == "default"
