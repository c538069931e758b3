"""The current git branch, read from `.git/HEAD` (no `git` process: it would cost ~5-10 ms)."""

from __future__ import annotations

import os

MAX_DEPTH = 64


def find_git_dir(start: str) -> str | None:
    """The repository's git directory for `start` or a parent (worktrees' `.git` files followed)."""
    current = os.path.abspath(start)
    for _ in range(MAX_DEPTH):
        candidate = os.path.join(current, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):
            return _gitdir_from_file(candidate, current)
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def _gitdir_from_file(path: str, base: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            line = fh.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    target = line[len("gitdir:") :].strip()
    return target if os.path.isabs(target) else os.path.normpath(os.path.join(base, target))


def branch(start: str) -> str:
    """Branch name, a short commit id when detached, or "" outside a repository."""
    git_dir = find_git_dir(start)
    if git_dir is None:
        return ""
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as fh:
            head = fh.readline().strip()
    except OSError:
        return ""
    if head.startswith("ref:"):
        ref = head[4:].strip()
        return ref.removeprefix("refs/heads/")
    return head[:7]
