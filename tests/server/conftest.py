from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.testing import MockUpstream, run_router

APIKEY = "sk-router-test"


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def backup() -> Iterator[MockUpstream]:
    """A second provider's mock, for fallbacks."""
    with MockUpstream() as up:
        yield up


def base_config(up: MockUpstream, **extra: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "APIKEY": APIKEY,
        "LOG": False,
        "Providers": [
            {
                "name": "mock",
                "api_base_url": up.chat_url,
                "api_key": "sk-upstream-test",
                "models": ["mock-model", "Other-Model"],
            },
        ],
        "Router": {"default": "mock,mock-model"},
    }
    cfg.update(extra)
    return cfg


@pytest.fixture
def router_url(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    with run_router(base_config(upstream), tmp_path) as url:
        yield url


@pytest.fixture
def client(router_url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=router_url, api_key=APIKEY, max_retries=0, timeout=30) as sdk:
        yield sdk
