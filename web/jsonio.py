"""JSON as the API and the pages' data blocks write it: times in ISO 8601, Chinese unescaped."""

from __future__ import annotations

from datetime import datetime

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    @staticmethod
    def default(o):
        if isinstance(o, datetime):  # before Flask's own date handling, which writes RFC 822
            return o.isoformat()
        return DefaultJSONProvider.default(o)
