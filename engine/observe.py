"""What an operator reads off the database: readiness (reachable, schema at head, a deployed version)
and the figures /metrics publishes (open and overdue tasks by role, due timers, incidents, runs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select, text

from engine.store import schema
from engine.store.models import Case, Job, OpenTask, SpecVersion, Timer
from engine.store.studio_models import ScenarioRun
from engine.unit_of_work import UnitOfWork


@dataclass
class Readiness:
    ready: bool
    database: bool
    schema: str | None
    head: str
    deployed_version: int | None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": "ready" if self.ready else "not ready",
            "database": self.database,
            "schema": self.schema,
            "schema_head": self.head,
            "deployed_version": self.deployed_version,
            "problems": self.problems,
        }


def readiness(uow: UnitOfWork) -> Readiness:
    """Whether this process can serve (`uow` may be read-only; each look is a reading of its own)."""
    head = schema.head_revision()
    try:
        with uow.reading() as reading:
            reading.session.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - any failure to reach the database is "not ready"
        return Readiness(False, False, None, head, None, [f"database unreachable: {type(err).__name__}"])
    current = schema.current_revision(uow.db)
    problems = []
    version = None
    if current != head:
        problems.append(f"schema at {current or 'nothing'}, this release needs {head}: run `jiuzhu init-db`")
    else:
        with uow.reading() as reading:
            version = reading.session.scalar(select(func.max(SpecVersion.id)))
        if version is None:
            problems.append("no process version deployed: run `jiuzhu deploy`")
    return Readiness(not problems, True, current, head, version, problems)


@dataclass
class Figures:
    tasks_by_role: dict[str, tuple[int, int]]  # role -> (open, overdue)
    timers_due: int
    oldest_due_seconds: float
    incidents_open: int
    scenario_runs: dict[str, int]
    jobs: dict[tuple[str, str], int]
    deployed_version: int | None


def figures(uow: UnitOfWork) -> Figures:
    """The database's figures in one reading (`uow` may be read-only)."""
    now = uow.now()
    with uow.reading() as reading:
        session = reading.session
        tasks = {
            role: (int(count), int(late or 0))
            for role, count, late in session.execute(
                select(
                    OpenTask.role, func.count(), func.sum(case((OpenTask.due_at < now, 1), else_=0))
                ).group_by(OpenTask.role)
            )
        }
        due_count, oldest = session.execute(
            select(func.count(), func.min(Timer.due_at)).where(Timer.status == "pending", Timer.due_at <= now)
        ).one()
        incidents = session.scalar(select(func.count()).where(Case.status == "needs_attention"))
        runs = dict(
            session.execute(select(ScenarioRun.status, func.count()).group_by(ScenarioRun.status)).all()
        )
        version = session.scalar(select(func.max(SpecVersion.id)))
        jobs = _jobs(session)
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Figures(tasks, int(due_count), max(0.0, lag), int(incidents or 0), runs, jobs, version)


def _jobs(session) -> dict[tuple[str, str], int]:
    return {
        (kind, status): int(count)
        for kind, status, count in session.execute(
            select(Job.kind, Job.status, func.count())
            .where(Job.status.in_(("queued", "running")))
            .group_by(Job.kind, Job.status)
        )
    }
