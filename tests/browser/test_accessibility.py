"""axe-core (from npm, pinned in package-lock.json) run in Chromium on every page a resident or a
clerk reaches, at 1280 and 360 px: any violation of a WCAG 2.1 A / AA rule fails, with the rule,
its help text and the offending elements in the message (docs/accessibility.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import DESK, PHONE, keep_screenshots, sign_in
from tests.browser.forms import fill_form, submit
from tests.web.journeys import (
    DONG,
    USER_OF_ROLE,
    advance,
    application,
    form_data,
    id_number,
    start,
    task_named,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TOWNSHIP = "639001001"  # 城关镇
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => n.target.join(" ") + " — " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""


def _until_publicly_noticed(eng, case_no: str) -> None:
    """Complete the case's open tasks with valid data until 信息公示 lists it (whatever the steps
    before publicity are called)."""
    for _ in range(20):
        if case_no in {n["case_no"] for n in eng.public_notices(TOWNSHIP)}:
            return
        tasks = eng.open_tasks(case_no)
        assert tasks, f"{case_no} stopped before its public notice"
        eng.complete(USER_OF_ROLE[tasks[0].role], tasks[0].task_id, form_data(tasks[0].form))
    raise AssertionError(f"{case_no} never reached its public notice")


@pytest.fixture(scope="module")
def cases(shared_server) -> dict:
    """An application waiting for 受理审查, a case in public notice, and a paid case (ledger, notices)."""
    _base, eng = shared_server
    waiting = start(eng, application(name="赵秀兰", serial=61))
    noticed = start(eng, application("medical_expense", 1500, name="欧阳建国", serial=62, members=1))
    _until_publicly_noticed(eng, noticed)
    paid = start(eng, application(name="钱桂英", serial=63))
    advance(eng, paid, "发放")
    eng.complete("town_chengguan", task_named(eng, paid, "发放").task_id, form_data("payment.schema.json"))
    return {
        "waiting": waiting,
        "task": task_named(eng, waiting, "受理审查").task_id,
        "noticed": noticed,
        "paid": paid,
        "draft": eng.studio().new_draft("process_owner", "无障碍检查"),
    }


@pytest.fixture(scope="module")
def contexts(chromium, shared_server):
    """Browser contexts by (user, viewport) in the session's Chromium, made on first use and kept
    for the module: a resident (None) and the clerks, each signed in once."""
    base, _eng = shared_server
    made = {}

    def context_for(user: str | None, viewport: dict):
        key = (user, viewport["width"])
        if key not in made:
            context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=base)
            context.set_default_timeout(15_000)
            if user:
                sign_in(context, user).close()
            made[key] = context
        return made[key]

    yield context_for
    for context in made.values():
        context.close()


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def report(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations
    )


WIDER_THAN_SCREEN = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 6).map(e => e.tagName.toLowerCase() + (typeof e.className === 'string' ? '.' + e.className : '')
    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


# -- how each page is reached: (user, steps on a fresh page) -------------------------------------
def _rejected(page) -> None:
    submit(page)
    page.wait_for_selector(".field-error")


def _apply_online(page, _cases) -> None:
    page.goto("/gongzhong/shenqing")
    page.select_option('select[name="area_code"]', DONG)
    fill_form(page, application(name="孙玉兰", serial=64))
    submit(page)
    page.wait_for_selector("text=申请已提交")


def _new_case_accepted(page, _cases) -> None:
    """The window's application: the case page that follows, with its 已提交 message (.flash.success)."""
    page.goto("/cases/new")
    page.select_option('select[name="area_code"]', DONG)
    fill_form(page, application(name="李淑珍", serial=65))
    submit(page)
    page.wait_for_url(re.compile(r"/cases/\d{6}-\d{4}-\d{6}$"))
    page.wait_for_selector("#diagram[data-shown]")


def _case(page, cases) -> None:
    page.goto(f"/cases/{cases['paid']}")
    page.wait_for_selector("#diagram[data-shown]")


def _status_found(page, cases) -> None:
    page.goto("/gongzhong/chaxun")
    page.fill('input[name="case_no"]', cases["waiting"])
    page.fill('input[name="id_number"]', id_number(61))
    page.click("form button[type=submit]")
    page.wait_for_selector("dl.result")


