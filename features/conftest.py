"""Step definitions for the acceptance scenarios (pytest-bdd, 简体中文 Gherkin).

Every scenario runs through engine/ on the real bpmn/ and forms/: a fresh SQLite database copied
from a deployed, seeded template; the real clock moved with time-machine (SpiffWorkflow compares
timers with it); timers fired by `Engine.fire_due`. The elements each case reached are collected
into test-artifacts/coverage/reached.json for tools/coverage_report.py.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_bdd import given, parsers, then, when

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bdd_support as s

from engine import (
    DomainError,
    Engine,
    NotPermitted,
    ValidationFailed,
    demo,
)
from engine.vocabulary import FOLLOW_UP, ROSTERS
from engine.workflow.context import add_working_days

# A Monday morning in the county (working days are counted Monday–Friday).
SCENARIO_START = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COVERAGE_FILE = s.ROOT / "test-artifacts" / "coverage" / "reached.json"
_REACHED: list[dict] = []


@dataclass
class World:
    eng: Engine
    traveller: object
    app: dict = field(default_factory=s.application)
    case_no: str | None = None
    cases: list[str] = field(default_factory=list)
    error: DomainError | None = None
    last_result: dict | None = None
    task_defaults: dict = field(default_factory=dict)  # task name -> fields every completion uses

    def view(self):
        detail = getattr(self.error, "errors", "")
        assert self.error is None, f"上一步被拒绝：{self.error} {detail}"
        assert self.case_no, "还没有案件"
        return self.eng.case_view(self.case_no)

    def open_task(self, name: str):
        tasks = self.eng.open_tasks(self.case_no)
        found = [t for t in tasks if t.name == name]
        assert found, f"没有待办“{name}”，当前待办：{[t.name for t in tasks]}"
        return found[0]

    def attempt(self, action):
        self.error = None
        try:
            return action()
        except DomainError as err:
            self.error = err
            return None


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "jiuzhu.sqlite3"
    eng = Engine.open(f"sqlite:///{path}")
    eng.deploy(s.BPMN_DIR, s.FORMS_DIR, by="features")
    demo.seed(eng, with_cases=False)
    eng.close()
    return path


@pytest.fixture
def world(template_db, tmp_path, request):
    db = tmp_path / "case.sqlite3"
    shutil.copy(template_db, db)
    with time_machine.travel(SCENARIO_START, tick=True) as traveller:
        eng = Engine.open(f"sqlite:///{db}")
        w = World(eng, traveller)
        yield w
        for case_no in w.cases:
            reached = eng.case_view(case_no).reached
            _REACHED.append(
                {
                    "scenario": request.node.nodeid,
                    "case_no": case_no,
                    "nodes": reached.get("nodes", []),
                    "flows": reached.get("flows", []),
                }
            )
        eng.close()


def pytest_sessionfinish(session, exitstatus):
    if _REACHED:
        COVERAGE_FILE.parent.mkdir(parents=True, exist_ok=True)
        COVERAGE_FILE.write_text(
            json.dumps({"cases": _REACHED}, ensure_ascii=False, indent=1), encoding="utf-8"
        )


def _start(world: World, area: str, by: str | None, channel: str, application: dict | None = None) -> None:
    ref = world.attempt(
        lambda: world.eng.start_case(
            application or world.app, area_code=s.AREAS[area], by=by, channel=channel
        )
    )
    if ref is not None:
        world.case_no = ref.case_no
        world.cases.append(ref.case_no)


def _complete(world: World, user: str, task: str, overrides: dict | None = None) -> None:
    row = world.open_task(task)
    merged = {**world.task_defaults.get(task, {}), **(overrides or {})}
    world.last_result = world.attempt(
        lambda: world.eng.complete(s.USERS[user], row.task_id, s.task_data(task, merged))
    )


# ---------------------------------------------------------------------------------------- 假如
@given("示范县的临时救助流程已部署")
def deployed(world):
    assert world.eng.versions(), "未部署流程"


@given(parsers.parse('县参数"{name}"设为{value:d}'))
def county_parameter(world, name, value):
    world.eng.set_parameters("639001", {name: value}, by="process_owner", reason="场景设定")


@given(parsers.parse('县参数"{name}"设为清单"{items}"'))
def county_list_parameter(world, name, items):
    world.eng.set_parameters("639001", {name: items.split("、")}, by="process_owner", reason="场景设定")


@given(parsers.parse('一份"{reason}"事由的临时救助申请'))
def an_application(world, reason):
    world.app = s.application(s.REASONS[reason])


@given("申请信息：")
def application_fields(world, datatable):
    for key, value in s.table_dict(datatable).items():
        s.set_path(world.app, key, value)


@given(parsers.parse("家庭共{n:d}人"))
def household_size(world, n):
    members = [
        {"name": f"家庭成员{i}", "id_number": s.IDS[3 + i % 4], "relation": "child"} for i in range(n - 1)
    ]
    world.app["household_members"] = members


@given(parsers.parse('申请人家庭属于"{category}"'))
def household_category(world, category):
    world.app["household_categories"] = [s.HOUSEHOLD[c] for c in category.split("、")]


@given(parsers.parse('县名册确认申请人家庭属于"{category}"'))
def household_on_roster(world, category):
    """The household declares the status and the county's roster lists the applicant (000 §二(一))."""
    household_category(world, category)
    applicant = world.app["applicant"]
    for status in category.split("、"):
        record = {"area_code": "639001", "id_number": applicant["id_number"], "name": applicant["name"]}
        result = world.eng.import_roster(
            json.dumps([record]), "json", roster=s.HOUSEHOLD[status], by="county_mz"
        )
        assert result.added == 1 and not result.errors, result


