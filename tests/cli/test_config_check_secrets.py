"""`ccr config check` hides every secret the management API hides: URL passwords, key-like query
parameters and header-like options, not only the api_key fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccr.cli.config_cmd import mask_url
from ccr.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://bob:proxy-pass-1234@proxy:3128", "http://bob:****1234@proxy:3128", id="password"),
        pytest.param(
            "https://g.example/v1?key=AIza-test-abcdefgh", "https://g.example/v1?key=****efgh", id="key-param"
        ),
        pytest.param(
            "https://x.example/v1?alt=sse&token=t", "https://x.example/v1?alt=sse&token=****", id="token-param"
        ),
        pytest.param(
            "http://localhost:11434/v1/chat/completions", "http://localhost:11434/v1/chat/completions", id="plain"
        ),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_check_output_holds_no_secret(tmp_path: Path) -> None:
    secrets = ["proxy-pass-test-1", "AIza-test-in-url-2", "sk-test-header-3", "sk-test-key-4"]
    doc = {
        "PROXY_URL": f"http://bob:{secrets[0]}@127.0.0.1:3128",
        "Providers": [
            {
                "name": "g",
                "api_base_url": f"https://g.example/v1beta/models/?key={secrets[1]}",
                "api_keys": [secrets[3]],
                "models": ["m"],
                "transformer": {"use": [["customparams", {"Authorization": f"Bearer {secrets[2]}"}]]},
            }
        ],
        "Router": {"default": "g,m"},
    }
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(doc))
    for args in (["config", "check"], ["config", "check", "--json"]):
        result = runner.invoke(app, [*args, "--config", str(cfg)])
        assert result.exit_code == 0, result.output
        assert not [s for s in secrets if s in result.output]
    effective = json.loads(runner.invoke(app, ["config", "check", "--json", "--config", str(cfg)]).stdout)
    assert effective["PROXY_URL"] == "http://bob:****st-1@127.0.0.1:3128"
    assert effective["Providers"][0]["models"] == ["m"]  # ordinary values stay readable


def test_a_config_open_to_other_users_is_warned_about(tmp_path: Path) -> None:
    folder = tmp_path / "ccr"
    folder.mkdir(mode=0o700)
    cfg = folder / "config.json"
    cfg.write_text(
        json.dumps(
            {
                "Router": {"default": "p,m"},
                "Providers": [{"name": "p", "api_base_url": "http://127.0.0.1:1", "models": ["m"]}],
            }
        )
    )
    cfg.chmod(0o644)
    loose = runner.invoke(app, ["config", "check", "--config", str(cfg)])
    assert loose.exit_code == 0
    assert f"{cfg} is open to other users (mode 644)" in loose.stdout and f"chmod 600 {cfg}" in loose.stdout
    assert f"chmod 700 {folder}" not in loose.stdout
    cfg.chmod(0o600)
    assert "open to other users" not in runner.invoke(app, ["config", "check", "--config", str(cfg)]).stdout
