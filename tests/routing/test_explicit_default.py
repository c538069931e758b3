"""Default and explicit `provider,model` routing, and what happens when nothing routes."""

from __future__ import annotations

import pytest

from ccr.errors import RequestError, UnknownModelError
from ccr.routing.router import Router
from tests.routing.helpers import ROUTER, body, make_config, request, router


@pytest.mark.parametrize(
    ("model", "provider", "upstream"),
    [
        pytest.param("deepseek,deepseek-reasoner", "deepseek", "deepseek-reasoner", id="exact"),
        pytest.param("DeepSeek,DEEPSEEK-CHAT", "deepseek", "deepseek-chat", id="case-insensitive"),
        pytest.param("openrouter,qwen/qwen3-vl", "OpenRouter", "Qwen/Qwen3-VL", id="configured-spelling"),
        pytest.param(" ollama , qwen2.5-coder:latest ", "ollama", "qwen2.5-coder:latest", id="spaces"),
    ],
)
async def test_explicit_model_is_honoured_with_configured_spelling(model: str, provider: str, upstream: str) -> None:
    decision = await router().route(request(body(model=model)))
    assert (decision.scenario, decision.provider, decision.model) == ("explicit", provider, upstream)


async def test_explicit_beats_think_and_background() -> None:
    # /model deepseek,deepseek-chat must stick even on a thinking turn of a haiku-named request
    data = body(model="deepseek,deepseek-chat", thinking={"type": "enabled", "budget_tokens": 1024})
    decision = await router().route(request(data))
    assert decision.target == "deepseek,deepseek-chat"
    assert decision.scenario == "explicit"


@pytest.mark.parametrize(
    "model",
    [
        pytest.param("deepseek,gpt-4o", id="unknown-model"),
        pytest.param("nosuch,deepseek-chat", id="unknown-provider"),
        pytest.param("deepseek,", id="empty-model"),
    ],
)
async def test_unknown_explicit_model_is_400_listing_valid_ids(model: str) -> None:
    with pytest.raises(UnknownModelError) as info:
        await router().route(request(body(model=model)))
    assert info.value.status == 400
    assert model in info.value.message
    assert "deepseek,deepseek-chat" in info.value.message
    assert "OpenRouter,Qwen/Qwen3-VL" in info.value.message


async def test_router_slot_model_not_listed_by_provider_is_still_valid_explicitly() -> None:
    cfg = make_config({**ROUTER, "default": "deepseek,deepseek-v4"})
    decision = await router(cfg).route(request(body(model="deepseek,DeepSeek-V4")))
    assert decision.target == "deepseek,deepseek-v4"


async def test_provider_without_models_list_accepts_any_model() -> None:
    providers = [{"name": "local", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "x"}]
    cfg = make_config({"default": "local,a"}, Providers=providers)
    decision = await router(cfg).route(request(body(model="LOCAL,some-model")))
    assert decision.target == "local,some-model"


async def test_default_route() -> None:
    decision = await router().route(request(body()))
    assert decision.target == "deepseek,deepseek-chat"
    assert decision.scenario == "default"
    assert decision.reason


async def test_nothing_routes_names_the_key_to_set() -> None:
    with pytest.raises(RequestError) as info:
        await router(make_config({})).route(request(body()))
    assert info.value.status == 400
    assert "Router.default" in info.value.message


async def test_decision_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="ccr.routing")
    await router().route(request(body(model="deepseek,deepseek-reasoner")))
    assert "route=explicit client asked for deepseek,deepseek-reasoner -> deepseek,deepseek-reasoner" in caplog.text


async def test_session_usage_can_survive_a_config_reload() -> None:
    first = router()
    first.record_usage("s1", {"input_tokens": 70000})
    second = Router(make_config(), sessions=first.sessions)
    assert second.sessions.last_prompt_tokens("s1") == 70000
