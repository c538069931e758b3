"""Status line preview through the API: the `ccr statusline` renderer on the draft config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccr.testing import MockUpstream, run_router
from tests.server.api_kit import WRITE, call, ui_config


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with MockUpstream() as up, run_router(ui_config(up), tmp_path_factory.mktemp("sl")) as url:
        yield url


def preview(url: str, body: dict[str, Any]) -> dict[str, Any]:
    status, data = call(url + "/api/statusline/preview", "POST", body, WRITE)
    assert status == 200, data
    assert isinstance(data, dict)
    return data


def test_built_in_modules_with_sample_values(router: str) -> None:
    data = preview(router, {"StatusLine": {}, "icons": False})
    assert data["style"] == "default"
    texts = [s["text"] for s in data["segments"]]
    assert texts[:3] == ["my-project", "git:main", "deepseek-chat"]
    assert "in 12.3k out 678" in texts
    assert data["plain"].startswith("my-project git:main deepseek-chat")
    assert "\x1b[" in data["ansi"]


def test_custom_modules_colours_and_variables(router: str) -> None:
    status = {
        "currentStyle": "powerline",
        "powerline": {"modules": [{"type": "model", "text": "M {{model}}", "color": "#ff0000", "icon": ""}]},
    }
    data = preview(router, {"StatusLine": status, "variables": {"model": "glm-4.5"}})
    assert data["segments"] == [{"icon": "", "text": "M glm-4.5", "color": "#ff0000", "background": "bg_cyan"}]


def test_script_modules_are_not_run(router: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('x')\ndef render(v): return 'hi'\n")
    modules = [{"type": "script", "scriptPath": str(script)}]
    data = preview(router, {"StatusLine": {"default": {"modules": modules}}})
    assert data["segments"][0]["text"] == "[script s.py]"
    assert not marker.exists()


def test_bad_statusline_is_a_400(router: str) -> None:
    status, data = call(router + "/api/statusline/preview", "POST", {"StatusLine": []}, WRITE)
    assert status == 400 and "StatusLine must be an object" in data["error"]["message"]
