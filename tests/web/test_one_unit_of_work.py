"""One user action, one unit of work: a task completed through the form or the API costs one write
transaction, two transactions in all (the sign-in's account load is the other), and a bounded number of
SQL statements — counted with SQLAlchemy's events on the app's own database engines."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event

from tests.web.forms_data import as_form
from tests.web.journeys import form_data, start, task_named

# Issue 9 asks for 12 statements at most, and a step takes 12 (from 29, then 14): the sign-in's account,
# the actor with the task, any earlier replay and the case locked with its workflow, parameters and what
# it paid so far, what the case has open (with what the duration histograms counted for it), and the
# writes of the step. This ceiling only ever goes down.
MAX_WRITES, MAX_TRANSACTIONS, MAX_STATEMENTS = 1, 2, 12
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class Count:
    writes: int = 0
    reads: int = 0
    statements: list[str] = field(default_factory=list)

    @property
    def transactions(self) -> int:
        return self.writes + self.reads


@contextmanager
def counting(eng):
    """Transactions begun on the writers' and the readers' pools, and the statements sent (BEGIN,
    COMMIT and ROLLBACK are the transactions', not counted as statements)."""
    count = Count()
    db = eng.db
    pools = [(db.writer, "writes")] + ([(db.reader, "reads")] if db.reader is not db.writer else [])

    def begun(kind):
        def on_begin(_conn):
            setattr(count, kind, getattr(count, kind) + 1)

        return on_begin

    def sent(_conn, _cursor, statement, _params, _context, _many):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            count.statements.append(statement)

    listeners = []
    for pool, kind in pools:
        listeners += [(pool, "begin", begun(kind)), (pool, "before_cursor_execute", sent)]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield count
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


def within_limits(count: Count) -> None:
    listing = "\n".join(count.statements)
    assert count.writes <= MAX_WRITES, f"{count.writes} write transactions"
    assert count.transactions <= MAX_TRANSACTIONS, f"{count.transactions} transactions"
    assert len(count.statements) <= MAX_STATEMENTS, f"{len(count.statements)} statements:\n{listing}"


@pytest.fixture
def api(app, eng):
    client = app.test_client()
    token = eng.issue_api_token("town_chengguan")

    def post(url, body):
        return client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})

    return post


def test_a_form_submission_is_one_write_transaction(eng, visitor):
    """受理审查 classifies the case (急难型): the duration counts move to the new category too."""
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    assert eng.case_view(case_no).category is None
    form = as_form(dict(form_data("intake-review.schema.json"), _submission="k-1"))
    with counting(eng) as count:
        response = clerk.post(f"/tasks/{task.task_id}", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [t.name for t in eng.open_tasks(case_no)] == ["先行救助决定"]
    assert eng.case_view(case_no).category is not None
    within_limits(count)


def test_a_later_step_stays_within_the_limit_too(eng, visitor):
    """先行救助决定: the decision on the amount, a later step of the same case."""
    case_no = start(eng)
    eng.complete(
        "town_chengguan", task_named(eng, case_no, "受理审查").task_id, form_data("intake-review.schema.json")
    )
    pay_first = task_named(eng, case_no, "先行救助决定")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{pay_first.task_id}")
    with counting(eng) as count:
        response = clerk.post(f"/tasks/{pay_first.task_id}", as_form(form_data("pay-first.schema.json")))
    assert response.status_code == 302
    assert eng.case_view(case_no).data["amount"] == 800
    within_limits(count)


def test_an_api_completion_is_one_write_transaction(eng, api):
    task = task_named(eng, start(eng), "受理审查")
    body = {"data": form_data("intake-review.schema.json"), "idempotency_key": "req-1"}
    with counting(eng) as count:
        response = api(f"/api/v1/tasks/{task.task_id}/complete", body)
    assert response.status_code == 200 and response.json["replayed"] is False
    within_limits(count)
    with counting(eng) as again:
        replay = api(f"/api/v1/tasks/{task.task_id}/complete", body)
    assert replay.json["replayed"] is True and replay.json["open_tasks"] == response.json["open_tasks"]
    within_limits(again)
