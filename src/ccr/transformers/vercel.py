"""`vercel`: the Vercel AI Gateway (OpenAI-compatible, many vendors behind one key).

Same handling as `openrouter` (the gateway follows OpenRouter's reasoning and cache conventions);
options are merged into the body, e.g. `{"providerOptions": {"gateway": {"order": ["vertex"]}}}`.
"""

from __future__ import annotations

from typing import ClassVar

from ccr.transformers.openrouter import Gateway
from ccr.transformers.registry import builtin


@builtin
class Vercel(Gateway):
    name = "vercel"
    description = "Vercel AI Gateway: as openrouter (Claude cache breakpoints, reasoning details kept)"
    options_doc: ClassVar[dict[str, str]] = {
        "<any field>": 'merged into the body, e.g. {"providerOptions": {"gateway": {"order": ["vertex"]}}}'
    }
