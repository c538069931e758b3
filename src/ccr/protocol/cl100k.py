"""The cl100k_base tokenizer, built from the ranks file shipped inside the package.

`tiktoken.get_encoding("cl100k_base")` would download the ranks, and `tiktoken.load.load_tiktoken_bpe`
copies them into a cache directory; the router may run offline, so it reads the packaged file
(taken from LiteLLM 1.110.2's wheel, byte-identical to tiktoken's), checks the sha256 tiktoken itself
expects, and builds the `tiktoken.Encoding` with the pattern and special tokens of
`tiktoken_ext/openai_public.py`. Loading costs ~0.17 s and ~45 MB, so it happens on first need.
"""

from __future__ import annotations

import binascii
import hashlib
import threading
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import tiktoken

RANKS_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
CL100K_PAT_STR = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CL100K_SPECIAL_TOKENS: Mapping[str, int] = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}

_RANKS_FILE: Traversable | Path = files("ccr") / "data" / "cl100k_base.tiktoken"
_encoding: tiktoken.Encoding | None = None
_load_lock = threading.Lock()


class Encoder(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


def load_encoding(path: Traversable | Path) -> tiktoken.Encoding:
    """Build cl100k_base from a `.tiktoken` ranks file, refusing one whose sha256 is not tiktoken's."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuntimeError(f"tokenizer file {path} cannot be read ({exc}); reinstall ccr") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != RANKS_SHA256:
        raise RuntimeError(
            f"tokenizer file {path} is damaged: sha256 {digest}, expected {RANKS_SHA256}; "
            "reinstall ccr (pip install --force-reinstall ccr)"
        )
    import tiktoken  # here, not at module level: a server that never counts does not pay its memory

    fields = data.split()  # "<base64 token> <rank>" lines; the sha256 vouches for the format
    ranks = dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))
    return tiktoken.Encoding(
        name="cl100k_base",
        pat_str=CL100K_PAT_STR,
        mergeable_ranks=ranks,
        special_tokens=dict(CL100K_SPECIAL_TOKENS),
    )


def get_encoding() -> tiktoken.Encoding:
    """The packaged cl100k_base, loaded once on first need (thread-safe)."""
    global _encoding
    enc = _encoding
    if enc is None:
        with _load_lock:
            enc = _encoding
            if enc is None:
                enc = _encoding = load_encoding(_RANKS_FILE)
    return enc


CHUNK_CHARS = 65_536
"""tiktoken releases the GIL while it encodes but builds the token list holding it (~4 ms for
1 MB); cutting long texts into chunks keeps every such hold short."""


def split_for_encoding(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Cut `text` into chunks of about `size` characters at places no cl100k pre-token spans, so
    the chunks' token counts add up to the whole text's count exactly."""
    chunks: list[str] = []
    start = 0
    while len(text) - start > size:
        cut = _boundary(text, start + size)
        if cut < 0:
            break
        chunks.append(text[start:cut])
        start = cut
    chunks.append(text[start:])
    return chunks


def _boundary(text: str, lo: int) -> int:
    # After a newline followed by non-space: every pattern alternative that can hold a newline
    # ends at the last newline of a run, and none continues into non-space.
    end = len(text) - 1
    i = text.find("\n", lo, end)
    while i >= 0:
        if not text[i + 1].isspace():
            return i + 1
        i = text.find("\n", i + 1, end)
    # Before " <ASCII letter>" after non-space: that space always opens the word's pre-token.
    i = text.find(" ", lo, end)
    while i >= 0:
        after = text[i + 1]
        if after.isascii() and after.isalpha() and not text[i - 1].isspace():
            return i
        i = text.find(" ", i + 1, end)
    return -1
