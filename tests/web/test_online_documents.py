"""Documents sent with an online application: checked like a clerk's attachments, kept with the case
in the same transaction as the application, listed for the township clerk; a refused application
keeps nothing and says which files to choose again."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.store.models import Case
from engine.store.web_models import Attachment
from engine.unit_of_work import UnitOfWork
from tests.web.conftest import Visitor, visible_text
from tests.web.forms_data import as_form
from tests.web.journeys import DONG, application, task_named

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"j" * 3000
PDF = b"%PDF-1.4\n% hospital bill\n" + b"p" * 2000 + b"\n%%EOF\n"


def online_form(data: dict | None = None, area: str = DONG, **files):
    """The form as the browser sends it: fields, village, and `file_<kind>=[(bytes, name), ...]`."""
    form = as_form(data or application(name="马丽", serial=51))
    form["area_code"] = area
    for field, chosen in files.items():
        for content, name in chosen:
            form.add(field, (io.BytesIO(content), name))
    return form


def apply(resident: Visitor, form):
    resident.get("/gongzhong/shenqing")
    return resident.post("/gongzhong/shenqing", form, content_type="multipart/form-data")


def stored_files(app) -> list[str]:
    """Files kept in the attachment store (temporary uploads excluded)."""
    root = app.config["ATTACHMENTS_DIR"]
    return sorted(p.name for p in Path(root).rglob("*") if p.is_file() and not p.name.startswith(".upload-"))


def counts(eng) -> tuple[int, int]:
    with eng.db.read() as session:
        return session.scalar(select(func.count(Case.id))), session.scalar(select(func.count(Attachment.id)))


def test_documents_sent_online_are_listed_for_the_township_clerk(app, eng, visitor):
    response = apply(
        Visitor(app),
        online_form(file_id_document=[(JPEG, "身份证正面.jpg")], file_bill=[(PDF, "住院发票.pdf")]),
    )
    assert response.status_code == 200
    case_no = re.search(r'<b class="case-no">([^<]+)</b>', response.get_data(as_text=True)).group(1)
    assert stored_files(app) == sorted([hashlib.sha256(JPEG).hexdigest(), hashlib.sha256(PDF).hexdigest()])
    clerk = visitor("town_chengguan")
    task = task_named(eng, case_no, "受理审查")
    task_page = visible_text(clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True))
    assert "身份证正面.jpg" in task_page and "住院发票.pdf" in task_page and "申请人（网上申请）" in task_page
    case_page = clerk.get(f"/cases/{case_no}").get_data(as_text=True)
    link = re.search(r'href="(/attachments/\d+)">住院发票.pdf', case_page).group(1)
    download = clerk.get(link)
    assert download.status_code == 200 and download.data == PDF
    added = [e for e in eng.case_view(case_no).events if e["action"] == "attachment_added"]
    assert {e["data"]["filename"] for e in added} == {"身份证正面.jpg", "住院发票.pdf"}


def test_refused_application_keeps_no_file_and_names_the_files_to_choose_again(app, eng):
    data = application(name="马丽", serial=52)
    data["applicant"]["phone"] = "123"
    before = counts(eng)
    response = apply(
        Visitor(app),
        online_form(data, file_id_document=[(JPEG, "身份证正面.jpg")], file_bill=[(PDF, "住院发票.pdf")]),
    )
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert response.status_code == 422 and "手机号码：格式不正确" in text
    assert 'value="马丽"' in page  # what was typed stays
    assert "请重新选择" in text and "身份证正面.jpg" in text and "住院发票.pdf" in text
    assert counts(eng) == before and stored_files(app) == []


def test_a_file_of_the_wrong_type_is_named_beside_its_input_and_nothing_is_started(app, eng):
    before = counts(eng)
    response = apply(
        Visitor(app),
        online_form(
            file_id_document=[(JPEG, "身份证正面.jpg")], file_other=[(b"PK\x03\x04 a word file", "说明.docx")]
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    other = re.search(r'data-name="file_other">(.*?)</div>', page, re.DOTALL).group(1)
    assert "其他材料：只接受 PDF、JPEG 或 PNG 文件" in other and 'aria-invalid="true"' in other
    assert '<a href="#f-file_other">' in page  # the error summary leads to the input
    assert counts(eng) == before and stored_files(app) == []


def test_a_file_lost_at_commit_is_not_left_behind(app, eng, monkeypatch):
    """If the transaction fails after the files were placed, they go with it."""
    store = app.extensions["jiuzhu"].attachments

    def failing_commit(self):
        raise RuntimeError("database went away")

    monkeypatch.setattr(UnitOfWork, "commit", failing_commit)
    before = counts(eng)
    with pytest.raises(RuntimeError):
        eng.apply_online(
            application(name="马丽", serial=53),
            DONG,
            uploads=[("bill", "住院发票.pdf", io.BytesIO(PDF))],
            store=store,
        )
    assert counts(eng) == before and stored_files(app) == []


def test_the_same_submission_twice_keeps_one_case_and_its_files_once(app, eng):
    resident = Visitor(app)
    resident.get("/gongzhong/shenqing")
    form = online_form(file_bill=[(PDF, "住院发票.pdf")])
    form["_submission"] = "resubmitted-key-1"
    first = resident.post("/gongzhong/shenqing", form, content_type="multipart/form-data")
    form = online_form(file_bill=[(PDF, "住院发票.pdf")])
    form["_submission"] = "resubmitted-key-1"
    again = resident.post("/gongzhong/shenqing", form, content_type="multipart/form-data")
    case_no = re.search(r'<b class="case-no">([^<]+)</b>', first.get_data(as_text=True)).group(1)
    assert case_no in again.get_data(as_text=True)
    assert counts(eng)[1] == 1


def test_the_public_api_takes_the_documents_as_multipart(app, eng):
    client = app.test_client()
    body = {
        "application": json.dumps(application(name="马丽", serial=54), ensure_ascii=False),
        "area_code": DONG,
        "file_residence_statement": (io.BytesIO(PDF), "暂住说明.pdf"),
    }
    response = client.post("/api/v1/public/applications", data=body, content_type="multipart/form-data")
    assert response.status_code == 201
    files = eng.attachments(app.config["ATTACHMENTS_DIR"]).for_case(response.json["case_no"])
    assert [(f.filename, f.kind_title) for f in files] == [("暂住说明.pdf", "暂住说明")]
    refused = client.post(
        "/api/v1/public/applications",
        data=dict(body, file_residence_statement=(io.BytesIO(b"GIF89a..."), "暂住说明.gif")),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert {e["path"] for e in refused.json["errors"]} == {"file_residence_statement"}
    assert counts(eng)[1] == 1


def test_more_files_than_an_application_takes_are_refused_and_none_kept(app, eng):
    before = counts(eng)
    response = apply(Visitor(app), online_form(file_bill=[(PDF, f"发票{n}.pdf") for n in range(9)]))
    assert response.status_code == 422 and "网上申请最多上传 8 个文件" in visible_text(
        response.get_data(as_text=True)
    )
    assert counts(eng) == before and stored_files(app) == []
