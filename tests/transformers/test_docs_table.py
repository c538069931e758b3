"""docs/transformers.md describes every built-in transformer, with exactly the options it reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccr.transformers.registry import Registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "transformers.md"
ROW = re.compile(r"^\| `([a-z-]+)`[^|]*\|.*\|([^|]*)\|\s*$")


def _doc_options() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = set(re.findall(r"`([A-Za-z_]+)`", match.group(2)))
    return rows


def _code_options(options_doc: dict[str, str]) -> set[str] | None:
    """The option names a class documents (`a / b` and `a + b` keys name two); None for
    transformers that take any body field (their docs row gives examples instead)."""
    if any("<" in key for key in options_doc):
        return None
    return {name for key in options_doc for name in re.split(r"[ /+,]+", key) if name}


@pytest.mark.parametrize("cls", list(Registry().classes()), ids=lambda cls: cls.name)
def test_every_builtin_has_a_row_with_its_options(cls: type) -> None:
    rows = _doc_options()
    assert cls.name in rows, f"docs/transformers.md has no row for {cls.name}"
    expected = _code_options(getattr(cls, "options_doc", {}) or {})
    if expected is not None:
        assert rows[cls.name] == expected
