"""The HTTP edge: ASGI app, routes, middleware, process entry point."""
