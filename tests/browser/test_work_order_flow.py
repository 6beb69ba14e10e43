"""Kits and work orders in real Chromium, at desktop width and on a 390 px handheld: a bill set on
the kits page, a work order created, released (its components booked), completed with scrap — a
completion without a reason refused, naming it — and the kits produced with what they cost."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories as f
from truecount.domain.commands import EditVariant
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope
from truecount.services.catalog import products
from truecount.services.stock import levels as stock

from .conftest import LiveServer
from .test_dashboard import sign_in
from .test_handheld import assert_fits

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s

SIZES = {"desktop": {"width": 1280, "height": 900}, "handheld": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def kits(live_server: LiveServer) -> LiveServer:
    db, scope = live_server.db, merchant_scope(live_server.db, "default", "seed")
    for size in SIZES:
        for part in ("BOX", "CARD", "KIT"):
            f.variant(db, scope, f"{part}-{size.upper()}")
        f.receive(db, scope, f"BOX-{size.upper()}", 10, "WH1")
        f.receive(db, scope, f"CARD-{size.upper()}", 10, "WH1")
        products.edit_variant(db, scope, EditVariant(f"BOX-{size.upper()}", unit_cost="1.25"))
        products.edit_variant(db, scope, EditVariant(f"CARD-{size.upper()}", unit_cost="0.5"))
    accounts.add_user(db, scope, "ada", "admin", "password-2")  # bills are set by admins
    return replace(live_server, user="ada", password="password-2")


def on_hand(server: LiveServer, sku: str) -> dict[str, tuple[int, int]]:
    scope = merchant_scope(server.db, "default", "reader")
    return {r.location: (r.on_hand, r.booked) for r in stock.stock(server.db, scope, sku)}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_kit_gets_its_bill_and_a_work_order_builds_it_from_the_pages(
    browser: Browser, kits: LiveServer, artifacts: Path, size: str
) -> None:
    kit, box, card = (f"{p}-{size.upper()}" for p in ("KIT", "BOX", "CARD"))
    context = browser.new_context(viewport=SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, kits)
    page.goto(f"{kits.url}/boms")
    page.fill("#bom-sku", kit)
    page.fill("#bom-components", f"{box}:2, NOPE:1")
    page.select_option("#bom-mode", "ahead")
    page.click("#bom-save")
    expect(page.locator("#refusal")).to_contain_text("components[1].sku")  # refused, naming the component
    expect(page.locator("#bom-components")).to_have_value(f"{box}:2, NOPE:1")  # what was typed stays
    page.fill("#bom-components", f"{box}:2, {card}:1")
    page.click("#bom-save")
    expect(page.locator("#done")).to_contain_text(f"bill of {kit} saved")
    expect(page.locator(f'#boms tr[data-kit="{kit}"]')).to_contain_text(f"{box} × 2, {card} × 1")
    page.click(f'#boms tr[data-kit="{kit}"] a.edit')
    expect(page.locator("#bom-components")).to_have_value(f"{box}:2, {card}:1")  # edit starts from the bill
    if size == "handheld":
        assert_fits(page)

    page.goto(f"{kits.url}/work-orders")
    page.select_option("#wo-sku", kit)
    page.fill("#wo-quantity", "4")
    page.select_option("#wo-location", "WH1")
    page.click("#wo-create")
    expect(page.locator("#wo-status")).to_have_text("draft")
    page.click("#wo-release")
    expect(page.locator("#done")).to_contain_text("released")
    expect(page.locator("#holds")).to_contain_text(box)
    assert on_hand(kits, box)["WH1"] == (10, 8)
    page.fill("#wo-quantity", "2")
    page.fill("#wo-scrap", "1")
    page.click("#wo-complete")
    expect(page.locator("#refusal")).to_contain_text("reason")  # scrap needs a reason
    page.fill("#wo-reason", "glue failed")
    page.click("#wo-complete")
    expect(page.locator("#done")).to_contain_text("2 built, 1 scrapped: in progress")
    expect(page.locator("#wo-open")).to_have_text("1")
    expect(page.locator("#wo-consumed-cost")).to_have_text("9.00")  # 6 BOX × 1.25 + 3 CARD × 0.50, scrap too
    expect(page.locator("#wo-kit-cost")).to_have_text("4.50")  # over the 2 kits built
    assert on_hand(kits, kit)["WH1"] == (2, 0)
    if size == "handheld":
        assert_fits(page)
    page.screenshot(path=str(artifacts / f"{size}-work-order.png"), full_page=True)
    page.click("#wo-cancel")
    expect(page.locator("#wo-status")).to_have_text("cancelled")
    assert on_hand(kits, box)["WH1"] == (4, 0)  # 6 consumed (3 kits' worth), the rest released
    context.close()
