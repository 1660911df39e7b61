"""附件: scanned bills, signed visit records, 暂住说明 uploaded with a task.

The bytes are stored outside the database under their SHA-256 (the same file uploaded twice is kept
once); a table row links them to the case and the step. Type is checked by the file's first bytes,
not by its name or the browser's word; size is capped while reading.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.errors import FieldError, NotFound, ValidationFailed
from engine.permissions import may_read_case
from engine.services import access, people
from engine.store.models import AuditEvent, Case
from engine.store.web_models import Attachment
from engine.unit_of_work import UnitOfWork

MAX_BYTES = 10 * 1024 * 1024
# Files a resident sent with an online application are listed as uploaded by the applicant.
APPLICANT = "applicant"
APPLICANT_TITLE = "申请人（网上申请）"
KINDS = {
    "bill": "票据扫描件",
    "visit_record": "签字的调查记录",
    "residence_statement": "暂住说明",
    "id_document": "身份证件",
    "other": "其他材料",
}
SIGNATURES = (  # (first bytes, content type, extension)
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class ReceivedFile:
    """An upload read and checked, waiting in a temporary file to be kept with a case."""

    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    temp: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    case_no: str
    step_name: str | None
    kind: str
    kind_title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @property
    def uploader(self) -> str:
        return APPLICANT_TITLE if self.uploaded_by == APPLICANT else self.uploaded_by


class AttachmentStore:
    """Attachments of cases, with their files under `root` (outside the database). `uow` is only
    derived from: each action is a unit of work of its own, so one store serves every request."""

    kinds = KINDS

    def __init__(self, uow: UnitOfWork, root: str | Path):
        self.uow = uow
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def add(
        self,
        username: str,
        task_id: str,
        kind: str,
        filename: str,
        stream: IO[bytes],
        remote_addr: str | None = None,
    ) -> AttachmentInfo:
        """Store a file uploaded with an open task the user may act on. The user's access is checked
        before the upload is read (a refused upload is not read), and again in the unit of work that
        keeps the file: the check the attachment relies on and the attachment are one snapshot."""
        access.task_access(self.uow.reading(), username, task_id, "上传附件", remote_addr)
        if kind not in KINDS:
            raise ValidationFailed([FieldError("kind", "附件类别：取值不在可选范围内")])
        received = self.receive(kind, filename, stream)
        try:
            with self.uow.writing() as uow:
                task = access.task_access_in(uow, username, task_id, "上传附件", remote_addr)
                session = uow.session
                case_id = session.execute(select(Case.id).where(Case.case_no == task.case_no)).scalar_one()
                placed = self.keep(
                    session, case_id, task.case_no, [received], username, task.name, task_id, task.element_id
                )
                uow.commit()
        finally:
            self.discard([received])  # a kept file has moved into the store already
        return placed[0]

    def receive(self, kind: str, filename: str, stream: IO[bytes], field: str = "file") -> ReceivedFile:
        """Read an upload into a temporary file, checking its size and type; errors name `field`.
        Nothing is kept until `keep` (or `discard` when the action is refused)."""
        label = "附件" if field == "file" else KINDS.get(kind, "附件")
        digest, size, content_type, temp = self._receive(stream, field, label)
        return ReceivedFile(kind, _clean_name(filename, content_type), content_type, size, digest, temp)

    def keep(
        self,
        session: Session,
        case_id: int,
        case_no: str,
        files: list[ReceivedFile],
        uploaded_by: str,
        step_name: str | None,
        task_id: str | None = None,
        element_id: str | None = None,
    ) -> list[AttachmentInfo]:
        """Link received files to a case within the caller's transaction, audited; the bytes move
        into the store now and are taken out again if that transaction rolls back."""
        now, kept = self.uow.now(), []
        for received in files:
            row = Attachment(
                case_id=case_id,
                task_id=task_id,
                step_name=step_name,
                kind=received.kind,
                filename=received.filename,
                content_type=received.content_type,
                size=received.size,
                sha256=received.sha256,
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            session.add(row)
            session.add(
                AuditEvent(
                    at=now,
                    actor=uploaded_by,
                    action="attachment_added",
                    case_id=case_id,
                    task_id=task_id,
                    element_id=element_id,
                    element_name=step_name,
                    data={
                        "kind": received.kind,
                        "filename": received.filename,
                        "size": received.size,
                        "sha256": received.sha256,
                    },
                )
            )
            kept.append(row)
        session.flush()
        new_files = [target for received in files if (target := self._place(received)) is not None]
        if new_files:
            _remove_unless_committed(session, new_files)
        return [_info(row, case_no) for row in kept]

    def discard(self, files: list[ReceivedFile]) -> None:
        """Drop received files of a refused action."""
        for received in files:
            Path(received.temp).unlink(missing_ok=True)

    def _place(self, received: ReceivedFile) -> Path | None:
        """Move a received file to its place; the path if it was not there before."""
        target = self.path_of(received.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        os.replace(received.temp, target)
        return None if existed else target

    def _receive(self, stream: IO[bytes], field: str, label: str) -> tuple[str, int, str, str]:
        """Copy to a temporary file under root while hashing; refuse oversize and unknown types."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise ValidationFailed(
                            [FieldError(field, f"{label}：不能超过 {MAX_BYTES // 1024 // 1024} MB")]
                        )
                    if len(head) < 16:
                        head += chunk[:16]
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise ValidationFailed([FieldError(field, f"{label}：请选择文件")])
            content_type = next((t for magic, t, _ext in SIGNATURES if head.startswith(magic)), None)
            if content_type is None:
                raise ValidationFailed([FieldError(field, f"{label}：只接受 PDF、JPEG 或 PNG 文件")])
        except BaseException:
            os.unlink(temp)
            raise
        return digest.hexdigest(), size, content_type, temp

    def for_case(self, case_no: str) -> list[AttachmentInfo]:
        """The case's attachments (call after the reader's access to the case was checked)."""
        with self.uow.reading() as reading:
            return listed(reading.session, case_no)

    def open(
        self, username: str, attachment_id: int, remote_addr: str | None = None
    ) -> tuple[AttachmentInfo, Path]:
        """The file for someone who may read its case; the download is audited, a refusal too."""
        if not 0 < attachment_id < 2**63:
            raise NotFound("附件不存在")
        what = f"附件 {attachment_id}"
        with self.uow.writing() as uow:  # the check and its audit in one unit of work
            session = uow.session
            user = people.get_user(session, username)
            found = session.execute(
                select(Attachment, Case)
                .join(Case, Case.id == Attachment.case_id)
                .where(Attachment.id == attachment_id)
            ).first()
            if found is None or not may_read_case(user, found[1]):
                session.add(
                    access.audit_event(
                        uow, username, access.DENIED, found[1].id if found else None, what, remote_addr
                    )
                )
                uow.commit()
                raise NotFound("附件不存在")
            row, case = found
            session.add(
                access.audit_event(
                    uow,
                    username,
                    "attachment_downloaded",
                    case.id,
                    what,
                    remote_addr,
                    filename=row.filename,
                )
            )
            uow.commit()
        path = self.path_of(row.sha256)
        if not path.is_file():
            raise NotFound("附件文件缺失，请联系管理员")
        return _info(row, case.case_no), path