def _login_rejected(page, _cases) -> None:
    page.goto("/login")
    page.fill('input[name="username"]', "town_chengguan")
    page.fill('input[name="password"]', "wrong")
    page.click("form button[type=submit]")
    page.wait_for_selector("p.error")


def _goto(path: str, then=None, status: int = 200):
    def steps(page, cases) -> None:
        response = page.goto(path.format(**cases))
        assert response.status == status, f"{page.url}: {response.status}"
        if then:
            then(page)

    return steps


def _dashboard_drawn(page) -> None:
    page.wait_for_function("document.querySelectorAll('canvas').length === 0 || window.Chart !== undefined")


PAGES = {
    "public-home": (None, _goto("/gongzhong/")),
    "public-notices": (None, _goto(f"/gongzhong/gongshi/{TOWNSHIP}")),
    "objection": (None, _goto(f"/gongzhong/gongshi/{TOWNSHIP}/{{noticed}}/yiyi")),
    "objection-rejected": (None, _goto(f"/gongzhong/gongshi/{TOWNSHIP}/{{noticed}}/yiyi", _rejected)),
    "apply-online": (None, _goto("/gongzhong/shenqing")),
    "apply-online-rejected": (None, _goto("/gongzhong/shenqing", _rejected)),
    "apply-online-submitted": (None, _apply_online),
    "status": (None, _goto("/gongzhong/chaxun")),
    "status-found": (None, _status_found),
    "login": (None, _goto("/login")),
    "login-rejected": (None, _login_rejected),
    "inbox": ("town_chengguan", _goto("/")),
    "new-case": ("town_chengguan", _goto("/cases/new")),
    "new-case-rejected": ("town_chengguan", _goto("/cases/new", _rejected)),
    "new-case-accepted": ("town_chengguan", _new_case_accepted),
    "task": ("town_chengguan", _goto("/tasks/{task}")),
    "task-rejected": ("town_chengguan", _goto("/tasks/{task}", _rejected)),
    "case": ("town_chengguan", _case),
    "notice": ("town_chengguan", _goto("/cases/{paid}/notices/1")),
    "case-search": ("town_chengguan", _goto("/cases?q=秀")),
    "case-search-rejected": ("town_chengguan", _goto("/cases?from=2026-13-01", status=422)),
    "account": ("town_chengguan", _goto("/account")),
    "village-inbox": ("village_dong", _goto("/")),
    "dashboard": ("county_mz", _goto("/reports/dashboard", _dashboard_drawn)),
    "ledger": ("county_mz", _goto("/reports/ledger")),
    "studio": ("process_owner", _goto("/studio/")),
    "form-builder": (
        "process_owner",
        _goto(
            "/studio/drafts/{draft}/files/forms/application.schema.json",
            lambda page: page.wait_for_selector("#editor[data-ready=yes] #preview .field"),
        ),
    ),
    "operations": ("process_owner", _goto("/operations/")),
}


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "360px"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_21_aa_violation(request, contexts, cases, name, viewport):
    user, steps = PAGES[name]
    page = contexts(user, viewport).new_page()
    try:
        steps(page, cases)
        violations = axe_violations(page)
        if violations:
            keep_screenshots(page, f"{request.node.name}-{user or 'resident'}")
        assert not violations, f"{page.url}\n{report(violations)}"
    finally:
        page.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_text_at_200_percent_on_a_phone_needs_no_sideways_scrolling(request, contexts, cases, name):
    """The browser's text size set to 32 px (200 %) at 360 px: the page's text follows it (no size
    fixed in px) and nothing but a table inside its own scrolling region is wider than the screen."""
    user, steps = PAGES[name]
    page = contexts(user, PHONE).new_page()
    try:
        session = page.context.new_cdp_session(page)
        session.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
        steps(page, cases)
        sizes = page.evaluate(
            """() => [document.body, document.querySelector('main label, main p, main td')]
                 .filter(Boolean).map(e => parseFloat(getComputedStyle(e).fontSize))"""
        )
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            keep_screenshots(page, f"{request.node.name}-{user or 'resident'}")
        assert min(sizes) >= 28, f"text stays small: {sizes} px"
        assert wide <= 1, f"{page.url} scrolls sideways by {wide} px: {page.evaluate(WIDER_THAN_SCREEN)}"
    finally:
        page.close()
