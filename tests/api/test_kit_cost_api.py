"""``PATCH /api/v1/variants/{sku}`` sets a unit cost (refused naming ``unit_cost``, nothing written);
``/api/v1/work-orders`` shows what a work order consumed at cost and a kit's cost, or why unknown."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.domain.assembly import Part, SetBill
from truecount.services.assembly import bills
from truecount.services.common.scope import Scope


def workshop(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    for sku in ("BOX", "CARD", "KIT"):
        f.variant(db, scope, sku)
    f.receive(db, scope, "BOX", 10, "WH1")
    f.receive(db, scope, "CARD", 5, "WH1")
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "ahead"))


def build(api: TestClient, quantity: int) -> dict[str, object]:
    wo = api.post("/api/v1/work-orders", json={"sku": "KIT", "quantity": quantity, "location": "WH1"}).json()["id"]
    assert api.post(f"/api/v1/work-orders/{wo}/release").status_code == 200
    done = api.post(f"/api/v1/work-orders/{wo}/complete", json={"quantity": quantity - 1, "scrap": 1, "reason": "bent"})
    assert done.status_code == 200, done.text
    assert api.get(f"/api/v1/work-orders/{wo}").json() == done.json()
    body: dict[str, object] = done.json()
    return body


def test_a_unit_cost_is_patched_shown_and_a_bad_one_refused_with_nothing_written(
    api: TestClient, db: Database, scope: Scope
) -> None:
    workshop(db, scope)
    patched = api.patch("/api/v1/variants/BOX", json={"unit_cost": "1.5"})
    assert patched.status_code == 200 and patched.json()["unit_cost"] == "1.50", patched.text
    for bad in ("-2", "0.12345", "lots"):
        refused = api.patch("/api/v1/variants/BOX", json={"unit_cost": bad, "for_sale": False})
        assert_error(refused, 422, "invalid_input", "unit_cost")
    shown = api.get("/api/v1/variants/BOX").json()
    assert (shown["unit_cost"], shown["for_sale"]) == ("1.50", True)
    assert [(v["sku"], v["unit_cost"]) for v in api.get("/api/v1/variants?q=BOX").json()] == [("BOX", "1.50")]
    assert api.patch("/api/v1/variants/BOX", json={"unit_cost": "unset"}).json()["unit_cost"] is None


def test_a_work_order_shows_its_consumed_cost_and_kit_cost_or_why_unknown(
    api: TestClient, db: Database, scope: Scope
) -> None:
    workshop(db, scope)
    api.patch("/api/v1/variants/BOX", json={"unit_cost": "1.5"})
    unknown = build(api, 2)
    assert (unknown["consumed_cost"], unknown["kit_cost"], unknown["cost_unknown"]) == (None, None, "CARD has no cost")
    api.patch("/api/v1/variants/CARD", json={"unit_cost": "0.25"})
    known = build(api, 2)  # 2 kits' worth (1 built, 1 scrapped): 4 × 1.50 + 2 × 0.25
    assert (known["consumed_cost"], known["kit_cost"], known["cost_unknown"]) == ("6.50", "6.50", None)
