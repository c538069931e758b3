"""Fixtures shared by every test folder. Keep this small: helpers belong in `ccr.testing`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from ccr.testing import MockUpstream


@pytest.fixture
async def mock_upstream() -> AsyncIterator[MockUpstream]:
    """A mock OpenAI-compatible provider in the test's own event loop (async tests)."""
    async with MockUpstream() as upstream:
        yield upstream


@pytest.fixture
def mock_upstream_thread() -> Iterator[MockUpstream]:
    """The same on its own loop in a daemon thread, for sync tests and subprocesses."""
    with MockUpstream() as upstream:
        yield upstream


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Removes the log handlers `setup_logging` added (they hold files in the test's tmp_path)."""
    yield
    for logger in (logging.getLogger("ccr"), logging.getLogger("ccr.routing")):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
