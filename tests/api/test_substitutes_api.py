"""``/api/v1/variants/{sku}/substitutes`` in-process, on both backends: add, list, remove, refusals."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.catalog.substitutes import list_substitutes
from truecount.services.common.scope import Scope

URL = "/api/v1/variants/TEE/substitutes"


def catalogue(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY", "TEE-2PK", "CARD")
    o.channel(db, scope, "pos", ["SHOP"])
    f.variant(db, scope, "GIFT", tracked=False)
    f.variant(db, scope, "DUO", components=[("TEE", 2)])


def test_substitutes_are_added_in_order_listed_and_removed(db: Database, scope: Scope, api: TestClient) -> None:
    catalogue(db, scope)
    first = api.post(URL, json={"substitute": "TEE-NAVY", "channels": ["web"], "notify": True})
    assert first.status_code == 201, first.text
    assert first.json() == {
        "sku": "TEE",
        "substitutes": [{"position": 1, "sku": "TEE-NAVY", "ratio": 1, "channels": ["web"], "notify": True}],
        "replayed": False,
    }
    assert api.post(URL, json={"substitute": "TEE-2PK", "ratio": 2}).status_code == 201
    listed = api.get(URL)
    assert listed.status_code == 200
    assert [(s["position"], s["sku"], s["ratio"], s["channels"]) for s in listed.json()["substitutes"]] == [
        (1, "TEE-NAVY", 1, ["web"]),
        (2, "TEE-2PK", 2, None),
    ]
    removed = api.delete(f"{URL}/TEE-NAVY")
    assert removed.status_code == 200, removed.text
    assert [(s["position"], s["sku"]) for s in removed.json()["substitutes"]] == [(1, "TEE-2PK")]
    assert api.get("/api/v1/variants/TEE-2PK/substitutes").json()["substitutes"] == []


def test_bad_substitutes_are_refused_naming_the_field_and_write_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    catalogue(db, scope)
    post = api.post
    assert_error(post(URL, json={"substitute": "NOPE"}), 404, "not_found", "substitute")
    assert_error(post("/api/v1/variants/NOPE/substitutes", json={"substitute": "TEE"}), 404, "not_found", "sku")
    assert_error(post(URL, json={"substitute": "TEE"}), 422, "invalid_input", "substitute")
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "ratio": 0}), 422, "invalid_input", "ratio")
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "ratio": -2}), 422, "invalid_input", "ratio")
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "ratio": "2"}), 422, "invalid_input", "ratio")
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "channels": ["web", "nope"]}), 404, "not_found",
                 "channels[1]")  # fmt: skip
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "channels": []}), 422, "invalid_input", "channels")
    assert_error(post(URL, json={"substitute": "GIFT"}), 422, "invalid_input", "substitute")
    assert_error(post(URL, json={"substitute": "DUO"}), 422, "invalid_input", "substitute")
    assert_error(post("/api/v1/variants/GIFT/substitutes", json={"substitute": "TEE"}), 422, "invalid_input", "sku")
    assert_error(post("/api/v1/variants/DUO/substitutes", json={"substitute": "TEE"}), 422, "invalid_input", "sku")
    assert list_substitutes(db, scope, "TEE").substitutes == []
    assert post(URL, json={"substitute": "TEE-NAVY"}).status_code == 201
    assert_error(post(URL, json={"substitute": "TEE-NAVY", "ratio": 3}), 409, "already_exists", "substitute")
    assert_error(api.delete(f"{URL}/CARD"), 404, "not_found", "substitute")
    assert_error(api.delete(f"{URL}/NOPE"), 404, "not_found", "substitute")
    assert [s.ratio for s in list_substitutes(db, scope, "TEE").substitutes] == [1]


def test_a_viewer_reads_substitutes_and_may_not_change_them(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    catalogue(db, scope)
    assert api.post(URL, json={"substitute": "TEE-NAVY"}).status_code == 201
    viewer = client_as("viewer")
    assert viewer.get(URL).json()["substitutes"][0]["sku"] == "TEE-NAVY"
    assert_error(viewer.post(URL, json={"substitute": "CARD"}), 403, "forbidden")
    assert_error(viewer.delete(f"{URL}/TEE-NAVY"), 403, "forbidden")
    assert api.get("/api/v1/variants/TEE").json()["sku"] == "TEE"  # the variant itself is still its own route


def test_an_order_over_http_shows_the_substitute_its_line_ships_and_strict_says_whether_it_may(
    db: Database, scope: Scope, api: TestClient
) -> None:
    catalogue(db, scope)
    f.receive(db, scope, "TEE-NAVY", 4, "WH1")
    assert api.post(URL, json={"substitute": "TEE-NAVY", "channels": ["web"]}).status_code == 201
    body = {"channel": "web", "external_id": "h-1", "lines": [{"sku": "TEE", "quantity": 2}]}
    placed = api.post("/api/v1/orders", json=body)
    assert placed.status_code == 201, placed.text
    swap = placed.json()["lines"][0]["substitute"]
    assert (swap["sku"], swap["quantity"], swap["ratio"], swap["notify"]) == ("TEE-NAVY", 2, 1, False)
    assert api.get(f"/api/v1/orders/{placed.json()['id']}").json()["lines"][0]["substitute"] == swap
    strict = body | {"external_id": "h-2", "strict": True}
    assert_error(api.post("/api/v1/orders", json=strict), 409, "insufficient_stock")
    accepted = api.post("/api/v1/orders", json=strict | {"substitutes": True})
    assert accepted.status_code == 201 and accepted.json()["lines"][0]["substitute"]["sku"] == "TEE-NAVY"
    batch = api.post("/api/v1/orders:batch", json={"orders": [body | {"external_id": "h-3", "substitutes": False}]})
    [answer] = batch.json()["orders"]
    assert answer["lines"][0]["substitute"] is None and answer["lines"][0]["backorder"]["open"] == 2
