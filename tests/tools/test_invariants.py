"""The explorer's invariants catch what the texts forbid, on histories written by hand, and the
explorer's command prints its figures in the form CI reads."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import invariants as inv

T0 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # Monday 09:00 in the county
PARAMS = {
    "township_pay_first_limit": 1000,
    "township_approval_limit": 1000,
    "county_pay_first_limit": 5000,
    "cap_multiplier": 6,
    "dibao_standard_monthly": 700,
    "emergency_pay_hours": 24,
    "publicity_days": 7,
    "publish_within_working_days": 10,
    "home_visit_min_staff": 2,
    "max_instalments": 6,
    "prior_year_income_per_capita": 24000,
}


class Story:
    """A hand-written case history: clerks' steps, payments, what the public notice showed."""

    def __init__(
        self,
        reason="disaster_accident",
        declared=(),
        confirmed=(),
        size=1,
        hukou_local=True,
        permit=True,
        applying=False,
    ):
        household = inv.Household(
            "11010519491231002X",
            [f"6301021992080800{i}7" for i in range(size - 1)],
            list(declared),
            list(confirmed),
            hukou_local,
            permit,
            reason,
            800,
            applying,
            "张秀英",
        )
        self.h = inv.CaseHistory("639001-2027-000001", "639001001001", 0, T0, household, PARAMS)
        self.step, self.at, self.open = 0, T0, []
        self.snapshot()

    def task(self, form: str, role: str, name: str = "", due: timedelta | None = None) -> inv.Task:
        task = inv.Task(
            f"t{len(self.h.opened)}",
            name or form,
            name or form,
            form,
            role,
            "639001001001",
            self.at,
            self.at + due if due else None,
        )
        self.h.opened[task.task_id] = (task, self.step)
        return task

    def done(self, form: str, role: str, **data) -> inv.Story:
        self.step += 1
        self.h.acts.append(inv.Act(self.step, self.at, "complete", role, role, self.task(form, role), data))
        return self.snapshot()

    def pay(self, amount: int, way: str = "cash", stage: int = 1) -> Story:
        self.step += 1
        self.h.acts.append(
            inv.Act(
                self.step,
                self.at,
                "complete",
                "town",
                "township",
                self.task("payment.schema.json", "township"),
                {},
            )
        )
        self.h.payments.append(inv.Payment(amount, way, stage, f"V{self.step}", self.at, self.step))
        return self.snapshot()

    def publish(self, kind="notice", amount=700) -> Story:
        entry = {
            "case_no": self.h.case_no,
            "name": "张*英",
            "amount": amount,
            "published_at": self.at,
            "until": self.at + timedelta(days=7),
            "kind": kind,
        }
        self.public = [entry]
        self.h.public_seen.append((self.step, entry))
        return self

    def wait(self, **delta) -> Story:
        self.at += timedelta(**delta)
        self.step += 1
        return self.snapshot()

    def snapshot(self, status="running", outcome=None, attention=None) -> Story:
        self.h.snapshots.append(
            inv.Snapshot(
                self.step,
                self.at,
                status,
                outcome,
                None,
                None,
                attention,
                {},
                tuple(self.open),
                (),
                tuple(getattr(self, "public", [])),
            )
        )
        return self


def problems(invariant_id: str, story: Story) -> list[str]:
    return list(inv.by_id()[invariant_id].check(story.h))


def test_every_invariant_names_clauses_of_the_catalogue():
    import json

    spec = importlib.util.spec_from_file_location("jiuzhu_trace_i", ROOT / "tools" / "trace.py")
    trace = importlib.util.module_from_spec(spec)
    sys.modules["jiuzhu_trace_i"] = trace
    spec.loader.exec_module(trace)
    ids = {c["id"] for c in json.loads(trace.find_clauses(None).read_text(encoding="utf-8"))}
    assert len(inv.INVARIANTS) >= 15
    assert len({i.id for i in inv.INVARIANTS}) == len(inv.INVARIANTS)
    for item in inv.INVARIANTS:
        assert item.clauses and set(item.clauses) <= ids, item.id
    assert set(inv.EXPECTED_FAILURES) <= {i.id for i in inv.INVARIANTS}


def test_a_township_pay_first_above_its_limit_breaks_the_authority_rule():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("pay-first.schema.json", "township", amount=1200).pay(1200)
    assert problems("INV-01", story)
    ok = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    ok.done("pay-first.schema.json", "township", amount=1000).pay(1000)
    assert not problems("INV-01", ok)


