"""claude-code-router for Python: an Anthropic Messages gateway that routes to any provider."""

__version__ = "0.1.0"
