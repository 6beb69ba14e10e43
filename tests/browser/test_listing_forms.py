"""An admin edits a channel's listings on the pages in real Chromium: adds a listing, builds a listing's
quantity rule one step at a time (add at a place, move, remove, back to the channel's rule), sets and
clears its price rule, and downloads and uploads the rules spreadsheet; every form's refusal names the
field, keeps what was typed and changes nothing. Staff see the figures without the forms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories as f
from tests import offer_factories as of
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import merchant_scope
from truecount.services.offers.listings import list_listings

from .conftest import LiveServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    db = live_server.db
    scope = merchant_scope(db, "default", "seed")
    accounts.add_user(db, scope, "ada", "admin", "password-2")
    f.receive(db, scope, "MUG", 12, "WH1")
    of.channel(db, scope, "amz", ["WH1"], kind="amazon")
    of.listing(db, scope, "amz", "TEE-M", {"seller_sku": "TEE-M"})
    return live_server


def signed_in(browser: Browser, server: LiveServer, name: str, password: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/channels/amz/listings")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}/channels/amz/listings")
    yield page
    context.close()


@pytest.fixture
def admin(browser: Browser, shop: LiveServer) -> Iterator[Page]:
    yield from signed_in(browser, shop, "ada", "password-2")


def rows(shop: LiveServer) -> dict[str, tuple[list[str] | None, int | None, str | None]]:
    scope = merchant_scope(shop.db, "default", "seed")
    return {r.external_ref: (r.steps, r.quantity, r.price_rule) for r in list_listings(shop.db, scope, "amz")}


def test_an_admin_adds_a_listing_and_a_refusal_keeps_what_was_typed(admin: Page, shop: LiveServer) -> None:
    form = admin.locator("#add-listing")
    form.locator('input[name="sku"]').fill("NOPE")
    form.locator('input[name="ref"]').fill("MUG-6PK")
    form.locator('input[name="units_per_sale"]').fill("6")
    form.get_by_role("button", name="Add listing").click()
    expect(admin.locator("#add-error")).to_contain_text("sku: no variant")
    expect(form.locator('input[name="ref"]')).to_have_value("MUG-6PK")
    expect(form.locator('input[name="units_per_sale"]')).to_have_value("6")
    assert "MUG-6PK" not in rows(shop)
    form.locator('input[name="sku"]').fill("MUG")
    form.get_by_role("button", name="Add listing").click()
    expect(admin.locator("#done")).to_contain_text("MUG listed as MUG-6PK: offered 2")
    pack = admin.locator('tr[data-ref="MUG-6PK"]')
    expect(pack.locator(".quantity")).to_have_text("2")  # 12 mugs, 6 a sale
    expect(pack.locator(".rule")).to_have_text("the channel's rule")


def test_an_admin_builds_a_listing_s_steps_one_at_a_time(admin: Page, shop: LiveServer) -> None:
    admin.locator('tr[data-ref="TEE-M"] a.edit').click()
    expect(admin.locator("h1")).to_contain_text("TEE-M")
    form = admin.locator("#add-step")
    form.locator("#step-op").select_option("reserve")
    form.get_by_role("button", name="Add step").click()  # no value: refused, naming the step's part
    expect(admin.locator("#steps-error")).to_contain_text("steps[0].value: reserve takes a value")
    expect(form.locator("#step-op")).to_have_value("reserve")
    assert rows(shop)["TEE-M"][0] is None
    form.locator("#step-value").fill("1")
    form.get_by_role("button", name="Add step").click()
    expect(admin.locator("#done")).to_contain_text("step added: offered 4")  # 5 − 1
    form.locator("#step-op").select_option("cap")
    form.locator("#step-value").fill("2")
    form.get_by_role("button", name="Add step").click()
    expect(admin.locator("#steps li")).to_have_count(2)
    form.locator("#step-op").select_option("percent")
    form.locator("#step-value").fill("150")
    form.locator("#step-position").fill("1")
    form.get_by_role("button", name="Add step").click()  # 150 %: refused at its place, typed kept
    expect(admin.locator("#steps-error")).to_contain_text("steps[0].value: must be a percent from 0 to 100")
    expect(form.locator("#step-value")).to_have_value("150")
    expect(form.locator("#step-position")).to_have_value("1")
    form.locator("#step-value").fill("60")
    form.get_by_role("button", name="Add step").click()
    expect(admin.locator("#steps li code")).to_have_text(["percent=60", "reserve=1", "cap=2"])
    expect(admin.locator("#figures .quantity")).to_have_text("2")  # 60 % of 5 = 3, − 1 = 2, at most 2
    admin.get_by_role("button", name="move cap=2 up").click()
    expect(admin.locator("#steps li code")).to_have_text(["percent=60", "cap=2", "reserve=1"])
    expect(admin.locator("#figures .quantity")).to_have_text("1")  # 3, at most 2, − 1
    expect(admin.locator("#explain .why")).to_contain_text("at most 2: 3 → 2")
    expect(admin.locator("#explain .why")).to_contain_text("minus reserve 1, not below 0: 2 → 1")
    admin.get_by_role("button", name="remove percent=60").click()
    expect(admin.locator("#steps li code")).to_have_text(["cap=2", "reserve=1"])
    assert rows(shop)["TEE-M"][:2] == (["cap=2", "reserve=1"], 1)
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#clear-steps").click()
    expect(admin.locator("#rule-summary")).to_contain_text("The channel's rule")
    assert rows(shop)["TEE-M"][:2] == (None, 5)


def test_an_admin_sets_and_clears_a_price_rule_with_its_explanation(admin: Page, shop: LiveServer) -> None:
    admin.goto(f"{shop.url}/channels/amz/listing?ref=TEE-M")
    form = admin.locator("#price-form")
    form.locator("#price-text").fill("fixed=12.999 tier=10:+10%")
    form.get_by_role("button", name="Set price rule").click()
    expect(admin.locator("#price-error")).to_contain_text("price.fixed: must be a price")
    expect(form.locator("#price-text")).to_have_value("fixed=12.999 tier=10:+10%")
    assert rows(shop)["TEE-M"][2] is None
    form.locator("#price-text").fill("fixed=12.00 tier=10:+10%")
    form.get_by_role("button", name="Set price rule").click()
    expect(admin.locator("#figures .price")).to_have_text("13.20")  # 5 offered, fewer than 10: +10 %
    expect(admin.locator("#price-rule")).to_have_text("fixed=12.00 tier=10:+10%")
    expect(admin.locator("#explain .price-why")).to_contain_text("fewer than 10 offered (5): +10%: 12.00 → 13.20")
    admin.locator("#clear-price").click()
    expect(admin.locator("#figures .price")).to_have_text("none")
    assert rows(shop)["TEE-M"][2] is None


def test_the_rules_spreadsheet_downloads_and_an_edited_one_uploads_all_or_nothing(
    admin: Page, shop: LiveServer, tmp_path: Path
) -> None:
    with admin.expect_download() as downloading:
        admin.locator("#sheet-csv").click()
    sheet = tmp_path / "rules.csv"
    downloading.value.save_as(sheet)
    lines = sheet.read_text().splitlines()
    assert lines[0] == "sku,kind,quantity,percent,location,reserve,cap,listing,steps"
    assert "TEE-M,,,,,,,TEE-M," in lines
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "\nTEE-M,,,,,,,TEE-M,reserve=1 cap=x\n")
    admin.locator('#upload-sheet input[type="file"]').set_input_files(str(bad))
    admin.get_by_role("button", name="Import the file").click()
    expect(admin.locator("#sheet-error")).to_contain_text("1 bad row(s), nothing imported")
    expect(admin.locator("#sheet-error table")).to_contain_text("steps")
    expect(admin.locator("#sheet-error table")).to_contain_text("steps[1].value")
    assert rows(shop)["TEE-M"][0] is None
    good = tmp_path / "good.csv"
    good.write_text(lines[0] + "\nTEE-M,,,,,,,TEE-M,reserve=1 cap=3\n")
    admin.locator('#upload-sheet input[type="file"]').set_input_files(str(good))
    admin.get_by_role("button", name="Import the file").click()
    expect(admin.locator("#done")).to_contain_text("good.csv: 1 row(s)")
    expect(admin.locator('tr[data-ref="TEE-M"] .rule')).to_have_text("reserve=1 → cap=3")
    expect(admin.locator('tr[data-ref="TEE-M"] .quantity')).to_have_text("3")


def test_staff_see_the_listings_and_their_explanation_without_the_forms(browser: Browser, shop: LiveServer) -> None:
    for page in signed_in(browser, shop, shop.user, shop.password):
        expect(page.locator('tr[data-ref="TEE-M"]')).to_be_visible()
        expect(page.locator("#add-listing")).to_have_count(0)
        expect(page.locator("#upload-sheet")).to_have_count(0)
        page.goto(f"{shop.url}/channels/amz/listing?ref=TEE-M")
        expect(page.locator("#explain .why")).to_contain_text("pool")
        expect(page.locator("#add-step")).to_have_count(0)
        expect(page.locator("#price-form")).to_have_count(0)


def test_both_pages_fit_a_390_px_handheld_with_their_forms(browser: Browser, shop: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{shop.url}/login?next=/channels/amz/listings")
    page.fill('input[name="name"]', "ada")
    page.fill('input[name="password"]', "password-2")
    page.click('button[type="submit"]')
    for path in ("/channels/amz/listings", "/channels/amz/listing?ref=TEE-M"):
        page.goto(shop.url + path)
        expect(page.locator("form").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    context.close()