@given("申请人为非本地户籍且没有居住证")
def non_local_without_permit(world):
    world.app["applicant"].update(hukou_local=False, residence_permit=False, hukou_address="甘肃省某县某村")


@given("申请人为非本地户籍，持有本地居住证")
def non_local_with_permit(world):
    world.app["applicant"].update(hukou_local=False, residence_permit=True, hukou_address="甘肃省某县某村")


@given(parsers.parse("所需金额为{amount:d}元"))
def needed_amount(world, amount):
    world.app["needed_amount"] = amount


@given("受理审查时经办人认定属重大生活困难")
def assessed_major(world):
    """The clerk's assessment at intake, not the applicant's estimate, routes a case (002 §四; 004 §二(四))."""
    world.task_defaults.setdefault("受理审查", {})["complex_case"] = True


@given("这次由与该申请人共同生活的家庭成员提出申请")
def member_applies(world):
    earlier_applicant = world.app["applicant"]["id_number"]
    world.app["applicant"] = dict(world.app["applicant"], name="王小明", id_number=s.IDS[5])
    world.app["household_members"] = [
        {"name": "张秀英", "id_number": earlier_applicant, "relation": "parent"}
    ]


@given(parsers.parse('该申请人此前以"{reason}"事由申请被不予受理'))
def earlier_refused(world, reason):
    earlier = s.application(s.REASONS[reason])
    earlier["applicant"]["id_number"] = world.app["applicant"]["id_number"]
    _start(world, "东村", "town_chengguan", "window", earlier)
    refuse = {
        "intake_decision": "refuse",
        "refusal_code": "incomplete",
        "refusal_reason": "材料不全未按要求补正",
    }
    _complete(world, "城关镇经办人", "受理审查", refuse)
    assert world.view().outcome == "refused"
    world.case_no = None


