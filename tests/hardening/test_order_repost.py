"""An order re-posted with a known external id: the same lines answer 200 replayed; other lines are a 409
naming each SKU whose quantity differs, with nothing written — one order, a batch, and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error, merchant_code
from truecount.adapters.db.engine import Database
from truecount.domain.order_replay import line_differences
from truecount.entrypoints.cli.main import app
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def booked(db: Database, scope: Scope, sku: str) -> int:
    return sum(r.booked for r in stock_service.stock(db, scope, sku))


def body(external_id: str, *lines: tuple[str, int]) -> dict[str, Any]:
    return {"channel": "web", "external_id": external_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}


def test_lines_compare_by_total_per_sku_in_any_order() -> None:
    assert line_differences([("A", 1), ("B", 2), ("A", 1)], [("B", 2), ("A", 2)]) == []
    found = line_differences([("A", 3), ("C", 1)], [("A", 2), ("B", 1)])
    assert [(d["sku"], d["posted"], d["recorded"]) for d in found] == [("A", 3, 2), ("B", 0, 1), ("C", 1, 0)]


def test_a_repost_with_other_lines_is_a_409_naming_the_difference_and_books_nothing(
    api: TestClient, db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 10, "WH1")
    f.receive(db, scope, "MUG", 10, "WH1")
    first = api.post("/api/v1/orders", json=body("o-1", ("TEE", 2), ("MUG", 1)))
    assert first.status_code == 201, first.text
    same = api.post("/api/v1/orders", json=body("o-1", ("MUG", 1), ("TEE", 2)))
    assert same.status_code == 200 and same.json()["replayed"] is True and same.json()["id"] == first.json()["id"]
    other = api.post("/api/v1/orders", json=body("o-1", ("TEE", 3), ("MUG", 1)))
    error = assert_error(other, 409, "order_lines_differ")
    assert error["details"] == [
        {"field": "lines", "sku": "TEE", "posted": 3, "recorded": 2, "reason": "TEE: posted 3, recorded 2"}
    ]
    assert "TEE: posted 3, recorded 2" in error["message"]
    missing = api.post("/api/v1/orders", json=body("o-1", ("TEE", 2)))
    assert assert_error(missing, 409, "order_lines_differ")["details"][0]["sku"] == "MUG"
    keyed = api.post("/api/v1/orders", json=body("o-1", ("TEE", 1)), headers={"Idempotency-Key": "k-new"})
    assert_error(keyed, 409, "order_lines_differ")
    assert booked(db, scope, "TEE") == 2 and booked(db, scope, "MUG") == 1
    assert verify(db, scope) == []


def test_a_barcode_for_the_same_variant_is_the_same_line(api: TestClient, db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.variant(db, scope, "CAP", barcodes=["5012345678900"])
    f.receive(db, scope, "CAP", 5, "WH1")
    assert api.post("/api/v1/orders", json=body("o-2", ("CAP", 1))).status_code == 201
    again = api.post("/api/v1/orders", json=body("o-2", ("5012345678900", 1)))
    assert again.status_code == 200 and again.json()["replayed"] is True


def test_the_batch_answers_a_differing_repost_on_its_own(api: TestClient, db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    assert api.post("/api/v1/orders", json=body("b-1", ("TEE", 1))).status_code == 201
    batch = [body("b-1", ("TEE", 1)), body("b-1", ("TEE", 4)), body("b-2", ("TEE", 2)), body("b-2", ("TEE", 5))]
    answer = api.post("/api/v1/orders:batch", json={"orders": batch})
    assert answer.status_code == 200, answer.text
    replayed, differs, new, differs_in_batch = answer.json()["orders"]
    assert replayed["replayed"] is True
    assert differs["error"]["code"] == "order_lines_differ"
    assert [(d["sku"], d["posted"], d["recorded"]) for d in differs["error"]["details"]] == [("TEE", 4, 1)]
    assert new["replayed"] is False and new["lines"][0]["quantity"] == 2
    assert differs_in_batch["error"]["code"] == "order_lines_differ"
    assert [(d["sku"], d["posted"], d["recorded"]) for d in differs_in_batch["error"]["details"]] == [("TEE", 5, 2)]
    assert booked(db, scope, "TEE") == 3
    assert verify(db, scope) == []


def test_the_cli_refuses_a_differing_repost_naming_the_difference(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    runner = CliRunner()
    base = ["--db", db.url, "--merchant", merchant_code(db, scope), "order", "create", "--channel", "web"]
    assert runner.invoke(app, [*base, "--external", "c-1", "TEE:2"]).exit_code == 0
    same = runner.invoke(app, [*base, "--external", "c-1", "TEE:2"])
    assert same.exit_code == 0 and "already recorded" in same.output
    other = runner.invoke(app, [*base, "--external", "c-1", "TEE:5"], env={"COLUMNS": "200"})
    assert other.exit_code != 0
    assert "TEE: posted 5, recorded 2" in other.output
    assert booked(db, scope, "TEE") == 2


def test_the_openapi_document_lists_409_for_order_creation(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/orders", "/api/v1/orders:batch"):
        assert "409" in paths[path]["post"]["responses"], path
    assert "other lines" in paths["/api/v1/orders"]["post"]["responses"]["409"]["description"]
