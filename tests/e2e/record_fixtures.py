"""Record what the real Claude Code CLI sends, as JSON fixtures in tests/fixtures/claude_code/.

    .venv/bin/python -m tests.e2e.record_fixtures

Claude Code talks straight to `MockUpstream` playing Anthropic (no router in between), so the
files are Claude Code's own request bodies, for replay by routing and conversion tests.
Machine-specific values (temp paths, device and session ids, kernel version) are replaced.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from ccr.testing import (
    MockResponse,
    MockUpstream,
    RecordedRequest,
    anthropic_text_events,
    anthropic_tool_use_events,
    run_claude,
)
from tests.e2e.conftest import CLAUDE_BIN, REPO, ROUTER_KEY

OUT = REPO / "tests" / "fixtures" / "claude_code"
FAKE_SESSION = "00000000-0000-4000-8000-000000000001"
TEXT = MockResponse.sse(anthropic_text_events("Done."), done=False)


def _answer(req: RecordedRequest) -> MockResponse:
    if req.path.endswith("/count_tokens"):
        return MockResponse.json({"input_tokens": 123})
    return TEXT


def _scrub(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "/tmp/ccr-e2e")
    text = re.sub(r'(device_id\\?":\\?")[0-9a-f]{64}', lambda m: m.group(1) + "0" * 64, text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", FAKE_SESSION, text)
    return re.sub(r"OS Version: [^\\\n]+", "OS Version: Linux 6.8.0", text)


def _session(prompt: str, tmp: Path, *scripted: MockResponse) -> list[RecordedRequest]:
    with MockUpstream(default=_answer) as up:
        up.enqueue(*scripted)
        run = run_claude(
            CLAUDE_BIN, prompt, base_url=up.url, api_key=ROUTER_KEY, home=tmp / "home", cwd=tmp / "work",
            args=("--allowedTools", "Bash Write Read Agent"),
        )  # fmt: skip
    if run.exit_code != 0:
        raise SystemExit(f"claude exited {run.exit_code}: {run.stderr[-2000:]}")
    return up.requests


def _first_user_text(req: RecordedRequest) -> str:
    """The user's own words: the last text block of the first message (reminders come first)."""
    content = req.json["messages"][0]["content"]
    return content if isinstance(content, str) else str(content[-1].get("text", ""))


def _save(name: str, req: RecordedRequest, tmp: Path) -> None:
    body: Any = json.loads(_scrub(req.body.decode(), tmp))
    data = json.dumps(body, indent=1, ensure_ascii=False) + "\n"
    (OUT / f"{name}.json").write_text(data, encoding="utf-8")
    print(f"{name}.json: {len(data):,} bytes, {req.method} {req.path}")


def main() -> None:
    if not CLAUDE_BIN.exists():
        raise SystemExit(f"{CLAUDE_BIN} is missing: run `make e2e-deps`")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ccr-rec-") as name:
        tmp = Path(name)
        plain = _session("Say hi in one word.", tmp)
        _save("main_turn", plain[0], tmp)
        headers = {k: _scrub(v, tmp) for k, v in plain[0].headers.items() if k not in {"host", "content-length"}}
        (OUT / "main_turn.headers.json").write_text(json.dumps(headers, indent=1) + "\n")
        bash = anthropic_tool_use_events("toolu_rec_1", "Bash", {"command": "echo hi", "description": "Say hi"})
        tool = _session("Run echo hi with Bash.", tmp, MockResponse.sse(bash, done=False))
        _save("tool_result_followup", tool[1], tmp)
        agent_input = {"description": "Greet", "prompt": "Say hi", "subagent_type": "general-purpose"}
        agent = anthropic_tool_use_events("toolu_rec_2", "Agent", agent_input)
        sub = _session("Use a subagent to say hi.", tmp, MockResponse.sse(agent, done=False))
        _save("subagent_turn", next(r for r in sub if _first_user_text(r) == agent_input["prompt"]), tmp)
        counts = _session("/context", tmp)
        _save("count_tokens", max(counts, key=lambda r: len(r.body)), tmp)


if __name__ == "__main__":
    sys.exit(main())
