"""Sign in and out, and the account page (API token)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from engine.errors import NotPermitted
from engine.services.signin import TooManyAttempts
from web.context import engine, me, remote
from web.security import SignedIn

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        account = engine().authenticate(username, request.form.get("password", ""), remote())
    except (NotPermitted, TooManyAttempts) as err:
        status = 429 if isinstance(err, TooManyAttempts) else 401
        return render_template(
            "login.html", error=err.message, username=username, next=request.form.get("next", "")
        ), status
    session.clear()  # a fresh session: nothing from before signing in carries over
    login_user(SignedIn(account))
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")) or url_for("inbox.index"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host), so a link cannot send the clerk elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    return render_template("account.html", account=me())


@bp.post("/account/token")
@login_required
def new_token():
    token = engine().issue_api_token(me().username)
    return render_template("account.html", account=me(), token=token)
