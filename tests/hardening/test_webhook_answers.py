"""A webhook without the channel's secret learns nothing: an unknown merchant, an unknown channel, a
channel that sends no webhooks and a bad signature all get the same answer."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import merchant_code
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def test_unknown_merchant_unknown_channel_and_bad_signature_answer_alike(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    of.channel(db, scope, "shop", ["WH1"], kind="shopify", config={"webhook_secret": "s3cret"})
    of.channel(db, scope, "till", ["WH1"], kind="pos")
    merchant = merchant_code(db, scope)
    client = TestClient(api_app)
    headers = {"X-Shopify-Hmac-Sha256": "AAAA", "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "d1"}
    answers = [
        client.post(f"/api/v1/webhooks/shop?merchant=nope-{merchant}", content=b"{}", headers=headers),
        client.post(f"/api/v1/webhooks/nope?merchant={merchant}", content=b"{}", headers=headers),
        client.post(f"/api/v1/webhooks/till?merchant={merchant}", content=b"{}", headers=headers),
        client.post(f"/api/v1/webhooks/shop?merchant={merchant}", content=b"{}", headers=headers),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1, [a.text for a in answers]
    assert "nope" not in answers[0].text
