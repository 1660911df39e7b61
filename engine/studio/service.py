"""Studio: the process owner's services over one database, each checking the user's role and auditing
what it changes. The auditor may call every reading method and none of the others. Each method works
in units of work derived from the one the studio was made with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import parameters
from engine.errors import Conflict, FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_read_case
from engine.services import cases, deploy, jobs, people
from engine.services import migration as migrations
from engine.store.models import AuditEvent, Case, Job, SpecVersion, User
from engine.store.studio_models import ScenarioRun, StudioDraft
from engine.studio import drafts, operations, scenarios, versions
from engine.studio import parameters as params
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import STUDIO_EDITORS, STUDIO_OPERATORS, STUDIO_READERS, STUDIO_WATCHERS, Role
from engine.workflow import diff as spec_diff
from engine.workflow import migration as case_migration
from engine.workflow.specs import SpecFiles

READERS, EDITORS, OPERATORS, WATCHERS = STUDIO_READERS, STUDIO_EDITORS, STUDIO_OPERATORS, STUDIO_WATCHERS


@dataclass(frozen=True)
class DraftView:
    id: int
    name: str
    status: str
    base_version_id: int | None
    deployed_version_id: int | None
    files: dict[str, str]
    problems: list[dict]
    content_hash: str
    created_by: str
    updated_at: datetime
    updated_by: str
    latest_run: dict | None

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p["severity"] == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p["severity"] != "error"]

    def problems_of(self, path: str) -> list[dict]:
        """Problems of a file; lint reports some diagram problems against 'bpmn' as a whole."""
        return [
            p for p in self.problems if p["file"] == path or (p["file"] == "bpmn" and path.endswith(".bpmn"))
        ]


class Studio:
    """The studio's services. `uow` is only derived from (`reading()`, `writing()`): each method has
    units of work of its own, so one Studio may serve one request after another."""

    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    # -- who may ---------------------------------------------------------------------------------
    def _user(self, session: Session, username: str, roles) -> User:
        return people.in_roles(session, username, roles)

    def may_edit(self, username: str) -> bool:
        with self.uow.reading() as reading:
            return Role(people.get_user(reading.session, username).role) in EDITORS

    def _audit(self, session: Session, by: str, action: str, data: dict, **extra) -> None:
        session.add(AuditEvent(at=self.uow.now(), actor=by, action=action, data=data, **extra))

    # -- versions --------------------------------------------------------------------------------
    def versions(self, username: str) -> list[dict]:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            listed = versions.list_versions(session)
            running = dict(
                session.execute(
                    select(Case.spec_version_id, func.count())
                    .where(Case.status.in_(("running", "needs_attention")))
                    .group_by(Case.spec_version_id)
                ).all()
            )
        for item in listed:
            item["running"] = running.get(item["id"], 0)
        return listed

    def version_files(self, username: str, version_id: int) -> dict[str, str]:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            return drafts.version_files(session, version_id)

    def diff(self, username: str, old_version: int, new_version: int) -> spec_diff.VersionDiff:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            old, new = drafts.version_files(session, old_version), drafts.version_files(session, new_version)
        return spec_diff.diff_files(SpecFiles(old), SpecFiles(new))

    def draft_diff(self, username: str, draft_id: int) -> spec_diff.VersionDiff:
        """What the draft changes against the newest deployed version (what new cases use now)."""
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            draft = drafts.get(session, draft_id)
            current = session.scalars(select(SpecVersion).order_by(SpecVersion.id.desc()).limit(1)).first()
            base = dict(current.files) if current is not None else {}
            return spec_diff.diff_files(SpecFiles(base), SpecFiles(dict(draft.files)))

    # -- drafts ----------------------------------------------------------------------------------
    def drafts(self, username: str) -> list[DraftView]:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            return [self._view(session, d) for d in drafts.list_open(session)]

    def draft(self, username: str, draft_id: int) -> DraftView:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            return self._view(session, drafts.get(session, draft_id))

    def _view(self, session: Session, draft: StudioDraft) -> DraftView:
        files = dict(draft.files)
        content_hash = SpecFiles(files).content_hash
        run = session.scalars(
            select(ScenarioRun)
            .where(ScenarioRun.draft_id == draft.id)
            .order_by(ScenarioRun.id.desc())
            .limit(1)
        ).first()
        return DraftView(
            draft.id,
            draft.name,
            draft.status,
            draft.base_version_id,
            draft.deployed_version_id,
            files,
            list(draft.problems),
            content_hash,
            draft.created_by,
            draft.updated_at,
            draft.updated_by,
            _run_dict(run, self.uow.now(), session) if run is not None else None,
        )

    def new_draft(
        self,
        username: str,
        name: str,
        from_version: int | None = None,
        files: dict[str, str] | None = None,
        source: str = "version",
    ) -> int:
        """A draft from a deployed version (default: the newest), or from the given files."""
        with self.uow.writing() as uow:
            session = uow.session
            self._user(session, username, EDITORS)
            if files is None:
                if from_version is None:
                    latest = session.scalar(select(func.max(SpecVersion.id)))
                    if latest is None:
                        raise NotFound("尚未部署任何版本")
                    from_version = latest
                files = drafts.version_files(session, from_version)
            draft = drafts.create(session, name, username, uow.now(), files, from_version)
            self._audit(
                session,
                username,
                "draft_created",
                {
                    "draft_id": draft.id,
                    "name": draft.name,
                    "from_version": from_version,
                    "source": source,
                    "hash": SpecFiles(files).content_hash,
                },
                spec_version_id=from_version,
            )
            draft_id = draft.id
            uow.commit()
        return draft_id

    def import_archive(self, username: str, name: str, raw: bytes) -> int:
        return self.new_draft(username, name, files=drafts.from_archive(raw), source="archive")

    def import_folders(self, username: str, name: str, bpmn_dir, forms_dir) -> int:
        return self.new_draft(
            username, name, files=drafts.read_folders(bpmn_dir, forms_dir), source="folders"
        )

    def save_file(self, username: str, draft_id: int, path: str, text: str | None) -> DraftView:
        """Save one file (None deletes it); the draft is linted again and its problems returned."""
        with self.uow.writing() as uow:
            session = uow.session
            self._user(session, username, EDITORS)
            draft = drafts.save_file(session, draft_id, path, text, username, uow.now())
            self._audit(
                session,
                username,
                "draft_file_deleted" if text is None else "draft_file_saved",
                {
                    "draft_id": draft_id,
                    "path": path,
                    "errors": sum(1 for p in draft.problems if p["severity"] == "error"),
                },
            )
            session.flush()
            view = self._view(session, draft)
            uow.commit()
        return view

    def discard(self, username: str, draft_id: int) -> None:
        with self.uow.writing() as uow:
            session = uow.session
            self._user(session, username, EDITORS)
            draft = drafts.editable(session, draft_id)
            draft.status, draft.updated_at, draft.updated_by = "discarded", uow.now(), username
            self._audit(session, username, "draft_discarded", {"draft_id": draft_id})
            uow.commit()

    def export_archive(
        self, username: str, draft_id: int | None = None, version_id: int | None = None
    ) -> bytes:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            if draft_id:
                files = dict(drafts.get(session, draft_id).files)
            elif version_id is not None:
                files = drafts.version_files(session, version_id)
            else:
                raise NotFound("流程版本不存在")
        return drafts.to_archive(files)

    def export_folders(self, username: str, draft_id: int, bpmn_dir, forms_dir) -> list[str]:
        """Write a draft into bpmn/ + forms/ (the repository's source of truth); unchanged files
        untouched. The draft read and the export audited in one unit of work."""
        with self.uow.writing() as uow:
            session = uow.session
            self._user(session, username, READERS)
            files = dict(drafts.get(session, draft_id).files)
            self._user(session, username, EDITORS)
            touched = drafts.write_folders(files, bpmn_dir, forms_dir)
            self._audit(session, username, "draft_exported", {"draft_id": draft_id, "files": touched})
            uow.commit()
        return touched

    # -- scenario runs and deploy ----------------------------------------------------------------
    def start_run(self, username: str, draft_id: int, keyword: str | None = None, wait: bool = False) -> int:
        with self.uow.writing() as uow:
            session = uow.session
            self._user(session, username, EDITORS)
            draft = drafts.get(session, draft_id)
            if any(p["severity"] == "error" for p in draft.problems):
                raise Conflict("草稿未通过检查，请先改正标出的问题")
            files = dict(draft.files)
            row = ScenarioRun(
                draft_id=draft_id,
                content_hash=SpecFiles(files).content_hash,
                status="running",
                results=[],
                started_at=uow.now(),
                started_by=username,
            )
            session.add(row)
            session.flush()
            run_id = row.id
            row.job_id = jobs.enqueue(
                session,
                "scenario_run",
                {"run_id": run_id, "files": files, "keyword": keyword},
                username,
                uow.now(),
            )
            self._audit(
                session,
                username,
                "scenario_run_started",
                {"draft_id": draft_id, "run_id": run_id, "keyword": keyword, "job_id": row.job_id},
            )
            job_id = row.job_id
            uow.commit()
        if wait:  # tests, and a studio without a worker: run it here and now
            jobs.run_now(self.uow, job_id)
        return run_id

    def run(self, username: str, run_id: int) -> dict:
        with self.uow.reading() as reading:
            session = reading.session
            self._user(session, username, READERS)
            row = session.get(ScenarioRun, run_id)
            if row is None:
                raise NotFound(f"测试运行 {run_id} 不存在")
            return _run_dict(row, reading.now(), session)

    def deploy_draft(
        self, username: str, draft_id: int, note: str | None = None, accept_failures: bool = False
    ) -> deploy.Deployment:
        """Deploy a draft as the version new cases use (engine/services/deploy.py)."""
        return deploy.deploy_draft(self.uow.writing(), username, draft_id, note, accept_failures)

    # -- migration -------------------------------------------------------------------------------
    def migration_plan(
        self, username: str, from_version: int, to_version: int
    ) -> list[case_migration.CasePlan]:
        return migrations.plan(self.uow.reading(), username, from_version, to_version)

    def migrate(
        self,
        username: str,
        from_version: int,
        to_version: int,
        reason: str,
        case_nos: list[str] | None = None,
        on_progress=None,
    ) -> dict:
        """Move the named cases (default: every safe one) and audit each; refusals come with reasons."""
        return migrations.migrate(
            self.uow.writing(), username, from_version, to_version, reason, case_nos, on_progress
        )

    # -- parameters ------------------------------------------------------------------------------
    def parameters(self, username: str) -> dict:
        with self.uow.reading() as reading:
            session = reading.session
            user = self._user(session, username, READERS)
            county = user.area_code[:6]
            now = reading.now()
            in_force = parameters.in_force(session, county, now)
            listed = params.history(session, county)
        return {
            "county_code": county,
            "in_force": in_force,
            "history": listed,
            "upcoming": [v for v in listed if v.effective_from is not None and v.effective_from > now],
            "catalogue": parameters.catalogue(),
        }

    def set_parameters(
        self,
        username: str,
        values: dict,
        effective_from: datetime | None,
        reason: str,
        county_code: str | None = None,
    ) -> int:
        """A new parameter version of the user's county; naming another county (`county_code`, the
        API's path) is refused."""
        now = self.uow.now()
        start = effective_from or now
        with self.uow.writing() as uow:  # the check and the change together: no change slips between
            user = self._user(uow.session, username, EDITORS)
            county = user.area_code[:6]
            if county_code is not None and county_code != county:
                raise NotPermitted("无权修改其他县的参数")
            current = parameters.in_force(uow.session, county, start)
            changed = {k: v for k, v in params.normalised(values).items() if current.values.get(k) != v}
            errors = params.check(changed, current.values, start, now, reason)
            if errors:
                raise ValidationFailed(errors)
            version = parameters.change(uow.session, county, changed, username, now, start, reason.strip())
            uow.commit()
        return version

    def case_parameters(self, username: str, case_no: str) -> list[dict]:
        """Which parameter versions the case's decisions used (readers of the case may ask)."""
        with self.uow.reading() as reading:
            session = reading.session
            user = people.get_user(session, username)
            case = session.scalar(select(Case).where(Case.case_no == case_no))
            if case is None or not may_read_case(user, case):
                raise NotFound(f"案件 {case_no} 不存在")
            return params.case_parameters(session, case.county_code, case.id)

    # -- operations ------------------------------------------------------------------------------
    def attention(self, username: str) -> list[operations.Attention]:
        with self.uow.reading() as reading:
            session = reading.session
            user = self._user(session, username, WATCHERS)
            return operations.needing_attention(session, user.area_code[:6], reading.now())

    def retry(self, username: str, case_no: str, reason: str, data: dict | None = None) -> dict:
        if not (reason or "").strip():
            raise ValidationFailed([FieldError("reason", "重试原因：必填")], "重试原因：必填")
        with self.uow.writing() as uow:  # the retry and its reason commit together
            user = self._user(uow.session, username, OPERATORS)
            retried = cases.retry_in(uow, case_no, username, data, county_code=user.area_code[:6])
            self._audit(
                uow.session,
                username,
                "retry_reason",
                {"reason": reason.strip(), "result": retried.status},
                case_id=retried.case_id,
            )
            uow.commit()
        return retried.as_dict()

    def cancel(self, username: str, case_no: str, reason: str) -> dict:
        with self.uow.writing() as uow:
            user = self._user(uow.session, username, OPERATORS)
            cancelled = cases.cancel_in(uow, case_no, username, reason, county_code=user.area_code[:6])
            uow.commit()
        return cancelled


def _run_dict(row: ScenarioRun, now: datetime, session: Session) -> dict:
    """A run as pages show it, with its job's progress while it runs. A run whose job failed (the
    worker gave up after repeated interruptions), or one from before jobs still 'running' long after
    its time limit, is shown as not completed, so it can be started again."""
    results = list(row.results or [])
    status, output = row.status, row.output
    job = session.get(Job, row.job_id) if row.job_id is not None else None
    if status == "running" and job is not None and job.status == "failed":
        status, output = "error", f"运行未能完成：{job.error or ''}".strip()
    elif (
        status == "running"
        and job is None
        and now - row.started_at > timedelta(seconds=scenarios.RUN_TIMEOUT_SECONDS + 60)
    ):
        status, output = "error", "运行中断（服务曾重启），请重新运行"
    return {
        "id": row.id,
        "draft_id": row.draft_id,
        "status": status,
        "content_hash": row.content_hash,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "started_by": row.started_by,
        "results": results,
        "output": output,
        "job": {"status": job.status, "progress": job.progress, "total": job.total}
        if job is not None
        else None,
        "passed": sum(1 for r in results if r["outcome"] == "passed"),
        "failed": sum(1 for r in results if r["outcome"] != "passed"),
    }


@jobs.handler("case_migration")
def _migration_job(uow: UnitOfWork, job: jobs.JobContext) -> dict:
    p = job.params
    return migrations.migrate(
        uow,
        p["username"],
        p["from"],
        p["to"],
        p["reason"],
        p.get("case_nos"),
        on_progress=lambda done, total: job.progress(done, total),
    )
