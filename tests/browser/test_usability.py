"""What axe cannot see, checked in Chromium as a resident or clerk would meet it: a rejected form's
error summary takes focus and leads to each field; the online application done with the keyboard
alone; no sideways scrolling at 360 px with text at 200 %; the 长辈版 switch (docs/accessibility.md)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESK, PHONE, keep_screenshots
from tests.browser.test_accessibility import axe_violations, report
from tests.web.journeys import DONG, id_number

pytestmark = pytest.mark.browser


@pytest.fixture
def open_page(request, chromium, shared_server):
    """`open_page(viewport=PHONE, **context options)`: a page in a fresh context (no cookies, nothing
    stored); photographed if the test fails."""
    base, _eng = shared_server
    contexts = []

    def make(viewport=PHONE, **options):
        context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=base, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None)
    for n, context in enumerate(contexts):
        for m, page in enumerate(context.pages):
            if failed is not None and failed.failed:
                keep_screenshots(page, f"{request.node.name}-{n}-{m}")
        context.close()


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
          return {tag: e.tagName, id: e.id, cls: e.className, name: e.getAttribute('name')}; }"""
    )


def uncovered(page) -> bool:
    """The focused control is inside the window and nothing (the sticky submit bar) is drawn over it."""
    return page.evaluate(
        """() => { const e = document.activeElement, r = e.getBoundingClientRect();
          if (r.top < 0 || r.bottom > window.innerHeight) return false;
          const x = r.left + Math.min(r.width / 2, 8), y = r.top + r.height / 2;
          const hit = document.elementFromPoint(x, y);
          return hit === e || e.contains(hit) || (hit && hit.control === e) || (hit && hit.contains(e)); }"""
    )


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "360px"])
def test_a_rejected_application_focuses_the_summary_whose_links_reach_each_field(open_page, viewport):
    page = open_page(viewport)
    page.goto("/gongzhong/shenqing")
    page.fill("#f-applicant\\.name", "孙玉兰")
    page.locator("form.schema-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("错误：")
    assert focused(page)["cls"] == "error-summary"
    links = page.locator(".error-summary a")
    targets = [links.nth(i).get_attribute("href")[1:] for i in range(links.count())]
    assert "f-area_code" in targets and "f-applicant.id_number" in targets and "f-reason" in targets
    assert page.input_value("#f-applicant\\.name") == "孙玉兰"  # what was typed is kept
    for i, target in enumerate(targets):
        page.locator(".error-summary").scroll_into_view_if_needed()
        links.nth(i).click()
        page.wait_for_function("id => document.activeElement.id === id", arg=target, timeout=5_000)
        assert uncovered(page), f"{target} is hidden after following its link"


# The application as a resident types it: control name -> what they do there with the keyboard.
# Fields not listed are passed with Tab (optional ones, the household list, the check boxes).
TYPED = {
    "applicant.name": "孙玉兰",
    "applicant.id_number": id_number(71),
    "applicant.phone": "13800000071",
    "description": "昨夜房屋失火，住房严重损毁不能居住",
    "emergency_place": "东村",
    "needed_amount": "800",
}
DATES = {"emergency_date": "2026-11-20"}
CHOSEN = {"area_code": DONG, "reason": "disaster_accident"}  # selects: arrow keys to the option
PRESSED = {"applicant.hukou_local": ["Space"], "applying_dibao_tekun": ["ArrowDown"]}  # radios: 是 / 否


def type_date(page, iso: str) -> None:
    """Digits into the focused date field, in the order its segments show (the browser's language
    decides: month/day/year or year/month/day)."""
    year, month, day = iso.split("-")
    for digits in (month + day + year, year + month + day):
        page.keyboard.type(digits)
        if page.evaluate("document.activeElement.value") == iso:
            return
        page.keyboard.press("Shift+Tab")  # back out and in again: the first segment, to type over
        page.keyboard.press("Tab")
    raise AssertionError(f"the date field did not take {iso}")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "360px"])
