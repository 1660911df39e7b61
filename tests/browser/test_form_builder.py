"""表单设计 in the studio, in Chromium: a process owner builds a small form field by field with the
keyboard and the mouse, sees it in the live preview, saves it to the draft; the saved schema passes
the deploy lint and checks what a clerk types like a hand-written form does."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from engine import forms
from engine.errors import ValidationFailed

pytestmark = pytest.mark.browser
FORM = "forms/subsidy-check.schema.json"


def _new_form(page) -> str:
    page.goto("/studio/")
    page.fill('form.row input[name="name"]', "表单设计试用")
    page.click("text=新建草稿")
    page.wait_for_url(re.compile(r"/studio/drafts/\d+$"))
    draft_url = page.url
    page.get_by_label("新表单文件名").fill(FORM.removeprefix("forms/"))
    page.click("text=新建表单")
    page.wait_for_selector("#editor[data-ready=yes]")
    return draft_url


def _add(page, kind: str) -> None:
    page.get_by_label("新字段的类型").select_option(label=kind)
    page.click("#fb-add")


def test_a_form_built_field_by_field_is_previewed_saved_and_passes_the_lint(people, server):
    _base, eng = server
    owner = people("process_owner")
    draft_url = _new_form(owner)
    owner.get_by_label("表单标题").fill("救助金复核")

    _add(owner, "文本")
    expect(owner.locator("#fb-0-title")).to_be_focused()  # a new field opens at its title
    owner.keyboard.press("Control+A")
    owner.keyboard.type("复核意见")
    owner.fill("#fb-0-key", "opinion")
    owner.fill("#fb-0-maxLength", "300")
    owner.fill("#fb-0-minLength", "400")  # refused beside the field, the last good limit is kept
    expect(owner.locator("#fb-0-minLength-error")).to_contain_text("下限不能大于上限")
    owner.fill("#fb-0-minLength", "2")
    owner.check("#fb-0-required")

    _add(owner, "金额（元）")
    owner.fill("#fb-1-title", "复核金额")
    owner.fill("#fb-1-key", "checked_amount")
    owner.fill("#fb-1-maximum", "5000")
    owner.check("#fb-1-required")

    _add(owner, "单项选择")
    owner.fill("#fb-2-title", "复核结论")
    owner.fill("#fb-2-key", "conclusion")
    owner.fill("#fb-2-choices", "agree=同意\nreduce=核减")
    owner.fill("#fb-2-key", "Bad Key")  # refused beside the field, the last good code is kept
    expect(owner.locator("#fb-2-key-error")).to_contain_text("应以英文小写字母开头")
    owner.fill("#fb-2-key", "conclusion")

    _add(owner, "身份证号")
    owner.fill("#fb-3-key", "checker_id")
    _add(owner, "日期")
    owner.fill("#fb-4-title", "复核日期")
    owner.fill("#fb-4-key", "checked_on")
    owner.check("#fb-4-required")

    # the date moves to the top with the keyboard: focus stays on its 上移 button
    owner.focus("#fb-4-up")
    for _ in range(4):
        owner.keyboard.press("Enter")
    expect(owner.locator("#fb-0-up")).to_have_count(0)
    expect(owner.locator("#fb-0-title")).to_have_value("复核日期")
    expect(owner.locator("#fb-0-down")).to_be_focused()
    owner.click("#fb-4-remove")  # the ID number goes again
    expect(owner.locator(".fb-field")).to_have_count(4)

    preview = owner.locator("#preview")
    for label in ("复核日期", "复核意见", "复核金额", "同意", "核减"):
        expect(preview).to_contain_text(label)
    expect(preview).not_to_contain_text("公民身份号码")
    titles = preview.locator(".field > label, .field > fieldset > legend").all_inner_texts()
    assert [t.rstrip("*").strip() for t in titles][:4] == ["复核日期", "复核意见", "复核金额", "复核结论"]

    owner.click("#show-json")  # the advanced view is the same schema
    assert json.loads(owner.locator("#source").input_value())["required"] == [
        "checked_on",
        "opinion",
        "checked_amount",
    ]
    owner.click("#show-builder")
    owner.click("#save")
    expect(owner.locator("#save-status")).to_have_text("已保存，检查通过")

    draft = eng.studio().draft("process_owner", int(draft_url.rsplit("/", 1)[1]))
    assert draft.problems_of(FORM) == []
    schema = json.loads(draft.files[FORM])
    assert forms.schema_problems(schema) == []
    assert schema["title"] == "救助金复核" and list(schema["properties"]) == [
        "checked_on",
        "opinion",
        "checked_amount",
        "conclusion",
    ]
    assert schema["properties"]["conclusion"]["oneOf"] == [
        {"const": "agree", "title": "同意"},
        {"const": "reduce", "title": "核减"},
    ]
    assert schema["properties"]["opinion"] == {
        "type": "string",
        "title": "复核意见",
        "minLength": 2,
        "maxLength": 300,
    }
    good = {"checked_on": "2026-11-29", "opinion": "核实无误", "checked_amount": 1200, "conclusion": "agree"}
    forms.validate(schema, good)
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(schema, good | {"checked_amount": 6000, "conclusion": "maybe"})
    assert {e.path for e in refused.value.errors} == {"checked_amount", "conclusion"}
