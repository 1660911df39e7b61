"""Signing in and out: hashed passwords, throttled failures, CSRF on every form, cookie flags."""

from __future__ import annotations

from tests.web.conftest import Visitor


def test_sign_in_lands_on_the_inbox_with_name_and_role(visitor):
    page = visitor("town_chengguan").get("/").get_data(as_text=True)
    assert "城关镇 民政 李经办" in page and "乡镇(街道)经办人" in page and "城关镇" in page


def test_wrong_password_is_refused_in_chinese(app):
    v = Visitor(app)
    response = v.post("/login", {"username": "town_chengguan", "password": "nope"})
    assert response.status_code == 401 and "用户名或密码不正确" in response.get_data(as_text=True)
    assert v.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(app):
    response = Visitor(app).post("/login", {"username": "nobody", "password": "x"})
    assert response.status_code == 401 and "用户名或密码不正确" in response.get_data(as_text=True)


def test_repeated_failures_are_throttled_even_with_the_right_password(app):
    v = Visitor(app)
    for _ in range(5):
        assert v.post("/login", {"username": "village_dong", "password": "guess"}).status_code == 401
    response = v.post("/login", {"username": "village_dong", "password": "jiuzhu-demo"})
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)
    # another user is not locked out by it
    assert v.post("/login", {"username": "village_nan", "password": "jiuzhu-demo"}).status_code == 302


def test_forms_without_the_csrf_token_are_refused(app, visitor):
    v = Visitor(app)
    response = v.post("/login", {"username": "town_chengguan", "password": "jiuzhu-demo"}, csrf=False)
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    clerk = visitor("town_chengguan")
    assert clerk.post("/logout", csrf=False).status_code == 400
    assert clerk.get("/").status_code == 200  # still signed in


def test_logout_ends_the_session(visitor):
    clerk = visitor("town_chengguan")
    assert clerk.post("/logout").status_code == 302
    assert clerk.get("/").headers["Location"].startswith("/login")


def test_session_cookie_is_secure_httponly_and_same_site(app):
    response = Visitor(app).post("/login", {"username": "county_mz", "password": "jiuzhu-demo"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("jiuzhu_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_security_headers_and_no_cdn(visitor):
    response = visitor("town_chengguan").get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "cdn" not in response.get_data(as_text=True).lower()


def test_login_does_not_redirect_to_another_site(app):
    v = Visitor(app)
    v.get("/login")
    response = v.post(
        "/login", {"username": "town_chengguan", "password": "jiuzhu-demo", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_api_token_is_shown_once_and_works(visitor, app):
    clerk = visitor("town_chengguan")
    page = clerk.post("/account/token").get_data(as_text=True)
    import re

    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    api = app.test_client()
    assert (
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["username"]
        == "town_chengguan"
    )
    assert token not in clerk.get("/account").get_data(as_text=True)


def test_failures_older_than_the_throttle_windows_are_not_kept(app, eng):
    from datetime import timedelta

    from sqlalchemy import func, select

    from engine.services import signin
    from engine.store.web_models import LoginFailure

    long_ago = eng.now() - timedelta(days=2)
    with eng.db.write() as session:
        for n in range(30):
            session.add(LoginFailure(username=f"guess{n}", remote_addr="10.9.9.9", at=long_ago))
    response = Visitor(app).post("/login", {"username": "village_dong", "password": "guess"})
    assert response.status_code == 401  # the old failures neither throttle nor stay
    with eng.db.read() as session:
        kept = session.scalars(select(LoginFailure.username)).all()
        assert kept == ["village_dong"]
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    assert signin.PER_ADDRESS.current()[1] < 2 * 24 * 60
