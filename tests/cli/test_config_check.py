"""`ccr config check`: valid configs shown with secrets masked; invalid ones in one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccr.cli.config_cmd import mask
from ccr.cli.main import app
from tests.cli.helpers import base_config

runner = CliRunner()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("sk-test", "****", id="short-fully-hidden"),
        pytest.param("sk-test-1234567890", "****7890", id="long-keeps-last-4"),
        pytest.param(["sk-a", "sk-test-abcdefgh"], ["****", "****efgh"], id="list"),
        pytest.param("", "", id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_mask(value: object, expected: object) -> None:
    assert mask(value) == expected


def test_check_masks_secrets_and_fills_variables(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    doc = base_config(3456, APIKEY="sk-test-client-secret", EXTRA_THING=1)
    doc["Providers"][0]["api_key"] = "$TEST_PROVIDER_KEY"
    cfg.write_text(json.dumps(doc))
    result = runner.invoke(
        app, ["config", "check", "--config", str(cfg), "--json"], env={"TEST_PROVIDER_KEY": "sk-test-from-env-9876"}
    )
    assert result.exit_code == 0, result.output
    effective = json.loads(result.stdout)
    assert effective["APIKEY"] == "****cret"
    assert effective["Providers"][0]["api_key"] == "****9876"
    assert effective["PORT"] == 3456 and effective["Router"]["longContextThreshold"] == 60000
    assert "sk-test-from-env" not in result.output and "sk-test-client" not in result.output
    text = runner.invoke(app, ["config", "check", "--config", str(cfg)], env={"TEST_PROVIDER_KEY": "x"})
    assert text.exit_code == 0
    assert "is valid" in text.stdout and "unknown key 'EXTRA_THING'" in text.stdout


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        pytest.param({"PORT": "many"}, "PORT", id="bad-port"),
        pytest.param({"Providers": [{"name": "x", "api_base_url": "nope"}]}, "Providers[0].api_base_url", id="url"),
        pytest.param({"Router": {"default": "ghost,m"}}, "Router.default", id="router-ref"),
        pytest.param({"APIKEY": "$SURELY_NOT_SET_IN_TESTS"}, "SURELY_NOT_SET_IN_TESTS", id="unset-env"),
    ],
)
def test_invalid_config_is_exit_2_one_line(tmp_path: Path, doc: dict[str, object], key: str) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(doc))
    result = runner.invoke(app, ["config", "check", "--config", str(cfg)])
    assert result.exit_code == 2
    assert key in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_json5_syntax_error_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text("{ PORT: 1, oops }")
    result = runner.invoke(app, ["config", "check", "--config", str(cfg)])
    assert result.exit_code == 2 and str(cfg) in result.stderr and "JSON5" in result.stderr


def test_missing_file_and_path_command(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    assert runner.invoke(app, ["config", "check", "--config", str(missing)]).exit_code == 2
    out = runner.invoke(app, ["config", "path"], env={"CCR_CONFIG": str(missing)}).stdout.strip()
    assert out == str(missing)
