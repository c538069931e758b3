"""Plugins: .py files from `transformers[]`, entry points, broken plugins, and the test kit."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from ccr.config.schema import TransformerSpec, validate_config
from ccr.errors import PluginError
from ccr.plugins import load_plugins
from ccr.transformers.base import overrides
from ccr.transformers.registry import Registry
from ccr.transformers.testing import chunks, load_plugin, make_ctx, run_request, run_stream, stream_text

SHOUT = '''
from ccr.transformers.base import Transformer


class Shout(Transformer):
    """Upper-cases the user's words and the answer."""

    name = "shout"
    description = "shouts"

    def request(self, body, ctx):
        suffix = self.options.get("suffix", "")
        for msg in body["messages"]:
            if msg["role"] == "user":
                msg["content"] = msg["content"].upper() + suffix
        return body

    def stream_chunk(self, chunk, ctx):
        delta = chunk["choices"][0]["delta"]
        if delta.get("content"):
            delta["content"] = delta["content"].upper()
        return [chunk]
'''

DUCK = """
class AddHeaderField:
    name = "Stamp"

    def __init__(self, options):
        self.value = options.get("value", "default")

    def request(self, body, ctx):
        body["stamp"] = self.value
        return body
"""


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def config(tmp_path: Path, transformers: list[dict[str, Any]]) -> Any:
    data = {"Providers": [], "transformers": transformers}
    return validate_config(data, path=tmp_path / "config.json")


def test_the_documented_ten_line_plugin_test(tmp_path: Path) -> None:
    path = write(tmp_path, "shout.py", SHOUT)
    t = load_plugin(path, {"suffix": "!"})
    assert run_request(t, {"messages": [{"role": "user", "content": "hi"}]})["messages"][0]["content"] == "HI!"
    assert stream_text(run_stream(t, chunks("a", "b"))) == "AB"


def test_file_plugins_register_by_name_with_default_options(tmp_path: Path) -> None:
    write(tmp_path, "shout.py", SHOUT)
    registry = Registry()
    problems = load_plugins(config(tmp_path, [{"path": "shout.py", "options": {"suffix": "?"}}]), registry)
    assert problems == []
    t = registry.create(TransformerSpec(name="SHOUT"), "Providers[0].transformer.use")
    assert run_request(t, {"messages": [{"role": "user", "content": "x"}]})["messages"][0]["content"] == "X?"
    # per-use options add to the plugin's defaults
    t2 = registry.create(TransformerSpec(name="shout", options={"suffix": "!!"}), "where")
    assert run_request(t2, {"messages": [{"role": "user", "content": "x"}]})["messages"][0]["content"] == "X!!"


def test_a_class_with_a_name_and_hooks_is_adapted(tmp_path: Path) -> None:
    write(tmp_path, "stamp.py", DUCK)
    registry = Registry()
    load_plugins(config(tmp_path, [{"path": str(tmp_path / "stamp.py"), "options": {"value": "v1"}}]), registry)
    t = registry.create(TransformerSpec(name="stamp"), "where")
    assert run_request(t, {"messages": []}) == {"messages": [], "stamp": "v1"}
    assert overrides(t, "request") and not overrides(t, "stream_chunk")  # only its own hooks run


@pytest.mark.parametrize(
    ("filename", "source", "words"),
    [
        pytest.param("boom.py", "raise RuntimeError('kaput')", "RuntimeError: kaput", id="import-error"),
        pytest.param("empty.py", "X = 1\n", "defines no transformer class", id="no-class"),
        pytest.param(
            "asyncy.py",
            "class A:\n    name = 'asyncy'\n    async def request(self, body, ctx):\n        return body\n",
            "is async",
            id="async-hook",
        ),
        pytest.param("my-plugin.js", "module.exports = class {}", "JavaScript plugins cannot run", id="javascript"),
    ],
)
def test_broken_plugins_are_reported_and_answer_with_a_clear_error(
    tmp_path: Path, filename: str, source: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, filename, source)
    registry = Registry()
    problems = load_plugins(config(tmp_path, [{"path": filename}]), registry)
    assert len(problems) == 1 and problems[0].source == str(path) and words in problems[0].error
    assert str(path) in caplog.text and words in caplog.text
    name = path.stem
    assert words in registry.broken[name]
    stand_in = registry.create(TransformerSpec(name=name), "Providers[0].transformer.use")  # startup goes on
    with pytest.raises(PluginError) as err:
        stand_in.request({"messages": []}, make_ctx())
    assert name in err.value.message and str(path) in err.value.message and words in err.value.message
    with pytest.raises(PluginError):
        stand_in.anthropic({}, make_ctx())


def test_server_start_reports_a_broken_plugin_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from ccr.server.state import make_registry

    make_registry(config(tmp_path, [{"path": "plugins/gone.py"}]))
    reports = [r.getMessage() for r in caplog.records if "gone.py" in r.getMessage()]
    assert len(reports) == 1 and "file not found" in reports[0] and "will answer with this error" in reports[0]


def test_missing_file(tmp_path: Path) -> None:
    registry = Registry()
    problems = load_plugins(config(tmp_path, [{"path": "plugins/gone_transformer.py"}]), registry)
    assert "file not found" in problems[0].error
    # the file name's "_transformer" suffix is not part of the expected transformer name
    assert "file not found" in registry.broken["gone"] and "gone_transformer" not in registry.broken


def test_ccr_js_plugins_now_built_in_are_skipped_quietly(tmp_path: Path) -> None:
    registry = Registry()
    problems = load_plugins(
        config(tmp_path, [{"path": "/home/me/.claude-code-router/plugins/gemini-cli.js"}]), registry
    )
    assert problems == []
    assert registry.get("gemini-cli").__module__ == "ccr.transformers.gemini_cli"  # type: ignore[union-attr]


def test_plugin_replaces_a_builtin_of_the_same_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        "mine.py",
        "from ccr.transformers.base import Transformer\nclass D(Transformer):\n    name = 'deepseek'\n",
    )
    registry = Registry()
    load_plugins(config(tmp_path, [{"path": "mine.py"}]), registry)
    assert registry.get("deepseek").__module__.startswith("ccr_plugin_mine")  # type: ignore[union-attr]


class EntryPoint:
    def __init__(self, name: str, obj: Any) -> None:
        self.name, self.value, self._obj = name, f"pkg:{name}", obj

    def load(self) -> Any:
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ccr.hookspecs import hookimpl
    from ccr.transformers.base import Transformer

    class FromClass(Transformer):
        name = "from-class"

    class FromHook(Transformer):
        name = "from-hook"

    class Hooks:
        @hookimpl
        def ccr_transformers(self) -> list[type]:
            return [FromHook]

    eps = [EntryPoint("a", FromClass), EntryPoint("b", Hooks()), EntryPoint("c", ImportError("no module named x"))]
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: eps if group == "ccr" else [])
    registry = Registry()
    problems = load_plugins(config(tmp_path, []), registry)
    assert {"from-class", "from-hook"} <= set(registry.names())
    assert [p.source for p in problems] == ["entry point c (pkg:c)"] and "no module named x" in problems[0].error


def test_plugin_endpoint_subclass(tmp_path: Path) -> None:
    source = """
    from ccr.transformers.base import Endpoint, UpstreamRequest

    class Echo(Endpoint):
        name = "echo-endpoint"

        def build(self, body, ctx):
            return UpstreamRequest("http://127.0.0.1:1/x", {}, b"{}")
    """
    t = load_plugin(write(tmp_path, "echo.py", source))
    assert t.build({}, make_ctx()).url == "http://127.0.0.1:1/x"


def test_the_plugin_example_in_the_docs_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "transformers.md").read_text()
    blocks = doc.split("```python\n")
    plugin = next(b.split("```")[0] for b in blocks if "class Shout(Transformer)" in b)
    test = next(b.split("```")[0] for b in blocks if "def test_shout" in b)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "shout.py").write_text(plugin)
    namespace: dict[str, Any] = {}
    exec(test, namespace)
    monkeypatch.chdir(tmp_path)  # the example loads "plugins/shout.py" relative to where tests run
    namespace["test_shout"]()
