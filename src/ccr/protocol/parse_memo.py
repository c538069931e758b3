"""Parsing a request body without parsing again the parts that come back unchanged.

Claude Code sends the same tools and system prompt with every request of a session: on the 49 KB
Claude Code 2.1.332 request they are 38 KB of it (tools 31 KB, system 7 KB) and most of its parse.
So once a top-level `"tools"` or `"system"` list has been parsed, the exact bytes of its elements
are kept with the parsed elements — all of the tools; the system blocks after the first, since
Claude Code's first block is a billing header that changes with every request. A later body that
holds those bytes at the end of the same list has them swapped for a placeholder before parsing,
and the kept elements go where the placeholder lands. The kept bytes are orjson's compact form,
which is also what Claude Code (`JSON.stringify`) writes; a client that writes JSON another way
(spaces after colons) never matches. After `STRIKES` requests in a row without a hit (that client,
or one whose list changes with every request) a key is searched for and learnt only every
`PROBE_EVERY`th time. Where to look is remembered as the distance from the end of the body,
which holds while what follows the list does (the conversation grows before it): a hit costs a
memcmp, no search.

Why the result is exactly what parsing the whole body gives: each placeholder is a string holding
128 random bits made per process, so a body cannot hold it. It can only come back as the last
element of the top-level key's list if the swapped bytes were there: the parser reached them
expecting an element of that list. In the original body it is in the same state there, reads the
kept bytes (complete JSON values separated by commas, which parse to the kept elements), and goes
on with the same rest, which closes the list. Anything else — bytes found inside a nested object,
a body that does not parse — falls back to parsing the original bytes, which also gives the real
error.

A hit hands every request the same element objects (in a list of its own). The built-in code
never changes a client's body in place (conversions build new containers around the client's
leaves; routing replaces `system` rather than editing it; `tests/protocol/test_parse_memo.py`
runs every built-in transformer and rule over kept elements to keep it so). User code — plugin
transformers, a custom router — may, so the server keeps no memo when the config has any
(`ccr.server.state.Runtime`).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

import orjson

MIN_BODY = 8192
"""Smaller bodies parse in a few µs: not worth a look."""
MIN_RUN = 2048
"""Shorter runs of elements cost less to parse than to keep."""
MAX_BYTES = 4 * 1024 * 1024
"""Kept JSON per key at most (about four times that in memory, with the elements parsed)."""
MAX_LEAD = 4096
"""How far after its key a search looks for a kept run (past the elements not kept)."""
STRIKES = 4
PROBE_EVERY = 32

_TOKEN = secrets.token_hex(16)


class _Key:
    """One top-level list: where it is written, what stands in for its kept run, what is kept."""

    __slots__ = ("held", "kept", "name", "needle", "placeholder", "placeholder_json", "skip", "strikes")

    def __init__(self, name: str, skip: int) -> None:
        self.name = name
        self.needle = f'"{name}":['.encode()
        self.skip = skip
        """Leading elements never kept (they change with every request)."""
        self.placeholder = f"ccr-kept-{name}-{_TOKEN}"
        self.placeholder_json = orjson.dumps(self.placeholder)
        self.kept: OrderedDict[bytes, _Run] = OrderedDict()
        self.held = 0
        self.strikes = 0


class _Run:
    __slots__ = ("elements", "tail")

    def __init__(self, elements: list[Any], tail: int) -> None:
        self.elements = elements
        self.tail = tail
        """Bytes from the end of the run to the end of the body, when last seen."""


_Found = tuple[int, int, _Key, bytes, _Run]
"""(start, end) of the kept bytes in the body, and whose they are."""


class ParseMemo:
    """`loads(raw)`: `orjson.loads(raw)`, with the kept tools and system blocks not parsed again."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.learned = 0
        self._keys = (_Key("system", 1), _Key("tools", 0))

    def loads(self, raw: bytes) -> Any:
        if len(raw) < MIN_BODY:
            return orjson.loads(raw)
        found: list[_Found] = []
        missed: list[tuple[_Key, int]] = []
        for key in self._keys:
            hit = self._at_last_place(raw, key)
            if hit is None:
                if key.strikes >= STRIKES and key.strikes % PROBE_EVERY:
                    continue  # this client does not write it as we do: look now and then
                at = raw.rfind(key.needle)
                hit = self._search(raw, key, at) if at >= 0 else None
                if hit is None:
                    if at >= 0:
                        missed.append((key, at))
                    continue
            found.append(hit)
        body = self._with_kept(raw, found) if found else None
        hit_keys = {f[2] for f in found} if body is not None else set()
        for key in self._keys:
            # A strike is a request without a hit, even one whose run is learnt below: a client
            # whose list changes with every request would otherwise pay the learning every time.
            key.strikes = 0 if key in hit_keys else key.strikes + 1
        if body is None:
            body = orjson.loads(raw)
        if type(body) is dict:
            for key, at in missed:
                self._learn(raw, body, key, at)
        return body

    @staticmethod
    def _at_last_place(raw: bytes, key: _Key) -> _Found | None:
        size = len(raw)
        for run_bytes, run in key.kept.items():
            end = size - run.tail
            start = end - len(run_bytes)
            # A memcmp, no copy; the list must end there (a kept run can begin a longer list).
            if start > 0 and raw.startswith(run_bytes, start) and raw[end : end + 1] == b"]":
                return start, end, key, run_bytes, run
        return None

    @staticmethod
    def _search(raw: bytes, key: _Key, at: int) -> _Found | None:
        """The kept runs just after the key's last place (a body whose end has changed)."""
        first = at + len(key.needle)
        for run_bytes, run in key.kept.items():
            start = raw.find(run_bytes[:64], first, first + MAX_LEAD)
            end = start + len(run_bytes)
            if start >= 0 and raw.startswith(run_bytes, start) and raw[end : end + 1] == b"]":
                run.tail = len(raw) - end
                return start, end, key, run_bytes, run
        return None

    def _with_kept(self, raw: bytes, found: list[_Found]) -> Any:
        found.sort(key=lambda f: f[0])
        view = memoryview(raw)
        pieces: list[bytes | memoryview] = []
        pos = 0
        for start, end, key, _, _ in found:
            if start < pos:
                return None
            pieces += (view[pos:start], key.placeholder_json)
            pos = end
        pieces.append(view[pos:])
        try:
            body = orjson.loads(b"".join(pieces))
        except orjson.JSONDecodeError:
            return None
        if type(body) is not dict:
            return None
        for _, _, key, _, _ in found:
            elements = body.get(key.name)
            if type(elements) is not list or not elements or elements[-1] != key.placeholder:
                return None
        for _, _, key, run_bytes, run in found:
            body[key.name][-1:] = run.elements  # a list of this request's own, with the kept elements
            # One event loop per process uses it; a thread that dropped the entry meanwhile (a
            # test's second loop) costs only its place in the order.
            try:
                key.kept.move_to_end(run_bytes)
            except KeyError:  # not `contextlib.suppress`: an object per hit
                pass
        self.hits += 1
        return body

    def _learn(self, raw: bytes, body: dict[str, Any], key: _Key, at: int) -> None:
        """Keep the run of `body[key]` if the body wrote it as compact JSON right after `at`."""
        elements = body.get(key.name)
        if type(elements) is not list:
            return
        skip = key.skip if len(elements) > key.skip else 0
        run = elements[skip:]
        run_bytes = orjson.dumps(run)[1:-1]
        if len(run_bytes) < MIN_RUN:
            return
        start = at + len(key.needle)
        if skip:
            lead = orjson.dumps(elements[:skip])[1:-1] + b","
            if not raw.startswith(lead, start):
                return
            start += len(lead)
        end = start + len(run_bytes)
        if len(run_bytes) > self.max_bytes // 4 or not raw.startswith(run_bytes, start) or raw[end : end + 1] != b"]":
            return
        if key.kept.pop(run_bytes, None) is None:
            key.held += len(run_bytes)
        key.kept[run_bytes] = _Run(run, len(raw) - end)
        self.learned += 1
        while key.held > self.max_bytes:
            dropped, _ = key.kept.popitem(last=False)
            key.held -= len(dropped)

    def kept(self, name: str) -> list[list[Any]]:
        """The runs of elements kept for `name` (`"tools"`, `"system"`), least recently used first."""
        return [run.elements for key in self._keys if key.name == name for run in key.kept.values()]
