"""The provider editor's "Fetch models" in a real headless Chromium: the router asks the mock
server's `/v1/models` with the stored key (the page only ever holds its mask), the offered models
become checkboxes, and ticking one with the keyboard puts it in the models list that is saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is missing: run `make browser-deps`")

from playwright.sync_api import Page, expect

from ccr.testing import MockResponse, MockUpstream
from tests.server.api_kit import APIKEY, UPSTREAM_KEY, by_path, models_listing
from tests.ui.conftest import screenshot
from tests.ui.test_ui_browser import open_ui

pytestmark = pytest.mark.browser


def test_fetch_models_and_tick_one_with_the_keyboard(
    page: Page, router: str, upstream: MockUpstream, tmp_path: Path
) -> None:
    upstream.default = by_path({"/v1/models": models_listing("a-model", "qwen3:8b", "llama3.1:8b")})
    open_ui(page, router)
    page.click("text=Edit")
    page.focus("#provider-fetch-0")
    page.keyboard.press("Enter")
    status = page.locator("#provider-offers-status-0")
    expect(status).to_contain_text(f"{upstream.url}/v1/models offers 3 models", timeout=15_000)
    offered = page.locator("#provider-offers-0 input[type=checkbox]")
    expect(offered).to_have_count(3)
    assert [offered.nth(n).get_attribute("data-model") for n in range(3)] == ["a-model", "llama3.1:8b", "qwen3:8b"]
    expect(page.get_by_label("a-model", exact=True)).to_be_checked()  # already in the list
    qwen = page.get_by_label("qwen3:8b", exact=True)
    expect(qwen).not_to_be_checked()

    focus_path = []
    for _ in range(4):  # from the button: "Add all", then the offered models in order
        page.keyboard.press("Tab")
        focus_path.append(page.evaluate("document.activeElement.dataset.model || document.activeElement.textContent"))
    assert focus_path == ["Add all", "a-model", "llama3.1:8b", "qwen3:8b"]
    page.keyboard.press("Space")
    expect(qwen).to_be_checked()
    expect(page.locator("#provider-models-0")).to_have_value("a-model\na-small\nqwen3:8b")
    expect(page.locator("#dirty")).to_have_text("Unsaved changes")
    screenshot(page, "providers-fetch-models")

    page.click("#save")
    expect(page.locator("#feedback")).to_contain_text("Saved.", timeout=15_000)
    saved = json.loads((tmp_path / "config.json").read_text())["Providers"][0]
    assert saved["models"] == ["a-model", "a-small", "qwen3:8b"]
    assert saved["api_key"] == UPSTREAM_KEY
    asked = [r for r in upstream.requests if r.path == "/v1/models"]
    assert [r.headers.get("authorization") for r in asked] == [f"Bearer {UPSTREAM_KEY}"]
    html = page.content()
    assert UPSTREAM_KEY not in html and APIKEY not in html


def test_fetch_models_shows_the_servers_problem(page: Page, router: str, upstream: MockUpstream) -> None:
    upstream.default = by_path({}, MockResponse.html(404, "<html>not here</html>"))
    open_ui(page, router)
    page.click("text=Edit")
    page.click("#provider-fetch-0")
    status = page.locator("#provider-offers-status-0")
    expect(status).to_contain_text(f"✗ {upstream.url}/v1/models answered HTTP 404", timeout=15_000)
    expect(status).to_have_class("test-result bad")
    expect(page.locator("#provider-offers-0 input")).to_have_count(0)
