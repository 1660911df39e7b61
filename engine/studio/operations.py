"""Cases needing attention (运行监控): a failed script, a missed deadline, a timer that did not fire,
a task past its due time — each with what went wrong, for a retry or a cancellation with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.areas import within
from engine.store.models import Case, OpenTask, Timer, User

TIMER_GRACE = timedelta(minutes=10)  # a worker fires within a second; ten minutes late means it did not


@dataclass(frozen=True)
class Attention:
    kind: str  # incident / flag / timer / overdue
    case_no: str
    applicant_name: str
    area_code: str
    status: str
    element: str | None
    message: str
    since: datetime | None
    task_id: str | None = None  # an overdue task: chased, handed over or extended from the list

    @property
    def may_retry(self) -> bool:
        return self.status == "needs_attention"

    @property
    def may_cancel(self) -> bool:
        return self.status in ("running", "needs_attention")


KIND_TITLES = {
    "incident": "脚本出错",
    "flag": "期限已过（流程标记）",
    "timer": "定时未触发",
    "overdue": "待办超期",
}


def needing_attention(session: Session, area_code: str, now: datetime, limit: int = 500) -> list[Attention]:
    found: list[Attention] = []
    cases = session.scalars(
        select(Case)
        .where(Case.status == "needs_attention", *within(Case.area_code, area_code))
        .order_by(Case.updated_at)
        .limit(limit)
    )
    for case in cases:
        info = case.attention or {}
        found.append(
            Attention(
                "incident" if info.get("element_id") else "flag",
                case.case_no,
                case.applicant_name,
                case.area_code,
                case.status,
                info.get("element_name") or info.get("element_id"),
                info.get("error") or "",
                _parse(info.get("at")) or case.updated_at,
            )
        )
    late = session.execute(
        select(Timer, Case)
        .join(Case, Case.id == Timer.case_id)
        .where(
            ((Timer.status == "pending") & (Timer.due_at < now - TIMER_GRACE)) | (Timer.status == "error"),
            *within(Case.area_code, area_code),
        )
        .order_by(Timer.due_at)
        .limit(limit)
    ).all()
    for timer, case in late:
        message = (
            timer.error
            or f"应于 {timer.due_at:%Y-%m-%d %H:%M} UTC 触发，尚未触发（定时器工作进程是否在运行？）"
        )
        found.append(
            Attention(
                "timer",
                case.case_no,
                case.applicant_name,
                case.area_code,
                case.status,
                timer.element_id,
                message,
                timer.due_at,
            )
        )
    overdue = session.scalars(
        select(OpenTask)
        .where(OpenTask.due_at < now, *within(OpenTask.area_code, area_code))
        .order_by(OpenTask.due_at)
        .limit(limit)
    ).all()
    statuses = (
        dict(
            session.execute(
                select(Case.case_no, Case.status).where(Case.case_no.in_({t.case_no for t in overdue}))
            ).all()
        )
        if overdue
        else {}
    )
    holders = {t.claimed_by for t in overdue if t.claimed_by}
    names = (
        dict(
            session.execute(select(User.username, User.display_name).where(User.username.in_(holders))).all()
        )
        if holders
        else {}
    )
    for task in overdue:
        assert task.due_at is not None  # the query selects only tasks due before now
        holder = names.get(task.claimed_by, task.claimed_by) if task.claimed_by else "未认领"
        found.append(
            Attention(
                "overdue",
                task.case_no,
                task.applicant_name,
                task.area_code,
                statuses.get(task.case_no, "running"),
                task.name,
                f"已超期 {_duration(now - task.due_at)}（{holder}）",
                task.due_at,
                task.task_id,
            )
        )
    return found


def _parse(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} 天 {hours % 24} 小时" if hours >= 24 else f"{hours} 小时"
