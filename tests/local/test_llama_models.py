"""`ccr model discover` lists what a real local server offers (its `GET /v1/models`)."""

from __future__ import annotations

import subprocess

import pytest

from ccr.testing.router import ccr_executable
from tests.local.llama import ALIAS, LlamaServer

pytestmark = pytest.mark.local_model


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/chat/completions"], ids=["base", "v1", "endpoint"])
def test_discover_lists_the_served_model(llama: LlamaServer, suffix: str) -> None:
    done = subprocess.run(
        [str(ccr_executable()), "model", "discover", llama.url + suffix],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [ALIAS]
