"""Server-sent events: an incremental parser that survives any byte split, and a bytes writer.

The parser follows the WHATWG event-stream rules that matter for LLM streams: LF, CRLF or CR line
ends (a CRLF split across two reads is one line end), a leading byte-order mark, `:` comment lines,
several `data:` lines joined with `\\n`, a blank line ends an event, and an event without any
`data` line is not dispatched. Fields other than `event` and `data` are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class SSEEvent:
    event: str | None
    data: str


class SSEParser:
    __slots__ = ("_at_start", "_buf", "_data", "_event", "_pending_cr")

    def __init__(self) -> None:
        self._buf = b""
        self._event: str | None = None
        self._data: list[str] = []
        self._pending_cr = False
        self._at_start = True

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across reads
        self._pending_cr = False
        buf = self._buf + chunk if self._buf else chunk
        if self._at_start:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._buf = buf  # could still be a split byte-order mark
                return []
            self._at_start = False
            if buf.startswith(_BOM):
                buf = buf[3:]
        if buf.find(b"\r") >= 0:  # not `in`: for bytes it first tries an int and formats a TypeError
            self._pending_cr = buf.endswith(b"\r")
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        self._buf = lines.pop()
        out: list[SSEEvent] = []
        for line in lines:
            if line.startswith(b"data: "):  # nearly every line of an LLM stream
                self._data.append(line[6:].decode("utf-8", "replace"))
            else:
                self._line(line, out)
        return out

    def flush(self) -> list[SSEEvent]:
        """End of stream: a final event without its blank line still counts."""
        out: list[SSEEvent] = []
        if self._buf:
            buf, self._buf = self._buf, b""
            self._line(buf.removeprefix(_BOM) if self._at_start else buf, out)
        self._line(b"", out)
        return out

    def _line(self, raw: bytes, out: list[SSEEvent]) -> None:
        if not raw:
            if self._data:
                out.append(SSEEvent(self._event, "\n".join(self._data)))
                self._data = []
            self._event = None
            return
        if raw[0] == 0x3A:  # ':' comment
            return
        line = raw.decode("utf-8", "replace")
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None


def encode_event(event: str, data: bytes) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


PING = b'event: ping\ndata: {"type":"ping"}\n\n'