@given(parsers.parse('该申请人此前已以"{reason}"事由在城关镇获得临时救助'))
def earlier_case(world, reason):
    earlier = s.application(s.REASONS[reason])
    earlier["applicant"]["id_number"] = world.app["applicant"]["id_number"]
    _start(world, "东村", "town_chengguan", "window", earlier)
    _complete(world, "城关镇经办人", "受理审查")
    category = world.view().data["category"]
    if category == "emergency":
        _complete(world, "城关镇经办人", "先行救助决定")
        _complete(world, "城关镇经办人", "发放")
        _complete(world, "城关镇经办人", "补办手续")
        _complete(world, "城关镇经办人", "跟进评估")
    assert world.view().outcome == "approved", world.view().attention
    assert world.view().status == "completed", world.view().status
    world.case_no = None


@given(parsers.parse('该申请人此前以"{reason}"事由获先行救助，后经县级审核不予救助'))
def earlier_paid_then_refused(world, reason):
    """A 重大 case pays first and may still be refused afterwards: what it paid is aid received."""
    earlier = s.application(s.REASONS[reason])
    earlier["applicant"]["id_number"] = world.app["applicant"]["id_number"]
    _start(world, "东村", "town_chengguan", "window", earlier)
    _complete(world, "城关镇经办人", "受理审查", {"complex_case": True})
    _complete(world, "城关镇经办人", "先行救助决定")
    _complete(world, "城关镇经办人", "发放")
    _complete(world, "城关镇经办人", "补办手续")
    _complete(world, "城关镇经办人", "重大生活困难调查核实")
    days_pass(world, 7)
    refuse = {
        "county_opinion": "refuse",
        "refusal_code": "not_eligible",
        "refusal_reason": "经审核不属于重大生活困难",
    }
    _complete(world, "县民政局", "县级民政审核并提请协调机制", refuse)
    assert world.view().outcome == "refused", world.view().attention
    assert world.view().payments, "先行救助应已发放"
    world.case_no = None


@given(parsers.parse('该申请人此前以"{reason}"事由获分期先行救助，首期发放后终止救助'))
def earlier_paid_then_terminated(world, reason):
    """Aid approved in instalments and ended after the first: the household was aided."""
    earlier = s.application(s.REASONS[reason])
    earlier["applicant"]["id_number"] = world.app["applicant"]["id_number"]
    _start(world, "东村", "town_chengguan", "window", earlier)
    _complete(world, "城关镇经办人", "受理审查")
    _complete(world, "城关镇经办人", "先行救助决定", {"amount": 600, "instalments": 3})
    _complete(world, "城关镇经办人", "发放")
    _complete(world, "城关镇经办人", "补办手续")
    days_pass(world, 30)
    ended = {"continuation": "terminate", "termination_reason": "家庭成员已稳定就业，月收入超过低保标准"}
    _complete(world, "城关镇经办人", "核实是否终止救助", ended)
    assert world.view().outcome == "terminated", world.view().attention
    days_pass(world, 1)
    world.case_no = None


# ---------------------------------------------------------------------------------------- 当
@when(parsers.parse("{user}在{area}受理该申请"))
def window_application(world, user, area):
    _start(world, area, s.USERS[user], "window")


@when(parsers.parse("居民在网上提交该申请，急难发生地为{area}"))
def online_application(world, area):
    _start(world, area, None, "online")


@when(parsers.parse("{user}走访发现困难，在{area}代为提出申请"))
def visit_application(world, user, area):
    world.app["submitted_by"] = "village_worker"
    world.app["reporter"] = {"name": "王村干", "position": "东村村委"}
    _start(world, area, s.USERS[user], "visit")


@when("低收入人口动态监测平台推送预警记录：")
def warning_import(world, docstring):
    record = json.loads(docstring)
    _start(world, record["area"], None, "warning", record["application"])


@given(parsers.parse("县民政局导入{roster}名册（CSV）："))
@when(parsers.parse("县民政局导入{roster}名册（CSV）："))
def roster_csv_import(world, roster, docstring):
    rosters = {label: code for code, label in ROSTERS.items()}
    world.import_result = world.eng.import_roster(
        docstring.strip() + "\n", "csv", roster=rosters[roster], by="county_mz"
    )


