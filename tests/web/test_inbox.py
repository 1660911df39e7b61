"""The inbox: the open tasks of the user's role and area, filters, paging, counts, claim/unclaim."""

from __future__ import annotations

import re

from tests.web.journeys import DONG, NAN, application, form_data, start, task_named


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)"', page)


def test_inbox_lists_the_township_window_tasks_with_their_columns(eng, visitor):
    case_no = start(eng, application(name="王小二"))
    page = visitor("town_chengguan").get("/").get_data(as_text=True)
    assert case_no in page and "王小二" in page and "受理审查" in page and "东村" in page and "未认领" in page
    assert len(rows(page)) == 1


def test_other_township_and_other_roles_see_nothing_of_it(eng, visitor):
    start(eng)
    for user in ("town_qingshan", "village_dong", "county_mz", "auditor"):
        assert rows(visitor(user).get("/").get_data(as_text=True)) == [], user


def test_category_task_and_overdue_filters_and_counts(eng, visitor):
    emergency = start(eng, application(serial=1))
    start(eng, application(serial=2))
    eng.complete(
        "town_chengguan",
        task_named(eng, emergency, "受理审查").task_id,
        form_data("intake-review.schema.json"),
    )
    clerk = visitor("town_chengguan")
    page = clerk.get("/").get_data(as_text=True)
    assert len(rows(page)) == 2
    counts = dict(re.findall(r'>([^<>]+) <b class="count">(\d+)</b>', page))
    assert counts == {"先行救助决定": "1", "受理审查": "1"}
    assert len(rows(clerk.get("/?category=emergency").get_data(as_text=True))) == 1
    only = clerk.get("/?task=先行救助决定").get_data(as_text=True)
    assert len(rows(only)) == 1 and emergency in only
    assert rows(clerk.get("/?overdue=1").get_data(as_text=True)) == []


def test_overdue_tasks_are_marked(app, eng, visitor):
    from datetime import timedelta

    case_no = start(eng)
    eng.complete(
        "town_chengguan", task_named(eng, case_no, "受理审查").task_id, form_data("intake-review.schema.json")
    )
    real = eng.clock
    eng.clock = lambda: real() + timedelta(hours=30)  # 先行救助 is due within 24 hours
    try:
        page = visitor("town_chengguan").get("/?overdue=1").get_data(as_text=True)
    finally:
        eng.clock = real
    assert len(rows(page)) == 1 and "已超期" in page


def test_pages_of_twenty_sorted_by_due(eng, visitor, app):
    app.config["INBOX_PAGE_SIZE"] = 3
    for serial in range(4):
        start(eng, application(serial=serial + 1))
    clerk = visitor("town_chengguan")
    first, second = clerk.get("/").get_data(as_text=True), clerk.get("/?page=2").get_data(as_text=True)
    assert len(rows(first)) == 3 and len(rows(second)) == 1 and not set(rows(first)) & set(rows(second))
    assert "第 1 / 2 页" in first and "下一页" in first


def test_claim_and_unclaim(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    assert clerk.post(f"/tasks/{task.task_id}/claim").status_code == 302
    assert task_named(eng, case_no, "受理审查").claimed_by == "town_chengguan"
    inbox = clerk.get("/").get_data(as_text=True)
    assert "城关镇 民政 李经办" in inbox and "放弃认领" in inbox  # the holder by name; 退回 means send back
    assert clerk.post(f"/tasks/{task.task_id}/unclaim").status_code == 302
    assert task_named(eng, case_no, "受理审查").claimed_by is None


def test_a_task_claimed_by_a_colleague_cannot_be_completed(eng, visitor):
    eng.add_user("town_chengguan2", "城关镇 民政 何经办", "township", "639001001", password="jiuzhu-demo")
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    eng.claim("town_chengguan2", task.task_id)
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    from tests.web.forms_data import as_form

    response = clerk.post(f"/tasks/{task.task_id}", as_form(form_data("intake-review.schema.json")))
    assert response.status_code == 409 and "已由 town_chengguan2 认领" in response.get_data(as_text=True)


def test_start_button_only_for_roles_that_take_applications(visitor):
    for user, shown in (
        ("town_chengguan", True),
        ("village_dong", True),
        ("county_mz", False),
        ("auditor", False),
    ):
        assert ("受理新申请" in visitor(user).get("/").get_data(as_text=True)) is shown, user
        assert visitor(user).get("/cases/new").status_code == (200 if shown else 403), user


def test_village_worker_applies_for_own_village_only(eng, visitor):
    from tests.web.forms_data import as_form

    worker = visitor("village_dong")
    page = worker.get("/cases/new").get_data(as_text=True)
    assert DONG in page and NAN not in page
    form = as_form(application())
    form["area_code"] = NAN
    response = worker.post("/cases/new", form)
    assert response.status_code == 422 and "请选择您辖区内的村（社区）" in response.get_data(as_text=True)


def test_claimed_filter_and_latest_due_first(eng, visitor):
    emergency = start(eng, application(serial=1))
    expenditure = start(eng, application("medical_expense", 1500, serial=2))
    for case_no in (emergency, expenditure):
        eng.complete(
            "town_chengguan",
            task_named(eng, case_no, "受理审查").task_id,
            form_data("intake-review.schema.json"),
        )
    soon = task_named(eng, emergency, "先行救助决定")  # due within 24 hours
    later = task_named(eng, expenditure, "家庭经济状况核对")  # due in working days
    assert soon.due_at < later.due_at
    clerk = visitor("town_chengguan")
    assert rows(clerk.get("/").get_data(as_text=True)) == [soon.task_id, later.task_id]
    latest_first = clerk.get("/?sort=due_desc").get_data(as_text=True)
    assert rows(latest_first) == [later.task_id, soon.task_id] and "按期限由远到近排列" in latest_first
    clerk.post(f"/tasks/{soon.task_id}/claim")
    assert rows(clerk.get("/?claimed=mine").get_data(as_text=True)) == [soon.task_id]
    assert rows(clerk.get("/?claimed=unclaimed").get_data(as_text=True)) == [later.task_id]
