from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ccr.config.schema import Config, validate_config
from ccr.errors import ConfigError

PROVIDER = {"name": "deepseek", "api_base_url": "https://api.deepseek.test/chat/completions", "api_key": "sk-test",
            "models": ["deepseek-chat", "deepseek-reasoner"]}


def test_defaults() -> None:
    cfg = validate_config({})
    assert (cfg.PORT, cfg.HOST, cfg.API_TIMEOUT_MS, cfg.LOG_LEVEL, cfg.LOG) == (3456, "127.0.0.1", 600000, "info", True)
    assert cfg.Router.longContextThreshold == 60000


def test_seed_readme_example_shapes() -> None:
    cfg = validate_config({
        "Providers": [
            {**PROVIDER, "transformer": {"use": ["deepseek"], "deepseek-chat": {"use": ["tooluse"]}}},
            {"name": "modelscope", "api_base_url": "https://api-inference.modelscope.test/v1/chat/completions",
             "api_key": "", "models": ["Qwen/Qwen3-Coder"],
             "transformer": {"use": [["maxtoken", {"max_tokens": 65536}], "enhancetool"]}},
            {"name": "ollama", "api_base_url": "http://localhost:11434/v1/chat/completions", "models": ["qwen"]},
        ],
        "Router": {"default": "deepseek,deepseek-chat", "background": "ollama,qwen", "longContextThreshold": 0},
    })
    ds, ms, ol = cfg.Providers
    assert [s.name for s in ds.transformer.use] == ["deepseek"]
    assert [s.name for s in ds.transformer.models["deepseek-chat"]] == ["tooluse"]
    assert ms.transformer.use[0].options == {"max_tokens": 65536}
    assert ms.key_list() == ()  # an empty key is a keyless provider, not a dropped one
    assert ol.api_key is None
    assert cfg.Router.longContextThreshold == 60000  # CCR: a falsy threshold means the default


def _err(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        pytest.param({"PORT": "abc"}, "PORT", "whole number", id="port-type"),
        pytest.param({"PORT": 70000}, "PORT", "65535", id="port-range"),
        pytest.param({"Providers": [PROVIDER, PROVIDER]},
                     "Providers[1].name", "already used", id="duplicate-name"),
        pytest.param({"Providers": [{**PROVIDER, "api_base_url": "ftp:/x"}]}, "Providers[0].api_base_url",
                     "not a URL", id="bad-url"),
        pytest.param({"Providers": [{**PROVIDER, "name": ""}]}, "Providers[0].name", "empty", id="empty-name"),
        pytest.param({"Providers": [{k: v for k, v in PROVIDER.items() if k != "api_base_url"}]},
                     "Providers[0].api_base_url", "required", id="missing-url"),
        pytest.param({"Providers": [PROVIDER], "Router": {"default": "nobody,x"}}, "Router.default",
                     "provider 'nobody' is not in Providers (known: deepseek)", id="router-unknown-provider"),
        pytest.param({"Providers": [PROVIDER], "Router": {"think": "deepseek"}}, "Router.think",
                     "must be 'provider,model'", id="router-no-comma"),
        pytest.param({"Providers": [{**PROVIDER, "transformer": {"use": [["maxtoken", 5]]}}]},
                     "Providers[0].transformer", "name", id="bad-transformer-spec"),
        pytest.param({"LOG_LEVEL": "loud"}, "LOG_LEVEL", "expected one of", id="log-level"),
        pytest.param({"Providers": [PROVIDER], "fallback": {"default": ["deepseek,x", "gone,y"]}},
                     "fallback.default[1]", "'gone'", id="fallback-ref"),
    ],
)
def test_errors_name_the_key_path(data: dict[str, Any], path: str, fragment: str) -> None:
    err = _err(data)
    assert err.path == path
    assert fragment in err.message


def test_unknown_keys_are_kept() -> None:
    cfg = validate_config({"SOMETHING_NEW": 1, "Providers": [{**PROVIDER, "extra_field": True}]})
    assert cfg.unknown_keys() == ["SOMETHING_NEW"]
    assert cfg.raw["SOMETHING_NEW"] == 1


def test_model_lookup_is_case_insensitive() -> None:
    cfg = validate_config({"Providers": [PROVIDER]})
    p = cfg.provider("DeepSeek")
    assert p is not None and p.find_model("DEEPSEEK-CHAT") == "deepseek-chat"
    assert cfg.model_ids() == ["deepseek,deepseek-chat", "deepseek,deepseek-reasoner"]


ROOT = Path(__file__).resolve().parents[2]


def _documented_keys(path: Path, heading: str) -> list[str]:
    """The backquoted names in the first column of the table under `heading`."""
    text = path.read_text(encoding="utf-8").split(heading, 1)[1]
    keys: list[str] = []
    for line in text.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            keys += re.findall(r"`([A-Za-z_]+)(?:\[\]|\{\})?`", line.split("|")[1])
    return keys


@pytest.mark.parametrize(
    ("doc", "heading"),
    [
        pytest.param("README.md", "## Configuration reference", id="README"),
        pytest.param("docs/configuration.md", "## Top-level keys", id="configuration.md"),
    ],
)
def test_every_documented_key_is_a_known_key(doc: str, heading: str) -> None:
    keys = _documented_keys(ROOT / doc, heading)
    assert len(keys) > 15
    assert sorted(k for k in keys if k not in Config.model_fields) == []