@when(parsers.parse("{user}开展{month}月度比对"))
def compare_rosters(world, user, month):
    world.comparison = world.attempt(lambda: world.eng.compare_rosters(month, by=s.USERS[user]))


@when(
    parsers.re(
        r'(?P<user>\S+?)将(?P<month>\d{4}-\d{2})台账中(?P<name>\S+?)的跟进状态设为"(?P<status>[^"]+)"，说明"(?P<note>[^"]*)"'
    )
)
def set_follow_up(world, user, month, name, status, note):
    rows = [r for r in world.eng.coverage_ledger(month, username=s.USERS[user]) if r.name == name]
    assert rows, f"{month}台账中没有{name}"
    code = {label: key for key, label in FOLLOW_UP.items()}.get(status, status)
    world.attempt(lambda: world.eng.set_coverage_follow_up(rows[0].id, code, note, s.USERS[user]))


@then(parsers.parse("比对监测人口{compared:d}人，未纳入救助{uncovered:d}人，台账新增{added:d}条"))
def comparison_counts(world, compared, uncovered, added):
    assert world.error is None, world.error
    found = world.comparison
    assert (found.compared, found.uncovered, found.added) == (compared, uncovered, added), found


@then(parsers.parse("{user}看到的{month}台账为："))
def coverage_ledger_rows(world, user, month, datatable):
    rows = world.eng.coverage_ledger(month, username=s.USERS[user])
    actual = [
        [r.name, r.id_number, "、".join(ROSTERS[g] for g in r.groups.split(",")), FOLLOW_UP[r.follow_up]]
        for r in rows
    ]
    assert actual == [row[:4] for row in datatable[1:]], actual
    for row, expected in zip(rows, datatable[1:], strict=True):
        if len(expected) > 4:
            assert expected[4] in row.risk, row.risk


@then(parsers.parse("{user}看到的低收入人口动态监测名册为："))
def monitoring_register_rows(world, user, datatable):
    found = world.eng.monitoring_register(username=s.USERS[user])
    assert [[r.name, r.basis] for r in found] == [row for row in datatable[1:]], found


@then(parsers.parse("名册新增{added:d}条，更新{updated:d}条，错误{errors:d}条"))
def roster_import_counts(world, added, updated, errors):
    result = world.import_result
    assert (result.added, result.updated, len(result.errors)) == (added, updated, errors), result


@then(parsers.parse('名册第{record:d}条的错误包括"{text}"'))
def roster_record_error(world, record, text):
    problems = [p for p in world.import_result.errors if p["record"] == record]
    assert problems and any(text in e["message"] for e in problems[0]["errors"]), world.import_result.errors


@then(parsers.parse('{user}打开待办"{task}"，表单显示"{text}"'))
def task_form_shows(world, user, task, text):
    row = world.open_task(task)
    page = world.eng.task_page(s.USERS[user], row.task_id)
    shown = json.dumps(page.schema, ensure_ascii=False)
    assert text in shown, shown[:2000]


@given(parsers.parse("{user}为{township}补充备用金{amount:d}元"))
@when(parsers.parse("{user}为{township}补充备用金{amount:d}元"))
def top_up_reserve(world, user, township, amount):
    world.attempt(lambda: world.eng.top_up_reserve(s.USERS[user], s.AREAS[township], amount, note="场景"))


@then(parsers.parse("{township}备用金余额为{amount:d}元"))
def reserve_balance(world, township, amount):
    assert world.eng.reserve("county_mz", s.AREAS[township])["balance"] == amount


@when(parsers.parse('居民对公示中的该案件提出异议："{content}"'))
def resident_objects(world, content):
    world.attempt(
        lambda: world.eng.submit_objection(
            world.case_no, {"objector_name": "匿名", "objection_content": content}, remote_addr="127.0.0.1"
        )
    )


