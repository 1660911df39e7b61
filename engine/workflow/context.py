"""The context of one step on one case: the helpers diagrams may call, and the effects they queue.

Helpers never write to the database themselves: they queue effects (ledger entries, notices, the
outcome, public-notice changes) that the step applies in its own transaction, so a step that fails
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import parameters
from engine.errors import NotFound
from engine.store.models import AuditEvent, Case, LedgerEntry
from engine.vocabulary import LOCAL_TZ, OUTCOMES, PAYMENT_WAYS

# What a helper accepts from diagram code, so a wrong value is the step's error (an incident), never
# a database overflow when the step is saved.
MAX_AMOUNT = 100_000_000  # 元; the amount columns are 32-bit
MAX_STAGE = 1_000
MAX_DAYS, MAX_HOURS, MAX_WORKING_DAYS = 3_660, 87_840, 2_610  # about ten years
MAX_TEXT = 2_000
MAX_NOTICE_ITEMS = 1_000
# The rosters a case may enter a household on: the 低收入人口 a county recognises itself (004 §二(一)).
LOW_INCOME_ROSTERS = ("bianyuan", "zhichu")


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
    results: list[dict] = field(default_factory=list)  # payments to publish (救助结果公开)
    watch: dict | None = None  # the household goes on the county's 备案 watch list
    # households the county recognised as 低保边缘 / 支出型困难家庭 (004 §二(一)): roster entries
    low_income: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


def _amount(helper: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise HelperError(f"{helper}: 金额应为 0–{MAX_AMOUNT} 的整数（元），得到 {_shown(value)}")
    return value


def _text(helper: str, what: str, value, limit: int = MAX_TEXT, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise HelperError(f"{helper}: {what}应为文本，得到 {type(value).__name__}")
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise HelperError(f"{helper}: {what}过长（超过 {limit} 个字符）")
    return text


def _number(helper: str, value, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise HelperError(f"{helper}: {unit}数应为 {low:g}–{high:g} 的数值，得到 {_shown(value)}")
    return value


def _shown(value) -> str:
    shown = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"{value.bit_length()} 位二进制的整数"
    return shown[:60]


def _plain_data(helper: str, value, depth: int = 0, seen: list | None = None):
    """JSON-like data (what a notice may carry), bounded in size and depth."""
    seen = seen if seen is not None else [0]
    seen[0] += 1
    if seen[0] > MAX_NOTICE_ITEMS or depth > 10:
        raise HelperError(f"{helper}: 内容过多或嵌套过深")
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
            raise HelperError(f"{helper}: 整数过大")
        return value
    if isinstance(value, str):
        return _text(helper, "内容", value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain_data(helper, v, depth + 1, seen) for v in value]
    if isinstance(value, dict):
        return {
            _text(helper, "字段名", k, 100): _plain_data(helper, v, depth + 1, seen) for k, v in value.items()
        }
    raise HelperError(f"{helper}: 不支持的内容类型 {type(value).__name__}")


@dataclass
class CaseContext:
    session: Session
    case: Any  # a CaseRecord on the write path (engine/store/rows.py); the ORM Case where a page reads
    clock: Callable[[], datetime]
    effects: Effects = field(default_factory=Effects)
    params: parameters.ParametersInForce | None = None
    application: dict | None = None  # the application, when the step is the case's start
    recorded_paid: int | None = None  # the ledger's total before this step (paid_so_far)
    # The parameters in force, read with the case row; they become `params` when a script asks.
    prefetched: parameters.ParametersInForce | None = None

    @property
    def parameter_version(self) -> int | None:
        return self.params.version if self.params is not None else None

    def now(self) -> datetime:
        return self.clock()

    def param(self, name: str):
        if not isinstance(name, str):
            raise HelperError(f"param: 参数名应为文本，得到 {_shown(name)}")
        if self.params is None:
            self.params = self.prefetched or parameters.in_force(
                self.session, self.case.county_code, self.now()
            )
        try:
            return self.params.get(name)
        except NotFound as err:
            raise HelperError(f"param: {err.message}") from None

    def started_application(self) -> dict:
        """The application as the case was started with it (the start event's audit record)."""
        application = self.application
        if application is None:
            application = self.session.scalar(
                select(AuditEvent.data)
                .where(AuditEvent.case_id == self.case.id, AuditEvent.action == "case_started")
                .order_by(AuditEvent.id)
                .limit(1)
            )
            application = (application or {}).get("application") or {}
        return application if isinstance(application, dict) else {}

    def household(self) -> list[tuple[str, str]]:
        """(ID number, name) of the applicant and of each household member, as the application gave them."""
        people = [(self.case.applicant_id_number.upper(), self.case.applicant_name)]
        members = self.started_application().get("household_members")
        for member in members if isinstance(members, list) else []:
            if isinstance(member, dict) and isinstance(member.get("id_number"), str):
                people.append((member["id_number"].strip().upper(), str(member.get("name") or "")))
        return people

    def household_id_numbers(self) -> set[str]:
        """The applicant's and the household members' ID numbers, as the application gave them."""
        return {id_number for id_number, _name in self.household()}

    def prior_cases(self, id_number: str) -> list[dict]:
        """Earlier cases of the applicant or of a member of the household (no one else's)."""
        if not isinstance(id_number, str):
            raise HelperError(f"prior_cases: 身份证号应为文本，得到 {_shown(id_number)}")
        id_number = id_number.strip().upper()
        if id_number not in self.household_id_numbers():
            raise HelperError("prior_cases: 只能查询本案申请人及其共同生活家庭成员的既往案件")
        rows = self.session.execute(
            select(
                Case.case_no,
                Case.reason,
                Case.outcome,
                Case.status,
                Case.started_at,
                Case.closed_at,
                Case.category,
                select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                .where(LedgerEntry.case_id == Case.id, LedgerEntry.way != "referral")
                .scalar_subquery()
                .label("paid"),
            )
            .where(Case.applicant_id_number == id_number, Case.id != self.case.id)
            .order_by(Case.started_at)
        ).all()
        return [
            {
                "case_no": r.case_no,
                "reason": r.reason,
                "outcome": r.outcome,
                "category": r.category,
                "status": r.status,
                # paid in money or goods, whatever the outcome (a refused 重大 case may have paid first)
                "paid": int(r.paid or 0),
                "days_ago": (self.now() - _aware(r.started_at)).days,
                # the repeat period runs from the end of the earlier case (0 while it is still open)
                "days_since_closed": (self.now() - _aware(r.closed_at)).days if r.closed_at else 0,
                "started_at": r.started_at.isoformat(),
                "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            }
            for r in rows
        ]

    def paid_so_far(self) -> int:
        """What the case has paid so far in money or goods (the 台账, and this step's entries): the
        cap is counted per case, pay-first and follow-up aid together (000 §二(二))."""
        if self.recorded_paid is None:  # once a step: the ledger changes only when the step is saved
            known = getattr(self.case, "paid", None)  # kept on the case row (read with it)
            self.recorded_paid = (
                known
                if known is not None
                else self.session.scalar(
                    select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                        LedgerEntry.case_id == self.case.id, LedgerEntry.way != "referral"
                    )
                )
            )
        recorded = self.recorded_paid
        queued = sum(p["amount"] for p in self.effects.payments if p["way"] != "referral")
        return int(recorded or 0) + queued

    def roster_statuses(self) -> list[str]:
        """The statuses (dibao, tekun, jiandang, fanpin) that the county's rosters confirm for the
        applicant or a household member today: what the application declares counts only when a
        roster confirms it (000 §二(一); 002 §二(二))."""
        from engine.services.rosters import statuses

        return statuses(
            self.session,
            self.case.county_code,
            sorted(self.household_id_numbers()),
            self.now().astimezone(LOCAL_TZ).date(),
        )

    def on_fanpin_list(self) -> bool:
        """Whether the 返贫 list the poverty-alleviation department supplied (imported into the
        county's rosters) names the applicant or a household member (000 §二(三))."""
        return "fanpin" in self.roster_statuses()

    def helpers(self) -> dict[str, Any]:
        return {
            "param": self.param,
            "prior_cases": self.prior_cases,
            "paid_so_far": self.paid_so_far,
            "on_fanpin_list": self.on_fanpin_list,
            "roster_statuses": self.roster_statuses,
            "now": self.now,
            "days": days,
            "hours": hours,
            "after_days": self.after_days,
            "after_hours": self.after_hours,
            "after_working_days": self.after_working_days,
            "record_payment": self.record_payment,
            "set_outcome": self.set_outcome,
            "issue_notice": self.issue_notice,
            "publish_notice": self.publish_notice,
            "withdraw_notice": self.withdraw_notice,
            "publish_result": self.publish_result,
            "register_watch": self.register_watch,
            "register_low_income": self.register_low_income,
            "flag": self.flag,
            "remark": self.remark,
        }

    def after_days(self, n) -> str:
        return (self.now() + timedelta(days=_number("after_days", n, 0, MAX_DAYS, "天"))).isoformat()

    def after_hours(self, n) -> str:
        return (self.now() + timedelta(hours=_number("after_hours", n, 0, MAX_HOURS, "小时"))).isoformat()

    def after_working_days(self, n) -> str:
        n = _number("after_working_days", n, 0, MAX_WORKING_DAYS, "工作日")
        if n != int(n):
            raise HelperError(f"after_working_days: 工作日数应为整数，得到 {n!r}")
        return add_working_days(self.now(), int(n)).isoformat()

    def record_payment(self, amount, way, stage=1, note="", fund=None):
        """`fund="township_reserve"`: a township pay-first payment drawn from its 备用金 (002 §七(三))."""
        amount = _amount("record_payment", amount)
        if fund not in (None, "county", "township_reserve"):
            raise HelperError(f"record_payment: 未知资金来源 {_shown(fund)}")
        if not isinstance(way, str) or way not in PAYMENT_WAYS:
            raise HelperError(f"record_payment: 未知救助方式 {_shown(way)}")
        if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= MAX_STAGE:
            raise HelperError(f"record_payment: 期次应为 1–{MAX_STAGE} 的整数，得到 {_shown(stage)}")
        note = _text("record_payment", "备注", note, optional=True) or ""
        self.effects.payments.append(
            {"amount": amount, "way": way, "stage": stage, "note": note, "fund": fund}
        )
        return True

    def set_outcome(self, outcome, reason=None):
        if not isinstance(outcome, str) or outcome not in OUTCOMES:
            raise HelperError(f"set_outcome: 未知结果 {_shown(outcome)}")
        self.effects.outcome = (outcome, _text("set_outcome", "理由", reason, optional=True))
        return True

    def issue_notice(self, kind, **fields):
        kind = _text("issue_notice", "告知书种类", kind, limit=20)
        self.effects.notices.append({"kind": kind, "fields": _plain_data("issue_notice", fields)})
        return True

    def publish_notice(self, until=None, amount=None):
        """Put the case on the public notice; `amount` is the proposed amount when the notice comes
        before the decision (支出型: 信息公示 precedes 审核)."""
        if amount is not None:
            amount = _amount("publish_notice", amount)
        if until is not None:
            until = _text("publish_notice", "公示截止时间", until, limit=64)
            try:
                datetime.fromisoformat(until)
            except ValueError:
                raise HelperError(
                    f"publish_notice: 公示截止时间应为 ISO 日期时间，得到 {_shown(until)}"
                ) from None
        self.effects.publish_until = until if until is not None else ""
        self.effects.publish_amount = amount
        self.effects.withdraw = False
        return True

    def publish_result(self, amount, way, stage=1, by=None):
        """Publish a payment on the township's 救助结果公开 (masked name and ID number), now; `by` is
        the latest date the county's rule allows (after_working_days(param(…)))."""
        amount = _amount("publish_result", amount)
        if not isinstance(way, str) or way not in PAYMENT_WAYS:
            raise HelperError(f"publish_result: 未知救助方式 {_shown(way)}")
        if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= MAX_STAGE:
            raise HelperError(f"publish_result: 期次应为 1–{MAX_STAGE} 的整数，得到 {_shown(stage)}")
        deadline = None
        if by is not None:
            try:
                deadline = datetime.fromisoformat(_text("publish_result", "公开期限", by, limit=64))
            except ValueError:
                raise HelperError(f"publish_result: 公开期限应为 ISO 日期时间，得到 {_shown(by)}") from None
        self.effects.results.append({"amount": amount, "way": way, "stage": stage, "publish_by": deadline})
        return True

    def register_watch(self, reason_code=None, reason=None):
        """Put the household on the county's 备案 watch list (003 §二(一)), once per case."""
        self.effects.watch = {
            "reason_code": _text("register_watch", "原因代码", reason_code, limit=40, optional=True),
            "reason": _text("register_watch", "原因", reason, optional=True),
        }
        return True

    def register_low_income(self, roster, income_per_capita=None):
        """Enter the household (applicant and members, from the application) on the county's
        low-income roster `bianyuan` (低保边缘家庭) or `zhichu` (支出型困难家庭) that the monitoring
        register reads (004 §二(一) 一次申请、分类审核认定; 001 ¶3)."""
        if roster not in LOW_INCOME_ROSTERS:
            raise HelperError(
                f"register_low_income: 名册应为 {'、'.join(LOW_INCOME_ROSTERS)} 之一，得到 {_shown(roster)}"
            )
        if income_per_capita is not None:
            income_per_capita = _amount("register_low_income", income_per_capita)
        if all(entry["roster"] != roster for entry in self.effects.low_income):
            self.effects.low_income.append(
                {"roster": roster, "income_per_capita": income_per_capita, "people": self.household()}
            )
        return True

    def withdraw_notice(self):
        self.effects.withdraw = True
        self.effects.publish_until = None
        return True

    def flag(self, message):
        """Something a person must look at: the case shows 需关注 until its next step."""
        self.effects.flags.append(_text("flag", "提示", message))
        return True

    def remark(self, message):
        """A note for the case's timeline (audited) that needs no action."""
        self.effects.remarks.append(_text("remark", "备注", message))
        return True


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; the store keeps UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def days(n) -> str:
    return f"P{int(_number('days', n, 0, MAX_DAYS, '天'))}D"


def hours(n) -> str:
    return f"PT{int(_number('hours', n, 0, MAX_HOURS, '小时'))}H"


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
