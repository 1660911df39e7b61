"""The Engine: the one object the web layer, the CLI and the tests talk to."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from engine import parameters, paths
from engine.services import (
    access,
    cases,
    comments,
    deploy,
    form_drafts,
    handover,
    intake,
    people,
    residents,
    signin,
    tasks,
    timers,
)
from engine.services.attachments import AttachmentStore
from engine.services.comments import Comment
from engine.services.deploy import Deployment
from engine.store import schema
from engine.store.db import Database
from engine.store.models import AuditEvent
from engine.studio import versions as studio_versions
from engine.unit_of_work import UnitOfWork
from engine.views import case_page, case_search, case_view, inbox, places, public, task_page
from engine.views import reports as report_views
from engine.views.case_view import CaseView
from engine.views.inbox import InboxRow
from engine.workflow import diagrams
from engine.workflow.registry import SpecRegistry
from engine.workflow.specs import SpecFiles

AREA_NAMES_SECONDS = 60.0  # how long a process may show an area's old name

PROJECT_ROOT = paths.CHECKOUT


def system_clock() -> datetime:
    return datetime.now(UTC)


class Engine:
    """Domain services over one database. `clock` returns an aware datetime (tests move it)."""

    def __init__(self, db: Database, clock: Callable[[], datetime] | None = None):
        self.db = db
        self.clock = clock or system_clock
        self.specs = SpecRegistry()
        self._area_names: tuple[float, dict[str, str]] | None = None

    @classmethod
    def open(
        cls, url: str | None = None, clock: Callable[[], datetime] | None = None, migrate: bool = True
    ) -> Engine:
        db = Database(url)
        if migrate:
            schema.upgrade(db)
        return cls(db, clock)

    def now(self) -> datetime:
        return self.clock()

    def uow(self, readonly: bool = False) -> UnitOfWork:
        """A unit of work on this engine's database, clock and specs. Its clock asks this engine's, so a
        long-lived object made with it (a Studio, an AttachmentStore) sees the clock a test moved."""
        return UnitOfWork(self.db, self.now, self.specs, readonly)

    def close(self) -> None:
        self.db.dispose()

    # -- specs -----------------------------------------------------------------------------------
    def deploy(
        self,
        bpmn_dir: str | Path | None = None,
        forms_dir: str | Path | None = None,
        by: str = "system",
        note: str | None = None,
    ) -> Deployment:
        """Deploy the given folders, by default the release's bpmn/ and forms/ (engine.paths)."""
        files = SpecFiles.from_dirs(bpmn_dir or paths.bpmn_dir(), forms_dir or paths.forms_dir())
        return self.deploy_files(files, by=by, note=note)

    def deploy_files(self, files: SpecFiles, by: str = "system", note: str | None = None) -> Deployment:
        return deploy.deploy_files(self.uow(), files, by, note)

    def versions(self) -> list[dict]:
        with self.uow(readonly=True) as uow:
            return studio_versions.list_versions(uow.session)

    # -- people and places ----------------------------------------------------------------------
    def add_area(self, code: str, name: str, parent_code: str | None = None, by: str = "system") -> None:
        with self.uow() as uow:
            people.add_area(uow.session, code, name, parent_code)
            uow.session.add(
                AuditEvent(at=uow.now(), actor=by, action="area_saved", data={"code": code, "name": name})
            )
            uow.commit()
        self._area_names = None

    def add_user(
        self,
        username: str,
        display_name: str,
        role: str,
        area_code: str,
        password: str | None = None,
        by: str = "system",
    ) -> None:
        with self.uow() as uow:
            people.add_user(uow.session, username, display_name, role, area_code, uow.now(), password)
            uow.session.add(
                AuditEvent(
                    at=uow.now(),
                    actor=by,
                    action="user_added",
                    data={"username": username, "role": role, "area_code": area_code},
                )
            )
            uow.commit()

    # -- parameters -----------------------------------------------------------------------------
    def set_parameters(
        self,
        county_code: str,
        values: dict,
        by: str,
        effective_from: datetime | None = None,
        reason: str | None = None,
    ) -> int:
        with self.uow() as uow:
            version = parameters.change(
                uow.session, county_code, values, by, self.now(), effective_from, reason
            )
            uow.commit()
        return version

    def parameters(self, county_code: str, at: datetime | None = None) -> parameters.ParametersInForce:
        with self.uow(readonly=True) as uow:
            return parameters.in_force(uow.session, county_code, at or uow.now())

    # -- cases ----------------------------------------------------------------------------------
    def start_case(
        self,
        application: dict,
        area_code: str,
        by: str | None = None,
        channel: str = "window",
        idempotency_key: str | None = None,
    ) -> cases.CaseRef:
        return cases.start_case(self.uow(), application, area_code, by, channel, idempotency_key)

    def claim(self, username: str, task_id: str) -> None:
        cases.claim(self.uow(), username, task_id)

    def unclaim(self, username: str, task_id: str) -> None:
        cases.unclaim(self.uow(), username, task_id)

    def complete(self, username: str, task_id: str, data: dict, idempotency_key: str | None = None) -> dict:
        """Complete a task in-process (CLI, tests, tools); the web calls engine.services.tasks itself."""
        caller = tasks.Caller(username)
        return tasks.complete_task(self.uow(), caller, task_id, data, idempotency_key).as_dict()

    # -- 转交、催办、延期 (engine/services/handover.py) -----------------------------------------------
    def task_controls(self, username: str, case_no: str) -> dict[str, handover.TaskControls]:
        return handover.controls(self.uow(readonly=True), username, case_no)

    def reassign(self, by: str, task_id: str, to: str, reason: str = "") -> str:
        return handover.reassign(self.uow(), by, task_id, to, reason)

    def remind(self, by: str, task_id: str, note: str = "") -> None:
        handover.remind(self.uow(), by, task_id, note)

    def extend_deadline(self, by: str, task_id: str, until, reason: str) -> datetime:
        return handover.extend_deadline(self.uow(), by, task_id, until, reason)

    # -- 草稿 of a task's form (engine/services/form_drafts.py) ---------------------------------------
    def save_form_draft(self, username: str, task_id: str, data: dict) -> datetime:
        return form_drafts.save(self.uow(), username, task_id, data)

    def form_draft(self, username: str, task_id: str) -> form_drafts.Draft | None:
        return form_drafts.load(self.uow(readonly=True), username, task_id)

    def discard_form_draft(self, username: str, task_id: str) -> bool:
        return form_drafts.discard(self.uow(), username, task_id)

    # -- 留言 (engine/services/comments.py) ---------------------------------------------------------
    def add_comment(
        self, username: str, case_no: str, body: str, task_id: str | None = None
    ) -> comments.Comment:
        return comments.add(self.uow(), username, case_no, body, task_id)

    def comments(self, case_no: str) -> list[comments.Comment]:
        """A case's comments; call after the reader's access was checked."""
        return comments.for_case(self.uow(readonly=True), case_no)

    def readable_comments(
        self, username: str, case_no: str, what: str, remote_addr: str | None = None
    ) -> list[Comment]:
        """A case's comments for `username`, the access check in the same read."""
        return comments.readable(self.uow(readonly=True), username, case_no, what, remote_addr)

    def retry(self, case_no: str, by: str, data: dict | None = None) -> dict:
        return cases.retry(self.uow(), case_no, by, data).as_dict()

    def cancel(self, case_no: str, by: str, reason: str) -> dict:
        return cases.cancel(self.uow(), case_no, by, reason)

    def import_warnings(self, text: str, fmt: str, by: str | None = None):
        """Start cases from the monitoring platform's warnings (CSV or JSON); see engine/services/monitoring.py."""
        from engine.services import monitoring

        return monitoring.import_warnings(self.uow(), text, fmt, by)

    def import_roster(
        self, text: str, fmt: str, roster: str | None = None, by: str | None = None, county: str | None = None
    ):
        """Add the county's 低保 / 特困 / 建档立卡 / 返贫 rosters (CSV or JSON); see engine/services/rosters.py."""
        from engine.services import rosters

        return rosters.import_roster(self.uow(), text, fmt, roster=roster, by=by, county=county)

    def roster_entries(self, county: str, roster: str | None = None, limit: int = 200):
        from engine.services import rosters

        return rosters.entries(self.uow(readonly=True), county, roster, limit)

    def compare_rosters(self, month: str, county: str | None = None, by: str | None = None):
        """The monthly comparison of the monitored populations with the 低保 / 特困 / 临时救助 rolls,
        written to the county's 台账; see engine/services/coverage.py."""
        from engine.services import coverage

        return coverage.compare(self.uow(), county, month, by)

    def monitoring_register(self, county: str | None = None, on=None, username: str | None = None):
        """The low-income monitoring register (001 ¶3), decided by bpmn/monitoring_register.dmn;
        see engine/services/monitoring_register.py."""
        from engine.services import monitoring_register

        return monitoring_register.register(self.uow(readonly=True), county, on, username)

    def coverage_ledger(self, month: str, username: str | None = None, county: str | None = None):
        from engine.services import coverage

        return coverage.ledger(self.uow(readonly=True), username, county, month)

    def coverage_months(self, username: str) -> list[str]:
        from engine.services import coverage

        return coverage.months(self.uow(readonly=True), username)

    def export_coverage(self, month: str, username: str, remote_addr: str | None = None) -> list[list]:
        from engine.services import coverage

        return coverage.export_rows(self.uow(), username, month, remote_addr)

    def set_coverage_follow_up(self, entry_id: int, follow_up: str, note: str | None, by: str):
        from engine.services import coverage

        return coverage.set_follow_up(self.uow(), entry_id, follow_up, note, by)

    def top_up_reserve(self, by: str, township_code: str, amount: int, note: str = "") -> int:
        """The county tops up a township's 备用金; see engine/services/reserve.py."""
        from engine.services import reserve

        return reserve.top_up(self.uow(), by, township_code, amount, note)

    def reserve(self, username: str, township_code: str):
        from engine.services import reserve

        return reserve.reserve(self.uow(readonly=True), username, township_code)

    def watch_list(self, username: str) -> list[dict]:
        """备案管理: households refused but possibly still in difficulty; see engine/views/watch_list.py."""
        from engine.views import watch_list

        return watch_list.watch_list(self.uow(readonly=True), username)

    # -- timers ---------------------------------------------------------------------------------
    def fire_due(self, now: datetime | None = None) -> int:
        return timers.fire_due(self.uow(), now)

    def run_timer_worker(self, stop: Callable[[], bool] = lambda: False) -> None:
        timers.run_worker(self.uow(), stop)

    # -- reading --------------------------------------------------------------------------------
    def inbox(self, username: str, **filters) -> inbox.InboxPage:
        return inbox.inbox(self.uow(readonly=True), username, **filters)

    def search_cases(
        self, username: str, query: case_search.CaseQuery, limit: int = 50, offset: int = 0
    ) -> case_search.CaseSearchPage:
        """查找案件: the cases the user may read that match, newest first."""
        return case_search.search_cases(self.uow(readonly=True), username, query, limit, offset)

    def open_tasks(self, case_no: str) -> list[InboxRow]:
        return inbox.open_tasks(self.uow(readonly=True), case_no)

    def case_view(self, case_no: str, username: str | None = None) -> case_view.CaseView:
        return case_view.case_view(self.uow(readonly=True), case_no, username)

    def case_page(self, username: str, case_no: str, remote_addr: str | None = None) -> case_page.CasePage:
        """Everything the case page shows, in one read (and its audited view, one small write)."""
        return case_page.case_page(self.uow(readonly=True), username, case_no, remote_addr)

    def viewed_case(self, username: str, case_no: str, what: str, remote_addr: str | None = None) -> CaseView:
        """The case as its page shows it, read and audited as the page is (the API's case)."""
        return case_page.viewed_case(self.uow(readonly=True), username, case_no, what, remote_addr)

    def public_notices(self, township_code: str) -> list[dict]:
        return public.public_notices(self.uow(readonly=True), township_code)

    def public_results(self, township_code: str) -> list[dict]:
        return public.public_results(self.uow(readonly=True), township_code)

    def prior_cases(self, id_number: str) -> list[dict]:
        return case_view.prior_cases(self.uow(readonly=True), id_number)

    # -- for the web front: sign-in, access, forms, attachments, residents, diagrams, places -----
    def authenticate(self, username: str, password: str, remote_addr: str) -> signin.Account:
        return signin.authenticate(self.uow(), username, password, remote_addr)

    def account(self, username: str) -> signin.Account | None:
        return signin.account(self.uow(readonly=True), username)

    def account_by_id(self, user_id: int) -> signin.Account | None:
        return signin.account_by_id(self.uow(readonly=True), user_id)

    def issue_api_token(self, username: str) -> str:
        return signin.issue_api_token(self.uow(), username)

    def account_for_token(self, token: str) -> signin.Account:
        return signin.account_for_token(self.uow(readonly=True), token)

    def case_access(
        self, username: str, case_no: str, what: str, remote_addr: str | None = None, audit_view: bool = True
    ) -> None:
        access.case_access(self.uow(readonly=True), username, case_no, what, remote_addr, audit_view)

    def task_access(self, username: str, task_id: str, what: str, remote_addr: str | None = None) -> InboxRow:
        return access.task_access(self.uow(readonly=True), username, task_id, what, remote_addr)

    def task_page(self, username: str, task_id: str, remote_addr: str | None = None) -> task_page.TaskPage:
        return task_page.task_page(self.uow(readonly=True), username, task_id, remote_addr)

    def task_form(self, username: str, task_id: str, remote_addr: str | None = None) -> tuple[InboxRow, dict]:
        return task_page.task_form(self.uow(readonly=True), username, task_id, remote_addr)

    def start_form(self, county_code: str | None = None) -> dict:
        return intake.start_form(self.uow(readonly=True), county_code)

    def start_application(
        self, username: str, application: dict, area_code: str, idempotency_key: str | None = None
    ) -> cases.CaseRef:
        return intake.start_application(self.uow(), username, application, area_code, idempotency_key)

    def attachments(self, root: str | Path) -> AttachmentStore:
        return AttachmentStore(self.uow(), root)

    def apply_online(
        self,
        application: dict,
        area_code: str,
        idempotency_key: str | None = None,
        uploads: Sequence[residents.Upload] = (),
        store: AttachmentStore | None = None,
        remote_addr: str | None = None,
    ) -> cases.CaseRef:
        return residents.apply_online(
            self.uow(), application, area_code, idempotency_key, uploads, store, remote_addr
        )

    def public_status(
        self, case_no: str, id_number: str, remote_addr: str | None = None
    ) -> residents.PublicStatus:
        return residents.status(self.uow(), case_no, id_number, remote_addr)

    def objection_schema(self, case_no: str) -> dict:
        return residents.objection_schema(self.uow(readonly=True), case_no)

    def submit_objection(self, case_no: str, data: dict, remote_addr: str | None = None) -> int:
        return residents.submit_objection(self.uow(), case_no, data, remote_addr)

    def case_diagrams(self, case_no: str) -> list[diagrams.CaseDiagram]:
        return case_view.case_diagrams(self.uow(readonly=True), case_no)

    def places(self, within: str = "", level: str | None = None) -> list[places.Place]:
        return places.places(self.uow(readonly=True), within, level)

    def area_names(self) -> dict[str, str]:
        """Area code → name of every area, kept for a minute: nearly every page shows area names, and
        at a province's 2 000 areas reading them all took longer than the page itself. Areas change
        rarely; one added through this engine is seen at once, through another process within a minute."""
        cached, now = self._area_names, time.monotonic()
        if cached is None or now - cached[0] > AREA_NAMES_SECONDS:
            cached = self._area_names = (now, places.names(self.uow(readonly=True)))
        return cached[1]

    # -- the process owner's studio, operations and reports (engine/studio/, engine/views/reports/) ---
    def studio(self):
        """The process owner's studio and operations: an engine.studio.Studio on this engine's database."""
        from engine.studio import Studio

        return Studio(self.uow())

    def job(self, job_id: int, username: str | None = None):
        """A background job as its page shows it (only to the user who started it)."""
        from engine.services import jobs

        return jobs.get(self.uow(readonly=True), job_id, username)

    def run_job_now(self, job_id: int):
        """Do a queued job in this process (no worker: tests, one-off commands)."""
        from engine.services import jobs

        return jobs.run_now(self.uow(), job_id)

    def reports(self) -> Reports:
        """台账 and dashboards (engine/views/reports/)."""
        return Reports(self)


