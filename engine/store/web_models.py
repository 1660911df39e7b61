"""Tables the web front needs in the domain: attachments, failed sign-ins and residents' objections.

Views of personal data and refused attempts are audit events (append-only, `audit_events`), not
a table of their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class Attachment(Base):
    """附件: a file uploaded with a task; the bytes live outside the database under their SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    step_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed sign-in, kept to throttle guessing (by user name and by address)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_user_at", "username", "at"),
        Index("ix_login_failures_addr_at", "remote_addr", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class PublicAttempt(Base):
    """One knock on a door anyone may use (an online application, an objection, a failed status
    lookup), kept to throttle by address and by ID number or case number across every process.
    The key is stored as a hash: the table says how often, never whose ID number."""

    __tablename__ = "public_attempts"
    __table_args__ = (
        Index("ix_public_attempts_key_at", "door", "scope", "key_hash", "at"),
        Index("ix_public_attempts_at", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    door: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class PublicObjection(Base):
    """公示异议 sent by a resident from the public notice page; the township registers it on the case."""

    __tablename__ = "public_objections"
    __table_args__ = (Index("ix_public_objections_case", "case_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_no: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict]
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))  # received / registered