@when("县民政局导入监测平台的预警文件（CSV）：")
def warning_csv_import(world, docstring):
    from engine.services import monitoring

    world.last_import_text = docstring.strip() + "\n"
    world.import_result = monitoring.import_warnings(
        world.eng.uow(), world.last_import_text, "csv", by="county_mz"
    )
    if world.import_result.started:
        world.case_no = world.import_result.started[0]


@when("再次导入同一文件")
def warning_csv_reimport(world):
    from engine.services import monitoring

    world.previous_import = world.import_result
    text = world.last_import_text
    world.import_result = monitoring.import_warnings(world.eng.uow(), text, "csv", by="county_mz")


@then(parsers.parse("导入新建案件{started:d}件，跳过{skipped:d}条，错误{errors:d}条"))
def import_counts(world, started, skipped, errors):
    result = world.import_result
    assert (len(result.started), len(result.skipped), len(result.errors)) == (started, skipped, errors), (
        result
    )


@then(parsers.parse('第{record:d}条预警的错误包括"{message}"'))
def import_error(world, record, message):
    [problem] = [p for p in world.import_result.errors if p["record"] == record]
    assert any(message in e["message"] for e in problem["errors"]), problem


@when(parsers.re(r'(?P<user>\S+?)办理"(?P<task>[^"]+)"，其中：'))
def complete_with(world, user, task, datatable):
    _complete(world, user, task, s.table_dict(datatable))


@when(parsers.re(r'(?P<user>\S+?)办理"(?P<task>[^"]+)"$'))
def complete_default(world, user, task):
    _complete(world, user, task)


@when(parsers.parse("时间过去{n:d}天"))
def days_pass(world, n):
    world.traveller.shift(timedelta(days=n))
    world.eng.fire_due()


@when(parsers.parse("时间过去{n:d}小时"))
def hours_pass(world, n):
    world.traveller.shift(timedelta(hours=n))
    world.eng.fire_due()


@when(parsers.parse("时间过去{n:d}个工作日"))
def working_days_pass(world, n):
    world.traveller.move_to(add_working_days(world.eng.now(), n) + timedelta(minutes=1))
    world.eng.fire_due()


# ---------------------------------------------------------------------------------------- 那么
@then(parsers.parse('案件状态为"{status}"'))
def case_status(world, status):
    view = world.view()
    assert view.status == s.STATUSES[status], (view.status, view.attention)


@then(parsers.parse('案件结果为"{outcome}"'))
def case_outcome(world, outcome):
    assert world.view().outcome == s.OUTCOMES[outcome], world.view().outcome


@then(parsers.parse('案件类别为"{category}"'))
def case_category(world, category):
    assert world.view().category == s.CATEGORIES[category]


@then(parsers.parse('待办为"{names}"'))
def open_tasks_are(world, names):
    view = world.view()
    assert (
        view.attention is None or view.status != "needs_attention" or not view.attention.get("element_id")
    ), view.attention
    assert sorted(t.name for t in view.open_tasks) == sorted(names.split("、"))


@then("案件没有待办")
def running_without_tasks(world):
    view = world.view()
    assert not view.open_tasks and view.status == "running", (view.status, [t.name for t in view.open_tasks])


@then(parsers.parse('待办"{task}"由{area}的{role}办理'))
def task_role(world, task, area, role):
    row = world.open_task(task)
    roles = {
        "村(社区)": "village",
        "乡镇(街道)": "township",
        "县级民政部门": "county",
        "县人民政府": "county_gov",
        "县级协调机制": "coordination",
    }
    assert row.role == roles[role] and row.area_code.startswith(s.AREAS[area]), (row.role, row.area_code)


@then("没有待办")
def no_open_tasks(world):
    assert world.view().open_tasks == []


def _reached_pairs(world) -> set[tuple[str, str]]:
    return {(process, element) for process, element in world.view().reached.get("nodes", [])}


