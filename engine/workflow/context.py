"""The context of one step on one case: the helpers diagrams may call, and the effects they queue.

Helpers never write to the database themselves: they queue effects (ledger entries, notices, the
outcome, public-notice changes) that the step applies in its own transaction, so a step that fails
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import parameters
from engine.store.models import Case
from engine.vocabulary import LOCAL_TZ, OUTCOMES, PAYMENT_WAYS


class HelperError(ValueError):
    """A diagram called a helper wrongly; the case needs attention."""


@dataclass
class Effects:
    payments: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    outcome: tuple[str, str | None] | None = None
    publish_until: str | None = None
    publish_amount: int | None = None
    withdraw: bool = False
    flags: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


@dataclass
class CaseContext:
    session: Session
    case: Case
    clock: Callable[[], datetime]
    effects: Effects = field(default_factory=Effects)
    params: parameters.ParametersInForce | None = None

    @property
    def parameter_version(self) -> int | None:
        return self.params.version if self.params is not None else None

    def now(self) -> datetime:
        return self.clock()

    def param(self, name: str):
        if self.params is None:
            self.params = parameters.in_force(self.session, self.case.county_code, self.now())
        return self.params.get(name)

    def prior_cases(self, id_number: str) -> list[dict]:
        rows = self.session.execute(
            select(Case.case_no, Case.reason, Case.outcome, Case.started_at, Case.closed_at, Case.category)
            .where(Case.applicant_id_number == id_number, Case.id != self.case.id)
            .order_by(Case.started_at)
        ).all()
        return [
            {"case_no": r.case_no, "reason": r.reason, "outcome": r.outcome, "category": r.category,
             "started_at": r.started_at.isoformat(), "closed_at": r.closed_at.isoformat() if r.closed_at else None}
            for r in rows
        ]

    def helpers(self) -> dict[str, Any]:
        return {
            "param": self.param,
            "prior_cases": self.prior_cases,
            "now": self.now,
            "days": days,
            "hours": hours,
            "after_days": lambda n: (self.now() + timedelta(days=float(n))).isoformat(),
            "after_hours": lambda n: (self.now() + timedelta(hours=float(n))).isoformat(),
            "after_working_days": lambda n: add_working_days(self.now(), int(n)).isoformat(),
            "record_payment": self.record_payment,
            "set_outcome": self.set_outcome,
            "issue_notice": self.issue_notice,
            "publish_notice": self.publish_notice,
            "withdraw_notice": self.withdraw_notice,
            "flag": self.flag,
            "remark": self.remark,
        }

    def record_payment(self, amount, way, stage=1, note=""):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise HelperError(f"record_payment: 金额应为非负整数（元），得到 {amount!r}")
        if way not in PAYMENT_WAYS:
            raise HelperError(f"record_payment: 未知救助方式 {way!r}")
        self.effects.payments.append({"amount": amount, "way": way, "stage": int(stage), "note": str(note or "")})
        return True

    def set_outcome(self, outcome, reason=None):
        if outcome not in OUTCOMES:
            raise HelperError(f"set_outcome: 未知结果 {outcome!r}")
        self.effects.outcome = (outcome, None if reason is None else str(reason))
        return True

    def issue_notice(self, kind, **fields):
        self.effects.notices.append({"kind": str(kind), "fields": dict(fields)})
        return True

    def publish_notice(self, until=None, amount=None):
        """Put the case on the public notice; `amount` is the proposed amount when the notice comes
        before the decision (支出型: 信息公示 precedes 审核)."""
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0):
            raise HelperError(f"publish_notice: 金额应为非负整数（元），得到 {amount!r}")
        self.effects.publish_until = until if until is not None else ""
        self.effects.publish_amount = amount
        self.effects.withdraw = False
        return True

    def withdraw_notice(self):
        self.effects.withdraw = True
        self.effects.publish_until = None
        return True

    def flag(self, message):
        """Something a person must look at: the case shows 需关注 until its next step."""
        self.effects.flags.append(str(message))
        return True

    def remark(self, message):
        """A note for the case's timeline (audited) that needs no action."""
        self.effects.remarks.append(str(message))
        return True


def days(n) -> str:
    return f"P{int(n)}D"


def hours(n) -> str:
    return f"PT{int(n)}H"


def add_working_days(start: datetime, n: int) -> datetime:
    """n working days (Monday–Friday, China time) after `start`, keeping the time of day.

    Public holidays and the make-up working weekends are not modelled: the State Council publishes
    them each year and no maintained package carries them reliably ahead of time.
    """
    local = start.astimezone(LOCAL_TZ)
    added = 0
    while added < n:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local
