"""The web UI in a real headless Chromium: configure a provider and a route, watch requests, see
validation at the field; screenshots of every screen go to test-artifacts/ui/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import json5
import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is missing: run `make browser-deps`")

from playwright.sync_api import Page, Request, expect

from ccr.testing import MockUpstream
from tests.server.api_kit import APIKEY, UPSTREAM_KEY, WRITE, call, message
from tests.ui.conftest import screenshot

pytestmark = pytest.mark.browser
SCREENS = ["providers", "router", "transformers", "settings", "statusline", "raw", "requests", "usage"]


def open_ui(page: Page, url: str, screen: str = "providers") -> None:
    page.goto(f"{url}/ui/#/{screen}")
    page.fill("#login-key", APIKEY)
    page.click("dialog.login button[type=submit]")
    page.wait_for_selector("#main h1")
    page.wait_for_function("document.getElementById('dirty').textContent !== ''")


def go(page: Page, screen: str) -> None:
    page.click(f'nav a[data-screen="{screen}"]')
    page.wait_for_selector(f'nav a[data-screen="{screen}"][aria-current="page"]')


def test_add_provider_from_template_set_route_save_and_use(
    page: Page, router: str, tmp_path: Path, upstream: MockUpstream, second_upstream: MockUpstream
) -> None:
    open_ui(page, router)
    page.click("#add-provider")
    page.wait_for_selector("dialog.templates[open]")
    screenshot(page, "providers-templates")
    page.click('button[data-template="ollama"]')
    page.fill("#provider-url-1", second_upstream.chat_url)
    page.fill("#provider-models-1", "qwen-mock\nqwen-other")
    go(page, "router")
    page.select_option("#route-default", "ollama,qwen-mock")
    expect(page.locator("#dirty")).to_have_text("Unsaved changes")
    page.click("#save")
    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("Saved.", timeout=15_000)
    expect(feedback).to_contain_text("provider ollama added")
    expect(feedback).to_contain_text("Routes, providers and transformers are live now")
    screenshot(page, "router-saved")

    status, answer = message(router)
    assert status == 200, answer
    assert answer["content"][0]["text"] == "hello from the new provider"
    assert len(second_upstream.requests) == 1 and not upstream.requests
    assert second_upstream.requests[0].json["model"] == "qwen-mock"

    on_disk = json.loads((tmp_path / "config.json").read_text())
    assert on_disk["Router"]["default"] == "ollama,qwen-mock"
    assert on_disk["Providers"][0]["api_key"] == UPSTREAM_KEY  # the masked key kept its value
    assert on_disk["Providers"][1] == {
        "name": "ollama",
        "api_base_url": second_upstream.chat_url,
        "api_key": "ollama",
        "models": ["qwen-mock", "qwen-other"],
    }


def test_request_appears_in_live_log(page: Page, router: str) -> None:
    open_ui(page, router, "requests")
    expect(page.locator(".live")).to_have_text("● Live", timeout=15_000)
    expect(page.locator("#log-rows")).to_contain_text("No requests yet")
    assert message(router)[0] == 200
    row = page.locator("#log-rows tr").first
    expect(row).to_contain_text("alpha,a-model", timeout=15_000)
    expect(row).to_contain_text("10 / 5")
    expect(row).to_contain_text("200")
    screenshot(page, "requests-live")


def test_validation_error_shown_at_the_field(page: Page, router: str, tmp_path: Path) -> None:
    before = (tmp_path / "config.json").read_bytes()
    open_ui(page, router)
    page.click("text=Edit")
    page.fill("#provider-url-0", "not a url")
    url_field = page.locator('[data-field-for="Providers[0].api_base_url"] .field-error')
    expect(url_field).to_have_text("not a URL (expected http://… or https://…)", timeout=15_000)
    expect(page.locator("#provider-url-0")).to_have_attribute("aria-invalid", "true")
    page.click("#save")
    expect(page.locator("#feedback")).to_contain_text("Not saved")
    screenshot(page, "providers-invalid-url")
    assert (tmp_path / "config.json").read_bytes() == before
    page.fill("#provider-url-0", "https://fixed.example/v1/chat/completions")
    expect(url_field).to_be_hidden(timeout=15_000)


def test_raw_editor_shows_the_problem_at_its_line(page: Page, router: str) -> None:
    open_ui(page, router, "raw")
    page.fill("#raw-editor", '{\n  "PORT": 3456,\n  "Router": {"default": "nobody,x"}\n}')
    messages = page.locator("#raw-messages")
    expect(messages).to_contain_text("Line 3", timeout=15_000)
    expect(messages).to_contain_text("provider 'nobody' is not in Providers")
    expect(page.locator(".gutter div.bad")).to_have_text("3")
    page.fill("#raw-editor", '{\n  "PORT": 3456,,\n}')
    expect(messages).to_contain_text("Line 2, column", timeout=15_000)
    screenshot(page, "raw-error")


def test_raw_editor_shows_and_saves_the_files_comments(page: Page, router: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("// hand-written note\n" + path.read_text().replace('"Router": {', '"Router": { // routes', 1))
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    open_ui(page, router, "raw")
    editor = page.locator("#raw-editor")
    expect(editor).to_have_value(re.compile(r"^// hand-written note\n(.|\n)*\"Router\": \{ // routes"))
    shown = editor.input_value()
    assert UPSTREAM_KEY not in shown and "sk-…7777" in shown
    expect(page.locator("#raw-notice")).to_have_count(0)

    # A comment alone is a change, saved as typed (the masked key keeping its value), even by a
    # Ctrl+S pressed before the text was checked.
    page.fill("#raw-editor", shown.replace("// routes", "// routes, edited in the browser"))
    page.keyboard.press("Control+s")
    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("Saved.", timeout=15_000)
    expect(feedback).to_contain_text("the file's comments or layout")
    expect(feedback).not_to_contain_text("null")
    written = path.read_text()
    assert "// routes, edited in the browser" in written and written.startswith("// hand-written note\n")
    assert json5.loads(written)["Providers"][0]["api_key"] == UPSTREAM_KEY

    # An edit on a form screen shows in the text, comments kept, and a comment typed since stays.
    go(page, "router")
    page.select_option("#route-default", "alpha,a-small")
    go(page, "raw")
    expect(editor).to_have_value(re.compile(r'// routes, edited in the browser(.|\n)*"alpha,a-small"'))
    page.fill("#raw-editor", editor.input_value().replace("// hand-written note", "// note, edited again"))
    expect(page.locator("#raw-messages")).to_contain_text("Valid", timeout=15_000)
    go(page, "router")
    page.select_option("#route-background", "alpha,a-model")
    page.click("#save")
    expect(page.locator("#feedback")).to_contain_text("Saved.", timeout=15_000)
    written = path.read_text()
    assert written.startswith("// note, edited again\n") and "// routes, edited in the browser" in written
    doc = json5.loads(written)
    assert doc["Router"] == {"default": "alpha,a-small", "background": "alpha,a-model"}
    go(page, "raw")
    expect(editor).to_have_value(re.compile(r"^// note, edited again\n"))
    screenshot(page, "raw-comments")


def test_raw_editor_keeps_a_comment_holding_a_key_off_the_page(page: Page, router: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("// old key: sk-proj-abcdefghijklmnop\n" + path.read_text())
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    open_ui(page, router, "raw")
    expect(page.locator("#raw-notice")).to_contain_text("looks like it holds a key")
    assert "sk-proj" not in page.content() and "old key" not in page.locator("#raw-editor").input_value()
    # A value edited here is saved into the file around the comment never shown.
    page.fill("#raw-editor", page.locator("#raw-editor").input_value().replace('"LOG": false', '"LOG": true'))
    expect(page.locator("#dirty")).to_have_text("Unsaved changes", timeout=15_000)
    page.click("#save")
    expect(page.locator("#feedback")).to_contain_text("Saved.", timeout=15_000)
    written = path.read_text()
    assert written.startswith("// old key: sk-proj-abcdefghijklmnop\n") and json5.loads(written)["LOG"] is True


def test_start_up_only_reads_and_never_shows_a_key(page: Page, router: str, tmp_path: Path) -> None:
    before = (tmp_path / "config.json").read_bytes()
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r))
    for model in ("a-model", "a-small", "a-model"):
        message(router, model=f"alpha,{model}")
    open_ui(page, router)
    for screen in SCREENS:
        go(page, screen)
        if screen == "usage":
            page.wait_for_selector("svg.chart path.line")
        html = page.content()
        assert UPSTREAM_KEY not in html and APIKEY not in html, screen
        screenshot(page, f"screen-{screen}")
    computing = ("/api/statusline/preview", "/api/config/validate")  # POST, but they change nothing
    writes = [(r.method, r.url) for r in sent if r.method not in ("GET", "HEAD") and not r.url.endswith(computing)]
    assert writes == []
    assert (tmp_path / "config.json").read_bytes() == before


@pytest.mark.parametrize(
    ("scheme", "width"),
    [pytest.param("dark", 1280, id="dark"), pytest.param("light", 390, id="narrow")],
)
def test_dark_and_narrow_layouts(page: Page, router: str, scheme: str, width: int) -> None:
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 844})
    open_ui(page, router)
    page.click("text=Edit")
    screenshot(page, f"providers-{scheme}-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(21, 23, 27)") is (scheme == "dark")


def test_keyboard_only(page: Page, router: str) -> None:
    open_ui(page, router)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Router":
            break
    page.keyboard.press("Enter")
    # the screen renders and takes focus on the hashchange event, after the key press returns
    heading = page.locator("#main h1")
    expect(heading).to_be_focused()
    expect(heading).to_have_text("Router")
    page.focus("#route-background")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#dirty")).to_have_text("Unsaved changes")
    go(page, "providers")
    page.focus("#add-provider")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.template") == "openrouter"
    page.keyboard.press("Escape")
    expect(page.locator("dialog.templates")).to_have_count(0)


def test_status_line_preview_follows_edits(page: Page, router: str) -> None:
    open_ui(page, router, "statusline")
    preview = page.locator("#statusline-preview")
    expect(preview).to_contain_text("deepseek-chat")
    page.get_by_label("Text").nth(2).fill("M: {{model}}!")
    expect(preview).to_contain_text("M: deepseek-chat!")
    page.select_option("#sl-style", "default")
    expect(preview).to_have_class("terminal default")
    expect(preview).to_contain_text("deepseek-chat")  # the default style's own modules
    screenshot(page, "statusline-edited")


def test_key_is_asked_once_and_kept_for_the_tab_only(page: Page, router: str) -> None:
    open_ui(page, router)
    page.reload()
    page.wait_for_selector("#main h1")
    expect(page.locator("#server-status")).to_contain_text("v0.")
    assert page.locator("dialog.login").count() == 0
    assert page.evaluate("sessionStorage.getItem('ccr.apikey')") == APIKEY
    assert APIKEY not in page.evaluate("JSON.stringify(localStorage)")
    other = page.context.new_page()  # another tab: asks again
    other.goto(f"{router}/ui/")
    other.wait_for_selector("dialog.login[open]")
    other.close()


def test_log_rotation_settings_are_saved(page: Page, router: str, tmp_path: Path) -> None:
    open_ui(page, router, "settings")
    page.fill("#setting-LOG_BACKUPS", "5")
    page.fill("#setting-LOG_MAX_FILES", "0")  # below the minimum: refused at the field, nothing saved
    expect(page.locator('[data-field-for="LOG_MAX_FILES"] .field-error')).to_be_visible(timeout=15_000)
    page.fill("#setting-LOG_MAX_FILES", "4")
    page.fill("#setting-LOG_MAX_BYTES", "1048576")
    page.click("#save")
    expect(page.locator("#feedback")).to_contain_text("Saved.", timeout=15_000)
    on_disk = json.loads((tmp_path / "config.json").read_text())
    assert (on_disk["LOG_BACKUPS"], on_disk["LOG_MAX_FILES"], on_disk["LOG_MAX_BYTES"]) == (5, 4, 1048576)
