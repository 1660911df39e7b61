"""The web app for `flask --app app run` (scripts/run.sh): configured from the environment."""

from web import create_app

app = create_app()
