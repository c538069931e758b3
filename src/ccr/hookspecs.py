"""Plugin hooks (pluggy, project name `ccr`).

An installed package contributes transformers through the entry-point group `ccr`. The entry
point may name a transformer class, a module (its transformer classes are registered), or any
object implementing the hook below:

    from ccr.hookspecs import hookimpl

    @hookimpl
    def ccr_transformers():
        return [MyTransformer]
"""

from __future__ import annotations

import pluggy

PROJECT = "ccr"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class TransformerHooks:
    @hookspec
    def ccr_transformers(self) -> list[type]:  # type: ignore[empty-body]
        """Transformer classes to register (subclasses of `ccr.transformers.base.Transformer`,
        or any class with a `name` and hook methods)."""
