"""Attachments: uploaded with a task, type and size checked, stored under their content hash outside
the database, listed on the case, downloadable only by those who may see the case."""

from __future__ import annotations

import hashlib
import io
import re

from tests.web.journeys import start, task_named

PDF = b"%PDF-1.4\n% scanned bill\n" + b"x" * 2000 + b"\n%%EOF\n"


def upload(clerk, task_id, content=PDF, name="票据.pdf", kind="bill"):
    return clerk.post(
        f"/tasks/{task_id}/attachments",
        {"kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_is_stored_by_hash_listed_and_downloadable(app, eng, visitor, tmp_path):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    assert upload(clerk, task.task_id).status_code == 302
    digest = hashlib.sha256(PDF).hexdigest()
    assert (tmp_path / "attachments" / digest[:2] / digest).read_bytes() == PDF
    page = clerk.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "票据.pdf" in page and "票据扫描件" in page
    link = re.search(r'href="(/attachments/\d+)"', page).group(1)
    response = visitor("county_mz").get(link)
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    assert any(e["action"] == "attachment_downloaded" for e in eng.case_view(case_no).events)


def test_other_township_cannot_download(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    upload(clerk, task.task_id)
    link = re.search(
        r'href="(/attachments/\d+)"', clerk.get(f"/cases/{case_no}").get_data(as_text=True)
    ).group(1)
    assert visitor("town_qingshan").get(link).status_code == 404
    assert visitor("village_nan").get(link).status_code == 404


def test_wrong_type_and_empty_files_are_refused_in_chinese(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    upload(clerk, task.task_id, b"MZ\x90\x00 not a scan", "票据.pdf")
    assert "只接受 PDF、JPEG 或 PNG 文件" in clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    upload(clerk, task.task_id, b"", "空.pdf")
    assert "请选择文件" in clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    assert "暂无附件" in clerk.get(f"/cases/{case_no}").get_data(as_text=True)


def test_oversize_files_are_refused(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    upload(clerk, task.task_id, PDF + b"0" * (10 * 1024 * 1024))
    assert "不能超过 10 MB" in clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)


def test_only_the_tasks_clerk_can_upload(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    assert upload(visitor("town_qingshan"), task.task_id).status_code == 404
    assert upload(visitor("village_dong"), task.task_id).status_code == 403
