"""Clear messages for the errors local model servers give (llama.cpp, Ollama, LM Studio, vLLM).

The upstream error mapper calls `explain_local_error` with the provider's error object; a string
back replaces its generic message (the HTTP status is kept). Three situations are recognised,
each worded for someone reading it inside Claude Code:

* the prompt is larger than the model's context (llama.cpp `exceed_context_size_error`, vLLM's and
  LM Studio's context-length wording): keep the server's numbers, say how to give the model more
  context or where to route long prompts instead;
* `max_tokens` above what the model can give: name the `maxtoken` transformer;
* 503 `Loading model` (llama.cpp answers it until the model is in memory): temporary, retryable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CONTEXT_WORDS = re.compile(
    r"context (?:size|length|window)|maximum context|exceeds? the (?:available )?context", re.IGNORECASE
)
_MAX_TOKENS_WORDS = re.compile(
    r"max_(?:completion_|new_)?tokens|max(?:imum)? (?:output|completion|new) tokens", re.IGNORECASE
)
_TOO_BIG = re.compile(
    r"too (?:large|big|many)|valid range|at most|must be (?:less|<=|smaller)|exceed|greater than|> ?\d",
    re.IGNORECASE,
)
# llama.cpp: "request (6033 tokens) exceeds the available context size (4096 tokens)"
_LLAMA_NUMBERS = re.compile(r"\((\d+) tokens\) exceeds the available context size \((\d+) tokens\)")
# LM Studio: "Trying to keep the first 5000 tokens when context the overflows. However, the model is
# loaded with context length of only 4096 tokens, which is not enough."
_LMSTUDIO_NUMBERS = re.compile(r"keep the first (\d+) tokens.*context length of only (\d+) tokens", re.DOTALL)
# vLLM: "maximum context length is 4096 tokens. However, you requested 5000 tokens (4990 in the
# messages, 10 in the completion)" or "... your request has 6000 input tokens"
_VLLM_CTX = re.compile(r"maximum context length is (\d+) tokens", re.IGNORECASE)
_VLLM_PROMPT = re.compile(r"(\d+) in the messages|has (\d+) input tokens", re.IGNORECASE)
_VLLM_COMPLETION = re.compile(r"(\d+) in the completion", re.IGNORECASE)

# Claude Code shows only about the first 300 characters of an error message: what happened and
# what to do come first, the server's own words last.
CONTEXT_ADVICE = (
    "Route long prompts elsewhere (Router.longContext and longContextThreshold{threshold}) or raise "
    "the server's context (llama.cpp -c, Ollama num_ctx, LM Studio context length, vLLM --max-model-len)."
)
MAXTOKEN_ADVICE = (
    "Cap it for this provider with the maxtoken transformer, e.g. "
    '"transformer": {{"use": [["maxtoken", {{"max_tokens": {cap}}}]]}} '
    "(Claude Code asks for up to 128000)."
)


def explain_local_error(status: int, body: Mapping[str, Any], provider: str, model: str) -> str | None:
    """A better message for a local server's error, or None when it is not one we know."""
    err = _error_object(body)
    message = str(err.get("message") or "")
    where = f"{provider},{model}"
    if is_loading_model(status, err):
        return (
            f"{where}: the model server is still loading the model ({status} {message or 'Loading model'}). "
            "This is temporary: retry in a few seconds."
        )
    if status not in (400, 413, 422):
        return None
    kind = "context" if err.get("type") == "exceed_context_size_error" else _kind_of(message)
    if kind == "max_tokens":
        return _max_tokens_message(where, message)
    if kind == "context":
        return _context_message(where, err, message)
    return None


def is_loading_model(status: int, body: Mapping[str, Any]) -> bool:
    """llama.cpp's 503 while the model loads: retry it; the server is not broken."""
    if status != 503:
        return False
    err = _error_object(body)
    return "loading model" in str(err.get("message") or "").lower() or err.get("type") == "unavailable_error"


def _error_object(body: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = body.get("error")
    return inner if isinstance(inner, Mapping) else body


def _kind_of(message: str) -> str | None:
    """ "context" (the prompt does not fit), "max_tokens" (the reply would not) or None."""
    prompt, ctx, completion = _vllm_numbers(message)
    asks_max_tokens = bool(_MAX_TOKENS_WORDS.search(message))
    if prompt is not None and ctx is not None:
        # vLLM words both cases alike; its numbers tell which part does not fit.
        return "context" if prompt >= ctx else ("max_tokens" if completion or asks_max_tokens else "context")
    if asks_max_tokens and _TOO_BIG.search(message):
        return "max_tokens"
    return "context" if _CONTEXT_WORDS.search(message) else None


def _context_message(where: str, err: Mapping[str, Any], message: str) -> str:
    prompt, ctx = _int(err.get("n_prompt_tokens")), _int(err.get("n_ctx"))
    found = _LLAMA_NUMBERS.search(message) or _LMSTUDIO_NUMBERS.search(message)
    if found:
        prompt, ctx = prompt or int(found.group(1)), ctx or int(found.group(2))
    if prompt is None or ctx is None:
        vprompt, vctx, _ = _vllm_numbers(message)
        prompt, ctx = prompt or vprompt, ctx or vctx
    if prompt is not None and ctx is not None:
        size = f"the prompt ({prompt} tokens) does not fit this model's context ({ctx} tokens)."
    elif ctx is not None:
        size = f"the prompt does not fit this model's context ({ctx} tokens)."
    else:
        size = "the prompt does not fit this model's context."
    threshold = f" below {ctx}" if ctx else ""
    advice = CONTEXT_ADVICE.format(threshold=threshold)
    return f'{where}: {size} {advice} Server said: "{message}"'


def _max_tokens_message(where: str, message: str) -> str:
    _, ctx, _ = _vllm_numbers(message)
    cap = min(ctx // 2, 8192) if ctx else 8192
    advice = MAXTOKEN_ADVICE.format(cap=cap)
    return f'{where}: max_tokens is more than this model can give. {advice} Server said: "{message}"'


def _vllm_numbers(message: str) -> tuple[int | None, int | None, int | None]:
    """(prompt tokens, context length, completion tokens) from vLLM's wording, where present."""
    ctx = _VLLM_CTX.search(message)
    prompt = _VLLM_PROMPT.search(message)
    completion = _VLLM_COMPLETION.search(message)
    return (
        int(prompt.group(1) or prompt.group(2)) if prompt else None,
        int(ctx.group(1)) if ctx else None,
        int(completion.group(1)) if completion else None,
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
