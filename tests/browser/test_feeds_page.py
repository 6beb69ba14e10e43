"""The supplier feeds page in real Chromium: an admin finds it in the navigation, runs a feed now and
sees its result, then a refused run naming row and column; staff see the runs but no button."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from tests import feed_factories as ff
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.settings import Settings

from .conftest import LiveServer, _free_port
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    """A server with ACME's feed watching a folder (no worker: runs happen by the button only)."""
    url = f"sqlite:///{tmp_path / 'truecount.db'}"
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    ff.dropshipper(db, scope)
    folder = tmp_path / "drop"
    folder.mkdir()
    ff.feed(db, scope, folder, mapping=["Art=supplier_sku", "Qty=quantity"], drop_when_stale=True)
    accounts.add_user(db, scope, "ada", "admin", "password-1")
    accounts.add_user(db, scope, "sam", "staff", "password-2")
    port = _free_port()
    app = create_app(Settings(database_url=url, secret_key="browser-test", feed_folders=str(tmp_path)), db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db, "ada", "password-1"), folder
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


def test_an_admin_runs_a_feed_from_its_page_and_sees_what_it_changed_and_refused(
    browser: Browser, feed_server: tuple[LiveServer, Path], artifacts: Path
) -> None:
    live, folder = feed_server
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    sign_in(page, live)
    page.click("nav >> text=Feeds")
    expect(page).to_have_url(f"{live.url}/feeds")
    acme = page.locator("#feed-ACME")
    expect(acme.locator(".feed-state")).to_have_text("fresh")
    expect(acme.locator(".feed-runs tbody")).to_contain_text("No runs yet.")
    ff.write_csv(folder, "acme.csv", "Art,Qty\nAC-SNK,8\nAC-CAP,2\n", 1_000)

    page.click("#run-ACME")

    expect(page.locator("#done")).to_have_text("✔ ACME: applied, 2 row(s) read, 2 changed")
    first = acme.locator(".feed-runs tbody tr").first
    expect(first).to_have_attribute("data-outcome", "applied")
    expect(first).to_contain_text("acme.csv")
    scope = merchant_scope(live.db, "default", "seed")
    assert ff.at_supplier(live.db, scope) == {"SNK": 8, "CAP": 2}
    ff.write_csv(folder, "acme-2.csv", "Art,Qty\nAC-SNK,8\nAC-CAP,two\n", 2_000)
    page.click("#run-ACME")
    expect(page.locator("#done")).to_have_text("✔ ACME: refused, 2 row(s) read, 0 changed, 1 refused: nothing changed")
    expect(acme.locator(".feed-runs tbody tr").first.locator(".refusals")).to_have_text(
        "row 3, column Qty: 'two' is not a whole number of 0 or more"
    )
    expect(acme.locator(".feed-runs tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts / "feeds-page.png"), full_page=True)
    assert ff.at_supplier(live.db, scope) == {"SNK": 8, "CAP": 2}

    staff = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    sign_in(staff, replace(live, user="sam", password="password-2"))
    staff.goto(f"{live.url}/feeds")
    expect(staff.locator("#feed-ACME .feed-runs tbody tr")).to_have_count(2)
    expect(staff.locator("#run-ACME")).to_have_count(0)
