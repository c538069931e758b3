"""Getting an answer from some provider: retries with backoff, key rotation, circuit breaker,
then the scenario's fallback models — all before the answer's first content reaches the client.

`open_upstream` runs that plan until a provider answers 2xx. A stream that then fails before its
first content block (only the head, `message_start` and pings went out) goes on with the rest of
the plan through `resume_upstream`, as if the failure had come with the status line."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ccr.errors import CcrError, UpstreamError
from ccr.routing.decision import RouteDecision
from ccr.server.upstream_errors import http_error, transport_error
from ccr.transformers.base import RequestContext
from ccr.upstream.resilience import KEY_COOLDOWN_S, RETRYABLE_STATUS, backoff_delay, retry_after_seconds
from ccr.upstream.transport import TransportError

if TYPE_CHECKING:
    from ccr.server.exchange import Exchange
    from ccr.server.state import AppState

log = logging.getLogger("ccr.request")
_ERROR_BODY_LIMIT = 64 * 1024
# Scenarios without their own fallback list use the default one (as CCR 2.0 does).
_FALLBACK_SCENARIO = {"explicit": "default", "custom": "default", "subagent": "default"}


class _Failed(Exception):
    def __init__(self, error: CcrError, retryable: bool, wait: float | None) -> None:
        self.error, self.retryable, self.wait = error, retryable, wait


def fallback_targets(ex: Exchange, routed: RouteDecision | None = None) -> Iterator[RouteDecision]:
    """The fallbacks of the router's decision (`routed`, default `ex.decision`), in order."""
    routed = routed or ex.decision
    assert routed is not None
    cfg = ex.runtime.config
    scenario = routed.scenario
    chain = cfg.fallback.get(scenario) or cfg.fallback.get(_FALLBACK_SCENARIO.get(scenario, ""), ())
    for target in chain:
        name, _, model = target.partition(",")
        provider = cfg.provider(name)
        if provider is None or target == routed.target:
            continue
        model = provider.find_model(model.strip()) or model.strip()
        yield RouteDecision(provider.name, model, "fallback", f"fallback for {scenario}")


async def open_upstream(
    ex: Exchange,
    state: AppState,
    body: dict[str, Any],
    headers: dict[str, str],
    resume: tuple[Iterator[RouteDecision], int, UpstreamError] | None = None,
) -> None:
    """Leave `ex.upstream` open on a 2xx answer, or raise the most telling error.

    `resume` (from `resume_upstream`): the targets left, the attempt the current one (if among
    them) goes on from, and the error that stopped it."""
    assert ex.decision is not None
    first = ex.decision
    last: CcrError | None
    targets, again, last = (_targets(ex), 0, None) if resume is None else resume
    for target in targets:
        if not state.breaker.allow(target.provider):
            wait = state.breaker.remaining(target.provider)
            last = last or UpstreamError(
                f"{target.target}: skipped, the provider failed repeatedly and rests for {wait:.0f}s more",
                status=503,
            )
            continue
        try:
            await _with_retries(ex, state, target, body, headers, again if target is first else 0)
        except CcrError as err:
            if not isinstance(err, UpstreamError):
                raise  # our own or the client's problem: another provider would not help
            log.warning("%s failed: %s", target.target, err.message)
            last = err if last is None or target is first else last
            continue
        if target is not first:
            log.info("served by fallback %s after %s failed", target.target, first.target)
            ex.routed = ex.routed or first
            ex.decision = target
        return
    assert last is not None
    raise last


def _targets(ex: Exchange) -> Iterator[RouteDecision]:
    """The routed target, then — only once it has failed — the scenario's fallbacks.

    A chain over a generator not yet started: when the first target answers, the generator is
    dropped unstarted, which costs nothing — closing a started one raises GeneratorExit in it."""
    assert ex.decision is not None
    return itertools.chain((ex.decision,), fallback_targets(ex))


