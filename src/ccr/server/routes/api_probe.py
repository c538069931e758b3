""" "Test this provider": one tiny real request through the same pipeline as `/v1/messages`.

The decision is explicit (`provider,model`, scenario `test`), so neither the custom router nor a
fallback can answer in the provider's place. The UI may send its unsaved draft config: the test
then runs on a runtime built from it (secrets restored from the file), which is thrown away after.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from ccr.errors import CcrError, RequestError
from ccr.routing.decision import RouteDecision
from ccr.server.exchange import Exchange
from ccr.server.routes.api_config import ConfigService, build_checked
from ccr.server.routes.api_secrets import scrubber_for
from ccr.server.state import Runtime
from ccr.upstream.transport import TransportError

PROMPT = "Reply with the single word: pong"
MAX_TOKENS = 32


def _test_body(target: str) -> dict[str, Any]:
    return {
        "model": target,
        "max_tokens": MAX_TOKENS,
        "stream": False,
        "messages": [{"role": "user", "content": PROMPT}],
    }


def _reply_text(answer: bytes) -> str:
    try:
        message = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return ""
    blocks = message.get("content") if isinstance(message, dict) else None
    texts = [b.get("text", "") for b in blocks or [] if isinstance(b, dict) and b.get("type") == "text"]
    return "".join(texts).strip()[:200]


class ProviderProbe:
    def __init__(self, configs: ConfigService) -> None:
        self.configs = configs
        self.state = configs.state

    def _runtime(self, body: dict[str, Any]) -> Runtime:
        draft = body.get("config")
        if not isinstance(draft, dict):
            return self.state.runtime
        raw = self.configs.restore(draft, None)
        return build_checked(raw, self.configs.path, None)[1]

    @staticmethod
    def _target(runtime: Runtime, body: dict[str, Any]) -> RouteDecision:
        name = body.get("provider")
        if not isinstance(name, str) or not name.strip():
            raise RequestError('send {"provider": "<name>", "model": "<model>"}')
        provider = runtime.config.provider(name)
        if provider is None:
            known = ", ".join(p.name for p in runtime.config.Providers) or "none"
            raise RequestError(f"no provider named {name!r} (known: {known})")
        model = body.get("model")
        if not isinstance(model, str) or not model.strip():
            if not provider.models:
                raise RequestError(f"provider {provider.name} lists no models; name one to test")
            model = provider.models[0]
        model = provider.find_model(model.strip()) or model.strip()
        return RouteDecision(provider.name, model, "test", "web UI provider test")

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Raises Invalid/RequestError for a bad question; a provider failure is a normal answer."""
        runtime = self._runtime(body)
        decision = self._target(runtime, body)
        ex = Exchange(runtime=runtime, started=time.perf_counter(), decision=decision)
        reply = ""
        try:
            await ex.open(self.state, _test_body(decision.target), {})
            assert ex.upstream is not None
            try:
                data = await ex.upstream.read()
            finally:
                ex.upstream.close()
            ex.mark_first_byte()
            reply = _reply_text(ex.json_answer(data))
        except CcrError as err:
            ex.status, ex.error = err.status, err.message
        except TransportError as exc:
            ex.status, ex.error = 502, f"{decision.target}: {exc}"
        finally:
            ex.finish(self.state)
        return self._result(ex, reply)

    def _result(self, ex: Exchange, reply: str) -> dict[str, Any]:
        rec = self.state.stats.recent[-1]
        scrub = scrubber_for(ex.runtime.config)
        return {
            "ok": ex.error is None,
            "target": ex.decision.target if ex.decision else None,
            "status": ex.status,
            "latency_ms": rec.latency_ms,
            "input_tokens": rec.input_tokens,
            "output_tokens": rec.output_tokens,
            "reply": reply,
            "error": scrub(ex.error) if ex.error else None,
        }