def test_the_county_may_pay_first_up_to_its_own_limit_only():
    story = Story(size=2).done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("county-emergency-approval.schema.json", "county", county_decision="approve", amount=6000).pay(
        6000
    )
    assert problems("INV-01", story)  # 6000 is within the cap (8400) but above the county's pay-first 5000
    story = Story(size=2).done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("county-emergency-approval.schema.json", "county", county_decision="refuse").pay(500)
    assert problems("INV-01", story)  # a refusal grants nothing


def test_an_emergency_published_before_it_is_paid_breaks_pay_first():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept").publish()
    story.wait(days=7).pay(700)
    assert any("公示" in p for p in problems("INV-02", story))
    ok = Story().done("intake-review.schema.json", "township", intake_decision="accept").pay(700)
    ok.done("economic-check.schema.json", "township")  # a follow-up check after the payment is allowed
    assert not problems("INV-02", ok)


def test_an_unpaid_emergency_past_24_hours_must_show_escalation():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept").wait(hours=25)
    assert problems("INV-03", story)
    flagged = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    flagged.at += timedelta(hours=24, minutes=1)
    flagged.step += 1
    flagged.snapshot(status="needs_attention", attention={"element_id": None, "error": "急难救助逾期"})
    assert not problems("INV-03", flagged)


def test_above_the_cap_needs_the_county_governments_consent():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("coordination-decision.schema.json", "coordination", decided_amount=5000).pay(5000)
    assert problems("INV-04", story)
    story.done("county-gov-consent.schema.json", "county_gov", consent=True).pay(100, stage=2)
    assert len(problems("INV-04", story)) == 1  # the first payment still came before the consent


def test_a_declared_status_the_roster_does_not_confirm_waives_no_check():
    story = Story(reason="medical_expense", declared=["dibao"]).done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.done("verify-expenses.schema.json", "township").pay(700, way="bank")
    assert problems("INV-06", story)
    confirmed = Story(reason="medical_expense", declared=["dibao"], confirmed=["dibao"]).done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    confirmed.done("verify-expenses.schema.json", "township").pay(700, way="bank")
    assert not problems("INV-06", confirmed)
    confirmed.task("economic-check.schema.json", "township", "家庭经济状况核对")
    assert problems("INV-05", confirmed)  # a confirmed household never gets the income check


def test_expenditure_paid_before_the_publicity_period_ends_breaks_the_procedure():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.done("home-visit.schema.json", "village", visit_staff=[{"name": "a"}, {"name": "b"}])
    story.done("neighbour-visit.schema.json", "village").done("democratic-review.schema.json", "village")
    story.publish().wait(days=3).pay(700, way="bank")
    assert any("未满" in p for p in problems("INV-07", story))


def test_paying_more_than_the_publicised_amount_is_caught():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.publish(amount=700).wait(days=8).pay(2100, way="bank")
    assert any("公示金额 700" in p for p in problems("INV-09", story))


def test_a_payment_not_published_within_ten_working_days_is_caught():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept").pay(700)
    story.wait(days=15)  # ten working days after Monday 03-01 is Monday 03-15
    assert problems("INV-11", story)
    story.publish(kind="result")
    story.h.public_seen[-1][1]["published_at"] = story.at
    assert not problems("INV-11", story)


def test_a_refusal_without_a_written_reason_is_caught():
    story = Story().snapshot(status="completed", outcome="refused")
    assert problems("INV-12", story)
    story.h.notices.append({"kind": "refusal", "fields": {"reason": "经审查不属于临时救助范围"}, "step": 1})
    assert not problems("INV-12", story)


def test_a_household_member_repeating_the_same_reason_is_not_paid_again():
    first = Story().done("intake-review.schema.json", "township", intake_decision="accept").pay(700)
    second = Story(size=2).done("intake-review.schema.json", "township", intake_decision="accept")
    second.h.household.applicant_id = "630102199208080027"
    second.h.household.member_ids = [first.h.household.applicant_id]
    second.h.earlier = [first.h]
    second.pay(700)
    assert problems("INV-13", second)
    second.h.acts[0].data["new_circumstance"] = "住房再次失火"
    assert not problems("INV-13", second)


def test_a_task_in_the_wrong_lane_is_caught():
    story = Story()
    story.open = [
        inv.Task(
            "t",
            "民主评议",
            "Task_Review",
            "democratic-review.schema.json",
            "county",
            "639001001001",
            T0,
            None,
        )
    ]
    story.snapshot()
    inv.USERS[:] = [("county", "639001"), ("village", "639001001001")]
    assert any("文本规定" in p for p in problems("INV-14", story))


