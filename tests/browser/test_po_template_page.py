"""An admin edits the purchase order mail texts on their page in real Chromium: an unknown placeholder is
refused naming it with the typed text kept and nothing saved, a good text is saved, a reset brings the
built-in text back; staff read the texts without the forms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from truecount.domain import mail_templates
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope
from truecount.services.purchasing import templates

from .conftest import LiveServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    accounts.add_user(live_server.db, merchant_scope(live_server.db, "default", "seed"), "ada", "admin", "password-2")
    return live_server


def signed_in(browser: Browser, server: LiveServer, name: str, password: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/purchase-orders")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}/purchase-orders")
    yield page
    context.close()


def stored(shop: LiveServer, name: str) -> str:
    return templates.get_template(shop.db, merchant_scope(shop.db, "default", "seed"), name).body


def test_an_admin_replaces_and_resets_a_mail_text(browser: Browser, shop: LiveServer) -> None:
    for page in signed_in(browser, shop, "ada", "password-2"):
        page.locator("#mail-templates").click()
        card = page.locator("#template-cancel")
        text = card.get_by_label("cancel text")
        expect(text).to_have_value(mail_templates.DEFAULTS["cancel"])
        text.fill("Cancel $number for $customer, please.")
        card.get_by_role("button", name="save cancel").click()
        expect(page.locator("#error-cancel")).to_contain_text("body: unknown placeholder $customer")
        expect(page.locator("#template-cancel").get_by_label("cancel text")).to_have_value(
            "Cancel $number for $customer, please."
        )
        assert stored(shop, "cancel") == mail_templates.DEFAULTS["cancel"]
        page.locator("#template-cancel").get_by_label("cancel text").fill("Cancel $number, please ($sent).")
        page.locator("#template-cancel").get_by_role("button", name="save cancel").click()
        expect(page.locator("#done")).to_contain_text("template cancel: saved")
        expect(page.locator("#template-cancel")).to_have_attribute("data-custom", "yes")
        assert stored(shop, "cancel") == "Cancel $number, please ($sent)."
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#template-cancel").get_by_role("button", name="reset cancel").click()
        expect(page.locator("#done")).to_contain_text("template cancel: back to the built-in text")
        assert stored(shop, "cancel") == mail_templates.DEFAULTS["cancel"]


def test_staff_read_the_mail_texts_without_the_forms(browser: Browser, shop: LiveServer) -> None:
    for page in signed_in(browser, shop, shop.user, shop.password):
        page.goto(f"{shop.url}/purchase-orders/templates")
        expect(page.locator("#template-follow-up pre")).to_contain_text("$reason")
        expect(page.locator("#template-follow-up form")).to_have_count(0)
