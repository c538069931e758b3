"""Browser tests: Playwright for Python driving Debian's headless Chromium (never Playwright's
own browser download). Without a Chromium they are skipped with a reason saying how to install it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ccr.testing import MockResponse, MockUpstream, run_router
from tests.server.api_kit import ui_config

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
INSTALL_HINT = (
    "no Chromium found (looked for $CCR_CHROMIUM, /usr/bin/chromium, chromium on PATH): "
    "install Debian's package with `sudo apt-get install chromium` to run the web UI browser tests "
    "(.ci/run installs it)"
)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CCR_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def second_upstream() -> Iterator[MockUpstream]:
    with MockUpstream(MockResponse.text_or_stream("hello from the new provider")) as up:
        yield up


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    cfg: dict[str, Any] = ui_config(upstream, StatusLine={"enabled": True, "currentStyle": "powerline"})
    cfg["Providers"][0]["models"].append("a-small")
    with run_router(cfg, tmp_path) as url:
        yield url


@pytest.fixture
def page(router: str, tmp_path: Path) -> Iterator[Page]:
    """A fresh headless Chromium (new profile) on the router; closed before the router stops,
    so the page's live event stream never holds the server's shutdown."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package playwright is missing: run `make browser-deps`")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 860},
            color_scheme="light",
        )
        context.set_default_timeout(15_000)
        try:
            tab = context.pages[0] if context.pages else context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            yield tab
            assert not errors, f"JavaScript errors on the page: {errors}"
        finally:
            context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header over a scrolled page looks broken
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
