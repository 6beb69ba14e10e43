"""Reading a supplier's reply: the accepted forms, and what is refused rather than guessed."""

from __future__ import annotations

import pytest

from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.domain.supplier_replies import Unreadable, message_ids, po_number_in, read_reply


def test_the_accepted_forms_make_a_shipment() -> None:
    reply = read_reply(
        "Hi,\n  TRACKING NO.: 1Z9  \nshipped via: DHL Express\nTracking URL: https://d.example/1Z9\n"
        "Line: SNK x 2\nline: CAP:1\n> Tracking: old\n"
    )
    lines = (ShipLine("SNK", 2), ShipLine("CAP", 1))
    assert reply.ship == ShipPurchaseOrder("DHL Express", "1Z9", "https://d.example/1Z9", lines)
    assert read_reply("Status: confirmed").ship is None and read_reply("Acknowledged!").acknowledged


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tracking: 1Z1", "no carrier"),
        ("Carrier: UPS", "no tracking number"),
        ("Tracking: 1Z1\nTracking: 1Z2\nCarrier: UPS", "2 tracking numbers"),
        ("Tracking: 1Z1\nCarrier: UPS\nLine: some sneakers", "is not 'Line: SKU x QTY'"),
        ("Line: SNK x 1", "no tracking number nor carrier"),
        ("We have not confirmed anything yet.", "nor an acknowledgement"),
    ],
)
def test_what_cannot_be_read_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read_reply(text)
    assert reason in str(refused.value)


def test_the_purchase_order_is_found_by_message_id_or_a_single_number_in_the_subject() -> None:
    assert message_ids("<a@x>", "<b@x> <a@x>") == ["<a@x>", "<b@x>"]
    assert po_number_in("Re: Purchase order PO-000042") == 42
    assert po_number_in("PO-000001 and PO-000002") is None and po_number_in("hello") is None
