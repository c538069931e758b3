"""Finding a key path or a syntax error in config text (pure)."""

from __future__ import annotations

import pytest

from ccr.server.routes.api_json5pos import locate, split_path

TEXT = """{
  // comment with "Providers": [ inside
  PORT: 3456,
  'Providers': [
    {
      name: "a,b",  /* block
      comment */
      "api_base_url": "https://x/v1",
      models: ["m1", "m2",],
    },
    { "name": "second", "transformer": { "use": [["maxtoken", {"max_tokens": 5}]] } },
  ],
  Router: { default: "a,m1" },
}
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        pytest.param("PORT", (3, 3), id="unquoted-key"),
        pytest.param("Providers", (4, 3), id="single-quoted-key"),
        pytest.param("Providers[0].api_base_url", (8, 7), id="after-block-comment"),
        pytest.param("Providers[0].models[1]", (9, 22), id="array-item"),
        pytest.param("Providers[1].transformer.use", (11, 42), id="same-line-nesting"),
        pytest.param("Router.default", (13, 13), id="inline-object"),
        pytest.param("Providers[1].api_base_url", (11, 5), id="missing-key-points-at-parent"),
        pytest.param("Nothing.here", None, id="unknown"),
    ],
)
def test_locate(path: str, where: tuple[int, int] | None) -> None:
    assert locate(TEXT, path) == where


def test_lowercase_providers_alias() -> None:
    assert locate('{"providers": [{"name": "x"}]}', "Providers[0].name") == (1, 17)


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        pytest.param("Providers[2].api_base_url", ("Providers", 2, "api_base_url"), id="index"),
        pytest.param("fallback.default[0]", ("fallback", "default", 0), id="nested"),
        pytest.param("PORT", ("PORT",), id="top"),
    ],
)
def test_split_path(path: str, parts: tuple[object, ...]) -> None:
    assert split_path(path) == parts
