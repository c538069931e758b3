"""Editing the config text in place: only what changed is rewritten, comments and layout stay."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import json5
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccr.config.json5_text import offsets, patch, same

TEXT = """// my router
{
  // the port Claude Code talks to
  "PORT": 3456,
  LOG: true, // unquoted key
  "Providers": [
    // the local one
    {
      "name": "ollama",
      "models": ["a", "b"],
    },
    // the paid one
    {"name": "deepseek", "models": ["chat"]},
  ],
  "Router": {
    "default": "ollama,a", // what most requests use
    "think": "deepseek,chat",
  },
}
"""


def edited(change: Any) -> tuple[str, Any]:
    new = copy.deepcopy(json5.loads(TEXT))
    change(new)
    out = patch(TEXT, json5.loads(TEXT), new)
    assert out is not None
    assert same(json5.loads(out), new), out
    return out, new


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(doc: Any) -> None:
        for part in path[:-1]:
            doc = doc[part]
        doc[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Any:
    def change(doc: Any) -> None:
        for part in path[:-1]:
            doc = doc[part]
        del doc[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "present", "absent"),
    [
        pytest.param(
            _set(("Router", "default"), "deepseek,chat"),
            ['"default": "deepseek,chat", // what most'],
            ['"ollama,a"'],
            id="a-route",
        ),
        pytest.param(_set(("PORT",), 4000), ['"PORT": 4000,'], ["3456"], id="a-number"),
        pytest.param(_set(("LOG",), False), ["LOG: false, // unquoted key"], [], id="an-unquoted-key"),
        pytest.param(_set(("Providers", 0, "models", 1), "c"), ['["a", "c"]'], [], id="an-array-item"),
        pytest.param(
            _drop(("Router", "think")), ['"default": "ollama,a", // what most'], ["think"], id="remove-last-member"
        ),
        pytest.param(_drop(("PORT",)), ["// the port", "LOG: true"], ["3456"], id="remove-first-member"),
        pytest.param(_drop(("LOG",)), ['"PORT": 3456,', '"Providers"'], ["LOG"], id="remove-middle-member"),
        pytest.param(
            _set(("Router", "background"), "ollama,b"),
            ['"think": "deepseek,chat",\n    "background": "ollama,b"'],
            [],
            id="add-a-member",
        ),
        pytest.param(
            _set(("Router", "default"), {"x": [1]}),
            ['"default": {\n      "x": [\n        1\n      ]\n    }'],
            [],
            id="a-type-change",
        ),
        pytest.param(
            lambda doc: doc["Providers"].append({"name": "new", "models": ["m"]}),
            ['{"name": "deepseek", "models": ["chat"]},\n    {\n      "name": "new"', "// the paid one"],
            [],
            id="append-a-provider",
        ),
        pytest.param(
            lambda doc: doc["Providers"].pop(0), ["// the paid one", '"deepseek"'], ['"ollama"'], id="remove-a-provider"
        ),
        pytest.param(
            lambda doc: doc["Providers"].pop(1),
            ["// the local one", '"ollama"'],
            ['"deepseek"'],
            id="remove-the-last-provider",
        ),
        pytest.param(lambda doc: doc["Router"].clear(), ['"Router": {}'], ["think"], id="empty-an-object"),
    ],
)
def test_only_what_changed_is_rewritten(change: Any, present: list[str], absent: list[str]) -> None:
    out, _ = edited(change)
    assert out.startswith("// my router\n{\n  // the port Claude Code talks to\n")  # comments above stay
    for piece in present:
        assert piece in out, out
    for piece in absent:
        assert piece not in out, out


def test_an_empty_object_gets_members_on_their_own_lines() -> None:
    text = '{\n  "Router": {},\n}\n'
    out = patch(text, json5.loads(text), {"Router": {"default": "p,m"}})
    assert out == '{\n  "Router": {\n    "default": "p,m"\n  },\n}\n'


@pytest.mark.parametrize(
    ("text", "new", "expected"),
    [
        pytest.param('{\n  "a": 1,\n  "b": 2\n}\n', {"a": 1}, '{\n  "a": 1\n}\n', id="json-last"),
        pytest.param(
            '{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}\n', {"a": 1, "c": 3}, '{\n  "a": 1,\n  "c": 3\n}\n', id="json-middle"
        ),
        pytest.param('{\n  "a": 1,\n  "b": 2\n}\n', {"b": 2}, '{\n  "b": 2\n}\n', id="json-first"),
        pytest.param('{\n  "a": 1,\n  "b": 2, // b\n}\n', {"a": 1}, '{\n  "a": 1,\n}\n', id="json5-last-with-comment"),
        pytest.param('{"a": 1, "b": 2, "c": 3}', {"a": 1, "c": 3}, '{"a": 1, "c": 3}', id="one-line"),
        pytest.param('{"a": 1, "b": 2}', {"a": 1}, '{"a": 1}', id="one-line-last"),
        pytest.param("[\n  1,\n  2,\n  3\n]\n", [1, 3], "[\n  1,\n  3\n]\n", id="array-item"),
    ],
)
def test_removals_leave_no_gaps(text: str, new: Any, expected: str) -> None:
    assert patch(text, json5.loads(text), new) == expected


def test_every_member_removed_leaves_an_empty_object() -> None:
    text = '{"a": 1, /* note */ "b": 2}'
    assert patch(text, json5.loads(text), {}) == "{}"


@pytest.mark.parametrize(
    ("text", "new", "expected"),
    [
        pytest.param('{"a\\u0062": 1}', {"ab": 2}, '{"a\\u0062": 2}', id="escaped-key"),
        pytest.param('{"a\\u0062": 1}', {"a\\u0062": 2}, '{\n  "a\\\\u0062": 2\n}', id="backslash-in-a-new-key"),
        pytest.param("{a\\u0062: 1}", {"ab": 3}, "{a\\u0062: 3}", id="escaped-unquoted-key"),
    ],
)
def test_keys_are_matched_as_json5_reads_them(text: str, new: Any, expected: str) -> None:
    out = patch(text, json5.loads(text), new)
    assert out == expected
    assert same(json5.loads(out), new)


def test_duplicate_keys_are_left_to_a_full_rewrite() -> None:
    text = '{"a": 1, "a": 2}'
    assert patch(text, json5.loads(text), {"a": 3}) is None


def test_text_that_does_not_scan_gives_none() -> None:
    assert patch('{"a": ', {"a": 1}, {"a": 2}) is None


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, True, False),
        (1, 1.0, False),
        ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, True),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        ([1, 2], [2, 1], False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
    ],
)
def test_same_is_json_equality(a: Any, b: Any, equal: bool) -> None:
    assert same(a, b) is equal


def test_offsets_point_at_keys_and_items() -> None:
    found = offsets(TEXT)
    assert TEXT[found[("Router", "think")] :].startswith('"think"')
    assert TEXT[found[("Providers", 1)] :].startswith('{"name": "deepseek"')
    assert TEXT[found[("LOG",)] :].startswith("LOG: true")


STARTER = resources.files("ccr").joinpath("data/starter-config.json5").read_text(encoding="utf-8")
_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5), st.lists(st.integers(0, 3), max_size=2)
)


PLAIN = json.dumps(json5.loads(STARTER), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("base", [STARTER, PLAIN], ids=["commented-starter", "plain-json"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_edit_parses_to_the_new_document(base: str, data: st.DataObject) -> None:
    """Random sets, removals and additions anywhere in the starter config: the edited text always
    parses to the new document, and a plain JSON file stays plain JSON."""
    old = json5.loads(base)
    new = copy.deepcopy(old)
    for _ in range(data.draw(st.integers(1, 4))):
        target: Any = new
        while isinstance(target, dict | list) and target and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(list(target) if isinstance(target, dict) else range(len(target))))
            if not isinstance(target[key], dict | list):
                break
            target = target[key]
        action = data.draw(st.sampled_from(["set", "drop", "add"]))
        if isinstance(target, dict):
            if action == "add" or not target:
                target[data.draw(st.text(min_size=1, max_size=4))] = data.draw(_leaf)
            elif action == "drop":
                del target[data.draw(st.sampled_from(list(target)))]
            else:
                target[data.draw(st.sampled_from(list(target)))] = data.draw(_leaf)
        elif isinstance(target, list):
            if action == "add" or not target:
                target.append(data.draw(_leaf))
            elif action == "drop":
                target.pop(data.draw(st.integers(0, len(target) - 1)))
            else:
                target[data.draw(st.integers(0, len(target) - 1))] = data.draw(_leaf)
    out = patch(base, old, new)
    assert out is not None
    assert same(json5.loads(out), new), out
    if base is PLAIN:
        assert same(json.loads(out), new), out
    else:
        assert out.startswith("// claude-code-router (Python) configuration.")