def test_the_online_application_is_done_with_the_keyboard_alone(open_page, viewport):
    page = open_page(viewport)
    page.goto("/gongzhong/shenqing")
    done: set[str] = set()
    hidden_fields = []
    for _stop in range(120):
        page.keyboard.press("Tab")
        now = focused(page)
        if not uncovered(page):
            hidden_fields.append(now["name"] or now["id"])
        name = now["name"]
        if now["tag"] == "BUTTON" and page.evaluate("document.activeElement.type") == "submit":
            break
        if name in done:
            continue
        if name in TYPED:
            page.keyboard.type(TYPED[name])
        elif name in DATES:
            type_date(page, DATES[name])
        elif name in CHOSEN:
            steps = page.evaluate(
                "v => Array.from(document.activeElement.options).findIndex(o => o.value === v)", CHOSEN[name]
            )
            for _ in range(steps):
                page.keyboard.press("ArrowDown")
        elif name in PRESSED:
            for key in PRESSED[name]:
                page.keyboard.press(key)
        else:
            continue
        done.add(name)
    assert not hidden_fields, f"the focused field is covered or off screen: {hidden_fields}"
    assert done == set(TYPED) | set(DATES) | set(CHOSEN) | set(PRESSED)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "申请已提交", page.locator("main").inner_text()
    assert page.locator(".case-no").inner_text()


def test_removing_a_household_member_keeps_focus_in_the_list(open_page):
    page = open_page(DESK)
    page.goto("/gongzhong/shenqing")
    add = page.locator('.field[data-name="household_members"] > fieldset > button.add-item')
    add.click()
    add.click()
    assert focused(page)["name"] == "household_members.1.name"  # a new member's first field
    page.locator('.field[data-name="household_members"] .remove-item').first.focus()
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "household_members.1.name"  # the next member
    page.locator('.field[data-name="household_members"] .remove-item').first.focus()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "f-household_members-add"  # none left: the add button


def box_of(page, selector: str) -> list[dict]:
    return page.evaluate(
        """s => Array.from(document.querySelectorAll(s)).filter(e => e.offsetParent !== null)
             .map(e => { const r = e.getBoundingClientRect();
               return {what: e.tagName + ' ' + e.textContent.trim().slice(0, 12), w: r.width, h: r.height}; })""",
        selector,
    )


def font_px(page, selector: str) -> float:
    return page.evaluate("s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)


TARGETS = "header.top nav a, header.top button, main button, main .button, main label.check, main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select"


def test_the_elder_switch_enlarges_text_and_targets_and_is_remembered(open_page):
    page = open_page(PHONE)
    page.goto("/gongzhong/shenqing")
    label, help_text = font_px(page, "label[for='f-applicant\\.name']"), font_px(page, "p.help")
    assert help_text >= label  # help text is not smaller than the labels
    switch = page.get_by_role("button", name="长辈版")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.focus()
    page.keyboard.press("Enter")
    assert switch.get_attribute("aria-pressed") == "true"
    assert font_px(page, "label[for='f-applicant\\.name']") >= 1.2 * label
    targets = box_of(page, TARGETS)
    small = [b for b in targets if b["w"] < 44 or b["h"] < 44]
    assert len(targets) > 20 and not small, f"targets under 44 × 44 px: {small}"
    violations = axe_violations(page)
    assert not violations, report(violations)

    page.goto("/login")  # another page, and the next visit: still 长辈版 (a cookie the server reads)
    assert page.evaluate("document.documentElement.className") == "elder"
    again = page.context.new_page()
    again.goto("/gongzhong/")
    assert again.get_by_role("button", name="长辈版").get_attribute("aria-pressed") == "true"
    assert not [b for b in box_of(again, TARGETS + ", main .big-links a") if b["w"] < 44 or b["h"] < 44]
    again.get_by_role("button", name="长辈版").click()  # switched off: remembered too
    again.goto("/gongzhong/shenqing")
    assert again.evaluate("document.documentElement.className") == ""
    assert font_px(again, "label[for='f-applicant\\.name']") == label
