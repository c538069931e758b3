"""Talking to providers: a transport seam (aiohttp in production, in-memory in unit tests)."""
