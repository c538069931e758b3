"""`ccr transformers`: lists built-ins and the config's plugins (broken ones with their error)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccr.cli.main import app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_lists_every_builtin_as_json(tmp_path: Path) -> None:
    code, out = run("transformers", "--json", "--config", str(tmp_path / "missing.json"))
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["anthropic"]["kind"] == "endpoint (passthrough)"
    assert rows["gemini"]["kind"] == "endpoint" and rows["maxtoken"]["kind"] == "transformer"
    assert rows["maxtoken"]["options"]["max_tokens"]
    assert all(r["source"] == "built-in" for r in rows.values())


def test_shows_plugins_and_broken_plugins_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(
        "from ccr.transformers.base import Transformer\n"
        "class G(Transformer):\n    name = 'good'\n    description = 'a good plugin'\n"
    )
    (tmp_path / "bad.py").write_text("import nonexistent_module_xyz\n")
    cfg = {"Providers": [], "transformers": [{"path": "good.py"}, {"path": "bad.py"}]}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    code, out = run("transformers", "--json", "--config", str(tmp_path / "config.json"))
    rows = {r["name"]: r for r in json.loads(out[out.index("[") :])}
    assert code == 0
    assert rows["good"]["source"] == "plugin" and rows["good"]["description"] == "a good plugin"
    assert "nonexistent_module_xyz" in rows["bad"]["broken"]


def test_one_transformer_in_detail_and_unknown_names(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.json")
    code, out = run("transformers", "anthropic", "--config", missing)
    assert code == 0 and "drop_betas" in out and "passthrough" in out
    code, out = run("transformers", "nosuch", "--config", missing)
    assert code == 1 and "no transformer named 'nosuch'" in out
