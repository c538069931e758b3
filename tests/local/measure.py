"""Measure the local-model figures quoted in docs/local-models.md.

    .venv/bin/python -m tests.local.measure [--runs 3] [--tokens 256]

Starts the real llama.cpp server (1 thread) and our router in front of it, then streams the same
greedy prompt directly from the server (OpenAI SSE) and through the router (Anthropic SSE via the
official SDK), alternating, and prints server start time and generation speed of each path.
Generation speed = completion tokens / time from the first streamed token to the last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import anthropic

from ccr.testing import run_router
from tests.local.llama import ALIAS, LlamaServer, start_llama
from tests.local.shapes import GREEDY

PROMPT = "Write a long story about a dragon who learns to cook."


def direct(server: LlamaServer, tokens: int) -> tuple[int, float, float]:
    """(completion tokens, seconds to first token, seconds from first to last token)."""
    body = {
        "model": ALIAS,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
        **GREEDY,
    }
    req = urllib.request.Request(
        server.url + "/v1/chat/completions", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    start = time.perf_counter()
    first = last = 0.0
    count = 0
    with urllib.request.urlopen(req, timeout=300) as resp:
        for raw in resp:
            line = raw.decode().strip()
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                count = chunk["usage"]["completion_tokens"]
            if any(c.get("delta", {}).get("content") for c in chunk.get("choices", [])):
                last = time.perf_counter()
                first = first or last
    return count, first - start, last - first


def routed(client: anthropic.Anthropic, tokens: int) -> tuple[int, float, float]:
    start = time.perf_counter()
    first = last = 0.0
    with client.messages.stream(
        model=f"llama,{ALIAS}",
        max_tokens=tokens,
        messages=[{"role": "user", "content": PROMPT}],
        extra_body=GREEDY,
    ) as stream:
        for _ in stream.text_stream:
            last = time.perf_counter()
            first = first or last
        count = stream.get_final_message().usage.output_tokens
    return count, first - start, last - first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=256)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_llama(Path(tmp))
        print(f"server start to /health 200: {server.start_seconds:.2f} s")
        config = {"LOG": False, "Providers": [{"name": "llama", "api_base_url": server.url, "models": [ALIAS]}]}
        try:
            with (
                run_router(config, Path(tmp)) as url,
                anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0) as client,
            ):
                direct(server, 8)  # warm the prompt cache for both paths alike
                results: dict[str, list[tuple[int, float, float]]] = {"direct": [], "ccr": []}
                for _ in range(args.runs):
                    results["direct"].append(direct(server, args.tokens))
                    results["ccr"].append(routed(client, args.tokens))
                for name, runs in results.items():
                    rates = [n / span for n, _, span in runs if span > 0]
                    ttft = statistics.median(t for _, t, _ in runs)
                    print(
                        f"{name:>6}: {runs[0][0]} tokens, median {statistics.median(rates):.1f} tok/s "
                        f"(runs: {', '.join(f'{r:.1f}' for r in rates)}), median first token {ttft * 1000:.0f} ms"
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
