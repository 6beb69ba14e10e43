"""A realistic demo shop: apparel in sizes and colours, warehouses with bins, a shop, a
drop-shipper, channels, and a plausible month of movements — all through the real write path.

Deterministic (seeded): the same database every time. Movements and orders are back-dated over
the past 30 days in time order (none in the future), so ``stock --as-of``, the history charts, the
orders list and the trackers have a story to tell.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.commands import (
    AddLocation,
    AddProduct,
    ComponentSpec,
    CreateChannel,
    OrderLineSpec,
    PlaceOrder,
    SetTracker,
    VariantSpec,
)
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order
from truecount.services.suppliers import records as suppliers
from truecount.services.trackers.watch import set_tracker

from .demo_month import load_month
from .demo_orders import Sales

SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# (name, code, colours, sizes, extra flags)
APPAREL: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Classic tee", "TEE", ("black", "white", "navy", "heather", "forest"), SIZES),
    ("Organic hoodie", "HOOD", ("black", "oat", "navy", "rust", "sage"), SIZES),
    ("Linen shirt", "LIN", ("white", "sky", "sand", "olive", "black"), SIZES),
    ("Rain jacket", "RAIN", ("yellow", "navy", "black", "sunflower"), SIZES),
    ("Denim jacket", "DEN", ("indigo", "black", "bleach"), SIZES),
    ("Running shorts", "RUN", ("black", "navy", "coral", "teal"), ("XS", "S", "M", "L", "XL")),
    (
        "Slim chino",
        "CHI",
        ("khaki", "navy", "olive", "stone"),
        tuple(f"{w}x{leg}" for w in (28, 30, 32, 34, 36, 38) for leg in (30, 32, 34)),
    ),
    ("Merino socks", "SOCK", ("black", "navy", "grey"), ("S", "M", "L")),
    ("Beanie", "BEAN", ("black", "mustard", "navy", "cream", "forest", "rust"), ("OS",)),
    ("Canvas sneaker", "SNK", ("white", "black", "navy"), tuple(str(s) for s in range(38, 47))),
)
WAREHOUSES = (
    ("WH-NORTH", "North warehouse", "warehouse", 10, 4),
    ("WH-SOUTH", "South warehouse", "warehouse", 20, 3),
    ("WH-EAST", "East 3PL", "3pl", 30, 2),
)


@dataclass
class DemoSummary:
    variants: int
    locations: int
    movements: int
    channels: int
    skipped: bool = False


def has_catalogue(db: Database, scope: Scope) -> bool:
    with db.read() as conn:
        return bool(conn.execute(select(func.count()).where(variants.c.merchant_id == scope.merchant_id)).scalar_one())


def ean13(number: int) -> str:
    """A valid EAN-13 from a 12-digit body (check digit computed)."""
    body = f"{number:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def load_demo(
    db: Database, scope: Scope, *, seed: int = 2026, progress: Callable[[str], None] | None = None
) -> DemoSummary:
    """Create the demo catalogue, locations, channels and a month of movements for ``scope``'s merchant."""
    rng = random.Random(seed)
    say = progress or (lambda _message: None)
    with db.unflushed_commits():  # hundreds of small commits; the first ordinary one below flushes them
        say("catalogue")
        skus, lotted, dropship_skus = _catalogue(db, scope)
        say("locations")
        bins = _locations(db, scope)
        _supplier(db, scope, dropship_skus)
        catalog.add_inventory_type(db, scope, "used", sellable=False)
        catalog.add_inventory_type(db, scope, "quality_control", sellable=False)
        say("channels")
        channels = _channels(db, scope)
        say("a month of movements and orders")
        feeds = {spec.code: list(spec.locations) for spec in CHANNELS}
        sales = Sales(db, scope, rng, skus, {skus[6]: 6, skus[7]: 2}, feeds)
        moved = load_month(db, scope, rng, skus, lotted, dropship_skus, bins, sales)
    say("stock health trackers")
    _trackers(db, scope, skus, lotted)
    say("listings and channel rules")
    _listings(db, scope, skus)
    say("a drop-ship order on a purchase order")
    _dropship_order(db, scope, dropship_skus)
    return DemoSummary(len(skus) + len(dropship_skus) + len(lotted) + 3, len(bins) + 5, moved, channels)


def _catalogue(db: Database, scope: Scope) -> tuple[list[str], list[str], list[str]]:
    skus: list[str] = []
    serial = 501234500000
    release = date.today() + timedelta(days=14)
    for name, code, colours, sizes in APPAREL:
        specs = []
        for colour in colours:
            for size in sizes:
                serial += 1
                sku = f"{code}-{colour[:3].upper()}-{size}"
                specs.append(
                    VariantSpec(
                        sku=sku,
                        barcodes=[ean13(serial)],
                        options={"colour": colour, "size": size},
                        discontinued=(code == "DEN" and colour == "bleach"),
                        sellable_from=release if (code == "RAIN" and colour == "sunflower") else None,
                    )
                )
                skus.append(sku)
        catalog.add_product(db, scope, AddProduct(name, specs))
    lotted = ["SUN-50-100ML", "BAR-OAT-12"]
    catalog.add_product(
        db,
        scope,
        AddProduct("Sunscreen SPF50 100 ml", [VariantSpec(sku=lotted[0], barcodes=[ean13(501234599001)])]),
    )
    catalog.add_product(
        db,
        scope,
        AddProduct("Oat energy bars, box of 12", [VariantSpec(sku=lotted[1], barcodes=[ean13(501234599002)])]),
    )
    socks = VariantSpec(
        sku="SOCK-3PK-M",
        options={"size": "M"},
        components=[ComponentSpec(f"SOCK-{c}-M", 1) for c in ("BLA", "NAV", "GRE")],
    )
    tees = VariantSpec(
        sku="TEE-2PK-BLA-M",
        options={"colour": "black", "size": "M"},
        components=[ComponentSpec("TEE-BLA-M", 2)],
    )
    catalog.add_product(db, scope, AddProduct("Everyday socks, 3-pack", [socks]))
    catalog.add_product(db, scope, AddProduct("Classic tee, twin pack", [tees]))
    catalog.add_product(db, scope, AddProduct("Gift card", [VariantSpec(sku="GIFT-25", tracked=False)]))
    dropship = [s for s in skus if s.startswith("SNK-")]
    return [s for s in skus if not s.startswith("SNK-")], lotted, dropship