def test_a_missed_deadline_without_escalation_is_caught():
    story = Story()
    task = story.task("township-review.schema.json", "township", "乡镇审核", due=timedelta(days=20))
    story.open = [task]
    story.snapshot().wait(days=21)
    assert problems("INV-15", story)
    story.open.append(
        inv.Task("x", "县级督办", "Task_Escalated", None, "county", "639001001001", story.at, None)
    )
    story.h.opened["x"] = (story.open[-1], story.step + 1)
    story.wait(minutes=1)
    assert not problems("INV-15", story)


def test_a_task_that_opens_already_overdue_must_show_escalation_when_it_opens():
    story = Story().wait(days=2)  # the limit ran out at an earlier step, before the task existed
    task = story.task("payment.schema.json", "township", "发放", due=timedelta(days=-1))
    story.open = [task]
    story.h.opened[task.task_id] = (task, story.step + 1)
    story.wait(minutes=10)
    assert problems("INV-15", story)
    story.h.snapshots[-1] = dataclasses.replace(
        story.h.snapshots[-1], status="needs_attention", attention={"element_id": None, "error": "逾期"}
    )
    assert not problems("INV-15", story)


def test_paying_after_the_democratic_review_disagreed_is_caught():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.done("democratic-review.schema.json", "village", review_opinion="disagree")
    story.pay(700, way="bank")
    assert problems("INV-24", story)
    agreed = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    agreed.done("democratic-review.schema.json", "village", review_opinion="agree").pay(700, way="bank")
    assert not problems("INV-24", agreed)


def test_cash_outside_an_emergency_and_charity_without_consent_are_caught():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.pay(700, way="cash")
    assert problems("INV-19", story)
    story.h.payments.append(inv.Payment(0, "referral", 1, "charity", story.at, story.step))
    assert problems("INV-18", story)


def test_a_running_case_waiting_on_nothing_is_stuck():
    story = Story()
    assert problems("INV-21", story)
    story.snapshot(status="needs_attention", attention={"element_id": "Script_X", "error": "NameError"})
    assert any("流程出错" in p for p in problems("INV-21", story))


def test_a_residents_objection_must_reach_the_township():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.publish()
    story.step += 1
    story.h.acts.append(inv.Act(story.step, story.at, "objection", "public", None, None, {}))
    story.public = []
    story.snapshot()
    assert any("撤下公示" in p for p in problems("INV-23", story))


@pytest.mark.slow
def test_the_explorer_prints_its_figures_in_the_form_ci_reads(capsys):
    spec = importlib.util.spec_from_file_location("jiuzhu_explore", ROOT / "tools" / "explore.py")
    explore = importlib.util.module_from_spec(spec)
    sys.modules["jiuzhu_explore"] = explore
    spec.loader.exec_module(explore)
    code = explore.main(["--cases", "3", "--seed", "1", "--jobs", "1"])
    out = capsys.readouterr().out.rstrip().splitlines()
    assert re.fullmatch(r"explored \d+ cases, \d+ invariants, \d+ violations", out[-1]), out[-1]
    assert out[-1].startswith("explored 3 cases")
    assert code == (0 if out[-1].endswith(" 0 violations") else 1)


def test_an_amount_off_the_standard_needs_a_recorded_reason():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("pay-first.schema.json", "township", amount=900)
    story.h.acts[-1].seen.update(computed_amount=700)
    assert problems("INV-27", story)
    story.h.acts[-1].data["amount_reason"] = "房屋全毁，需临时租房"
    assert not problems("INV-27", story)


def test_a_household_refused_on_its_income_check_goes_on_the_watch_list():
    story = Story(reason="medical_expense").done(
        "intake-review.schema.json", "township", intake_decision="accept"
    )
    story.done(
        "economic-check.schema.json", "township", household_annual_income=30000, property_within_rules=True
    )
    story.h.snapshots.append(dataclasses.replace(story.h.last, outcome="refused", watched=False))
    assert problems("INV-25", story)
    story.h.snapshots.append(dataclasses.replace(story.h.last, watched=True))
    assert not problems("INV-25", story)


def test_a_decided_referral_must_be_given_and_a_bad_id_number_must_not_open_a_case():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("pay-first.schema.json", "township", amount=700, referral_needed=True).pay(700)
    story.snapshot(status="completed", outcome="approved")
    assert problems("INV-29", story)
    story.h.invalid_attempts.append(
        {"broken": "身份证号校验位", "broken_path": "id_number", "error_paths": [], "created": True}
    )
    assert problems("INV-28", story)


