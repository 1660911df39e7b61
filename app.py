"""The web app for `flask --app app run` (development only; `jiuzhu serve` is what scripts/run.sh and
production run): configured from the environment."""

from web.wsgi import app

__all__ = ["app"]