def _locations(db: Database, scope: Scope) -> list[str]:
    bins: list[str] = []
    for code, name, kind, priority, bin_count in WAREHOUSES:
        catalog.add_location(db, scope, AddLocation(code=code, name=name, kind=kind, priority=priority))
        for i in range(1, bin_count + 1):
            bin_code = f"{code}-{chr(64 + i)}01"
            catalog.add_location(
                db,
                scope,
                AddLocation(
                    code=bin_code, name=f"{name} aisle {chr(64 + i)}", kind=kind, parent=code, priority=priority
                ),
            )
            bins.append(bin_code)
    catalog.add_location(
        db,
        scope,
        AddLocation(code="SHOP-LDN", name="London shop (display stock)", kind="store", saleable=False, priority=50),
    )
    catalog.add_location(
        db, scope, AddLocation(code="DROP-ACME", name="Acme Footwear (drop-ship)", kind="dropship", priority=90)
    )
    return bins


def _supplier(db: Database, scope: Scope, dropship: list[str]) -> None:
    """Acme Footwear stands behind DROP-ACME and carries the sneakers (costs 18.00 to 22.00 EUR): every
    order booked there goes on its purchase orders."""
    cmd = AddSupplier("ACME", "Acme Footwear", "orders@acme-footwear.example", "DROP-ACME", lead_days=2, cutoff="14:00")
    suppliers.add_supplier(db, scope, cmd)
    for i, sku in enumerate(dropship):
        suppliers.set_supplier_item(db, scope, SetSupplierItem("ACME", sku, f"{18 + i % 5}.00", f"AF-{1000 + i}", 6))


def _dropship_order(db: Database, scope: Scope, dropship: list[str]) -> None:
    """One web order of two sneakers, booked at DROP-ACME now: a purchase order waiting to be mailed."""
    lines = [OrderLineSpec(sku, 1) for sku in dropship[:2]]
    place_order(db, replace(scope, actor="sync:shopify"), PlaceOrder("shopify", "DEMO-DS-1", lines))


CHANNELS = (
    CreateChannel("shopify", "shopify", ["WH-NORTH", "WH-SOUTH", "DROP-ACME"]),
    CreateChannel("amazon", "amazon", ["WH-NORTH"], push="interval", push_interval_s=600),
    CreateChannel("ebay", "ebay", ["WH-SOUTH", "WH-EAST"], inventory_types=["good", "used"]),
    CreateChannel("woocommerce", "woocommerce", ["WH-NORTH", "WH-SOUTH"], allocation="most_available"),
    CreateChannel("pos", "pos", ["WH-NORTH"]),
)


def _channels(db: Database, scope: Scope) -> int:
    for spec in CHANNELS:
        create_channel(db, scope, spec)
    return len(CHANNELS)


def _listings(db: Database, scope: Scope, skus: list[str]) -> None:
    """Every apparel variant on Amazon (seller SKU) and eBay (SKU); a few rules to explain."""
    from truecount.domain.commands import SetRule
    from truecount.services.offers.listings import link_many
    from truecount.services.offers.rules import set_rule

    with db.write() as conn:
        link_many(conn, scope.merchant_id, "amazon", [(sku, {"seller_sku": sku}) for sku in skus])
        link_many(conn, scope.merchant_id, "ebay", [(sku, {"sku": sku}) for sku in skus])
    set_rule(db, scope, "amazon", skus[0], SetRule("reserve", 5))
    set_rule(db, scope, "ebay", skus[1], SetRule("percent", percent=50, cap=20))
    set_rule(db, scope, "amazon", skus[2], SetRule("stop_sell"))


def _trackers(db: Database, scope: Scope, skus: list[str], lotted: list[str]) -> None:
    """A few trackers of each mechanism, so the trackers page and its alerts have something to show."""
    wanted = [SetTracker(sku, "good", "stock_quantity", {"below": 20}) for sku in skus[:6]]
    wanted += [SetTracker(sku, "good", "stock_quantity", {"below": 30, "expiry_days": 30}) for sku in lotted]
    wanted += [SetTracker(sku, "good", "turnover_days", {"lookback_days": 30, "coverage_days": 14}) for sku in skus[:2]]
    wanted += [SetTracker(sku, "good", "stalled_days", {"lookback_days": 14, "quantity": 5}) for sku in skus[6:8]]
    for cmd in wanted:
        set_tracker(db, scope, cmd)


def summary_text(summary: DemoSummary) -> str:
    return (
        f"demo loaded: {summary.variants} variants, {summary.locations} locations, "
        f"{summary.channels} channels, {summary.movements} movements over 30 days"
    )
