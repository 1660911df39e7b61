"""Valid data for every form of the shipped diagrams, and helpers that walk a case to a step through
the engine (fast set-up; the step under test then goes through HTTP)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import time_machine
from stdnum.cn import ric

from engine import Engine

USER_OF_ROLE = {
    "township": "town_chengguan",
    "village": "village_dong",
    "county": "county_mz",
    "county_gov": "county_gov",
    "coordination": "coord_sec",
}
DONG = "639001001001"  # 城关镇 东村
NAN = "639001002001"  # 青山乡 南村


def id_number(serial: int, birth: str = "19850315") -> str:
    """A valid 18-digit ID number (GB 11643 check digit) in 示范县's region."""
    body = f"630102{birth}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


# What an application for a 支出型 case records beyond the common fields (002 §二(二)3–6).
CASE_DETAILS = {
    "medical_expense": {
        "medical_costs": {
            "total_cost": 40000,
            "basic_insurance": 20000,
            "critical_illness_insurance": 5000,
            "commercial_insurance": 0,
            "medical_aid": 3000,
        }
    },
    "education_expense": {
        "education": {"student_name": "王小明", "level": "senior_high", "self_paid_school_choice": False}
    },
    "disability_care": {
        "disability_care": {
            "disabled_person_name": "王大山",
            "disability_grade": "1",
            "carer_name": "张秀英",
            "carer_unable_to_work": True,
        }
    },
    "other_hardship": {"other_hardship_type": "因见义勇为受伤导致基本生活暂时困难"},
}


def application(
    reason: str = "disaster_accident",
    amount: int = 800,
    name: str = "张秀英",
    serial: int = 1,
    members: int = 0,
) -> dict:
    # the case details last: a form shows them once 申请事由 is chosen
    return {
        "applicant": {
            "name": name,
            "id_number": id_number(serial),
            "phone": "13800000001",
            "hukou_local": True,
        },
        "household_members": [
            {
                "name": f"家人{i + 1}",
                "id_number": id_number(serial * 10 + i + 500, "20100101"),
                "relation": "child",
            }
            for i in range(members)
        ],
        "household_categories": [],
        "reason": reason,
        "description": "昨夜房屋失火，住房严重损毁不能居住",
        "emergency_date": "2026-11-20",
        "emergency_place": "东村",
        "needed_amount": amount,
        "applying_dibao_tekun": False,
        "submitted_by": "self",
    } | copy.deepcopy(CASE_DETAILS.get(reason, {}))


