"""The JSON API under /api/v1: everything the pages do, for other systems, with per-user API tokens
(`Authorization: Bearer …`, issued on the account page). Described by /api/openapi.json."""

from web.api.routes import bp

__all__ = ["bp"]
