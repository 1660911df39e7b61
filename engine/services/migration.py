"""迁移: moving running cases from one deployed version to another, as the process owner's actions.

`plan` (who may read the studio) says what moving each open case would do and changes nothing;
`start` queues the move of the chosen cases as a job of `jiuzhu worker`; `migrate` (the job) moves
them one by one, each case in its own unit of work (engine/studio/migration.py), and audits the
whole with its reason. The studio's page, the job and the tests call these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.errors import Conflict, FieldError, NotFound, ValidationFailed
from engine.services import jobs, people
from engine.store.models import AuditEvent
from engine.vocabulary import STUDIO_EDITORS, STUDIO_READERS
from engine.workflow.migration import CasePlan, Target

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


def plan(uow: UnitOfWork, username: str, from_version: int, to_version: int) -> list[CasePlan]:
    """What moving each open case of `from_version` to `to_version` would do (nothing is changed)."""
    from engine.studio import migration  # the studio's package imports the services

    with uow:
        people.in_roles(uow.session, username, STUDIO_READERS)
        if from_version == to_version:
            raise ValidationFailed([], "起止版本相同")
        return migration.plan_cases(uow.session, uow.specs, uow.clock, from_version, to_version)


def _reason_given(reason: str | None) -> None:
    if not (reason or "").strip():
        raise ValidationFailed([FieldError("reason", "迁移原因：必填")], "迁移原因：必填")


def start(
    uow: UnitOfWork,
    username: str,
    from_version: int,
    to_version: int,
    reason: str,
    case_nos: list[str] | None = None,
) -> int:
    """Queue the migration of the named cases (default: every safe one) as a job of `jiuzhu worker`,
    which moves them one by one with progress; returns the job id."""
    _reason_given(reason)
    with uow:
        people.in_roles(uow.session, username, STUDIO_EDITORS)
        job_id = jobs.enqueue(
            uow.session,
            "case_migration",
            {
                "username": username,
                "from": from_version,
                "to": to_version,
                "reason": reason,
                "case_nos": case_nos,
            },
            username,
            uow.now(),
            total=len(case_nos) if case_nos else None,
        )
        uow.commit()
    return job_id


def migrate(
    uow: UnitOfWork,
    username: str,
    from_version: int,
    to_version: int,
    reason: str,
    case_nos: list[str] | None = None,
    on_progress: Callable[[int, int], object] | None = None,
) -> dict:
    """Move the named cases (default: every safe one), each in its own unit of work, and audit the
    migration; refusals come with reasons."""
    from engine.studio import migration  # the studio's package imports the services

    _reason_given(reason)
    with uow.reading() as reading:
        people.in_roles(reading.session, username, STUDIO_EDITORS)
        if case_nos is None:
            plans = migration.plan_cases(reading.session, uow.specs, uow.clock, from_version, to_version)
            case_nos = [p.case_no for p in plans if p.safe]
    moved: list[str] = []
    refused: dict[str, str] = {}
    targets: dict[int, Target] = {}
    for number, case_no in enumerate(case_nos):
        if on_progress is not None:
            on_progress(number, len(case_nos))
        try:
            migration.migrate_one(uow, case_no, from_version, to_version, username, reason, targets)
            moved.append(case_no)
        except (Conflict, NotFound) as err:
            refused[case_no] = err.message
    with uow:
        uow.session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="cases_migrated",
                data={
                    "from_version": from_version,
                    "to_version": to_version,
                    "reason": reason,
                    "moved": moved,
                    "refused": refused,
                },
                spec_version_id=to_version,
            )
        )
        uow.commit()
    return {"moved": moved, "refused": refused}
