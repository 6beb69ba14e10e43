"""Set-up in real Chromium, at desktop width and at 390 px: add a product with two variants; add a
channel, link a listing, connect it to the eBay emulator and see it sync (the worker pushes the offer)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from truecount.emulators.auth import CREDENTIALS
from truecount.emulators.runner import RunningEmulator, start
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope
from truecount.services.catalog import products
from truecount.services.sync.worker import WorkerOptions, start_in_background

from .conftest import LiveServer

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1200, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> tuple[str, str]:
    accounts.add_user(live_server.db, merchant_scope(live_server.db, "default", "seed"), "ada", "admin", "password-2")
    return "ada", "password-2"


@pytest.fixture(scope="module")
def ebay() -> Iterator[RunningEmulator]:
    emulator = start("ebay")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def worker(live_server: LiveServer) -> Iterator[None]:
    scope = merchant_scope(live_server.db, "default", "seed")
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(live_server.db, options)
    yield
    stop()


def signed_in(browser: Browser, server: LiveServer, admin: tuple[str, str], size: str) -> Page:
    mobile = size != "desktop"
    context = browser.new_context(viewport=SIZES[size], is_mobile=mobile, has_touch=mobile)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/setup")
    page.fill('input[name="name"]', admin[0])
    page.fill('input[name="password"]', admin[1])
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}/setup/products")
    return page


def fits(page: Page, size: str) -> None:
    """Nothing is cut off: the page is no wider than the screen."""
    width = SIZES[size]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than {width} px"


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_adds_a_product_with_two_variants(
    browser: Browser, live_server: LiveServer, admin: tuple[str, str], size: str, artifacts: Path
) -> None:
    page = signed_in(browser, live_server, admin, size)
    form = page.locator("#new-product")
    form.locator("#product-name").fill(f"Linen shirt {size}")
    rows = form.locator("fieldset.variant-row")
    expect(rows).to_have_count(2)
    rows.nth(0).locator('input[name="sku"]').fill(f"LIN-{size}-S")
    rows.nth(0).locator('input[name="options"]').fill("size=S, colour=sand")
    rows.nth(1).locator('input[name="sku"]').fill(f"LIN-{size}-M")
    rows.nth(1).locator('input[name="options"]').fill("size=M, colour=sand")
    rows.nth(1).locator('input[name="barcodes"]').fill(f"99{len(size)}0000000017")
    fits(page, size)
    page.screenshot(path=str(artifacts / f"setup-product-{size}-form.png"), full_page=True)
    page.click("#save-product")
    expect(page.locator("#saved")).to_contain_text(f"Linen shirt {size} added with 2 variant(s)")
    expect(page.locator("#variants tr[data-sku]")).to_have_count(2)
    expect(page.locator(f'#variants tr[data-sku="LIN-{size}-M"]')).to_contain_text("size=M")
    fits(page, size)
    page.screenshot(path=str(artifacts / f"setup-product-{size}-saved.png"), full_page=True)
    view = products.show_product(live_server.db, merchant_scope(live_server.db, "default", "t"), f"LIN-{size}-S")
    assert [v.sku for v in view.variants] == [f"LIN-{size}-S", f"LIN-{size}-M"]
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_adds_a_channel_connects_it_to_the_emulator_and_sees_it_in_step(
    browser: Browser,
    live_server: LiveServer,
    admin: tuple[str, str],
    ebay: RunningEmulator,
    worker: None,
    size: str,
    artifacts: Path,
) -> None:
    code = f"ebay-{size}"
    page = signed_in(browser, live_server, admin, size)
    page.goto(f"{live_server.url}/setup/channels")
    new = page.locator("#new-channel")
    new.locator('input[name="code"]').fill(code)
    new.locator('select[name="kind"]').select_option("ebay")
    new.locator('.feed-row[data-location="WH1"] input[name="feeds"]').check()
    new.locator('.feed-row[data-location="WH1"] input[name="position"]').fill("1")
    fits(page, size)
    new.locator('button[type="submit"]').click()
    expect(page.locator("#saved")).to_contain_text(f"channel {code} added")
    expect(page.locator("#connected")).to_have_text("not connected")
    link = page.locator("#link-form")
    link.locator('input[name="sku"]').fill("TEE-M")
    link.locator('input[name="ref"]').fill(f"TEE-M-{size}")
    link.locator('button[type="submit"]').click()
    expect(page.locator("#saved")).to_contain_text(f"TEE-M listed as TEE-M-{size}")
    expect(page.locator("#sync-state")).to_have_attribute("data-state", "not_connected")
    page.fill("#cfg-base_url", ebay.url)
    for setting in ("client_id", "client_secret", "refresh_token"):  # the keyset and the seller's consent
        page.fill(f"#cfg-{setting}", CREDENTIALS[setting])
    page.click("#save-connection")
    expect(page.locator("#saved")).to_contain_text("connection saved: connected")
    expect(page.locator("#cfg-client_secret")).to_have_value("****")
    expect(page.locator("#cfg-refresh_token")).to_have_value("****")
    deadline = time.monotonic() + 20
    while page.locator("#sync-state").get_attribute("data-state") != "in_step" or "on the way" in (
        page.locator("#sync-state").text_content() or ""
    ):
        assert time.monotonic() < deadline, page.locator("#sync-state").text_content()
        page.reload()
    expect(page.locator("#sync-state")).to_contain_text("Sync: in step")
    listings = httpx.get(f"{ebay.url}/_emulator/state").json()["listings"]
    assert listings[f"TEE-M-{size}"] == 5  # what the shop has of TEE-M at WH1, pushed by the worker
    page.click("#check-connection")
    result = page.locator("#check-result")
    expect(result).to_contain_text("everything works")
    assert result.locator('tr[data-ok="no"]').count() == 0
    assert result.locator('tr[data-ok="yes"]').count() >= 1
    fits(page, size)
    page.screenshot(path=str(artifacts / f"setup-channel-{size}.png"), full_page=True)
    page.context.close()
