"""``/api/v1/purchase-orders`` in-process, on both backends: list with filters, one, acknowledge and
cancel moving only along the states (409 naming the state), and the supplier's send schedule."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests import order_factories as o
from tests.api_factories import assert_error, client_for
from tests.purchase_factories import two_suppliers
from tests.smtp_server import smtp_server
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.common.scope import Scope
from truecount.settings import Settings


def test_purchase_orders_are_listed_by_supplier_and_state_and_shown_with_their_lines(
    db: Database, scope: Scope, api: TestClient
) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3), ("CAP", 4))
    listed = api.get("/api/v1/purchase-orders")
    assert listed.status_code == 200 and [p["supplier"] for p in listed.json()] == ["BOLT", "ACME"]
    acme = api.get("/api/v1/purchase-orders", params={"supplier": "ACME", "state": "draft"}).json()
    assert len(acme) == 1 and acme[0]["number"] == f"PO-{acme[0]['id']:06d}"
    shown = api.get(f"/api/v1/purchase-orders/{acme[0]['id']}").json()
    assert (shown["lines"][0]["sku"], shown["lines"][0]["external_id"], shown["state"]) == ("SNK", "W1", "draft")
    assert (shown["lines"][0]["quantity"], shown["lines"][0]["unit_cost"], shown["total"]) == (3, "12.50", "37.50")
    assert_error(api.get("/api/v1/purchase-orders", params={"state": "lost"}), 422, "invalid_input", field="state")
    assert_error(api.get("/api/v1/purchase-orders", params={"supplier": "NO"}), 404, "not_found", field="supplier")
    assert_error(api.get("/api/v1/purchase-orders/987654"), 404, "not_found", field="id")


def test_acknowledging_a_draft_is_409_naming_its_state_and_a_cancel_moves_it(
    db: Database, scope: Scope, api: TestClient
) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = api.get("/api/v1/purchase-orders").json()
    refused = api.post(f"/api/v1/purchase-orders/{po['id']}/acknowledge")
    assert_error(refused, 409, "conflict", field="state")
    assert "is draft" in refused.json()["error"]["message"]
    cancelled = api.post(f"/api/v1/purchase-orders/{po['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert_error(api.post(f"/api/v1/purchase-orders/{po['id']}/cancel"), 409, "conflict", field="state")


def test_a_suppliers_send_schedule_is_set_and_a_bad_one_refused_naming_send(
    db: Database, scope: Scope, api: TestClient
) -> None:
    two_suppliers(db, scope)
    changed = api.put("/api/v1/suppliers/ACME/schedule", json={"send": "4h"})
    assert changed.status_code == 200 and changed.json()["send"] == "4h"
    assert_error(api.put("/api/v1/suppliers/ACME/schedule", json={"send": "often"}), 422, "invalid_input", field="send")
    assert api.get("/api/v1/suppliers/ACME").json()["send"] == "4h"


def test_a_purchase_order_is_rendered_as_pdf_and_csv_with_its_open_lines(
    db: Database, scope: Scope, api: TestClient
) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3), ("CAP", 4))
    o.change(db, scope, "cancel", placed.id, ("SNK", 1))
    acme = api.get("/api/v1/purchase-orders", params={"supplier": "ACME"}).json()[0]
    pdf = api.get(f"/api/v1/purchase-orders/{acme['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert acme["number"].encode() in pdf.content and b"AC-SNK" in pdf.content and b"25.00" in pdf.content
    listed = api.get(f"/api/v1/purchase-orders/{acme['id']}/csv")
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/csv")
    assert listed.text.splitlines() == [
        "po_number,supplier,order,line,sku,supplier_sku,quantity,unit_cost,currency",
        f"{acme['number']},ACME,web/W1,1,SNK,AC-SNK,2,12.50,EUR",
    ]
    assert_error(api.get("/api/v1/purchase-orders/987654/pdf"), 404, "not_found", field="id")


def test_a_draft_is_sent_by_post_through_the_configured_smtp_server(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    with smtp_server() as (inbox, mailer):
        settings = Settings(
            database_url=db.url, secret_key="test-secret", smtp_host=mailer.host, smtp_port=mailer.port,
            smtp_from="orders@shop.example",
        )  # fmt: skip
        api = client_for(create_app(settings, db), db, scope, "staff")
        (po,) = api.get("/api/v1/purchase-orders").json()
        sent = api.post(f"/api/v1/purchase-orders/{po['id']}/send")
        assert sent.status_code == 200, sent.text
        assert sent.json()["state"] == "sent" and sent.json()["sent_at"]
        (mail,) = inbox.messages
        assert (mail["To"], mail["From"], mail["Message-ID"]) == ("po@acme.example", "orders@shop.example",
                                                                  po["message_id"])  # fmt: skip
        assert_error(api.post(f"/api/v1/purchase-orders/{po['id']}/send"), 409, "conflict", field="state")
        figures = api.get("/api/v1/suppliers/ACME").json()["reliability"]
        assert (figures["sent"], figures["shipped"], figures["on_time_percent"]) == (1, 0, None)
        acknowledged = api.post(f"/api/v1/purchase-orders/{po['id']}/acknowledge")
        assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
        inbox.refuse = True
        o.order(db, scope, "W2", ("SNK", 1))
        second = api.get("/api/v1/purchase-orders", params={"state": "draft"}).json()[0]
        refused = api.post(f"/api/v1/purchase-orders/{second['id']}/send")
        assert_error(refused, 502, "send_failed", field="smtp")
        assert api.get(f"/api/v1/purchase-orders/{second['id']}").json()["send_error"].startswith("127.0.0.1")


def test_mail_templates_are_read_replaced_refused_naming_the_placeholder_and_reset(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    listed = api.get("/api/v1/purchase-orders/templates")
    assert listed.status_code == 200 and [t["name"] for t in listed.json()] == ["send", "amend", "cancel", "follow-up"]
    built_in = api.get("/api/v1/purchase-orders/templates/follow-up").json()
    assert built_in["custom"] is False and "$reason" in built_in["body"] and "reason" in built_in["placeholders"]
    saved = api.put("/api/v1/purchase-orders/templates/send", json={"body": "PO $number: $lines"})
    assert saved.status_code == 200 and saved.json()["custom"] is True and saved.json()["updated_at"]
    refused = api.put("/api/v1/purchase-orders/templates/send", json={"body": "PO $number for $customer"})
    assert_error(refused, 422, "invalid_input", field="body")
    assert "$customer" in refused.json()["error"]["message"]
    assert api.get("/api/v1/purchase-orders/templates/send").json()["body"] == "PO $number: $lines"
    assert_error(api.get("/api/v1/purchase-orders/templates/invoice"), 404, "not_found", field="name")
    assert_error(api.put("/api/v1/purchase-orders/templates/send", json={"text": "x"}), 422, "invalid_input")
    staff = client_as("staff").put("/api/v1/purchase-orders/templates/send", json={"body": "Hi $number"})
    assert staff.status_code == 403
    reset = api.delete("/api/v1/purchase-orders/templates/send")
    assert reset.status_code == 200 and reset.json()["custom"] is False and "Dear" in reset.json()["body"]


def test_a_draft_sent_by_post_carries_the_edited_send_template(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    with smtp_server() as (inbox, mailer):
        settings = Settings(
            database_url=db.url, secret_key="test-secret", smtp_host=mailer.host, smtp_port=mailer.port,
            smtp_from="orders@shop.example",
        )  # fmt: skip
        admin = client_for(create_app(settings, db), db, scope, "admin")
        assert admin.put("/api/v1/purchase-orders/templates/send", json={"body": "Rush $number!\n"}).status_code == 200
        (po,) = admin.get("/api/v1/purchase-orders").json()
        assert admin.post(f"/api/v1/purchase-orders/{po['id']}/send").status_code == 200
        (mail,) = inbox.messages
        body = mail.get_body(("plain",))
        assert body is not None and body.get_content().strip() == f"Rush {po['number']}!"
