"""An admin adds a substitute through the form on the variant page in real Chromium, on a desktop and
on a 390 px handheld: a refused ratio comes back named with what was typed kept, then the list shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories as f
from truecount.domain.commands import CreateChannel
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope
from truecount.services.catalog.substitutes import list_substitutes
from truecount.services.channels.setup import create_channel

from .conftest import LiveServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s
SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> tuple[str, str]:
    scope = merchant_scope(live_server.db, "default", "seed")
    accounts.add_user(live_server.db, scope, "ada", "admin", "password-2")
    create_channel(live_server.db, scope, CreateChannel(code="shop-web", kind="manual", locations=["WH1"]))
    return "ada", "password-2"


def signed_in(browser: Browser, server: LiveServer, admin: tuple[str, str], size: str) -> Page:
    mobile = size != "1280"
    context = browser.new_context(viewport=SIZES[size], is_mobile=mobile, has_touch=mobile)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/")
    page.fill('input[name="name"]', admin[0])
    page.fill('input[name="password"]', admin[1])
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}/")
    return page


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_adds_a_substitute_through_the_variant_page_form(
    browser: Browser, live_server: LiveServer, admin: tuple[str, str], size: str, artifacts: Path
) -> None:
    db = live_server.db
    scope = merchant_scope(db, "default", "seed")
    ordered, other = f"CAP-{size}", f"CAP-ALT-{size}"
    f.variant(db, scope, ordered, name="Cap")
    f.variant(db, scope, other, name="Other cap")
    page = signed_in(browser, live_server, admin, size)
    page.goto(f"{live_server.url}/variants/{ordered}")
    form = page.locator("#add-substitute")
    form.locator('input[name="substitute"]').fill(other)
    form.locator('input[name="ratio"]').fill("0")
    form.locator('input[name="channels"]').fill("shop-web")
    form.get_by_role("button", name="Add substitute").click()
    expect(page.locator("#refusal")).to_contain_text("ratio")
    expect(form.locator('input[name="substitute"]')).to_have_value(other)
    expect(form.locator('input[name="channels"]')).to_have_value("shop-web")
    assert list_substitutes(db, scope, ordered).substitutes == []
    form.locator('input[name="ratio"]').fill("2")
    form.locator('input[name="notify"]').check()
    form.get_by_role("button", name="Add substitute").click()
    expect(page.locator("#done")).to_contain_text(f"{other} added as a substitute of {ordered}")
    row = page.locator("#substitutes tr").filter(has_text=other)
    expect(row).to_contain_text("shop-web")
    expect(row.get_by_role("button", name="Remove")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], "wider than the screen"
    page.screenshot(path=str(artifacts / f"{size}-variant-substitute-form.png"), full_page=True)
    [entry] = list_substitutes(db, scope, ordered).substitutes
    assert (entry.sku, entry.ratio, entry.channels, entry.notify) == (other, 2, ["shop-web"], True)
    page.context.close()
