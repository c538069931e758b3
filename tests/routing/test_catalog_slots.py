"""`ModelCatalog.slot_of`: Router slot targets, memoised per settings object."""

from __future__ import annotations

import pytest

from ccr.config.schema import RouterSettings
from ccr.routing.catalog import ModelCatalog, PerSettings, Target
from tests.routing.helpers import make_config


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        pytest.param("default", Target("deepseek", "deepseek-chat"), id="listed"),
        pytest.param("image", Target("OpenRouter", "Qwen/Qwen3-VL"), id="case-insensitive"),
        pytest.param("webSearch", None, id="unset"),
        pytest.param("nonsense", None, id="not-a-slot"),
    ],
)
def test_slot_targets(slot: str, expected: Target | None) -> None:
    config = make_config({"default": "deepseek,deepseek-chat", "image": "openrouter,qwen/qwen3-vl", "webSearch": " "})
    catalog = ModelCatalog(config)
    assert catalog.slot_of(config.Router, slot) == expected
    assert catalog.slot_of(config.Router, slot) == expected  # the memoised answer is the same


def test_each_settings_object_gets_its_own_answer() -> None:
    config = make_config()
    catalog = ModelCatalog(config)
    project = RouterSettings(default="ollama,qwen2.5-coder:latest")
    assert catalog.slot_of(config.Router, "default") == Target("deepseek", "deepseek-chat")
    assert catalog.slot_of(project, "default") == Target("ollama", "qwen2.5-coder:latest")
    assert catalog.slot_of(project, "think") is None
    assert catalog.slot_of(config.Router, "think") == Target("deepseek", "deepseek-reasoner")


def test_per_settings_keeps_by_identity_and_stays_bounded() -> None:
    memo: PerSettings[int] = PerSettings(limit=2)
    a, b = RouterSettings(default="x,y"), RouterSettings(default="x,y")  # equal, not the same object
    assert memo.keep(a, "k", 1) == 1
    assert memo.find(a, "k") == (a, 1)
    assert memo.find(b, "k") is None and memo.find(a, "other") is None
    memo.keep(b, "k", 2)
    memo.keep(a, "other", 3)  # the third entry: the full memo starts over
    assert memo.find(a, "k") is None and memo.find(b, "k") is None
    assert memo.find(a, "other") == (a, 3)
