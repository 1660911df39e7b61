"""Sessions (Flask-Login), CSRF on every form (Flask-WTF), and the security headers of every page."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from engine.services.signin import Account
from web import params
from web.context import engine

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"
csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SignedIn(UserMixin):
    """Flask-Login's user: the engine's Account of the signed-in person."""

    def __init__(self, account: Account):
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    account_id = params.whole_number(user_id)
    if account_id is None:
        return None
    account = engine().account_by_id(account_id)
    return SignedIn(account) if account is not None else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")  # pages carry personal data
        return response
