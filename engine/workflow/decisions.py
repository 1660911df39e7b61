"""A deployed DMN decision evaluated outside a case: a service that applies a rule the process owner
tunes (bpmn/*.dmn) asks the newest deployment for the table and runs it on SpiffWorkflow's DMN engine
in the sandbox, with the county's parameters as `param(…)`."""

from __future__ import annotations

from types import SimpleNamespace

from engine import parameters
from engine.errors import FieldError, ValidationFailed
from engine.workflow.sandbox import SandboxScriptEngine


class Decision:
    def __init__(self, uow, decision_id: str, county: str, title: str):
        _version, loaded = uow.specs.current(uow.session)
        try:
            self.table = loaded.parser.get_engine(decision_id, None)
        except Exception:  # noqa: BLE001 - Spiff's ValidationException: the deployment lacks the table
            raise ValidationFailed(
                [FieldError(decision_id, f"当前部署的流程没有决策表 {decision_id}（{title}）")]
            ) from None
        values = parameters.in_force(uow.session, county, uow.now())
        self.script_engine = SandboxScriptEngine({"param": values.get})

    def __call__(self, **data) -> dict:
        """The outputs of the first matching rule (the tables here use hit policy FIRST)."""
        task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=self.script_engine))
        return self.table.result(task)
