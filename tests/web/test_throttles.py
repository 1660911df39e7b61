"""Throttles on the doors anyone can knock on: online applications and objections per address and per
ID number, sign-in per account and address (slowed, never locked for everyone), the status lookup.
Counted in the database: a second app on the same database (another process, another host) sees them."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from engine.store.models import AuditEvent, Case
from tests.web.conftest import Visitor
from tests.web.journeys import DONG, application, id_number, start
from tests.web.test_public import under_notice

HOME, CAFE = {"REMOTE_ADDR": "10.1.1.1"}, {"REMOTE_ADDR": "10.2.2.2"}


def _apply(client, serial, address, name="马丽"):
    return client.post(
        "/api/v1/public/applications",
        json={"application": application(name=name, serial=serial), "area_code": DONG},
        environ_base=address,
    )


def test_a_sixth_online_application_from_one_address_is_refused_in_chinese(app, tmp_path, template_db):
    client = app.test_client()
    for serial in range(101, 106):
        assert _apply(client, serial, HOME).status_code == 201
    refused = _apply(client, 106, HOME)
    assert refused.status_code == 429 and "网上申请提交过于频繁" in refused.json["detail"]
    assert _apply(client, 107, CAFE).status_code == 201  # another address is not held up


def test_one_id_number_applies_twice_a_day_from_any_address(app, eng):
    client = app.test_client()
    assert _apply(client, 111, HOME).status_code == 201
    assert _apply(client, 111, CAFE).status_code == 201
    refused = _apply(client, 111, {"REMOTE_ADDR": "10.3.3.3"})
    assert refused.status_code == 429
    with eng.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 2


def test_the_count_is_shared_by_every_process_on_the_database(app, tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS", "2/60")
    other = app.test_client()
    second_app = _second_app(app, tmp_path)
    assert _apply(other, 121, HOME).status_code == 201
    assert _apply(second_app.test_client(), 122, HOME).status_code == 201
    assert _apply(other, 123, HOME).status_code == 429
    second_app.extensions["jiuzhu"].engine.close()


def _second_app(app, tmp_path):
    from web import create_app

    return create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "ATTACHMENTS_DIR": str(tmp_path / "second"),
        }
    )


def test_two_residents_choosing_the_same_idempotency_key_each_get_their_own_case(app):
    client = app.test_client()

    def apply(serial):
        body = {"application": application(serial=serial), "area_code": DONG, "idempotency_key": "1"}
        return client.post(
            "/api/v1/public/applications", json=body, environ_base={"REMOTE_ADDR": f"10.9.0.{serial % 200}"}
        )

    first, second, retried = apply(161), apply(162), apply(161)
    assert first.status_code == second.status_code == 201
    assert first.json["case_no"] != second.json["case_no"]  # nobody learns another's case number
    assert retried.json["case_no"] == first.json["case_no"]


def test_objections_from_one_address_are_throttled(app, eng, monkeypatch):
    monkeypatch.setenv("JIUZHU_PUBLIC_OBJECTIONS_PER_ADDRESS", "1")
    first, second = under_notice(eng, serial=131, members=0), under_notice(eng, serial=132, members=0)
    body = {"objector_name": "邻居老张", "objection_content": "申请人家中新买了轿车，收入情况不实"}
    client = app.test_client()

    def object_to(case_no, address):
        url = f"/api/v1/public/cases/{case_no}/objections"
        return client.post(url, json={"data": body}, environ_base=address)

    assert object_to(first, HOME).status_code == 201
    refused = object_to(second, HOME)
    assert refused.status_code == 429 and "异议提交过于频繁" in refused.json["detail"]
    assert eng.case_view(second).open_tasks == []  # nothing changed: still on notice, no objection to check
    assert object_to(second, CAFE).status_code == 201
    assert [t.name for t in eng.case_view(second).open_tasks] == ["核实公示异议"]


def test_guessing_a_password_slows_that_address_and_not_the_clerk(app):
    guesser, clerk = Visitor(app), Visitor(app)
    guesser.client.environ_base.update(CAFE)
    clerk.client.environ_base.update(HOME)
    with time_machine.travel("2026-11-29 10:00:00+00:00", tick=False) as clock:
        for _ in range(5):
            assert (
                guesser.post("/login", {"username": "village_dong", "password": "guess"}).status_code == 401
            )
        held = guesser.post("/login", {"username": "village_dong", "password": "jiuzhu-demo"})
        assert held.status_code == 429 and "登录失败次数过多，请 1 分钟后再试" in held.get_data(as_text=True)
        assert (
            clerk.post("/login", {"username": "village_dong", "password": "jiuzhu-demo"}).status_code == 302
        )
        clock.shift(timedelta(seconds=61))  # slowed, not locked: one more try, then a longer wait
        assert guesser.post("/login", {"username": "village_dong", "password": "guess"}).status_code == 401
        again = guesser.post("/login", {"username": "village_dong", "password": "guess"})
        assert again.status_code == 429 and "请 2 分钟后再试" in again.get_data(as_text=True)


def test_failed_status_lookups_are_throttled_and_audited(app, eng):
    case_no = start(eng, application(serial=141))
    client = app.test_client()

    def look(case, id_no, address=HOME):
        return client.post(
            "/api/v1/public/status", json={"case_no": case, "id_number": id_no}, environ_base=address
        )

    for serial in range(150, 155):  # five wrong guesses, on different case numbers
        assert look(f"639001-2026-{serial:06d}", id_number(serial)).status_code == 404
    refused = look(case_no, id_number(141))
    assert refused.status_code == 429 and "查询未成功的次数过多" in refused.json["detail"]
    assert look(case_no, id_number(141), CAFE).status_code == 200
    with eng.db.read() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "status_lookup_failed")).all()
    assert len(failed) == 5 and {e.data["from"] for e in failed} == {"10.1.1.1"}
    assert not any(id_number(150) in str(e.data) for e in failed)  # the guessed ID number is not kept
