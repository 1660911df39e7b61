"""The web tests' seeded template database and app, for the operations tests."""

from tests.web.conftest import app, template_db  # noqa: F401 - fixtures