def listed(session: Session, case_no: str) -> list[AttachmentInfo]:
    """The case's attachments on an open session (the case page reads them with the rest)."""
    rows = session.execute(
        select(Attachment, Case.case_no)
        .join(Case, Case.id == Attachment.case_id)
        .where(Case.case_no == case_no)
        .order_by(Attachment.id)
    ).all()
    return [_info(row, no) for row, no in rows]


def _remove_unless_committed(session: Session, paths: list[Path]) -> None:
    """Files placed for rows of an open transaction go again if it rolls back."""
    committed = False

    def on_commit(_session) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_session, _previous) -> None:
        if not committed:
            for path in paths:
                path.unlink(missing_ok=True)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_soft_rollback", on_rollback, once=True)


def _clean_name(filename: str, content_type: str) -> str:
    base = os.path.basename((filename or "").replace("\\", "/")).strip() or "附件"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')[:150] or "附件"
    ext = next(e for _m, t, e in SIGNATURES if t == content_type)
    return (
        base
        if base.lower().endswith("." + ext) or (ext == "jpg" and base.lower().endswith(".jpeg"))
        else f"{base}.{ext}"
    )


def _info(row: Attachment, case_no: str) -> AttachmentInfo:
    return AttachmentInfo(
        row.id,
        case_no,
        row.step_name,
        row.kind,
        KINDS.get(row.kind, row.kind),
        row.filename,
        row.content_type,
        row.size,
        row.sha256,
        row.uploaded_by,
        row.uploaded_at,
    )
