"""Browser tests: the real app served on a local port by the production server (`jiuzhu serve`, as
scripts/run.sh and deploy/ run it), driven by Playwright in Debian's Chromium.

Skipped, with the reason shown, when /usr/bin/chromium is absent (scripts/test.sh installs it).
Screenshots of every open page are kept under test-artifacts/browser/ when a test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import Engine
from tests.serving import serving, working
from tests.web.conftest import copy_database, make_template

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason="Debian's Chromium (/usr/bin/chromium) is not installed: "
        "apt-get install chromium fonts-noto-cjk (scripts/test.sh does it as root)"
    )
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser_template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("browser-template") / "jiuzhu.sqlite3")


@pytest.fixture
def server_settings() -> dict:
    """Extra environment of the server (a test module overrides this fixture to set some)."""
    return {}


@pytest.fixture
def server(tmp_path, browser_template, server_settings):
    """`jiuzhu serve` (two web workers) and `jiuzhu worker` (timers, scenario runs, exports) on
    127.0.0.1 with their own copy of the database; yields (base url, an engine on the same database for
    setting up and checking what the pages did)."""
    db = tmp_path / "jiuzhu.sqlite3"
    copy_database(browser_template, db)
    url = f"sqlite:///{db}"
    instance = tmp_path / "instance"
    with serving(url, instance, **server_settings) as (base, _log), working(url, instance, **server_settings):
        eng = Engine.open(url, migrate=False)
        yield base, eng
        eng.close()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(request, chromium, server):
    """`people(user, phone=False)`: a page in its own browser context, signed in as that user
    (None: a resident, not signed in). Every page is photographed if the test fails."""
    base, _app = server
    contexts = []

    def open_as(user: str | None, phone: bool = False):
        context = chromium.new_context(viewport=PHONE if phone else DESK, locale="zh-CN", base_url=base)
        context.set_default_timeout(15_000)
        contexts.append((user or "resident", context))
        page = context.new_page()
        if user:
            page.goto("/login")
            page.fill('input[name="username"]', user)
            page.fill('input[name="password"]', "jiuzhu-demo")
            page.click('button[type="submit"]')
            page.wait_for_url(re.compile(r"/$"))
        return page

    yield open_as
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for who, context in contexts:
            for n, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{who}-{n}.png"), full_page=True)
    for _who, context in contexts:
        context.close()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, browser_template):
    """One `jiuzhu serve` for a whole test module whose tests only read or add their own cases (the
    accessibility checks): (base url, an engine on the same database). No worker: no timers needed."""
    folder = tmp_path_factory.mktemp("shared-server")
    db = folder / "jiuzhu.sqlite3"
    copy_database(browser_template, db)
    url = f"sqlite:///{db}"
    # Its tests apply online many times from 127.0.0.1 with the same ID numbers: the public doors'
    # throttles (tested in tests/web/test_throttles.py) would refuse the later ones.
    unthrottled = {
        "JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS": "1000",
        "JIUZHU_PUBLIC_APPLICATIONS_PER_ID_NUMBER": "1000",
        "JIUZHU_PUBLIC_OBJECTIONS_PER_ADDRESS": "1000",
    }
    with serving(url, folder / "instance", **unthrottled) as (base, _log):
        eng = Engine.open(url, migrate=False)
        yield base, eng
        eng.close()


def sign_in(context, user: str):
    """A new page of `context`, signed in as `user` through the login form."""
    page = context.new_page()
    page.goto("/login")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', "jiuzhu-demo")
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/$"))
    return page


def keep_screenshots(page, name: str) -> None:
    """A full-page photograph of `page` under test-artifacts/browser/ (a test that is about to fail)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