@then(parsers.parse('流程经过"{name}"'))
def reached(world, name):
    elements = s.element_names()[name]  # (process, element): the process must match as well as the id
    assert elements & _reached_pairs(world), f"未经过“{name}”"


@then(parsers.parse('流程未经过"{name}"'))
def not_reached(world, name):
    elements = s.element_names()[name]
    assert not elements & _reached_pairs(world), f"不应经过“{name}”"


@then(parsers.parse('台账第{n:d}笔的说明包含"{text}"'))
def ledger_note(world, n, text):
    payments = world.view().payments
    assert len(payments) >= n and text in (payments[n - 1]["note"] or ""), payments


@then(parsers.parse("台账共{n:d}笔记录"))
def ledger_count(world, n):
    assert len(world.view().payments) == n, world.view().payments


@then("台账记录为：")
def ledger_rows(world, datatable):
    expected = [(int(r[0]), s.WAYS[r[1]], r[2]) for r in datatable[1:]]
    actual = [
        (p["amount"], p["way"], str(p["stage"]) if p["way"] != "referral" else p["note"])
        for p in world.view().payments
    ]
    assert actual == expected, actual


@then("案件页的分类审核认定为：")
def category_results(world, datatable):
    """一次申请、分类审核认定 (004 §二(一)): per category, what the standard gave and what was decided."""
    rows = world.view().category_results
    assert [[r["title"], r["meets"], r["decision"]] for r in rows] == [r[:3] for r in datatable[1:]], rows
    for row, expected in zip(rows, datatable[1:], strict=True):
        if len(expected) > 3:
            assert expected[3] in row["finding"], row["finding"]


@then(parsers.parse('{user}看到的台账中有该案件申请人"{name}"的转介记录"{note}"'))
def referral_in_county_ledger(world, user, name, note):
    from engine.views.reports import LedgerFilter

    rows = world.eng.reports().ledger(s.USERS[user], LedgerFilter(), limit=500).rows
    found = [(r.applicant_name, r.way, r.note) for r in rows if r.case_no == world.case_no]
    assert (name, "referral", note) in found, found


@then(parsers.parse('{user}的备案名单中有该案件，原因为"{code}"'))
def on_watch_list(world, user, code):
    entries = [e for e in world.eng.watch_list(s.USERS[user]) if e["case_no"] == world.case_no]
    assert [e["reason_code"] for e in entries] == [code], entries


@then(parsers.parse("{area}救助结果公开中该案件为："))
def published_results(world, area, datatable):
    """Every payment published (002 §五), masked, within the county's working days of the payment."""
    expected = [(int(r[0]), s.WAYS[r[1]], int(r[2])) for r in datatable[1:]]
    view = world.view()
    entries = [e for e in world.eng.public_results(s.AREAS[area]) if e["case_no"] == world.case_no]
    assert sorted((e["amount"], e["way"], e["stage"]) for e in entries) == sorted(expected), entries
    days = world.eng.parameters("639001").get("publish_within_working_days")
    for entry in entries:
        paid = next(p for p in view.payments if p["stage"] == entry["stage"] and p["way"] == entry["way"])
        assert entry["published_at"] <= add_working_days(paid["recorded_at"], days), (entry, paid)
        shown = str(entry)
        assert view.applicant_id_number not in shown and view.applicant_name not in shown, shown


@then(parsers.parse("{area}救助结果公开中没有该案件"))
def not_published(world, area):
    assert not [e for e in world.eng.public_results(s.AREAS[area]) if e["case_no"] == world.case_no]


@then(parsers.parse('发出"{kind}"告知书，理由包含"{text}"'))
def notice_with_reason(world, kind, text):
    kinds = {"不予救助": "refusal", "批准": "approval", "发放": "payment", "终止救助": "termination"}
    notices = [n for n in world.view().notices if n["kind"] == kinds[kind]]
    assert any(text in str(n["fields"].get("reason", "")) for n in notices), notices


