"""A provider that reports no usage (some local servers): output tokens are counted by the router,
streamed or not, and the request's log line says they are estimated."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.protocol.tokens import count_text
from ccr.testing import MockResponse, MockUpstream, openai_completion, openai_text_chunks, run_router
from tests.server.conftest import APIKEY, base_config

TEXT = "The answer, counted by the router itself."
USER = [{"role": "user", "content": "hi"}]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "route=" in record.getMessage():
            self.lines.append(record.getMessage())


@pytest.fixture
def request_log() -> Iterator[Lines]:
    """The request log lines (`ccr.request`), however the `ccr` loggers are set up."""
    logger, handler = logging.getLogger("ccr.request"), Lines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.setLevel(level)
    logger.removeHandler(handler)


def _ask(url: str, stream: bool) -> Any:
    with anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30) as client:
        if stream:
            with client.messages.stream(model="m", max_tokens=50, messages=USER) as s:
                return s.get_final_message()
        return client.messages.create(model="m", max_tokens=50, messages=USER)


@pytest.mark.parametrize(
    ("answer", "stream"),
    [
        pytest.param(MockResponse.json(openai_completion(TEXT, usage=None)), False, id="json"),
        pytest.param(MockResponse.sse(openai_text_chunks(TEXT, usage=None)), True, id="stream"),
    ],
)
def test_output_is_counted_when_the_provider_reports_none(
    upstream: MockUpstream, tmp_path: Path, request_log: Lines, answer: MockResponse, stream: bool
) -> None:
    upstream.enqueue(answer)
    with run_router(base_config(upstream), tmp_path) as url:
        message = _ask(url, stream)
    assert message.content[0].text == TEXT
    assert message.usage.output_tokens == count_text(TEXT)
    (line,) = request_log.lines
    assert f"out={count_text(TEXT)} (estimated)" in line


@pytest.mark.parametrize("stream", [pytest.param(False, id="json"), pytest.param(True, id="stream")])
def test_reported_usage_is_used_as_is(upstream: MockUpstream, tmp_path: Path, request_log: Lines, stream: bool) -> None:
    upstream.enqueue(MockResponse.text_or_stream(TEXT))  # the mock reports 10 in, 5 out
    with run_router(base_config(upstream), tmp_path) as url:
        message = _ask(url, stream)
    assert message.usage.output_tokens == 5
    (line,) = request_log.lines
    assert "out=5 latency" in line and "estimated" not in line
