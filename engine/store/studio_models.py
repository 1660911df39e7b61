"""Tables of the process owner's studio: drafts of bpmn/ + forms/ edited in the browser, and the
policy-scenario runs made against them before a deploy.

Deployed versions stay in `spec_versions` (immutable); migrations of running cases, parameter
changes and retries are audit events (`audit_events`), not tables of their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, Case


class StudioDraft(Base):
    """草稿: a full set of deployable files being edited; deployed as a new version when ready."""

    __tablename__ = "studio_drafts"
    __table_args__ = (Index("ix_studio_drafts_status", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("spec_versions.id"))
    files: Mapped[dict]  # relative path ('bpmn/x.bpmn', 'forms/y.schema.json') -> text, byte for byte
    problems: Mapped[list]  # lint problems of the files as last saved
    status: Mapped[str] = mapped_column(String(12))  # open / deployed / discarded
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("spec_versions.id"))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class ScenarioRun(Base):
    """A run of the policy scenarios (features/) against a draft's files."""

    __tablename__ = "scenario_runs"
    __table_args__ = (Index("ix_scenario_runs_draft", "draft_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("studio_drafts.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # running / passed / failed / error
    results: Mapped[list]  # [{feature, name, outcome, message}]
    output: Mapped[str | None] = mapped_column(Text)  # the tail of the runner's output when it broke
    started_at: Mapped[datetime]
    started_by: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime | None]
    job_id: Mapped[int | None]  # the worker's job that executes the run (engine/services/jobs.py)


# Reports read cases by county and start month.
Index("ix_cases_county_started", Case.county_code, Case.started_at)
