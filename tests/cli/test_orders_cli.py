"""``truecount order create|fulfil|cancel|return|show|list`` and ``incidents``, on both backends."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import merchant_code
from tests.cli.conftest import Cli
from truecount.adapters.db.engine import Database
from truecount.entrypoints.cli.main import app
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service

runner = CliRunner()


def cli(db: Database, scope: Scope, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db.url, "--merchant", merchant_code(db, scope), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def level(db: Database, scope: Scope, sku: str, location: str, inventory_type: str = "good") -> tuple[int, int]:
    for row in stock_service.stock(db, scope, sku):
        if row.location == location and row.inventory_type == inventory_type:
            return row.on_hand, row.booked
    return 0, 0


def test_create_books_and_show_fulfil_return_follow_the_order(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "MUG", 2, "WH2")
    code, out, err = cli(
        db, scope, "order", "create", "--channel", "web", "--external", "1001", "TEE:2", "MUG:1", "--json"
    )
    assert code == 0, err
    order = json.loads(out)
    assert [(b["sku"], b["location"], b["quantity"]) for line in order["lines"] for b in line["bookings"]] == [
        ("TEE", "WH1", 2),
        ("MUG", "WH2", 1),
    ]
    code, out, _ = cli(db, scope, "order", "fulfil", str(order["id"]), "TEE:1")
    assert code == 0 and "open" in out
    code, out, _ = cli(db, scope, "order", "return", str(order["id"]), "TEE:1@WH2", "--type", "damaged", "--json")
    assert code == 0 and json.loads(out)["lines"][0]["returned"] == 1
    code, out, _ = cli(db, scope, "order", "show", str(order["id"]))
    assert code == 0 and "1001" in out and "WH1×1" in out
    assert level(db, scope, "TEE", "WH2", "damaged") == (1, 0)


def test_a_strict_order_that_is_short_exits_1_naming_each_short_line(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 1, "WH1")
    code, _, err = cli(
        db, scope, "order", "create", "--channel", "web", "--external", "T-1", "TEE:3", "MUG:1", "--strict"
    )
    assert code == 1
    assert "TEE (missing 2), MUG (missing 1)" in err
    assert '"sku": "TEE", "requested": 3, "available": 1, "missing": 2' in err
    assert level(db, scope, "TEE", "WH1") == (1, 0)


def test_an_oversold_channel_order_is_listed_in_incidents_and_cancel_drops_it(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 1, "WH1")
    code, out, _ = cli(db, scope, "order", "create", "--channel", "web", "--external", "S-9", "TEE:3", "--json")
    assert code == 0
    order = json.loads(out)
    assert order["lines"][0]["backorder"]["open"] == 2
    code, out, _ = cli(db, scope, "incidents", "--json")
    assert code == 0
    assert [(i["external_id"], i["sku"], i["quantity"]) for i in json.loads(out)] == [("S-9", "TEE", 2)]
    code, out, _ = cli(db, scope, "order", "cancel", str(order["id"]), "--json")
    assert code == 0 and json.loads(out)["status"] == "cancelled"
    code, out, _ = cli(db, scope, "order", "list", "--status", "cancelled")
    assert code == 0 and "S-9" in out
    assert level(db, scope, "TEE", "WH1") == (1, 0)


def test_a_line_that_is_not_sku_colon_quantity_is_refused_naming_it(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    code, _, err = cli(db, scope, "order", "create", "--channel", "web", "--external", "X", "TEE")
    assert code == 1 and "lines[0]" in err and "SKU:QTY" in err


def test_order_dropship_lists_what_to_send_each_supplier(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1", priority=1)
    f.location(db, scope, "ACME", kind="dropship", priority=5)
    f.location(db, scope, "BOLT", kind="dropship", priority=6)
    f.variant(db, scope, "SNK")
    f.variant(db, scope, "CAP")
    o.channel(db, scope, "web", ["WH1", "ACME", "BOLT"])
    f.move(db, scope, "feed", "SNK", "ACME", 5)
    f.move(db, scope, "feed", "CAP", "BOLT", 5)
    o.order(db, scope, "D1", ("SNK", 2))
    o.order(db, scope, "D2", ("CAP", 1), ("SNK", 1))
    code, out, err = cli(db, scope, "order", "dropship")
    assert code == 0, err
    assert "3 drop-ship purchase order(s)" in out and "SNK×2" in out and "CAP×1" in out
    code, out, err = cli(db, scope, "order", "dropship", "--supplier", "BOLT", "--json")
    assert code == 0, err
    assert [(po["external_id"], po["supplier"], po["lines"]) for po in json.loads(out)] == [
        ("D2", "BOLT", [{"line": 1, "sku": "CAP", "quantity": 1, "why": None}])
    ]
    code, _, err = cli(db, scope, "order", "dropship", "--supplier", "WH1")
    assert code == 1 and "supplier" in err and "not a drop-ship supplier" in err


def test_the_cli_sends_a_line_to_a_supplier(cli: Cli) -> None:
    for args in (
        ("location", "add", "WH1"),
        ("location", "add", "DS-A", "--kind", "dropship"),
        ("location", "add", "DS-B", "--kind", "dropship"),
        ("supplier", "add", "ACME", "--name", "Acme", "--email", "po@acme.example", "--location", "DS-A"),
        ("supplier", "add", "BOLT", "--name", "Bolt", "--email", "po@bolt.example", "--location", "DS-B"),
        ("product", "add", "Sneaker", "--sku", "SNK"),
        ("feed", "SNK", "9", "--at", "DS-A"),
        ("feed", "SNK", "9", "--at", "DS-B"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "WH1,DS-A,DS-B"),
    ):
        assert cli(*args).exit_code == 0, args
    created = cli("order", "create", "--channel", "web", "--external", "1001", "SNK:2", "--json")
    order_id = str(json.loads(created.stdout)["id"])
    moved = cli("order", "line-supplier", order_id, "1", "BOLT", "--json")
    assert moved.exit_code == 0, moved.output
    assert '"location": "DS-B"' in moved.stdout
    refused = cli("order", "line-supplier", order_id, "1", "NOPE")
    assert refused.exit_code == 1 and "supplier" in refused.output
