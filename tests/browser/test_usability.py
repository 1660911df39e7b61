"""What axe cannot see, checked in Chromium as a resident or clerk would meet it: a rejected form's
error summary takes focus and leads to each field; the online application done with the keyboard
alone; no sideways scrolling at 360 px with text at 200 %; the 长辈版 switch (docs/accessibility.md)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESK, PHONE, keep_screenshots

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(request, browser, shared_server):
    """`open_page(viewport=PHONE, **context options)`: a page in a fresh context (no cookies, nothing
    stored); photographed if the test fails."""
    base, _eng = shared_server
    contexts = []

    def make(viewport=PHONE, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base, **options)
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
        assert focused(page)["id"] == target
        assert uncovered(page), f"{target} is hidden after following its link"
