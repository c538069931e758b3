"""Config API over real sockets: masking, validate, save, backups, reload, conflicts."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import json5
import pytest

from ccr.testing import MockResponse, MockUpstream, parse_sse, run_router
from tests.server.api_kit import (
    AUTH,
    UPSTREAM_KEY,
    WRITE,
    call,
    gated_stream,
    get_config,
    message,
    raw_call,
    ui_config,
)


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def other() -> Iterator[MockUpstream]:
    with MockUpstream(MockResponse.text_or_stream("answer from beta")) as up:
        yield up


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CCR_TEST_BETA_KEY", "sk-from-env-5555")
    cfg = ui_config(upstream)
    cfg["Providers"].append(
        {"name": "beta", "api_base_url": upstream.chat_url, "api_key": "$CCR_TEST_BETA_KEY", "models": ["b"]}
    )
    with run_router(cfg, tmp_path) as url:
        yield url


def file_doc(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json5.loads((tmp_path / "config.json").read_text())
    return data


def save(url: str, config: dict[str, Any], **extra: Any) -> tuple[int, Any]:
    return call(url + "/api/config", "PUT", {"config": config, **extra}, WRITE)


def test_config_is_masked_and_placeholders_shown(router: str) -> None:
    status, body = raw_call(router + "/api/config", AUTH)
    assert status == 200
    text = body.decode()
    assert UPSTREAM_KEY not in text and "sk-router-ui-test-0001" not in text
    assert "sk-from-env-5555" not in text
    doc = json.loads(text)["config"]
    assert doc["Providers"][0]["api_key"] == "sk-…7777"
    assert doc["APIKEY"] == "sk-…0001"
    assert doc["Providers"][1]["api_key"] == "$CCR_TEST_BETA_KEY"


def test_masked_secret_sent_back_keeps_stored_value(router: str, tmp_path: Path) -> None:
    snap = get_config(router)
    doc = snap["config"]
    doc["Router"]["background"] = "beta,b"
    status, result = save(router, doc, base_version=snap["version"])
    assert status == 200, result
    on_disk = file_doc(tmp_path)
    assert on_disk["Providers"][0]["api_key"] == UPSTREAM_KEY
    assert on_disk["APIKEY"] == "sk-router-ui-test-0001"
    assert on_disk["Providers"][1]["api_key"] == "$CCR_TEST_BETA_KEY"  # never the resolved value
    assert on_disk["Router"]["background"] == "beta,b"
    assert result["changes"] == ['Router.background: unset → "beta,b"']
    assert result["restart_needed"] == []
    assert UPSTREAM_KEY not in json.dumps(result)


def test_reordered_providers_keep_their_keys(router: str, tmp_path: Path) -> None:
    doc = get_config(router)["config"]
    doc["Providers"].reverse()
    status, result = save(router, doc)
    assert status == 200, result
    names = {p["name"]: p["api_key"] for p in file_doc(tmp_path)["Providers"]}
    assert names == {"alpha": UPSTREAM_KEY, "beta": "$CCR_TEST_BETA_KEY"}


def test_unknown_mask_is_refused_at_its_key(router: str, tmp_path: Path) -> None:
    before = (tmp_path / "config.json").read_bytes()
    doc = get_config(router)["config"]
    doc["Providers"][0]["api_key"] = "sk-…zzzz"
    status, body = save(router, doc)
    assert status == 400
    assert body["error"]["path"] == "Providers[0].api_key"
    assert "type the key again" in body["error"]["message"]
    assert (tmp_path / "config.json").read_bytes() == before


def test_save_takes_effect_on_next_request(router: str, upstream: MockUpstream, other: MockUpstream) -> None:
    doc = get_config(router)["config"]
    doc["Providers"].append({"name": "gamma", "api_base_url": other.chat_url, "api_key": "sk-g", "models": ["g1"]})
    doc["Router"]["default"] = "gamma,g1"
    status, result = save(router, doc)
    assert status == 200, result
    assert "provider gamma added" in result["changes"]
    status, answer = message(router)
    assert status == 200, answer
    assert answer["content"][0]["text"] == "answer from beta"
    assert len(other.requests) == 1 and len(upstream.requests) == 0
    assert other.requests[0].headers["authorization"] == "Bearer sk-g"


@pytest.mark.parametrize(
    ("edit", "path", "fragment"),
    [
        pytest.param(
            lambda d: d["Providers"][0].update(api_base_url="not a url"),
            "Providers[0].api_base_url",
            "not a URL",
            id="bad-url",
        ),
        pytest.param(
            lambda d: d["Router"].update(default="nobody,x"),
            "Router.default",
            "not in Providers",
            id="unknown-provider",
        ),
        pytest.param(lambda d: d.update(PORT="many"), "PORT", "whole number", id="port-not-number"),
        pytest.param(
            lambda d: d["Providers"][0].update(transformer={"use": ["no-such-transformer"]}),
            "Providers[0].transformer.use",
            "unknown transformer",
            id="unknown-transformer",
        ),
    ],
)
def test_bad_config_rejected_old_one_in_force(
    router: str, tmp_path: Path, upstream: MockUpstream, edit: Any, path: str, fragment: str
) -> None:
    before = (tmp_path / "config.json").read_bytes()
    doc = get_config(router)["config"]
    edit(doc)
    status, body = save(router, doc)
    assert status == 400, body
    assert body["error"]["path"] == path
    assert fragment in body["error"]["message"]
    assert (tmp_path / "config.json").read_bytes() == before
    assert not list(tmp_path.glob("config.json.*.bak"))
    assert message(router)[0] == 200
    assert len(upstream.requests) == 1  # the old route still answers


def test_validate_reports_path_and_line_for_text(router: str) -> None:
    text = '{\n  // my config\n  "Providers": [\n    {"name": "x", "api_base_url": "nope", "models": []},\n  ],\n}\n'
    status, body = call(router + "/api/config/validate", "POST", {"text": text}, WRITE)
    assert status == 200
    assert body["ok"] is False
    err = body["errors"][0]
    assert (err["path"], err["line"]) == ("Providers[0].api_base_url", 4)
    assert body["config"]["Providers"][0]["name"] == "x"


def test_text_with_syntax_error_gives_line(router: str, tmp_path: Path) -> None:
    before = (tmp_path / "config.json").read_bytes()
    status, body = call(router + "/api/config", "PUT", {"text": '{\n  "PORT": 3456,,\n}'}, WRITE)
    assert status == 400
    assert body["error"]["line"] == 2
    assert body["error"]["message"].startswith("line 2, column")
    assert (tmp_path / "config.json").read_bytes() == before


def test_save_from_text_keeps_masks_and_reports_json5(router: str, tmp_path: Path) -> None:
    snap = get_config(router)
    text = "// edited in the raw editor\n" + json.dumps(snap["config"], indent=2).replace(
        '"Router": {', '"Router": {\n  "think": "beta,b",'
    )
    status, result = call(router + "/api/config", "PUT", {"text": text, "base_version": snap["version"]}, WRITE)
    assert status == 200, result
    on_disk = file_doc(tmp_path)
    assert on_disk["Router"]["think"] == "beta,b"
    assert on_disk["Providers"][0]["api_key"] == UPSTREAM_KEY
    written = (tmp_path / "config.json").read_text()
    assert written.startswith("// edited in the raw editor\n")  # the text as sent, comment included
    assert UPSTREAM_KEY in written and "****" not in written


def test_a_form_save_keeps_the_files_comments(router: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("// hand-written note\n" + path.read_text().replace('"Router": {', '"Router": { // routes', 1))
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    snap = get_config(router)
    assert snap["plain_json"] is False
    doc = snap["config"]
    doc["Router"]["longContextThreshold"] = 1234
    status, result = call(router + "/api/config", "PUT", {"config": doc, "base_version": snap["version"]}, WRITE)
    assert status == 200, result
    written = path.read_text()
    assert written.startswith("// hand-written note\n") and '"Router": { // routes' in written
    assert file_doc(tmp_path)["Router"]["longContextThreshold"] == 1234
    assert file_doc(tmp_path)["Providers"][0]["api_key"] == UPSTREAM_KEY  # the mask was not written


def test_the_files_text_is_shown_with_comments_and_masked_secrets(router: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("// hand-written note\n" + path.read_text().replace('"Router": {', '"Router": { // routes', 1))
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    snap = get_config(router)
    text = snap["text"]
    assert text.startswith("// hand-written note\n") and '"Router": { // routes' in text
    assert UPSTREAM_KEY not in text and "sk-router-ui-test-0001" not in text and "sk-…7777" in text
    assert json5.loads(text) == snap["config"]  # the same settings the forms show

    # A key kept in a comment keeps the text off the page; the settings are still served.
    path.write_text(path.read_text().replace("// routes", "// old key: sk-proj-abcdefghijklmnop"))
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    snap = get_config(router)
    assert snap["text"] is None and snap["config"]["Router"]


def test_raw_text_saved_as_typed_with_a_new_comment_and_answered_masked(router: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("// hand-written note\n" + path.read_text())
    assert call(router + "/api/reload", "POST", {}, WRITE)[0] == 200
    snap = get_config(router)
    typed = snap["text"].replace('"Router": {', '"Router": { // typed in the raw editor', 1)
    status, result = call(router + "/api/config", "PUT", {"text": typed, "base_version": snap["version"]}, WRITE)
    assert status == 200, result
    written = path.read_text()
    assert written == typed.replace("sk-…7777", UPSTREAM_KEY).replace("sk-…0001", "sk-router-ui-test-0001")
    assert result["text"] == typed  # what the page shows next: the file as written, masked again
    assert result["changes"] == ["the file's comments or layout"]  # not "No changes."


def test_render_writes_the_drafts_edits_into_the_text(router: str) -> None:
    text = '{\n  // note\n  "Router": {"default": "a,m"}, // the route\n  "LOG": false,\n}\n'
    doc = {"Router": {"default": "beta,b", "think": "a,m"}, "LOG": False}
    status, result = call(router + "/api/config/render", "POST", {"text": text, "config": doc}, WRITE)
    assert status == 200, result
    assert result["text"] == (
        '{\n  // note\n  "Router": {"default": "beta,b", "think": "a,m"}, // the route\n  "LOG": false,\n}\n'
    )
    status, result = call(router + "/api/config/render", "POST", {"text": "{oops", "config": doc}, WRITE)
    assert (status, result) == (200, {"text": None})
    status, result = call(router + "/api/config/render", "POST", {"text": text}, WRITE)
    assert status == 400 and "config" in result["error"]["message"]


def test_backups_last_three_kept_and_restorable(router: str, tmp_path: Path) -> None:
    for threshold in (1000, 2000, 3000, 4000):
        doc = get_config(router)["config"]
        doc["Router"]["longContextThreshold"] = threshold
        assert save(router, doc)[0] == 200
    status, listing = call(router + "/api/config/backups", headers=AUTH)
    assert status == 200
    names = [b["name"] for b in listing["backups"]]
    assert len(names) == 3
    assert sorted(p.name for p in tmp_path.glob("config.json.*.bak")) == sorted(names)
    newest = json.loads((tmp_path / names[0]).read_text())
    assert newest["Router"]["longContextThreshold"] == 3000
    status, result = call(router + "/api/config/restore", "POST", {"name": names[0]}, WRITE)
    assert status == 200, result
    assert file_doc(tmp_path)["Router"]["longContextThreshold"] == 3000
    assert call(router + "/api/status", headers=AUTH)[1]["router"]["longContextThreshold"] == 3000


@pytest.mark.parametrize("name", ["../config.json", "config.json", "/etc/passwd"])
def test_restore_only_accepts_listed_backups(router: str, name: str) -> None:
    status, body = call(router + "/api/config/restore", "POST", {"name": name}, WRITE)
    assert status == 400
    assert "no backup named" in body["error"]["message"]


def test_stale_version_is_a_conflict(router: str, tmp_path: Path) -> None:
    snap = get_config(router)
    path = tmp_path / "config.json"
    hand_edit = file_doc(tmp_path)
    hand_edit["LOG_LEVEL"] = "debug"
    path.write_text(json.dumps(hand_edit))
    status, body = save(router, snap["config"], base_version=snap["version"])
    assert status == 409
    assert "changed since" in body["error"]["message"]
    assert file_doc(tmp_path)["LOG_LEVEL"] == "debug"
    fresh = get_config(router)
    assert fresh["running_matches_file"] is False


def test_concurrent_saves_same_base_one_wins(router: str, tmp_path: Path) -> None:
    snap = get_config(router)

    def attempt(threshold: int) -> int:
        doc = json.loads(json.dumps(snap["config"]))
        doc["Router"]["longContextThreshold"] = threshold
        return save(router, doc, base_version=snap["version"])[0]

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(attempt, [11000, 12000, 13000, 14000]))
    assert statuses == [200, 409, 409, 409]
    assert file_doc(tmp_path)["Router"]["longContextThreshold"] in (11000, 12000, 13000, 14000)


def test_concurrent_saves_without_base_are_serialised(router: str, tmp_path: Path) -> None:
    doc = get_config(router)["config"]

    def attempt(threshold: int) -> int:
        mine = json.loads(json.dumps(doc))
        mine["Router"]["longContextThreshold"] = threshold
        return save(router, mine)[0]

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(attempt, range(21000, 27000, 1000)))
    assert statuses == [200] * 6
    final = file_doc(tmp_path)  # whole JSON: no torn write
    assert final["Providers"][0]["api_key"] == UPSTREAM_KEY
    assert len(list(tmp_path.glob("config.json.*.bak"))) == 3
    running = call(router + "/api/status", headers=AUTH)[1]["router"]["longContextThreshold"]
    assert running == final["Router"]["longContextThreshold"]


def _stream_request(url: str) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    body = {"model": "x", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    conn.request("POST", "/v1/messages", json.dumps(body), {**AUTH, "content-type": "application/json"})
    return conn, conn.getresponse()


def test_reload_keeps_in_flight_request(router: str, upstream: MockUpstream, other: MockUpstream) -> None:
    gate = threading.Event()
    upstream.enqueue(gated_stream(gate, "slow old answer"))
    conn, resp = _stream_request(router)
    try:
        assert resp.status == 200
        upstream.wait_for_requests(1)  # the request is in flight, held by the gate
        doc = get_config(router)["config"]
        doc["Providers"].append({"name": "gamma", "api_base_url": other.chat_url, "api_key": "sk-g", "models": ["g"]})
        doc["Router"]["default"] = "gamma,g"
        assert save(router, doc)[0] == 200
        gate.set()
        events = parse_sse(resp.read())
    finally:
        conn.close()
    assert events[-1].event == "message_stop"
    deltas = [json.loads(e.data)["delta"] for e in events if e.event == "content_block_delta"]
    assert "".join(d.get("text", "") for d in deltas) == "slow old answer"
    status, answer = message(router)
    assert status == 200 and answer["content"][0]["text"] == "answer from beta"


def test_reload_route_keeps_cli_contract(router: str, tmp_path: Path) -> None:
    assert call(router + "/api/reload", "POST", {}, AUTH)[0] == 400  # no x-ccr-action
    doc = file_doc(tmp_path)
    doc["Router"]["think"] = "beta,b"
    (tmp_path / "config.json").write_text(json.dumps(doc))
    assert call(router + "/api/reload", "POST", {}, WRITE) == (200, {"ok": True})
    assert call(router + "/api/status", headers=AUTH)[1]["router"]["think"] == "beta,b"


def test_plugin_that_fails_to_load_is_a_warning_at_its_field(router: str, tmp_path: Path) -> None:
    doc = get_config(router)["config"]
    doc["transformers"] = [{"path": "plugins/missing.py"}]
    status, checked = call(router + "/api/config/validate", "POST", {"config": doc}, WRITE)
    assert status == 200 and checked["ok"] is True
    (warning,) = checked["warnings"]
    assert warning["path"] == "transformers[0].path" and "file not found" in warning["message"]
    status, result = save(router, doc)
    assert status == 200 and result["warnings"] == checked["warnings"]
    assert file_doc(tmp_path)["transformers"] == [{"path": "plugins/missing.py"}]
