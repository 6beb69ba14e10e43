"""The demo shop loads through the real write path and the ledger verifies."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from truecount.entrypoints.cli.main import app


def test_demo_then_verify_succeeds_and_a_second_demo_if_empty_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    loaded = runner.invoke(app, ["--db", url, "demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "variants" in loaded.stdout
    assert runner.invoke(app, ["--db", url, "verify"]).exit_code == 0
    before = runner.invoke(app, ["--db", url, "history", "TEE-BLA-M", "--json"]).stdout
    again = runner.invoke(app, ["--db", url, "demo", "--if-empty"])
    assert again.exit_code == 0 and "left as it is" in again.stdout
    assert runner.invoke(app, ["--db", url, "history", "TEE-BLA-M", "--json"]).stdout == before
    rows = json.loads(runner.invoke(app, ["--db", url, "stock", "--json"]).stdout)
    locations = {row["location"] for row in rows}
    assert {"DROP-ACME", "SHOP-LDN"} <= locations
    assert any(row["lots"] for row in rows)  # lots with expiry dates
    refused = runner.invoke(app, ["--db", url, "demo"])
    assert refused.exit_code == 1
    assert "error (already_exists): db: already has a catalogue" in refused.output  # as every refusal reads
    assert runner.invoke(app, ["--db", url, "history", "TEE-BLA-M", "--json"]).stdout == before  # nothing loaded


def test_the_demo_tells_a_story_orders_from_the_channels_staff_and_nothing_in_the_future(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from truecount.adapters.db.engine import Database
    from truecount.adapters.db.tables.catalog import products
    from truecount.adapters.db.tables.ledger import movements
    from truecount.adapters.db.tables.orders import orders

    url = f"sqlite:///{tmp_path / 'story.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "demo"]).exit_code == 0
    db = Database(url)
    with db.read() as conn:
        latest = conn.execute(select(func.max(movements.c.at))).scalar_one()
        actors = set(conn.execute(select(movements.c.actor).distinct()).scalars())
        placed = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        names = set(conn.execute(select(products.c.name)).scalars())
        created = list(conn.execute(select(orders.c.created_at)).scalars())
        still_open = conn.execute(select(func.count()).where(orders.c.status == "open")).scalar_one()
        ship_days = {
            at.date() for at in conn.execute(select(movements.c.at).where(movements.c.kind == "ship")).scalars()
        }
    db.dispose()
    now = datetime.now(UTC).replace(tzinfo=None)
    assert latest <= now
    assert all(now - timedelta(days=31) <= at <= now for at in created)  # the past month, none ahead
    assert len({at.date() for at in created}) >= 25  # spread over the month, not dated at load time
    assert len(ship_days) >= 25 and 0 < still_open < placed // 4
    assert not any(actor.startswith("cli:") for actor in actors)
    assert {"sync:shopify", "sync:amazon", "sync:ebay", "feed:acme-footwear"} <= actors
    assert any(actor.startswith("user:") for actor in actors)
    assert placed >= 50
    assert "Bundles" not in names and "Everyday socks, 3-pack" in names
    trackers = json.loads(runner.invoke(app, ["--db", url, "trackers", "list", "--json"]).stdout)
    below = [t for t in trackers if t["health"] < 100]
    assert 0 < len(below) <= len(trackers) // 2  # a few need attention, not every one
    turnover = [t for t in trackers if t["mechanism"] == "turnover_days"]
    assert turnover and all(t["health"] > 0 for t in turnover)  # sales in the window: real health


def test_the_clock_the_demo_back_dates_with_applies_inside_its_block_and_refuses_the_future() -> None:
    from datetime import UTC, datetime, timedelta

    import pytest

    from truecount.services.common.scope import clock_at, utcnow

    then = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    with clock_at(then):
        assert utcnow() == then
    assert utcnow() - datetime.now(UTC) < timedelta(seconds=5)
    with pytest.raises(ValueError, match="in the future"), clock_at(datetime.now(UTC) + timedelta(hours=1)):
        pass


def test_the_demo_has_a_supplier_with_items_and_a_purchase_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'suppliers.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "demo"]).exit_code == 0
    suppliers = json.loads(runner.invoke(app, ["--db", url, "supplier", "list", "--json"]).stdout)
    assert [(s["code"], s["location"]) for s in suppliers] == [("ACME", "DROP-ACME")]
    shown = json.loads(runner.invoke(app, ["--db", url, "supplier", "show", "ACME", "--json"]).stdout)
    assert shown["items"] and all(item["sku"].startswith("SNK-") for item in shown["items"])
    orders = json.loads(runner.invoke(app, ["--db", url, "po", "list", "--json"]).stdout)
    assert orders and any(po["supplier"] == "ACME" and po["lines"] for po in orders)