FORM_DATA = {
    "discovery-verify.schema.json": {
        "visit_date": "2026-11-20",
        "visit_staff": [{"name": "王村干"}],
        "hardship_confirmed": True,
        "household_agrees": True,
        "findings": "走访核实，住房失火损毁属实",
        "warning_handling": "apply_policy",
    },
    "intake-review.schema.json": {
        "intake_decision": "accept",
        "documents_complete": True,
        "severity": "serious",
        "complex_case": False,
        "poverty_cause": "disaster",
        "expense_incurred": True,
        "can_carry_expense": False,
    },
    "pay-first.schema.json": {
        "amount": 800,
        "aid_way": "cash",
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": "按受灾后实际需要确定",  # differs from the computed standard (002 §四)
    },
    "payment.schema.json": {
        "paid_on": "2026-11-21",
        "voucher_no": "V-001",
        "handler": "李经办",
        "recipient_signed": True,
    },
    "supplement.schema.json": {
        "recipient_name": "张秀英",
        "recipient_id_number": id_number(1),
        "aid_reason": "火灾住房损毁",
        "paid_amount": 800,
        "handlers": [{"name": "李经办"}, {"name": "王村干"}],
        "sealed": True,
        "completed_on": "2026-11-22",
        "explanation": "补办手续已完成",
    },
    "follow-up.schema.json": {
        "hardship_status": "resolved",
        "assessment": "困难已经缓解",
        "assessed_on": "2026-11-25",
    },
    "economic-check.schema.json": {
        "authorization_signed_by_all_adults": True,
        "household_annual_income": 20000,
        "property_within_rules": True,
        "checked_on": "2026-11-21",
        "check_sources": ["civil_affairs"],
    },
    "category-decision.schema.json": {
        "tekun_decision": "not_recognize",
        "tekun_reason": "经审核不符合",
        "dibao_decision": "not_recognize",
        "dibao_reason": "经审核不符合",
        "dibao_edge_decision": "not_recognize",
        "dibao_edge_reason": "经审核不符合",
        "zhichu_decision": "not_recognize",
        "zhichu_reason": "经审核不符合",
        "categories_decided_on": "2026-11-25",
    },
    "home-visit.schema.json": {
        "visit_date": "2026-11-21",
        "visit_staff": [{"name": "王村干"}, {"name": "赵村干"}],
        "living_conditions": "家庭生活十分困难",
        "applicant_signed": True,
        "findings": "情况属实，建议救助",
    },
    "neighbour-visit.schema.json": {
        "visited": [{"name": "邻居甲", "opinion": "情况属实属实"}],
        "visit_date": "2026-11-21",
        "summary": "邻里反映情况属实",
    },
    "democratic-review.schema.json": {
        "review_date": "2026-11-22",
        "participants": 7,
        "votes_for": 7,
        "votes_against": 0,
        "review_opinion": "agree",
        "minutes": "一致同意给予救助",
    },
    "township-review.schema.json": {
        "township_opinion": "approve",
        "proposed_amount": 1000,
        "aid_way": "bank",
        "bank_account": "6222020200001234567",
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": "按核实的必需支出确定",
    },
    "county-approval.schema.json": {
        "county_decision": "approve",
        "amount": 3000,
        "aid_way": "bank",
        "bank_account": "6222020200001234567",
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": "按核实的必需支出确定",
    },
    "objection.schema.json": {
        "objector_name": "匿名",
        "objection_content": "申请人家中有轿车，情况不实",
    },
    "objection-review.schema.json": {
        "objection_verdict": "founded",
        "objection_finding": "经核实申请人家中确有轿车",
        "checked_on": "2026-11-23",
    },
}


def form_data(form: str) -> dict:
    return copy.deepcopy(FORM_DATA[form])


def start(eng: Engine, app: dict | None = None, area: str = DONG, by: str = "town_chengguan") -> str:
    return eng.start_case(app or application(), area, by=by).case_no


def task_named(eng: Engine, case_no: str, name: str):
    return next(t for t in eng.open_tasks(case_no) if t.name == name)


# `advance(…, PUBLICITY)`: until the case waits on the public notice (信息公示), where no clerk has a
# task and a resident may object.
PUBLICITY = "信息公示"


def on_notice(eng: Engine, case_no: str) -> bool:
    township = eng.case_view(case_no).area_code[:9]
    return any(n["case_no"] == case_no for n in eng.public_notices(township))


def advance(eng: Engine, case_no: str, until: str, overrides: dict | None = None, limit: int = 20) -> None:
    """Complete the case's open tasks with valid data until a task named `until` is open; the
    publicity period is let run out when the case waits on it and `until` lies beyond it."""
    for _ in range(limit):
        tasks = eng.open_tasks(case_no)
        if any(t.name == until for t in tasks):
            return
        if not tasks and on_notice(eng, case_no):
            if until == PUBLICITY:
                return
            expire_publicity(eng)
            continue
        if not tasks:
            raise AssertionError(f"{case_no} ended before reaching {until}")
        task = tasks[0]
        data = form_data(task.form)
        data.update((overrides or {}).get(task.form, {}))
        eng.complete(USER_OF_ROLE[task.role], task.task_id, data)
    raise AssertionError(f"{case_no} did not reach {until}")


def expire_publicity(eng: Engine, days: int = 8) -> int:
    """Let the publicity period run out (SpiffWorkflow reads the real clock, so time travels)."""
    with time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True):
        return eng.fire_due()
