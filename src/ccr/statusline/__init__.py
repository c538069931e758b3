"""`ccr statusline`: the one-line status Claude Code shows, rendered from its JSON on stdin.

Claude Code runs the command every few hundred milliseconds, so this package imports only the
standard library (json5 only for a config that is not plain JSON, and then once per change of
the file), caches what it read, and reads transcripts incrementally.
"""