@then(parsers.parse('发出"{kind}"告知书'))
def notice_issued(world, kind):
    kinds = {"不予救助": "refusal", "批准": "approval", "发放": "payment", "终止救助": "termination"}
    assert any(n["kind"] == kinds[kind] for n in world.view().notices), world.view().notices


@then(parsers.parse("案件数据{key}为{value}"))
def data_value(world, key, value):
    view = world.view()
    assert view.data.get(key) == json.loads(value), (
        key,
        view.data.get(key),
        [p["note"] for p in view.payments],
        view.data.get("referral_targets"),
    )


@then(parsers.parse('案件需关注，提示包含"{text}"'))
def needs_attention(world, text):
    view = world.view()
    assert view.status == "needs_attention" and text in (view.attention or {}).get("error", ""), (
        view.attention
    )


@then(parsers.parse("首笔发放在受理后{n:d}小时内"))
def first_payment_within(world, n):
    view = world.view()
    accepted = [
        e["at"]
        for e in view.events
        if e["action"] == "task_completed" and (e.get("data") or {}).get("intake_decision") == "accept"
    ]
    money = [p for p in view.payments if p["way"] != "referral"]
    assert accepted and money, (accepted, money)
    assert money[0]["recorded_at"] - accepted[0] <= timedelta(hours=n), (accepted[0], money[0]["recorded_at"])


@then(parsers.parse('案件时间线有备注"{text}"，案件不需关注'))
def remark_on_timeline(world, text):
    view = world.view()
    remarks = [e["data"]["message"] for e in view.events if e["action"] == "remark"]
    assert any(text in m for m in remarks), remarks
    assert view.status != "needs_attention", view.attention


@then(parsers.parse("{area}公示栏中该案件的金额为{amount:d}元"))
def public_notice_amount(world, area, amount):
    [entry] = [n for n in world.eng.public_notices(s.AREAS[area]) if n["case_no"] == world.case_no]
    assert entry["amount"] == amount, entry
    assert world.view().applicant_id_number not in str(entry)


@then(parsers.parse('待办"{task}"的办理期限为{n:d}个工作日'))
def task_due(world, task, n):
    row = world.open_task(task)
    expected = add_working_days(row.created_at, n)
    assert abs((row.due_at - expected).total_seconds()) < 120, (row.due_at, expected)


@then(parsers.parse("{area}公示栏中有该案件"))
def on_public_notice(world, area):
    assert any(n["case_no"] == world.case_no for n in world.eng.public_notices(s.AREAS[area]))


@then(parsers.parse("{area}公示栏中没有该案件"))
def not_on_public_notice(world, area):
    assert not any(n["case_no"] == world.case_no for n in world.eng.public_notices(s.AREAS[area]))


@then(parsers.parse('{area}申请表的县定其他特殊困难类型只有"{items}"'))
def county_hardship_choices(world, area, items):
    field = world.eng.start_form(s.AREAS[area])["properties"]["other_hardship_type"]
    assert [o["const"] for o in field["oneOf"]] == items.split("、"), field


@then(parsers.parse("操作被拒绝：{message}"))
def refused_action(world, message):
    assert isinstance(world.error, NotPermitted), world.error
    assert message in str(world.error), str(world.error)
    world.error = None  # the refusal was expected; later steps look at the unchanged case


@then("提交被退回，错误包括：")
def validation_errors(world, datatable):
    assert isinstance(world.error, ValidationFailed), world.error
    actual = [(e.path, e.message) for e in world.error.errors]
    for path, message in datatable[1:]:
        assert any(p == path and message in m for p, m in actual), actual
    world.error = None


@then("没有创建案件")
def no_case(world):
    assert world.case_no is None


@then(parsers.parse('待办"{task}"的办理期限为{n:d}小时'))
def task_due_hours(world, task, n):
    row = world.open_task(task)
    assert abs((row.due_at - row.created_at).total_seconds() - n * 3600) < 120, (row.due_at, row.created_at)
