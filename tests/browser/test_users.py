"""Users in real Chromium, at desktop width and at 390 px: an admin disables a user on the users
page and that user's open session ends at once — their next page load goes to sign-in and their
next request from the page is refused; enabled again, they can sign in."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope

from .conftest import LiveServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s
SIZES = {"desktop": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> LiveServer:
    scope = merchant_scope(live_server.db, "default", "seed")
    accounts.add_user(live_server.db, scope, "ada", "admin", "password-2")
    for size in SIZES:
        accounts.add_user(live_server.db, scope, f"kim-{size}", "staff", "password-3")
    return live_server


def signed_in(browser: Browser, server: LiveServer, name: str, password: str, size: str, start: str) -> Page:
    mobile = size != "desktop"
    context = browser.new_context(viewport=SIZES[size], is_mobile=mobile, has_touch=mobile)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server.url}/login?next={start}")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}{start}")
    return page


def answer_to(page: Page, path: str) -> tuple[int, str]:
    """The status and the address the open page's request ends at (with its cookies)."""
    script = "async (p) => { const r = await fetch(p); return [r.status, new URL(r.url).pathname]; }"
    status, where = page.evaluate(script, path)
    return int(status), str(where)


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_disables_a_user_and_their_open_session_ends_at_once(
    browser: Browser, people: LiveServer, artifacts: Path, size: str
) -> None:
    who = f"kim-{size}"
    kim = signed_in(browser, people, who, "password-3", size, "/work?act=receive")
    assert answer_to(kim, "/find/variants?q=TEE") == (200, "/find/variants")
    ada = signed_in(browser, people, "ada", "password-2", size, "/users")
    row = ada.locator(f'#users tr[data-user="{who}"]')
    expect(row).to_contain_text("active")
    row.get_by_role("button", name="Disable").click()
    expect(ada.locator("#done")).to_have_text(f"{who} disabled: their sessions and tokens stopped working")
    expect(row.locator("td").nth(2)).to_have_text("disabled")
    assert ada.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    ada.screenshot(path=str(artifacts / f"users-{size}-disabled.png"), full_page=True)

    assert answer_to(kim, "/find/variants?q=TEE") == (200, "/login")  # the page's next request: sign in
    kim.reload()  # the next page load
    expect(kim).to_have_url(f"{people.url}/login?next=/work%3Fact%3Dreceive")
    expect(kim.locator('input[name="name"]')).to_be_visible()
    kim.fill('input[name="name"]', who)
    kim.fill('input[name="password"]', "password-3")
    kim.click('button[type="submit"]')
    expect(kim).to_have_url(f"{people.url}/login")  # a disabled user cannot sign in again
    expect(kim.locator("main")).to_contain_text("wrong merchant, user name or password")

    row.get_by_role("button", name="Enable").click()
    expect(ada.locator("#done")).to_have_text(f"{who} enabled")
    kim.fill('input[name="name"]', who)
    kim.fill('input[name="password"]', "password-3")
    kim.click('button[type="submit"]')
    expect(kim).to_have_url(f"{people.url}/work?act=receive")
    kim.context.close()
    ada.context.close()
