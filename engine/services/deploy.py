"""Deploy: lint a set of bpmn/ + forms/ files and store them as an immutable version, keyed by the
SHA-256 of their content; the same files deployed again return the existing version. Cases keep the
version they started with, so a running case is never affected by a later deploy.

Two user actions, each one unit of work: deploy folders or files (`deploy_files`: the CLI, tools,
tests) and deploy a studio draft whose policy scenarios ran on exactly its files (`deploy_draft`: the
studio's page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, LintFailed
from engine.services import people
from engine.store.models import AuditEvent, SpecVersion
from engine.store.studio_models import ScenarioRun
from engine.vocabulary import STUDIO_EDITORS
from engine.workflow import lint, specs
from engine.workflow.registry import SpecRegistry

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Deployment:
    version_id: int
    content_hash: str
    created: bool
    warnings: list


def deploy(
    session: Session,
    registry: SpecRegistry,
    files: specs.SpecFiles,
    by: str,
    now: datetime,
    note: str | None = None,
) -> Deployment:
    """Lint and store the files as a version; the same content deployed again is a no-op."""
    content_hash = files.content_hash
    existing = session.scalars(select(SpecVersion).where(SpecVersion.content_hash == content_hash)).first()
    if existing is not None:
        return Deployment(existing.id, content_hash, False, existing.manifest.get("warnings", []))
    problems = lint.lint(files)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LintFailed(errors)
    loaded = specs.load(files)
    row = SpecVersion(
        content_hash=content_hash,
        files=files.files,
        manifest=lint.manifest(loaded, problems),
        created_at=now,
        created_by=by,
        note=note,
    )
    session.add(row)
    session.flush()
    session.add(
        AuditEvent(
            at=now,
            actor=by,
            action="spec_deployed",
            data={"hash": content_hash, "note": note},
            spec_version_id=row.id,
        )
    )
    return Deployment(row.id, content_hash, True, row.manifest["warnings"])


def deploy_files(
    uow: UnitOfWork, files: specs.SpecFiles, by: str = "system", note: str | None = None
) -> Deployment:
    """Deploy the files as the version new cases use (or find the same content deployed)."""
    with uow:
        deployment = deploy(uow.session, uow.specs, files, by, uow.now(), note)
        uow.commit()
    return deployment


def deploy_draft(
    uow: UnitOfWork, username: str, draft_id: int, note: str | None = None, accept_failures: bool = False
) -> Deployment:
    """Deploy a studio draft as the version new cases use. Its policy scenarios must have been run on
    exactly these files; failures are deployed only when the process owner accepts them."""
    from engine.studio import drafts  # the studio's package imports the services

    with uow:
        session = uow.session
        people.in_roles(session, username, STUDIO_EDITORS)
        draft = drafts.editable(session, draft_id)
        files = specs.SpecFiles(dict(draft.files))
        run = session.scalars(
            select(ScenarioRun)
            .where(ScenarioRun.draft_id == draft_id, ScenarioRun.content_hash == files.content_hash)
            .order_by(ScenarioRun.id.desc())
            .limit(1)
        ).first()
        if run is None or run.status == "running":
            raise Conflict("请先对当前草稿运行政策场景测试，运行结束后再部署")
        if run.status == "error":
            raise Conflict("政策场景测试未能运行完成，请查看输出后重新运行")
        failed = [r["name"] for r in run.results if r["outcome"] != "passed"]
        if failed and not accept_failures:
            raise Conflict(
                f"有 {len(failed)} 个政策场景未通过；确认政策已变更后可勾选“接受未通过的场景”再部署"
            )
        deployment = deploy(session, uow.specs, files, username, uow.now(), note)
        draft.status, draft.deployed_version_id = "deployed", deployment.version_id
        draft.updated_at, draft.updated_by = uow.now(), username
        session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="draft_deployed",
                data={
                    "draft_id": draft_id,
                    "run_id": run.id,
                    "created": deployment.created,
                    "failed_scenarios": failed,
                    "note": note,
                },
                spec_version_id=deployment.version_id,
            )
        )
        uow.commit()
    return deployment
