"""Masking secrets for the UI and restoring them on save (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.config.load import config_from_raw
from ccr.errors import ConfigError
from ccr.server.routes.api_secrets import (
    Scrubber,
    is_placeholder,
    is_secret_key,
    mask_secrets,
    mask_url,
    mask_value,
    masked_text,
    restore_secrets,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        pytest.param("sk-abcdefghijklmnop1234", "sk-…1234", id="long"),
        pytest.param("sk-test", "…", id="short-shows-nothing"),
        pytest.param("", "", id="empty"),
        pytest.param("$DEEPSEEK_API_KEY", "$DEEPSEEK_API_KEY", id="placeholder"),
        pytest.param("${KEY_A}${KEY_B}", "${KEY_A}${KEY_B}", id="two-placeholders"),
        pytest.param("sk-abc$KEYPART-123456", "sk-…3456", id="placeholder-mixed-with-text"),
    ],
)
def test_mask_value(value: str, masked: str) -> None:
    assert mask_value(value) == masked


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        pytest.param("http://user:hunter2-long-pass@proxy:8080", "http://user:hun…pass@proxy:8080", id="password"),
        pytest.param(
            "https://x.example/v1?key=AIzaSyVeryLongKey0000&alt=sse",
            "https://x.example/v1?key=AIz…0000&alt=sse",
            id="query-key",
        ),
        pytest.param(
            "https://api.deepseek.com/chat/completions", "https://api.deepseek.com/chat/completions", id="plain"
        ),
        pytest.param("http://u:$PROXY_PASS@proxy:1", "http://u:$PROXY_PASS@proxy:1", id="placeholder-password"),
        pytest.param("not a url", "not a url", id="text"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        pytest.param("api_key", True, id="api_key"),
        pytest.param("APIKEY", True, id="APIKEY"),
        pytest.param("api_keys", True, id="api_keys"),
        pytest.param("Authorization", True, id="header"),
        pytest.param("client_secret", True, id="client_secret"),
        pytest.param("api_base_url", False, id="url"),
        pytest.param("models", False, id="models"),
    ],
)
def test_is_secret_key(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_placeholder_rule() -> None:
    assert is_placeholder(" $A_B ") and not is_placeholder("$lower") and not is_placeholder("x$A")


RAW: dict[str, Any] = {
    "APIKEY": "router-key-abcdef-0001",
    "PROXY_URL": "http://me:proxy-password-99@proxy:3128",
    "Providers": [
        {"name": "a", "api_base_url": "https://a.example/v1", "api_key": "sk-aaaaaaaaaaaa-1111", "models": ["m"]},
        {"name": "b", "api_base_url": "https://b.example/v1", "api_keys": ["sk-bbbbbbbbbbbb-2222", "short"]},
        {"name": "c", "api_base_url": "https://c.example/v1", "api_key": "$C_KEY", "models": [],
         "transformer": {"use": [["customparams", {"headers": {"Authorization": "Bearer tok-cccccccc-3333"}}]]}},
    ],
    "StatusLine": {"default": {"modules": [{"type": "model", "text": "… {{model}}"}]}},
}  # fmt: skip


def test_masked_document_has_no_secret() -> None:
    text = repr(mask_secrets(RAW).doc)
    for secret in ("router-key-abcdef-0001", "proxy-password-99", "aaaaaaaaaaaa", "bbbbbbbbbbbb", "tok-cccccccc"):
        assert secret not in text
    assert "$C_KEY" in text and "https://a.example/v1" in text


def test_unchanged_masks_restore_to_stored_values() -> None:
    assert restore_secrets(mask_secrets(RAW).doc, RAW) == RAW


def test_providers_matched_by_name_after_reorder_and_edit() -> None:
    doc = mask_secrets(RAW).doc
    doc["Providers"] = [doc["Providers"][1], doc["Providers"][0]]
    doc["Providers"][1]["api_key"] = "sk-new-key"  # typed by the user
    restored = restore_secrets(doc, RAW)
    assert restored["Providers"][0]["api_keys"] == ["sk-bbbbbbbbbbbb-2222", "short"]
    assert restored["Providers"][1]["api_key"] == "sk-new-key"


def test_unknown_mask_in_secret_field_is_an_error_at_its_path() -> None:
    doc = mask_secrets(RAW).doc
    doc["Providers"][0]["api_key"] = "sk-…9999"
    with pytest.raises(ConfigError) as info:
        restore_secrets(doc, RAW)
    assert info.value.path == "Providers[0].api_key"


def test_ambiguous_short_masks_are_an_error() -> None:
    raw = {"Providers": [{"name": "x", "api_key": "abc"}, {"name": "y", "api_key": "xyz"}]}
    doc = mask_secrets(raw).doc
    assert restore_secrets(doc, raw) == raw  # same places: fine
    doc["Providers"].append({"name": "z", "api_key": "…"})
    with pytest.raises(ConfigError, match="several stored keys"):
        restore_secrets(doc, raw)


def test_ellipsis_in_ordinary_text_is_left_alone() -> None:
    doc = mask_secrets(RAW).doc
    doc["StatusLine"]["default"]["modules"][0]["text"] = "…new {{model}}"
    assert restore_secrets(doc, RAW)["StatusLine"]["default"]["modules"][0]["text"] == "…new {{model}}"


def test_scrubber_covers_resolved_environment_values(tmp_path: Any) -> None:
    cfg = config_from_raw(RAW, tmp_path / "config.json", {"C_KEY": "sk-from-environment-4444"})
    scrub = Scrubber(cfg)
    text = "upstream said: invalid key sk-from-environment-4444 (and router-key-abcdef-0001)"
    out = scrub(text)
    assert "sk-from-environment-4444" not in out and "router-key-abcdef-0001" not in out
    assert "sk-…4444" in out


FILE_TEXT = """{
  // providers: the first is the office one
  "Providers": [
    {"name": "a", "api_base_url": "https://u:pa55word-9@a.example/v1?key=qs-secret-12345",
     "api_key": "sk-file-key-abcd1234", "models": ["m"]}, /* a note */
    {"name": "b", "api_base_url": "https://b.example/v1", "api_key": "$B_KEY",
     "models": ["deepseek-r1-distill-llama-70b-specdec"]},
  ],
  APIKEY: 'router-key-0001-xyz', // single quotes, unquoted key
  "Router": {"default": "a,m"},
}
"""


def _shown(text: str, secrets: tuple[str, ...] = ()) -> str | None:
    import json5

    return masked_text(text, json5.loads(text), secrets)


def test_masked_text_keeps_comments_and_layout_and_masks_in_place() -> None:
    shown = _shown(FILE_TEXT)
    assert shown is not None
    for secret in ("sk-file-key-abcd1234", "pa55word-9", "qs-secret-12345", "router-key-0001-xyz"):
        assert secret not in shown
    expected = (
        FILE_TEXT.replace("sk-file-key-abcd1234", "sk-…1234")
        .replace("pa55word-9", "…")
        .replace("qs-secret-12345", "qs-…2345")
        .replace("'router-key-0001-xyz'", '"rou…-xyz"')
    )
    assert shown == expected  # only the secrets changed: comments, quotes, commas, layout as written


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("// providers", "// old key sk-proj-abcdefghijklmnop"), "a provider-shaped key in a comment"),
        (("/* a note */", "/* AIzaSyA-abcdefghijklmnopqrstuvw */"), "a Gemini-shaped key in a comment"),
        (("/* a note */", "/* 9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6 */"), "a long token in a comment"),
        (("/* a note */", "/* router-key-0001-xyz */"), "the router's own key in a comment"),
        (("// single quotes", "// env: hunter2-env"), "a key resolved from the environment"),
    ],
)
def test_masked_text_withheld_when_a_comment_holds_a_key(edit: tuple[str, str], why: str) -> None:
    assert _shown(FILE_TEXT.replace(*edit), secrets=("hunter2-env",)) is None, why


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("/* a note */", "/* see https://github.com/musistudio/claude-code-router/blob/main/README.md */"), "a URL"),
        (("/* a note */", "/* deepseek-r1-distill-llama-70b-specdec was slow */"), "a model id the config shows"),
        (("/* a note */", "/* 2026-11-26, switched to model m */"), "dates and short words"),
    ],
)
def test_masked_text_shown_when_comments_hold_no_key(edit: tuple[str, str], why: str) -> None:
    shown = _shown(FILE_TEXT.replace(*edit))
    assert shown is not None and edit[1] in shown, why


def test_masked_text_of_a_text_that_does_not_parse() -> None:
    assert masked_text("{oops", {}) is None
    assert masked_text("", {}) is None


def test_the_starter_config_is_shown_whole() -> None:
    # What every new user's file starts as: its commented-out providers write keys as $VARs, so
    # the Raw JSON screen shows it as it is.
    from ccr.cli.firstrun import starter_config_text

    text = starter_config_text()
    assert _shown(text) == text
