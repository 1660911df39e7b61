"""Moving running cases from one deployed version to another, where it is safe (the checks are in
engine/workflow/migration.py): the plan of what moving each case would do, and the move itself, each
case a step of its own (engine/workflow/step.py) in its own unit of work, with a `case_migrated`
audit event on the target version. The user actions are in engine/services/migration.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.store.models import Case, CaseState
from engine.store.rows import CASES
from engine.workflow.migration import CasePlan, Target, plan_case
from engine.workflow.persist import INBOX
from engine.workflow.registry import SpecRegistry
from engine.workflow.specs import LoadedSpecs
from engine.workflow.step import CaseStep

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


def plan_cases(
    session: Session, specs: SpecRegistry, clock, from_version: int, to_version: int
) -> list[CasePlan]:
    """What moving each open case of `from_version` to `to_version` would do (nothing is changed)."""
    source = specs.for_version(session, from_version)
    target = Target.of(specs.for_version(session, to_version))
    rows = session.execute(
        select(Case, CaseState.workflow)
        .join(CaseState, CaseState.case_id == Case.id)
        .where(Case.spec_version_id == from_version, Case.status.in_(("running", "needs_attention")))
        .order_by(Case.id)
    ).all()
    return [plan_case(session, clock, case, text, source, target)[0] for case, text in rows]


def migrate_one(
    uow: UnitOfWork,
    case_no: str,
    from_version: int,
    to_version: int,
    by: str,
    reason: str,
    targets: dict[int, Target],
) -> CasePlan:
    """Move one case in its own unit of work (a step of the case: opened locked, saved with its open
    rows and a `case_migrated` audit event); raises Conflict with the reasons when it may not move.
    `targets` keeps the parsed target between the cases of one migration."""
    with uow:
        step = CaseStep.open(uow, case_no=case_no)
        if step.case.spec_version_id != from_version:
            raise Conflict(f"案件 {case_no} 不在版本 {from_version} 上")
        if to_version not in targets:
            targets[to_version] = Target.of(uow.specs.for_version(uow.session, to_version))
        target = targets[to_version]
        result, _moved, text = plan_case(
            uow.session, uow.clock, step.case, None, step.loaded, target, workflow=step.workflow
        )
        if not result.safe or not isinstance(text, str):
            raise Conflict("；".join(result.reasons))
        uow.session.execute(
            update(CASES).where(CASES.c.id == step.case.id).values(spec_version_id=to_version)
        )
        step.move_to(to_version, target.loaded, text)
        step.save(
            actor=by,
            action="case_migrated",
            data={
                "from_version": from_version,
                "to_version": to_version,
                "reason": reason,
                "notes": result.notes,
            },
        )
        _refresh_open_rows(uow.session, target.loaded, step.workflow)
        uow.commit()
        return result


def _refresh_open_rows(session: Session, loaded: LoadedSpecs, workflow) -> None:
    """Open task rows keep their id, claim and due time; what the target says about them is updated."""
    for task in workflow.get_tasks(state=TaskState.READY):
        if not task.task_spec.manual:
            continue
        process_id = task.workflow.spec.name
        info = loaded.task_info(process_id, task.task_spec.bpmn_id)
        if info is None:
            continue
        session.execute(
            update(INBOX)
            .where(INBOX.c.task_id == str(task.id))
            .values(
                name=info.name,
                element_id=info.element_id,
                process_id=process_id,
                lane=info.lane,
                role=info.role,
                form=info.form,
                ui_form=info.ui_form,
            )
        )
