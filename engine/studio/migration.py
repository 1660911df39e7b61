"""Moving running cases from one deployed version to another, where it is safe (the checks are in
engine/workflow/migration.py): the plan of what moving each case would do, and the move itself, each
case in its own unit of work with a `case_migrated` audit event on the target version."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.store.models import Case, CaseState
from engine.store.rows import CASES, load_case
from engine.workflow.context import CaseContext
from engine.workflow.migration import CasePlan, Target, plan_case
from engine.workflow.persist import INBOX, persist
from engine.workflow.runtime import Trace, script_engine
from engine.workflow.specs import LoadedSpecs

if TYPE_CHECKING:
    from engine.facade import Engine


def plan(eng: Engine, from_version: int, to_version: int) -> list[CasePlan]:
    """What moving each open case of `from_version` to `to_version` would do (nothing is changed)."""
    with eng.db.read() as session:
        source = eng.specs.for_version(session, from_version)
        target = Target.of(eng.specs.for_version(session, to_version))
        rows = session.execute(
            select(Case, CaseState.workflow)
            .join(CaseState, CaseState.case_id == Case.id)
            .where(Case.spec_version_id == from_version, Case.status.in_(("running", "needs_attention")))
            .order_by(Case.id)
        ).all()
        return [plan_case(session, eng.now, case, text, source, target)[0] for case, text in rows]


def migrate_one(
    eng: Engine,
    case_no: str,
    from_version: int,
    to_version: int,
    by: str,
    reason: str,
    target_loaded_cache: dict,
) -> CasePlan:
    """Move one case in its own unit of work; raises Conflict with the reasons when it may not move."""
    with eng.db.write() as session:
        case = load_case(session, case_no=case_no)
        if case.spec_version_id != from_version:
            raise Conflict(f"案件 {case_no} 不在版本 {from_version} 上")
        source = eng.specs.for_version(session, from_version)
        if to_version not in target_loaded_cache:
            target_loaded_cache[to_version] = Target.of(eng.specs.for_version(session, to_version))
        target = target_loaded_cache[to_version]
        state = session.get_one(CaseState, case.id)
        result, _moved, text = plan_case(session, eng.now, case, state.workflow, source, target)
        if not result.safe:
            raise Conflict("；".join(result.reasons))
        session.execute(update(CASES).where(CASES.c.id == case.id).values(spec_version_id=to_version))
        case.spec_version_id = to_version
        ctx = CaseContext(session, case, eng.now)
        moved = target.loaded.load_workflow(text, script_engine(ctx))
        now: datetime = eng.now()
        persist(
            session,
            ctx,
            target.loaded,
            moved,
            actor=by,
            action="case_migrated",
            now=now,
            trace=Trace(),
            data={
                "from_version": from_version,
                "to_version": to_version,
                "reason": reason,
                "notes": result.notes,
            },
            previous_reached=state.reached,
        )
        _refresh_open_rows(session, target.loaded, moved)
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
