"""The stock screen and the variant page show what each channel is offered, and why."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from sqlalchemy import event

from tests import factories as f
from tests import offer_factories as o
from tests import tracker_factories as t
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offers
from truecount.settings import Settings


def offer_cells(page: str, sku: str) -> list[tuple[str, str, str]]:
    """(title, channel, quantity) of each offer shown in the stock row of ``sku``."""
    row = page.split(f'data-sku="{sku}"', 1)[1].split("</tbody>", 1)[0]
    found = re.findall(r'<span class="offer" title="([^"]*)">([^:<]+): <b>(\d+)</b></span>', row)
    return [(html.unescape(t), c, q) for t, c, q in found]


def test_the_stock_screen_shows_each_channels_offer_with_its_explanation(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH")
    f.location(db, scope, "QC", saleable=False)
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 30, "WH")
    f.receive(db, scope, "MUG", 9, "QC")
    o.channel(db, scope, "amazon", ["WH", "QC"])
    o.channel(db, scope, "shop", ["WH"])
    o.rule(db, scope, "amazon", "MUG", "reserve", quantity=10)
    client, _ = signed_in(api_app, db, scope, "viewer")

    cells = offer_cells(client.get("/", params={"q": "MUG"}).text, "MUG")

    assert [(c, q) for _t, c, q in cells] == [("amazon", "20"), ("shop", "30")]
    amazon_why = cells[0][0]
    assert "WH good: available 30" in amazon_why and "QC" not in amazon_why
    assert "reserve" in amazon_why and amazon_why.rstrip().endswith("offered 20")


def test_the_variant_page_explains_a_bundle_offer_through_its_components(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "BOTTLE")
    f.variant(db, scope, "PACK10", components=[("BOTTLE", 10)])
    f.receive(db, scope, "BOTTLE", 200, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.rule(db, scope, "shop", "BOTTLE", "reserve", quantity=40)
    client, _ = signed_in(api_app, db, scope, "viewer")

    page = html.unescape(client.get("/variants/PACK10").text)

    assert "Offered per channel" in page
    assert "BOTTLE × 10: 160 before its cap → 16 bundle(s)" in page
    assert "offered 16" in page


def test_offers_for_skus_answers_every_channel_for_each_sku_and_nothing_for_unknown_ones(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "GIFT", tracked=False)
    o.channel(db, scope, "pos", ["WH"], always_in_stock=7)
    o.channel(db, scope, "web", ["WH"], always_in_stock=3)

    found = offers.offers_for_skus(db, scope, ["GIFT", "NOPE"])

    assert [(x.channel, x.quantity) for x in found["GIFT"]] == [("pos", 7), ("web", 3)]
    assert "NOPE" not in found and found["GIFT"][0].detail["quantity"] == 7
    assert offers.offers_for_skus(db, scope, []) == {}


def test_the_stock_screen_reads_its_rows_offers_and_alert_count_in_one_transaction(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    for sku in ("CUP", "MUG"):
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, 30, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.rule(db, scope, "shop", "MUG", "reserve", quantity=10)
    t.tracker(db, scope, "CUP", "stock_quantity", below=40)
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", auth_cache_s=3600), db)
    client, _ = signed_in(app, db, scope, "viewer")  # its session's lookup is remembered (an hour)
    begun: list[object] = []

    def began(conn: object) -> None:
        begun.append(conn)

    event.listen(db.engine, "begin", began)
    try:
        page = client.get("/").text
    finally:
        event.remove(db.engine, "begin", began)

    assert len(begun) == 1
    assert [(c, q) for _t, c, q in offer_cells(page, "CUP")] == [("shop", "30")]
    assert [(c, q) for _t, c, q in offer_cells(page, "MUG")] == [("shop", "20")]
    assert "1 stock health tracker below 100%" in page
