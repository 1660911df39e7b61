"""The WSGI application the production server loads (`jiuzhu serve`, or any WSGI server as
`web.wsgi:app`): logging set up as JSON lines, configured from the environment."""

from engine import logs
from web import create_app

logs.setup()
app = create_app()
