"""草稿: a full set of deployable files (bpmn/ + forms/) edited in the studio.

A draft starts from a deployed version, from the files on disk, or from an uploaded archive; each
save runs the same lint as deploy and keeps the problems with the draft. Files are kept as the exact
text they were given, so exporting an unchanged file gives back the same bytes (bpmn/ and forms/ in
the repository stay the source of truth).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, FieldError, NotFound, ValidationFailed
from engine.store.models import SpecVersion
from engine.store.studio_models import StudioDraft
from engine.workflow.lint import lint
from engine.workflow.specs import SpecFiles

FILE_NAME = re.compile(r"^(bpmn/[A-Za-z0-9_.\-]+\.(bpmn|dmn)|forms/[A-Za-z0-9_.\-]+\.json)$")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ARCHIVE_FILES = 500
# What a folder export owns: files of these patterns are written, and removed when the draft has none.
FOLDER_PATTERNS = (("bpmn", ("*.bpmn", "*.dmn")), ("forms", ("*.json",)))


def check_name(path: str) -> str:
    if not FILE_NAME.match(path or "") or ".." in path:
        raise ValidationFailed(
            [FieldError("path", "文件名：应为 bpmn/名称.bpmn、bpmn/名称.dmn 或 forms/名称.json")]
        )
    return path


def decode(raw: bytes, path: str) -> str:
    """The exact text of a file (no newline translation, a byte order mark kept)."""
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationFailed([FieldError(path, f"{path}：文件超过 2 MB")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed([FieldError(path, f"{path}：不是 UTF-8 文本")]) from None


def read_folders(bpmn_dir: str | Path, forms_dir: str | Path) -> dict[str, str]:
    """bpmn/ + forms/ from disk, byte for byte (SpecFiles.from_dirs, without newline translation)."""
    files = {}
    for (prefix, patterns), folder in zip(FOLDER_PATTERNS, (bpmn_dir, forms_dir)):
        for pattern in patterns:
            for path in sorted(Path(folder).glob(pattern)):
                files[f"{prefix}/{path.name}"] = decode(path.read_bytes(), f"{prefix}/{path.name}")
    return files


def write_folders(files: dict[str, str], bpmn_dir: str | Path, forms_dir: str | Path) -> list[str]:
    """Write the files into bpmn/ + forms/; files there that the draft no longer has are removed.
    Unchanged files are not touched. Returns the names written or removed."""
    touched = []
    for (prefix, patterns), folder in zip(FOLDER_PATTERNS, (bpmn_dir, forms_dir)):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        wanted = {
            name.split("/", 1)[1]: text for name, text in files.items() if name.startswith(prefix + "/")
        }
        for pattern in patterns:
            for path in folder.glob(pattern):
                if path.name not in wanted:
                    path.unlink()
                    touched.append(f"{prefix}/{path.name}")
        for name, text in wanted.items():
            path, raw = folder / name, text.encode("utf-8")
            if not path.exists() or path.read_bytes() != raw:
                path.write_bytes(raw)
                touched.append(f"{prefix}/{name}")
    return sorted(touched)


def to_archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # same files, same archive
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()


def from_archive(raw: bytes) -> dict[str, str]:
    """The bpmn/ and forms/ files of a zip archive (a folder around them is allowed)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ValidationFailed([FieldError("file", "导入文件：不是 zip 压缩包")]) from None
    names = [i for i in archive.infolist() if not i.is_dir()]
    if len(names) > MAX_ARCHIVE_FILES:
        raise ValidationFailed([FieldError("file", "导入文件：文件过多")])
    files, errors = {}, []
    for info in names:
        parts = info.filename.replace("\\", "/").split("/")
        relative = "/".join(parts[-2:])
        if parts[-1].startswith(".") or not FILE_NAME.match(relative):
            continue
        if info.file_size > MAX_FILE_BYTES:
            errors.append(FieldError(relative, f"{relative}：文件超过 2 MB"))
            continue
        try:
            files[relative] = decode(archive.read(info), relative)
        except ValidationFailed as err:
            errors += err.errors
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, zlib.error, ValueError):
            # bad CRC, an unknown compression method, a password, a truncated member
            errors.append(FieldError(relative, f"{relative}：压缩包已损坏或无法解压"))
    if errors:
        raise ValidationFailed(errors)
    if not any(name.startswith("bpmn/") for name in files):
        raise ValidationFailed([FieldError("file", "导入文件：压缩包中没有 bpmn/ 下的流程文件")])
    return files


def problems_of(files: dict[str, str]) -> list[dict]:
    return [p.as_dict() for p in lint(SpecFiles(dict(files)))]


def create(
    session: Session,
    name: str,
    by: str,
    now: datetime,
    files: dict[str, str],
    base_version_id: int | None = None,
) -> StudioDraft:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed([FieldError("name", "草稿名称：必填")])
    for path in files:
        check_name(path)
    draft = StudioDraft(
        name=name[:200],
        base_version_id=base_version_id,
        files=dict(files),
        problems=problems_of(files),
        status="open",
        created_at=now,
        created_by=by,
        updated_at=now,
        updated_by=by,
    )
    session.add(draft)
    session.flush()
    return draft


def version_files(session: Session, version_id: int) -> dict[str, str]:
    row = session.get(SpecVersion, version_id)
    if row is None:
        raise NotFound(f"流程版本 {version_id} 不存在")
    return dict(row.files)


def get(session: Session, draft_id: int) -> StudioDraft:
    draft = session.get(StudioDraft, draft_id)
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在")
    return draft


def editable(session: Session, draft_id: int) -> StudioDraft:
    draft = get(session, draft_id)
    if draft.status != "open":
        raise Conflict("该草稿已部署或已放弃，不能再修改；请从其版本新建草稿")
    return draft


def save_file(
    session: Session, draft_id: int, path: str, text: str | None, by: str, now: datetime
) -> StudioDraft:
    """Save (or, with text None, delete) one file and lint the whole draft again."""
    draft = editable(session, draft_id)
    check_name(path)
    files = dict(draft.files)
    if text is None:
        if path not in files:
            raise NotFound(f"草稿中没有文件 {path}")
        del files[path]
    else:
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise ValidationFailed([FieldError(path, f"{path}：文件超过 2 MB")])
        files[path] = text
    draft.files, draft.problems = files, problems_of(files)
    draft.updated_at, draft.updated_by = now, by
    return draft


def list_open(session: Session) -> list[StudioDraft]:
    return list(session.scalars(select(StudioDraft).order_by(StudioDraft.id.desc())))
