"""A resident applies online with a photo of their ID card in Chromium on a phone: the form refused
for a missing village keeps what was typed and names the photo to choose again; sent again, the
township clerk finds the photo on the task."""

from __future__ import annotations

import pytest

from tests.browser.forms import fill_form, open_task, submit
from tests.web.journeys import DONG, application

pytestmark = pytest.mark.browser
PHOTO = {
    "name": "身份证正面.jpg",
    "mimeType": "image/jpeg",
    "buffer": b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"j" * 4000,
}


def test_a_document_sent_with_an_online_application_reaches_the_clerk(people):
    resident = people(None, phone=True)
    resident.goto("/gongzhong/shenqing")
    fill_form(resident, application(name="孙玉兰", serial=71))
    resident.get_by_label("身份证件").set_input_files(PHOTO)
    submit(resident)  # no village chosen

    assert resident.locator('input[name="applicant.name"]').input_value() == "孙玉兰"
    again = resident.locator("#documents")
    assert "请重新选择" in again.inner_text() and "身份证正面.jpg" in again.inner_text()
    resident.select_option('select[name="area_code"]', DONG)
    resident.get_by_label("身份证件").set_input_files(PHOTO)
    submit(resident)
    case_no = resident.locator("b.case-no").inner_text()

    clerk = people("town_chengguan")
    open_task(clerk, "受理审查", case_no)
    files = clerk.locator("#attachments").inner_text()
    assert "身份证正面.jpg" in files and "申请人（网上申请）" in files
