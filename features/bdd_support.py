"""What the acceptance scenarios share: demo people and places, a valid application, valid form data
for every user task, and the Chinese words the scenarios use for codes.

The defaults here are *valid* submissions; each scenario states only what matters to its policy
sentence and overrides the rest with a table.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"
FORMS_DIR = ROOT / "forms"

AREAS = {
    "示范县": "639001",
    "城关镇": "639001001",
    "青山乡": "639001002",
    "东村": "639001001001",
    "西村": "639001001002",
    "南村": "639001002001",
}
USERS = {
    "东村村干部": "village_dong",
    "南村村干部": "village_nan",
    "城关镇经办人": "town_chengguan",
    "青山乡经办人": "town_qingshan",
    "县民政局": "county_mz",
    "县人民政府": "county_gov",
    "协调机制秘书": "coord_sec",
}
REASONS = {
    "火灾事故": "disaster_accident",
    "突发重病": "sudden_illness",
    "医疗支出": "medical_expense",
    "教育支出": "education_expense",
    "照料重度残疾人": "disability_care",
    "其他特殊困难": "other_hardship",
    "住院期间死亡的剩余医疗费用": "hospital_death_medical",
    "危房改造或灾后重建自筹困难": "housing_rebuild",
}
CATEGORIES = {"急难型": "emergency", "支出型": "expenditure", "重大生活困难": "major"}
HOUSEHOLD = {"低保": "dibao", "特困": "tekun", "建档立卡": "jiandang", "低保边缘": "dibao_edge"}
STATUSES = {"运行中": "running", "已办结": "completed", "需关注": "needs_attention"}
OUTCOMES = {
    "办理中": None,
    "批准救助": "approved",
    "不予救助": "refused",
    "线索不属实": "withdrawn",
    "终止救助": "terminated",
    "核查仍符合条件": "still_eligible",
    "转介": "referred",
}
WAYS = {"现金": "cash", "实物": "in_kind", "转介": "referral", "银行转账": "bank"}

# Valid 18-digit ID numbers (GB 11643 check digits), one per person in the scenarios.
IDS = [
    "11010519491231002X",
    "63010219850315002X",
    "110105197506060030",
    "630102199208080027",
    "110101199003074477",
    "11010120000101007X",
    "630102201001010013",
]

APPLICATION = {
    "applicant": {
        "name": "张秀英",
        "id_number": IDS[0],
        "phone": "13800000001",
        "hukou_local": True,
        "address": "城关镇东村12号",
    },
    "household_members": [],
    "household_categories": [],
    "reason": "disaster_accident",
    "description": "昨夜房屋失火，住房严重损毁不能居住",
    "emergency_date": "2027-02-28",
    "emergency_place": "城关镇东村",
    "needed_amount": 800,
    "applying_dibao_tekun": False,
    "submitted_by": "self",
    "documents": [{"kind": "id_card"}, {"kind": "accident_proof", "note": "消防证明"}],
}

# A decision whose amount differs from the computed standard records why (002 §四); the scenarios
# that check the rule delete it.
BANK_ACCOUNT = "6222020200001234567"
AMOUNT_REASON = "按实际困难程度和已获其他救助情况确定"
STAFF = [{"name": "王村干", "position": "东村村委"}, {"name": "李经办", "position": "城关镇民政"}]
SUPPLEMENT = {
    "recipient_name": "张秀英",
    "recipient_id_number": IDS[0],
    "aid_reason": "房屋失火",
    "paid_amount": 700,
    "handlers": [{"name": "李经办"}],
    "sealed": True,
    "completed_on": "2027-03-05",
    "explanation": "急难情况已缓解，补办登记和签字盖章",
}
INTAKE_REVIEW = {
    "intake_decision": "accept",
    "severity": "general",
    "complex_case": False,
    "documents_complete": True,
    "poverty_cause": "disaster",
    # 001 ¶5: the expense has happened and the household cannot carry it (the usual emergency and
    # 支出型 routes); the scenarios of 先期垫付 and 事后救助 say otherwise.
    "expense_incurred": True,
    "can_carry_expense": False,
}
# What an application for each 支出型 case records beyond the common fields (002 §二(二)3–6): facts
# that meet the case; the scenarios of a rule override the one that matters.
CASE_DETAILS = {
    "medical_expense": {
        "medical_costs": {
            "total_cost": 60000,
            "basic_insurance": 30000,
            "critical_illness_insurance": 10000,
            "commercial_insurance": 0,
            "medical_aid": 8000,
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
TASK_DATA = {
    "受理审查": INTAKE_REVIEW,
    "县级民政部门受理审查": INTAKE_REVIEW,
    "核实主动发现线索": {
        "visit_date": "2027-03-01",
        "visit_staff": STAFF,
        "hardship_confirmed": True,
        "household_agrees": True,
        "findings": "实地调查，困难情况属实",
        "warning_handling": "apply_policy",
    },
    "入户调查并开具暂住说明": {
        "visit_date": "2027-03-02",
        "visit_staff": STAFF,
        "actually_resides": True,
        "residence_statement_issued": True,
        "statement_no": "ZZ-2027-001",
        "statement_date": "2027-03-02",
        "findings": "在本社区实际居住两年",
    },
    "转入低保/特困审核审批": {"referred_to": "dibao", "referred_on": "2027-03-20"},
    "先行救助决定": {
        "amount": 700,
        "aid_way": "cash",
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": AMOUNT_REASON,
    },
    "县级民政部门先行救助决定": {
        "county_decision": "approve",
        "amount": 3000,
        "aid_way": "cash",
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": AMOUNT_REASON,
    },
    "补办手续": SUPPLEMENT,
    "县级督办补办手续": SUPPLEMENT,
    "跟进评估": {"hardship_status": "resolved", "assessment": "困难已缓解", "assessed_on": "2027-03-20"},
    "核实生活必需支出": {
        "expense_items": [{"kind": "medical", "amount": 12000, "evidence": "住院票据"}],
        "verified_expense_total": 12000,
        "verified_on": "2027-03-03",
        "verification_note": "住院自付费用属实",
    },
    "家庭经济状况核对": {
        "authorization_signed_by_all_adults": True,
        "household_annual_income": 20000,
        "property_within_rules": True,
        "checked_on": "2027-03-03",
        "check_sources": ["civil_affairs", "tax"],
    },
    # 004 §二(一): the county decides each category; a scenario states the ones it recognises.
    "分类审核认定": {
        "tekun_decision": "not_recognize",
        "tekun_reason": "经审核不符合特困人员认定标准",
        "dibao_decision": "not_recognize",
        "dibao_reason": "经审核不符合最低生活保障认定标准",
        "dibao_edge_decision": "not_recognize",
        "dibao_edge_reason": "经审核不符合低保边缘家庭认定标准",
        "zhichu_decision": "not_recognize",
        "zhichu_reason": "经审核不符合支出型困难家庭认定标准",
        "categories_decided_on": "2027-03-20",
    },
    "入户调查": {
        "visit_date": "2027-03-04",
        "visit_staff": STAFF,
        "living_conditions": "家中无其他收入来源",
        "applicant_signed": True,
        "findings": "困难情况属实",
    },
    "邻里走访": {
        "visited": [{"name": "赵大爷", "opinion": "情况属实"}],
        "visit_date": "2027-03-04",
        "summary": "邻里反映情况属实",
    },
    "民主评议": {
        "review_date": "2027-03-05",
        "participants": 9,
        "votes_for": 9,
        "votes_against": 0,
        "review_opinion": "agree",
        "minutes": "村民代表一致同意救助",
    },
    "核实公示异议": {
        "objection_verdict": "founded",
        "objection_finding": "经核实申请人确有未申报的经营收入",
        "checked_on": "2027-03-08",
    },
    "乡镇审核": {
        "township_opinion": "approve",
        "proposed_amount": 2100,
        "aid_way": "bank",
        "bank_account": BANK_ACCOUNT,
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": AMOUNT_REASON,
    },
    "县级民政部门审批": {
        "county_decision": "approve",
        "amount": 2100,
        "aid_way": "bank",
        "bank_account": BANK_ACCOUNT,
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": AMOUNT_REASON,
    },
    "重大生活困难调查核实": {
        "visit_date": "2027-03-02",
        "visit_staff": STAFF,
        "household_annual_income": 12000,
        "rigid_expense_total": 150000,
        "covered_by_other_aid": 90000,
        "findings": "重大刚性支出远超家庭承受能力",
    },
    "县级民政审核并提请协调机制": {"county_opinion": "submit", "proposed_amount": 4000},
    "协调机制一事一议": {
        "meeting_date": "2027-03-15",
        "attendees": [{"name": "周科长", "unit": "县民政局"}, {"name": "钱主任", "unit": "县医保局"}],
        "minutes": "协调机制会议一事一议，同意给予特别救助",
        "coordination_decision": "approve",
        "decided_amount": 4000,
        "aid_way": "bank",
        "bank_account": BANK_ACCOUNT,
        "instalments": 1,
        "referral_needed": False,
        "amount_reason": AMOUNT_REASON,
    },
    "县人民政府研究同意": {"consent": True, "document_no": "示政办〔2027〕12号"},
    "发放": {"paid_on": "2027-03-02", "voucher_no": "FF-001", "handler": "李经办", "recipient_signed": True},
    "转介服务": {"referral_targets": ["medical"]},
    "医疗救助结算登记": {
        "settlement_total_cost": 60000,
        "settlement_insurance_paid": 40000,
        "settlement_medical_aid_paid": 8000,
        "settlement_self_pay": 12000,
        "settlement_document_no": "YLJZ-2027-0001",
        "settled_on": "2027-03-02",
    },
    "核查是否仍符合救助条件": {
        "continuation": "continue",
        "continuation_finding": "入户核查，家庭仍无收入来源，仍符合救助条件",
        "checked_on": "2027-03-02",
    },
    "核实是否终止救助": {
        "continuation": "continue",
        "continuation_finding": "入户核查，家庭仍无收入来源，仍符合救助条件",
        "checked_on": "2027-04-01",
    },
    "跟进评估后转介服务": {"referral_targets": ["medical"]},
}


def application(reason: str | None = None) -> dict:
    app = copy.deepcopy(APPLICATION)
    if reason:
        app["reason"] = reason
        app.update(copy.deepcopy(CASE_DETAILS.get(reason, {})))
    return app


def task_data(task_name: str, overrides: dict | None = None) -> dict:
    data = copy.deepcopy(TASK_DATA[task_name])
    for key, value in (overrides or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def cell_value(text: str):
    """A table cell: JSON when it parses (numbers, true/false, lists, quoted strings), else the text;
    the word 删除 removes the field."""
    text = text.strip()
    if text == "删除":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def table_dict(datatable) -> dict:
    rows = [row for row in datatable if row and row[0] not in ("字段", "field")]
    return {row[0].strip(): cell_value(row[1]) for row in rows}


def set_path(target: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    if value is None:
        target.pop(keys[-1], None)
    else:
        target[keys[-1]] = value


def element_names() -> dict[str, set[tuple[str, str]]]:
    """Element name -> (process id, element id) pairs in all diagrams, so a scenario can say which
    step a case went through: the same id (Script_Refuse, Rule_Amount) recurs in several processes."""
    names: dict[str, set[tuple[str, str]]] = {}
    for path in BPMN_DIR.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
            for node in process.iter():
                if isinstance(node.tag, str) and node.get("id") and node.get("name") is not None:
                    names.setdefault(node.get("name"), set()).add((process.get("id"), node.get("id")))
    return names
