"""One step of one case, the skeleton every state change shares: open the case row locked at its
version with its workflow, its specs and its context; run; save the step (engine/workflow/persist.py)
in the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.parameters import ParametersInForce
from engine.store.rows import CaseRecord, load_case_for_step
from engine.workflow.context import CaseContext
from engine.workflow.persist import persist
from engine.workflow.runtime import Incident, Trace, incident_from, run_engine_steps, script_engine
from engine.workflow.specs import LoadedSpecs

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


class CaseStep:
    """A case opened for one step: `case` (locked at its version), `loaded` (its spec version),
    `ctx`, `workflow`; `run_*` then `save` write it all in the unit of work's transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        case: CaseRecord,
        serialized: str,
        reached: dict | None,
        in_force: ParametersInForce | None = None,
    ):
        self.uow = uow
        self.case = case
        self.reached = reached
        self.loaded: LoadedSpecs = uow.specs.for_version(uow.session, case.spec_version_id)
        self.ctx = CaseContext(uow.session, case, uow.clock, prefetched=in_force)
        self.workflow = self.loaded.load_workflow(serialized, script_engine(self.ctx))
        self.trace = Trace()
        self.incident: Incident | None = None

    @classmethod
    def open(cls, uow: UnitOfWork, case_id: int | None = None, *, case_no: str | None = None) -> CaseStep:
        """The case (by id, or by number) locked for a step; NotFound when there is none."""
        case, serialized, reached, in_force = load_case_for_step(uow.session, case_id, uow.now(), case_no)
        return cls(uow, case, serialized, reached, in_force)

    def move_to(self, version_id: int, loaded: LoadedSpecs, serialized: str) -> None:
        """Carry on on another deployed version (a migration): the case's workflow as moved there,
        loaded under that version's specs. The caller writes the case row's version."""
        self.case.spec_version_id = version_id
        self.loaded = loaded
        self.ctx = CaseContext(self.uow.session, self.case, self.uow.clock, prefetched=self.ctx.prefetched)
        self.workflow = loaded.load_workflow(serialized, script_engine(self.ctx))

    def run_engine(self) -> None:
        """Run the automatic steps until the case waits for a person or a timer."""
        self.incident = run_engine_steps(self.workflow, self.trace)

    def run_task(self, task: Any, data: dict) -> None:
        """Complete a ready task with `data` and run on; a script that fails is kept as an incident
        with the clerk's data (the case then needs attention)."""
        task.data.update(data)
        try:
            task.run()
            self.trace.record(task)
            self.incident = run_engine_steps(self.workflow, self.trace)
        except Exception as err:  # noqa: BLE001 - recorded as an incident, the clerk's data kept
            self.incident = incident_from(self.workflow, err)

    def save(
        self,
        *,
        actor: str,
        action: str,
        task: Any = None,
        data: dict | None = None,
        opened_at: datetime | None = None,
        now: datetime | None = None,
    ) -> list[dict]:
        """Write the step; returns the case's open task rows after it."""
        return persist(
            self.uow.session,
            self.ctx,
            self.loaded,
            self.workflow,
            actor=actor,
            action=action,
            now=now or self.uow.now(),
            trace=self.trace,
            incident=self.incident,
            task=task,
            data=data,
            previous_reached=self.reached,
            opened_at=opened_at,
        )