def test_an_instalment_paid_after_a_recorded_termination_is_caught():
    story = Story().done("intake-review.schema.json", "township", intake_decision="accept")
    story.done("pay-first.schema.json", "township", amount=900, instalments=3).pay(300, stage=1)
    story.done(
        "terminate-aid.schema.json",
        "township",
        continuation="terminate",
        termination_reason="家庭成员已稳定就业",
    )
    assert not problems("INV-31", story)
    story.pay(300, stage=2)
    assert any("终止救助后仍发放第 2 期" in p for p in problems("INV-31", story))


def categorised(story: Story, category: str) -> Story:
    story.h.snapshots[-1] = dataclasses.replace(story.h.snapshots[-1], category=category)
    return story


def illness_case(order: int) -> Story:
    story = Story(reason="medical_expense")
    story.h.params = dict(PARAMS, illness_aid_before_medical_aid=order, medical_self_pay_threshold=5000)
    return story.done("intake-review.schema.json", "township", intake_decision="accept").done(
        "township-review.schema.json", "township", township_opinion="approve", proposed_amount=2000
    )


def test_inv32_under_002_no_payment_before_the_settlement_and_none_above_the_remaining_self_pay():
    unsettled = categorised(illness_case(0).pay(2000, way="bank"), "expenditure")
    assert any("未登记医疗救助结算记录即发放" in p for p in problems("INV-32", unsettled))
    settlement = {
        "settlement_total_cost": 60000,
        "settlement_insurance_paid": 40000,
        "settlement_medical_aid_paid": 13000,
        "settlement_self_pay": 7000,
    }
    over = (
        illness_case(0).done("medical-settlement.schema.json", "township", **settlement).pay(7001, way="bank")
    )
    assert any("剩余个人自负费用 7000 元" in p for p in problems("INV-32", categorised(over, "expenditure")))
    within = (
        illness_case(0).done("medical-settlement.schema.json", "township", **settlement).pay(7000, way="bank")
    )
    assert problems("INV-32", categorised(within, "expenditure")) == []


def test_inv32_under_000_the_paid_illness_case_is_referred_to_medical_aid():
    unreferred = categorised(illness_case(1).pay(2000, way="bank"), "expenditure")
    assert any("没有转介医疗救助" in p for p in problems("INV-32", unreferred))
    referred = illness_case(1)
    referred.h.payments.append(inv.Payment(0, "referral", 1, "medical", referred.at, referred.step))
    assert problems("INV-32", categorised(referred.pay(2000, way="bank"), "expenditure")) == []


def test_inv33_an_advance_stays_within_the_township_limit_and_is_labelled_in_the_ledger():
    accepted = {"intake_decision": "accept", "can_carry_expense": False, "expense_incurred": False}
    story = Story(reason="medical_expense").done("intake-review.schema.json", "township", **accepted)
    story.done("pay-first.schema.json", "township", amount=1200).pay(1200, way="bank")
    found = problems("INV-33", story)
    assert any("超过乡镇先行救助额度" in p for p in found) and any("没有记为先期垫付" in p for p in found)
    ok = Story(reason="medical_expense").done("intake-review.schema.json", "township", **accepted)
    ok.done("pay-first.schema.json", "township", amount=1000).pay(1000, way="bank")
    ok.h.payments[-1] = dataclasses.replace(ok.h.payments[-1], note="先期垫付（相关支出发生前）：V3")
    assert problems("INV-33", ok) == [] and ok.h.emergency and not ok.h.expenditure


def test_inv33_an_after_the_fact_amount_rests_on_a_recorded_income_assessment():
    accepted = {"intake_decision": "accept", "can_carry_expense": True, "expense_incurred": True}

    def story(**assessment) -> Story:
        s = Story(reason="disaster_accident").done("intake-review.schema.json", "township", **accepted)
        s.done("economic-check.schema.json", "township", household_annual_income=10000, **assessment)
        s.done("township-review.schema.json", "township", township_opinion="approve", proposed_amount=1500)
        return categorised(s, "expenditure")

    missing = story()
    assert missing.h.after_the_fact and missing.h.expenditure and not missing.h.emergency
    assert any("没有记录家庭总体收入评估" in p for p in problems("INV-33", missing))
    assessed = story(assessed_severity="serious", income_assessment="家庭年收入1万元，已承担修缮费用")
    assert problems("INV-33", assessed) == []