class Reports:
    """The report views, each in a read-only unit of work (an export audits in its own)."""

    def __init__(self, eng: Engine):
        self._eng = eng

    def ledger(
        self, username: str, filters: report_views.LedgerFilter, limit: int = 50, offset: int = 0
    ) -> report_views.LedgerPage:
        return report_views.ledger(self._eng.uow(readonly=True), username, filters, limit, offset)

    def dashboard(self, username: str, filters: report_views.LedgerFilter) -> report_views.Dashboard:
        return report_views.dashboard(self._eng.uow(readonly=True), username, filters)

    def export_csv(self, username: str, filters: report_views.LedgerFilter, remote_addr: str | None = None):
        return report_views.export_csv(self._eng.uow(), username, filters, remote_addr)

    def export_xlsx(
        self, username: str, filters: report_views.LedgerFilter, target, remote_addr: str | None = None
    ) -> int:
        return report_views.export_xlsx(self._eng.uow(), username, filters, target, remote_addr)

    def start_export(
        self,
        username: str,
        filters: report_views.LedgerFilter,
        export_format: str = "xlsx",
        remote_addr: str | None = None,
    ) -> int:
        """Queue an export for `jiuzhu worker`; returns the job id (its page shows the progress)."""
        from engine.views.reports.exports import start_export

        return start_export(self._eng.uow(), username, filters, export_format, remote_addr)