async def resume_upstream(
    ex: Exchange, state: AppState, failure: UpstreamError, *, client_saw_events: bool = True
) -> None:
    """The open stream failed before its first content block: open the next upstream of the plan.

    The current target is retried if the failure's status is retryable (a reset or a timeout
    counts as a 502; an error event has its own code) and it has attempts left (after a backoff),
    then come the fallbacks of the router's decision that follow it. When the client already has
    our `message_start` (`client_saw_events`), targets on an Anthropic-native provider are left
    out: their stream brings its own. Raises the most telling error when none answers."""
    assert ex.decision is not None and ex.ctx is not None and ex.upstream is not None
    current, ctx, settings = ex.decision, ex.ctx, ex.runtime.config.retry
    retryable = failure.status in RETRYABLE_STATUS
    ex.upstream.close()
    if retryable:
        state.breaker.failure(current.provider)
    if failure.status in KEY_COOLDOWN_S:
        state.keys.cool(ctx.provider, ctx.api_key, KEY_COOLDOWN_S[failure.status])
    later = list(fallback_targets(ex, ex.routed))
    if ex.routed is not None:  # the current target is itself a fallback: only those after it
        names = [t.target for t in later]
        later = later[names.index(current.target) + 1 :] if current.target in names else []
    if client_saw_events:
        later = [t for t in later if not ex.runtime.pipelines.get(t.provider, t.model).passthrough]
    again = ex.attempt + 1
    same = retryable and again <= settings.attempts
    log.warning(
        "%s failed before its first token: %s; %s", current.target, failure.message,
        "retrying" if same else "trying the fallbacks" if later else "no retry or fallback left",
    )  # fmt: skip
    if same:
        delay = min(backoff_delay(ex.attempt, settings.base_delay_ms / 1000), settings.max_delay_ms / 1000)
        await asyncio.sleep(delay)
    targets = itertools.chain((current,) if same else (), later)
    body = ctx.anthropic_body or {}
    await open_upstream(ex, state, body, dict(ctx.client_headers), (targets, again, failure))


async def _with_retries(
    ex: Exchange,
    state: AppState,
    target: RouteDecision,
    body: dict[str, Any],
    headers: dict[str, str],
    first_attempt: int = 0,
) -> None:
    settings = ex.runtime.config.retry
    budget = settings.max_delay_ms / 1000
    waited = 0.0
    for attempt in range(first_attempt, settings.attempts + 1):
        try:
            await _attempt(ex, state, target, body, headers)
            state.breaker.success(target.provider)
            ex.attempt = attempt
            return
        except _Failed as failed:
            if not failed.retryable or attempt == settings.attempts:
                raise failed.error from None
            delay = failed.wait if failed.wait is not None else backoff_delay(attempt, settings.base_delay_ms / 1000)
            if waited + delay > budget:
                raise failed.error from None
            log.info("retrying %s in %.2fs: %s", target.target, delay, failed.error.message)
            waited += delay
            await asyncio.sleep(delay)


async def _attempt(
    ex: Exchange, state: AppState, target: RouteDecision, body: dict[str, Any], headers: dict[str, str]
) -> None:
    pipeline = ex.runtime.pipelines.get(target.provider, target.model)
    provider = pipeline.provider
    key = state.keys.pick(provider)
    ctx = RequestContext(
        provider=provider, model=target.model, stream=ex.stream, scenario=target.scenario,
        requested_model=str(body.get("model") or ""), api_key=key, client_headers=headers,
        anthropic_body=body, session_id=ex.session_id,
    )  # fmt: skip
    if pipeline.needs_prepare:
        try:
            await pipeline.endpoint.prepare(ctx)
        except TransportError as exc:
            raise _Failed(
                transport_error(provider.name, target.model, exc, provider.api_base_url), True, None
            ) from None
    request = pipeline.build(body, ctx)
    timeouts = ex.runtime.timeouts[ex.stream]
    started = time.perf_counter()
    poll = state.busy_poll
    polled = poll.arm(poll.after_send, state.in_flight)  # a lone request only: see busy_poll.py
    try:
        resp = await state.transport.send(request, timeouts)
    except TransportError as exc:
        state.breaker.failure(provider.name)
        raise _Failed(transport_error(provider.name, target.model, exc, provider.api_base_url), True, None) from None
    finally:
        if polled:
            poll.settle(poll.after_send)
    if resp.status < 400:
        ex.pipeline, ex.ctx, ex.upstream = pipeline, ctx, resp
        ex.upstream_started = started
        return
    try:
        data = await resp.read(_ERROR_BODY_LIMIT)
    except TransportError:
        data = b""
    finally:
        resp.close()
    error = http_error(provider.name, target.model, resp.status, data, secrets=provider.key_list())
    wait = retry_after_seconds(resp.headers)
    if resp.status in KEY_COOLDOWN_S:
        # `Retry-After: 0` means "now", not "use the default cool-down".
        state.keys.cool(provider, key, KEY_COOLDOWN_S[resp.status] if wait is None else wait)
    other_key = resp.status in KEY_COOLDOWN_S and state.keys.has_other(provider, key)
    if other_key:
        wait = 0.0  # the next try uses another key: no reason to wait
    if resp.status in RETRYABLE_STATUS:
        state.breaker.failure(provider.name)
    raise _Failed(error, resp.status in RETRYABLE_STATUS or other_key, wait)
