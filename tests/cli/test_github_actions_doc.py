"""docs/github-actions.md: run the workflows' steps locally (pip/npm stubbed, a fake Claude Code).

`uses:` steps are GitHub's own (checkout, setup-python) and are skipped, except the Claude Code
action, which is emulated by running `claude -p` with the step's environment and input key.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli.helpers import CCR, Sandbox

DOC = Path(__file__).parents[2] / "docs" / "github-actions.md"
SECRET = "sk-test-secret"


@dataclass
class Step:
    name: str
    run: str | None = None
    uses: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    with_: dict[str, str] = field(default_factory=dict)


def _value(text: str) -> str:
    text = text.strip()
    text = re.sub(r"\$\{\{\s*secrets\.\w+\s*\}\}", SECRET, text)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _mapping(lines: list[str], start: int, indent: int) -> tuple[dict[str, str], int]:
    out, i = {}, start
    while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) >= indent):
        if lines[i].strip():
            key, _, value = lines[i].strip().partition(":")
            out[key] = _value(value)
        i += 1
    return out, i


def parse(workflow: str) -> tuple[dict[str, str], list[Step]]:
    """The job-level env and the steps of a one-job workflow written like the doc's."""
    lines = workflow.splitlines()
    env: dict[str, str] = {}
    steps: list[Step] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == "    env:":
            env, i = _mapping(lines, i + 1, 6)
            continue
        if line.startswith("      - name: "):
            steps.append(Step(line.split(": ", 1)[1]))
        elif steps and line.startswith("        run: |"):
            block, i = [], i + 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" " * 10)):
                block.append(lines[i][10:])
                i += 1
            steps[-1].run = "\n".join(block) + "\n"
            continue
        elif steps and line.startswith("        run: "):
            steps[-1].run = line.split(": ", 1)[1]
        elif steps and line.startswith("        uses: "):
            steps[-1].uses = line.split(": ", 1)[1]
        elif steps and line in ("        env:", "        with:"):
            mapping, i = _mapping(lines, i + 1, 10)
            if line.endswith("env:"):
                steps[-1].env = mapping
            else:
                steps[-1].with_ = mapping
            continue
        i += 1
    return env, steps


def workflows() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)


def stub(sandbox: Sandbox, name: str) -> Path:
    log = sandbox.root / f"{name}.calls"
    script = sandbox.bin_dir / name
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    script.chmod(0o755)
    return log


def run_workflow(sandbox: Sandbox, workflow: str) -> list[Step]:
    job_env, steps = parse(workflow.replace("3456", str(sandbox.port)))
    workspace = sandbox.root / "workspace"
    workspace.mkdir()
    bin_env = {"PATH": f"{sandbox.bin_dir}:{CCR.parent}:/usr/bin:/bin"}
    for step in steps:
        env = sandbox.env(**bin_env, **job_env, **step.env)
        if step.uses and step.uses.startswith("anthropics/claude-code-action"):
            cmd = ["claude", "-p", "hello from the action"]
            env["ANTHROPIC_API_KEY"] = step.with_["anthropic_api_key"]
        elif step.uses:
            continue  # actions/checkout, actions/setup-python: GitHub's, nothing to check here
        else:
            assert step.run is not None, step.name
            cmd = ["bash", "-e", "-o", "pipefail", "-c", step.run]
        result = subprocess.run(cmd, env=env, cwd=workspace, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"step {step.name!r} failed:\n{result.stdout}\n{result.stderr}"
    return steps


def test_the_doc_has_two_workflows() -> None:
    names = [[s.name for s in parse(w)[1]] for w in workflows()]
    assert names[0][-3:] == ["Run Claude Code", "Router log", "Stop the router"]
    assert names[1][-2:] == ["Ask Claude Code", "Router log"]


@pytest.mark.skipif(sys.platform == "win32", reason="bash steps")
def test_action_workflow_runs(sandbox: Sandbox) -> None:
    pip = stub(sandbox, "pip")
    run_workflow(sandbox, workflows()[0])
    assert pip.read_text().split() == ["install", "git+https://github.com/OWNER/REPO.git"]
    (call,) = sandbox.calls()
    assert call["health"] == 200  # the router answered the action's Claude Code
    assert call["env"]["ANTHROPIC_BASE_URL"] == sandbox.url
    assert not sandbox.healthy() and sandbox.pid() is None  # the last step stopped it
    log = next((sandbox.config_dir / "logs").glob("ccr-*.log")).read_text()
    assert SECRET not in log


@pytest.mark.skipif(sys.platform == "win32", reason="bash steps")
def test_scripted_workflow_runs(sandbox: Sandbox) -> None:
    pip, npm = stub(sandbox, "pip"), stub(sandbox, "npm")
    run_workflow(sandbox, workflows()[1])
    assert npm.read_text().split() == ["install", "-g", "@anthropic-ai/claude-code"]
    assert pip.read_text().strip() != ""
    (call,) = sandbox.calls()
    assert call["argv"] == [
        "-p",
        "List the TODO comments in this repository, grouped by file",
        "--output-format",
        "json",
    ]
    assert call["health"] == 200
    assert (call["env"]["CI"], call["env"]["TERM"], call["stdin"]) == ("true", "dumb", "")
    assert (sandbox.root / "workspace" / "report.json").exists()
    assert not sandbox.healthy(), "ccr code stopped the router it started"
